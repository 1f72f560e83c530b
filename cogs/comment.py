"""/comment: one comment in full, with the comments it answers and the ids of its replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.library import LoadedArchive
from bot.archive.queries import Context
from bot.replies import comment_embeds, discussion_embeds, send_embeds
from bot.transformers import ArchiveTransformer, Chosen, ShownComment

if TYPE_CHECKING:
    from bot.client import ArchiveBot


class CommentCog(commands.Cog):
    """Shows one comment in full, with the comments it answers for context."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    # Shown to the channel: the deadline watchdog defers publicly for it.
    @app_commands.command(name="comment", extras={"public": True})
    @app_commands.describe(
        id="The comment's id, such as 3 or 3.2.1, or 4/3.2.1 in discussion 4 (type an id or words)",
        archive="Which archive to read (the server's default if left out)",
    )
    async def comment(
        self,
        interaction: discord.Interaction[ArchiveBot],
        id: app_commands.Transform[Chosen[Context], ShownComment],  # noqa: A002
        # Read by the id's transformer, which looks the id up in the archive it names.
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """Show one comment in full, with its context and the number of replies under it."""
        if id.found is None:
            embeds = await discussion_embeds(id.archive, id.discussion)
        else:
            embeds = await comment_embeds(id.archive, id.found.comment, id.found.about)
        await send_embeds(interaction, embeds)


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(CommentCog(bot))
