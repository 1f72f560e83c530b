"""Replay jobs, kept in a SQLite database of their own so that a restart resumes them.

The archive database is rebuilt and swapped on every re-ingest and served read-only, so nothing
the bot writes while running can live there: this store sits beside it (``settings.jobs_path``).

A job records where a replay goes and, for every message it posted, which comment (and which part
of a long comment) that message carries. Those stored message ids are what makes a replay
idempotent: a part with a stored id is never posted again, and replies link to stored ids, also to
messages posted before a restart. Every write is committed before the replay posts again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import aiosqlite

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
)
SCHEMA_VERSION = len(MIGRATIONS)

_JOB_COLUMNS = (
    "id, guild_id, channel_id, target_id, here, comment_id, requested_by, total, next_position,"
    " header_message_id, state, reason, created_at"
)

# Room for one more running replay: none in this channel (as its origin or its target) and fewer
# than the cap in the server. Checked inside the statement that starts a job, so two requests
# arriving together cannot both get in.
_ROOM = (
    "NOT EXISTS (SELECT 1 FROM job WHERE state = 'running'"
    " AND (channel_id = :channel OR target_id = :channel))"
    " AND (SELECT count(*) FROM job WHERE state = 'running' AND guild_id = :guild) < :cap"
)


class JobState(StrEnum):
    RUNNING = "running"
    # Discord kept failing; the person who started it can resume it.
    PAUSED = "paused"
    # Someone pressed Stop.
    STOPPED = "stopped"
    # Discord refused for good (thread deleted, permission revoked).
    FAILED = "failed"
    DONE = "done"


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


class NoRoom(Exception):
    """A replay cannot start or resume now.

    ``running`` is the replay already running in that channel, if that is what is in the way;
    ``running_in_guild`` counts the server's running replays, for the per-server cap.
    """

    def __init__(self, running: Job | None, running_in_guild: int) -> None:
        super().__init__("no room for another replay")
        self.running = running
        self.running_in_guild = running_in_guild


def _job(row: aiosqlite.Row | tuple[object, ...]) -> Job:
    (
        id_,
        guild_id,
        channel_id,
        target_id,
        here,
        comment_id,
        requested_by,
        total,
        next_position,
        header_message_id,
        state,
        reason,
        created_at,
    ) = tuple(row)
    return Job(
        id_,
        guild_id,
        channel_id,
        target_id,
        bool(here),
        comment_id,
        requested_by,
        total,
        next_position,
        header_message_id,
        JobState(state),
        reason,
        dt.datetime.fromisoformat(created_at),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class JobStore:
    """The replay jobs, over one aiosqlite connection owned by this store."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> JobStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            # WAL lets each commit be one append instead of rewriting a journal, which matters at
            # one commit per posted message; synchronous=NORMAL still survives a crash of the
            # bot, only a power cut may lose the last commits (and the nonce covers those).
            await db.executescript(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            )
            await migrate(db, MIGRATIONS, "jobs database")
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

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
    ) -> Job:
        """Start a job, or raise :class:`NoRoom` if the channel or the server is busy."""
        now = _now()
        cursor = await self._db.execute(
            "INSERT INTO job (guild_id, channel_id, target_id, here, comment_id, requested_by,"
            " total, state, created_at, updated_at)"
            " SELECT :guild, :channel, CASE WHEN :here THEN :channel END, :here, :comment,"
            f" :user, :total, 'running', :now, :now WHERE {_ROOM}",
            {
                "guild": guild_id,
                "channel": channel_id,
                "here": here,
                "comment": comment_id,
                "user": requested_by,
                "total": total,
                "now": now,
                "cap": cap,
            },
        )
        await self._db.commit()
        if cursor.rowcount == 0:
            raise await self._no_room(guild_id, channel_id)
        job = await self.get(cursor.lastrowid or 0)
        assert job is not None
        return job

    async def resume(self, job: Job, *, cap: int) -> Job:
        """Set a paused job running again, or raise :class:`NoRoom`."""
        params = {"id": job.id, "now": _now(), "cap": cap}
        params |= {"guild": job.guild_id, "channel": job.channel_id}
        cursor = await self._db.execute(
            "UPDATE job SET state = 'running', reason = NULL, updated_at = :now"
            f" WHERE id = :id AND state = 'paused' AND {_ROOM}",
            params,
        )
        await self._db.commit()
        if cursor.rowcount == 0:
            raise await self._no_room(job.guild_id, job.channel_id)
        return replace(job, state=JobState.RUNNING, reason=None)

    async def _no_room(self, guild_id: int, channel_id: int) -> NoRoom:
        rows = await self._jobs(
            "state = 'running' AND (channel_id = ?1 OR target_id = ?1) ORDER BY id LIMIT 1",
            (channel_id,),
        )
        async with self._db.execute(
            "SELECT count(*) FROM job WHERE state = 'running' AND guild_id = ?", (guild_id,)
        ) as cursor:
            (count,) = await cursor.fetchone() or (0,)
        return NoRoom(rows[0] if rows else None, count)

    async def get(self, job_id: int) -> Job | None:
        rows = await self._jobs("id = ?", (job_id,))
        return rows[0] if rows else None

    async def running(self) -> list[Job]:
        """Jobs that were running when the bot last stopped, oldest first."""
        return await self._jobs("state = 'running' ORDER BY id", ())

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
        await self._db.execute(
            "INSERT INTO posted (job_id, comment_id, part, message_id) VALUES (?, ?, ?, ?)",
            (job.id, comment_id, part, message_id),
        )
        if completes is not None:
            await self._db.execute(
                "UPDATE job SET next_position = ?, updated_at = ? WHERE id = ?",
                (completes, _now(), job.id),
            )
        await self._db.commit()
        return job if completes is None else replace(job, next_position=completes)

    async def finish(self, job: Job, state: JobState, reason: str | None = None) -> Job:
        """End a running or paused job (with why, for the user); returns the job as stored.

        A job that already ended keeps its state: a Stop pressed just as the last comment went
        out must not turn a finished replay into a stopped one.
        """
        await self._db.execute(
            "UPDATE job SET state = ?, reason = ?, updated_at = ?"
            " WHERE id = ? AND state IN ('running', 'paused')",
            (state.value, reason, _now(), job.id),
        )
        await self._db.commit()
        stored = await self.get(job.id)
        if stored is None:
            raise LookupError(f"replay job {job.id} is not in the jobs database")
        return stored

    async def _update(self, job: Job, assignments: str, params: tuple[object, ...]) -> None:
        await self._db.execute(
            f"UPDATE job SET {assignments}, updated_at = ? WHERE id = ?", (*params, _now(), job.id)
        )
        await self._db.commit()

    async def _jobs(self, where: str, params: tuple[object, ...]) -> list[Job]:
        async with self._db.execute(f"SELECT {_JOB_COLUMNS} FROM job WHERE {where}", params) as c:
            return [_job(row) for row in await c.fetchall()]
