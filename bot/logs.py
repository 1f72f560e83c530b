"""Logging set-up for every task of the command line, in one place, so that no token is logged.

At DEBUG, discord.py logs each request's URL and each gateway event in full. Interaction and
webhook URLs carry the interaction's token, and an interaction event carries it as a "token"
field: anyone reading the log could answer as the bot for 15 minutes. The bot's own token
would be worse. Every record is therefore redacted on its way to a handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import discord

REDACTED = "<redacted>"
# /interactions/<id>/<token>/callback and /webhooks/<application id>/<token>/...
_URL_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?'\"]+")
# 'token': '...' in a logged payload (a dict's repr) or "token": "..." in JSON.
_TOKEN_FIELD = re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]*""")


def setup_logging(level: int, token: str | None) -> None:
    """discord.py's usual stderr handler at ``level``, redacting tokens."""
    discord.utils.setup_logging(level=level)
    # The bot never joins a voice channel: discord.py's warnings about missing voice libraries
    # would be the first thing every start printed, and mean nothing here.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    redact = RedactTokens([token] if token else [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


class RedactTokens(logging.Filter):
    """Replaces the bot's token and interaction tokens in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _URL_TOKEN.sub(rf"\g<1>{REDACTED}", text)
        return _TOKEN_FIELD.sub(rf"\g<1>{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            # Formatters reuse exc_text when it is set, so the redacted traceback is what shows
            # (another handler may have formatted it already).
            traceback = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(traceback)
        return True
