"""Plain SQL over the archive database, one small async function per question.

Rows become records here and only here: the comment table's columns are the Comment record's
fields, in its order, so ``comment_row`` writes a record and ``_comment`` reads one back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.archive import outline
from bot.archive.models import Comment, CommentKind, Member, Post, Resolution

COMMENT_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Comment))
_SELECT_COMMENT = f"SELECT {', '.join(COMMENT_COLUMNS)} FROM comment"
_comment_values = operator.attrgetter(*COMMENT_COLUMNS)
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
    """Comments for an id being typed: ids starting with the text, then bodies containing it.

    Page order within each group, so that "3" offers 3, 3.1, 3.1.1 ... before later comments.
    """
    typed = typed.strip()
    if not typed:
        rows = await _all(
            db,
            f"{_SELECT_COMMENT} WHERE depth = 1 ORDER BY position LIMIT ?",
            (limit,),
        )
        return [_comment(row) for row in rows]
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await _all(
        db,
        f"{_SELECT_COMMENT}"
        " WHERE id LIKE ?1 || '%' ESCAPE '\\' OR body LIKE '%' || ?1 || '%' ESCAPE '\\'"
        " ORDER BY id = ?2 DESC, id LIKE ?1 || '%' ESCAPE '\\' DESC, position LIMIT ?3",
        (escaped, typed, limit),
    )
    return [_comment(row) for row in rows]


async def archive_counts(db: aiosqlite.Connection) -> dict[str, int]:
    """Comments of each kind and members, as ingest counted them while writing."""
    names = ("comments", "pingbacks", "placeholders", "members")
    row = await _one(db, f"SELECT {', '.join(names)} FROM source")
    return dict(zip(names, row, strict=True))


@dataclass(frozen=True, slots=True)
class ArchiveSummary:
    """What an archive is, for listing it beside others."""

    title: str
    # 'page' | 'wxr' | 'disqus'
    format: str
    discussions: int
    counts: dict[str, int]


async def archive_summary(db: aiosqlite.Connection) -> ArchiveSummary:
    (title,) = await _one(db, "SELECT title FROM post")
    return ArchiveSummary(title, "page", 1, await archive_counts(db))


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
