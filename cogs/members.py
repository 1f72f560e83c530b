"""/members: the members the resolution names, grouped by city, or those of one city."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive.library import LoadedArchive
from bot.replies import send_embeds
from bot.transformers import (
    ArchiveTransformer,
    CityTransformer,
    chosen_archive,
    with_resolution,
)

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class MembersCog(commands.Cog):
    """Lists the members the resolution names, grouped by city."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="members")
    @app_commands.describe(
        city="Only the members from this city",
        archive="Which archive to read (the server's default if left out)",
    )
    async def members(
        self,
        interaction: discord.Interaction[ArchiveBot],
        city: app_commands.Transform[str, CityTransformer] | None = None,
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """List the members named in the resolution, by city."""
        archive = with_resolution(
            interaction, archive or await chosen_archive(interaction), "members"
        )
        members = await queries.list_members(archive.db, city)
        counts = await queries.city_counts(archive.db)
        await send_embeds(interaction, render.members_embeds(members, counts, city))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(MembersCog(bot))
