"""Turn what a user typed into archive records, with autocomplete, for every command that needs it.

Transformers raise :class:`UserFacingError`, so a bad id or city is answered in one place (the
bot's app-command error handler) with a message that says what to type instead. Typed text is
hostile until shown otherwise: it may be thousands of characters long or hold lone surrogates,
so it is cleaned before it reaches SQLite and quoted only in a short, escaped form.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import render
from bot.archive import outline, queries
from bot.archive.models import Comment
from bot.errors import UserFacingError
from bot.markdown import escape_archive_text

if TYPE_CHECKING:
    from bot.client import ArchiveBot

# Discord's JSON can carry an unpaired surrogate ("\ud800"); it cannot be encoded as UTF-8, so
# SQLite and the reply would both fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Long enough to recognise what was typed, short enough that any message quoting it stays far
# inside Discord's 2,000 characters.
QUOTE_LIMIT = 60
ID_LIMIT = 40


def clean(typed: str, replacement: str = "\ufffd") -> str:
    """The typed text with unpaired surrogates replaced, safe to encode, query and show."""
    return _SURROGATE.sub(replacement, typed)


def quoted(typed: str) -> str:
    """A short, escaped quotation of what someone typed, for an error message."""
    return f"“{escape_archive_text(render.truncate_label(clean(typed), QUOTE_LIMIT))}”"


def shown_id(comment_id: str) -> str:
    # A canonical id can still be 64 levels of ten digits; a message needs only its shape.
    return render.truncate_label(comment_id, ID_LIMIT)


def missing_comment(comment_id: str, nearest: Comment | None, last: Comment | None) -> str:
    """Why ``comment_id`` was not found, pointing at the comments around where it would be.

    ``nearest`` is its deepest ancestor in the archive (None when not even its top-level comment
    is), ``last`` the last reply to ``nearest`` (the last top-level comment when it is None).
    """
    text = f"There is no comment {shown_id(comment_id)} in the archive."
    if nearest is None and last is not None:
        text += f" The last top-level comment is `{shown_id(last.id)}`."
    elif nearest is not None and last is not None:
        text += (
            f" Its nearest neighbours: comment `{shown_id(nearest.id)}` and its last reply,"
            f" `{shown_id(last.id)}`."
        )
    elif nearest is not None:
        text += f" Its nearest neighbour: comment `{shown_id(nearest.id)}`, which has no replies."
    return text + " Start typing an id or a word and pick a comment from the list."


class CommentTransformer(app_commands.Transformer["ArchiveBot"]):
    """A comment id, completed from ids and words as the user types."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> Comment:
        comment_id = outline.parse(clean(value))
        if comment_id is None:
            raise UserFacingError(
                f"{quoted(value)} is not a comment id. Ids are numbers joined by dots, such as"
                " `3` or `3.2.1`: start typing and pick one from the list."
            )
        db = interaction.client.db
        comment = await queries.get_comment(db, comment_id)
        if comment is None:
            above = await queries.ancestors(db, comment_id)
            nearest = above[-1] if above else None
            last = await queries.last_reply(db, nearest.id if nearest else None)
            raise UserFacingError(missing_comment(comment_id, nearest, last))
        return comment

    # discord.py types the value as int | float | str for every option type; ours is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        # "３.２" and "03" complete as the ids they stand for; anything else as typed. A stray
        # half of a surrogate pair is dropped rather than shown, so suggestions keep coming.
        typed = clean(value, replacement="")
        typed = outline.parse(typed) or typed
        comments = await queries.complete_comment_ids(interaction.client.db, typed, render.CHOICES)
        return [app_commands.Choice(name=render.comment_choice(c), value=c.id) for c in comments]


class CityTransformer(app_commands.Transformer["ArchiveBot"]):
    """One of the cities named in the member list, in any letter case."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> str:
        cities = await queries.city_counts(interaction.client.db)
        typed = value.strip().casefold()
        for city, _ in cities:
            if city.casefold() == typed:
                return city
        known = ", ".join(city for city, _ in cities)
        raise UserFacingError(
            f"No member is listed in {quoted(value)}. The cities in the list are: {known}."
        )

    # discord.py types the value as int | float | str for every option type; ours is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        typed = value.strip().casefold()
        return [
            app_commands.Choice(name=f"{city} ({count})", value=city)
            for city, count in await queries.city_counts(interaction.client.db)
            if typed in city.casefold()
        ][: render.CHOICES]
