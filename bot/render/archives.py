"""How the loaded archives are named to people: autocomplete choices, the /archive list card,
and the answers that point from one archive to another.

Archive titles come from the files (a blog's own title), so they are archive text: escaped on
markdown surfaces, neutralised on plain ones, like any comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.render.limits import CHOICE_NAME, plain_label
from bot.render.text import label, plural, quoted_input

if TYPE_CHECKING:
    from bot.archive.library import LoadedArchive

# Shown in a count line, in this order; a kind an archive does not have (0) is left out.
_KINDS = ("comments", "pingbacks", "trackbacks", "placeholders", "members")


def archive_choice(archive: LoadedArchive) -> str:
    """An autocomplete choice name: the archive's title as written (its name if it has none)."""
    return plain_label(archive.title or archive.name, CHOICE_NAME)


def counts_line(archive: LoadedArchive) -> str:
    """ "1 discussion · 305 comments · 4 pingbacks" for one archive."""
    parts = [plural(archive.discussions, "discussion")] if archive.discussions != 1 else []
    parts += [
        plural(archive.counts[kind], kind.removesuffix("s"), kind)
        for kind in _KINDS
        if archive.counts.get(kind)
    ]
    return " · ".join(parts)


def _title(archive: LoadedArchive) -> str:
    return label(archive.title or archive.name)


def archive_list_embed(
    archives: Sequence[LoadedArchive], answering: LoadedArchive, chosen_here: bool
) -> discord.Embed:
    """/archive list: each archive's title, the name to type and its counts, marking the one
    that answers when a command names none (``chosen_here``: the server's moderators chose it)."""
    lines: list[str] = []
    for archive in archives:
        mark = ""
        if archive is answering:
            mark = " (this server's default)" if chosen_here else " (the default)"
        lines.append(f"**{_title(archive)}** · `{archive.name}`{mark}\n{counts_line(archive)}")
    how = (
        "Commands answer from the default archive; add `archive:` to `/search`, `/comment`,"
        " `/thread` or `/about` to read another. Moderators (Manage Server) choose this"
        " server's default with `/archive use`."
    )
    return discord.Embed(
        title=plural(len(archives), "archive"),
        description="\n\n".join([*lines, how]),
        colour=discord.Colour.blurple(),
    )


def unknown_archive(typed: str, archives: Sequence[LoadedArchive]) -> str:
    """Why ``typed`` names no archive, with the names that do."""
    names = ", ".join(f"`{archive.name}`" for archive in archives)
    return (
        f"There is no archive called {quoted_input(typed)}. The archives here are {names}:"
        " start typing and pick one from the list (`/archive list` shows what each holds)."
    )


def not_recorded(what: str, archive: LoadedArchive, holders: Sequence[LoadedArchive]) -> str:
    """The answer of /resolution or /members for an archive without one, pointing at those that
    have it."""
    text = f"{_title(archive)} records no {what}."
    if holders:
        names = " or ".join(f"`archive:{holder.name}`" for holder in holders)
        text += f" {_title(holders[0])} does: add {names}."
    return text


def archive_chosen(archive: LoadedArchive) -> str:
    """/archive use's answer to the moderator who chose."""
    return (
        f"Commands in this server that name no archive now read {_title(archive)}"
        f" (`{archive.name}`). Anyone can still add `archive:` to read another."
    )
