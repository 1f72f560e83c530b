"""The archive's queries, on a database ingested from the real page: answers and query plans."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
import pytest

from bot.archive import queries
from bot.archive.models import CommentKind
from bot.archive.parser import parse_page
from tests.conftest import context, nearest

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "we-are-expelled.txt"
ARCHIVE_TEXT = ARCHIVE.read_text(encoding="utf-8")
PAGE_COUNTS = {"comments": 56, "pingbacks": 3, "placeholders": 3, "members": 26}


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
    [("1", 8), ("3", 16), ("3.2", 9), ("3.2.9", 0), ("0", 3), ("10", 3), ("2", 0)],
)
async def test_descendant_count(db: aiosqlite.Connection, comment_id: str, count: int) -> None:
    assert (await context(db, comment_id)).replies == count


async def test_ancestors_root_first(db: aiosqlite.Connection) -> None:
    assert [c.id for c in (await context(db, "3.2.9")).above] == ["3", "3.2"]
    through_gap = (await context(db, "7.1.2")).above
    assert [(c.id, c.kind) for c in through_gap] == [
        ("7", CommentKind.COMMENT),
        ("7.1", CommentKind.PLACEHOLDER),
    ]
    assert (await context(db, "3")).above == []


async def test_context_lists_direct_replies_only_in_page_order(db: aiosqlite.Connection) -> None:
    assert (await context(db, "1")).reply_ids == ["1.1", "1.2"]
    assert (await context(db, "3.2.9")).reply_ids == []


@pytest.mark.parametrize(
    ("missing", "above", "last"),
    [("3.2.99", "3.2", "3.2.9"), ("3.99.1", "3", "3.3"), ("99", None, "18")],
)
async def test_nearest_to_a_missing_id(
    db: aiosqlite.Connection, missing: str, above: str | None, last: str
) -> None:
    around = await nearest(db, missing)
    assert (around.above.id if around.above else None) == above
    assert around.last_reply is not None and around.last_reply.id == last


async def test_a_question_of_several_statements_takes_one_trip(
    db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[object] = []
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        trips.append(fn)
        return await execute(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    for ask in (
        # A comment and what its command reads about it; an id that is not there and the
        # comments around it.
        queries.comment_with(db, "3.2.9", 1, queries.context_of),
        queries.comment_with(db, "3", 1, queries.subtree_of),
        queries.comment_with(db, "3.2.99", 1, queries.context_of),
        # Ids, a word from the vocabulary and its phrase match, and authors.
        queries.complete_comment_ids(db, "democratic centr"),
    ):
        trips.clear()
        await ask
        assert len(trips) == 1


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


@pytest.mark.parametrize("typed", ["%", "_", "\\", "*", '"', "-"])
async def test_complete_ids_find_nothing_for_what_is_no_word(
    db: aiosqlite.Connection, typed: str
) -> None:
    # Words are looked up in the full-text index, which holds no punctuation (and SQL LIKE's
    # or FTS5's operators mean nothing here).
    assert await queries.complete_comment_ids(db, typed) == []


async def test_complete_ids_when_nothing_is_typed(db: aiosqlite.Connection) -> None:
    top_level = [c.id for c in await queries.complete_comment_ids(db, "  ")]
    assert top_level == [str(n) for n in range(19)]
    assert len(await queries.complete_comment_ids(db, "", limit=5)) == 5


async def test_archive_counts(db: aiosqlite.Connection) -> None:
    assert await queries.archive_counts(db) == PAGE_COUNTS


async def test_every_comment_reads_back_as_parsed(db: aiosqlite.Connection) -> None:
    archive = parse_page(ARCHIVE_TEXT)
    for comment in archive.comments:
        assert await queries.get_comment(db, comment.id) == comment


def test_a_row_holds_every_field_of_a_comment_including_author_and_date() -> None:
    # The page has neither author nor date; the next archive formats fill both columns.
    comment = parse_page(ARCHIVE_TEXT).comments[5]
    row = queries.comment_row(comment)
    assert dict(zip(queries.COMMENT_COLUMNS, row, strict=True))["body"] == comment.body
    assert {"author", "date", "link_title", "link_site"} <= set(queries.COMMENT_COLUMNS)


# --- query plans -------------------------------------------------------------------------------


async def plans_of(
    db: aiosqlite.Connection, ask: Callable[[], Awaitable[object]]
) -> dict[str, list[str]]:
    """Each statement ``ask`` runs (bound values inlined), with SQLite's plan for it."""
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    try:
        await ask()
    finally:
        await db.set_trace_callback(None)
    plans = {}
    for sql in statements:
        async with db.execute(f"EXPLAIN QUERY PLAN {sql}") as cursor:
            plans[sql] = [str(row[3]) for row in await cursor.fetchall()]
    return plans


@pytest.mark.parametrize(
    "ask",
    [
        lambda db: queries.get_comment(db, "3.2"),
        lambda db: queries.subtree(db, "3"),
        lambda db: queries.comment_with(db, "3.2.9", 1, queries.context_of),
        lambda db: queries.comment_with(db, "3", 1, queries.subtree_of),
        lambda db: queries.comment_with(db, "3.2.99", 1, queries.subtree_of),
    ],
    ids=["get_comment", "subtree", "with_context", "with_subtree", "nearest"],
)
async def test_comment_lookups_search_the_id_index_never_scan(
    db: aiosqlite.Connection,
    ask: Callable[[aiosqlite.Connection], Awaitable[object]],
) -> None:
    plans = await plans_of(db, lambda: ask(db))
    assert plans, "the query ran no statement"
    for sql, plan in plans.items():
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)
        assert any("USING" in step and "INDEX" in step for step in plan), (sql, plan)
