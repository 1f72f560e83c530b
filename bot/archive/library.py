"""The archives the bot serves: one database per archive file, each with a short name to type.

A community may load its WordPress blog's export and a Disqus export beside the 2014 page. Each
file gets its own database (derived data, rebuilt and swapped on its own), so updating one never
touches the others; this module opens them all, read-only, and names them.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bot.archive import queries
from bot.archive.errors import ArchiveError
from bot.archive.models import Discussion
from bot.archive.store import ingest, open_archive

log = logging.getLogger(__name__)

NAME_LENGTH = 32
# Discussions kept per archive (see LoadedArchive.discussion): the page has one, an export may
# have thousands, of which a server reads a few at a time; a post's body may be long.
DISCUSSIONS_KEPT = 128


@dataclass(frozen=True, slots=True)
class LoadedArchive:
    """One archive file, loaded and open for queries."""

    name: str
    title: str
    path: Path
    db_path: Path
    db: aiosqlite.Connection
    # 'page' | 'wxr' | 'disqus'
    format: str
    # Rows of each kind ('comments', 'pingbacks', ...) as ingest counted them.
    counts: dict[str, int]
    discussions: int
    # Comments in the file not loaded, per reason ("spam": 3, "pending": 1).
    left_out: dict[str, int]
    # Discussions read so far, by number, oldest first.
    _discussions: dict[int, Discussion] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    async def discussion(self, number: int) -> Discussion | None:
        """The discussion numbered ``number``, None if the archive has none such.

        Nearly every command reads one, so each is read once: a discussion never changes while
        its database is open (ingest builds a new file, and a new LoadedArchive serves it), so
        the copy stays true for this object's life. Bounded: the oldest read is dropped first.
        """
        found = self._discussions.get(number)
        if found is None:
            found = await queries.get_discussion(self.db, number)
            if found is None:
                return None  # not kept: any number can be typed
            if len(self._discussions) >= DISCUSSIONS_KEPT:
                del self._discussions[next(iter(self._discussions))]
            self._discussions[number] = found
        return found

    @property
    def has_resolution(self) -> bool:
        """Whether the archive records a resolution and its members (only the page does)."""
        return self.format == "page"


class ArchiveSet:
    """The loaded archives in ARCHIVE_PATH order; the first is the default."""

    def __init__(self, archives: Sequence[LoadedArchive]) -> None:
        if not archives:
            raise ValueError("an archive set holds at least one archive")
        self._archives = tuple(archives)
        self._by_name = {archive.name: archive for archive in self._archives}

    @classmethod
    async def open(cls, archive_paths: Sequence[Path], database_path: Path) -> ArchiveSet:
        """Ingest each file if its database is missing or stale, then open them all read-only.

        The default (first) archive must load: without it the bot has nothing to serve. Any
        other that cannot be loaded is logged and left out, so one bad export does not keep the
        others from being served.
        """
        opened: list[tuple[Path, Path, aiosqlite.Connection, queries.ArchiveSummary]] = []
        try:
            for path, db_path in zip(
                archive_paths, database_paths(archive_paths, database_path), strict=True
            ):
                try:
                    report = await ingest(path, db_path)
                    db = await open_archive(db_path)
                except ArchiveError as error:
                    if path == archive_paths[0]:
                        raise
                    log.error("Archive left out: %s", error)
                    continue
                log.info(
                    "Archive %s: %s (%s)",
                    path,
                    "loaded" if report.changed else "already up to date",
                    ", ".join(f"{n} {kind}" for kind, n in report.counts.items()),
                )
                try:
                    summary = await queries.archive_summary(db)
                except BaseException:
                    await db.close()
                    raise
                opened.append((path, db_path, db, summary))
        except BaseException:
            for *_, db, _summary in opened:
                await db.close()
            raise
        names = archive_names([(summary.title, path) for path, _, _, summary in opened])
        return cls(
            [
                LoadedArchive(
                    name=name,
                    title=summary.title,
                    path=path,
                    db_path=db_path,
                    db=db,
                    format=summary.format,
                    counts=summary.counts,
                    discussions=summary.discussions,
                    left_out=summary.left_out,
                )
                for name, (path, db_path, db, summary) in zip(names, opened, strict=True)
            ]
        )

    @property
    def default(self) -> LoadedArchive:
        return self._archives[0]

    def get(self, name: str) -> LoadedArchive | None:
        """The archive called ``name`` (as typed: any case, surrounding space ignored)."""
        return self._by_name.get(name.strip().lower())

    def __iter__(self) -> Iterator[LoadedArchive]:
        return iter(self._archives)

    def __len__(self) -> int:
        return len(self._archives)

    async def close(self) -> None:
        for archive in self._archives:
            await archive.db.close()


def slug(text: str) -> str:
    """Lower-case ascii letters, digits and single hyphens, at most NAME_LENGTH characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:NAME_LENGTH].rstrip("-")


def archive_names(archives: Sequence[tuple[str, Path]]) -> list[str]:
    """Each archive's name, from (title, file) in order: its title's slug; where titles clash
    (or give none), its file name's; where those clash too, a numeric suffix."""
    by_title = [slug(title) for title, _ in archives]
    wanted = [
        name if name and by_title.count(name) == 1 else slug(path.stem) or "archive"
        for name, (_, path) in zip(by_title, archives, strict=True)
    ]
    names: list[str] = []
    for name in wanted:
        candidate, number = name, 1
        while candidate in names:
            number += 1
            suffix = f"-{number}"
            candidate = name[: NAME_LENGTH - len(suffix)] + suffix
        names.append(candidate)
    return names


def database_paths(archive_paths: Sequence[Path], database_path: Path) -> list[Path]:
    """Where each archive's database goes: the first at DATABASE_PATH, every other beside it as
    ``<DATABASE_PATH's stem>-<slug of the archive file's stem>.db``, kept apart when stems clash."""
    paths = [database_path]
    for archive_path in archive_paths[1:]:
        stem = f"{database_path.stem}-{slug(archive_path.stem) or 'archive'}"
        candidate, number = database_path.with_name(f"{stem}.db"), 1
        while candidate in paths:
            number += 1
            candidate = database_path.with_name(f"{stem}-{number}.db")
        paths.append(candidate)
    return paths
