"""The store on real temporary databases: ingest, its guarantees, the schema and connections.

The queries have their own module, tests/test_queries.py.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
import simcord

from bench.synthetic import generate_page
from bot import Settings, create_bot
from bot.archive import queries, store
from bot.archive.store import (
    SCHEMA_VERSION,
    ArchiveError,
    ArchiveFormatError,
    StorageError,
    ingest,
    open_archive,
)

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "we-are-expelled.txt"
ARCHIVE_TEXT = ARCHIVE.read_text(encoding="utf-8")
# What a reader counts on the page (see test_parser for the outline itself).
PAGE_COUNTS = {"comments": 56, "pingbacks": 3, "placeholders": 3, "members": 26}


def with_extra_comment(text: str) -> str:
    """The page with a comment 19 added just before the comment form."""
    return text.replace(
        "\nLeave a Reply\n", "\n  19. A late comment about the convention.\n\nLeave a Reply\n"
    )


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A private copy of the real page, so that tests may change it."""
    path = tmp_path / "page.txt"
    path.write_bytes(ARCHIVE.read_bytes())
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    # A directory of its own, so that a leftover temporary file would show in its listing.
    return tmp_path / "data" / "archive.db"


@pytest.fixture
async def db(page: Path, db_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    await ingest(page, db_path)
    connection = await open_archive(db_path)
    yield connection
    await connection.close()


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA user_version").fetchone()[0]


# --- ingest ----------------------------------------------------------------------------------


async def test_ingest_builds_the_database(page: Path, db_path: Path) -> None:
    report = await ingest(page, db_path)
    assert report.changed
    assert report.path == page
    assert report.sha256 == hashlib.sha256(page.read_bytes()).hexdigest()
    assert report.counts == PAGE_COUNTS
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["archive.db"]
    assert user_version(db_path) == SCHEMA_VERSION


async def test_ingest_reports_progress_up_to_the_whole_page(tmp_path: Path, db_path: Path) -> None:
    page = tmp_path / "big.txt"
    page.write_text(generate_page(4_500, seed=3), encoding="utf-8")
    size = page.stat().st_size
    calls: list[tuple[int, int]] = []
    report = await ingest(page, db_path, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1, "a page this size is written in several batches"
    assert [total for _, total in calls] == [size] * len(calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] <= size
    assert sum(report.counts[kind] for kind in ("comments", "pingbacks", "placeholders")) == 4_500


async def test_same_file_again_is_a_noop_that_says_so(page: Path, db_path: Path) -> None:
    await ingest(page, db_path)
    before = db_path.stat()
    content = db_path.read_bytes()
    report = await ingest(page, db_path)
    assert not report.changed
    assert report.counts == PAGE_COUNTS
    # Not rebuilt and swapped in: the very same file, untouched.
    assert db_path.stat().st_ino == before.st_ino
    assert db_path.read_bytes() == content


async def test_same_text_at_another_path_is_also_a_noop(
    page: Path, db_path: Path, tmp_path: Path
) -> None:
    await ingest(page, db_path)
    copy = tmp_path / "copy.txt"
    copy.write_bytes(page.read_bytes())
    assert not (await ingest(copy, db_path)).changed


async def test_changed_file_rebuilds(page: Path, db_path: Path) -> None:
    first = await ingest(page, db_path)
    page.write_text(with_extra_comment(ARCHIVE_TEXT), encoding="utf-8")
    second = await ingest(page, db_path)
    assert second.changed
    assert second.sha256 != first.sha256
    assert second.counts == {**PAGE_COUNTS, "comments": PAGE_COUNTS["comments"] + 1}
    db = await open_archive(db_path)
    try:
        late = await queries.get_comment(db, "19")
    finally:
        await db.close()
    assert late is not None and late.body == "A late comment about the convention."


async def test_new_parser_version_rebuilds_the_same_file(
    page: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ingest(page, db_path)
    monkeypatch.setattr(store, "PARSER_VERSION", store.PARSER_VERSION + 1)
    assert (await ingest(page, db_path)).changed
    assert not (await ingest(page, db_path)).changed


async def test_a_page_that_does_not_parse_leaves_the_previous_database(
    page: Path, db_path: Path
) -> None:
    await ingest(page, db_path)
    previous = db_path.read_bytes()
    page.write_text(ARCHIVE_TEXT.replace("82 thoughts on", "Comments on"), encoding="utf-8")
    with pytest.raises(ArchiveFormatError) as caught:
        await ingest(page, db_path)
    assert str(caught.value).startswith(f"{page}: no comment section")
    assert db_path.read_bytes() == previous
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["archive.db"]


async def test_a_failure_while_writing_leaves_the_previous_database(
    page: Path, db_path: Path
) -> None:
    await ingest(page, db_path)
    previous = db_path.read_bytes()
    page.write_text(with_extra_comment(ARCHIVE_TEXT), encoding="utf-8")
    written: list[int] = []

    def fail_midway(done: int, total: int) -> None:
        # Rows are in the temporary database by now; the FTS index is not.
        written.append(done)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        await ingest(page, db_path, progress=fail_midway)
    assert written, "the ingest must have failed while writing, not before"
    assert db_path.read_bytes() == previous
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["archive.db"]
    db = await open_archive(db_path)
    try:
        assert await queries.get_comment(db, "19") is None
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.txt", None, "file not found"),
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b" \n\n\t\n", "the file is empty"),
        (
            "binary.bin",
            b"SQLite format 3\x00\x10\x00\x01\x01",
            "binary data, not an archive",
        ),
        ("latin1.txt", "Héctor A. (New York City)".encode("latin-1"), "not UTF-8 text"),
        ("a-directory", "dir", "is a directory, not an archive file"),
    ],
)
async def test_bad_inputs_fail_with_one_line_naming_file_and_problem(
    tmp_path: Path, db_path: Path, name: str, content: bytes | str | None, problem: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(ArchiveError) as caught:
        await ingest(path, db_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {problem}")
    assert "\n" not in message
    assert not db_path.exists()


async def test_non_utf8_message_points_at_the_bad_byte(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"ok so far \xe9")
    with pytest.raises(ArchiveError, match=r"bad byte at offset 10\)$"):
        await ingest(path, db_path)


async def test_utf8_byte_order_mark_is_not_part_of_the_title(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ARCHIVE.read_bytes())
    await ingest(path, db_path)
    db = await open_archive(db_path)
    try:
        assert (await queries.get_post(db)).title == "We are expelled\u00a0(Updated)"
    finally:
        await db.close()


async def test_ingest_rebuilds_over_a_damaged_database(page: Path, db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"this is not SQLite" * 100)
    report = await ingest(page, db_path)
    assert report.changed
    assert user_version(db_path) == SCHEMA_VERSION


# --- schema and connections ------------------------------------------------------------------


async def test_schema_holds_every_table_and_its_version(page: Path, db_path: Path) -> None:
    await ingest(page, db_path)
    assert user_version(db_path) == SCHEMA_VERSION
    with sqlite3.connect(db_path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"source", "post", "resolution", "member", "comment", "comment_fts"} <= names
    assert "comment_vocab" in names


async def test_open_archive_refuses_an_older_schema_and_ingest_rebuilds_it(
    page: Path, db_path: Path
) -> None:
    await ingest(page, db_path)
    with sqlite3.connect(db_path) as connection:
        connection.execute("PRAGMA user_version = 0")
    with pytest.raises(ArchiveError) as caught:
        await open_archive(db_path)
    assert str(caught.value) == (
        f"{db_path}: schema version 0, expected {SCHEMA_VERSION};"
        " run `python -m bot ingest` to rebuild it"
    )
    assert (await ingest(page, db_path)).changed
    assert user_version(db_path) == SCHEMA_VERSION


async def test_open_archive_without_a_database(db_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no archive database; run `python -m bot ingest`"):
        await open_archive(db_path)


async def test_open_archive_on_a_file_that_is_not_a_database(db_path: Path) -> None:
    # Used to escape as sqlite3.DatabaseError and leave the connection's thread running,
    # which kept the process from exiting.
    db_path.parent.mkdir()
    db_path.write_bytes(b"garbage" * 1000)
    with pytest.raises(ArchiveError, match="not an archive database"):
        await open_archive(db_path)


async def test_open_archive_is_read_only(db: aiosqlite.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.execute("DELETE FROM comment")
    assert (await queries.archive_counts(db)) == PAGE_COUNTS


# --- damage, leftovers and the fast path -------------------------------------------------------


def damage(db_path: Path, pages: range) -> None:
    """Overwrite whole pages of the file with garbage, the way a bad disk or a stray write does."""
    page_size = 4096
    with db_path.open("r+b") as file:
        for page in pages:
            file.seek(page * page_size)
            file.write(bytes((page * 37 + n) % 251 for n in range(page_size)))


async def test_ingest_rebuilds_a_database_with_damaged_pages(page: Path, db_path: Path) -> None:
    await ingest(page, db_path)
    damage(db_path, range(3, 6))

    report = await ingest(page, db_path)

    assert report.changed
    db = await open_archive(db_path)
    try:
        async with db.execute("PRAGMA integrity_check") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [("ok",)]
        assert [c.id for c in await queries.subtree(db, "3.2")][:2] == ["3.2", "3.2.1"]
    finally:
        await db.close()
    assert not (await ingest(page, db_path)).changed


async def test_the_bot_starts_over_a_damaged_database_and_answers(
    settings: Settings, page: Path
) -> None:
    settings = dataclasses.replace(settings, archive_paths=(page,))
    await ingest(page, settings.database_path)
    damage(settings.database_path, range(2, 8))

    bot = create_bot(settings)
    async with simcord.run(bot) as env:
        guild = env.create_guild(id=settings.dev_guild_id)
        channel = guild.create_text_channel("general")
        member = guild.add_member(env.create_user("reader"))
        result = await member.slash(channel, "comment", id="3.2.9")
    await bot.close()

    [embed] = result.response.embeds
    assert "You’re a real piece of work, els." in (embed.description or "")


async def test_a_killed_ingests_leftover_is_removed_by_the_next(page: Path, db_path: Path) -> None:
    await ingest(page, db_path)
    leftover = db_path.parent / ".archive.db.k1ll3d.building"
    leftover.write_bytes(b"half a database" * 1000)

    assert not (await ingest(page, db_path)).changed

    assert sorted(p.name for p in db_path.parent.iterdir()) == ["archive.db"]


async def test_an_unchanged_file_is_not_read_again(
    page: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ingest(page, db_path)

    def no_reading(path: Path) -> str:
        raise AssertionError(f"{path} was read although its size and mtime are unchanged")

    monkeypatch.setattr(store, "_sha256_of", no_reading)
    monkeypatch.setattr(store, "read_page", no_reading)
    assert not (await ingest(page, db_path)).changed


async def test_a_touched_but_identical_file_is_hashed_not_rebuilt(
    page: Path, db_path: Path
) -> None:
    await ingest(page, db_path)
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    assert not (await ingest(page, db_path)).changed


async def test_same_size_and_new_content_rebuilds(page: Path, db_path: Path) -> None:
    await ingest(page, db_path)
    page.write_text(ARCHIVE_TEXT.replace("snitch", "snatch"), encoding="utf-8")

    report = await ingest(page, db_path)

    assert report.changed
    assert report.sha256 == hashlib.sha256(page.read_bytes()).hexdigest()


# --- where the database goes -------------------------------------------------------------------


def assert_one_line(error: pytest.ExceptionInfo[ArchiveError], *parts: str) -> None:
    message = str(error.value)
    assert "\n" not in message
    for part in parts:
        assert part in message


async def test_database_path_that_is_a_folder(page: Path, db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(StorageError) as caught:
        await ingest(page, db_path)
    assert_one_line(caught, str(db_path), "is a folder", "DATABASE_PATH")


async def test_database_path_under_a_regular_file(page: Path, tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    db_path = tmp_path / "data" / "sub" / "archive.db"
    with pytest.raises(StorageError) as caught:
        await ingest(page, db_path)
    assert_one_line(caught, str(tmp_path / "data"), "is a file, not a folder", "DATABASE_PATH")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
async def test_database_in_a_read_only_folder(page: Path, db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.parent.chmod(0o555)
    try:
        with pytest.raises(StorageError) as caught:
            await ingest(page, db_path)
    finally:
        db_path.parent.chmod(0o755)
    assert_one_line(caught, str(db_path.parent), "cannot write there", "DATABASE_PATH")


async def test_a_folder_that_refuses_writes_is_named(
    page: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test suite may run as root, whom chmod does not stop: give the error the OS gives.
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(store.tempfile, "mkstemp", refuse)
    with pytest.raises(StorageError) as caught:
        await ingest(page, db_path)
    assert_one_line(caught, str(db_path.parent), "cannot write there", "DATABASE_PATH")


async def test_a_full_disk_is_named_and_leaves_nothing(
    page: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's page limit fails the build with the very error a full disk gives (SQLITE_FULL).
    monkeypatch.setattr(
        store, "_BUILD_PRAGMAS", (*store._BUILD_PRAGMAS, "PRAGMA max_page_count = 8")
    )
    with pytest.raises(StorageError) as caught:
        await ingest(page, db_path)
    assert_one_line(caught, str(db_path.parent), "the disk is full", "DATABASE_PATH")
    assert list(db_path.parent.iterdir()) == []


def test_cli_ingest_under_a_regular_file_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    database = tmp_path / "file" / "archive.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DISCORD_TOKEN": "", "DATABASE_PATH": str(database)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"archive-bot: {database}: {tmp_path / 'file'} is a file, not a folder")


async def test_a_serving_connection_keeps_its_archive_while_ingest_swaps_in_the_next(
    page: Path, db_path: Path
) -> None:
    await ingest(page, db_path)
    serving = await open_archive(db_path)
    try:
        page.write_text(with_extra_comment(ARCHIVE_TEXT), encoding="utf-8")
        assert (await ingest(page, db_path)).changed
        # The open connection reads the file it opened, whole; a new one reads the new file.
        assert await queries.get_comment(serving, "19") is None
        assert await queries.subtree(serving, "3.2") != []
        fresh = await open_archive(db_path)
        try:
            assert await queries.get_comment(fresh, "19") is not None
        finally:
            await fresh.close()
    finally:
        await serving.close()


async def test_an_untouched_database_is_trusted_a_written_one_is_checked(
    page: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ingest(page, db_path)
    checked: list[Path] = []
    real_damage = store._damage

    async def spy(db: aiosqlite.Connection) -> str | None:
        checked.append(db_path)
        return await real_damage(db)

    monkeypatch.setattr(store, "_damage", spy)
    assert not (await ingest(page, db_path)).changed
    assert checked == [], "an untouched database is not read page by page at start"

    # Any write through the file system moves the mtime, even one that leaves the bytes alike.
    db_path.write_bytes(db_path.read_bytes())
    assert not (await ingest(page, db_path)).changed
    assert checked == [db_path]
    # Found sound, it is trusted again.
    assert not (await ingest(page, db_path)).changed
    assert checked == [db_path]
