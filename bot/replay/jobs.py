"""Replay jobs, kept in a SQLite database of their own so that a restart resumes them.

This is the bot's own state database: the one it writes. Besides the jobs it holds each server's
default archive (bot.replay.guilds shares this store's connection).

The archive database is rebuilt and swapped on every re-ingest and served read-only, so nothing
the bot writes while running can live there: this store sits beside it (``settings.jobs_path``).

A job records where a replay goes and, for every message it posted, which comment (and which part
of a long comment) that message carries. Those stored message ids are what makes a replay
idempotent: a part with a stored id is never posted again, and replies link to stored ids, also to
messages posted before a restart. Every write is committed before the replay posts again.

Several bot processes may share one jobs database (one per range of shards): each running job has
an owner, and a process resumes only jobs of its own shards that no live process owns, claiming
them in one statement. A damaged file is moved aside, never emptied: the bot reports it in one
line and starts a fresh store (see bot.client).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import IO

import aiosqlite

from bot.archive.trips import in_one_transaction
from bot.migrations import migrate

# Applied by bot.migrations.migrate; never edit an entry that has shipped: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE job (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        -- Where /thread was run; in "here" mode also where the comments go.
        channel_id INTEGER NOT NULL,
        -- Where the comments go: the replay's thread, or channel_id in "here" mode. NULL until
        -- the thread exists.
        target_id INTEGER,
        here INTEGER NOT NULL CHECK (here IN (0, 1)),
        comment_id TEXT NOT NULL,
        requested_by INTEGER NOT NULL,
        total INTEGER NOT NULL,
        -- How many comments (in page order) are completely posted.
        next_position INTEGER NOT NULL DEFAULT 0,
        header_message_id INTEGER,
        state TEXT NOT NULL
            CHECK (state IN ('running', 'paused', 'stopped', 'failed', 'done')),
        -- Why a replay ended early, in words for the person who started it.
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX job_state ON job (state, guild_id);
    CREATE TABLE posted (
        job_id INTEGER NOT NULL REFERENCES job(id),
        comment_id TEXT NOT NULL,
        part INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        PRIMARY KEY (job_id, comment_id, part)
    ) WITHOUT ROWID;
    """,
    # Which bot process runs a job: resuming claims it in one UPDATE, so two processes serving the
    # same shards over one jobs database cannot both resume it. Cleared when the job ends or its
    # process closes the store.
    """
    ALTER TABLE job ADD COLUMN owner TEXT;
    """,
    # Each server's default archive (/archive use), by the archive's name. Kept here because this
    # is the one database the bot writes; the archive databases are rebuilt and served read-only.
    """
    CREATE TABLE guild_archive (
        guild_id INTEGER PRIMARY KEY,
        archive TEXT NOT NULL,
        set_by INTEGER NOT NULL,
        set_at TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # Which archive a job replays, by name: the bot may hold several. NULL for the jobs of bots
    # that held one, which replay from the default archive.
    """
    ALTER TABLE job ADD COLUMN archive TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


# Room for one more running replay: none in this channel (as its origin or its target) and fewer
# than the cap in the server. Checked inside the statement that starts a job, so two requests
# arriving together cannot both get in.
class JobState(StrEnum):
    RUNNING = "running"
    # Discord kept failing; the person who started it can resume it.
    PAUSED = "paused"
    # Someone pressed Stop.
    STOPPED = "stopped"
    # Discord refused for good (thread deleted, permission revoked).
    FAILED = "failed"
    DONE = "done"


_RUNNING = f"state = '{JobState.RUNNING}'"
# Ended jobs keep their ending; only these can still change state.
_OPEN = f"state IN ('{JobState.RUNNING}', '{JobState.PAUSED}')"
_ROOM = (
    f"NOT EXISTS (SELECT 1 FROM job WHERE {_RUNNING}"
    " AND (channel_id = :channel OR target_id = :channel))"
    f" AND (SELECT count(*) FROM job WHERE {_RUNNING} AND guild_id = :guild) < :cap"
)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    guild_id: int
    channel_id: int
    target_id: int | None
    here: bool
    comment_id: str
    requested_by: int
    total: int
    next_position: int
    header_message_id: int | None
    state: JobState
    reason: str | None
    created_at: dt.datetime
    # The archive's name; None: the default archive.
    archive: str | None = None


class NoRoom(Exception):
    """A replay cannot start or resume now.

    ``running`` is the replay already running in that channel, if that is what is in the way;
    ``running_in_guild`` counts the server's running replays, for the per-server cap.
    """

    def __init__(self, running: Job | None, running_in_guild: int) -> None:
        super().__init__("no room for another replay")
        self.running = running
        self.running_in_guild = running_in_guild


_JOB_COLUMNS = ", ".join(f.name for f in fields(Job))


def _job(row: sqlite3.Row) -> Job:
    """The one place a job row becomes a Job: columns are named as the fields are."""
    values = dict(row)
    return Job(
        **values
        | {
            "here": bool(values["here"]),
            "state": JobState(values["state"]),
            "created_at": dt.datetime.fromisoformat(values["created_at"]),
        }
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _lock_path(path: Path, owner: str) -> Path:
    return path.with_name(f"{path.name}.owner-{owner}")


def _hold(lock: Path) -> IO[bytes]:
    """Lock the file for as long as it stays open; the OS drops the lock when the process dies."""
    handle = lock.open("wb")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _alive(lock: Path) -> bool:
    """Whether the owner of this lock file still holds it. A missing file: the owner closed."""
    try:
        handle = lock.open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    # Nobody holds it: its process died without closing. Its lock file is litter now.
    lock.unlink(missing_ok=True)
    return False


class _Corrupt(sqlite3.DatabaseError):
    """The integrity check found damage."""


def _corrupt(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code, without extensions
    return isinstance(error, _Corrupt) or code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) aside, so nothing in it is lost."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(kept.with_name(kept.name + suffix))
    return kept


class DamagedJobsDatabase(Exception):
    """The jobs database could not be read; the file was moved aside to ``kept``, untouched."""

    def __init__(self, path: Path, kept: Path, error: BaseException) -> None:
        super().__init__(
            f"The jobs database {path} is damaged ({error}); it was kept as {kept} and a fresh"
            " one started: replays that were unfinished in it are not resumed."
        )
        self.kept = kept


class JobStore:
    """The replay jobs, over one aiosqlite connection owned by this store.

    Each open store is an owner of jobs, named by a random token. While the store is open it
    holds an exclusive lock on a small file named after that token: another process can tell a
    live owner (lock held) from one that died (lock free), and take over only the dead one's jobs.
    """

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self._path = path
        self.owner = uuid.uuid4().hex
        self._lock = _hold(_lock_path(path, self.owner))

    @property
    def connection(self) -> aiosqlite.Connection:
        """The state database's connection, for the other small stores that live in it."""
        return self._db

    @classmethod
    async def open(cls, path: Path) -> JobStore:
        """Open (or create) the store; raises :class:`DamagedJobsDatabase` if it is unreadable."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        db.row_factory = aiosqlite.Row
        try:
            # WAL lets each commit be one append instead of rewriting a journal, which matters at
            # one commit per posted message; synchronous=NORMAL still survives a crash of the
            # bot, only a power cut may lose the last commits (and the nonce covers those).
            await db.executescript(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            )
            async with db.execute("PRAGMA quick_check") as cursor:
                (check,) = await cursor.fetchone() or ("no answer",)
            if check != "ok":
                raise _Corrupt(f"integrity check: {check}")
            await migrate(db, MIGRATIONS, "jobs database")
        except sqlite3.DatabaseError as error:
            await db.close()
            if not _corrupt(error):
                raise  # a locked, read-only or unopenable file is not damaged: nothing to move
            raise DamagedJobsDatabase(path, _set_aside(path), error) from error
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        """Give up this process's claim on its running jobs (the next start resumes them)."""
        try:
            await in_one_transaction(
                self._db,
                lambda conn: conn.execute(
                    "UPDATE job SET owner = NULL WHERE owner = ?", (self.owner,)
                ),
            )
        finally:
            await self._db.close()
            self._lock.close()
            _lock_path(self._path, self.owner).unlink(missing_ok=True)

    async def claim(self, shard_count: int | None, shard_ids: Sequence[int] | None) -> list[Job]:
        """Take the running jobs no live process owns, of servers on these shards; oldest first.

        One UPDATE claims them, so of two processes claiming at once each job goes to one.
        Without a shard count every server is this process's.
        """
        async with self._db.execute(
            f"SELECT DISTINCT owner FROM job WHERE {_RUNNING} AND owner IS NOT NULL AND owner != ?",
            (self.owner,),
        ) as cursor:
            others = [row[0] for row in await cursor.fetchall()]
        gone = [owner for owner in others if not _alive(_lock_path(self._path, owner))]
        shards = list(range(shard_count)) if shard_ids is None and shard_count else shard_ids
        async with self._db.execute(
            f"UPDATE job SET owner = :me WHERE {_RUNNING}"
            " AND (owner IS NULL OR owner = :me OR owner IN (SELECT value FROM json_each(:gone)))"
            " AND (:count IS NULL"
            " OR (guild_id >> 22) % :count IN (SELECT value FROM json_each(:shards)))"
            f" RETURNING {_JOB_COLUMNS}",
            {
                "me": self.owner,
                "gone": json.dumps(gone),
                "count": shard_count,
                "shards": json.dumps(list(shards or [])),
            },
        ) as cursor:
            claimed = [_job(row) for row in await cursor.fetchall()]
        await self._db.commit()
        return sorted(claimed, key=lambda job: job.id)

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        here: bool,
        comment_id: str,
        requested_by: int,
        total: int,
        cap: int,
        archive: str | None = None,
    ) -> Job:
        """Start a job, or raise :class:`NoRoom` if the channel or the server is busy."""
        now = _now()
        # The stored job comes back with the insert: /thread waits on this before its thread.
        sql = (
            "INSERT INTO job (guild_id, channel_id, target_id, here, comment_id, requested_by,"
            " total, state, created_at, updated_at, owner, archive)"
            " SELECT :guild, :channel, CASE WHEN :here THEN :channel END, :here, :comment,"
            f" :user, :total, '{JobState.RUNNING}', :now, :now, :me, :archive WHERE {_ROOM}"
            f" RETURNING {_JOB_COLUMNS}"
        )
        params = {
            "guild": guild_id,
            "channel": channel_id,
            "here": here,
            "comment": comment_id,
            "user": requested_by,
            "total": total,
            "now": now,
            "cap": cap,
            "me": self.owner,
            "archive": archive,
        }
        rows = await in_one_transaction(self._db, lambda conn: conn.execute(sql, params).fetchall())
        if not rows:
            raise await self._no_room(guild_id, channel_id)
        return _job(rows[0])

    async def resume(self, job: Job, *, cap: int) -> Job:
        """Set a paused job running again, or raise :class:`NoRoom`."""
        params = {"id": job.id, "now": _now(), "cap": cap, "me": self.owner}
        params |= {"guild": job.guild_id, "channel": job.channel_id}
        sql = (
            f"UPDATE job SET state = '{JobState.RUNNING}', reason = NULL, updated_at = :now,"
            " owner = :me"
            f" WHERE id = :id AND state = '{JobState.PAUSED}' AND {_ROOM}"
        )
        if await in_one_transaction(self._db, lambda conn: conn.execute(sql, params).rowcount) == 0:
            raise await self._no_room(job.guild_id, job.channel_id)
        return replace(job, state=JobState.RUNNING, reason=None)

    async def _no_room(self, guild_id: int, channel_id: int) -> NoRoom:
        rows = await self._jobs(
            f"{_RUNNING} AND (channel_id = ?1 OR target_id = ?1) ORDER BY id LIMIT 1",
            (channel_id,),
        )
        async with self._db.execute(
            f"SELECT count(*) FROM job WHERE {_RUNNING} AND guild_id = ?", (guild_id,)
        ) as cursor:
            (count,) = await cursor.fetchone() or (0,)
        return NoRoom(rows[0] if rows else None, count)

    async def get(self, job_id: int) -> Job | None:
        rows = await self._jobs("id = ?", (job_id,))
        return rows[0] if rows else None

    async def running(self) -> list[Job]:
        """Jobs that were running when the bot last stopped, oldest first."""
        return await self._jobs(f"{_RUNNING} ORDER BY id", ())

    async def set_target(self, job: Job, target_id: int) -> Job:
        await self._update(job, "target_id = ?", (target_id,))
        return replace(job, target_id=target_id)

    async def posted(self, job: Job) -> dict[tuple[str, int], int]:
        """The message id posted for each (comment id, part) of the job."""
        async with self._db.execute(
            "SELECT comment_id, part, message_id FROM posted WHERE job_id = ?", (job.id,)
        ) as cursor:
            return {(comment, part): message for comment, part, message in await cursor.fetchall()}

    async def record_header(self, job: Job, message_id: int) -> Job:
        await self._update(job, "header_message_id = ?", (message_id,))
        return replace(job, header_message_id=message_id)

    async def record_part(
        self, job: Job, comment_id: str, part: int, message_id: int, *, completes: int | None
    ) -> Job:
        """Store a posted message; ``completes`` is the new next_position when it was the last
        part of its comment. One transaction, so the two never disagree."""

        def record(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO posted (job_id, comment_id, part, message_id) VALUES (?, ?, ?, ?)",
                (job.id, comment_id, part, message_id),
            )
            if completes is not None:
                conn.execute(
                    "UPDATE job SET next_position = ?, updated_at = ? WHERE id = ?",
                    (completes, _now(), job.id),
                )

        await in_one_transaction(self._db, record)
        return job if completes is None else replace(job, next_position=completes)

    async def finish(self, job: Job, state: JobState, reason: str | None = None) -> Job:
        """End a running or paused job (with why, for the user); returns the job as stored.

        A job that already ended keeps its state: a Stop pressed just as the last comment went
        out must not turn a finished replay into a stopped one.
        """

        def end(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            conn.execute(
                f"UPDATE job SET state = ?, reason = ?, updated_at = ?, owner = NULL"
                f" WHERE id = ? AND {_OPEN}",
                (state.value, reason, _now(), job.id),
            )
            return conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM job WHERE id = ?", (job.id,)
            ).fetchall()

        stored = await in_one_transaction(self._db, end)
        if not stored:
            raise LookupError(f"replay job {job.id} is not in the jobs database")
        return _job(stored[0])

    async def _update(self, job: Job, assignments: str, params: tuple[object, ...]) -> None:
        sql = f"UPDATE job SET {assignments}, updated_at = ? WHERE id = ?"
        await in_one_transaction(
            self._db, lambda conn: conn.execute(sql, (*params, _now(), job.id))
        )

    async def _jobs(self, where: str, params: tuple[object, ...]) -> list[Job]:
        rows = await self._db.execute_fetchall(
            f"SELECT {_JOB_COLUMNS} FROM job WHERE {where}", params
        )
        return [_job(row) for row in rows]
