"""An export comment's HTML into the Discord markdown shown for it, when it is shown.

Exports store what the commenter wrote as HTML. Turning it into markdown costs a parse per
comment (130-350 us), which at ingest would be most of the time a million comments take; shown,
it is a handful of comments at a time. So ingest keeps the HTML (see
:mod:`bot.archive.exports.html`) and this module converts it here.

Every character that was text in the HTML is escaped with :func:`escape_archive_text` (``*``,
``_``, ``#`` and mentions typed by the commenter show literally and ping no one); the only live
markup is the comment's own: paragraphs, line breaks, links, emphasis, strike-through, lists,
quotes and code. Nothing else of the HTML survives: unknown tags give their text, scripts and
styles give nothing. Markdownify (a kept library) does the HTML work.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from bot.archive.models import Comment, Discussion
from bot.render.markdown import escape_archive_text

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
# Every character escape_archive_text can act on (a superset): text without any of them, most
# sentences of prose, is returned as it is without running the full escaper.
_ESCAPABLE = re.compile(r"[\\*_~`|\[>#+\-@<]|[0-9]\.")
_SAFE_LINK = re.compile(r"(?:https?|ftp)://\S+", re.I)


def body_markdown(item: Comment | Discussion) -> str:
    """A comment's or discussion's text as Discord shows it: its HTML converted when it has
    any, its plain text escaped otherwise (the page, and export comments without markup)."""
    return html_to_markdown(item.html) if item.html else escape(item.body)


def html_to_markdown(html: str) -> str:
    """Finished HTML (line breaks already made tags, as ingest stores it) as Discord markdown."""
    soup = BeautifulSoup(html, "html.parser")
    markdown = _TRAILING_SPACE.sub("\n", _DISCORD.convert_soup(soup))
    return _EXTRA_BLANK_LINES.sub("\n\n", markdown).strip()


def escape(text: str) -> str:
    """:func:`escape_archive_text`, skipped for text it would leave unchanged."""
    return escape_archive_text(text) if _ESCAPABLE.search(text) else text


class _DiscordMarkdown(MarkdownConverter):
    """Markdownify, speaking the subset of markdown Discord renders."""

    class Options(MarkdownConverter.DefaultOptions):  # type: ignore[misc,name-defined]
        bullets = "-"
        strong_em_symbol = "*"
        escape_asterisks = False
        escape_underscores = False

    def escape(self, text: str, parent_tags: set[str]) -> str:
        return escape(text) if text else ""

    def convert_br(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n"

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = (el.get("href") or "").strip()
        if "_noformat" in parent_tags or not _SAFE_LINK.fullmatch(href):
            return text
        if not text.strip() or text.replace("\\", "") == href:
            return href
        # Angle brackets keep Discord from embedding a preview of every linked page.
        label = text.replace("]", "\\]")
        return f"[{label}](<{href}>)"

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # Discord shows no inline images; the picture's description stands in for it.
        alt = (el.get("alt") or "").strip()
        return self.escape(alt, parent_tags) if alt else ""

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        # Comment headings are emphasis, not document structure: bold, on their own line.
        text = text.strip()
        return f"\n\n**{text}**\n\n" if text else ""

    def convert_u(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"__{text}__" if text.strip() else text

    def convert_address(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # A block in HTML that markdownify reads as inline: keep it apart from what follows.
        return f"\n\n{text.strip()}\n\n" if text.strip() else ""

    def convert_hr(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n\n"


_DISCORD = _DiscordMarkdown()
