"""Errors whose text is meant for the person who ran the command."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(app_commands.AppCommandError):
    """Raised by a command to tell the user, ephemerally, why it could not do what they asked.

    The message is shown as is, so it must be written for the user: no ids, paths or tracebacks.
    """
