"""Try the bot offline: the real bot, cogs and archive against SimCord's simulated Discord.

``python -m bot console`` needs no token and no network. A user "you" (allowed to manage
threads, so /thread works) types commands in #general of a simulated server; what the bot posts
is printed as text. Replays run on SimCord's virtual clock, so they finish at once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from bot.config import Settings

# The server's id when DEV_GUILD_ID is unset: the bot syncs its commands to the dev guild on
# start, and the simulated server is created with that id so the commands appear in it.
CONSOLE_GUILD_ID = 100_000_000_000_000_001


def main(settings: Settings) -> int:
    """Run the console on stdin/stdout.

    The exit status is 0 when every command succeeded, 1 when the bot cannot start or, for a
    script fed through a pipe, when one of its commands failed; 128 + the signal's number when
    a signal ended it.
    """
    # Internals only matter when something goes wrong; the transcript is the user's view.
    logging.getLogger().setLevel(max(settings.logging_level, logging.WARNING))
    # discord.py warns about voice support and intents, which mean nothing in a simulation.
    logging.getLogger("discord").setLevel(logging.ERROR)
    # Imported once logging is quiet: importing SimCord builds a throwaway discord.py client.
    from bot.console.repl import run

    interactive = sys.stdin.isatty()
    # Flushed per line so a program driving the console through a pipe sees each answer.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # Closing the terminal (SIGHUP) or `kill` (SIGTERM) unwinds like Ctrl-C does, so the
    # temporary folder below is removed rather than left behind.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _leave)
    # A fresh jobs database each time: replays from an earlier session, or from the real bot,
    # belong to servers that do not exist here.
    try:
        with tempfile.TemporaryDirectory(prefix="archive-bot-console-") as scratch:
            settings = dataclasses.replace(
                settings,
                token=None,
                jobs_path=Path(scratch) / "jobs.db",
                dev_guild_id=settings.dev_guild_id or CONSOLE_GUILD_ID,
            )
            return 0 if run(settings, interactive) or interactive else 1
    except KeyboardInterrupt:
        print()
        return 128 + signal.SIGINT
    except _Signalled as signalled:
        return 128 + signalled.signum
    except BrokenPipeError:
        # The reader of a pipe (`| head`) stopped reading: a normal end for a command line
        # tool. Point stdout at nothing so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


class _Signalled(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _leave(signum: int, frame: FrameType | None) -> None:
    raise _Signalled(signum)
