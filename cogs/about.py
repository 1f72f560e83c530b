"""/about: what this archive is, what it holds, and which commands read it."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive import queries
from bot.archive.models import Post
from bot.client import ArchiveBot
from bot.markdown import escape_archive_text


def about_embed(
    post: Post, counts: dict[str, int], command_list: Sequence[tuple[str, str]]
) -> discord.Embed:
    """The /about card: the archived post, the archive's size, and the commands to read it."""
    commands_text = "\n".join(f"`/{name}` {description}" for name, description in command_list)
    embed = discord.Embed(
        title=escape_archive_text(post.title),
        # The description rather than a field holds the commands: fields stop at 1024 characters.
        description=(
            f"An archive of this post from {post.date.day} {post.date:%B %Y} and the discussion"
            f" under it, to read, search and replay here.\n\n**Commands**\n{commands_text}"
        ),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="In the archive",
        value="\n".join(
            (
                f"{counts['comments']} comments",
                f"{counts['pingbacks']} pingbacks from other sites",
                f"{counts['placeholders']} placeholders for comments the page lacks",
                f"{counts['members']} members named in the resolution",
            )
        ),
    )
    return embed


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
        await interaction.response.send_message(
            embed=about_embed(post, counts, command_list), ephemeral=True
        )


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(About(bot))
