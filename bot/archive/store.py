"""The archive's SQLite database: schema, migrations and an atomic, idempotent ingest.

The database is derived data: it is built from the archive's text into a temporary file that is
swapped in whole, so a failed ingest leaves the previous database as it was. The bot serves it
through a read-only connection and writes nothing to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.archive.errors import ArchiveError, ArchiveFormatError
from bot.archive.models import Archive, Comment
from bot.archive.parser import parse_page
from bot.archive.queries import archive_counts
from bot.archive.search import SEARCH_SCHEMA, build_search_index
from bot.migrations import migrate, schema_version

__all__ = [
    "ArchiveError",
    "ArchiveFormatError",
    "DEFAULT_ARCHIVE_PATH",
    "DEFAULT_DATABASE_PATH",
    "IngestReport",
    "SCHEMA_VERSION",
    "ingest",
    "open_archive",
]

_DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_ARCHIVE_PATH = _DATA / "we-are-expelled.txt"
DEFAULT_DATABASE_PATH = _DATA / "archive.db"

# Bumped whenever the parser reads the same page differently, so that an old database is
# rebuilt even though the archive file itself did not change.
PARSER_VERSION = 1

# Applied by bot.migrations.migrate; never edit an entry that has shipped: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE source (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        parser_version INTEGER NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE post (
        source_id INTEGER PRIMARY KEY REFERENCES source(id),
        title TEXT NOT NULL,
        date TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE resolution (
        source_id INTEGER PRIMARY KEY REFERENCES source(id),
        preamble TEXT NOT NULL,
        resolving_clause TEXT NOT NULL,
        vote TEXT NOT NULL,
        date TEXT NOT NULL
    );
    CREATE TABLE member (
        source_id INTEGER NOT NULL REFERENCES source(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        city TEXT NOT NULL,
        PRIMARY KEY (source_id, position)
    );
    CREATE INDEX member_city ON member (city COLLATE NOCASE);
    CREATE TABLE comment (
        rowid INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES source(id),
        id TEXT NOT NULL,
        parent_id TEXT,
        depth INTEGER NOT NULL,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('comment', 'pingback', 'placeholder')),
        author TEXT,
        date TEXT,
        body TEXT NOT NULL,
        link_title TEXT,
        link_site TEXT,
        UNIQUE (source_id, id),
        UNIQUE (source_id, position)
    );
    CREATE INDEX comment_parent ON comment (source_id, parent_id);
    -- remove_diacritics folds accents so that "hector" finds "Héctor".
    CREATE VIRTUAL TABLE comment_fts USING fts5 (
        body, content='comment', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE comment_vocab USING fts5vocab (comment_fts, 'row');
    """,
    SEARCH_SCHEMA,
)
SCHEMA_VERSION = len(MIGRATIONS)

_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class IngestReport:
    path: Path
    sha256: str
    changed: bool
    counts: dict[str, int]


async def open_archive(db_path: Path) -> aiosqlite.Connection:
    """A read-only connection for serving queries."""
    if not db_path.exists():
        raise ArchiveError(f"{db_path}: no archive database; run `python -m bot ingest` first")
    db = await aiosqlite.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = await schema_version(db)
    except aiosqlite.DatabaseError as error:
        # A damaged or foreign file: close (an open connection's thread keeps the process
        # alive) and say so, which also lets ingest rebuild over it.
        await db.close()
        raise ArchiveError(
            f"{db_path}: not an archive database ({error});"
            " run `python -m bot ingest` to rebuild it"
        ) from None
    if version != SCHEMA_VERSION:
        await db.close()
        raise ArchiveError(
            f"{db_path}: schema version {version}, expected {SCHEMA_VERSION};"
            " run `python -m bot ingest` to rebuild it"
        )
    return db


def read_archive_text(path: Path) -> tuple[str, str]:
    """The page's text and its sha256, or an ArchiveError naming what is wrong with the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ArchiveError(f"{path}: is a directory, not an archive file") from None
    except OSError as error:
        raise ArchiveError(f"{path}: cannot be read ({error.strerror})") from None
    if not raw.strip():
        raise ArchiveError(f"{path}: the file is empty")
    if b"\x00" in raw:
        raise ArchiveError(f"{path}: binary data, not the text of a page")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArchiveError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    return text, hashlib.sha256(raw).hexdigest()


async def ingest(
    archive_path: Path,
    db_path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Build the database from the archive unless it already holds this very file.

    ``progress(done, total)`` is told how many comments have been written.
    """
    text, sha256 = read_archive_text(archive_path)
    if await _is_current(db_path, sha256):
        return IngestReport(archive_path, sha256, False, await _counts_in(db_path))
    try:
        archive = parse_page(text)
    except ArchiveFormatError as error:
        raise ArchiveFormatError(f"{archive_path}: {error}") from None
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_sibling(db_path) as building:
        async with aiosqlite.connect(building) as db:
            await migrate(db, MIGRATIONS, "archive database")
            await _write(db, archive, archive_path, sha256, progress)
        os.replace(building, db_path)
    return IngestReport(archive_path, sha256, True, counts_of(archive))


def counts_of(archive: Archive) -> dict[str, int]:
    counts = {"comments": 0, "pingbacks": 0, "placeholders": 0}
    for comment in archive.comments:
        counts[f"{comment.kind.value}s"] += 1
    counts["members"] = len(archive.members)
    return counts


@contextlib.contextmanager
def _temporary_sibling(path: Path) -> Iterator[Path]:
    """A fresh file beside ``path`` (so the final rename stays on one file system)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".building", dir=path.parent)
    os.close(fd)
    building = Path(name)
    try:
        yield building
    finally:
        building.unlink(missing_ok=True)


async def _is_current(db_path: Path, sha256: str) -> bool:
    try:
        db = await open_archive(db_path)
    except ArchiveError:
        return False
    try:
        async with db.execute("SELECT sha256, parser_version FROM source") as cursor:
            rows = await cursor.fetchall()
    except aiosqlite.DatabaseError:
        return False
    finally:
        await db.close()
    return [tuple(row) for row in rows] == [(sha256, PARSER_VERSION)]


async def _counts_in(db_path: Path) -> dict[str, int]:
    db = await open_archive(db_path)
    try:
        return await archive_counts(db)
    finally:
        await db.close()


async def _write(
    db: aiosqlite.Connection,
    archive: Archive,
    path: Path,
    sha256: str,
    progress: Callable[[int, int], None] | None,
) -> None:
    # One transaction: the temporary file is either complete or discarded.
    await db.execute("BEGIN")
    cursor = await db.execute(
        "INSERT INTO source (path, sha256, parser_version, loaded_at) VALUES (?, ?, ?, ?)",
        (str(path), sha256, PARSER_VERSION, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
    )
    source_id = cursor.lastrowid
    post, resolution = archive.post, archive.resolution
    await db.execute(
        "INSERT INTO post (source_id, title, date, body) VALUES (?, ?, ?, ?)",
        (source_id, post.title, post.date.isoformat(), "\n\n".join(post.paragraphs)),
    )
    await db.execute(
        "INSERT INTO resolution (source_id, preamble, resolving_clause, vote, date)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            source_id,
            resolution.preamble,
            resolution.resolving_clause,
            resolution.vote,
            resolution.date.isoformat(),
        ),
    )
    await db.executemany(
        "INSERT INTO member (source_id, position, name, city) VALUES (?, ?, ?, ?)",
        [(source_id, m.position, m.name, m.city) for m in archive.members],
    )
    total = len(archive.comments)
    for start in range(0, total, _BATCH):
        batch = archive.comments[start : start + _BATCH]
        await db.executemany(
            "INSERT INTO comment (source_id, id, parent_id, depth, position, kind, author, date,"
            " body, link_title, link_site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_comment_row(source_id, c) for c in batch],
        )
        if progress is not None:
            progress(start + len(batch), total)
    await build_search_index(db)
    await db.commit()


def _comment_row(source_id: int | None, c: Comment) -> tuple[object, ...]:
    return (
        source_id,
        c.id,
        c.parent_id,
        c.depth,
        c.position,
        c.kind.value,
        c.author,
        c.date,
        c.body,
        c.link_title,
        c.link_site,
    )
