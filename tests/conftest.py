"""Shared fixtures: the real bot, on the real archive, in SimCord's simulated Discord.

The bot syncs its commands to ``dev_guild_id`` in setup_hook, before any simulated guild exists.
SimCord accepts a sync to a guild id it has not seen yet, so the tests pin that id up front and
create the guild with it afterwards: commands are then synced exactly as in production, with
strict_sync on.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import discord
import pytest
import simcord

from bot import ArchiveBot, Settings, create_bot
from bot.archive import queries
from bot.archive.exports import load_export
from bot.archive.store import ingest, open_archive

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "data" / "we-are-expelled.txt"
DEV_GUILD_ID = 111_111_111_111_111_111


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The real page's database, read-only as the bot serves it (modules about other archives
    define their own ``db``)."""
    await ingest(ARCHIVE, tmp_path / "archive.db")
    connection = await open_archive(tmp_path / "archive.db")
    yield connection
    await connection.close()


async def context(
    db: aiosqlite.Connection, comment_id: str, discussion: int = 1
) -> queries.Context:
    """The context /comment shows around a comment that is there, read as /comment reads it."""
    found = await queries.comment_with(db, comment_id, discussion, queries.context_of)
    assert isinstance(found, queries.Found), found
    return found.about


async def nearest(
    db: aiosqlite.Connection, comment_id: str, discussion: int = 1
) -> queries.Nearest:
    """What a command is told about an id that is not there, read as every command reads it."""
    around = await queries.comment_with(db, comment_id, discussion, queries.context_of)
    assert isinstance(around, queries.Nearest), around
    return around


def run_cli(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` from the repository, with ``env`` over the environment."""
    # An empty DISCORD_TOKEN wins over a developer's .env (load_dotenv never overrides).
    environ = {**os.environ, "DISCORD_TOKEN": "", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """Every test leaves the cycle collector as it found it. A bot set up freezes what is alive
    and retunes the collector (client.settle_collector): in a process serving many bots in turn,
    each frozen one would stay for good."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.fixture
def pause() -> float:
    """REPLAY_PAUSE: seconds between a replay's comments; parametrize it to slow a replay."""
    return 0.0


@pytest.fixture
def settings(tmp_path: Path, pause: float) -> Settings:
    return Settings(
        token=None,
        archive_paths=(ARCHIVE,),
        database_path=tmp_path / "archive.db",
        jobs_path=tmp_path / "jobs.db",
        dev_guild_id=DEV_GUILD_ID,
        log_level="INFO",
        max_replays_per_guild=1,
        replay_pause=pause,
        # SimCord has no Discord to recommend a shard count: one shard unless a test says more.
        shard_count=1,
    )


@pytest.fixture
async def simcord_bot(settings: Settings):
    bot = create_bot(settings)
    yield bot
    # SimCord detaches the bot at the end of a test but never calls close(); ours closes the db.
    await bot.close()


@pytest.fixture
def mod(world: World) -> simcord.MemberActor:
    """A member with Manage Threads, who may run /thread."""
    role = world.guild.create_role(
        "moderators", permissions=discord.Permissions(manage_threads=True)
    )
    return world.guild.add_member(world.env.create_user("mod"), roles=[role])


@dataclass(frozen=True, slots=True)
class Trip:
    """One of the bot's SQLite round trips (a call handed to a connection's thread): on a busy
    machine, each is a wait for the event loop and the thread to take their turn."""

    connection: aiosqlite.Connection
    # How many HTTP requests the bot had made when it set off.
    after_requests: int


@pytest.fixture
def trips(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Trip]:
    """The bot's round trips from here on, in order."""
    seen: list[Trip] = []
    execute = aiosqlite.Connection._execute

    async def counted(
        self: aiosqlite.Connection, fn: object, *args: object, **kwargs: object
    ) -> object:
        seen.append(Trip(self, len(world.env.http_requests)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    member: simcord.MemberActor

    @property
    def bot(self) -> ArchiveBot:
        bot = self.env.bot
        assert isinstance(bot, ArchiveBot)
        return bot


@pytest.fixture
def world(simcord_env: simcord.Env) -> World:
    guild = simcord_env.create_guild("Archive readers", id=DEV_GUILD_ID)
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("reader"))
    return World(simcord_env, guild, channel, member)


async def restart(env: simcord.Env, settings: Settings) -> ArchiveBot:
    """Restart the bot as its process would be: the old one closes (releasing what it holds, as a
    dying process does), a new one on the same settings attaches. The caller closes the new one."""
    old = env.bot
    assert isinstance(old, ArchiveBot)
    await old.close()
    restarted = create_bot(settings)
    await env.restart_bot(restarted)
    return restarted


def loaded_export(path: Path) -> tuple[object, ...]:
    """Everything ``load_export`` makes of a file: its report and the rows it threaded."""
    conn = sqlite3.connect(":memory:")
    report = load_export(conn, path)
    return (
        report,
        conn.execute("SELECT * FROM temp.export_discussion").fetchall(),
        conn.execute("SELECT * FROM temp.export_comment ORDER BY position").fetchall(),
    )
