"""Send rendered embeds as the answer to an interaction, over as many messages as needed."""

from __future__ import annotations

import discord

from bot import render


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
        extra = {"view": view} if view is not None and index == len(batches) - 1 else {}
        if index == 0 and not interaction.response.is_done():
            await interaction.response.send_message(embeds=batch, ephemeral=ephemeral, **extra)
        else:
            await interaction.followup.send(embeds=batch, ephemeral=ephemeral, **extra)
