"""Answers several commands and components share: sending embeds over as many messages as they
need, and a comment in full (shown by /comment and by opening a search result)."""

from __future__ import annotations

from typing import Any

import discord

from bot import render
from bot.archive import queries
from bot.archive.library import LoadedArchive
from bot.archive.models import Comment, Discussion


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


async def comment_embeds(
    archive: LoadedArchive, comment: Comment, context: queries.Context
) -> list[discord.Embed]:
    """A comment in full with its context (read with it: queries.context_of) and the ids of its
    replies; in an archive of several discussions, ids as typed there ("4/3.2") and the
    discussion's title."""
    number = comment.discussion
    title = None
    if archive.discussions > 1:
        discussion = await archive.discussion(number)
        title = discussion.title if discussion is not None else None
    return render.comment_embeds(
        comment,
        context.above,
        context.replies,
        context.reply_ids,
        prefix=render.discussion_prefix(archive, number),
        discussion_title=title,
    )


async def discussion_embeds(archive: LoadedArchive, discussion: Discussion) -> list[discord.Embed]:
    """A discussion's root: its post in full and its first top-level comments by id."""
    top = await queries.complete_comment_ids(archive.db, "", render.CHOICES, discussion.number)
    prefix = render.discussion_prefix(archive, discussion.number)
    return render.discussion_embeds(discussion, [c.id for c in top], prefix)
