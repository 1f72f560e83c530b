"""Turn what a user typed into archive records, with autocomplete, for every command that needs it.

Transformers raise :class:`UserFacingError`, so a bad id or city is answered in one place (the
bot's app-command error handler) with a message that says what to type instead. Typed text is
hostile until shown otherwise: it may be thousands of characters long or hold lone surrogates,
so it is cleaned before it reaches SQLite and quoted only in a short, escaped form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import render
from bot.archive import mentions, outline, queries
from bot.archive.models import Comment, Member
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class CommentTransformer(app_commands.Transformer["ArchiveBot"]):
    """A comment id, completed from ids and words as the user types."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> Comment:
        comment_id = outline.parse(render.clean_input(value))
        if comment_id is None:
            raise UserFacingError(
                f"{render.quoted_input(value)} is not a comment id. Ids are numbers joined by"
                " dots, such as `3` or `3.2.1`: start typing and pick one from the list."
            )
        db = interaction.client.db
        comment = await queries.get_comment(db, comment_id)
        if comment is None:
            above = await queries.ancestors(db, comment_id)
            nearest = above[-1] if above else None
            last = await queries.last_reply(db, nearest.id if nearest else None)
            raise UserFacingError(render.missing_comment(comment_id, nearest, last))
        return comment

    async def autocomplete(  # type: ignore[override]  # discord.py: value int | float | str
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        # "３.２" and "03" complete as the ids they stand for; anything else as typed. A stray
        # half of a surrogate pair is dropped rather than shown, so suggestions keep coming.
        typed = render.clean_input(value, replacement="")
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
            f"No member is listed in {render.quoted_input(value)}."
            f" The cities in the list are: {known}."
        )

    async def autocomplete(  # type: ignore[override]  # discord.py: value int | float | str
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        typed = value.strip().casefold()
        return [
            app_commands.Choice(name=f"{city} ({count})", value=city)
            for city, count in await queries.city_counts(interaction.client.db)
            if typed in city.casefold()
        ][: render.CHOICES]


class MemberTransformer(app_commands.Transformer["ArchiveBot"]):
    """One of the members the resolution names, typed loosely ("hector a") or picked."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> Member:
        member = mentions.find_member(await queries.list_members(interaction.client.db), value)
        if member is None:
            raise UserFacingError(
                f"No member is named {render.quoted_input(value)}. Start typing a first name"
                " and pick one from the list; `/members` lists them all."
            )
        return member

    async def autocomplete(  # type: ignore[override]  # discord.py: value int | float | str
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        # With a city already chosen, its members come first: that is whom the user is after.
        city = getattr(interaction.namespace, "city", None)
        members = await queries.list_members(interaction.client.db)
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
