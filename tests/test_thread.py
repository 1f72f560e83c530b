"""/thread, as a moderator uses it: replay a comment thread into Discord and watch it arrive.

Replays run in SimCord's virtual time. With ``pause`` (the REPLAY_PAUSE setting) a replay posts
one comment every PAUSE virtual seconds, so a test can stop it, break it or restart the bot
half-way. A short settle timeout makes SimCord leave every wait of a second or more to
advance_time(), rather than sitting it out in real time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import discord
import pytest
import simcord
from discord import app_commands

from bot import Settings, create_bot
from bot.errors import UserFacingError
from bot.replay import jobs
from tests.conftest import ARCHIVE, DEV_GUILD_ID, restart

THREE = ["3", "3.1", "3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.2"]
THREE += [f"3.2.{n}" for n in range(1, 10)] + ["3.3"]
# Each with its placeholder: 0 is one itself, 1.1 and 7.1 are levels the page lacks.
WITH_PLACEHOLDERS = {
    ("0", "0"): ["0", "0.1", "0.1.1", "0.1.2"],
    ("1", "1.1"): ["1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2", "1.2.1"],
    ("7", "7.1"): ["7", "7.1", "7.1.1", "7.1.2", "7.2"],
}
SEVEN = WITH_PLACEHOLDERS["7", "7.1"]
# The first line of a comment's first message: "**3.1** · depth 2 ..."
FIRST_PART = re.compile(r"\*\*(?P<id>\d+(?:\.\d+)*)\*\* · ")
PAUSE = 10.0

pytestmark = pytest.mark.simcord(settle_timeout=0.5)


def comments_in(thread: simcord.ChannelHandle) -> dict[str, discord.Message]:
    """Each comment's (first) message in the thread, by comment id, in the order posted."""
    found: dict[str, discord.Message] = {}
    for message in thread.history()[1:]:
        match = FIRST_PART.match(message.content)
        if match:
            assert match["id"] not in found, f"comment {match['id']} was posted twice"
            found[match["id"]] = message
    return found


async def advance(env: simcord.Env, seconds: float) -> None:
    """advance_time in steps of at most PAUSE: SimCord gives each call one settle timeout of real
    time, and every step of a replay costs it a few hundredths of a second."""
    while seconds > 0:
        step = min(seconds, PAUSE)
        await env.advance_time(step)
        seconds -= step


def parent_of(comment_id: str) -> str | None:
    return comment_id.rpartition(".")[0] or None


def assert_reply_links(found: dict[str, discord.Message]) -> None:
    for comment_id, message in found.items():
        parent = parent_of(comment_id)
        if parent in found:
            assert message.reference is not None, f"{comment_id} is not a reply"
            assert message.reference.message_id == found[parent].id, comment_id
        else:
            assert message.reference is None


def message_posts(env: simcord.Env) -> list[simcord.HttpLogEntry]:
    return [e for e in env.http_requests if e.method == "POST" and e.path.endswith("/messages")]


async def test_a_deep_thread_arrives_in_order_as_replies(world, mod) -> None:
    result = await mod.slash(world.channel, "thread", id="3")

    [thread] = world.channel.threads
    assert thread.name.startswith("3 · To all those on the left.")
    assert len(thread.name) <= 100
    header, *rest = thread.history()
    assert header.content.startswith(
        "**Replay of comment 3** and the 16 replies under it, from the comments on"
        " “We are expelled\xa0(Updated)” (17 February 2014)"
    )
    found = comments_in(thread)
    assert list(found) == THREE
    assert found["3.1.2"].content.startswith("**3.1.2** · depth 3\n")
    assert_reply_links(found)
    # 3.1.2 is too long for one message: its second part follows it, answering the first, so
    # the comment stays in the reply chain.
    continuation = rest[rest.index(found["3.1.2"]) + 1]
    assert not FIRST_PART.match(continuation.content)
    assert continuation.reference is not None
    assert continuation.reference.message_id == found["3.1.2"].id
    assert rest[-1].content == (
        "*End of the replay: comment 3 and the 16 replies under it, complete.*"
    )
    assert all(m.flags.suppress_notifications for m in thread.history())
    assert all(e.json["allowed_mentions"] == {"parse": []} for e in message_posts(world.env))
    assert result.ephemeral
    assert result.response.content == (
        f"Done: comment **3** and the 16 replies under it are in <#{thread.id}>."
    )
    assert result.response.components == []


@pytest.mark.parametrize(("root", "placeholder"), list(WITH_PLACEHOLDERS))
async def test_placeholders_hold_their_replies(world, mod, root: str, placeholder: str) -> None:
    await mod.slash(world.channel, "thread", id=root)

    found = comments_in(world.channel.threads[0])
    assert list(found) == WITH_PLACEHOLDERS[root, placeholder]
    assert_reply_links(found)
    assert found[placeholder].content == (
        f"**{placeholder}** · not in the archive (the page shows its replies without it)"
    )
    assert any(parent_of(reply) == placeholder for reply in found)


async def test_a_leaf_is_a_header_and_one_message(world, mod) -> None:
    result = await mod.slash(world.channel, "thread", id="3.2.9")

    thread = world.channel.threads[0]
    header, comment, closing = thread.history()
    assert "It has no replies." in header.content
    assert closing.content == "*End of the replay: comment 3.2.9, complete.*"
    assert comment.content.startswith("**3.2.9** · depth 3\nYou’re a real piece of work")
    assert comment.reference is None
    assert result.response.content == f"Done: comment **3.2.9** is in <#{thread.id}>."


async def test_the_thread_opens_after_one_trip_to_each_database(world, mod, trips) -> None:
    # Each trip is a wait for the event loop and a thread, before the moderator sees the thread:
    # the comment comes with its subtree in one, the job is stored in the other.
    await mod.slash(world.channel, "comment", id="3")  # reads what a process reads only once
    trips.clear()
    await mod.slash(world.channel, "thread", id="3.1")

    opened = next(
        index
        for index, entry in enumerate(world.env.http_requests)
        if entry.method == "POST" and entry.path == f"/channels/{world.channel.id}/threads"
    )
    before = [trip.connection for trip in trips if trip.after_requests <= opened]
    assert before == [world.bot.archive.db, world.bot.jobs.connection]
    assert list(comments_in(world.channel.threads[0])) == [
        "3.1",
        *(f"3.1.{n}" for n in range(1, 5)),
    ]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("99", "There is no comment 99 in the archive."),
        ("3.2.10", "There is no comment 3.2.10 in the archive."),
        ("three", "“three” is not a comment id."),
        ("3..1", "“3..1” is not a comment id."),
    ],
)
async def test_unknown_and_malformed_ids_post_nothing(world, mod, typed: str, says: str) -> None:
    result = await mod.slash(world.channel, "thread", id=typed)

    assert result.ephemeral
    assert result.response.content.startswith(says)
    assert world.channel.threads == []
    assert message_posts(world.env) == []
    assert [type(e) for e in world.env.errors] == [UserFacingError]


async def test_the_id_autocompletes(world, mod) -> None:
    choices = await mod.autocomplete(world.channel, "thread", "id", "3.2.")
    assert [c["value"] for c in choices][:3] == ["3.2.1", "3.2.2", "3.2.3"]


@pytest.mark.parametrize("pause", [PAUSE])
async def test_stop_half_way(world, mod) -> None:
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    thread = world.channel.threads[0]
    assert (
        result.response.content == f"Replaying comment **3** into <#{thread.id}>: 0 of 17 posted."
    )

    await advance(env, 12 * PAUSE)
    assert result.response.content == (
        f"Replaying comment **3** into <#{thread.id}>: 10 of 17 posted."
    )
    await mod.click(result.response, label="Stop")
    await advance(env, 10 * PAUSE)

    assert list(comments_in(thread)) == THREE[:12]
    assert result.response.content == (
        f"Stopped at comment **3.2.6** (12 of 17 posted in <#{thread.id}>). What was posted stays."
    )
    assert result.response.components == []
    # The channel is free again.
    again = await mod.slash(world.channel, "thread", id="7")
    assert again.response.content.startswith("Replaying comment **7**")


@pytest.mark.parametrize("pause", [PAUSE])
async def test_one_replay_per_channel_and_a_cap_per_server(world, mod) -> None:
    env, guild = world.env, world.guild
    role = guild.create_role("more mods", permissions=discord.Permissions(manage_threads=True))
    other = guild.add_member(env.create_user("other mod"), roles=[role])
    first = await mod.slash(world.channel, "thread", id="3")
    await advance(env, 3 * PAUSE)
    thread = world.channel.threads[0]

    busy = await other.slash(world.channel, "thread", id="7")
    elsewhere = await other.slash(guild.create_text_channel("elsewhere"), "thread", id="7")

    assert busy.ephemeral
    assert busy.response.content == (
        f"A replay is already running here: comment **3** into <#{thread.id}>, started by"
        f" <@{mod.id}>, 3 of 17 posted. One replay per channel at a time: wait for it to finish,"
        " or press Stop to end it (what it posted stays)."
    )
    assert elsewhere.response.content == (
        "This server already has 1 replay running, the most allowed at once (1)."
        " Try again when one has finished."
    )
    # The one who was told how to stop it can: Stop is right there.
    await other.click(busy.response, label="Stop")
    assert busy.response.content.startswith("Stopped at comment **3.1.2** (3 of 17 posted")
    assert first.response.content == busy.response.content
    assert len(world.channel.threads) == 1


async def test_the_command_is_for_thread_managers(world, mod) -> None:
    reader = world.member
    assert "thread" in mod.available_commands(world.channel)
    assert "thread" not in reader.available_commands(world.channel)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await reader.slash(world.channel, "thread", id="3")

    # An admin can show the command to everyone; running it still takes Manage Threads.
    synced = await world.bot.tree.fetch_commands(guild=discord.Object(DEV_GUILD_ID))
    command = next(c for c in synced if c.name == "thread")
    world.guild.set_command_permissions(command, {reader: True})
    result = await reader.slash(world.channel, "thread", id="3")

    assert result.response.content == "You need the **Manage Threads** permission to do that."
    assert world.channel.threads == []
    assert [type(e) for e in world.env.errors] == [app_commands.MissingPermissions]


async def test_the_bot_says_what_it_lacks_before_posting(world, mod) -> None:
    me = world.guild.me
    locked = world.guild.create_text_channel(
        "locked",
        overwrites={
            me: discord.PermissionOverwrite(
                create_public_threads=False,
                send_messages_in_threads=False,
                read_message_history=False,
            )
        },
    )
    quiet = world.guild.create_text_channel(
        "quiet", overwrites={me: discord.PermissionOverwrite(send_messages=False)}
    )

    in_thread = await mod.slash(locked, "thread", id="3")
    here = await mod.slash(quiet, "thread", id="3", here=True)

    assert in_thread.response.content == (
        "I need the **Create Public Threads**, **Send Messages in Threads** and **Read Message"
        " History** permissions in this channel to do that; ask a server admin to grant it."
    )
    assert here.response.content == (
        "I need the **Send Messages** permission in this channel to do that; ask a server admin"
        " to grant it."
    )
    assert locked.threads == [] and quiet.history() == []
    assert message_posts(world.env) == []
    assert [type(e) for e in world.env.errors] == [app_commands.BotMissingPermissions] * 2


async def test_here_replays_into_the_channel(world, mod) -> None:
    result = await mod.slash(world.channel, "thread", id="7", here=True)

    assert world.channel.threads == []
    found = comments_in(world.channel)
    assert list(found) == SEVEN
    assert_reply_links(found)
    assert result.response.content == (
        f"Done: comment **7** and the 4 replies under it are in <#{world.channel.id}>."
    )


@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_server_error_is_retried_without_a_duplicate(world, mod) -> None:
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    thread = world.channel.threads[0]
    await advance(env, 2 * PAUSE)

    env.inject_error("POST", f"/channels/{thread.id}/messages", status=500)
    await advance(env, PAUSE)
    assert result.response.content.endswith(
        "2 of 17 posted.\nDiscord is having trouble (HTTP 500: Internal Server Error (injected"
        " by test)); trying again in 1 s."
    )
    await advance(env, 20 * PAUSE)

    assert list(comments_in(thread)) == THREE
    posts = message_posts(env)
    assert len(posts) == len(thread.history()) + 1
    failed, retried = posts[3], posts[4]
    assert failed.json["content"].startswith("**3.1.1**")
    assert retried.json == failed.json  # same message, same nonce
    assert result.response.content.startswith("Done: comment **3**")


@pytest.mark.parametrize("pause", [PAUSE])
@pytest.mark.parametrize(
    ("status", "code", "message", "reason"),
    [
        (403, 50013, "Missing Permissions", "Discord no longer lets me post there (HTTP 403:"),
        (404, 10003, "Unknown Channel", "the thread or channel is gone (deleted, or I can no"),
    ],
)
async def test_a_refusal_stops_cleanly_and_says_where(
    world, mod, status: int, code: int, message: str, reason: str
) -> None:
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    thread = world.channel.threads[0]
    await advance(env, 3 * PAUSE)

    env.inject_error("POST", "/channels/*/messages", status=status, code=code, message=message,
                     times=None)  # fmt: skip
    await advance(env, 20 * PAUSE)

    assert list(comments_in(thread)) == THREE[:3]
    assert len(message_posts(env)) == 1 + 3 + 1  # header, three comments, the refused one
    assert result.response.content.startswith(
        f"The replay stopped at comment **3.1.2** (3 of 17 posted in <#{thread.id}>): {reason}"
    )
    assert result.response.components == []
    env.backend.faults.clear()
    again = await mod.slash(world.channel, "thread", id="7")
    assert again.response.content.startswith("Replaying comment **7**")


async def test_discord_down_pauses_and_resume_goes_on(world, mod) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/messages", status=503, times=None)
    result = await mod.slash(world.channel, "thread", id="7")
    await advance(env, 1 + 2 + 4 + 8 + 16 + 32)
    thread = world.channel.threads[0]

    assert result.response.content == (
        f"Paused at comment **7** (0 of 5 posted in <#{thread.id}>): Discord kept failing"
        " (HTTP 503: Internal Server Error (injected by test)) while I posted the header, 7 times"
        " in a row. Press Resume to go on from there."
    )
    assert len(message_posts(env)) == 7
    env.backend.faults.clear()
    await mod.click(result.response, label="Resume")

    assert list(comments_in(thread)) == SEVEN
    assert result.response.content.startswith("Done: comment **7**")
    assert [t.id for t in world.channel.threads] == [thread.id]


async def test_a_rate_limit_is_waited_out_not_failed(world, mod) -> None:
    env = world.env
    env.inject_error("POST", "/channels/*/messages", status=429, times=8)
    result = await mod.slash(world.channel, "thread", id="7")
    assert result.response.content.endswith("Discord asked me to slow down; trying again in 5 s.")
    started = env.now()

    await advance(env, 600)

    assert result.response.content.startswith("Done: comment **7**")
    thread = world.channel.threads[0]
    assert list(comments_in(thread)) == SEVEN
    # Eight refusals of the header, more than a server error is allowed, each waited out with a
    # growing wait instead of a tight loop: 5 + 10 + 30 + 60 * 5 seconds.
    assert len(message_posts(env)) == 8 + len(thread.history())
    assert (thread.history()[0].created_at - started).total_seconds() == 345


@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_restart_resumes_without_duplicates(world, mod, settings: Settings) -> None:
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    thread = world.channel.threads[0]
    await advance(env, 5 * PAUSE)
    before = comments_in(thread)
    assert list(before) == THREE[:5]

    restarted = await restart(env, settings)
    try:
        await advance(env, 20 * PAUSE)
    finally:
        await restarted.close()

    found = comments_in(thread)
    assert list(found) == THREE
    assert_reply_links(found)
    # Replies posted after the restart link to messages posted before it.
    assert found["3.2"].reference.message_id == before["3"].id
    assert len(thread.history()) == len(message_posts(env))
    # The progress message belongs to the interaction of the old run; it is left as it was.
    assert result.response.content.endswith("5 of 17 posted.")


@pytest.mark.parametrize("pause", [PAUSE])
async def test_stop_still_works_after_a_restart(world, mod, settings: Settings) -> None:
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    await advance(env, 2 * PAUSE)
    restarted = await restart(env, settings)
    try:
        await advance(env, 2 * PAUSE)
        # The old progress message's Stop button names its job, so the new bot knows it.
        await mod.click(result.response, label="Stop")
        await advance(env, 5 * PAUSE)
    finally:
        await restarted.close()

    thread = world.channel.threads[0]
    assert list(comments_in(thread)) == THREE[:5]
    assert result.response.content == (
        f"Stopped at comment **3.1.4** (5 of 17 posted in <#{thread.id}>). What was posted stays."
    )


@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_message_posted_but_not_stored_before_a_crash_is_not_posted_again(
    world, mod, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = world.env
    record_part = jobs.JobStore.record_part
    hung: list[str] = []

    async def hang_after_posting_3_1(self, job, comment_id, part, message_id, **kwargs):
        if comment_id == "3.1" and not hung:
            hung.append(comment_id)
            # The bot freezes with 3.1 posted on Discord but not in the jobs database; the
            # restart below kills it there, as a crash would.
            await asyncio.sleep(3600)
        return await record_part(self, job, comment_id, part, message_id, **kwargs)

    monkeypatch.setattr(jobs.JobStore, "record_part", hang_after_posting_3_1)
    await mod.slash(world.channel, "thread", id="3")
    await advance(env, 2 * PAUSE)
    thread = world.channel.threads[0]
    assert list(comments_in(thread)) == ["3", "3.1"]

    restarted = await restart(env, settings)
    try:
        await advance(env, 20 * PAUSE)
    finally:
        await restarted.close()

    found = comments_in(thread)
    assert list(found) == THREE
    assert_reply_links(found)
    assert len(message_posts(env)) == len(thread.history())


@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_timed_out_post_is_retried_with_the_same_nonce(
    world, mod, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SimCord cannot time a request out; this stands in for aiohttp giving up before Discord
    # answered. (Had Discord created the message, the repeated nonce would make it return that
    # message instead of a second one; SimCord ignores nonces, so that half is Discord's.)
    env = world.env
    send_message = discord.http.HTTPClient.send_message
    attempts: list[str] = []

    def time_out_on_3_1(self, channel_id, *, params):
        assert params.payload["enforce_nonce"] is True
        attempts.append(params.payload["nonce"])
        if params.payload["content"].startswith("**3.1** ") and len(attempts) == 3:
            raise TimeoutError
        return send_message(self, channel_id, params=params)

    monkeypatch.setattr(discord.http.HTTPClient, "send_message", time_out_on_3_1)
    result = await mod.slash(world.channel, "thread", id="3")
    await advance(env, 2 * PAUSE)

    assert result.response.content.endswith("Discord did not answer in time; trying again in 1 s.")
    await advance(env, 20 * PAUSE)
    assert attempts[2] == attempts[3]
    assert len(set(attempts)) == len(attempts) - 1
    assert list(comments_in(world.channel.threads[0])) == THREE


@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_lost_progress_message_does_not_stop_the_replay(world, mod) -> None:
    # An interaction token lives 15 minutes; after that editing the progress message fails.
    env = world.env
    result = await mod.slash(world.channel, "thread", id="3")
    env.inject_error("PATCH", "/webhooks/*", status=404, code=10015, message="Unknown Webhook",
                     times=None)  # fmt: skip
    await advance(env, 20 * PAUSE)

    assert list(comments_in(world.channel.threads[0])) == THREE
    assert result.response.content.endswith("0 of 17 posted.")


async def test_archive_text_pings_nobody(tmp_path: Path, settings: Settings) -> None:
    text = ARCHIVE.read_text(encoding="utf-8")
    line = "You’re a real piece of work, els."
    assert text.count(line) == 1
    archive = tmp_path / "archive.txt"
    archive.write_text(text.replace(line, f"@everyone {line} @here"), encoding="utf-8")
    bot = create_bot(dataclasses.replace(settings, archive_paths=(archive,)))
    async with simcord.run(bot) as env:
        guild = env.create_guild(id=DEV_GUILD_ID)
        channel = guild.create_text_channel("general")
        role = guild.create_role("mods", permissions=discord.Permissions(manage_threads=True))
        mod = guild.add_member(env.create_user("mod"), roles=[role])
        await mod.slash(channel, "thread", id="3.2.9")
        thread = channel.threads[0]
        stored = env.backend.messages[thread.id]
    await bot.close()

    header, comment, _closing = thread.history()
    assert comment.content.startswith(f"**3.2.9** · depth 3\n@\u200beveryone {line} @\u200bhere")
    assert f"<@{mod.id}>" in header.content
    assert all(not m.mention_everyone and m.ping_user_ids == [] for m in stored.values())
    assert all(e.json["allowed_mentions"] == {"parse": []} for e in message_posts(env))


async def test_inside_a_thread_only_here_works(world, mod) -> None:
    await mod.slash(world.channel, "thread", id="6")
    thread = world.channel.threads[0]

    nested = await mod.slash(thread, "thread", id="7")
    here = await mod.slash(thread, "thread", id="7", here=True)

    assert nested.response.content.startswith("A thread cannot hold another thread")
    assert [type(e) for e in world.env.errors] == [UserFacingError]
    assert here.response.content.startswith("Done: comment **7**")
    assert list(comments_in(thread)) == ["6", "6.1", *SEVEN]
    assert len(world.channel.threads) == 1
