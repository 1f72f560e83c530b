"""The bot: owns the shared resources (the archive connection, the jobs store, the running
replays), loads the feature cogs, answers command errors and keeps every command inside Discord's
3-second deadline."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import heapq
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import aiosqlite
import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive.library import ArchiveSet, LoadedArchive
from bot.config import Settings
from bot.errors import UserFacingError
from bot.replay.guilds import GuildArchives
from bot.replay.jobs import DamagedJobsDatabase, JobStore
from bot.replay.manager import ReplayManager

log = logging.getLogger(__name__)

# Every feature is one extension; a broken one is logged and skipped so the others still serve.
EXTENSIONS: tuple[str, ...] = (
    "cogs.about",
    "cogs.archive",
    "cogs.resolution",
    "cogs.members",
    "cogs.comment",
    "cogs.search",
    "cogs.thread",
)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."

# Discord drops an interaction that is not acknowledged within 3 s. A command still working after
# this long is deferred on its behalf, leaving room for the request itself on a slow network.
DEFER_AFTER = 2.0
# Set in interaction.extras when the watchdog deferred publicly: a private answer (an error)
# must then not land in the public placeholder.
_PUBLIC_DEFERRAL = "archive-bot:public-deferral"

# Once serving, the cycle collector's middle generation is collected after every MIDDLE_EVERY
# young collections, and the full collection considered after every FULL_EVERY (see
# settle_collector).
MIDDLE_EVERY = 2
FULL_EVERY = 100


class _RealTimeTimers:
    """Callbacks due after some seconds of real time, all run by one daemon thread.

    Real time whatever the event loop's clock says (SimCord's is virtual, and it replaces
    time.monotonic with it: perf_counter is the clock read here); one thread for every command
    rather than a thread each, so a burst of commands costs no burst of threads.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, threading.Event, Callable[[], object]]] = []
        self._changed = threading.Condition()
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, callback: Callable[[], object]) -> threading.Event:
        """Run ``callback`` in the timer thread after ``seconds``; set the event to cancel."""
        cancelled = threading.Event()
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            entry = (time.perf_counter() + seconds, next(self._count), cancelled, callback)
            heapq.heappush(self._due, entry)
            # The thread sleeps until the earliest one is due: only a new earliest needs it
            # awake. Waking it for every command would hand it the GIL, on the command's time.
            if self._due[0] is entry:
                self._changed.notify()
        return cancelled

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.perf_counter():
                    wait = self._due[0][0] - time.perf_counter() if self._due else None
                    self._changed.wait(wait)
                _, _, cancelled, callback = heapq.heappop(self._due)
            if not cancelled.is_set():
                callback()


class ArchiveTree(app_commands.CommandTree["ArchiveBot"]):
    """The command tree, with the one error handler every slash command shares and the one
    watchdog that keeps every command inside Discord's deadline.

    Commands answer privately unless they are declared with ``extras={"public": True}``; the
    watchdog defers the way the answer will be shown, so a slow command answers as a fast one
    does. Every answer path sends a follow-up once the interaction is acknowledged.
    """

    def __init__(self, client: ArchiveBot, **options: Any) -> None:
        super().__init__(client, **options)
        # Deferrals in flight, kept so that they are not garbage collected half-way.
        self._deferrals: set[asyncio.Task[None]] = set()
        self._timers = _RealTimeTimers()

    async def interaction_check(self, interaction: discord.Interaction[ArchiveBot], /) -> bool:
        # Runs first in the task that runs the command (its transformers too); autocomplete
        # cannot be deferred, and answers within its own budget.
        task = asyncio.current_task()
        if interaction.type is discord.InteractionType.application_command and task is not None:
            # The timer thread counts real time whatever the event loop's clock says, and hands
            # the deferral back to the loop, in this task's context.
            loop, context = asyncio.get_running_loop(), contextvars.copy_context()
            cancelled = self._timers.after(
                DEFER_AFTER,
                lambda: loop.call_soon_threadsafe(self._defer, interaction, context=context),
            )
            task.add_done_callback(lambda _: cancelled.set())
        return True

    def _defer(self, interaction: discord.Interaction[ArchiveBot]) -> None:
        if interaction.response.is_done():
            return
        deferral = asyncio.create_task(_defer(interaction), name="deadline-deferral")
        self._deferrals.add(deferral)
        deferral.add_done_callback(self._deferrals.discard)

    async def on_error(
        self, interaction: discord.Interaction[ArchiveBot], error: app_commands.AppCommandError
    ) -> None:
        if late_interaction(error):
            # Answered too late (over 3 s) or by another process: nothing more can be said to
            # the person, and nothing broke in the bot.
            log.warning("Interaction could not be answered: %s", getattr(error, "original", error))
            return
        message = explain(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "unknown"
            log.error("Command /%s failed", command, exc_info=error)
            message = APOLOGY
        try:
            if interaction.response.is_done():
                if interaction.extras.pop(_PUBLIC_DEFERRAL, False):
                    # The first follow-up would fill the public "thinking" placeholder, and a
                    # placeholder deleted while thinking takes no follow-up: it is completed
                    # empty, then deleted, and the mistake told privately.
                    await interaction.edit_original_response(content="…")
                    await interaction.delete_original_response()
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            # The interaction may have expired: the user sees "did not respond"; keep a trace.
            log.warning("Could not tell the user about a failed command", exc_info=True)


async def _defer(interaction: discord.Interaction[ArchiveBot]) -> None:
    command = interaction.command
    public = bool(command is not None and command.extras.get("public"))
    name = command.qualified_name if command is not None else "unknown"
    try:
        await interaction.response.defer(ephemeral=not public, thinking=True)
    except discord.InteractionResponded:
        return  # the command answered while this task was starting
    except discord.HTTPException as error:
        # The command's own answer got there first (40060), or Discord is unreachable: either
        # way the command's own answer path reports what became of it.
        log.warning("Could not defer /%s: %s", name, error)
        return
    log.info("Deferred /%s: it took over %.0f s", name, DEFER_AFTER)
    if public:
        interaction.extras[_PUBLIC_DEFERRAL] = True


def explain(error: app_commands.AppCommandError) -> str | None:
    """The line to show the user for an expected failure, or None for a bug."""
    # Order matters: the permission and cooldown errors are CheckFailure subclasses.
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        # Rounded up: "in 0 seconds" would invite an immediate retry that fails again.
        seconds = math.ceil(error.retry_after)
        return f"Slow down: you can use this command again in {render.plural(seconds, 'second')}."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need {_permissions(error.missing_permissions)} to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            f"I need {_permissions(error.missing_permissions)} in this channel"
            " to do that; ask a server admin to grant it."
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


def late_interaction(error: BaseException) -> bool:
    """Whether Discord refused an interaction response as unknown (10062: over 3 s late, or
    expired) or already acknowledged (40060: another process answered it)."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    return isinstance(cause, discord.HTTPException) and cause.code in (10062, 40060)


# Where Discord's screens name a permission differently from its API name.
_SHOWN_AS = {"manage_guild": "Manage Server"}


def _permissions(names: list[str]) -> str:
    # Spelled the way Discord's settings screens show them, e.g. "Send Messages in Threads".
    shown = [
        f"**{_SHOWN_AS.get(n) or n.replace('_', ' ').title().replace(' In ', ' in ')}**"
        for n in names
    ]
    if len(shown) == 1:
        return f"the {shown[0]} permission"
    return f"the {', '.join(shown[:-1])} and {shown[-1]} permissions"


class ArchiveBot(commands.AutoShardedBot):
    """The bot, owner of every shared resource: each is opened in setup_hook, closed in close().

    Always sharded on discord.py's own machinery: over SHARD_COUNT/SHARD_IDS when set, else over
    the count Discord recommends, every shard in this process (see docs/scaling.md).
    """

    settings: Settings
    _archives: ArchiveSet | None
    _jobs: JobStore | None
    _guild_archives: GuildArchives | None
    _replays: ReplayManager | None

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            # No prefix commands: everything is a slash command, and message content is not needed.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),
            # Archive text is quoted verbatim; it must never ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=ArchiveTree,
            # A longer wait raises RateLimited instead of sleeping inside a request: a replay then
            # waits it out itself (Stop can cut it short), well inside its request bound.
            max_ratelimit_timeout=30.0,
            shard_count=settings.shard_count,
            # None is every shard; discord.py reads it so, though its options type leaves it out.
            shard_ids=list(settings.shard_ids) if settings.shard_ids else None,  # type: ignore[arg-type]
        )
        self.settings = settings
        self._archives = None
        self._jobs = None
        self._guild_archives = None
        self._replays = None

    @property
    def archives(self) -> ArchiveSet:
        """Every loaded archive, each with its read-only connection, from setup_hook until
        close()."""
        if self._archives is None:
            raise RuntimeError("the archive database is not open (setup_hook has not run)")
        return self._archives

    @property
    def archive(self) -> LoadedArchive:
        """The default archive (the first of ARCHIVE_PATH)."""
        return self.archives.default

    @property
    def db(self) -> aiosqlite.Connection:
        """The default archive's read-only connection, for code that serves one archive."""
        return self.archives.default.db

    @property
    def jobs(self) -> JobStore:
        """The replay jobs store, open from setup_hook until close()."""
        if self._jobs is None:
            raise RuntimeError("the jobs database is not open (setup_hook has not run)")
        return self._jobs

    @property
    def guild_archives(self) -> GuildArchives:
        """Each server's default archive, kept in the jobs store's database, from setup_hook
        until close()."""
        if self._guild_archives is None:
            raise RuntimeError("the jobs database is not open (setup_hook has not run)")
        return self._guild_archives

    @property
    def replays(self) -> ReplayManager:
        """The running replays, from setup_hook until close()."""
        if self._replays is None:
            raise RuntimeError("replays are not running (setup_hook has not run)")
        return self._replays

    async def setup_hook(self) -> None:
        settings = self.settings
        self._archives = await ArchiveSet.open(settings.archive_paths, settings.database_path)
        self._jobs = await _open_jobs(settings)
        self._guild_archives = GuildArchives(self._jobs.connection)
        self._replays = ReplayManager(self, self._jobs)
        # Channels can only be looked up once connected: the manager waits for that.
        self._replays.start()
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except commands.ExtensionError:
                log.exception("Could not load %s; its commands are unavailable", extension)
        # Global sync is an explicit step (`python -m bot sync`): it is rate limited and slow to
        # show up. A dev guild picks up changes instantly, so it is synced on every start.
        if settings.dev_guild_id is not None:
            guild = discord.Object(settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to dev guild %d", len(synced), settings.dev_guild_id)
        settle_collector()

    async def close(self) -> None:
        await super().close()
        # Replays first: they write to the jobs store until they are cancelled.
        if self._replays is not None:
            await self._replays.close()
            self._replays = None
        self._guild_archives = None
        if self._jobs is not None:
            await self._jobs.close()
            self._jobs = None
        if self._archives is not None:
            await self._archives.close()
            self._archives = None


def settle_collector() -> None:
    """Shape the cycle collector for serving: what startup made goes out of its reach, and the
    middle generation is collected often enough to stay small.

    A collection stops everything while it walks the generations it collects, some 0.5 µs an
    object on the bench machine, and lands inside whatever command is running: collections were
    what pushed commands over 5 ms in bench/bot_bench.py (docs/scaling.md).

    What is alive once setup is done (the modules, discord.py, the archives, the cogs, the
    command tree: over 50,000 objects) lives as long as the process, yet every full collection
    walked it again, 50 ms of each. Frozen, it is never walked again. Not collected first: a
    full collection there finds a few dozen unreachable objects (31 in bot_bench), not worth its
    50 ms, nor its cost in the tests, which start a bot in most of them. Before connecting rather
    than on ready, as a guild's cache is rebuilt on a new session and a frozen one could never be
    freed.

    CPython collects the middle generation after every 10 young collections, when it holds what
    survived those 10: some 4,000 objects, 2-3 ms, in about one command in a hundred, right at
    the 99th percentile. After every 2 it holds a third of that, in more commands but well under
    the goal; the full collection is still considered after 100 young ones, as by default.
    """
    gc.freeze()
    young, _, _ = gc.get_threshold()
    gc.set_threshold(young, MIDDLE_EVERY, FULL_EVERY // MIDDLE_EVERY)


async def _open_jobs(settings: Settings) -> JobStore:
    """The jobs store. A damaged one is kept aside and a fresh one started: replays are a
    convenience, and a bot that will not start over a damaged file serves nobody; the kept file
    holds what the damaged one had, for whoever wants to look."""
    try:
        return await JobStore.open(settings.jobs_path)
    except DamagedJobsDatabase as damaged:
        log.error("%s", damaged)
        return await JobStore.open(settings.jobs_path)
