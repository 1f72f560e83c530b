"""Plain SQL over the archive database, one small async function per question.

Rows become records here and only here: the comment table's columns are the Comment record's
fields, in its order, so ``comment_row`` writes a record and ``_comment`` reads one back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from typing import Any

import aiosqlite

from bot.archive import outline, search
from bot.archive.models import Comment, CommentKind, Member, Post, Resolution

COMMENT_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Comment))
_SELECT_COMMENT = f"SELECT {', '.join(COMMENT_COLUMNS)} FROM comment"
_comment_values = operator.attrgetter(*COMMENT_COLUMNS)
# Words as FTS5's unicode61 tokenizer reads them: letters and digits ('_' separates).
_WORDS = re.compile(r"[^\W_]+")
# A typed id is short; more words than this only slow the lookup without narrowing it.
MAX_TYPED_WORDS = 8
_MEMBER_COLUMNS = ", ".join(field.name for field in dataclasses.fields(Member))


def comment_row(comment: Comment) -> tuple[Any, ...]:
    """The comment as the comment table stores it, in COMMENT_COLUMNS order."""
    return _comment_values(comment)


def _comment(row: tuple[Any, ...]) -> Comment:
    record = dict(zip(COMMENT_COLUMNS, row, strict=True))
    record["kind"] = CommentKind(record["kind"])
    return Comment(**record)


async def _one(
    db: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> tuple[Any, ...]:
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    if row is None:
        # Only a database built by ingest is ever opened, and it always has these rows.
        raise LookupError(f"the archive database is incomplete: nothing for {sql!r}")
    return tuple(row)


async def _all(
    db: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    async with db.execute(sql, params) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def get_post(db: aiosqlite.Connection) -> Post:
    title, date, body = await _one(db, "SELECT title, date, body FROM post")
    return Post(title, dt.date.fromisoformat(date), tuple(body.split("\n\n")))


async def get_resolution(db: aiosqlite.Connection) -> Resolution:
    preamble, clause, vote, date = await _one(
        db, "SELECT preamble, resolving_clause, vote, date FROM resolution"
    )
    return Resolution(preamble, clause, vote, dt.date.fromisoformat(date))


async def list_members(db: aiosqlite.Connection, city: str | None = None) -> list[Member]:
    """The named members in page order, optionally those of one city (any letter case)."""
    rows = await _all(
        db,
        f"SELECT {_MEMBER_COLUMNS} FROM member"
        " WHERE ?1 IS NULL OR city = ?1 COLLATE NOCASE ORDER BY position",
        (city,),
    )
    return [Member(*row) for row in rows]


async def city_counts(db: aiosqlite.Connection) -> list[tuple[str, int]]:
    """Each city with its number of named members, most first."""
    rows = await _all(
        db,
        "SELECT city, count(*) AS n FROM member GROUP BY city ORDER BY n DESC, city",
    )
    return [(city, n) for city, n in rows]


async def get_comment(db: aiosqlite.Connection, comment_id: str) -> Comment | None:
    rows = await _all(db, f"{_SELECT_COMMENT} WHERE id = ?", (comment_id,))
    return _comment(rows[0]) if rows else None


async def subtree(db: aiosqlite.Connection, comment_id: str) -> list[Comment]:
    """The comment and every reply under it, in page order; empty if there is no such id."""
    low, high = outline.descendant_range(comment_id)
    rows = await _all(
        db,
        f"{_SELECT_COMMENT} WHERE id = ? OR (id >= ? AND id < ?) ORDER BY position",
        (comment_id, low, high),
    )
    return [_comment(row) for row in rows]


async def descendant_count(db: aiosqlite.Connection, comment_id: str) -> int:
    low, high = outline.descendant_range(comment_id)
    (count,) = await _one(db, "SELECT count(*) FROM comment WHERE id >= ? AND id < ?", (low, high))
    return int(count)


async def ancestors(db: aiosqlite.Connection, comment_id: str) -> list[Comment]:
    """The comments above this one, the top-level one first."""
    ids = outline.ancestors(comment_id)
    if not ids:
        return []
    rows = await _all(
        db,
        f"{_SELECT_COMMENT} WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY depth",
        tuple(ids),
    )
    return [_comment(row) for row in rows]


async def complete_comment_ids(
    db: aiosqlite.Connection, typed: str, limit: int = 25
) -> list[Comment]:
    """Comments for an id being typed: ids starting with the text, then comments with its words.

    It runs on every keystroke, so each part is one index range: ids by the id index, in id
    order (the typed id itself first, then its replies: "3" offers 3, 3.1, 3.1.1 ...); words
    by the full-text index, the last one as a prefix since it is still being typed, in page
    order (the full-text index's own order, comments being stored in page order).
    """
    typed = typed.strip()
    if not typed:
        rows = await _all(
            db,
            f"{_SELECT_COMMENT} WHERE depth = 1 ORDER BY position LIMIT ?",
            (limit,),
        )
        return [_comment(row) for row in rows]
    rows = await _all(db, *_ids_starting_with(typed, limit))
    match = _words_match(typed)
    if len(rows) < limit and match is not None:
        rows += await _all(
            db,
            f"{_SELECT_COMMENT} WHERE rowid IN (SELECT rowid FROM comment_fts"
            " WHERE comment_fts MATCH ? ORDER BY rowid LIMIT ?) ORDER BY rowid",
            # Enough to fill the list even when every id found above is among them.
            (match, limit + len(rows)),
        )
    found: dict[str, Comment] = {}
    for comment in map(_comment, rows):
        # A comment found by its id and by its words is offered once, where its id put it.
        found.setdefault(comment.id, comment)
    return list(found.values())[:limit]


def _ids_starting_with(typed: str, limit: int) -> tuple[str, tuple[object, ...]]:
    # The ids that start with ``typed`` are one key range: ids hold only digits and dots, so
    # none reaches past ``typed`` followed by the last code point.
    return (
        f"{_SELECT_COMMENT} WHERE id >= ?1 AND id < ?1 || char(1114111) ORDER BY id LIMIT ?2",
        (typed, limit),
    )


def _words_match(typed: str) -> str | None:
    """The FTS5 phrase of the words typed so far, the last one a prefix, as the text would
    hold them ("democratic centr" finds "democratic centralism", "3.1" the text "3.1");
    None when nothing typed is a word."""
    words = _WORDS.findall(typed)[:MAX_TYPED_WORDS]
    return search.Term(" ".join(words), prefix=True).to_fts() if words else None


async def archive_counts(db: aiosqlite.Connection) -> dict[str, int]:
    """Comments of each kind and members, as ingest counted them while writing."""
    names = ("comments", "pingbacks", "placeholders", "members")
    row = await _one(db, f"SELECT {', '.join(names)} FROM source")
    return dict(zip(names, row, strict=True))


def _replies_sql(parent_id: str | None, order: str) -> tuple[str, tuple[object, ...]]:
    """The direct replies to ``parent_id`` (top-level comments when None), by the id index."""
    if parent_id is None:
        return f"WHERE depth = 1 ORDER BY position {order}", ()
    low, high = outline.descendant_range(parent_id)
    return (
        f"WHERE id >= ? AND id < ? AND depth = ? ORDER BY position {order}",
        (low, high, outline.depth(parent_id) + 1),
    )


async def reply_ids(db: aiosqlite.Connection, comment_id: str) -> list[str]:
    """The ids of the direct replies to a comment, in page order."""
    where, params = _replies_sql(comment_id, "ASC")
    return [id_ for (id_,) in await _all(db, f"SELECT id FROM comment {where}", params)]


async def last_reply(db: aiosqlite.Connection, parent_id: str | None) -> Comment | None:
    """The last reply to ``parent_id`` in page order; the last top-level comment when None.

    Tells someone who typed an id that does not exist where the real ones end.
    """
    where, params = _replies_sql(parent_id, "DESC")
    rows = await _all(db, f"{_SELECT_COMMENT} {where} LIMIT 1", params)
    return _comment(rows[0]) if rows else None
