"""/comment: one comment in full, with the comments it answers and the ids of its replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.library import LoadedArchive
from bot.archive.models import Comment
from bot.replies import comment_embeds, send_embeds
from bot.transformers import ArchiveTransformer, CommentTransformer, chosen_archive

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class CommentCog(commands.Cog):
    """Shows one comment in full, with the comments it answers for context."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    @app_commands.command(name="comment")
    @app_commands.describe(
        id="The comment's id, such as 3 or 3.2.1 (type an id or a word)",
        archive="Which archive to read (the server's default if left out)",
    )
    async def comment(
        self,
        interaction: discord.Interaction[ArchiveBot],
        id: app_commands.Transform[Comment, CommentTransformer],  # noqa: A002
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """Show one comment in full, with its context and the number of replies under it."""
        archive = archive or await chosen_archive(interaction)
        await send_embeds(interaction, await comment_embeds(archive.db, id))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(CommentCog(bot))
