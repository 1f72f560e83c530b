"""Try the bot offline: the real bot, cogs and archive against SimCord's simulated Discord.

``python -m bot console`` needs no token and no network. A user "you" (allowed to manage
threads, so /thread works) types commands in #general of a simulated server; what the bot posts
is printed as text. Replays run on SimCord's virtual clock, so they finish at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import discord
import simcord

from bot import create_bot
from bot.archive.store import ArchiveError
from bot.config import Settings
from bot.console.commands import CommandCatalog
from bot.console.printer import Style
from bot.console.session import Session

# The server's id when DEV_GUILD_ID is unset: the bot syncs its commands to the dev guild on
# start, and the simulated server is created with that id so the commands appear in it.
CONSOLE_GUILD_ID = 100_000_000_000_000_001

BANNER = """\
archive-bot console: the real bot in a simulated Discord, no token or network needed.
You are "you" in #general. Try /about, /search snitch, /thread 3; `help` lists everything,
`click <label>` presses a button, `quit` or Ctrl-D leaves."""


def main(settings: Settings | None = None) -> int:
    """Run the console on stdin/stdout; the exit code is 0 unless the bot cannot start."""
    settings = settings if settings is not None else Settings.from_env()
    # Internals only matter when something goes wrong; the transcript is the user's view.
    logging.getLogger().setLevel(max(settings.logging_level, logging.WARNING))
    # discord.py warns about voice support and intents, which mean nothing in a simulation.
    logging.getLogger("discord").setLevel(logging.ERROR)
    interactive = sys.stdin.isatty()
    # Flushed per line so a program driving the console through a pipe sees each answer.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # A fresh jobs database each time: replays from an earlier session, or from the real bot,
    # belong to servers that do not exist here.
    with tempfile.TemporaryDirectory(prefix="archive-bot-console-") as scratch:
        settings = dataclasses.replace(
            settings,
            token=None,
            jobs_path=Path(scratch) / "jobs.db",
            dev_guild_id=settings.dev_guild_id or CONSOLE_GUILD_ID,
        )
        try:
            asyncio.run(_run(settings, interactive))
        except ArchiveError as error:
            print(f"archive-bot: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print()
    return 0


async def _run(settings: Settings, interactive: bool) -> None:
    assert settings.dev_guild_id is not None
    if interactive:
        print("Starting the bot…", file=sys.stderr)
    bot = create_bot(settings)
    try:
        async with simcord.run(bot, check_errors=False) as env:
            guild = env.create_guild("Archive console", id=settings.dev_guild_id)
            channel = guild.create_text_channel("general")
            moderator = guild.create_role(
                "moderator", permissions=discord.Permissions(manage_threads=True)
            )
            you = guild.add_member(env.create_user("you"), roles=[moderator])
            catalog = CommandCatalog.from_tree(
                bot.tree, you.available_commands(channel), guild=discord.Object(guild.id)
            )
            session = Session(env, channel, you, catalog, Style(colour=interactive), env.settle)
            if interactive:
                print(BANNER)
            for line in _lines(interactive, catalog):
                if not interactive:
                    # Echoed so that a scripted run reads as a transcript.
                    print(f"> {line}")
                if not await session.handle(line):
                    break
                print()
    finally:
        await bot.close()


def _lines(interactive: bool, catalog: CommandCatalog) -> Iterator[str]:
    """Typed lines: with editing and tab completion on a terminal, plain from a pipe."""
    if not interactive:
        for line in sys.stdin:
            if line.strip():
                yield line.rstrip("\n")
        return
    _enable_completion(catalog)
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            # As in a shell: Ctrl-C abandons the line being typed, Ctrl-D leaves.
            print()
            continue
        if line.strip():
            yield line


def _enable_completion(catalog: CommandCatalog) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: typing still works, without completion.
        return
    verbs = ["help ", "click ", "select ", "quit "]

    def complete(text: str, state: int) -> str | None:
        before = readline.get_line_buffer()[: readline.get_endidx()]
        options = catalog.completions(before)
        if " " not in before:
            options += [v for v in verbs if v.startswith(before)]
        return options[state] if state < len(options) else None

    # Only spaces separate words, so "/sea" and "query:" complete as whole words.
    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
