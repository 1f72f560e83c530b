"""Comment HTML into what Discord shows (markdown) and what search reads (plain text).

A comment in an export is HTML: WordPress stores what the commenter typed (blank lines for
paragraphs, a few allowed tags) and adds paragraphs only when showing it; Disqus stores finished
HTML. Both become two strings, from one parse:

``body``
    Discord markdown, ready to show. Every character that was text in the HTML is escaped with
    :func:`bot.render.markdown.escape_archive_text` (so ``*``, ``_``, ``#`` and mentions typed
    by the
    commenter show literally and ping no one); the only live markup is the comment's own:
    paragraphs, line breaks, links, emphasis, strike-through, lists, quotes and code. Nothing else
    of the HTML survives: unknown tags give their text, scripts and styles give nothing.
    Renderers must not escape ``body`` again.
``text``
    The same words as plain, unescaped text without markup (link targets dropped), for full-text
    search, snippets and autocomplete, which escape it like any other archive text.

Markdownify (a kept library) does the HTML work; plain comments, the large majority, skip it
through a fast path that gives the same result.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from bot.render.markdown import escape_archive_text

_BLOCK_TAGS = r"p|div|ul|ol|li|blockquote|pre|h[1-6]|table|thead|tbody|tr|td|th|hr|dl|dt|dd"
# White space with a line break next to a block tag is layout, not a line break in the text.
_AROUND_BLOCK = re.compile(
    rf"\s*\n\s*(</?(?:{_BLOCK_TAGS})\b[^>]*>)|(</?(?:{_BLOCK_TAGS})\b[^>]*>)\s*\n\s*", re.I
)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.I | re.S)
_BLANK_LINE = re.compile(r"[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+[ \t\r\f\v]*")
_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
# Every character escape_archive_text can act on (a superset): text without any of them, most
# sentences of prose, is returned as it is without running the full escaper.
_ESCAPABLE = re.compile(r"[\\*_~`|\[>#+\-@<]|[0-9]\.")
_LOOSE_AMPERSAND = re.compile(r"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")
_SAFE_LINK = re.compile(r"(?:https?|ftp)://\S+", re.I)


def convert(raw: str, *, typed: bool) -> tuple[str, str]:
    """``(body, text)`` for a comment's raw HTML.

    ``typed`` is True for WordPress, whose comments keep the commenter's own line breaks (a blank
    line is a paragraph, a single break a line break), False for finished HTML (Disqus).
    """
    if "<" not in raw and not _LOOSE_AMPERSAND.search(raw):
        # No tags: complete entities are the only HTML (pingbacks' "[&#8230;]"), and once
        # decoded the text takes the fast path, as markdownify would read it. (Parsers differ on
        # an ampersand that starts no complete entity, so that text goes the long way.)
        return _plain(html.unescape(raw) if "&" in raw else raw, typed=typed)
    soup = BeautifulSoup(_line_breaks_as_html(raw, typed=typed), "html.parser")
    body = _tidy(_DISCORD.convert_soup(soup))
    text = _tidy(_PLAIN.convert_soup(soup))
    return body, text


def _plain(raw: str, *, typed: bool) -> tuple[str, str]:
    text = _SPACES.sub(" ", raw)
    if typed:
        text = _EXTRA_BLANK_LINES.sub("\n\n", _LINE_BREAK.sub("\n", text))
    else:
        text = _SPACES.sub(" ", _LINE_BREAK.sub(" ", text))
    text = text.strip()
    return escape(text), text


def _line_breaks_as_html(raw: str, *, typed: bool) -> str:
    """Line breaks outside <pre> as HTML means them.

    Typed (WordPress) text is read as WordPress shows it: blank lines are paragraphs, other
    breaks are <br>. In finished HTML a line break is only white space.
    """
    parts = _PRE.split(raw.strip())
    for i in range(0, len(parts), 2):  # the even parts are outside <pre>
        part = parts[i]
        if typed:
            part = _AROUND_BLOCK.sub(lambda m: m[1] or m[2], part)
            part = _BLANK_LINE.sub("<br><br>", part)
            parts[i] = _LINE_BREAK.sub("<br>", part)
        else:
            parts[i] = _LINE_BREAK.sub(" ", part)
    return "".join(parts)


def escape(text: str) -> str:
    """:func:`escape_archive_text`, skipped for text it would leave unchanged."""
    return escape_archive_text(text) if _ESCAPABLE.search(text) else text


def _tidy(markdown: str) -> str:
    markdown = _TRAILING_SPACE.sub("\n", markdown)
    return _EXTRA_BLANK_LINES.sub("\n\n", markdown).strip()


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


class _PlainText(_DiscordMarkdown):
    """The same walk with every piece of markup left out: the words only."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        return text

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"\n\n{text.strip()}\n\n"

    def _inline(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text

    convert_b = convert_strong = convert_em = convert_i = convert_u = _inline
    convert_del = convert_s = convert_code = convert_kbd = convert_samp = _inline

    def convert_blockquote(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"\n\n{text.strip()}\n\n"

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"\n\n{text.strip()}\n\n"


_DISCORD = _DiscordMarkdown()
_PLAIN = _PlainText()
