"""/members: the members the resolution names, grouped by city, those of one city, or one member
and the comments that mention them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import mentions, queries
from bot.archive.library import LoadedArchive
from bot.archive.models import Member
from bot.replies import send_embeds
from bot.transformers import (
    ArchiveTransformer,
    CityTransformer,
    MemberTransformer,
    chosen_archive,
    with_resolution,
)

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class MembersCog(commands.Cog):
    """Lists the members the resolution names, grouped by city."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    # Shown to the channel: the deadline watchdog defers publicly for it.
    @app_commands.command(name="members", extras={"public": True})
    @app_commands.describe(
        city="Only the members from this city",
        name="One member, and the comments that mention them",
        archive="Which archive to read (the server's default if left out)",
    )
    async def members(
        self,
        interaction: discord.Interaction[ArchiveBot],
        city: app_commands.Transform[str, CityTransformer] | None = None,
        name: app_commands.Transform[Member, MemberTransformer] | None = None,
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """List the members named in the resolution, by city, or the comments about one."""
        archive = with_resolution(
            interaction, archive or await chosen_archive(interaction), "members"
        )
        if name is not None:
            # The member's own record says where they are from, so a city given too adds nothing.
            # A name common in a large archive has many candidate comments to check: defer first.
            await interaction.response.defer()
            everyone = await queries.list_members(archive.db)
            found = await mentions.mentions_of(archive.db, name, everyone)
            await send_embeds(interaction, render.mentions_embeds(name, found))
            return
        members = await queries.list_members(archive.db, city)
        counts = await queries.city_counts(archive.db)
        await send_embeds(interaction, render.members_embeds(members, counts, city))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(MembersCog(bot))
