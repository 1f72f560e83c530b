"""Everything that knows Discord's limits and markup: escaping, splitting and embeds.

Commands never build message text from archive records themselves; they call these helpers so
that every limit and every escaping rule lives in one place.

Two kinds of surface take text:

* Markdown surfaces (message content, embed titles, descriptions, field names and values)
  render Discord markdown and mentions, so archive text shown there goes through
  :func:`escape_archive_text` exactly once, before it is split or combined with our own markup.
* Plain-text surfaces (embed author and footer, choice names, thread names) render neither, so
  they take the raw text: escaping there would show stray backslashes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from bot.archive.models import Comment, CommentKind, Member, Post, Resolution
from bot.archive.search import SearchHit, SearchPage
from bot.markdown import escape_archive_text, neutralise_mentions

# Discord's limits, in characters (code points, which is what Python's len() and discord.py's
# len(embed) count).
MESSAGE = 2000
EMBED_DESCRIPTION = 4096
# Shared by all embeds of one message, and by each embed on its own.
EMBED_TOTAL = 6000
EMBED_FIELDS = 25
EMBED_TITLE = 256
EMBED_AUTHOR = 256
EMBED_FOOTER = 2048
EMBEDS_PER_MESSAGE = 10
FIELD_NAME = 256
FIELD_VALUE = 1024
CHOICE_NAME = 100
CHOICES = 25
THREAD_NAME = 100

PLACEHOLDER_TEXT = (
    "Not in the archive: the page shows replies at this level without the comment they answer."
)

# Ancestors are context, not content: one short line each keeps the field readable.
CONTEXT_LABEL = 80
# Archive text that ends up in titles and field names is cut to this before escaping, so that the
# escaped form (at most twice as long) plus our own wording stays under the 256-character limits.
_NAME_LABEL = 100


# --- splitting ------------------------------------------------------------------------------

# No-break spaces are excluded: the author asked for those words to stay together.
_BREAK = re.compile(r"[^\S\xa0\u2007\u202f]+")
_SENTENCE_END = frozenset(".?!…")
_CLOSING = frozenset("\"'”’»)]")
_PARAGRAPH, _LINE, _SENTENCE, _WORD = range(4)
# How far back a hard split may move to land before a letter.
_HARD_SPLIT_LOOKBACK = 32


def _break_level(text: str, start: int, gap: str) -> int:
    newlines = gap.count("\n")
    if newlines >= 2:
        return _PARAGRAPH
    if newlines:
        return _LINE
    before = start - 1
    while before >= 0 and text[before] in _CLOSING:
        before -= 1
    if before >= 0 and text[before] in _SENTENCE_END:
        return _SENTENCE
    return _WORD


def _split_point(text: str, limit: int) -> tuple[int, int]:
    """Return (end of this chunk, start of the next) for text longer than limit."""
    best: dict[int, tuple[int, int]] = {}
    for gap in _BREAK.finditer(text):
        if gap.start() > limit:
            break
        # A gap at the very start would leave an empty chunk.
        if gap.start() > 0:
            best[_break_level(text, gap.start(), gap[0])] = gap.span()
    if best:
        return best[min(best)]
    leading = _BREAK.match(text)
    if leading:
        # Indentation the first word does not fit after is the first split point.
        return 0, leading.end()
    cut = _hard_cut(text, limit)
    return cut, cut


def _hard_cut(text: str, limit: int) -> int:
    """Where to cut a word longer than the limit: a little early if that puts the cut just
    before a letter, so no escape or combining mark is separated from its character; otherwise
    at the limit, or one before it if that is what keeps an escape whole."""
    for cut in range(limit, max(limit // 2, limit - _HARD_SPLIT_LOOKBACK), -1):
        if text[cut].isalpha():
            return cut
    return limit - 1 if limit > 1 and not _keeps_escapes(text, limit) else limit


def _keeps_escapes(text: str, cut: int) -> bool:
    """Whether cutting at ``cut`` leaves an even run of backslashes (escaped backslashes) before
    it rather than a backslash whose escaped character would go to the next chunk."""
    run = 0
    while run < cut and text[cut - run - 1] == "\\":
        run += 1
    return run % 2 == 0


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most ``limit`` characters without losing any of it.

    Split points are whitespace runs, preferring, in order: paragraph breaks (a blank line),
    line breaks, sentence ends (after ``. ? ! …``, also when followed by closing quotes or
    brackets, as in ``“No.” Then``), then any space. Within a preference the last split point
    that fits is used, so as many paragraphs (lines, sentences, words) as fit share a chunk.

    The whitespace run at a split point is dropped; nothing else is removed or altered, and
    re-inserting those runs between the chunks gives back the text. A text that fits is returned
    as it is; one that does not may lose trailing whitespace (a split point like any other) and
    its indentation, if the first word does not fit after it. No-break spaces are never split
    at. Empty text gives no chunks.

    A word is only cut when it alone is longer than ``limit``: it is then hard-split, a little
    before the limit when that lets the next chunk start with a letter, and never between a
    backslash and the character it escapes (for limits above 1).
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        end, resume = _split_point(rest, limit)
        if end:
            chunks.append(rest[:end])
        rest = rest[resume:]
    if rest:
        chunks.append(rest)
    return chunks


def truncate_label(text: str, limit: int) -> str:
    """Fit text on one line of at most ``limit`` characters, for labels the UI keeps short.

    Meant for choice names, thread names and context lines, where the full text is available
    elsewhere. Whitespace (newlines included) collapses to single spaces. Too-long text is cut at
    the last word boundary that leaves room for "…"; if that would keep less than half the room,
    or there is no boundary, the cut is made mid-word instead.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    room = limit - 1
    boundary = line.rfind(" ", 0, room + 1)
    end = boundary if boundary >= room // 2 and boundary > 0 else room
    # A comma or colon left before the ellipsis reads like a typo.
    return line[:end].rstrip(" ,;:") + "…"


# --- embeds ---------------------------------------------------------------------------------


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _label(text: str, limit: int = _NAME_LABEL) -> str:
    """Archive text for a title, field name or heading: shortened raw, then escaped."""
    return escape_archive_text(truncate_label(text, limit))


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    value: str
    inline: bool = False


def _build_embeds(
    title: str,
    description: str = "",
    fields: Sequence[_Field] = (),
    *,
    quote: bool = False,
    author: str | None = None,
    footer: str | None = None,
) -> list[discord.Embed]:
    """Lay out escaped text and fields over as many embeds as the limits require.

    Every embed carries the title (marked as continued after the first), author and footer, so
    each one makes sense on its own whether a caller stacks them in a message or pages them.
    ``quote`` block-quotes every part of the description.
    """
    continued = f"{title} (continued)"
    prefix = ">>> " if quote else ""
    fixed = len(continued) + len(author or "") + len(footer or "")
    budget = min(EMBED_DESCRIPTION, EMBED_TOTAL - fixed) - len(prefix)

    embeds: list[discord.Embed] = []

    def new_embed(text: str | None = None) -> discord.Embed:
        embed = discord.Embed(title=continued if embeds else title, description=text)
        if author:
            embed.set_author(name=author)
        if footer:
            embed.set_footer(text=footer)
        embeds.append(embed)
        return embed

    for part in split_text(description, budget):
        new_embed(prefix + part)
    current = embeds[-1] if embeds else new_embed()

    for field in fields:
        for index, value in enumerate(split_text(field.value, FIELD_VALUE)):
            name = field.name if index == 0 else f"{field.name} (continued)"
            full = len(current.fields) >= EMBED_FIELDS
            if full or len(current) + len(name) + len(value) > EMBED_TOTAL:
                current = new_embed()
            current.add_field(name=name, value=value, inline=field.inline)
    return embeds


def embed_batches(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds, in order, into lists that can each be sent as one message.

    Discord applies the 6000-character total to all embeds of a message together and allows at
    most 10 per message.
    """
    batches: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not batches or len(batches[-1]) == EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_TOTAL:
            batches.append([])
            size = 0
        batches[-1].append(embed)
        size += len(embed)
    return batches


def resolution_embeds(resolution: Resolution, post: Post) -> list[discord.Embed]:
    """The resolution: preamble and resolving clause quoted, the recorded vote and the date."""
    parts = (resolution.preamble, resolution.resolving_clause)
    text = "\n\n".join(escape_archive_text(part) for part in parts if part)
    fields = [
        _Field("Recorded vote", escape_archive_text(resolution.vote)),
        # Day written out rather than via %-d, which not every platform's strftime knows.
        _Field("Date", f"{resolution.date.day} {resolution.date:%B %Y}"),
    ]
    return _build_embeds(
        "Resolution",
        text,
        fields,
        quote=True,
        footer=truncate_label(f"Source: {post.title}", EMBED_FOOTER),
    )


def _join_within(items: Sequence[str], separator: str, limit: int) -> list[str]:
    """Join items into as few strings of at most ``limit`` as possible, never splitting an item
    that fits on its own (split_text would happily split a name at its inner space)."""
    parts: list[str] = []
    for item in items:
        if parts and len(parts[-1]) + len(separator) + len(item) <= limit:
            parts[-1] += separator + item
        else:
            parts.extend(split_text(item, limit))
    return parts


def members_embeds(
    members: list[Member], city_counts: list[tuple[str, int]], city: str | None
) -> list[discord.Embed]:
    """Members grouped by city, one field per city, cities ordered as in ``city_counts``.

    ``members`` are the members to show (all, or those of ``city``); ``city_counts`` covers the
    whole archive and gives the order (most members first) and, when a city is asked for, the
    total it is compared with.
    """
    groups: dict[str, list[str]] = {name: [] for name, _ in city_counts}
    for member in members:
        groups.setdefault(member.city, []).append(escape_archive_text(member.name))
    groups = {name: names for name, names in groups.items() if names}

    fields: list[_Field] = []
    for name, names in groups.items():
        label = f"{_label(name)} ({len(names)})"
        fields.extend(_Field(label, value) for value in _join_within(names, ", ", FIELD_VALUE))

    archive_total = sum(count for _, count in city_counts)
    if city is None:
        title = "Members"
        summary = f"{_plural(len(members), 'member')} in {_plural(len(groups), 'city', 'cities')}."
    elif groups:
        # The members' own spelling, not however the user typed the city.
        shown = _label(next(iter(groups)))
        title = f"Members in {shown}"
        summary = f"{_plural(len(members), 'member')} of {archive_total} in the archive."
    else:
        title = "Members"
        summary = f"No members in {_label(city)}."
    return _build_embeds(title, summary, fields)


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _context_line(ancestor: Comment) -> str:
    if not ancestor.in_archive:
        return f"↳ {ancestor.id} — not in the archive"
    return f"↳ {ancestor.id} — {_label(_first_line(ancestor.body), CONTEXT_LABEL)}"


def comment_choice(comment: Comment) -> str:
    """An autocomplete choice name for a comment: its id and how its first line starts.

    Choice names are plain text, so the raw text is used.
    """
    if not comment.in_archive:
        summary = "not in the archive"
    elif comment.kind is CommentKind.PINGBACK:
        summary = f"pingback: {comment.link_title or _first_line(comment.body)}"
    else:
        summary = _first_line(comment.body)
    return truncate_label(f"{comment.id} — {summary}", CHOICE_NAME)


def _byline(comment: Comment) -> str | None:
    parts = (comment.author, comment.link_title, comment.link_site, comment.date)
    present = [part for part in parts if part]
    return truncate_label(" · ".join(present), EMBED_AUTHOR) if present else None


def comment_embeds(
    comment: Comment, ancestors: list[Comment], reply_count: int
) -> list[discord.Embed]:
    """One comment in full, with the first line of each ancestor (root first) as context.

    Author, link title/site (pingbacks) and date, when present, go in the embed's author line.
    """
    kind = "Pingback" if comment.kind is CommentKind.PINGBACK else "Comment"
    text = escape_archive_text(comment.body) if comment.in_archive else PLACEHOLDER_TEXT
    fields: list[_Field] = []
    if ancestors:
        fields.append(_Field("In reply to", "\n".join(_context_line(a) for a in ancestors)))
    return _build_embeds(
        f"{kind} {comment.id}",
        text,
        fields,
        author=_byline(comment),
        footer=_plural(reply_count, "reply", "replies") if reply_count else "No replies",
    )


# Read-only properties, so that search's dataclasses (and test doubles) match structurally.
_BOLD = re.compile(r"(?<!\\)\*\*")


def _shorten_snippet(snippet: str, limit: int) -> str:
    if len(snippet) <= limit:
        return snippet
    # Cut at a space so no escape is split from its character, and close a bold match the cut
    # left open so it does not run into the next hit.
    cut = snippet.rfind(" ", 0, limit - 3)
    short = snippet[: cut if cut > 0 else limit - 3].rstrip() + "…"
    return short + "**" if len(_BOLD.findall(short)) % 2 else short


def _marked_snippet(hit: SearchHit) -> str:
    """The raw snippet escaped, with its highlight spans in bold."""
    parts, last = [], 0
    for start, end in hit.highlights:
        parts += [escape_archive_text(hit.snippet[last:start]), "**"]
        parts += [escape_archive_text(hit.snippet[start:end]), "**"]
        last = end
    parts.append(escape_archive_text(hit.snippet[last:]))
    return "".join(parts)


def _hit_heading(hit: SearchHit) -> str:
    if hit.parent_id is None:
        return f"**{hit.comment_id}** (top level)"
    return f"**{hit.comment_id}** (reply to {hit.parent_id}, depth {hit.depth})"


def search_embed(page: SearchPage, page_size: int) -> discord.Embed:
    """One page of search results as a single embed.

    Snippets come from the search layer as raw text with highlight spans; they are escaped
    here, with the spans in bold, and kept from pinging. They are shortened only if a page could
    not otherwise fit one embed.
    """
    title = f"Search: {_label(page.query)}"
    lines: list[str] = []
    if page.suggestion:
        lines.append(f"Did you mean **{_label(page.suggestion)}**?")
    if not page.hits:
        lines.append("No comments match.")
    headings = [_hit_heading(hit) for hit in page.hits]
    # Room left after the fixed lines, headings and the blank lines between entries.
    spare = EMBED_DESCRIPTION - sum(len(line) + 2 for line in lines + headings) - len(headings)
    per_snippet = spare // max(len(page.hits), 1)
    for heading, hit in zip(headings, page.hits, strict=True):
        snippet = _shorten_snippet(neutralise_mentions(_marked_snippet(hit)), per_snippet)
        lines.append(f"{heading}\n{snippet}")

    embed = discord.Embed(title=title, description="\n\n".join(lines))
    if page.hits:
        first, last = page.offset + 1, page.offset + len(page.hits)
        pages = math.ceil(page.total / page_size)
        if page.unranked:
            # Counting stopped at the ranking limit, so the total is a floor, not a count.
            footer = f"Results {first}–{last} of more than {page.total:,}"
            footer += " · too many to rank, so in page order: add words to narrow them"
        else:
            footer = f"Results {first}–{last} of {page.total}"
            if pages > 1:
                footer += f" · page {page.offset // page_size + 1} of {pages}"
        embed.set_footer(text=footer)
    return embed


def comment_message_parts(comment: Comment) -> list[str]:
    """Plain message contents replaying one comment: a header line, then the body.

    The header (id, depth, author, link, date) appears in the first part only; the body is split
    to fit the message limit.
    """
    if not comment.in_archive:
        return [f"**{comment.id}** · not in the archive (the page shows its replies without it)"]
    header = [f"**{comment.id}**", f"depth {comment.depth}"]
    if comment.kind is CommentKind.PINGBACK:
        header.append("pingback")
    header += [
        _label(part)
        for part in (comment.author, comment.link_title, comment.link_site, comment.date)
        if part
    ]
    heading = " · ".join(header)
    # Splitting the body for the first part's room keeps the header with the start of the body;
    # splitting header and body together would rather break at the header's own newline.
    parts = split_text(escape_archive_text(comment.body), MESSAGE - len(heading) - 1)
    if not parts:
        return [heading]
    parts[0] = f"{heading}\n{parts[0]}"
    return parts


def about_embed(
    post: Post, counts: dict[str, int], command_list: Sequence[tuple[str, str]]
) -> discord.Embed:
    """The /about card: the archived post, the archive's size, and the commands to read it."""
    commands_text = "\n".join(f"`/{name}` {description}" for name, description in command_list)
    embed = discord.Embed(
        title=escape_archive_text(post.title),
        # The description rather than a field holds the commands: fields stop at 1024 characters.
        description=(
            f"An archive of this post from {post.date.day} {post.date:%B %Y} and the discussion"
            f" under it, to read, search and replay here.\n\n**Commands**\n{commands_text}"
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="In the archive",
        value="\n".join(
            (
                f"{counts['comments']} comments",
                f"{counts['pingbacks']} pingbacks from other sites",
                f"{counts['placeholders']} placeholders for comments the page lacks",
                f"{counts['members']} members named in the resolution",
            )
        ),
    )
    return embed


# --- /thread replay -------------------------------------------------------------------------


def thread_name(comment: Comment) -> str:
    """The replay thread's name: the comment's id and its first words (a plain-text surface)."""
    words = comment.body if comment.in_archive else "not in the archive"
    return truncate_label(f"{comment.id} · {words}", THREAD_NAME)


def replies_under(total: int) -> str:
    """ " and the N replies under it" for a replay of ``total`` comments, or "" for a leaf."""
    replies = total - 1
    return f" and the {_plural(replies, 'reply', 'replies')} under it" if replies else ""


def replay_header(comment: Comment, total: int, post: Post, by: int) -> str:
    """The replay's first message: which comment, how many follow, where it comes from."""
    what = f"comment {comment.id}"
    if not comment.in_archive:
        what += " (itself not in the archive)"
    if total > 1:
        follow = (
            f"{total} comments follow in page order, each reply answering its parent's message."
        )
    else:
        follow = "It has no replies."
    return (
        f"**Replay of {what}**{replies_under(total)}, from the comments on"
        f" “{escape_archive_text(post.title)}” ({post.date.day} {post.date:%B %Y}),"
        f" an archived blog post.\n{follow} Started by <@{by}>."
    )
