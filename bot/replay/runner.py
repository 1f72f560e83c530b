"""Post a replay job into Discord: an opening, then each comment as a reply to its parent's message.

The runner knows Discord's failure modes but no commands or views: the replay manager gives it a
job, the channel to post in (or to create the replay's thread in) and the comments, and shows the
person what it reports. What to do about a failed request is bot.replay.retry's decision; every
request (the thread, each message) goes through it, each bounded in time well inside the minutes
for which Discord honours a message's nonce.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import discord

from bot import render
from bot.archive.models import Comment
from bot.replay import retry
from bot.replay.jobs import Job, JobState, JobStore

log = logging.getLogger(__name__)

# How far past the last stored message a resumed replay looks for one it posted but did not store.
RECONCILE_WINDOW = 10
# One request's bound. discord.py's HTTP session would otherwise wait aiohttp's 300 s, longer than
# Discord honours a nonce; a send given up on is checked for in the thread before it is retried.
REQUEST_TIMEOUT = 45.0
# Waits before retrying a jobs-database write; then the job pauses (it cannot keep its place).
STORE_RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0)

Target = discord.TextChannel | discord.Thread
# Told of progress after each comment, and of each wait with a line saying why.
ProgressCallback = Callable[[Job, str | None], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Post:
    """One message of the replay. ``comment_id`` is None for the opening's messages."""

    comment_id: str | None
    part: int
    content: str
    # The message this one answers, by its key: the parent comment's first part, or for a
    # continued part the part before it, so a long comment stays in the reply chain.
    reply_to: tuple[str, int] | None
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


class _Refused(Exception):
    """Discord refused for good; the job fails with this reason."""


# The key of the opening's first message.
_OPENING = ("", 0)


def _posts(
    opening: Sequence[str], comments: Sequence[Comment], *, answers_opening: bool, prefix: str
) -> list[_Post]:
    replayed = {comment.id for comment in comments}
    posts = [
        _Post(None, part, content, ("", part - 1) if part else None, None)
        for part, content in enumerate(opening)
    ]
    for position, comment in enumerate(comments, start=1):
        parts = render.comment_message_parts(comment, prefix)
        last = len(parts) - 1
        parent: tuple[str, int] | None = None
        if comment.parent_id in replayed:
            parent = (comment.parent_id or "", 0)
        elif comment.parent_id is None and answers_opening:
            parent = _OPENING
        posts.extend(
            _Post(
                comment.id,
                index,
                content,
                parent if index == 0 else (comment.id, index - 1),
                position if index == last else None,
            )
            for index, content in enumerate(parts)
        )
    return posts


def first_unposted(job: Job, comments: Sequence[Comment]) -> str | None:
    """Where a replay stands: the first of its comments (in page order) not completely posted."""
    return comments[job.next_position].id if job.next_position < len(comments) else None


def _nonce(job: Job, comment_id: str | None, part: int) -> str:
    """The same string for every attempt at one message of one job, within Discord's 25 chars.

    With ``enforce_nonce`` (which discord.py sends with every nonce) Discord returns the message
    already created with that nonce, for a few minutes, instead of creating it twice. The creation
    time keeps ids of a jobs database that was deleted and started over from colliding with
    earlier jobs.
    """
    key = f"{job.id}:{job.created_at.isoformat()}:{comment_id or ''}:{part}"
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def _refusal(error: discord.HTTPException, creating: bool) -> str:
    """Why Discord refused, for the person who started the replay."""
    if creating:
        return f"Discord would not let me create the thread ({error})"
    if isinstance(error, discord.NotFound):
        return "the thread or channel is gone (deleted, or I can no longer see it)"
    if isinstance(error, discord.Forbidden):
        return f"Discord no longer lets me post there ({retry.status(error)})"
    return f"Discord refused the message ({retry.status(error)})"


class Replay:
    """Posts what a job has not posted yet, storing each message id before the next post."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        locate: Callable[[], Awaitable[Target]],
        comments: Sequence[Comment],
        opening: Sequence[str],
        *,
        thread_name: str,
        answers_opening: bool = False,
        prefix: str = "",
        resumed: bool = False,
        pause: float = 0.0,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """``locate`` finds the job's target, or the channel to create its thread in when it has
        none yet. ``opening``: the messages before the comments (at least one); with
        ``answers_opening`` (a whole discussion under its post) top-level comments reply to its
        first. ``thread_name``: the name of the thread the replay creates. ``prefix``: what goes
        before each comment's id ("4/" in an archive of several discussions). ``resumed``: an
        earlier run of the job ended without finishing it (a restart, a pause), so it may have
        posted a message it could not store. ``pause``: seconds to wait between comments, on
        top of Discord's rate limits."""
        self.job = job
        # Where the messages go, once known.
        self.target: Target | None = None
        self._locate = locate
        self._comments = comments
        self._store = store
        # Written once the replay's thread is open (_post_all): the person sees it as soon as
        # Discord makes it, and the first message waits on the writing no longer than before.
        self._write_posts = functools.partial(
            _posts, opening, comments, answers_opening=answers_opening, prefix=prefix
        )
        self._thread_name = thread_name
        self._resumed = resumed
        self._pause = pause
        self._on_progress = on_progress
        self._stopping = False
        # Set when the replay ended because Discord would not take messages there: a closing
        # line could not be posted either.
        self.target_unusable = False
        # The task running this replay while it sleeps, so that Stop can cut the sleep short.
        self._sleeping: asyncio.Task[object] | None = None

    @property
    def stopped_at(self) -> str | None:
        """The first comment not posted yet, if any."""
        return first_unposted(self.job, self._comments)

    def stop(self) -> None:
        """Finish the message in flight, then end the job as stopped; cuts any wait short."""
        self._stopping = True
        if self._sleeping is not None:
            # Only ever cancelled inside _wait's sleep, never mid-post or mid-write.
            self._sleeping.cancel()

    async def run(self) -> Job:
        """Post the rest of the job and return it as it ended (or paused)."""
        try:
            self._check_stop()
            await self._post_all()
        except _Stopped:
            self.job = await self._store.finish(self.job, JobState.STOPPED)
        except _Paused as paused:
            self.job = await self._store.finish(self.job, JobState.PAUSED, str(paused))
        except _Refused as refused:
            self.target_unusable = True
            self.job = await self._store.finish(self.job, JobState.FAILED, str(refused))
        else:
            self.job = await self._store.finish(self.job, JobState.DONE)
        return self.job

    async def _post_all(self) -> None:
        place = await self._locate()
        target = place if self.job.target_id is not None else await self._create_thread(place)
        self.target = target
        if self._on_progress is not None:
            await self._on_progress(self.job, None)  # it can say where now
        stored = await self._store.posted(self.job)
        if self.job.header_message_id is not None:
            stored[_OPENING] = self.job.header_message_id
        pending = [post for post in self._write_posts() if post.key not in stored]
        found = None
        if pending and self._resumed:
            found = await self._unstored_message(target, stored, pending[0])
        for index, post in enumerate(pending):
            if index == 0 and found is not None:
                message = found
            else:
                self._check_stop()
                # Parts of one comment go out together; the pause is between comments.
                if index and post.part == 0 and self._pause:
                    await self._wait(self._pause)
                message = await self._send(target, post, stored)
            stored[post.key] = message.id
            await self._record(post, message.id)
            if post.completes is not None and self._on_progress is not None:
                await self._on_progress(self.job, None)

    async def _create_thread(self, channel: Target) -> discord.Thread:
        assert isinstance(channel, discord.TextChannel)
        # A crash before the id is stored leaves an empty thread behind and a new one is made on
        # resume: an empty thread is harmless, a replay split over two threads would not be.
        thread = await self._retrying(
            "the thread",
            lambda: channel.create_thread(
                name=self._thread_name,
                type=discord.ChannelType.public_thread,
                reason=f"/thread {self.job.comment_id}",
            ),
            creating=True,
        )
        self.job = await self._saving(lambda: self._store.set_target(self.job, thread.id))
        return thread

    async def _unstored_message(
        self, target: Target, stored: dict[tuple[str, int], int], next_post: _Post
    ) -> discord.Message | None:
        """The next post, if an earlier attempt posted it but could not store its id.

        Every message id is stored right after its post returns, but a crash can fall between
        the two, and a request given up on may have landed. Within a few minutes the nonce makes
        the repeated post return that message; after longer, this catches it: a message of the
        bot's, just after the last one stored, with the very text of the next post. In the
        replay's own thread it is found even when nothing was stored yet; in a shared channel
        without a stored message there is nothing safe to look after, so the nonce must do.
        """
        if stored:
            after: discord.abc.Snowflake | None = discord.Object(max(stored.values()))
        elif not self.job.here:
            after = None
        else:
            return None
        me = target.guild.me.id
        async with asyncio.timeout(REQUEST_TIMEOUT):
            async for message in target.history(
                limit=RECONCILE_WINDOW, after=after, oldest_first=True
            ):
                # Discord trims the ends of a message's text.
                if message.author.id == me and message.content == next_post.content.strip():
                    log.info(
                        "Replay job %d: message %d was posted but not stored",
                        self.job.id,
                        message.id,
                    )
                    return message
        return None

    async def _record(self, post: _Post, message_id: int) -> None:
        if post.key == _OPENING:
            self.job = await self._saving(lambda: self._store.record_header(self.job, message_id))
        else:
            # The opening's later parts are stored like a comment's, under the id "".
            comment_id, part = post.key
            self.job = await self._saving(
                lambda: self._store.record_part(
                    self.job, comment_id, part, message_id, completes=post.completes
                )
            )

    async def _saving(self, write: Callable[[], Awaitable[Job]]) -> Job:
        """A jobs-database write, retried a little; one that keeps failing pauses the job."""
        for delay in STORE_RETRY_DELAYS:
            try:
                return await write()
            except sqlite3.Error:
                log.warning("Replay job %d: the jobs database refused a write", self.job.id)
            await self._wait(delay)
        try:
            return await write()
        except sqlite3.Error as error:
            log.exception("Replay job %d: the jobs database keeps refusing writes", self.job.id)
            why = f"I could not save my progress in the jobs database ({error})"
            raise _Paused(why) from error

    async def _send(
        self, target: Target, post: _Post, stored: dict[tuple[str, int], int]
    ) -> discord.Message:
        reference = None
        if post.reply_to is not None:
            # fail_if_not_exists=False: a parent message someone deleted leaves a plain message
            # rather than a failed replay.
            parent = target.get_partial_message(stored[post.reply_to])
            reference = parent.to_reference(fail_if_not_exists=False)

        async def landed() -> discord.Message | None:
            return await self._unstored_message(target, stored, post)

        return await self._retrying(
            "the header" if post.comment_id is None else f"comment {post.comment_id}",
            lambda: target.send(
                post.content,
                # discord.py's stubs leave out None, which send() takes (and defaults to).
                reference=reference,  # type: ignore[arg-type]
                # History, not news: nobody is notified and nothing in it pings.
                silent=True,
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=_nonce(self.job, post.comment_id, post.part),
            ),
            landed=landed,
        )

    async def _retrying(
        self,
        what: str,
        request: Callable[[], Awaitable[T]],
        *,
        landed: Callable[[], Awaitable[T | None]] | None = None,
        creating: bool = False,
    ) -> T:
        """Make the request, retrying as bot.replay.retry decides. ``landed`` finds the result
        of an attempt that timed out but may have been carried out all the same."""
        failures = rate_limits = 0
        while True:
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    return await request()
            except Exception as error:
                decision = retry.decide(error, failures=failures, rate_limits=rate_limits)
                if decision is None:
                    raise
                if isinstance(error, TimeoutError) and landed is not None:
                    found = await self._look(landed)
                    if found is not None:
                        return found
            if isinstance(decision, retry.Fail):
                refused = decision.error
                if not isinstance(refused, discord.Forbidden | discord.NotFound):
                    log.error(
                        "Replay job %d: Discord refused %s", self.job.id, what, exc_info=refused
                    )
                raise _Refused(_refusal(refused, creating)) from refused
            if isinstance(decision, retry.Pause):
                self.target_unusable = True
                raise _Paused(
                    f"Discord kept failing ({decision.what}) while I posted {what},"
                    f" {len(retry.RETRY_DELAYS) + 1} times in a row"
                )
            if decision.rate_limited:
                rate_limits += 1
            else:
                failures += 1
            log.warning(
                "Replay job %d: %s; retrying in %.0f s", self.job.id, decision.why, decision.delay
            )
            if self._on_progress is not None:
                await self._on_progress(
                    self.job, f"{decision.why}; trying again in {decision.delay:.0f} s."
                )
            await self._wait(decision.delay)

    async def _look(self, landed: Callable[[], Awaitable[T | None]]) -> T | None:
        """Look for a timed-out request's result; if looking fails too, the nonce must do."""
        try:
            return await landed()
        except (discord.HTTPException, TimeoutError, OSError) as error:
            log.warning("Replay job %d: could not check the thread (%s)", self.job.id, error)
            return None

    async def _wait(self, seconds: float) -> None:
        """Sleep, unless Stop is pressed first (or was, while a retry was being announced)."""
        self._check_stop()
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
        self._check_stop()

    def _check_stop(self) -> None:
        if self._stopping:
            raise _Stopped
