"""Plain SQL over the archive database, one small async function per question."""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiosqlite

from bot.archive import outline
from bot.archive.models import Comment, CommentKind, Member, Post, Resolution

_COMMENT_COLUMNS = "id, parent_id, depth, position, kind, author, date, body, link_title, link_site"


def _comment(row: tuple[Any, ...]) -> Comment:
    id_, parent_id, depth, position, kind, author, date, body, link_title, link_site = row
    return Comment(
        id_,
        parent_id,
        depth,
        position,
        CommentKind(kind),
        body,
        author,
        date,
        link_title,
        link_site,
    )


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
        "SELECT name, city, position FROM member"
        " WHERE ?1 IS NULL OR city = ?1 COLLATE NOCASE ORDER BY position",
        (city,),
    )
    return [Member(name, city_, position) for name, city_, position in rows]


async def city_counts(db: aiosqlite.Connection) -> list[tuple[str, int]]:
    """Each city with its number of named members, most first."""
    rows = await _all(
        db,
        "SELECT city, count(*) AS n FROM member GROUP BY city ORDER BY n DESC, city",
    )
    return [(city, n) for city, n in rows]


async def get_comment(db: aiosqlite.Connection, comment_id: str) -> Comment | None:
    rows = await _all(db, f"SELECT {_COMMENT_COLUMNS} FROM comment WHERE id = ?", (comment_id,))
    return _comment(rows[0]) if rows else None


def _descendant_range(comment_id: str) -> tuple[str, str]:
    # Outline ids put a comment's descendants in one contiguous key range: "3." up to, not
    # including, "3/" ('/' is the character after '.').
    return f"{comment_id}.", f"{comment_id}/"


async def subtree(db: aiosqlite.Connection, comment_id: str) -> list[Comment]:
    """The comment and every reply under it, in page order; empty if there is no such id."""
    low, high = _descendant_range(comment_id)
    rows = await _all(
        db,
        f"SELECT {_COMMENT_COLUMNS} FROM comment"
        " WHERE id = ? OR (id >= ? AND id < ?) ORDER BY position",
        (comment_id, low, high),
    )
    return [_comment(row) for row in rows]


async def descendant_count(db: aiosqlite.Connection, comment_id: str) -> int:
    low, high = _descendant_range(comment_id)
    (count,) = await _one(db, "SELECT count(*) FROM comment WHERE id >= ? AND id < ?", (low, high))
    return int(count)


async def ancestors(db: aiosqlite.Connection, comment_id: str) -> list[Comment]:
    """The comments above this one, the top-level one first."""
    parts = comment_id.split(".")
    ids = [".".join(parts[:n]) for n in range(1, len(parts))]
    if not ids:
        return []
    rows = await _all(
        db,
        f"SELECT {_COMMENT_COLUMNS} FROM comment WHERE id IN ({', '.join('?' * len(ids))})"
        " ORDER BY depth",
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
            f"SELECT {_COMMENT_COLUMNS} FROM comment WHERE depth = 1 ORDER BY position LIMIT ?",
            (limit,),
        )
        return [_comment(row) for row in rows]
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await _all(
        db,
        f"SELECT {_COMMENT_COLUMNS} FROM comment"
        " WHERE id LIKE ?1 || '%' ESCAPE '\\' OR body LIKE '%' || ?1 || '%' ESCAPE '\\'"
        " ORDER BY id = ?2 DESC, id LIKE ?1 || '%' ESCAPE '\\' DESC, position LIMIT ?3",
        (escaped, typed, limit),
    )
    return [_comment(row) for row in rows]


async def archive_counts(db: aiosqlite.Connection) -> dict[str, int]:
    rows = await _all(db, "SELECT kind, count(*) FROM comment GROUP BY kind")
    counts = {"comments": 0, "pingbacks": 0, "placeholders": 0}
    counts.update({f"{kind}s": n for kind, n in rows})
    (counts["members"],) = await _one(db, "SELECT count(*) FROM member")
    return counts


async def reply_ids(db: aiosqlite.Connection, comment_id: str) -> list[str]:
    """The ids of the direct replies to a comment, in page order."""
    low, high = outline.descendant_range(comment_id)
    rows = await _all(
        db,
        "SELECT id FROM comment WHERE id >= ? AND id < ? AND depth = ? ORDER BY position",
        (low, high, outline.depth(comment_id) + 1),
    )
    return [id_ for (id_,) in rows]


async def last_reply(db: aiosqlite.Connection, parent_id: str | None) -> Comment | None:
    """The last reply to ``parent_id`` in page order; the last top-level comment when None.

    Tells someone who typed an id that does not exist where the real ones end.
    """
    if parent_id is None:
        sql = f"SELECT {_COMMENT_COLUMNS} FROM comment WHERE depth = 1"
    else:
        sql = f"SELECT {_COMMENT_COLUMNS} FROM comment WHERE parent_id = ?"
    params = () if parent_id is None else (parent_id,)
    rows = await _all(db, f"{sql} ORDER BY position DESC LIMIT 1", params)
    return _comment(rows[0]) if rows else None
