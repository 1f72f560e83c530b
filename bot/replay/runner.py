"""Post a replay job into Discord: a header, then each comment as a reply to its parent's message.

The runner knows Discord's failure modes but no commands or views: the /thread cog gives it a
job, the channel or thread to post in and the comments, and shows the person what it reports.

Faults, by kind:

* 5xx, timeouts and dropped connections are transient: retried after a growing wait, and when the
  waits are used up the job pauses (it can be resumed) rather than hammering a Discord that is down.
* A rate limit discord.py gave up on (it raises after its own retries or for a long
  ``retry_after``) is not a failure: the replay waits and goes on. Pacing itself is left to
  discord.py's rate limiter.
* 403 and 404 (thread deleted, permission revoked) and any other refusal end the job: retrying
  cannot help.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
import discord

from bot import render
from bot.archive.models import Comment
from bot.replay.jobs import Job, JobState, JobStore

log = logging.getLogger(__name__)

# Waits before retrying a transient failure (about a minute in all); then the job pauses.
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# A rate limit that outlasted discord.py's own handling is waited out with these, growing, waits
# (or Discord's retry_after, when it says), however many times it takes: it always lifts.
RATE_LIMIT_DELAYS: tuple[float, ...] = (5.0, 10.0, 30.0, 60.0)
# How far past the last stored message a resumed replay looks for one it posted but did not store.
RECONCILE_WINDOW = 10

Target = discord.TextChannel | discord.Thread
# Told of progress after each comment, and of each wait with a line saying why.
ProgressCallback = Callable[[Job, str | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Post:
    """One message of the replay. ``comment_id`` is None for the header."""

    comment_id: str | None
    part: int
    content: str
    # The comment whose (first) message this one answers, if it is part of the replay.
    reply_to: str | None
    # The job's next_position once this is stored: set on the last part of a comment.
    completes: int | None

    @property
    def key(self) -> tuple[str, int]:
        # Comment ids are never empty, so "" cannot clash with one.
        return (self.comment_id or "", self.part)


class _Stopped(Exception):
    pass


class _Paused(Exception):
    pass


def _posts(header: str, comments: Sequence[Comment]) -> list[_Post]:
    replayed = {comment.id for comment in comments}
    posts = [_Post(None, 0, header, None, None)]
    for position, comment in enumerate(comments, start=1):
        parts = render.comment_message_parts(comment)
        last = len(parts) - 1
        # Only the first part answers the parent; the rest simply follow it.
        reply_to = comment.parent_id if comment.parent_id in replayed else None
        posts.extend(
            _Post(
                comment.id,
                index,
                content,
                reply_to if index == 0 else None,
                position if index == last else None,
            )
            for index, content in enumerate(parts)
        )
    return posts


def _nonce(job: Job, comment_id: str | None, part: int) -> str:
    """The same string for every attempt at one message of one job, within Discord's 25 chars.

    With ``enforce_nonce`` (which discord.py sends with every nonce) Discord returns the message
    already created with that nonce, for a few minutes, instead of creating it twice: a retry after
    a timeout whose post did land cannot duplicate it. The creation time keeps ids of a jobs
    database that was deleted and started over from colliding with earlier jobs.
    """
    key = f"{job.id}:{job.created_at.isoformat()}:{comment_id or ''}:{part}"
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def _status(error: discord.HTTPException) -> str:
    text = f"HTTP {error.status}"
    return f"{text}: {error.text}" if error.text else text


def _refusal(error: discord.HTTPException) -> str:
    """Why Discord refused a post, for the person who started the replay."""
    if isinstance(error, discord.NotFound):
        return "the thread or channel is gone (deleted, or I can no longer see it)"
    if isinstance(error, discord.Forbidden):
        return f"Discord no longer lets me post there ({_status(error)})"
    return f"Discord refused the message ({_status(error)})"


class Replay:
    """Posts what a job has not posted yet, storing each message id before the next post."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        target: Target,
        comments: Sequence[Comment],
        header: str,
        *,
        resumed: bool = False,
        pause: float = 0.0,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """``resumed``: an earlier run of the job ended without finishing it (a restart, a
        pause), so it may have posted a message it could not store. ``pause``: seconds to wait
        between comments, on top of Discord's rate limits."""
        self.job = job
        self._store = store
        self._target = target
        self._posts = _posts(header, comments)
        self._resumed = resumed
        self._pause = pause
        self._on_progress = on_progress
        self._stopping = False
        # The task running this replay while it sleeps, so that Stop can cut the sleep short.
        self._sleeping: asyncio.Task[object] | None = None

    def stop(self) -> None:
        """Finish the message in flight, then end the job as stopped; cuts any wait short."""
        self._stopping = True
        if self._sleeping is not None:
            # Only ever cancelled inside _wait's sleep, never mid-post or mid-write.
            self._sleeping.cancel()

    async def run(self) -> Job:
        """Post the rest of the job and return it as it ended (or paused)."""
        try:
            await self._post_all()
        except _Stopped:
            self.job = await self._store.finish(self.job, JobState.STOPPED)
        except _Paused as paused:
            self.job = await self._store.finish(self.job, JobState.PAUSED, str(paused))
        except discord.HTTPException as error:
            if not isinstance(error, discord.Forbidden | discord.NotFound):
                log.exception("Replay job %d: Discord refused a message", self.job.id)
            self.job = await self._store.finish(self.job, JobState.FAILED, _refusal(error))
        else:
            self.job = await self._store.finish(self.job, JobState.DONE)
        return self.job

    async def _post_all(self) -> None:
        stored = await self._store.posted(self.job)
        if self.job.header_message_id is not None:
            stored[self._posts[0].key] = self.job.header_message_id
        pending = [post for post in self._posts if post.key not in stored]
        found = None
        if pending and self._resumed:
            found = await self._unstored_message(stored, pending[0])
        for index, post in enumerate(pending):
            if index == 0 and found is not None:
                message = found
            else:
                if self._stopping:
                    raise _Stopped
                # Parts of one comment go out together; the pause is between comments.
                if index and post.part == 0 and self._pause:
                    await self._wait(self._pause)
                message = await self._send(post, stored)
            stored[post.key] = message.id
            await self._record(post, message.id)
            if post.completes is not None and self._on_progress is not None:
                await self._on_progress(self.job, None)

    async def _unstored_message(
        self, stored: dict[tuple[str, int], int], next_post: _Post
    ) -> discord.Message | None:
        """The next post, if a previous run posted it but could not store its id.

        Every message id is stored right after its post returns, but a crash can fall between
        the two. Within a few minutes the nonce makes the repeated post return that message;
        after longer, this catches it: a message of the bot's, just after the last one stored,
        with the very text of the next post. In the replay's own thread it is found even when
        nothing was stored yet; in a shared channel without a stored message there is nothing
        safe to look after, so the nonce must do.
        """
        if stored:
            after: discord.abc.Snowflake | None = discord.Object(max(stored.values()))
        elif not self.job.here:
            after = None
        else:
            return None
        me = self._target.guild.me.id
        async for message in self._target.history(
            limit=RECONCILE_WINDOW, after=after, oldest_first=True
        ):
            # Discord trims the ends of a message's text.
            if message.author.id == me and message.content == next_post.content.strip():
                log.info(
                    "Replay job %d: message %d was posted but not stored", self.job.id, message.id
                )
                return message
        return None

    async def _record(self, post: _Post, message_id: int) -> None:
        if post.comment_id is None:
            self.job = await self._store.record_header(self.job, message_id)
        else:
            self.job = await self._store.record_part(
                self.job, post.comment_id, post.part, message_id, completes=post.completes
            )

    async def _send(self, post: _Post, stored: dict[tuple[str, int], int]) -> discord.Message:
        reference = None
        if post.reply_to is not None:
            # fail_if_not_exists=False: a parent message someone deleted leaves a plain message
            # rather than a failed replay.
            parent = self._target.get_partial_message(stored[(post.reply_to, 0)])
            reference = parent.to_reference(fail_if_not_exists=False)
        failures = rate_limits = 0
        while True:
            try:
                return await self._target.send(
                    post.content,
                    reference=reference,
                    # History, not news: nobody is notified and nothing in it pings.
                    silent=True,
                    allowed_mentions=discord.AllowedMentions.none(),
                    nonce=_nonce(self.job, post.comment_id, post.part),
                )
            except discord.RateLimited as error:
                delay = max(error.retry_after, RATE_LIMIT_DELAYS[0])
                rate_limits += 1
                why = "Discord asked me to slow down"
            except discord.HTTPException as error:
                if error.status == 429:
                    delay = RATE_LIMIT_DELAYS[min(rate_limits, len(RATE_LIMIT_DELAYS) - 1)]
                    rate_limits += 1
                    why = "Discord asked me to slow down"
                elif error.status >= 500:
                    delay = self._retry_delay(failures, post, _status(error))
                    failures += 1
                    why = f"Discord is having trouble ({_status(error)})"
                else:
                    raise
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                timed_out = isinstance(error, TimeoutError)
                delay = self._retry_delay(
                    failures, post, "timeout" if timed_out else "no connection"
                )
                failures += 1
                why = (
                    "Discord did not answer in time"
                    if timed_out
                    else "the connection to Discord was lost"
                )
            log.warning("Replay job %d: %s; retrying in %.0f s", self.job.id, why, delay)
            if self._on_progress is not None:
                await self._on_progress(self.job, f"{why}; trying again in {delay:.0f} s.")
            await self._wait(delay)

    def _retry_delay(self, failures: int, post: _Post, what: str) -> float:
        if failures < len(RETRY_DELAYS):
            return RETRY_DELAYS[failures]
        where = "the header" if post.comment_id is None else f"comment {post.comment_id}"
        raise _Paused(
            f"Discord kept failing ({what}) while I posted {where}, {len(RETRY_DELAYS) + 1}"
            " times in a row"
        )

    async def _wait(self, seconds: float) -> None:
        """Sleep, unless Stop is pressed first (or was, while a retry was being announced)."""
        if self._stopping:
            raise _Stopped
        task = asyncio.current_task()
        assert task is not None
        self._sleeping = task
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            if not self._stopping:
                raise  # a shutdown, not Stop
            task.uncancel()
        finally:
            self._sleeping = None
        if self._stopping:
            raise _Stopped
