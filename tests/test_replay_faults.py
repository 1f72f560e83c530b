"""/thread at the edges real Discord has: expired tokens, lost first responses, requests that
time out after landing, transient errors while creating the thread, a failing jobs database, a
damaged one, and two processes over one jobs database."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import discord
import pytest
import simcord
from discord import app_commands

from bot import Settings, create_bot
from bot.replay import jobs
from tests.conftest import DEV_GUILD_ID, restart
from tests.test_thread import SEVEN, THREE, advance, comments_in, message_posts

pytestmark = pytest.mark.simcord(settle_timeout=0.5)

MINUTE = 60.0
LOST = {"status": 404, "code": 10062, "message": "Unknown interaction"}
ANSWERED = {"status": 400, "code": 40060, "message": "Interaction has already been acknowledged"}


@pytest.mark.parametrize("pause", [MINUTE])
async def test_stop_after_the_token_expired_answers_and_the_thread_says_where(world, mod) -> None:
    result = await mod.slash(world.channel, "thread", id="3")
    thread = world.channel.threads[0]
    await advance(world.env, 15.5 * MINUTE)

    await mod.click(result.response, label="Stop")

    # One comment a minute: 15 posted; the /thread token died at 15 minutes, the button's is new.
    assert result.response.content == (
        f"Stopped at comment **{THREE[15]}** (15 of 17 posted in <#{thread.id}>). What was"
        " posted stays."
    )
    assert result.response.components == []
    assert thread.history()[-1].content == (
        f"*The replay was stopped here at comment {THREE[15]}: 15 of 17 comments posted.*"
    )


@pytest.mark.parametrize("pause", [MINUTE])
async def test_a_replay_longer_than_its_token_ends_with_a_closing_line(world, mod) -> None:
    result = await mod.slash(world.channel, "thread", id="3")
    await advance(world.env, 20 * MINUTE)

    thread = world.channel.threads[0]
    assert list(comments_in(thread)) == THREE
    assert thread.history()[-1].content == (
        "*End of the replay: comment 3 and the 16 replies under it, complete.*"
    )
    # The progress message could not be told; the thread itself says the history is whole.
    assert not result.response.content.startswith("Done")


async def test_a_long_rate_limit_reaches_the_same_stop(world, mod) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/messages", status=429, times=30)
    result = await mod.slash(world.channel, "thread", id="7")
    await advance(env, 16 * MINUTE)
    thread = world.channel.threads[0]
    env.backend.faults.clear()

    await mod.click(result.response, label="Stop")

    assert result.response.content == (
        f"Stopped at comment **7** (0 of 5 posted in <#{thread.id}>). What was posted stays."
    )
    assert [m.content for m in thread.history()] == [
        "*The replay was stopped here at comment 7: 0 of 5 comments posted.*"
    ]


@pytest.mark.parametrize("refusal", [LOST, ANSWERED], ids=["10062", "40060"])
async def test_a_lost_first_response_leaves_no_ghost_job(
    world, mod, settings: Settings, caplog: pytest.LogCaptureFixture, refusal: dict[str, object]
) -> None:
    env = world.env
    env.inject_error("POST", "/interactions/*/*/callback", **refusal)
    await mod.slash(world.channel, "thread", id="3")

    assert world.channel.threads == []
    assert message_posts(env) == []
    late = [r for r in caplog.records if "could not be answered" in r.getMessage()]
    assert [r.levelno for r in late] == [logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The tree's error handler saw it, and logged it as a warning.
    assert [type(e) for e in env.errors] == [app_commands.CommandInvokeError]

    again = await mod.slash(world.channel, "thread", id="7")
    assert again.response.content.startswith("Done: comment **7**")
    posts = len(message_posts(env))
    restarted = await restart(env, settings)
    try:
        await advance(env, 60)
    finally:
        await restarted.close()
    assert len(message_posts(env)) == posts
    assert len(world.channel.threads) == 1


async def test_a_lost_resume_press_leaves_the_job_paused(world, mod) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/messages", status=503, times=7)
    result = await mod.slash(world.channel, "thread", id="7")
    await advance(env, 1 + 2 + 4 + 8 + 16 + 32)
    assert result.response.content.startswith("Paused at comment **7**")

    env.inject_error("POST", "/interactions/*/*/callback", **LOST)
    await mod.click(result.response, label="Resume")
    job = await world.bot.jobs.get(1)
    assert job is not None
    assert job.state is jobs.JobState.PAUSED

    await mod.click(result.response, label="Resume")
    assert result.response.content.startswith("Done: comment **7**")
    assert list(comments_in(world.channel.threads[0])) == SEVEN


@pytest.mark.parametrize("pause", [10.0])
async def test_a_timed_out_send_that_landed_is_not_posted_twice(
    world, mod, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discord created the message, but its answer never came back: the send hangs until the
    # runner's own bound gives up on it.
    send_message = discord.http.HTTPClient.send_message
    hung: list[str] = []

    async def land_then_hang(self, channel_id, *, params):
        answer = await send_message(self, channel_id, params=params)
        if params.payload["content"].startswith("**3.1** ") and not hung:
            hung.append(params.payload["nonce"])
            await asyncio.sleep(3600)
        return answer

    monkeypatch.setattr(discord.http.HTTPClient, "send_message", land_then_hang)
    await mod.slash(world.channel, "thread", id="3")
    await advance(world.env, 30 * 10.0)

    thread = world.channel.threads[0]
    assert hung
    assert list(comments_in(thread)) == THREE  # comments_in fails on a comment posted twice
    assert len(message_posts(world.env)) == len(thread.history())


@pytest.mark.parametrize(("status", "code"), [(500, 0), (503, 0), (429, 0)])
async def test_a_transient_error_creating_the_thread_is_retried(
    world, mod, status: int, code: int
) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/threads", status=status, code=code, times=2)
    result = await mod.slash(world.channel, "thread", id="7")
    await advance(env, 60)

    [thread] = world.channel.threads
    assert list(comments_in(thread)) == SEVEN
    assert result.response.content.startswith("Done: comment **7**")


async def test_a_jobs_database_that_keeps_failing_pauses_and_says_so(
    world, mod, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(jobs.JobStore, "record_part", disk_full)
    result = await mod.slash(world.channel, "thread", id="7")
    await advance(world.env, 60)

    thread = world.channel.threads[0]
    assert result.response.content == (
        f"Paused at comment **7** (0 of 5 posted in <#{thread.id}>): I could not save my progress"
        " in the jobs database (database or disk is full). Press Resume to go on from there."
    )
    [row] = result.response.components
    assert [button["label"] for button in row["components"]] == ["Resume", "Stop"]
    assert thread.history()[-1].content.startswith("*The replay is paused here at comment 7")


def test_a_damaged_jobs_database_is_kept_aside_and_named(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = b"SQLite format 3\x00" + b"\xff" * 8000
    settings.jobs_path.write_bytes(damaged)

    async def run() -> str:
        bot = create_bot(settings)
        async with simcord.run(bot) as env:
            guild = env.create_guild(id=DEV_GUILD_ID)
            channel = guild.create_text_channel("general")
            role = guild.create_role("mods", permissions=discord.Permissions(manage_threads=True))
            mod = guild.add_member(env.create_user("mod"), roles=[role])
            result = await mod.slash(channel, "thread", id="7")
            answer = result.response.content
        await bot.close()
        return answer

    answer = asyncio.run(run())

    [kept] = settings.jobs_path.parent.glob("jobs.db.damaged-*")
    assert kept.read_bytes() == damaged
    [report] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "\n" not in report
    assert str(kept) in report and "is damaged" in report
    # A fresh store took its place: replays work.
    assert answer.startswith("Done: comment **7**")


# Two processes over one jobs database: shown on the store, where a process is its open store.


async def _running_job(store: jobs.JobStore, guild: int, channel: int) -> jobs.Job:
    return await store.create(
        guild_id=guild, channel_id=channel, here=False, comment_id="3", requested_by=1,
        total=17, cap=5,
    )  # fmt: skip


def guild_on_shard(shard: int, count: int) -> int:
    return (shard + 10 * count) << 22


async def test_two_processes_never_resume_the_same_job(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    crashed = await jobs.JobStore.open(path)
    made = [await _running_job(crashed, guild_on_shard(n % 2, 2), 10 + n) for n in range(4)]
    first = await jobs.JobStore.open(path)
    second = await jobs.JobStore.open(path)
    try:
        # Their owner is alive: nobody takes them.
        assert await first.claim(None, None) == []
        # It dies without closing: the OS drops its lock.
        crashed._lock.close()
        claims = await asyncio.gather(first.claim(None, None), second.claim(None, None))
        assert sorted(job.id for claim in claims for job in claim) == [job.id for job in made]
        assert await second.claim(None, None) == [] or await first.claim(None, None) == []
    finally:
        await first.close()
        await second.close()
        await crashed._db.close()


async def test_each_process_resumes_only_its_shards(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    starter = await jobs.JobStore.open(path)
    made = {n: await _running_job(starter, guild_on_shard(n, 3), 10 + n) for n in range(3)}
    await starter.close()  # a clean stop: its jobs are free for whoever serves their shards

    low, high = await jobs.JobStore.open(path), await jobs.JobStore.open(path)
    try:
        assert [j.id for j in await low.claim(3, [0, 1])] == [made[0].id, made[1].id]
        assert [j.id for j in await high.claim(3, [2])] == [made[2].id]
        # Shards 0 and 1 are owned by a live process: asking for them again gets only its own.
        assert [j.id for j in await high.claim(3, [0, 1, 2])] == [made[2].id]
    finally:
        await low.close()
        await high.close()


@pytest.mark.parametrize("pause", [10.0])
async def test_resume_into_a_busy_channel_says_what_is_in_the_way(world, mod) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/messages", status=503, times=7)
    paused = await mod.slash(world.channel, "thread", id="7")
    await advance(env, 1 + 2 + 4 + 8 + 16 + 32)
    busy = await mod.slash(world.channel, "thread", id="3")
    await advance(env, 20)

    pressed = await mod.click(paused.response, label="Resume")

    [refusal] = pressed.followups
    assert refusal.content.startswith("A replay is already running here: comment **3** into")
    assert paused.response.content.startswith("Paused at comment **7**")
    assert busy.response.content.startswith("Replaying comment **3**")
