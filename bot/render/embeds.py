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

from bot.archive.mentions import Mention
from bot.archive.models import Comment, CommentKind, Discussion, Member, Post, Resolution
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
from bot.render.markdown import bold_spans, escape_archive_text
from bot.render.text import compact_ids, first_line, instant, label, long_date, plural

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


# Mentions shown with an excerpt; beyond that a member's mentions are listed by id only, so that
# a name spoken of everywhere still answers in a message or two.
MENTION_EXCERPTS = 15
# Ids listed for a member spoken of in very many comments; the rest are counted.
MENTION_IDS = 400


def mentions_embeds(member: Member, mentions: Sequence[Mention]) -> list[discord.Embed]:
    """A member and the comments that mention them: ids with an excerpt, the name in bold.

    Past :data:`MENTION_EXCERPTS` the ids alone are listed (compactly, at most
    :data:`MENTION_IDS`, then a count), so the answer stays short however often a name occurs.
    """
    name = label(member.name)
    intro = f"{name}, {label(member.city)}: one of the members the resolution names."
    if not mentions:
        text = (
            f"{intro}\n\nNo comment mentions {name} by name (the name with its initial, or the"
            " first name alone when no other member has it)."
        )
        return _build_embeds(f"Comments mentioning {name}", text)
    ids = [mention.comment_id for mention in mentions]
    text = (
        f"{intro}\n\n{plural(len(mentions), 'comment')}"
        f" {'mentions' if len(mentions) == 1 else 'mention'} {name}, in page order."
        f" Open one with `/comment id:{ids[0]}`."
    )
    if len(mentions) > MENTION_EXCERPTS:
        listed = compact_ids(ids[:MENTION_IDS])
        more = len(ids) - MENTION_IDS
        if more > 0:
            listed += f", and {plural(more, 'comment')} more"
        text += f"\n\n**All of them**\n{listed}\n\nThe first {MENTION_EXCERPTS}, with excerpts:"
    fields = [
        _Field(mention.comment_id, bold_spans(mention.excerpt, [mention.highlight]))
        for mention in mentions[:MENTION_EXCERPTS]
    ]
    return _build_embeds(f"Comments mentioning {name}", text, fields)


def _context_line(ancestor: Comment, prefix: str) -> str:
    if not ancestor.in_archive:
        return f"↳ {prefix}{ancestor.id} — not in the archive"
    return f"↳ {prefix}{ancestor.id} — {label(first_line(ancestor.body), CONTEXT_LABEL)}"


def comment_choice(comment: Comment, ref: str | None = None) -> str:
    """An autocomplete choice name for a comment: its ref (its id unless given), its author when
    known, and how its first line starts.

    Choice names are plain text: the raw text, with mentions neutralised.
    """
    if not comment.in_archive:
        summary = "not in the archive"
    elif comment.kind in (CommentKind.PINGBACK, CommentKind.TRACKBACK):
        # An export keeps the linking page's title as the author.
        source = comment.link_title or comment.author or first_line(comment.body)
        summary = f"{comment.kind}: {source}"
    elif comment.author:
        summary = f"{comment.author}: {first_line(comment.body)}"
    else:
        summary = first_line(comment.body)
    return plain_label(f"{ref or comment.id} — {summary}", CHOICE_NAME)


def _byline(comment: Comment) -> str | None:
    # An export's date is a moment, shown as the embed's timestamp in each reader's own zone.
    date = None if instant(comment.date) else comment.date
    parts = (comment.author, comment.link_title, comment.link_site, date)
    present = [part for part in parts if part]
    return truncate_label(" · ".join(present), EMBED_AUTHOR) if present else None


def _replies_line(reply_ids: Sequence[str], reply_count: int, prefix: str) -> str:
    """The direct replies by id, so a reader can open them, and how many lie deeper."""
    line = compact_ids(reply_ids, prefix)
    deeper = reply_count - len(reply_ids)
    if deeper > 0:
        line += f", and {plural(deeper, 'reply', 'replies')} to those"
    return f"{line}\nOpen one with `/comment id:{prefix}{reply_ids[0]}`."


def comment_embeds(
    comment: Comment,
    ancestors: list[Comment],
    reply_count: int,
    reply_ids: Sequence[str] = (),
    *,
    prefix: str = "",
    discussion_title: str | None = None,
) -> list[discord.Embed]:
    """One comment in full, with the first line of each ancestor (root first) as context.

    ``reply_count`` counts every reply under the comment, ``reply_ids`` are the direct ones, in
    page order. Author, link title/site (pingbacks) and date, when present, go in the embed's
    author line; an export's date is the embed's timestamp, its permalink the title's link.
    ``prefix`` goes before every id ("4/"), and ``discussion_title`` names the discussion, in an
    archive of several.
    """
    kind = comment.kind.title() if comment.kind is not CommentKind.PLACEHOLDER else "Comment"
    text = body_markdown(comment) if comment.in_archive else PLACEHOLDER_TEXT
    fields: list[_Field] = []
    if ancestors:
        lines = "\n".join(_context_line(a, prefix) for a in ancestors)
        fields.append(_Field("In reply to", lines))
    if reply_ids:
        fields.append(_Field("Replies", _replies_line(reply_ids, reply_count, prefix)))
    footer = plural(reply_count, "reply", "replies") if reply_count else "No replies"
    if discussion_title is not None:
        footer += f" · in “{discussion_title}”"
    embeds = _build_embeds(
        f"{kind} {prefix}{comment.id}",
        text,
        fields,
        author=_byline(comment),
        footer=truncate_label(footer, EMBED_FOOTER),
    )
    return _linked(embeds, comment.permalink, comment.date)


def discussion_embeds(
    discussion: Discussion, top_level: Sequence[str], prefix: str
) -> list[discord.Embed]:
    """A discussion's root (``/comment id:4/``): its post in full (linked, dated, signed) and
    its first top-level comments by id, with how to replay the whole of it."""
    fields: list[_Field] = []
    if top_level:
        listed = compact_ids(top_level, prefix)
        fields.append(
            _Field("Comments", f"{listed}\nOpen one with `/comment id:{prefix}{top_level[0]}`.")
        )
    embeds = _build_embeds(
        label(discussion.title or f"Discussion {discussion.number}"),
        body_markdown(discussion),
        fields,
        author=truncate_label(discussion.author, EMBED_AUTHOR) if discussion.author else None,
        footer=f"Replay it all with /thread id:{discussion.number}/",
    )
    return _linked(embeds, discussion.link, discussion.date)


def _linked(embeds: list[discord.Embed], url: str | None, date: str | None) -> list[discord.Embed]:
    """Every part links to the original and carries its date (shown in each reader's zone)."""
    moment = instant(date)
    for embed in embeds:
        embed.url = url
        embed.timestamp = moment
    return embeds


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
