"""/resolution: the resolution that expelled the faction, quoted with its date and vote."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive.library import LoadedArchive
from bot.replies import send_embeds
from bot.transformers import ArchiveTransformer, chosen_archive, with_resolution

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class ResolutionCog(commands.Cog):
    """Quotes the resolution that expelled the faction, with its recorded vote."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    # Shown to the channel: the deadline watchdog defers publicly for it.
    @app_commands.command(name="resolution", extras={"public": True})
    @app_commands.describe(archive="Which archive to read (the server's default if left out)")
    async def resolution(
        self,
        interaction: discord.Interaction[ArchiveBot],
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """Quote the resolution as the archive records it, with its date and vote."""
        archive = with_resolution(
            interaction, archive or await chosen_archive(interaction), "resolution"
        )
        resolution = await queries.get_resolution(archive.db)
        post = await queries.get_post(archive.db)
        await send_embeds(interaction, render.resolution_embeds(resolution, post))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(ResolutionCog(bot))
