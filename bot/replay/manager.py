"""The running replays: each owns its task; the manager launches, resumes, stops them and decides
what an unexpected failure does to a job.

Like Red's trivia sessions, a replay is long-running work that owns its own task, so the /thread
cog keeps only the command and its buttons. The bot owns one manager (``bot.replays``) and closes
it before the jobs store: cancelled replays stay "running" in the store, so the next start (of
this process, or of another serving the same shards) resumes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import discord

from bot import render
from bot.archive import outline, queries
from bot.archive.library import LoadedArchive
from bot.archive.models import Comment
from bot.render import progress as text
from bot.replay.jobs import Job, JobState, JobStore
from bot.replay.runner import (
    REQUEST_TIMEOUT,
    ProgressCallback,
    Replay,
    Target,
    first_unposted,
)

if TYPE_CHECKING:
    from bot.client import ArchiveBot

log = logging.getLogger(__name__)

BROKE_OFF = "something went wrong on my side (it has been logged)"


@dataclass(frozen=True, slots=True)
class Ending:
    """How a replay ended: the job as stored, and the first comment it did not post."""

    job: Job
    at: str | None


# Told how a replay ended (the person's progress message shows it).
EndCallback = Callable[[Ending], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Session:
    replay: Replay
    task: asyncio.Task[Ending]


class ReplayManager:
    """Owns the running replays of this process, by job id."""

    def __init__(self, bot: ArchiveBot, store: JobStore) -> None:
        self._bot = bot
        self._store = store
        self._sessions: dict[int, _Session] = {}
        self._resuming: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Resume, once connected, the unfinished jobs this process may own."""
        self._resuming = asyncio.create_task(self._resume_unfinished(), name="replay-resume")

    async def close(self) -> None:
        tasks: list[asyncio.Task[Any]] = [s.task for s in self._sessions.values()]
        if self._resuming is not None:
            tasks.append(self._resuming)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def launch(
        self,
        job: Job,
        archive: LoadedArchive,
        comments: list[Comment],
        *,
        resumed: bool,
        on_progress: ProgressCallback | None = None,
        on_end: EndCallback | None = None,
    ) -> None:
        """Run the job in a task of its own; ``comments`` are its subtree in ``archive``, in page
        order."""
        script = await _script(archive, job, comments)
        replay = Replay(
            self._store,
            job,
            lambda: self._place(job),
            comments,
            script.opening,
            thread_name=script.thread_name,
            answers_opening=script.answers_opening,
            prefix=script.prefix,
            resumed=resumed,
            pause=self._bot.settings.replay_pause,
            on_progress=on_progress,
        )
        task = asyncio.create_task(self._run(replay, on_end), name=f"replay-{job.id}")
        self._sessions[job.id] = _Session(replay, task)

    async def stop(self, job: Job) -> Ending:
        """Stop a job (running here or not) and return where it ended."""
        session = self._sessions.get(job.id)
        if session is None:
            job = await self._store.finish(job, JobState.STOPPED)
            return Ending(job, first_unposted(job, await self.comments_of(job)))
        session.replay.stop()
        # Shielded: the button's own handler being cancelled must not cancel the replay.
        return await asyncio.shield(session.task)

    def archive_of(self, job: Job) -> LoadedArchive | None:
        """The archive a job replays from; None when it is no longer loaded."""
        archives = self._bot.archives
        return archives.default if job.archive is None else archives.get(job.archive)

    async def comments_of(self, job: Job) -> list[Comment]:
        """The job's comments in page order, as the archive holds them now (none if it is gone)."""
        archive = self.archive_of(job)
        return [] if archive is None else await replayed_comments(archive, job.comment_id)

    async def _run(self, replay: Replay, on_end: EndCallback | None) -> Ending:
        try:
            job = await replay.run()
        except discord.HTTPException as error:
            # Its channel or thread could not be looked up.
            job = await self._end(replay.job, JobState.FAILED, _place_refusal(replay.job, error))
        except Exception:
            log.exception("Replay job %d broke off", replay.job.id)
            # Paused rather than left running: it would hold the channel until a restart.
            job = await self._end(replay.job, JobState.PAUSED, BROKE_OFF)
        finally:
            del self._sessions[replay.job.id]
        ending = Ending(job, replay.stopped_at)
        log.info("Replay job %d %s at %d/%d", job.id, job.state, job.next_position, job.total)
        if replay.target is not None and not replay.target_unusable:
            await _close(replay.target, job, ending.at)
        if on_end is not None:
            await on_end(ending)
        return ending

    async def _end(self, job: Job, state: JobState, reason: str) -> Job:
        try:
            return await self._store.finish(job, state, reason)
        except Exception:
            # The jobs database is failing too: the job stays "running" there (a restart resumes
            # it), but the person is told it stopped rather than watching a frozen count.
            log.exception("Replay job %d: could not store its ending", job.id)
            return _ended(job, state, reason)

    async def _place(self, job: Job) -> Target:
        channel_id = job.target_id if job.target_id is not None else job.channel_id
        channel = self._bot.get_channel(channel_id) or await self._bot.fetch_channel(channel_id)
        assert isinstance(channel, discord.TextChannel | discord.Thread)
        return channel

    async def _resume_unfinished(self) -> None:
        await self._bot.wait_until_ready()
        bot = self._bot
        for job in await self._store.claim(bot.shard_count, _shard_ids(bot)):
            archive = self.archive_of(job)
            comments = await self.comments_of(job)
            if archive is None or not comments:
                # The archive was re-ingested without this comment, or is no longer loaded.
                await self._store.finish(job, JobState.FAILED, gone(job))
                continue
            log.info("Resuming replay job %d at %d/%d", job.id, job.next_position, job.total)
            await self.launch(job, archive, comments, resumed=True)


async def replayed_comments(archive: LoadedArchive, ref: str) -> list[Comment]:
    """What replaying ``ref`` posts, in page order: a comment and every reply under it, or for a
    discussion's root ("4/") every comment of the discussion. Empty when there is none."""
    parsed = outline.parse_ref(ref)
    if parsed is None or parsed.export_id is not None:
        return []  # jobs store canonical refs; anything else is not one of ours
    if parsed.comment_id is None:
        return await queries.discussion_comments(archive.db, parsed.discussion or 1)
    return await queries.subtree(archive.db, parsed.comment_id, parsed.discussion or 1)


@dataclass(frozen=True, slots=True)
class _Script:
    """What a replay says around its comments."""

    opening: list[str]
    thread_name: str
    answers_opening: bool
    prefix: str


async def _script(archive: LoadedArchive, job: Job, comments: list[Comment]) -> _Script:
    number = comments[0].discussion
    discussion = await archive.discussion(number)
    if discussion is None:
        raise LookupError(f"discussion {number} is not in archive {archive.name}")
    prefix = render.discussion_prefix(archive, number)
    by = job.requested_by
    if job.comment_id.endswith(outline.DISCUSSION_SEPARATOR):
        opening = render.discussion_opening(discussion, job.total, by)
        return _Script(opening, render.discussion_thread_name(discussion), True, prefix)
    header = render.replay_header(comments[0], job.total, discussion, by, prefix)
    return _Script([header], render.thread_name(comments[0], prefix), False, prefix)


def _shard_ids(bot: discord.Client) -> list[int] | None:
    """The shards this process serves (None: all of them, or unsharded)."""
    if isinstance(bot, discord.AutoShardedClient):
        return list(bot.shard_ids) if bot.shard_ids is not None else None
    return [bot.shard_id] if bot.shard_id is not None else None


def gone(job: Job) -> str:
    """Why a job cannot go on: its comments are not in the archives loaded now."""
    return f"comment {job.comment_id} is no longer in the archive"


def _ended(job: Job, state: JobState, reason: str) -> Job:
    return replace(job, state=state, reason=reason)


async def _close(target: Target, job: Job, at: str | None) -> None:
    """Post the closing line; best effort, once: the replay itself is over."""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            await target.send(
                text.closing_line(job, at),
                silent=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
    except (discord.HTTPException, TimeoutError, OSError) as error:
        log.warning("Replay job %d: could not post its closing line (%s)", job.id, error)


def _place_refusal(job: Job, error: discord.HTTPException) -> str:
    return f"its {'channel' if job.here else 'thread'} is gone or out of my reach ({error})"
