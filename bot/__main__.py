"""Command line: `python -m bot` runs the bot; `ingest`, `sync` and `console` are the other tasks.

This is a terminal interface, so results and one-line errors go to stdout/stderr directly; the
bot's own diagnostics go through logging.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import aiohttp
import discord
from dotenv import load_dotenv

from bot import create_bot
from bot.archive.store import ArchiveError, IngestReport, ingest
from bot.config import ConfigError, Settings
from bot.logs import setup_logging

MISSING_TOKEN = (
    "archive-bot: DISCORD_TOKEN is not set. Put it in .env (copy .env.example) or the"
    " environment, or try the bot offline with `make console` (`python -m bot console`)."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="archive-bot",
        description="Without a TASK, run the bot (needs DISCORD_TOKEN).",
    )
    tasks = parser.add_subparsers(dest="task", metavar="TASK")
    ingest_parser = tasks.add_parser(
        "ingest", help="load the archive text into the database (nothing to do if unchanged)"
    )
    ingest_parser.add_argument(
        "path", nargs="?", type=Path, help="the archive text file (default: ARCHIVE_PATH)"
    )
    tasks.add_parser("sync", help="publish the slash commands to every server (needs the token)")
    tasks.add_parser("console", help="try the bot offline in a simulated Discord")
    args = parser.parse_args(argv)

    load_dotenv()
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        parser.exit(2, f"archive-bot: {error}\n")
    setup_logging(settings.logging_level, settings.token)
    if settings.token is None and args.task in (None, "sync"):
        parser.exit(2, MISSING_TOKEN + "\n")
    try:
        return _perform(args.task, settings, args)
    except KeyboardInterrupt:
        print("archive-bot: stopped (Ctrl-C).", file=sys.stderr)
        return 130
    except Exception as error:
        problem = failure(error)
        if problem is None:
            raise  # a bug: its traceback is what helps
        print(f"archive-bot: {problem}", file=sys.stderr)
        return 1


def _perform(task: str | None, settings: Settings, args: argparse.Namespace) -> int:
    if task == "ingest":
        return _ingest(settings, args.path or settings.archive_path)
    if task == "console":
        # Imported on demand: only the console needs the simulated Discord behind it.
        from bot.console import main as console_main

        return console_main(settings)
    asyncio.run(_sync(settings) if task == "sync" else _run(settings))
    return 0


def failure(error: Exception) -> str | None:
    """One line naming what went wrong and what to do, or None for a bug."""
    # Order matters: aiohttp's connection errors are OSErrors too.
    if isinstance(error, ArchiveError):
        return str(error)
    if isinstance(error, discord.LoginFailure):
        return "Discord rejected DISCORD_TOKEN; reset it in the Developer Portal (Bot page)."
    if isinstance(error, aiohttp.ClientError | TimeoutError | discord.GatewayNotFound):
        return f"cannot reach Discord ({error or type(error).__name__}); check the network."
    if isinstance(error, discord.ConnectionClosed):
        return f"Discord closed the connection (code {error.code}); try again in a minute."
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status} ({error.text or 'no reason'}); try again later."
    if isinstance(error, sqlite3.Error):
        return (
            f"a database failed ({error}); check DATABASE_PATH and JOBS_DATABASE_PATH point to"
            " files in a folder you can write to (the archive database is rebuilt when deleted)."
        )
    if isinstance(error, FileExistsError | NotADirectoryError) and error.filename:
        return (
            f"{error.filename} is a file, where a folder is needed; check ARCHIVE_PATH,"
            " DATABASE_PATH and JOBS_DATABASE_PATH (.env or the environment)."
        )
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return (
            f"{where}{error.strerror or error}; check ARCHIVE_PATH, DATABASE_PATH and"
            " JOBS_DATABASE_PATH (.env or the environment)."
        )
    return None


async def _run(settings: Settings) -> None:
    assert settings.token is not None
    async with create_bot(settings) as bot:
        await bot.start(settings.token)


async def _sync(settings: Settings) -> None:
    assert settings.token is not None
    async with create_bot(settings) as bot:
        # login() runs setup_hook, which loads the cogs whose commands are published here.
        await bot.login(settings.token)
        synced = await bot.tree.sync()
    print(f"Published {len(synced)} commands to every server; they can take an hour to show.")


def _ingest(settings: Settings, path: Path) -> int:
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = asyncio.run(ingest(path, settings.database_path, progress=progress))
    finally:
        if progress is not None:
            progress.finish()
    print(_ingest_summary(report, settings.database_path))
    return 0


def _ingest_summary(report: IngestReport, database: Path) -> str:
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
    if report.changed:
        return f"Loaded {report.path} into {database}: {counts}."
    return f"{database} already holds {report.path}: {counts}."


class ProgressBar:
    """A one-line bar redrawn in place, for ingest's progress(done, total) callback."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        # ingest streams the page, so it knows how far it has read, not how many comments remain.
        self._stream.write(f"\rIngesting [{bar}] {100 * done // total if total else 100}%")
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


if __name__ == "__main__":
    sys.exit(main())
