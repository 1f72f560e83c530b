"""archive-bot: makes an archived discussion readable, searchable and replayable on Discord."""

from __future__ import annotations

from bot.client import ArchiveBot
from bot.config import Settings

__all__ = ["ArchiveBot", "Settings", "create_bot"]


def create_bot(settings: Settings | None = None) -> ArchiveBot:
    """The bot, configured from ``settings`` or, without them, from the environment."""
    return ArchiveBot(settings if settings is not None else Settings.from_env())
