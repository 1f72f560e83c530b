"""Several archives in one bot: /archive list and use, the archive option and its autocomplete."""

from __future__ import annotations

import shutil
from pathlib import Path

import discord
import pytest
import simcord
from conftest import ARCHIVE, World

from bot import Settings
from bot.errors import UserFacingError


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # Two archives: the page, and the same page under another file name (same title, so both
    # are named after their files).
    second = tmp_path / "second-copy.txt"
    shutil.copy(ARCHIVE, second)
    return Settings(**{**_fields(settings), "archive_paths": (ARCHIVE, second)})


def _fields(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in Settings.__dataclass_fields__}


@pytest.fixture
def admin(world: World) -> simcord.MemberActor:
    """A member with Manage Server, who may choose the server's default archive."""
    role = world.guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    return world.guild.add_member(world.env.create_user("admin"), roles=[role])


async def test_archive_list_shows_each_archive_with_its_name_and_counts(world: World) -> None:
    result = await world.member.slash(world.channel, "archive list")

    assert result.ephemeral
    text = result.response.embeds[0].description
    assert "`we-are-expelled` (the default)" in text
    assert "`second-copy`" in text
    assert "56 comments · 3 pingbacks · 3 placeholders · 26 members" in text
    assert result.response.embeds[0].title == "2 archives"


async def test_a_moderator_chooses_the_server_default(world: World, admin) -> None:
    chosen = await admin.slash(world.channel, "archive use", name="second-copy")

    assert chosen.ephemeral
    assert "now read" in chosen.response.content and "`second-copy`" in chosen.response.content
    listed = await world.member.slash(world.channel, "archive list")
    text = listed.response.embeds[0].description
    assert "`second-copy` (this server's default)" in text
    assert "(the default)" not in text


async def test_a_member_cannot_choose_the_server_default(world: World) -> None:
    refused = await world.member.slash(world.channel, "archive use", name="second-copy")

    assert refused.ephemeral
    assert refused.response.content == "You need the **Manage Server** permission to do that."
    assert await world.bot.guild_archives.get(world.guild.id) is None
    assert [type(e) for e in world.env.errors] == [discord.app_commands.MissingPermissions]


async def test_an_unknown_archive_is_told_the_names_to_type(world: World, admin) -> None:
    refused = await admin.slash(world.channel, "archive use", name="@everyone blog")

    assert refused.ephemeral
    assert "There is no archive called “@\u200beveryone blog”" in refused.response.content
    assert "`we-are-expelled`, `second-copy`" in refused.response.content
    assert [type(getattr(e, "original", e)) for e in world.env.errors] == [UserFacingError]


async def test_archive_autocomplete_offers_titles_and_sends_names(world: World, admin) -> None:
    everything = await admin.autocomplete(world.channel, "archive use", "name", "")
    by_name = await admin.autocomplete(world.channel, "archive use", "name", "second")

    assert [c["value"] for c in everything] == ["we-are-expelled", "second-copy"]
    assert {c["name"] for c in everything} == {"We are expelled (Updated)"}
    assert [c["value"] for c in by_name] == ["second-copy"]
