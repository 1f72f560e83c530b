"""/about: what this archive is, what it holds, and which commands read it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive.library import LoadedArchive
from bot.client import ArchiveBot
from bot.replies import answer
from bot.transformers import ArchiveTransformer, chosen_archive


class About(commands.Cog):
    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What this archive is and how to read it")
    @app_commands.describe(archive="Which archive to describe (the server's default if left out)")
    async def about(
        self,
        interaction: discord.Interaction[ArchiveBot],
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        archive = archive or await chosen_archive(interaction)
        command_list = sorted(
            (command.qualified_name, command.description)
            for command in self.bot.tree.walk_commands()
            if isinstance(command, app_commands.Command)
        )
        if archive.has_resolution:
            post = await queries.get_post(archive.db)
            counts = await queries.archive_counts(archive.db)
            embed = render.about_embed(post, counts, command_list)
        else:
            limit = render.ABOUT_DISCUSSIONS
            discussions = await queries.list_discussions(archive.db, limit=limit)
            embed = render.export_about_embed(archive, discussions, command_list)
        await answer(interaction, embed=embed, ephemeral=True)


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(About(bot))
