"""Several archives: settings, names, one database each, and the bot's archive set."""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
from pathlib import Path

import aiosqlite
import pytest
import simcord

from bot import create_bot
from bot.archive import library, queries
from bot.archive.library import ArchiveSet, archive_names, database_paths, slug
from bot.config import ConfigError, Settings
from tests.conftest import ARCHIVE, DEV_GUILD_ID


def test_archive_path_lists_files_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "b.txt", tmp_path / "a.xml"
    settings = Settings.from_env({"ARCHIVE_PATH": f"{first}{os.pathsep}{second}"})
    assert settings.archive_paths == (first, second)
    assert settings.archive_path == first


def test_archive_path_folder_holds_its_archives_by_name(tmp_path: Path) -> None:
    shutil.copy(ARCHIVE, tmp_path / "b.txt")
    (tmp_path / "README.md").write_text("# Our exports\n\nSee below.\n", encoding="utf-8")
    (tmp_path / "a.xml").write_text('<disqus xmlns="http://disqus.com"></disqus>', encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01binary")
    (tmp_path / ".hidden.txt").write_text("page\n", encoding="utf-8")
    settings = Settings.from_env({"ARCHIVE_PATH": str(tmp_path)})
    assert settings.archive_paths == (tmp_path / "a.xml", tmp_path / "b.txt")


def test_archive_path_folder_without_archives_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ARCHIVE_PATH names no archive file"):
        Settings.from_env({"ARCHIVE_PATH": str(tmp_path)})


def test_names_come_from_titles_then_file_names_then_numbers() -> None:
    names = archive_names(
        [
            ("We Are Expelled!", Path("page.txt")),
            ("My Blog", Path("blog-2019.xml")),
            ("My blog", Path("x/blog-2019.xml")),
            ("Ünïcode Café — talk", Path("c.xml")),
        ]
    )
    assert names == ["we-are-expelled", "blog-2019", "blog-2019-2", "unicode-cafe-talk"]
    assert len(slug("a" * 80)) == 32


def test_each_other_archive_gets_its_own_database_beside_the_first() -> None:
    paths = database_paths(
        [Path("page.txt"), Path("Blog Export.xml"), Path("other/Blog Export.xml")],
        Path("/data/archive.db"),
    )
    assert paths == [
        Path("/data/archive.db"),
        Path("/data/archive-blog-export.db"),
        Path("/data/archive-blog-export-2.db"),
    ]


async def test_archive_set_opens_every_archive_read_only(tmp_path: Path) -> None:
    copy = tmp_path / "copy of the page.txt"
    shutil.copy(ARCHIVE, copy)
    archives = await ArchiveSet.open((ARCHIVE, copy), tmp_path / "archive.db")
    try:
        assert [a.name for a in archives] == ["we-are-expelled", "copy-of-the-page"]
        assert archives.default.path == ARCHIVE
        assert archives.get(" Copy-Of-The-Page ") is not None
        assert archives.get("nope") is None
        second = archives.get("copy-of-the-page")
        assert second is not None and second.db_path == tmp_path / "archive-copy-of-the-page.db"
        assert second.has_resolution and second.discussions == 1
        assert second.counts == archives.default.counts
        async with second.db.execute("SELECT count(*) FROM comment") as cursor:
            assert (await cursor.fetchone()) == (
                second.counts["comments"]
                + second.counts["pingbacks"]
                + second.counts["placeholders"],
            )
    finally:
        await archives.close()


async def test_a_discussion_is_read_once_while_its_archive_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenants = Path(__file__).parent / "fixtures" / "exports" / "tenants.wxr.xml"
    archives = await ArchiveSet.open((tenants,), tmp_path / "archive.db")
    trips = 0
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        nonlocal trips
        trips += 1
        return await execute(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    monkeypatch.setattr(library, "DISCUSSIONS_KEPT", 1)
    try:
        archive = archives.default
        assert archive.discussions == 2
        first = await archive.discussion(1)
        assert first == await queries.get_discussion(archive.db, 1)
        trips = 0
        assert await archive.discussion(1) is first
        assert trips == 0
        # A number that is not there is asked again: any number can be typed.
        assert await archive.discussion(3) is None
        assert await archive.discussion(3) is None
        assert trips == 2
        # Past the bound the oldest is dropped, and read again when asked for.
        second = await archive.discussion(2)
        assert second is not None and second.number == 2
        trips = 0
        assert await archive.discussion(1) == first
        assert trips == 1
    finally:
        await archives.close()


async def test_a_bad_other_archive_is_left_out_the_default_must_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<html>not an export</html>", encoding="utf-8")
    archives = await ArchiveSet.open((ARCHIVE, bad), tmp_path / "archive.db")
    try:
        assert len(archives) == 1
    finally:
        await archives.close()
    with pytest.raises(Exception, match="bad.xml"):
        await ArchiveSet.open((bad, ARCHIVE), tmp_path / "archive.db")


def test_the_archive_layer_imports_no_discord_and_no_render() -> None:
    # The archive layer is data only: Discord and its markdown belong to bot.render and the cogs.
    forbidden = ("discord", "bot.render", "bs4", "markdownify")
    archive = Path(__file__).resolve().parents[1] / "bot" / "archive"
    found = []
    for module in archive.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{module.name}: {n}" for n in names if n.startswith(forbidden)]
    assert found == []


async def test_the_bot_serves_every_archive_and_the_first_answers_by_default(
    settings: Settings,
) -> None:
    wxr = Path(__file__).parent / "fixtures" / "exports" / "wordpress-1.0.wxr.xml"
    bot = create_bot(dataclasses.replace(settings, archive_paths=(ARCHIVE, wxr)))
    async with simcord.run(bot) as env:
        guild = env.create_guild("Readers", id=DEV_GUILD_ID)
        channel = guild.create_text_channel("general")
        member = guild.add_member(env.create_user("reader"))
        result = await member.slash(channel, "comment", id="3.2")
        archives = [(a.name, a.format, a.discussions, a.has_resolution) for a in bot.archives]
        blog = bot.archives.get("quirky-blog")
        assert blog is not None
        bea = await queries.get_comment(blog.db, "2.1", 1)
        default_db = bot.db is bot.archives.default.db
    await bot.close()

    assert archives == [
        ("we-are-expelled-updated", "page", 1, True),
        ("quirky-blog", "wxr", 1, False),
    ]
    assert default_db
    assert result.response.embeds[0].title == "Comment 3.2"
    assert bea is not None and bea.author == "Bea"
