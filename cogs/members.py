"""/members: the members the resolution names, grouped by city, or those of one city."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.replies import send_embeds
from bot.transformers import CityTransformer

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class MembersCog(commands.Cog):
    """Lists the members the resolution names, grouped by city."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    # Shown to the channel: the deadline watchdog defers publicly for it.
    @app_commands.command(name="members", extras={"public": True})
    @app_commands.describe(city="Only the members from this city")
    async def members(
        self,
        interaction: discord.Interaction[ArchiveBot],
        city: app_commands.Transform[str, CityTransformer] | None = None,
    ) -> None:
        """List the members named in the resolution, by city."""
        members = await queries.list_members(self.bot.db, city)
        counts = await queries.city_counts(self.bot.db)
        await send_embeds(interaction, render.members_embeds(members, counts, city))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(MembersCog(bot))
