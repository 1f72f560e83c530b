"""Command line: `python -m bot` runs the bot; `ingest`, `archives`, `sync` and `console` are the
other tasks.

This is a terminal interface, so results and one-line errors go to stdout/stderr directly; the
bot's own diagnostics go through logging.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import discord
from dotenv import load_dotenv

from bot import create_bot
from bot.archive.library import archive_names, database_paths
from bot.archive.queries import ArchiveSummary, archive_summary
from bot.archive.store import ArchiveError, IngestReport, ingest, open_archive
from bot.config import ConfigError, Settings

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
        "ingest", help="load archive files into their databases (nothing to do if unchanged)"
    )
    ingest_parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a page, WordPress or Disqus export file (default: every file of ARCHIVE_PATH)",
    )
    tasks.add_parser("archives", help="list the archives loaded from ARCHIVE_PATH")
    tasks.add_parser("sync", help="publish the slash commands to every server (needs the token)")
    tasks.add_parser("console", help="try the bot offline in a simulated Discord")
    args = parser.parse_args(argv)

    load_dotenv()
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        parser.exit(2, f"archive-bot: {error}\n")
    discord.utils.setup_logging(level=settings.logging_level)

    if args.task == "ingest":
        return _ingest(settings, args.paths or list(settings.archive_paths))
    if args.task == "archives":
        return asyncio.run(_archives(settings))
    if args.task == "console":
        # Imported on demand: only the console needs the simulated Discord behind it.
        from bot.console import main as console_main

        return console_main(settings)
    if settings.token is None:
        parser.exit(2, MISSING_TOKEN + "\n")
    try:
        asyncio.run(_sync(settings) if args.task == "sync" else _run(settings))
    except ArchiveError as error:
        parser.exit(1, f"archive-bot: {error}\n")
    except discord.LoginFailure:
        parser.exit(
            1, "archive-bot: Discord rejected DISCORD_TOKEN; reset it in the Developer Portal.\n"
        )
    except KeyboardInterrupt:
        pass
    return 0


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


def _ingest(settings: Settings, paths: list[Path]) -> int:
    """Load each file into its database: one line each; a bad file fails alone (exit 1)."""
    failed = False
    for path, database in zip(paths, _databases_for(settings, paths), strict=True):
        progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        try:
            report = asyncio.run(ingest(path, database, progress=progress))
        except ArchiveError as error:
            print(f"archive-bot: {error}", file=sys.stderr)
            failed = True
            continue
        finally:
            if progress is not None:
                progress.finish()
        print(_ingest_summary(report, database))
    return 1 if failed else 0


def _databases_for(settings: Settings, paths: list[Path]) -> list[Path]:
    """Each file's database: an archive of ARCHIVE_PATH keeps the one the bot serves it from;
    another file gets its own beside them, as if it were added to ARCHIVE_PATH."""
    archives = list(settings.archive_paths)
    for path in paths:
        if path.resolve() not in {a.resolve() for a in archives}:
            archives.append(path)
    where = dict(
        zip(
            (a.resolve() for a in archives),
            database_paths(archives, settings.database_path),
            strict=True,
        )
    )
    return [where[path.resolve()] for path in paths]


def _ingest_summary(report: IngestReport, database: Path) -> str:
    counts = _counts(report.counts) or "nothing loaded"
    if report.left_out:
        counts += f"; left out: {_counts(report.left_out)}"
    if report.changed:
        return f"Loaded {report.path} into {database}: {counts}."
    return f"{database} already holds {report.path}, unchanged: {counts}."


def _counts(counts: dict[str, int]) -> str:
    """ "56 comments, 1 placeholder": the non-zero counts, named as people say them."""
    return ", ".join(
        f"{n} {kind.replace('_', ' ').removesuffix('s') if n == 1 else kind.replace('_', ' ')}"
        for kind, n in counts.items()
        if n
    )


async def _archives(settings: Settings) -> int:
    """One line per archive of ARCHIVE_PATH: name, title, format, file and counts (or why it
    is not loaded), without loading anything."""
    paths = settings.archive_paths
    summaries: list[ArchiveSummary | str] = []
    for path, database in zip(paths, database_paths(paths, settings.database_path), strict=True):
        try:
            db = await open_archive(database)
        except ArchiveError:
            summaries.append(f"not loaded; run `python -m bot ingest {path}`")
            continue
        try:
            summaries.append(await archive_summary(db))
        finally:
            await db.close()
    titles = [
        (s.title if isinstance(s, ArchiveSummary) else "", p)
        for s, p in zip(summaries, paths, strict=True)
    ]
    for name, path, summary in zip(archive_names(titles), paths, summaries, strict=True):
        if isinstance(summary, str):
            print(f"{name}: {path}: {summary}")
            continue
        default = " (default)" if path == paths[0] else ""
        print(
            f"{name}{default}: {summary.title} ({summary.format}, {path}):"
            f" {_counts({'discussions': summary.discussions, **summary.counts}) or 'empty'}"
        )
    return 0


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
