"""How the loaded archives are named to people: autocomplete choices, the /archive list card,
and the answers that point from one archive to another.

Archive titles come from the files (a blog's own title), so they are archive text: escaped on
markdown surfaces, neutralised on plain ones, like any comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.archive.outline import DISCUSSION_SEPARATOR
from bot.render.limits import CHOICE_NAME, EMBED_DESCRIPTION, plain_label, split_text
from bot.render.text import label, plural, quoted_input

if TYPE_CHECKING:
    from bot.archive.library import LoadedArchive
    from bot.archive.models import Comment, Discussion

# Archive names an answer lists at most, so that it stays a short message however many there are.
NAMED = 10
# Shown in a count line, in this order; a kind an archive does not have (0) is left out.
_KINDS = ("comments", "pingbacks", "trackbacks", "placeholders", "members")


def archive_choice(archive: LoadedArchive) -> str:
    """An autocomplete choice name: the archive's title as written (its name if it has none)."""
    return plain_label(archive.title or archive.name, CHOICE_NAME)


def counts_line(archive: LoadedArchive) -> str:
    """ "2 discussions · 305 comments · 4 pingbacks" for one archive (the discussions only when
    there are several)."""
    parts = [plural(archive.discussions, "discussion")] if archive.discussions != 1 else []
    parts += [
        plural(archive.counts[kind], kind.removesuffix("s"), kind)
        for kind in _KINDS
        if archive.counts.get(kind)
    ]
    return " · ".join(parts)


def archive_title(archive: LoadedArchive) -> str:
    """The archive's title for a markdown surface."""
    return label(archive.title or archive.name)


def author_choice(author: str, comments: int) -> str:
    """An autocomplete choice for a commenter: the name as written and how many comments."""
    return plain_label(f"{author} ({plural(comments, 'comment')})", CHOICE_NAME)


def archive_list_embeds(
    archives: Sequence[LoadedArchive], answering: LoadedArchive, chosen_here: bool
) -> list[discord.Embed]:
    """/archive list: each archive's title, the name to type and its counts, marking the one
    that answers when a command names none (``chosen_here``: the server's moderators chose it).
    A folder of many exports takes several embeds."""
    lines: list[str] = []
    for archive in archives:
        mark = ""
        if archive is answering:
            mark = " (this server's default)" if chosen_here else " (the default)"
        lines.append(
            f"**{archive_title(archive)}** · `{archive.name}`{mark}\n{counts_line(archive)}"
        )
    how = (
        "Commands answer from the default archive; add `archive:` to `/search`, `/comment`,"
        " `/thread` or `/about` to read another. Moderators (Manage Server) choose this"
        " server's default with `/archive use`."
    )
    title = plural(len(archives), "archive")
    parts = split_text("\n\n".join([*lines, how]), EMBED_DESCRIPTION)
    return [
        discord.Embed(
            title=f"{title} (continued)" if index else title,
            description=part,
            colour=discord.Colour.blurple(),
        )
        for index, part in enumerate(parts)
    ]


def unknown_archive(typed: str, archives: Sequence[LoadedArchive]) -> str:
    """Why ``typed`` names no archive, with the names that do."""
    names = ", ".join(f"`{archive.name}`" for archive in archives[:NAMED])
    if len(archives) > NAMED:
        names += f" and {len(archives) - NAMED} more"
    return (
        f"There is no archive called {quoted_input(typed)}. The archives here are {names}:"
        " start typing and pick one from the list (`/archive list` shows what each holds)."
    )


def not_recorded(what: str, archive: LoadedArchive, holders: Sequence[LoadedArchive]) -> str:
    """The answer of /resolution or /members for an archive without one, pointing at those that
    have it."""
    text = f"{archive_title(archive)} records no {what}."
    if holders:
        names = " or ".join(f"`archive:{holder.name}`" for holder in holders)
        text += f" {archive_title(holders[0])} does: add {names}."
    return text


def archive_chosen(archive: LoadedArchive) -> str:
    """/archive use's answer to the moderator who chose."""
    return (
        f"Commands in this server that name no archive now read {archive_title(archive)}"
        f" (`{archive.name}`). Anyone can still add `archive:` to read another."
    )


def discussion_prefix(archive: LoadedArchive, number: int) -> str:
    """What goes before a comment id of discussion ``number``: "4/", or nothing in an archive
    of one discussion (the page), whose ids are typed bare."""
    return f"{number}{DISCUSSION_SEPARATOR}" if archive.discussions > 1 else ""


def comment_ref(archive: LoadedArchive, number: int, comment: Comment | None) -> str:
    """How a comment (or, for None, discussion ``number``'s root) is typed in this archive."""
    if comment is None:
        return f"{number}{DISCUSSION_SEPARATOR}"
    return discussion_prefix(archive, number) + comment.id


def discussion_choice(discussion: Discussion) -> str:
    """An autocomplete choice for a whole discussion (its root, typed "4/")."""
    return plain_label(
        f"{discussion.number}{DISCUSSION_SEPARATOR} — {discussion.title} (the whole discussion)",
        CHOICE_NAME,
    )


_PICK = "start typing and pick one from the list."


def not_a_ref(typed: str, archive: LoadedArchive) -> str:
    """Why what was typed names no comment, with the forms that do in this archive."""
    text = f"{quoted_input(typed)} is not a comment id."
    if archive.discussions > 1:
        return (
            f"{text} Type `4/3.2.1` for comment 3.2.1 of discussion 4, `4/` for the whole"
            f" discussion, or `#1234` for the export's own comment id: {_PICK}"
        )
    if archive.has_resolution:
        return f"{text} Ids are numbers joined by dots, such as `3` or `3.2.1`: {_PICK}"
    return (
        f"{text} Ids are numbers joined by dots, such as `3` or `3.2.1`, or the export's own"
        f" comment id, such as `#1234`: {_PICK}"
    )


def which_discussion(archive: LoadedArchive) -> str:
    """A bare id typed in an archive of several discussions: which one is meant?"""
    return (
        f"{archive_title(archive)} has {plural(archive.discussions, 'discussion')}: type"
        f" `4/3.2.1` for comment 3.2.1 of discussion 4, or {_PICK}"
    )


def missing_discussion(number: int, archive: LoadedArchive) -> str:
    last = archive.discussions
    listed = "`1/`" if last == 1 else f"`1/` … `{last}/`"
    return (
        f"There is no discussion {number} in {archive_title(archive)}: it has"
        f" {plural(last, 'discussion')} ({listed}). Start typing a title and pick one from the"
        " list."
    )


def missing_export_id(export_id: str, archive: LoadedArchive) -> str:
    return (
        f"No comment in {archive_title(archive)} has the export id"
        f" {quoted_input('#' + export_id)}. Start typing a word of it and {_PICK}"
    )


# How /about explains the ids of an archive of several discussions.
EXPORT_ID_SCHEME = (
    "Each discussion numbers its comments as the page does: top-level comments `1`, `2`, … by"
    " date, replies under the comment they answer. In an archive of several discussions the"
    " discussion's number comes first: `4/3.2` is the second reply to comment 3 of discussion 4,"
    " and `4/` is discussion 4 itself (`/thread id:4/` replays all of it). `#1234` is a"
    " comment's own id in the export. `/search` finds comments by words and by author."
)
# Discussions listed by /about; the rest are found by typing a title into an id.
ABOUT_DISCUSSIONS = 10


def export_about_embed(
    archive: LoadedArchive,
    discussions: Sequence[Discussion],
    command_list: Sequence[tuple[str, str]],
) -> discord.Embed:
    """The /about card of an exported archive: its title, its first discussions, its counts and
    the commands that read it."""
    commands_text = "\n".join(f"`/{name}` {description}" for name, description in command_list)
    embed = discord.Embed(
        title=archive_title(archive),
        description=(
            f"An archive of {plural(archive.discussions, 'discussion')} exported from"
            f" {_FORMATS.get(archive.format, archive.format)}, to read, search and replay here"
            f" (`archive:{archive.name}`).\n\n**Commands**\n{commands_text}"
            f"\n\n**Comment ids**\n{EXPORT_ID_SCHEME}"
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="In the archive", value=counts_line(archive), inline=False)
    if discussions:
        lines = [
            f"`{d.number}/` {label(d.title or 'untitled', 80)}"
            for d in discussions[:ABOUT_DISCUSSIONS]
        ]
        more = archive.discussions - len(lines)
        if more > 0:
            lines.append(f"… and {more} more: type a title into `/comment id:`")
        embed.add_field(name="Discussions", value="\n".join(lines), inline=False)
    return embed


_FORMATS = {"wxr": "WordPress", "disqus": "Disqus", "page": "a web page"}
