"""The bot over several shards (SHARD_COUNT, SHARD_IDS); several processes over one set of files.

SimCord hosts one bot per event loop, so "two processes" are two bot instances run one after the
other over the same archive and jobs databases, each over its own shard range: the jobs each one
resumes show that a process takes only the replays of servers on its own shards. (That two live
processes never claim the same job is shown on the jobs store itself, in test_replay_faults.)
"""

from __future__ import annotations

import dataclasses

import discord
import pytest
import simcord

from bot import ArchiveBot, Settings
from tests.conftest import DEV_GUILD_ID, World, restart
from tests.test_thread import PAUSE, THREE, advance, comments_in

COUNT = 2
DEV_SHARD = (DEV_GUILD_ID >> 22) % COUNT
OTHER_SHARD = 1 - DEV_SHARD


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, shard_count=COUNT)


@dataclasses.dataclass
class Server:
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    mod: simcord.MemberActor


def server(
    env: simcord.Env, guild: simcord.GuildHandle, channel: simcord.ChannelHandle | None = None
) -> Server:
    channel = channel or guild.create_text_channel("general")
    role = guild.create_role("mods", permissions=discord.Permissions(manage_threads=True))
    mod = guild.add_member(env.create_user(f"mod-{guild.id}"), roles=[role])
    return Server(guild, channel, mod)


async def two_servers(world: World) -> tuple[Server, Server]:
    """The dev server (on DEV_SHARD) and one on the other shard, with the commands published to
    every server as `python -m bot sync` does."""
    await world.bot.tree.sync()
    other = world.env.create_guild("Other readers", shard_id=OTHER_SHARD)
    return server(world.env, world.guild, world.channel), server(world.env, other)


async def test_one_process_serves_every_shard(world: World) -> None:
    dev, other = await two_servers(world)
    bot = world.bot

    assert isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, sorted(bot.shards)) == (COUNT, [0, 1])
    for place, shard in ((dev, DEV_SHARD), (other, OTHER_SHARD)):
        assert bot.get_guild(place.guild.id).shard_id == shard
        result = await place.mod.slash(place.channel, "comment", id="3.2")
        assert "3.2" in (result.response.embeds[0].title or "")


@pytest.mark.parametrize("pause", [PAUSE])
async def test_each_process_resumes_only_the_replays_of_its_shards(
    world: World, settings: Settings
) -> None:
    env = world.env
    dev, other = await two_servers(world)
    for place in (dev, other):
        await place.mod.slash(place.channel, "thread", id="3")
    await advance(env, 3 * PAUSE)
    dev_thread, other_thread = dev.channel.threads[0], other.channel.threads[0]
    assert len(comments_in(dev_thread)) == len(comments_in(other_thread)) == 3

    # The process is split in two, one per shard; the first to start serves the dev server.
    first = await restart(env, dataclasses.replace(settings, shard_ids=(DEV_SHARD,)))
    try:
        assert isinstance(first, ArchiveBot) and first.get_guild(other.guild.id) is None
        await advance(env, 20 * PAUSE)
    finally:
        await first.close()
    assert list(comments_in(dev_thread)) == THREE
    assert list(comments_in(other_thread)) == THREE[:3]

    second = await restart(env, dataclasses.replace(settings, shard_ids=(OTHER_SHARD,)))
    try:
        await advance(env, 20 * PAUSE)
    finally:
        await second.close()
    # Each replay finished once, by the process of its server's shard: nothing posted twice.
    assert list(comments_in(dev_thread)) == THREE
    assert list(comments_in(other_thread)) == THREE
