"""The replay jobs store, on real temporary SQLite databases."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.archive.trips import in_one_transaction
from bot.replay.jobs import SCHEMA_VERSION, DamagedJobsDatabase, Job, JobState, JobStore, NoRoom

GUILD, OTHER_GUILD = 1, 2
GENERAL, RANDOM, THREAD = 10, 11, 12
MOD = 100


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[JobStore]:
    opened = await JobStore.open(tmp_path / "jobs.db")
    yield opened
    await opened.close()


async def start(
    store: JobStore,
    channel: int = GENERAL,
    *,
    guild: int = GUILD,
    here: bool = False,
    cap: int = 1,
) -> Job:
    return await store.create(
        guild_id=guild,
        channel_id=channel,
        here=here,
        comment_id="3",
        requested_by=MOD,
        total=17,
        cap=cap,
    )


async def test_a_new_job_is_running_with_nothing_posted(store: JobStore) -> None:
    job = await start(store)

    assert (job.guild_id, job.channel_id, job.comment_id, job.requested_by) == (
        GUILD,
        GENERAL,
        "3",
        MOD,
    )
    assert job.state is JobState.RUNNING
    assert (job.next_position, job.total, job.header_message_id, job.target_id) == (
        0,
        17,
        None,
        None,
    )
    assert await store.posted(job) == {}
    assert await store.get(job.id) == job


async def test_here_mode_targets_its_own_channel(store: JobStore) -> None:
    job = await start(store, here=True)
    assert job.here and job.target_id == GENERAL


async def test_progress_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "jobs.db"
    store = await JobStore.open(path)
    job = await start(store)
    job = await store.set_target(job, THREAD)
    job = await store.record_header(job, 1000)
    job = await store.record_part(job, "3", 0, 1001, completes=1)
    job = await store.record_part(job, "3.1", 0, 1002, completes=None)
    await store.close()

    reopened = await JobStore.open(path)
    try:
        stored = await reopened.get(job.id)
        posted = await reopened.posted(job)
        [running] = await reopened.running()
    finally:
        await reopened.close()

    assert stored == job
    assert (stored.target_id, stored.header_message_id, stored.next_position) == (THREAD, 1000, 1)
    # 3.1's first part is stored but the comment is not complete yet.
    assert posted == {("3", 0): 1001, ("3.1", 0): 1002}
    assert running.id == job.id


async def test_a_part_is_stored_once(store: JobStore) -> None:
    job = await start(store)
    await store.record_part(job, "3", 0, 1001, completes=1)
    with pytest.raises(sqlite3.IntegrityError):
        await store.record_part(job, "3", 0, 1002, completes=1)


async def test_a_write_that_fails_part_way_leaves_nothing_for_the_next_commit(
    store: JobStore,
) -> None:
    job = await start(store)

    def half(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO posted VALUES (?, '3', 0, 1001)", (job.id,))
        conn.execute("UPDATE job SET next_position = 'x' WHERE nonsense")

    with pytest.raises(sqlite3.OperationalError):
        await in_one_transaction(store.connection, half)
    await store.record_part(job, "3.1", 0, 1002, completes=None)

    assert await store.posted(job) == {("3.1", 0): 1002}


async def test_one_running_replay_per_channel_origin_or_target(store: JobStore) -> None:
    first = await store.set_target(await start(store, cap=5), THREAD)

    with pytest.raises(NoRoom) as same_channel:
        await start(store, cap=5)
    with pytest.raises(NoRoom) as in_its_thread:
        await start(store, THREAD, here=True, cap=5)

    assert same_channel.value.running == first
    assert in_its_thread.value.running == first
    await start(store, RANDOM, cap=5)


async def test_a_cap_per_server(store: JobStore) -> None:
    await start(store, GENERAL, cap=2)
    await start(store, RANDOM, cap=2)

    with pytest.raises(NoRoom) as full:
        await start(store, THREAD, cap=2)

    assert full.value.running is None
    assert full.value.running_in_guild == 2
    await start(store, THREAD, guild=OTHER_GUILD, cap=2)


@pytest.mark.parametrize("ending", [JobState.DONE, JobState.STOPPED, JobState.FAILED])
async def test_an_ended_replay_frees_its_channel(store: JobStore, ending: JobState) -> None:
    job = await store.finish(await start(store), ending, "why")

    assert (job.state, job.reason) == (ending, "why")
    assert await store.running() == []
    await start(store)


async def test_an_ended_job_keeps_its_ending(store: JobStore) -> None:
    done = await store.finish(await start(store), JobState.DONE)
    late_stop = await store.finish(done, JobState.STOPPED)
    assert late_stop.state is JobState.DONE


async def test_a_paused_job_resumes_when_there_is_room(store: JobStore) -> None:
    paused = await store.finish(await start(store), JobState.PAUSED, "Discord kept failing")
    other = await start(store)

    with pytest.raises(NoRoom) as busy:
        await store.resume(paused, cap=1)
    assert busy.value.running == other

    await store.finish(other, JobState.DONE)
    resumed = await store.resume(paused, cap=1)
    assert (resumed.state, resumed.reason) == (JobState.RUNNING, None)
    assert await store.get(paused.id) == resumed


async def test_running_lists_running_jobs_oldest_first(store: JobStore) -> None:
    first = await start(store, GENERAL, cap=5)
    await store.finish(await start(store, RANDOM, cap=5), JobState.DONE)
    third = await start(store, THREAD, cap=5)

    assert [job.id for job in await store.running()] == [first.id, third.id]


async def test_schema_version_is_recorded_and_a_newer_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    await (await JobStore.open(path)).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(RuntimeError, match="newer than this bot's"):
        await JobStore.open(path)


@pytest.mark.parametrize(
    "damage",
    [
        b"not a database at all, just text" * 200,
        # A valid header over pages of garbage.
        b"SQLite format 3\x00" + b"\xff" * 8000,
    ],
)
async def test_a_damaged_database_is_moved_aside_untouched(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / "jobs.db"
    path.write_bytes(damage)

    with pytest.raises(DamagedJobsDatabase) as damaged:
        await JobStore.open(path)

    assert damaged.value.kept.read_bytes() == damage
    assert damaged.value.kept.name.startswith("jobs.db.damaged-")
    assert not path.exists()
    assert "\n" not in str(damaged.value) and str(damaged.value.kept) in str(damaged.value)


async def test_an_unopenable_path_is_not_called_damaged(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    path.mkdir()  # a folder where the file should be

    with pytest.raises(sqlite3.OperationalError):
        await JobStore.open(path)
    assert path.is_dir() and list(tmp_path.iterdir()) == [path]
