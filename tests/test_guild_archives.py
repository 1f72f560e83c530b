"""Each server's default archive, kept in the bot's state database beside the replay jobs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.migrations import migrate
from bot.replay.guilds import GuildArchives
from bot.replay.jobs import MIGRATIONS, JobStore

GUILD, OTHER_GUILD, MOD = 1, 2, 100


async def test_a_server_default_is_kept_per_server_and_replaced_when_chosen_again(
    tmp_path: Path,
) -> None:
    store = await JobStore.open(tmp_path / "jobs.db")
    defaults = GuildArchives(store.connection)
    try:
        assert await defaults.get(GUILD) is None
        await defaults.set(GUILD, "my-blog", by=MOD)
        await defaults.set(GUILD, "other-blog", by=MOD)
        await defaults.set(OTHER_GUILD, "my-blog", by=MOD)
        assert await defaults.get(GUILD) == "other-blog"
        assert await defaults.get(OTHER_GUILD) == "my-blog"
    finally:
        await store.close()

    reopened = await JobStore.open(tmp_path / "jobs.db")
    try:
        assert await GuildArchives(reopened.connection).get(GUILD) == "other-blog"
    finally:
        await reopened.close()


async def test_a_jobs_database_from_before_server_defaults_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    async with aiosqlite.connect(path) as old:
        await migrate(old, MIGRATIONS[:2], "jobs database")
        await old.execute(
            "INSERT INTO job (guild_id, channel_id, here, comment_id, requested_by, total, state,"
            " created_at, updated_at) VALUES (1, 10, 0, '3', 100, 17, 'running', ?1, ?1)",
            ("2026-01-01T00:00:00+00:00",),
        )
        await old.commit()

    store = await JobStore.open(path)
    try:
        await GuildArchives(store.connection).set(GUILD, "my-blog", by=MOD)
        assert [job.comment_id for job in await store.running()] == ["3"]
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT guild_id, archive, set_by FROM guild_archive").fetchall() == [
            (GUILD, "my-blog", MOD)
        ]


async def test_a_server_default_is_read_once_per_process_and_kept_as_it_is_chosen(
    tmp_path: Path,
) -> None:
    store = await JobStore.open(tmp_path / "jobs.db")
    defaults = GuildArchives(store.connection)
    statements: list[str] = []
    try:
        # Chosen before this process started.
        await GuildArchives(store.connection).set(OTHER_GUILD, "my-blog", by=MOD)
        await store.connection.set_trace_callback(statements.append)
        # Every command and keystroke asks: only the first question per server reads the file.
        assert [await defaults.get(GUILD) for _ in range(3)] == [None, None, None]
        assert [await defaults.get(OTHER_GUILD) for _ in range(3)] == ["my-blog"] * 3
        assert len([s for s in statements if s.startswith("SELECT")]) == 2

        statements.clear()
        await defaults.set(GUILD, "other-blog", by=MOD)
        assert await defaults.get(GUILD) == "other-blog"
        assert not [s for s in statements if s.startswith("SELECT")]
    finally:
        await store.close()
