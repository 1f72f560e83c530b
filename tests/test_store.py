"""The store on real temporary databases: ingest, its guarantees, the schema, and the queries."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bench.synthetic import generate_page
from bot.archive import queries, store
from bot.archive.models import CommentKind
from bot.archive.parser import parse_page
from bot.archive.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    ArchiveError,
    ArchiveFormatError,
    ingest,
    open_archive,
)
from bot.migrations import migrate

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


async def test_ingest_reports_progress_up_to_every_comment(tmp_path: Path, db_path: Path) -> None:
    page = tmp_path / "big.txt"
    page.write_text(generate_page(4_500, seed=3), encoding="utf-8")
    calls: list[tuple[int, int]] = []
    await ingest(page, db_path, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1, "a page this size is written in several batches"
    assert [total for _, total in calls] == [4_500] * len(calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == 4_500


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
            "binary data, not the text of a page",
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


async def test_migrate_brings_a_version_0_database_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as db:
        await migrate(db, MIGRATIONS, "archive database")
        # Running it again on a current database must change nothing.
        await migrate(db, MIGRATIONS, "archive database")
    assert user_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as connection:
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


# --- queries ---------------------------------------------------------------------------------


async def test_post_and_resolution_round_trip(db: aiosqlite.Connection) -> None:
    archive = parse_page(ARCHIVE_TEXT)
    assert await queries.get_post(db) == archive.post
    assert await queries.get_resolution(db) == archive.resolution


async def test_members_in_page_order(db: aiosqlite.Connection) -> None:
    members = await queries.list_members(db)
    assert len(members) == 26
    assert (members[0].name, members[1].name, members[-1].name) == (
        "Jonah B.",
        "Héctor A.",
        "Rigo G.",
    )
    assert [m.position for m in members] == list(range(1, 27))


@pytest.mark.parametrize("city", ["New York City", "new york city", "NEW YORK CITY"])
async def test_members_by_city_ignore_letter_case(db: aiosqlite.Connection, city: str) -> None:
    members = await queries.list_members(db, city)
    assert [m.name for m in members] == [
        "Jonah B.",
        "Héctor A.",
        "Sherry W.",
        "Keegan O.",
        "Nisha B.",
    ]
    assert {m.city for m in members} == {"New York City"}


async def test_members_of_an_unknown_city(db: aiosqlite.Connection) -> None:
    assert await queries.list_members(db, "Paris") == []


async def test_city_counts_most_members_first_then_by_name(db: aiosqlite.Connection) -> None:
    assert await queries.city_counts(db) == [
        ("Boston", 6),
        ("New York City", 5),
        ("Atlanta", 4),
        ("Chicago", 3),
        ("Madison", 2),
        ("San Diego", 2),
        ("Amherst", 1),
        ("Bay Area", 1),
        ("Greensboro", 1),
        ("Poughkeepsie", 1),
    ]


async def test_get_comment(db: aiosqlite.Connection) -> None:
    reply = await queries.get_comment(db, "3.2.9")
    assert reply is not None
    assert (reply.parent_id, reply.depth, reply.kind) == ("3.2", 3, CommentKind.COMMENT)
    assert reply.body.startswith("You’re a real piece of work, els.")
    pingback = await queries.get_comment(db, "13")
    assert pingback is not None and pingback.kind is CommentKind.PINGBACK
    assert pingback.link_site == "External Bulletin"
    placeholder = await queries.get_comment(db, "1.1")
    assert placeholder is not None and not placeholder.in_archive


@pytest.mark.parametrize("unknown", ["99", "3.2.10", "", "3.", "%", "1.1.1.1"])
async def test_get_comment_unknown_is_none(db: aiosqlite.Connection, unknown: str) -> None:
    assert await queries.get_comment(db, unknown) is None


async def test_subtree_in_page_order(db: aiosqlite.Connection) -> None:
    assert [c.id for c in await queries.subtree(db, "3.2")] == [
        "3.2",
        *(f"3.2.{n}" for n in range(1, 10)),
    ]
    whole = [c.id for c in await queries.subtree(db, "3")]
    assert whole[0] == "3" and len(whole) == 17 and whole[-1] == "3.3"


async def test_subtree_of_1_does_not_take_comments_10_to_18(db: aiosqlite.Connection) -> None:
    ids = [c.id for c in await queries.subtree(db, "1")]
    assert ids == ["1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2", "1.2.1"]


async def test_subtree_of_a_leaf_and_of_nothing(db: aiosqlite.Connection) -> None:
    assert [c.id for c in await queries.subtree(db, "2")] == ["2"]
    assert await queries.subtree(db, "99") == []


@pytest.mark.parametrize(
    ("comment_id", "count"),
    [("1", 8), ("3", 16), ("3.2", 9), ("3.2.9", 0), ("0", 3), ("10", 3), ("2", 0), ("99", 0)],
)
async def test_descendant_count(db: aiosqlite.Connection, comment_id: str, count: int) -> None:
    assert await queries.descendant_count(db, comment_id) == count


async def test_ancestors_root_first(db: aiosqlite.Connection) -> None:
    assert [c.id for c in await queries.ancestors(db, "3.2.9")] == ["3", "3.2"]
    through_gap = await queries.ancestors(db, "7.1.2")
    assert [(c.id, c.kind) for c in through_gap] == [
        ("7", CommentKind.COMMENT),
        ("7.1", CommentKind.PLACEHOLDER),
    ]
    assert await queries.ancestors(db, "3") == []


async def test_complete_ids_exact_first_then_prefix_in_page_order(
    db: aiosqlite.Connection,
) -> None:
    ids = [c.id for c in await queries.complete_comment_ids(db, "1")]
    # "1" itself, then ids starting with "1" in page order (its replies, then 10-18), cut at
    # the default limit of 25 before any body that merely contains a "1".
    assert ids == [
        "1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2", "1.2.1",
        "10", "10.1", "10.1.1", "10.1.2", "11", "12", "12.1", "12.1.1", "13",
        "14", "14.1", "14.1.1", "14.2", "14.2.1", "14.2.2", "15",
    ]  # fmt: skip


async def test_complete_ids_exact_match_before_longer_ids(db: aiosqlite.Connection) -> None:
    ids = [c.id for c in await queries.complete_comment_ids(db, "3.2", limit=3)]
    assert ids == ["3.2", "3.2.1", "3.2.2"]


async def test_complete_ids_fall_back_to_bodies(db: aiosqlite.Connection) -> None:
    # Read off the page: "Snitch-jacketing" (0.1), "snitches" (6), "snitch-jacketing" (6.1).
    ids = [c.id for c in await queries.complete_comment_ids(db, "SNITCH")]
    assert ids == ["0.1", "6", "6.1"]


@pytest.mark.parametrize(("typed", "expected"), [("%", ["6"]), ("_", []), ("\\", [])])
async def test_complete_ids_take_like_wildcards_literally(
    db: aiosqlite.Connection, typed: str, expected: list[str]
) -> None:
    # Only comment 6 has a literal '%' ("my 100% support"); no comment has '_' or '\'.
    assert [c.id for c in await queries.complete_comment_ids(db, typed)] == expected


async def test_complete_ids_when_nothing_is_typed(db: aiosqlite.Connection) -> None:
    top_level = [c.id for c in await queries.complete_comment_ids(db, "  ")]
    assert top_level == [str(n) for n in range(19)]
    assert len(await queries.complete_comment_ids(db, "", limit=5)) == 5


async def test_archive_counts(db: aiosqlite.Connection) -> None:
    assert await queries.archive_counts(db) == PAGE_COUNTS
