"""/about: what this archive is, what it holds, and which commands read it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.client import ArchiveBot
from bot.replies import answer


class About(commands.Cog):
    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What this archive is and how to read it")
    async def about(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        post = await queries.get_post(self.bot.db)
        counts = await queries.archive_counts(self.bot.db)
        command_list = sorted(
            (command.qualified_name, command.description)
            for command in self.bot.tree.walk_commands()
            if isinstance(command, app_commands.Command)
        )
        await answer(
            interaction, embed=render.about_embed(post, counts, command_list), ephemeral=True
        )


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(About(bot))
