"""Archive text that holds mentions and markdown is shown literally and pings nobody."""

from __future__ import annotations

import dataclasses

import discord
import pytest
from conftest import ARCHIVE, World

PLANTED = "@everyone <@123> <@&456> **loud** `code` _x_"


@pytest.fixture
def settings(settings, tmp_path):
    """The real archive with mentions and markdown planted at the start of comment 3.2."""
    text = ARCHIVE.read_text(encoding="utf-8").replace(
        "Violation of democratic centralism?", f"{PLANTED} Violation of democratic centralism?"
    )
    archive = tmp_path / "hostile.txt"
    archive.write_text(text, encoding="utf-8")
    return dataclasses.replace(settings, archive_paths=(archive,))


def _pinged(world: World) -> list[object]:
    """What each message the bot sent allowed Discord to ping."""
    return [
        (r.json.get("data") or r.json).get("allowed_mentions")
        for r in world.env.http_requests
        if r.method in ("POST", "PATCH")
        and isinstance(r.json, dict)
        and ("/callback" in r.path or r.path.endswith("/messages"))
    ]


async def test_comment_with_mentions_is_literal_and_pings_nobody(world: World) -> None:
    result = await world.member.slash(world.channel, "comment", id="3.2")

    message = result.response.message
    body = message.embeds[0].description
    # A zero-width space after "@" and "<" stops each mention; backslashes show the markdown.
    assert body.startswith(
        "@\u200beveryone <\u200b@123\\> <\u200b@&456\\> \\*\\*loud\\*\\* \\`code\\` \\_x\\_"
    )
    assert not message.mention_everyone
    assert message.mentions == [] and message.role_mentions == []
    assert _pinged(world) and all(p == {"parse": []} for p in _pinged(world))


async def test_search_snippet_with_mentions_is_literal(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="loud")

    description = result.response.embeds[0].description
    assert "@\u200beveryone" in description and "<\u200b@123\\>" in description
    assert "\\*\\***loud**\\*\\*" in description


async def test_thread_named_after_a_comment_with_mentions_shows_them_literally(
    world: World,
) -> None:
    role = world.guild.create_role(
        "moderators", permissions=discord.Permissions(manage_threads=True)
    )
    mod = world.guild.add_member(world.env.create_user("mod"), roles=[role])

    await mod.slash(world.channel, "thread", id="3.2")

    [thread] = world.channel.threads
    # It reads the same, but Discord no longer sees a mention in it.
    assert thread.name.replace("\u200b", "").startswith("3.2 · @everyone <@123> <@&456> **loud**")
    assert "@everyone" not in thread.name and "<@" not in thread.name
    [created] = [m for m in world.channel.history() if m.type is discord.MessageType.thread_created]
    assert created.content == thread.name
    assert not created.mention_everyone
    assert created.raw_mentions == [] and created.raw_role_mentions == []


async def test_comment_choices_show_mentions_literally(world: World) -> None:
    [choice] = await world.member.autocomplete(world.channel, "comment", "id", "loud")

    assert choice["value"] == "3.2"
    assert choice["name"].startswith("3.2 — @\u200beveryone <\u200b@123> <\u200b@&456> **loud**")
