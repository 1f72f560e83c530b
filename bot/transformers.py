"""Turn what a user typed into archive records, with autocomplete, for every command that needs it.

Transformers raise :class:`UserFacingError`, so a bad id or city is answered in one place (the
bot's app-command error handler) with a message that says what to type instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import render
from bot.archive import mentions, queries
from bot.archive.models import Comment, Member
from bot.errors import UserFacingError

if TYPE_CHECKING:
    import aiosqlite

# Outline ids: numbers joined by dots ("3", "3.2", "3.2.1").
COMMENT_ID = re.compile(r"\d+(?:\.\d+)*")


def _db(interaction: discord.Interaction) -> aiosqlite.Connection:
    return interaction.client.db  # type: ignore[attr-defined]


def _quoted(typed: str) -> str:
    return f"“{render.escape_archive_text(render.truncate_label(typed, 60))}”"


class CommentTransformer(app_commands.Transformer):
    """A comment id, completed from ids and words as the user types."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Comment:
        typed = value.strip()
        if not COMMENT_ID.fullmatch(typed):
            raise UserFacingError(
                f"{_quoted(typed)} is not a comment id. Ids are numbers joined by dots, such as"
                " `3` or `3.2.1`: start typing and pick one from the list."
            )
        comment = await queries.get_comment(_db(interaction), typed)
        if comment is None:
            raise UserFacingError(
                f"There is no comment {typed} in the archive. Start typing an id or a word"
                " and pick a comment from the list."
            )
        return comment

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        comments = await queries.complete_comment_ids(_db(interaction), value, render.CHOICES)
        return [app_commands.Choice(name=render.comment_choice(c), value=c.id) for c in comments]


class CityTransformer(app_commands.Transformer):
    """One of the cities named in the member list, in any letter case."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        cities = await queries.city_counts(_db(interaction))
        typed = value.strip().casefold()
        for city, _ in cities:
            if city.casefold() == typed:
                return city
        known = ", ".join(city for city, _ in cities)
        raise UserFacingError(
            f"No member is listed in {_quoted(value)}. The cities in the list are: {known}."
        )

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        typed = value.strip().casefold()
        return [
            app_commands.Choice(name=f"{city} ({count})", value=city)
            for city, count in await queries.city_counts(_db(interaction))
            if typed in city.casefold()
        ][: render.CHOICES]


class MemberTransformer(app_commands.Transformer):
    """One of the members the resolution names, typed loosely ("hector a") or picked."""

    async def transform(self, interaction: discord.Interaction, value: str) -> Member:
        member = mentions.find_member(await queries.list_members(_db(interaction)), value)
        if member is None:
            raise UserFacingError(
                f"No member is named {render.quoted_input(value)}. Start typing a first name"
                " and pick one from the list; `/members` lists them all."
            )
        return member

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        # With a city already chosen, its members come first: that is whom the user is after.
        city = getattr(interaction.namespace, "city", None)
        members = await queries.list_members(_db(interaction))
        members.sort(
            key=lambda m: not isinstance(city, str) or m.city.casefold() != city.casefold()
        )
        members = mentions.complete_members(members, value)
        return [
            app_commands.Choice(
                name=render.plain_label(f"{m.name} ({m.city})", render.CHOICE_NAME),
                value=render.truncate_label(m.name, render.CHOICE_NAME),
            )
            for m in members[: render.CHOICES]
        ]
