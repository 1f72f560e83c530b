"""The embeds each reading command answers with, laid out within Discord's limits.

Markdown surfaces (embed titles, descriptions, field names and values) render Discord markdown
and mentions, so archive text shown there goes through :func:`escape_archive_text` exactly once,
before it is split or combined with our own markup. Plain-text surfaces (embed author and footer,
choice names) render neither, so they take the raw text, shortened by :func:`truncate_label`:
escaping there would show stray backslashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.archive.models import Comment, CommentKind, Member, Post, Resolution
from bot.render.html import body_markdown
from bot.render.limits import (
    CHOICE_NAME,
    EMBED_AUTHOR,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_FOOTER,
    EMBED_TOTAL,
    FIELD_VALUE,
    plain_label,
    split_text,
    truncate_label,
)
from bot.render.markdown import escape_archive_text
from bot.render.text import compact_ids, first_line, label, long_date, plural

PLACEHOLDER_TEXT = (
    "Not in the archive: the page shows replies at this level without the comment they answer."
)

# How /about explains the ids every command takes.
ID_SCHEME = (
    "Ids follow the page. Top-level comments keep the page's numbers (`1`, `2`, …, pingbacks"
    " included); replies are numbered under the comment they answer: `3.2` is the second reply"
    " to `3`, and `3.2.1` the first reply to that. Where the page lacks a comment its replies"
    " answer, a placeholder marked “not in the archive” keeps the numbering (`0` holds the"
    " replies before comment 1). `/comment` shows each comment's replies by id; `/search` finds"
    " ids by words."
)

# Ancestors are context, not content: one short line each keeps the field readable.
CONTEXT_LABEL = 80


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


def resolution_embeds(resolution: Resolution, post: Post) -> list[discord.Embed]:
    """The resolution: preamble and resolving clause quoted, the recorded vote and the date."""
    parts = (resolution.preamble, resolution.resolving_clause)
    text = "\n\n".join(escape_archive_text(part) for part in parts if part)
    fields = [
        _Field("Recorded vote", escape_archive_text(resolution.vote)),
        _Field("Date", long_date(resolution.date)),
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
        heading = f"{label(name)} ({len(names)})"
        fields.extend(_Field(heading, value) for value in _join_within(names, ", ", FIELD_VALUE))

    archive_total = sum(count for _, count in city_counts)
    if city is None:
        title = "Members"
        summary = f"{plural(len(members), 'member')} in {plural(len(groups), 'city', 'cities')}."
    elif groups:
        # The members' own spelling, not however the user typed the city.
        shown = label(next(iter(groups)))
        title = f"Members in {shown}"
        summary = f"{plural(len(members), 'member')} of {archive_total} in the archive."
    else:
        title = "Members"
        summary = f"No members in {label(city)}."
    return _build_embeds(title, summary, fields)


def _context_line(ancestor: Comment) -> str:
    if not ancestor.in_archive:
        return f"↳ {ancestor.id} — not in the archive"
    return f"↳ {ancestor.id} — {label(first_line(ancestor.body), CONTEXT_LABEL)}"


def comment_choice(comment: Comment) -> str:
    """An autocomplete choice name for a comment: its id and how its first line starts.

    Choice names are plain text: the raw text, with mentions neutralised.
    """
    if not comment.in_archive:
        summary = "not in the archive"
    elif comment.kind is CommentKind.PINGBACK:
        summary = f"pingback: {comment.link_title or first_line(comment.body)}"
    else:
        summary = first_line(comment.body)
    return plain_label(f"{comment.id} — {summary}", CHOICE_NAME)


def _byline(comment: Comment) -> str | None:
    parts = (comment.author, comment.link_title, comment.link_site, comment.date)
    present = [part for part in parts if part]
    return truncate_label(" · ".join(present), EMBED_AUTHOR) if present else None


def _replies_line(reply_ids: Sequence[str], reply_count: int) -> str:
    """The direct replies by id, so a reader can open them, and how many lie deeper."""
    line = compact_ids(reply_ids)
    deeper = reply_count - len(reply_ids)
    if deeper > 0:
        line += f", and {plural(deeper, 'reply', 'replies')} to those"
    return f"{line}\nOpen one with `/comment id:{reply_ids[0]}`."


def comment_embeds(
    comment: Comment,
    ancestors: list[Comment],
    reply_count: int,
    reply_ids: Sequence[str] = (),
) -> list[discord.Embed]:
    """One comment in full, with the first line of each ancestor (root first) as context.

    ``reply_count`` counts every reply under the comment, ``reply_ids`` are the direct ones, in
    page order. Author, link title/site (pingbacks) and date, when present, go in the embed's
    author line.
    """
    kind = "Pingback" if comment.kind is CommentKind.PINGBACK else "Comment"
    text = body_markdown(comment) if comment.in_archive else PLACEHOLDER_TEXT
    fields: list[_Field] = []
    if ancestors:
        fields.append(_Field("In reply to", "\n".join(_context_line(a) for a in ancestors)))
    if reply_ids:
        fields.append(_Field("Replies", _replies_line(reply_ids, reply_count)))
    return _build_embeds(
        f"{kind} {comment.id}",
        text,
        fields,
        author=_byline(comment),
        footer=plural(reply_count, "reply", "replies") if reply_count else "No replies",
    )


def about_embed(
    post: Post, counts: dict[str, int], command_list: Sequence[tuple[str, str]]
) -> discord.Embed:
    """The /about card: the archived post, the archive's size, and the commands to read it."""
    commands_text = "\n".join(f"`/{name}` {description}" for name, description in command_list)
    embed = discord.Embed(
        title=escape_archive_text(post.title),
        # The description rather than a field holds the commands: fields stop at 1024 characters.
        description=(
            f"An archive of this post from {long_date(post.date)} and the discussion"
            f" under it, to read, search and replay here.\n\n**Commands**\n{commands_text}"
            f"\n\n**Comment ids**\n{ID_SCHEME}"
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="In the archive",
        value="\n".join(
            (
                plural(counts["comments"], "comment"),
                f"{plural(counts['pingbacks'], 'pingback')} from other sites",
                f"{plural(counts['placeholders'], 'placeholder')} for comments the page lacks",
                f"{plural(counts['members'], 'member')} named in the resolution",
            )
        ),
    )
    return embed
