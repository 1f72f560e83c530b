"""/thread: replay a comment and every reply under it into a new thread, or into this channel.

The posting itself (retries, idempotency, reply links) is bot.replay.runner's; this cog checks
who may start a replay and where, keeps the person informed, and owns the jobs store, the running
replays and their Stop/Resume buttons.

The person's progress message is their ephemeral interaction response, which only the
interaction's token can edit, and that token lives 15 minutes. Tokens are not stored (the jobs
database holds no credentials), so a replay resumed after a restart goes on without updating it;
its Stop button keeps working (it names its job), and pressing it shows where the replay is.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive.models import Comment
from bot.errors import UserFacingError
from bot.replay.jobs import Job, JobState, JobStore, NoRoom
from bot.replay.runner import Replay, Target
from bot.transformers import CommentTransformer

if TYPE_CHECKING:
    from bot.client import ArchiveBot

log = logging.getLogger(__name__)

# The progress message is edited after every this many comments (and at the end, and whenever the
# replay waits): enough to watch it move, without an edit for every post.
PROGRESS_EVERY = 5

_NEEDS_IN_THREAD_MODE = ("view_channel", "create_public_threads", "send_messages_in_threads")
_NEEDS_HERE = ("view_channel", "send_messages")
_NEEDS_HERE_IN_THREAD = ("view_channel", "send_messages_in_threads")
# Discord only lets a message reply to another with Read Message History; the resume check reads
# the thread too.
_NEEDS_ALWAYS = ("read_message_history",)


def _where(job: Job) -> str:
    return f"<#{job.target_id}>" if job.target_id is not None else "the new thread"


def running_text(job: Job, note: str | None = None) -> str:
    text = (
        f"Replaying comment **{job.comment_id}** into {_where(job)}:"
        f" {job.next_position} of {job.total} posted."
    )
    return f"{text}\n{note}" if note else text


def outcome_text(job: Job, comments: list[Comment]) -> str:
    """Where a replay ended, for the person who started it (or pressed Stop)."""
    if job.state is JobState.RUNNING:
        return running_text(job)
    if job.state is JobState.DONE:
        verb = "are" if job.total > 1 else "is"
        under = render.replies_under(job.total)
        return f"Done: comment **{job.comment_id}**{under} {verb} in {_where(job)}."
    posted = f"{job.next_position} of {job.total} posted in {_where(job)}"
    if job.target_id is None:
        posted = "nothing posted"
    at = comments[job.next_position].id if job.next_position < len(comments) else None
    where = f" at comment **{at}**" if at is not None else ""
    if job.state is JobState.STOPPED:
        return f"Stopped{where} ({posted}). What was posted stays."
    if job.state is JobState.PAUSED:
        return f"Paused{where} ({posted}): {job.reason}. Press Resume to go on from there."
    return f"The replay stopped{where} ({posted}): {job.reason}."


def _missing_permissions(
    permissions: discord.Permissions, channel: discord.abc.GuildChannel | discord.Thread, here: bool
) -> list[str]:
    if not here:
        needed = _NEEDS_IN_THREAD_MODE
    elif isinstance(channel, discord.Thread):
        needed = _NEEDS_HERE_IN_THREAD
    else:
        needed = _NEEDS_HERE
    return [name for name in (*needed, *_NEEDS_ALWAYS) if not getattr(permissions, name)]


def replay_buttons(job: Job) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if job.state is JobState.PAUSED:
        view.add_item(ReplayButton("resume", job.id))
    view.add_item(ReplayButton("stop", job.id))
    return view


class ReplayButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"replay:(?P<action>stop|resume):(?P<job>[0-9]+)",
):
    """Stop or Resume one replay; the job id in the custom id keeps it working after a restart."""

    def __init__(self, action: str, job_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=action.title(),
                style=discord.ButtonStyle.danger
                if action == "stop"
                else discord.ButtonStyle.primary,
                custom_id=f"replay:{action}:{job_id}",
            )
        )
        self.action, self.job_id = action, job_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> ReplayButton:
        return cls(match["action"], int(match["job"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog(ThreadCog.__cog_name__)  # type: ignore[attr-defined]
        assert isinstance(cog, ThreadCog)
        await cog.press(interaction, self.action, self.job_id)


class Progress:
    """The starter's ephemeral message, edited calmly as the replay goes."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self._interaction = interaction
        self._usable = True
        # Known from the first edit; tells a Stop pressed here from one pressed elsewhere.
        self.message_id: int | None = None

    async def update(self, job: Job, note: str | None) -> None:
        # The final count is left to the outcome, which follows at once.
        at_step = job.next_position % PROGRESS_EVERY == 0 and job.next_position < job.total
        if note is not None or at_step:
            await self.show(running_text(job, note))

    async def show(self, text: str, view: discord.ui.View | None = discord.utils.MISSING) -> None:
        """Edit the message; ``view=None`` removes its buttons, leaving it out keeps them."""
        if not self._usable:
            return
        try:
            message = await self._interaction.edit_original_response(content=text, view=view)
            self.message_id = message.id
        except discord.HTTPException as error:
            # Most likely the 15-minute token expired; the replay itself is unaffected.
            log.info("Progress message can no longer be edited (%s); going on without it", error)
            self._usable = False

    async def end(self, job: Job, comments: list[Comment]) -> None:
        view = replay_buttons(job) if job.state is JobState.PAUSED else None
        await self.show(outcome_text(job, comments), view)


@dataclass
class _Active:
    """A replay under way: its task, and the runner once the thread exists."""

    progress: Progress | None
    task: asyncio.Task[Job] | None = None
    replay: Replay | None = None
    stop_requested: bool = False

    def stop(self) -> None:
        self.stop_requested = True
        if self.replay is not None:
            self.replay.stop()


class ThreadCog(commands.Cog, name="Thread"):
    """Replays a comment thread into Discord and keeps the replays going across restarts."""

    store: JobStore

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self._active: dict[int, _Active] = {}
        self._resuming: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.store = await JobStore.open(self.bot.settings.jobs_path)
        self.bot.add_dynamic_items(ReplayButton)
        # Channels can only be looked up once connected, after setup_hook.
        self._resuming = asyncio.create_task(self._resume_unfinished())

    async def cog_unload(self) -> None:
        # Cancelled replays stay "running" in the store, so the next start resumes them. A cancel
        # can land while a post is in flight; the runner's resume check and nonce cover that.
        tasks: list[asyncio.Task[Any]] = [a.task for a in self._active.values() if a.task]
        if self._resuming is not None:
            tasks.append(self._resuming)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.bot.remove_dynamic_items(ReplayButton)
        await self.store.close()

    @app_commands.command(name="thread")
    @app_commands.describe(
        id="The comment to start from, such as 3 or 3.2 (type an id or a word)",
        here="Post into this channel instead of a new thread",
    )
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.guild_only()
    # The default permission is only a default that server admins can change; this is the rule.
    @app_commands.checks.has_permissions(manage_threads=True)
    async def thread(
        self,
        interaction: discord.Interaction,
        id: app_commands.Transform[Comment, CommentTransformer],  # noqa: A002
        here: bool = False,
    ) -> None:
        """Replay a comment and every reply under it, in page order, into a new thread."""
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserFacingError("Replays go into text channels and their threads only.")
        if isinstance(channel, discord.Thread) and not here:
            raise UserFacingError(
                "A thread cannot hold another thread: run `/thread` in a text channel, or add"
                " `here:True` to replay into this thread."
            )
        missing = _missing_permissions(interaction.app_permissions, channel, here)
        if missing:
            raise app_commands.BotMissingPermissions(missing)
        assert interaction.guild_id is not None
        comments = await queries.subtree(self.bot.db, id.id)
        try:
            job = await self.store.create(
                guild_id=interaction.guild_id,
                channel_id=channel.id,
                here=here,
                comment_id=id.id,
                requested_by=interaction.user.id,
                total=len(comments),
                cap=self.bot.settings.max_replays_per_guild,
            )
        except NoRoom as busy:
            await self._refuse(interaction, busy)
            return
        # Creating the thread may wait on a rate limit; Discord wants an answer within 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        self._launch(job, comments, Progress(interaction), resumed=False)

    async def _refuse(self, interaction: discord.Interaction, busy: NoRoom) -> None:
        running = busy.running
        if running is None:
            cap = self.bot.settings.max_replays_per_guild
            await interaction.response.send_message(
                f"This server already has {render.plural(busy.running_in_guild, 'replay')}"
                " running, the most allowed at once"
                f" ({cap}). Try again when one has finished.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            f"A replay is already running here: comment **{running.comment_id}** into"
            f" {_where(running)}, started by <@{running.requested_by}>,"
            f" {running.next_position} of {running.total} posted. One replay per channel at a"
            " time: wait for it to finish, or press Stop to end it (what it posted stays).",
            view=replay_buttons(running),
            ephemeral=True,
        )

    def _launch(
        self, job: Job, comments: list[Comment], progress: Progress | None, *, resumed: bool
    ) -> None:
        active = _Active(progress)
        self._active[job.id] = active
        active.task = asyncio.create_task(
            self._run(job, comments, active, resumed=resumed), name=f"replay-{job.id}"
        )

    async def _run(
        self, job: Job, comments: list[Comment], active: _Active, *, resumed: bool
    ) -> Job:
        try:
            try:
                job, target = await self._target(job, comments)
            except discord.HTTPException as error:
                job = await self.store.finish(job, JobState.FAILED, _target_refusal(job, error))
            else:
                if active.progress is not None:
                    await active.progress.show(running_text(job), replay_buttons(job))
                post = await queries.get_post(self.bot.db)
                header = render.replay_header(comments[0], job.total, post, job.requested_by)
                active.replay = Replay(
                    self.store,
                    job,
                    target,
                    comments,
                    header,
                    resumed=resumed,
                    pause=self.bot.settings.replay_pause,
                    on_progress=active.progress.update if active.progress else None,
                )
                if active.stop_requested:
                    active.replay.stop()
                job = await active.replay.run()
        except Exception:
            log.exception("Replay job %d broke off", job.id)
            # Paused rather than left running: it would hold the channel until a restart.
            job = await self.store.finish(
                job, JobState.PAUSED, "something went wrong on my side (it has been logged)"
            )
        finally:
            del self._active[job.id]
        log.info("Replay job %d %s at %d/%d", job.id, job.state, job.next_position, job.total)
        if active.progress is not None:
            await active.progress.end(job, comments)
        return job

    async def _target(self, job: Job, comments: list[Comment]) -> tuple[Job, Target]:
        """Where the job posts: its channel or thread, created (and stored) the first time."""
        if job.target_id is not None:
            channel = self.bot.get_channel(job.target_id) or await self.bot.fetch_channel(
                job.target_id
            )
            assert isinstance(channel, discord.TextChannel | discord.Thread)
            return job, channel
        origin = self.bot.get_channel(job.channel_id) or await self.bot.fetch_channel(
            job.channel_id
        )
        assert isinstance(origin, discord.TextChannel)
        # A crash before the id is stored leaves an empty thread behind and a new one is made on
        # resume: an empty thread is harmless, a replay split over two threads would not be.
        thread = await origin.create_thread(
            name=render.thread_name(comments[0]),
            type=discord.ChannelType.public_thread,
            reason=f"/thread {job.comment_id}",
        )
        return await self.store.set_target(job, thread.id), thread

    async def _resume_unfinished(self) -> None:
        await self.bot.wait_until_ready()
        for job in await self.store.running():
            comments = await queries.subtree(self.bot.db, job.comment_id)
            if not comments:
                # The archive was re-ingested without this comment.
                await self.store.finish(
                    job, JobState.FAILED, f"comment {job.comment_id} is no longer in the archive"
                )
                continue
            log.info("Resuming replay job %d at %d/%d", job.id, job.next_position, job.total)
            self._launch(job, comments, None, resumed=True)

    async def press(self, interaction: discord.Interaction, action: str, job_id: int) -> None:
        """A Stop or Resume button was pressed."""
        job = await self.store.get(job_id)
        if job is None:
            await interaction.response.send_message(
                "That replay is not known here any more.", ephemeral=True
            )
            return
        allowed = interaction.user.id == job.requested_by or interaction.permissions.manage_threads
        if not allowed:
            await interaction.response.send_message(
                "Only the person who started this replay, or someone with Manage Threads, can"
                " do that.",
                ephemeral=True,
            )
            return
        if action == "resume":
            await self._resume(interaction, job)
        else:
            await self._stop(interaction, job)

    async def _stop(self, interaction: discord.Interaction, job: Job) -> None:
        # Stopping waits for the message in flight, which may take a moment under rate limits.
        await interaction.response.defer()
        active = self._active.get(job.id)
        if active is not None and active.task is not None:
            active.stop()
            job = await asyncio.shield(active.task)
            pressed_on = interaction.message.id if interaction.message is not None else None
            if active.progress is not None and active.progress.message_id == pressed_on:
                return  # the replay's own ending already updated this very message
        else:
            job = await self.store.finish(job, JobState.STOPPED)
        comments = await queries.subtree(self.bot.db, job.comment_id)
        await interaction.edit_original_response(content=outcome_text(job, comments), view=None)

    async def _resume(self, interaction: discord.Interaction, job: Job) -> None:
        comments = await queries.subtree(self.bot.db, job.comment_id)
        if job.state is not JobState.PAUSED:
            await interaction.response.edit_message(content=outcome_text(job, comments), view=None)
            return
        try:
            job = await self.store.resume(job, cap=self.bot.settings.max_replays_per_guild)
        except NoRoom as busy:
            await self._refuse(interaction, busy)
            return
        await interaction.response.defer()
        self._launch(job, comments, Progress(interaction), resumed=True)


def _target_refusal(job: Job, error: discord.HTTPException) -> str:
    if job.target_id is not None:
        return f"its {'channel' if job.here else 'thread'} is gone or out of my reach ({error})"
    return f"Discord would not let me create the thread ({error})"


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(ThreadCog(bot))
