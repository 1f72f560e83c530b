"""/comment: one comment in full, with the comments it answers and the ids of its replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.models import Comment
from bot.replies import comment_embeds, send_embeds
from bot.transformers import CommentTransformer

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class CommentCog(commands.Cog):
    """Shows one comment in full, with the comments it answers for context."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    # Shown to the channel: the deadline watchdog defers publicly for it.
    @app_commands.command(name="comment", extras={"public": True})
    @app_commands.describe(id="The comment's id, such as 3 or 3.2.1 (type an id or a word)")
    async def comment(
        self,
        interaction: discord.Interaction[ArchiveBot],
        id: app_commands.Transform[Comment, CommentTransformer],  # noqa: A002
    ) -> None:
        """Show one comment in full, with its context and the number of replies under it."""
        await send_embeds(interaction, await comment_embeds(self.bot.db, id))


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(CommentCog(bot))
