"""The id autocomplete runs on every keystroke, so every statement it runs must be an index lookup.

Each statement complete_comment_ids runs is caught as SQLite runs it (a trace callback) and its
query plan read: ids are a range of the id index, words a match in the full-text index, and no
statement reads the comment table from end to end. Its speed at a million comments is measured
by bench/bot_bench.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import aiosqlite
import pytest

from bot.archive import queries, trips

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "we-are-expelled.txt"
_OURS = re.compile(r" (FROM|JOIN) (comment|search_term) ")


async def plans_of(db: aiosqlite.Connection, typed: str) -> list[str]:
    """The query plan lines of every statement that completing ``typed`` runs."""
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    try:
        await queries.complete_comment_ids(db, typed)
    finally:
        await db.set_trace_callback(None)
    # FTS5's own statements (on its shadow tables) are traced too: only ours are the question.
    ours = [s for s in statements if s.startswith("SELECT") and _OURS.search(s)]
    assert ours
    plans: list[str] = []
    for statement in ours:
        async with db.execute(f"EXPLAIN QUERY PLAN {statement}") as cursor:
            plans += [row[3] for row in await cursor.fetchall()]
    return plans


@pytest.mark.parametrize("typed", ["3", "3.2.1", "14.2", "snitch", "democratic centr", "1.1 x"])
async def test_every_keystroke_is_an_index_lookup(db: aiosqlite.Connection, typed: str) -> None:
    plans = await plans_of(db, typed)

    # Neither a full scan nor a scan in some index's order: only searches.
    assert not [p for p in plans if p.startswith("SCAN comment ")], plans
    # The ids of each discussion, by the (discussion, id) key.
    assert any(p.endswith("(discussion=? AND id>? AND id<?)") for p in plans), plans
    assert any(p.startswith("SCAN comment_fts VIRTUAL TABLE") for p in plans)


async def test_ids_come_from_the_index_range_and_words_as_typed(db: aiosqlite.Connection) -> None:
    def ids(comments: list[queries.Comment]) -> list[str]:
        return [c.id for c in comments]

    # The typed id, its subtree, then longer ids starting with it; not 3.10's cousins "30..."
    # before the subtree.
    assert ids(await queries.complete_comment_ids(db, "3.1")) == [
        "3.1", "3.1.1", "3.1.2", "3.1.3", "3.1.4",
    ]  # fmt: skip
    # The last word is still being typed: a prefix; the words are a phrase, as in the text.
    assert ids(await queries.complete_comment_ids(db, "democratic centr")) == ["3.1.4", "3.2", "15"]
    assert ids(await queries.complete_comment_ids(db, "centr democratic")) == []
    # Letter case and hyphens as the full-text index reads them ("Snitch-jacketing").
    assert ids(await queries.complete_comment_ids(db, "SNITCH JACK")) == ["0.1", "6.1"]


@pytest.mark.parametrize("typed", ["the", "democratic centr", "snitch jacket", "organiz"])
async def test_a_word_past_two_letters_is_completed_by_the_vocabulary_index(
    db: aiosqlite.Connection, typed: str
) -> None:
    plans = await plans_of(db, typed)

    # The words it may be the start of: a range of the vocabulary's key, not a scan of it.
    assert any(
        p.startswith("SEARCH search_term USING PRIMARY KEY (term>? AND term<?)") for p in plans
    )
    assert not [p for p in plans if p.startswith("SCAN search_term")], plans


@pytest.mark.parametrize("typed", ["the", "democratic centr", "snitch jacket", "organiz", "expel"])
async def test_completing_from_the_vocabulary_finds_what_a_prefix_match_finds(
    db: aiosqlite.Connection, typed: str
) -> None:
    # FTS5's own prefix query, in page order, is what the list should hold: the real page's words
    # have far fewer completions than the vocabulary lookup takes, and words match no id.
    async with db.execute(
        "SELECT c.id FROM comment_fts JOIN comment AS c ON c.rowid = comment_fts.rowid"
        " WHERE comment_fts MATCH ? ORDER BY comment_fts.rowid LIMIT 25",
        (f'"{typed}"*',),
    ) as cursor:
        expected = [row[0] for row in await cursor.fetchall()]

    found = [c.id for c in await queries.complete_comment_ids(db, typed)]

    assert expected
    assert found == expected


class _Clock:
    """A clock that moves on by ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


async def test_words_found_past_the_budget_are_the_start_of_the_list(
    db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = await queries.complete_comment_ids(db, "the")
    assert len(full) == 25
    # The clock is read at the start and then at every step of SQLite's: the finer the clock's
    # steps, the more words are found before the budget runs out, and whatever is found is the
    # start of the list.
    monkeypatch.setattr(trips, "PROGRESS_STEPS", 1)
    lengths = set()
    for reads in (100, 200, 400, 800, 1600, 3200, 6400):
        monkeypatch.setattr(trips, "time", _Clock(queries.WORDS_BUDGET / reads))
        cut = await queries.complete_comment_ids(db, "the")
        assert cut == full[: len(cut)]
        lengths.add(len(cut))
    assert min(lengths) == 0 and max(lengths) == 25 and len(lengths) > 2
    # Past the budget at once: no words, and the rest of the list is still there.
    monkeypatch.setattr(trips, "time", _Clock(1.0))
    assert await queries.complete_comment_ids(db, "the") == []
    assert [c.id for c in await queries.complete_comment_ids(db, "3.1")][:2] == ["3.1", "3.1.1"]
