"""Answers several commands and components share: sending embeds over as many messages as they
need, and a comment in full (shown by /comment and by opening a search result)."""

from __future__ import annotations

from typing import Any

import aiosqlite
import discord

from bot import render
from bot.archive import queries
from bot.archive.models import Comment


async def answer(interaction: discord.Interaction, *, ephemeral: bool, **message: Any) -> None:
    """Answer a command: its response, or once it is deferred (the bot's deadline watchdog may
    have done so), the follow-up that fills the "thinking" placeholder."""
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **message)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **message)


async def send_embeds(
    interaction: discord.Interaction,
    embeds: list[discord.Embed],
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> None:
    """The first batch answers the interaction, the rest follow it; a view goes on the last one."""
    batches = render.embed_batches(embeds)
    for index, batch in enumerate(batches):
        last = view if view is not None and index == len(batches) - 1 else discord.utils.MISSING
        if index == 0:
            await answer(interaction, embeds=batch, ephemeral=ephemeral, view=last)
        else:
            await interaction.followup.send(embeds=batch, ephemeral=ephemeral, view=last)


async def comment_embeds(db: aiosqlite.Connection, comment: Comment) -> list[discord.Embed]:
    """A comment in full with its context and the ids of its replies."""
    above = await queries.ancestors(db, comment.id)
    replies = await queries.descendant_count(db, comment.id)
    reply_ids = await queries.reply_ids(db, comment.id)
    return render.comment_embeds(comment, above, replies, reply_ids)
