"""/archive: which archives the bot holds (/archive list), and which one answers in this server
when a command names none (/archive use, for moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive.library import LoadedArchive
from bot.replies import send_embeds
from bot.transformers import ArchiveTransformer, chosen_archive

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class ArchiveCog(commands.GroupCog, group_name="archive"):
    """Lists the loaded archives and keeps each server's default."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="list")
    async def list_archives(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        """The archives I hold, with what each contains and which one answers here."""
        answering = await chosen_archive(interaction)
        chosen_here = interaction.guild_id is not None and answering.name == (
            await self.bot.guild_archives.get(interaction.guild_id)
        )
        embeds = render.archive_list_embeds(list(self.bot.archives), answering, chosen_here)
        await send_embeds(interaction, embeds, ephemeral=True)

    @app_commands.command(name="use")
    @app_commands.describe(name="The archive that answers in this server when a command names none")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def use(
        self,
        interaction: discord.Interaction[ArchiveBot],
        name: app_commands.Transform[LoadedArchive, ArchiveTransformer],
    ) -> None:
        """Choose this server's default archive (needs Manage Server)."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage
        await self.bot.guild_archives.set(interaction.guild_id, name.name, by=interaction.user.id)
        await interaction.response.send_message(render.archive_chosen(name), ephemeral=True)


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(ArchiveCog(bot))
