"""Search results as Discord shows them: the page embed, its paging, and the query it carries.

The search layer returns raw snippets with the matched spans marked; here they are escaped and
the matches made bold. Paging arithmetic is :class:`Paging`, which both the footer and the
buttons read, so they can never disagree about which page is shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import discord

from bot.archive.outline import Ref
from bot.archive.search import SearchHit, SearchPage
from bot.render.limits import EMBED_DESCRIPTION
from bot.render.markdown import bold_spans
from bot.render.text import label

# The buttons under a page of results rebuild it from the message they sit on (after a
# restart too), so the exact query travels in the embed's author line, a plain-text surface
# that shows it unescaped and holds 256 characters; an author filter travels as the footer's
# last line (plain text too).
_QUERY_PREFIX = "Searched for: "
_AUTHOR_PREFIX = "Only comments by "
MAX_QUERY = 200
TOO_BROAD = "That search matches too much to finish in time: add words to narrow it."
_BOLD = re.compile(r"(?<!\\)\*\*")
# An author's name or a discussion's title in a result's heading: enough to tell them apart.
BYLINE = 60


@dataclass(frozen=True, slots=True)
class Paging:
    """Where one page of ``size`` results starting at ``offset`` sits among ``total``."""

    offset: int
    total: int
    size: int

    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    @property
    def count(self) -> int:
        return max(math.ceil(self.total / self.size), 1)

    @property
    def last(self) -> int:
        """The offset of the last page."""
        return (self.count - 1) * self.size

    @property
    def previous(self) -> int:
        return max(self.offset - self.size, 0)

    @property
    def next(self) -> int:
        return min(self.offset + self.size, self.last)

    @property
    def is_first(self) -> bool:
        return self.offset == 0

    @property
    def is_last(self) -> bool:
        return self.offset >= self.last


def normalise_query(query: str) -> str:
    """The query as it is searched and carried: on one line, single-spaced."""
    return " ".join(query.split())


def query_of(embeds: Sequence[discord.Embed]) -> str | None:
    """The query a results message was built for, read back from its embeds."""
    author = embeds[0].author.name if embeds else None
    if not author or not author.startswith(_QUERY_PREFIX):
        return None
    return author.removeprefix(_QUERY_PREFIX) or None


def author_filter_of(embeds: Sequence[discord.Embed]) -> str | None:
    """The author a results message was filtered by, read back from its embeds."""
    footer = embeds[0].footer.text if embeds else None
    last = footer.splitlines()[-1] if footer else ""
    return last.removeprefix(_AUTHOR_PREFIX) if last.startswith(_AUTHOR_PREFIX) else None


def hit_ref(hit: SearchHit, several: bool) -> str:
    """How a result's comment is typed: "3.2", or "4/3.2" in an archive of several discussions."""
    return str(Ref(hit.discussion, hit.comment_id)) if several else hit.comment_id


def parent_ref(hit: SearchHit, several: bool) -> str | None:
    """How the comment a result answers is typed; None for a top-level comment."""
    if hit.parent_id is None:
        return None
    return hit_ref(replace(hit, comment_id=hit.parent_id), several)


def _shorten_snippet(snippet: str, limit: int) -> str:
    if len(snippet) <= limit:
        return snippet
    # Cut at a space so no escape is split from its character, and close a bold match the cut
    # left open so it does not run into the next hit.
    cut = snippet.rfind(" ", 0, limit - 3)
    short = snippet[: cut if cut > 0 else limit - 3].rstrip() + "…"
    return short + "**" if len(_BOLD.findall(short)) % 2 else short


def _hit_heading(hit: SearchHit, discussions: Mapping[int, str]) -> str:
    """The result's ref and place; its author, and its discussion's title when the archive has
    several (``discussions``: their titles by number)."""
    several = bool(discussions)
    ref, parent = hit_ref(hit, several), parent_ref(hit, several)
    if parent is None:
        heading = f"**{ref}** (top level)"
    else:
        heading = f"**{ref}** (reply to {parent}, depth {hit.depth})"
    if hit.author:
        heading += f" · {label(hit.author, BYLINE)}"
    if several:
        heading += f" · in “{label(discussions.get(hit.discussion, '?'), BYLINE)}”"
    return heading


def _footer(page: SearchPage, paging: Paging, author: str | None) -> str:
    first, last = page.offset + 1, page.offset + len(page.hits)
    if page.unranked:
        # Counting stopped at the ranking limit, so the total is a floor, not a count.
        footer = (
            f"Results {first}–{last} of more than {page.total:,}"
            " · too many to rank, so in page order: add words to narrow them"
        )
    else:
        footer = f"Results {first}–{last} of {page.total}"
        if paging.count > 1:
            footer += f" · page {paging.number} of {paging.count}"
    return footer if author is None else f"{footer}\n{_AUTHOR_PREFIX}{author}"


def search_embed(
    page: SearchPage,
    page_size: int,
    *,
    discussions: Mapping[int, str] | None = None,
    author: str | None = None,
) -> discord.Embed:
    """One page of search results as a single embed.

    Snippets are escaped with their matches in bold, and shortened only if a page could not
    otherwise fit one embed. ``discussions``: the titles of the hits' discussions by number, in
    an archive of several (each result says which it belongs to); ``author``: the author the
    search was limited to.
    """
    lines: list[str] = []
    if page.suggestion:
        lines.append(f"Did you mean **{label(page.suggestion)}**?")
    if page.too_broad:
        lines.append(TOO_BROAD)
    elif not page.hits:
        lines.append("No comments match.")
    headings = [_hit_heading(hit, discussions or {}) for hit in page.hits]
    # Room left after the fixed lines, headings and the blank lines between entries.
    spare = EMBED_DESCRIPTION - sum(len(line) + 2 for line in lines + headings) - len(headings)
    per_snippet = spare // max(len(page.hits), 1)
    for heading, hit in zip(headings, page.hits, strict=True):
        snippet = _shorten_snippet(bold_spans(hit.snippet, hit.highlights), per_snippet)
        lines.append(f"{heading}\n{snippet}")

    embed = discord.Embed(title=f"Search: {label(page.query)}", description="\n\n".join(lines))
    embed.set_author(name=_QUERY_PREFIX + normalise_query(page.query))
    if page.hits:
        embed.set_footer(text=_footer(page, Paging(page.offset, page.total, page_size), author))
    return embed
