"""The archive's SQLite database: its schema and an atomic, idempotent, streaming ingest.

One database per archive file (the page's text, a WordPress or Disqus export). It is derived
data: it is built from the file into a temporary file that is swapped in whole, so a failed
ingest leaves the previous database as it was, and a database that is damaged, stale or from
another schema is simply built again. The bot serves it through
read-only connections and writes nothing to it, so several processes can serve one file while
an ingest swaps in the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import itertools
import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bot.archive.errors import ArchiveError, ArchiveFormatError, StorageError
from bot.archive.exports import Destination, ExportFormat, ExportKind, detect, staging, write_export
from bot.archive.exports.detect import export_title
from bot.archive.index_build import IndexBuilder
from bot.archive.models import Comment, CommentKind, Member, Post, Resolution
from bot.archive.parser import read_page
from bot.archive.queries import COMMENT_COLUMNS, comment_row
from bot.archive.search import SEARCH_SCHEMA, build_search_index
from bot.migrations import schema_version

__all__ = [
    "ArchiveError",
    "ArchiveFormatError",
    "IngestReport",
    "SCHEMA_VERSION",
    "StorageError",
    "ingest",
    "open_archive",
]

log = logging.getLogger(__name__)

# Bumped whenever the parser reads the same page differently, so that an old database is
# rebuilt even though the archive file itself did not change.
PARSER_VERSION = 1

# The archive database is never migrated: it is derived from the page, so a database whose
# version differs from this one is rebuilt from the source (open_archive refuses it, ingest
# builds a new file), and there is no chain of migrations to keep. Bump the version with any
# change below. Version 1 keyed comments by (source_id, id) with a source_id no query used,
# which kept lookups by id off the index; version 3 added prefix indexes and the suggestion
# tables (bot.archive.search.SEARCH_SCHEMA); version 4 holds several discussions (exports), the
# source's format and title, and export comments' authors, links and markup.
SCHEMA_VERSION = 4
_TABLES = """
    CREATE TABLE source (
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        -- The file's size and modification time when it was read: when both are unchanged the
        -- file is trusted to be the same without reading it again.
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        parser_version INTEGER NOT NULL,
        loaded_at TEXT NOT NULL,
        -- The modification time ingest gives this database's file once it is complete. A file
        -- whose mtime differs has been written since (a stray write, a copy, a manual edit)
        -- and is checked page by page before it is trusted; an untouched one is not, since the
        -- check reads the whole file (0.7 s at a million comments, far more from a cold disk).
        stamp_ns INTEGER NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('page', 'wxr', 'disqus')),
        title TEXT NOT NULL,
        discussions INTEGER NOT NULL,
        -- Counted while writing, so that nothing counts a million rows again: JSON objects of
        -- rows per kind ("comments": 12, ...) and of comments left out per reason ("spam": 3).
        counts TEXT NOT NULL,
        left_out TEXT NOT NULL
    );
    -- Only the page records these.
    CREATE TABLE post (title TEXT NOT NULL, date TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE resolution (
        preamble TEXT NOT NULL,
        resolving_clause TEXT NOT NULL,
        vote TEXT NOT NULL,
        date TEXT NOT NULL
    );
    CREATE TABLE member (
        position INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        city TEXT NOT NULL
    );
    CREATE INDEX member_city ON member (city COLLATE NOCASE);
    -- The posts (or threads) comments hang under, 1..N in file order; the page is one.
    CREATE TABLE discussion (
        number INTEGER PRIMARY KEY,
        key TEXT,
        title TEXT NOT NULL,
        link TEXT,
        date TEXT,
        author TEXT,
        body TEXT NOT NULL,
        html TEXT
    );
    CREATE TABLE comment (
        rowid INTEGER PRIMARY KEY,
        -- Outline ids sort so that a subtree is one key range (see outline.descendant_range);
        -- (discussion, id) is the key, so a discussion's subtree is one range of it too.
        id TEXT NOT NULL,
        parent_id TEXT,
        depth INTEGER NOT NULL,
        position INTEGER NOT NULL UNIQUE,
        kind TEXT NOT NULL
            CHECK (kind IN ('comment', 'pingback', 'trackback', 'placeholder')),
        author TEXT,
        -- The page gives none; exports give UTC ISO 8601.
        date TEXT,
        -- Plain text: what search, snippets and autocomplete read.
        body TEXT NOT NULL,
        link_title TEXT,
        link_site TEXT,
        discussion INTEGER NOT NULL,
        -- An export comment's markup, turned into Discord markdown only when it is shown
        -- (a handful at a time), never at ingest (a million at a time); NULL when plain.
        html TEXT,
        author_url TEXT,
        permalink TEXT,
        export_id TEXT,
        UNIQUE (discussion, id)
    );
"""
# Indexes only lookups use: an export's load builds them once its rows are in, from one sorted
# pass, rather than keeping them up to date through a million scattered inserts.
_LOOKUP_INDEXES = (
    "CREATE INDEX comment_export_id ON comment (export_id) WHERE export_id IS NOT NULL",
    "CREATE INDEX comment_author ON comment (author COLLATE NOCASE) WHERE author IS NOT NULL",
)
TABLES_SCHEMA = _TABLES + "".join(f"    {index};\n" for index in _LOOKUP_INDEXES)
SCHEMA = TABLES_SCHEMA + SEARCH_SCHEMA

# Rows per executemany: large enough that the thread hop per batch is noise, small enough that
# a batch of long comments stays a few megabytes.
_BATCH = 2_000
# The building file is private until it is swapped in, and a crash discards it, so it needs no
# journal and no syncs while it is written; it is synced once, whole, before the swap. The same
# holds for the connection's TEMP schema, where an export's posts wait to be threaded: a failed
# load closes the connection, which discards it whole. Without a journal, dropping the held
# posts of a million-comment export at the end takes 1.2 s, not 4.2 (each freed page was first
# copied to the journal).
_BUILD_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA temp.journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -65536",  # 64 MiB
)
_LEFTOVER = ".{name}.*.building"
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class IngestReport:
    path: Path
    sha256: str
    changed: bool
    # Rows loaded per kind ("comments", "pingbacks", "trackbacks", "placeholders", "members").
    counts: dict[str, int]
    # 'page' | 'wxr' | 'disqus'
    format: str = "page"
    title: str = ""
    # Comments in the file that were not loaded, per reason ("spam", "pending", ...).
    left_out: dict[str, int] = field(default_factory=dict)


async def open_archive(db_path: Path) -> aiosqlite.Connection:
    """A read-only connection for serving queries.

    ``mode=ro`` rather than ``immutable=1``: immutable would spare a file lock per read, but
    SQLite then assumes nobody ever writes the file, and a write in place (a manual fix, a
    future ingest that updates a row) would silently serve torn pages. ingest never writes a
    served file: it swaps a new one in with os.replace, and open connections keep reading the
    old one, whole, until they close.
    """
    if not db_path.exists():
        raise ArchiveError(f"{db_path}: no archive database; run `python -m bot ingest` first")
    if db_path.is_dir():
        raise StorageError(_folder_at(db_path))
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


async def ingest(
    archive_path: Path,
    db_path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Build the database from the archive unless it already holds this very file, undamaged.

    The page is streamed into the database: memory stays flat whatever its size.
    ``progress(done, total)`` is told how many bytes of the page have been written.
    """
    stat = _stat_source(archive_path)
    _check_database_path(db_path)
    with _building_lock(db_path):
        _remove_leftovers(db_path)
        loaded = await _loaded_source(db_path)
        if loaded is not None and _holds(loaded, archive_path, stat):
            return IngestReport(
                archive_path,
                loaded.sha256,
                False,
                loaded.counts,
                loaded.format,
                loaded.title,
                loaded.left_out,
            )
        with _storage_errors(db_path), _temporary_sibling(db_path) as building:
            built, stamp_ns = await _build(archive_path, stat, building, progress)
            os.utime(building, ns=(stamp_ns, stamp_ns))
            with open(building, "rb") as written:
                os.fsync(written.fileno())
            os.replace(building, db_path)
    return IngestReport(
        archive_path, built.sha256, True, built.counts, built.format, built.title, built.left_out
    )


# --- the source file -------------------------------------------------------------------------


def _stat_source(path: Path) -> os.stat_result:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ArchiveError(f"{path}: file not found") from None
    except OSError as error:
        raise ArchiveError(f"{path}: cannot be read ({error.strerror})") from None
    if path.is_dir():
        raise ArchiveError(f"{path}: is a directory, not an archive file")
    if stat.st_size == 0:
        raise ArchiveError(f"{path}: the file is empty")
    return stat


class _PageReader:
    """The page's lines, read once: hashed, checked and counted as they pass."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0
        self.blank = True

    def lines(self) -> Iterator[str]:
        try:
            with self.path.open("rb") as file:
                for raw in file:
                    yield self._decode(raw)
        except OSError as error:
            raise ArchiveError(f"{self.path}: cannot be read ({error.strerror})") from None

    def _decode(self, raw: bytes) -> str:
        if b"\x00" in raw:
            raise ArchiveError(f"{self.path}: binary data, not the text of a page")
        try:
            line = raw.decode("utf-8-sig" if self.bytes_read == 0 else "utf-8")
        except UnicodeDecodeError as error:
            offset = self.bytes_read + error.start
            raise ArchiveError(
                f"{self.path}: not UTF-8 text (bad byte at offset {offset})"
            ) from None
        self.sha256.update(raw)
        self.bytes_read += len(raw)
        if self.blank and line.strip():
            self.blank = False
        return line


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- the database that is there --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Loaded:
    sha256: str
    size: int
    mtime_ns: int
    parser_version: int
    format: str
    title: str
    counts: dict[str, int]
    left_out: dict[str, int]


async def _loaded_source(db_path: Path) -> _Loaded | None:
    """What the database was built from, or None when it must be built (missing, old, damaged)."""
    try:
        written_ns = db_path.stat().st_mtime_ns
        db = await open_archive(db_path)
    except (OSError, ArchiveError):
        return None
    try:
        async with db.execute(
            "SELECT sha256, size, mtime_ns, parser_version, stamp_ns, format, title,"
            " counts, left_out FROM source"
        ) as cursor:
            rows = list(await cursor.fetchall())
        problem = None if len(rows) == 1 and rows[0][4] == written_ns else await _damage(db)
    except sqlite3.DatabaseError as error:
        problem = str(error)
    finally:
        await db.close()
    if problem is not None:
        log.warning("%s is damaged (%s); rebuilding it", db_path, problem)
        return None
    if len(rows) != 1:
        return None
    sha256, size, mtime_ns, parser_version, stamp_ns, format_, title, counts, left_out = rows[0]
    if stamp_ns != written_ns:
        # Found sound: stamp it again so that the next start need not read it whole. Only the
        # file's times change, never a byte that open connections read.
        with contextlib.suppress(OSError):
            os.utime(db_path, ns=(stamp_ns, stamp_ns))
    return _Loaded(
        sha256,
        size,
        mtime_ns,
        parser_version,
        format_,
        title,
        json.loads(counts),
        json.loads(left_out),
    )


async def _damage(db: aiosqlite.Connection) -> str | None:
    """The first problem SQLite finds in the file, or None when it is sound.

    quick_check reads every page but decodes no row: about 0.1 s for each 100 MB of database.
    """
    async with db.execute("PRAGMA quick_check") as cursor:
        problems = [str(row[0]) for row in await cursor.fetchall()]
    return None if problems == ["ok"] else problems[0]


def _holds(loaded: _Loaded, path: Path, stat: os.stat_result) -> bool:
    """Whether the database was built from this file's content by this parser.

    An unchanged size and modification time are trusted; otherwise the file is hashed in
    chunks (about 0.5 s a gigabyte) rather than parsed again.
    """
    if loaded.parser_version != PARSER_VERSION or loaded.size != stat.st_size:
        return False
    if loaded.mtime_ns == stat.st_mtime_ns:
        return True
    try:
        return _sha256_of(path) == loaded.sha256
    except OSError as error:
        raise ArchiveError(f"{path}: cannot be read ({error.strerror})") from None


# --- where the database goes -----------------------------------------------------------------


def _folder_at(db_path: Path) -> str:
    return f"{db_path}: is a folder, not a database file; set DATABASE_PATH to a file's path"


def _check_database_path(db_path: Path) -> None:
    if db_path.is_dir():
        raise StorageError(_folder_at(db_path))
    for folder in db_path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise StorageError(
                    f"{db_path}: {folder} is a file, not a folder;"
                    " set DATABASE_PATH to a path inside a folder"
                )
            break


def _storage_error(db_path: Path, error: OSError | sqlite3.Error) -> StorageError:
    """One line naming what went wrong where the database is written, and what to do."""
    full = (
        error.errno == errno.ENOSPC
        if isinstance(error, OSError)
        else error.sqlite_errorcode == sqlite3.SQLITE_FULL
    )
    if full:
        return StorageError(
            f"{db_path.parent}: the disk is full; free some space there"
            " or set DATABASE_PATH to another disk"
        )
    denied = (
        error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        if isinstance(error, OSError)
        else error.sqlite_errorcode in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
    )
    if denied:
        return StorageError(
            f"{db_path.parent}: cannot write there; make the folder writable"
            " or set DATABASE_PATH to a folder you can write"
        )
    reason = error.strerror if isinstance(error, OSError) else str(error)
    return StorageError(f"{db_path}: cannot write the database ({reason})")


@contextlib.contextmanager
def _storage_errors(db_path: Path) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.OperationalError) as error:
        raise _storage_error(db_path, error) from None


@contextlib.contextmanager
def _building_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's folder locked, so that concurrent ingests (several bot processes
    starting at once) build one after the other, and the second finds the first's work done."""
    with _storage_errors(db_path):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.open(db_path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)


def _remove_leftovers(db_path: Path) -> None:
    """Remove what an ingest killed mid-build left; under the lock, none is still being built."""
    for leftover in db_path.parent.glob(_LEFTOVER.format(name=db_path.name)):
        with contextlib.suppress(OSError):
            leftover.unlink()


@contextlib.contextmanager
def _temporary_sibling(path: Path) -> Iterator[Path]:
    """A fresh file beside ``path`` (so the final rename stays on one file system)."""
    prefix, suffix = _LEFTOVER.format(name=path.name).split("*")
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    building = Path(name)
    try:
        yield building
    finally:
        building.unlink(missing_ok=True)


# --- building --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Built:
    """What a build wrote, for the source row and the report."""

    sha256: str
    format: str
    title: str
    discussions: int
    counts: dict[str, int]
    left_out: dict[str, int]
    # The load filled the full-text index itself (bot.archive.index_build).
    full_text: bool = False


async def _build(
    archive_path: Path,
    stat: os.stat_result,
    building: Path,
    progress: Callable[[int, int], None] | None,
) -> tuple[_Built, int]:
    """Write the database; what it holds, and the modification time to give its file."""
    detected = detect(archive_path)
    if detected.format is ExportFormat.PAGE:
        async with aiosqlite.connect(building) as db:
            # A script runs each statement to its end: a pragma's unread result would otherwise
            # stay "in progress" and refuse the final commit.
            await db.executescript(";".join((*_BUILD_PRAGMAS, SCHEMA)))
            # One transaction: the temporary file is either complete or discarded.
            await db.execute("BEGIN")
            built = await _write_page(db, archive_path, stat, progress)
            return built, await _finish(db, archive_path, stat, built)
    # The export readers and the threading run on a plain sqlite3 connection, in a worker thread
    # so that a bot ingesting at start-up keeps its event loop; the index is built after it, on
    # the same (still private) file. The file is hashed meanwhile on the other core (hashlib
    # lets go of the GIL).
    # Both are awaited to their end even when one fails, so that no thread outlives the call.
    hashed, loaded = await asyncio.gather(
        asyncio.to_thread(_sha256_of, archive_path),
        asyncio.to_thread(_write_export, archive_path, building),
        return_exceptions=True,
    )
    if isinstance(loaded, BaseException):
        raise loaded
    if isinstance(hashed, BaseException):
        raise hashed
    built = dataclasses.replace(loaded, sha256=hashed)
    async with aiosqlite.connect(building) as db:
        await db.executescript(";".join(_BUILD_PRAGMAS))
        await db.execute("BEGIN")
        return built, await _finish(db, archive_path, stat, built)


async def _finish(
    db: aiosqlite.Connection, archive_path: Path, stat: os.stat_result, built: _Built
) -> int:
    stamp_ns = time.time_ns()
    await _write_source(db, archive_path, built, stat, stamp_ns)
    await build_search_index(db, full_text=not built.full_text)
    await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    await db.commit()
    return stamp_ns


async def _write_page(
    db: aiosqlite.Connection,
    archive_path: Path,
    stat: os.stat_result,
    progress: Callable[[int, int], None] | None,
) -> _Built:
    reader = _PageReader(archive_path)
    try:
        lines = reader.lines()
        head, comments = read_page(lines)
        await _write_head(db, head.post, head.resolution, head.members)
        counts = await _write_comments(db, comments, reader, stat.st_size, progress)
    except ArchiveFormatError as error:
        if reader.blank:
            raise ArchiveError(f"{archive_path}: the file is empty") from None
        raise ArchiveFormatError(f"{archive_path}: {error}") from None
    # The parser stops at the comment form; the hash covers the whole file.
    for _ in lines:
        pass
    counts["members"] = len(head.members)
    return _Built(reader.sha256.hexdigest(), "page", head.post.title, 1, counts, {})


def _write_export(archive_path: Path, building: Path) -> _Built:
    """Read a WordPress or Disqus export into the building file, committed, without its
    suggestions; with its full-text index too when the file is large enough to fill it beside
    the load (a child interpreter's start costs more than a small export's rebuild)."""
    beside = staging.uses_children(archive_path)
    conn = sqlite3.connect(building, isolation_level=None)
    try:
        conn.executescript(";".join((*_BUILD_PRAGMAS, _TABLES, SEARCH_SCHEMA)))
        conn.execute("BEGIN")
        # Named like the building file, so that a killed ingest's leftovers go with it.
        builder = IndexBuilder(building.with_suffix(".index.building")) if beside else None
        with builder or contextlib.nullcontext():
            texts = builder.add if builder is not None else None
            # A split read's spool beside the building file: the temporary folder may be memory.
            report = write_export(
                conn, archive_path, _EXPORT_DESTINATION, texts=texts, spool=building.parent
            )
            for lookup in _LOOKUP_INDEXES:
                conn.execute(lookup)
            conn.execute("COMMIT")  # the file is private until it is renamed: two are safe
            if builder is not None:
                builder.finish()
                builder.copy_into(conn)
    finally:
        conn.close()
    kinds = (ExportKind.COMMENT, ExportKind.PINGBACK, ExportKind.TRACKBACK, ExportKind.PLACEHOLDER)
    return _Built(
        "",  # hashed beside the load
        report.format.value,
        # Without a site name, the file's name without its extensions ("blog.wxr.xml": "blog").
        export_title(archive_path, report.format) or archive_path.name.split(".")[0],
        report.discussions,
        {f"{kind.value}s": report.kinds[kind.value] for kind in kinds},
        dict(sorted(report.left_out.items())),
        full_text=beside,
    )


# The export's neutral columns (bot.archive.exports.staging) as this schema keeps them: text
# in ``body`` for search, markup (or NULL) in ``html``, NULL for what the export lacks.
_EXPORT_DESTINATION = Destination(
    "discussion",
    {
        "number": "{discussion}",
        "key": "nullif({export_id}, '')",
        "title": "{title}",
        "link": "nullif({link}, '')",
        "date": "{date}",
        "author": "{author}",
        "body": "{text}",
        "html": "nullif({body}, '')",
    },
    "comment",
    {
        # The full-text index is filled by position as the rows are written (IndexBuilder).
        "rowid": "{position}",
        "position": "{position}",
        "discussion": "{discussion}",
        "id": "{id}",
        "parent_id": "{parent_id}",
        "depth": "{depth}",
        "kind": "{kind}",
        "author": "{author}",
        "date": "{date}",
        "body": "{text}",
        "html": "nullif({body}, '')",
        "author_url": "{author_url}",
        "permalink": "{permalink}",
        "export_id": "{export_id}",
    },
)


async def _write_head(
    db: aiosqlite.Connection, post: Post, resolution: Resolution, members: Iterable[Member]
) -> None:
    await db.execute(
        "INSERT INTO post (title, date, body) VALUES (?, ?, ?)",
        (post.title, post.date.isoformat(), "\n\n".join(post.paragraphs)),
    )
    await db.execute(
        "INSERT INTO resolution (preamble, resolving_clause, vote, date) VALUES (?, ?, ?, ?)",
        (
            resolution.preamble,
            resolution.resolving_clause,
            resolution.vote,
            resolution.date.isoformat(),
        ),
    )
    # The page is one discussion: its post is the root its comments hang under.
    await db.execute(
        "INSERT INTO discussion (number, title, date, body) VALUES (1, ?, ?, ?)",
        (post.title, post.date.isoformat(), "\n\n".join(post.paragraphs)),
    )
    await db.executemany(
        "INSERT INTO member (position, name, city) VALUES (?, ?, ?)",
        [(m.position, m.name, m.city) for m in members],
    )


# The kinds the page holds (it has no trackbacks), in the order its report lists them.
_PAGE_KINDS = (CommentKind.COMMENT, CommentKind.PINGBACK, CommentKind.PLACEHOLDER)
_INSERT_COMMENT = (
    f"INSERT INTO comment ({', '.join(COMMENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(COMMENT_COLUMNS))})"
)


async def _write_comments(
    db: aiosqlite.Connection,
    comments: Iterator[Comment],
    reader: _PageReader,
    size: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    counts = dict.fromkeys((f"{kind.value}s" for kind in _PAGE_KINDS), 0)
    while batch := list(itertools.islice(comments, _BATCH)):
        for comment in batch:
            counts[f"{comment.kind.value}s"] += 1
        await db.executemany(_INSERT_COMMENT, map(comment_row, batch))
        if progress is not None:
            progress(min(reader.bytes_read, size), size)
    return counts


async def _write_source(
    db: aiosqlite.Connection, path: Path, built: _Built, stat: os.stat_result, stamp_ns: int
) -> None:
    await db.execute(
        "INSERT INTO source (path, sha256, size, mtime_ns, parser_version, loaded_at, stamp_ns,"
        " format, title, discussions, counts, left_out)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(path),
            built.sha256,
            stat.st_size,
            stat.st_mtime_ns,
            PARSER_VERSION,
            dt.datetime.fromtimestamp(stamp_ns / 1e9, dt.UTC).isoformat(timespec="seconds"),
            stamp_ns,
            built.format,
            built.title,
            built.discussions,
            json.dumps(built.counts),
            json.dumps(built.left_out),
        ),
    )
