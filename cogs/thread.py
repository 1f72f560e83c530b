"""/thread: replay a comment and every reply under it into a new thread, or into this channel.

The replays themselves run in bot.replay (the manager owns them, the runner posts); this cog
checks who may start a replay and where, keeps the person informed, and holds the Stop/Resume
buttons.

The person's progress message is their ephemeral interaction response, which only the
interaction's token can edit, and that token lives 15 minutes. Tokens are not stored (the jobs
database holds no credentials), so a long or resumed replay may go on without updating it; the
replay's closing line in the thread says how it ended, and Stop (which names its job) answers
with where the replay stopped through the button's own, fresh, interaction.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.library import LoadedArchive
from bot.archive.models import Comment
from bot.client import late_interaction
from bot.errors import UserFacingError
from bot.render.progress import outcome_text, refusal_text, running_text
from bot.replay.jobs import Job, JobState, NoRoom
from bot.replay.manager import Ending, gone, replayed_comments
from bot.replay.runner import first_unposted
from bot.transformers import ArchiveTransformer, Chosen, ReplayedComment

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


def _missing_permissions(
    permissions: discord.Permissions, channel: discord.abc.GuildChannel | discord.Thread, here: bool
) -> list[str]:
    needed: tuple[str, ...]
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
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReplayButton:
        return cls(match["action"], int(match["job"]))

    # discord.py types callbacks for any client; this item is only ever added to ArchiveBot.
    async def callback(self, interaction: discord.Interaction[ArchiveBot]) -> None:  # type: ignore[override]
        bot = interaction.client
        job = await bot.jobs.get(self.job_id)
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
        # Stopping waits for the message in flight; resuming may wait on a rate limit.
        try:
            await interaction.response.defer()
        except discord.HTTPException as error:
            if not late_interaction(error):
                raise
            # Nothing was changed yet: the job stays as it was, and the person can press again.
            log.warning("Replay button for job %d could not be answered: %s", job.id, error)
            return
        if self.action == "stop":
            ending = await bot.replays.stop(job)
            # This interaction's own token: it answers even when the /thread one has expired.
            await interaction.edit_original_response(
                content=outcome_text(ending.job, ending.at), view=None
            )
        else:
            await _resume(interaction, job)


class Progress:
    """The starter's ephemeral message, edited calmly as the replay goes."""

    def __init__(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        self._interaction = interaction
        self._usable = True
        self._buttons_shown = False

    async def update(self, job: Job, note: str | None) -> None:
        # The final count is left to the outcome, which follows at once.
        at_step = job.next_position % PROGRESS_EVERY == 0 and job.next_position < job.total
        if not self._buttons_shown:
            # The first update, as soon as the replay knows where it posts: Stop comes with it.
            self._buttons_shown = True
            await self.show(running_text(job, note), replay_buttons(job))
        elif note is not None or at_step:
            await self.show(running_text(job, note))

    async def show(self, text: str, view: discord.ui.View | None = discord.utils.MISSING) -> None:
        """Edit the message; ``view=None`` removes its buttons, leaving it out keeps them."""
        if not self._usable:
            return
        try:
            await self._interaction.edit_original_response(content=text, view=view)
        except discord.HTTPException as error:
            # Most likely the 15-minute token expired; the replay itself is unaffected.
            log.info("Progress message can no longer be edited (%s); going on without it", error)
            self._usable = False

    async def end(self, ending: Ending) -> None:
        job = ending.job
        view = replay_buttons(job) if job.state is JobState.PAUSED else None
        await self.show(outcome_text(job, ending.at), view)


async def _start(
    interaction: discord.Interaction[ArchiveBot],
    job: Job,
    archive: LoadedArchive,
    comments: list[Comment],
    resumed: bool,
) -> None:
    progress = Progress(interaction)
    await interaction.client.replays.launch(
        job, archive, comments, resumed=resumed, on_progress=progress.update, on_end=progress.end
    )


async def _resume(interaction: discord.Interaction[ArchiveBot], job: Job) -> None:
    bot = interaction.client
    archive = bot.replays.archive_of(job)
    comments = await bot.replays.comments_of(job)
    if job.state is not JobState.PAUSED:
        answer = outcome_text(job, first_unposted(job, comments))
        await interaction.edit_original_response(content=answer, view=None)
        return
    if archive is None or not comments:
        job = await bot.jobs.finish(job, JobState.FAILED, gone(job))
        await interaction.edit_original_response(content=outcome_text(job, None), view=None)
        return
    cap = bot.settings.max_replays_per_guild
    try:
        job = await bot.jobs.resume(job, cap=cap)
    except NoRoom as busy:
        view = replay_buttons(busy.running) if busy.running else discord.utils.MISSING
        await interaction.followup.send(refusal_text(busy, cap), view=view, ephemeral=True)
        return
    await _start(interaction, job, archive, comments, resumed=True)


class ThreadCog(commands.Cog, name="Thread"):
    """Replays a comment thread into Discord; the bot's replay manager runs the replays."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReplayButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReplayButton)

    @app_commands.command(name="thread")
    @app_commands.describe(
        id="The comment to start from, such as 3 or 3.2, or 4/ for all of discussion 4",
        here="Post into this channel instead of a new thread",
        archive="Which archive to replay from (the server's default if left out)",
    )
    @app_commands.default_permissions(manage_threads=True)
    @app_commands.guild_only()
    # The default permission is only a default that server admins can change; this is the rule.
    @app_commands.checks.has_permissions(manage_threads=True)
    async def thread(
        self,
        interaction: discord.Interaction[ArchiveBot],
        id: app_commands.Transform[Chosen[list[Comment]], ReplayedComment],  # noqa: A002
        here: bool = False,
        # Read by the id's transformer, which looks the id up in the archive it names.
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
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
        # A comment's subtree came with it, in the id's own trip.
        found = id.found
        comments = found.about if found else await replayed_comments(id.archive, id.ref)
        # Answered first: a job is stored only once Discord has taken the answer, so a lost
        # interaction (10062) leaves no job holding the channel. Creating the thread may wait on a
        # rate limit, and Discord wants an answer within 3 s.
        if not interaction.response.is_done():  # the deadline watchdog may have deferred it
            await interaction.response.defer(ephemeral=True, thinking=True)
        cap = self.bot.settings.max_replays_per_guild
        try:
            job = await self.bot.jobs.create(
                guild_id=interaction.guild_id,
                channel_id=channel.id,
                here=here,
                comment_id=id.ref,
                requested_by=interaction.user.id,
                total=len(comments),
                cap=cap,
                archive=id.archive.name,
            )
        except NoRoom as busy:
            view = replay_buttons(busy.running) if busy.running else None
            await interaction.edit_original_response(content=refusal_text(busy, cap), view=view)
            return
        await _start(interaction, job, id.archive, comments, resumed=False)


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(ThreadCog(bot))
