"""Plain SQL over the archive database, one small async function per question.

A question of several statements (a comment's context, the id autocomplete) asks them all in one
trip to the connection's thread (``in_one_trip``), through small plain functions over the sqlite3
connection; a command given a comment reads what it needs about it (its context, its subtree) in
the trip that finds it (``comment_with``).

Rows become records here and only here: the comment table's columns are the Comment record's
fields, in its order, so ``comment_row`` writes a record and ``_comment`` reads one back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import operator
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.archive import outline, search
from bot.archive.models import Comment, CommentKind, Discussion, Member, Post, Resolution
from bot.archive.trips import in_one_trip, rows_within

COMMENT_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Comment))
_SELECT_COMMENT = f"SELECT {', '.join(COMMENT_COLUMNS)} FROM comment"
_comment_values = operator.attrgetter(*COMMENT_COLUMNS)
# Words as FTS5's unicode61 tokenizer reads them: letters and digits ('_' separates).
_WORDS = re.compile(r"[^\W_]+")
# A typed id is short; more words than this only slow the lookup without narrowing it.
MAX_TYPED_WORDS = 8
# The longest prefix the full-text index keeps (search.PREFIX_LENGTHS). FTS5 reads a longer
# prefix by merging the whole doclist of every word it starts ("the*" at a million
# comments: 140 ms), so a last word that long is completed from the vocabulary instead: an OR of
# whole words is read lazily, in page order, only as far as the list needs (0.1 ms).
_INDEXED_PREFIX = max(search.PREFIX_LENGTHS)
# The most frequent words a typed word may be the start of; the rarer ones only come once another
# letter narrows the choice (a list of 25 in page order is filled by the frequent ones anyway).
_COMPLETIONS = 64
T = TypeVar("T")
_MEMBER_COLUMNS = ", ".join(field.name for field in dataclasses.fields(Member))


def comment_row(comment: Comment) -> tuple[Any, ...]:
    """The comment as the comment table stores it, in COMMENT_COLUMNS order."""
    return _comment_values(comment)


def _comment(row: tuple[Any, ...]) -> Comment:
    record = dict(zip(COMMENT_COLUMNS, row, strict=True))
    record["kind"] = CommentKind(record["kind"])
    return Comment(**record)


def _rows(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(sql, params).fetchall()]


async def _one(
    db: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> tuple[Any, ...]:
    rows = await _all(db, sql, params)
    if not rows:
        # Only a database built by ingest is ever opened, and it always has these rows.
        raise LookupError(f"the archive database is incomplete: nothing for {sql!r}")
    return rows[0]


async def _all(
    db: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    # One trip, where a cursor's execute, fetch and close take three.
    return await in_one_trip(db, functools.partial(_rows, sql=sql, params=params))


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


def _comment_by_id(conn: sqlite3.Connection, comment_id: str, discussion: int) -> Comment | None:
    rows = _rows(
        conn, f"{_SELECT_COMMENT} WHERE discussion = ? AND id = ?", (discussion, comment_id)
    )
    return _comment(rows[0]) if rows else None


async def get_comment(
    db: aiosqlite.Connection, comment_id: str, discussion: int = 1
) -> Comment | None:
    return await in_one_trip(
        db, functools.partial(_comment_by_id, comment_id=comment_id, discussion=discussion)
    )


def _comment_by_export_id(conn: sqlite3.Connection, export_id: str) -> Comment | None:
    rows = _rows(
        conn,
        f"{_SELECT_COMMENT} WHERE export_id = ? AND kind <> 'placeholder' ORDER BY position"
        " LIMIT 1",
        (export_id,),
    )
    return _comment(rows[0]) if rows else None


async def get_comment_by_export_id(db: aiosqlite.Connection, export_id: str) -> Comment | None:
    """The comment the export itself calls ``export_id`` ("#1234"); placeholders have none."""
    return await in_one_trip(db, functools.partial(_comment_by_export_id, export_id=export_id))


def subtree_of(conn: sqlite3.Connection, comment: Comment) -> list[Comment]:
    """The comment and every reply under it, in page order (where a parent precedes its
    replies)."""
    low, high = outline.descendant_range(comment.id)
    rows = _rows(
        conn,
        f"{_SELECT_COMMENT} WHERE discussion = ? AND id >= ? AND id < ? ORDER BY position",
        (comment.discussion, low, high),
    )
    return [comment, *map(_comment, rows)]


def _subtree(conn: sqlite3.Connection, comment_id: str, discussion: int) -> list[Comment]:
    comment = _comment_by_id(conn, comment_id, discussion)
    return [] if comment is None else subtree_of(conn, comment)


async def subtree(db: aiosqlite.Connection, comment_id: str, discussion: int = 1) -> list[Comment]:
    """The comment and every reply under it, in page order; empty if there is no such id."""
    return await in_one_trip(
        db, functools.partial(_subtree, comment_id=comment_id, discussion=discussion)
    )


async def discussion_comments(db: aiosqlite.Connection, discussion: int) -> list[Comment]:
    """Every comment of a discussion in page order: what replaying its root shows."""
    rows = await _all(
        db, f"{_SELECT_COMMENT} WHERE discussion = ? ORDER BY position", (discussion,)
    )
    return [_comment(row) for row in rows]


def _descendant_count(conn: sqlite3.Connection, comment_id: str, discussion: int) -> int:
    low, high = outline.descendant_range(comment_id)
    ((count,),) = _rows(
        conn,
        "SELECT count(*) FROM comment WHERE discussion = ? AND id >= ? AND id < ?",
        (discussion, low, high),
    )
    return int(count)


def _ancestors(conn: sqlite3.Connection, comment_id: str, discussion: int) -> list[Comment]:
    """The comments above this one, the top-level one first."""
    ids = outline.ancestors(comment_id)
    if not ids:
        return []
    rows = _rows(
        conn,
        f"{_SELECT_COMMENT} WHERE discussion = ? AND id IN ({', '.join('?' * len(ids))})"
        " ORDER BY depth",
        (discussion, *ids),
    )
    return [_comment(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Context:
    """What is shown around a comment: the comments above it (the top-level one first), the
    number of replies under it at any depth, and the ids of its direct replies in page order."""

    above: list[Comment]
    replies: int
    reply_ids: list[str]


def context_of(conn: sqlite3.Connection, comment: Comment) -> Context:
    """What /comment shows around the comment."""
    where, params = _replies_sql(comment.id, comment.discussion, "ASC")
    return Context(
        _ancestors(conn, comment.id, comment.discussion),
        _descendant_count(conn, comment.id, comment.discussion),
        [id_ for (id_,) in _rows(conn, f"SELECT id FROM comment {where}", params)],
    )


@dataclass(frozen=True, slots=True)
class Nearest:
    """Where an id that is not there would have been: the nearest comment above it that is (None
    at the top level) and the last reply to that one in page order (the last top-level comment
    when None), to tell the person where the real ids end."""

    above: Comment | None
    last_reply: Comment | None


def _nearest(conn: sqlite3.Connection, comment_id: str, discussion: int) -> Nearest:
    above = _ancestors(conn, comment_id, discussion)
    parent = above[-1] if above else None
    where, params = _replies_sql(parent.id if parent else None, discussion, "DESC")
    rows = _rows(conn, f"{_SELECT_COMMENT} {where} LIMIT 1", params)
    return Nearest(parent, _comment(rows[0]) if rows else None)


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A comment, with what its command reads about it (``about``) in the same trip."""

    comment: Comment
    about: T


# What a command reads about the comment it was given: run on the connection's thread, in the
# trip that finds the comment (context_of, subtree_of).
About = Callable[[sqlite3.Connection, Comment], T]


async def comment_with(
    db: aiosqlite.Connection, comment_id: str, discussion: int, about: About[T]
) -> Found[T] | Nearest:
    """The comment and what ``about`` reads of it; or, when the id is not there, the comments
    around where it would be (``nearest``). One trip: a command waits on no other to answer."""

    def read(conn: sqlite3.Connection) -> Found[T] | Nearest:
        comment = _comment_by_id(conn, comment_id, discussion)
        if comment is None:
            return _nearest(conn, comment_id, discussion)
        return Found(comment, about(conn, comment))

    return await in_one_trip(db, read)


async def exported_with(
    db: aiosqlite.Connection, export_id: str, about: About[T]
) -> Found[T] | None:
    """``get_comment_by_export_id``'s comment and what ``about`` reads of it, in one trip."""

    def read(conn: sqlite3.Connection) -> Found[T] | None:
        comment = _comment_by_export_id(conn, export_id)
        return None if comment is None else Found(comment, about(conn, comment))

    return await in_one_trip(db, read)


_DISCUSSION_COLUMNS = "number, title, link, date, author, body, html, key"


async def get_discussion(db: aiosqlite.Connection, number: int) -> Discussion | None:
    rows = await _all(
        db, f"SELECT {_DISCUSSION_COLUMNS} FROM discussion WHERE number = ?", (number,)
    )
    return Discussion(*rows[0]) if rows else None


async def list_discussions(
    db: aiosqlite.Connection, typed: str = "", limit: int = 25
) -> list[Discussion]:
    """Discussions in file order, those whose title holds ``typed`` (any case) when given."""
    rows = await _all(
        db,
        f"SELECT {_DISCUSSION_COLUMNS} FROM discussion"
        " WHERE ?1 = '' OR title LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY number LIMIT ?2",
        (_like_escaped(typed.strip()), limit),
    )
    return [Discussion(*row) for row in rows]


async def complete_authors(
    db: aiosqlite.Connection, typed: str, limit: int = 25
) -> list[tuple[str, int]]:
    """Authors whose name starts with ``typed`` (any case), each with their number of comments,
    by the author index (autocomplete runs on every keystroke)."""
    rows = await _all(
        db,
        "SELECT author, count(*) FROM comment"
        " WHERE author IS NOT NULL AND author LIKE ?1 || '%' ESCAPE '\\'"
        " GROUP BY author COLLATE NOCASE ORDER BY author COLLATE NOCASE LIMIT ?2",
        (_like_escaped(typed.strip()), limit),
    )
    return [(author, int(n)) for author, n in rows]


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def complete_comment_ids(
    db: aiosqlite.Connection, typed: str, limit: int = 25, discussion: int | None = None
) -> list[Comment]:
    """Comments for an id being typed: ids starting with the text, then comments with its words,
    then comments by authors whose name starts with it; within ``discussion`` when given.

    It runs on every keystroke, so each part is one index range: ids by the id index, in id
    order (the typed id itself first, then its replies: "3" offers 3, 3.1, 3.1.1 ...); words
    by the full-text index, the last one completed since it is still being typed (by the prefix
    index, or the vocabulary's key range past two letters), in page order (the full-text
    index's own order, comments being stored in page order); authors by the author index. All
    of it in one trip to the connection's thread.
    """
    return await in_one_trip(
        db,
        functools.partial(_complete_ids, typed=typed.strip(), limit=limit, discussion=discussion),
    )


def _complete_ids(
    conn: sqlite3.Connection, typed: str, limit: int, discussion: int | None
) -> list[Comment]:
    if not typed:
        rows = _rows(
            conn,
            f"{_SELECT_COMMENT} WHERE depth = 1 AND (?2 IS NULL OR discussion = ?2)"
            " ORDER BY position LIMIT ?1",
            (limit, discussion),
        )
        return [_comment(row) for row in rows]
    rows = _rows(conn, *_ids_starting_with(typed, limit, discussion))
    match = _words_match(conn, typed) if len(rows) < limit else None
    if match is not None:
        # Enough to fill the list even when every id found above is among them.
        rows += _found_in_time(conn, match, limit + len(rows), discussion)
    if len(rows) < limit:
        rows += _rows(
            conn,
            # A range of the author index (LIKE would scan it: the column is not NOCASE).
            f"{_SELECT_COMMENT} WHERE author IS NOT NULL AND author COLLATE NOCASE >= ?1"
            " AND author COLLATE NOCASE < ?1 || char(1114111)"
            " AND (?3 IS NULL OR discussion = ?3) ORDER BY author COLLATE NOCASE LIMIT ?2",
            (typed, limit, discussion),
        )
    found: dict[tuple[int, str], Comment] = {}
    for comment in map(_comment, rows):
        # A comment found by its id and by its words is offered once, where its id put it.
        found.setdefault((comment.discussion, comment.id), comment)
    return list(found.values())[:limit]


# The comments with the typed words, in page order, as many as are found in this long (seconds):
# a phrase of the commonest words ("of the and") takes FTS5 2-4 ms to fill a list at a million
# comments, on every keystroke, and a shorter list now serves better than a full one late (the
# next key asks again). 2 ms left that phrase's p50 at 3.8 ms through the bot, so close to the
# 5 ms goal that any pause pushed the class's p99 over it; 1 ms cut lists of two common words
# ("of the") to 2 some of the time; 1.5 ms keeps them whole.
WORDS_BUDGET = 0.0015
_WORDS_FOUND = (
    f"SELECT found, {', '.join(f'comment.{name}' for name in COMMENT_COLUMNS)}"
    " FROM (SELECT rowid AS found FROM comment_fts WHERE comment_fts MATCH ?1 ORDER BY rowid"
    " LIMIT ?2) CROSS JOIN comment ON comment.rowid = found"
    " WHERE (?3 IS NULL OR comment.discussion = ?3)"
)


def _found_in_time(
    conn: sqlite3.Connection, match: str, limit: int, discussion: int | None
) -> list[tuple[Any, ...]]:
    # No ORDER BY: SQLite would sort, and so hold every row back until the last; the rows come
    # from the full-text index in rowid order, and are sorted here to be sure of it.
    found, _ = rows_within(conn, _WORDS_FOUND, (match, limit, discussion), WORDS_BUDGET)
    return [row[1:] for row in sorted(found)]


def _ids_starting_with(
    typed: str, limit: int, discussion: int | None
) -> tuple[str, tuple[object, ...]]:
    # The ids that start with ``typed`` are one key range of each discussion: ids hold only
    # digits and dots, so none reaches past ``typed`` followed by the last code point.
    where = (
        "discussion = ?3"
        if discussion is not None
        else "discussion IN (SELECT number FROM discussion)"
    )
    return (
        f"{_SELECT_COMMENT} WHERE {where} AND id >= ?1 AND id < ?1 || char(1114111)"
        " ORDER BY discussion, id LIMIT ?2",
        (typed, limit) if discussion is None else (typed, limit, discussion),
    )


def _words_match(conn: sqlite3.Connection, typed: str) -> str | None:
    """The FTS5 expression of the words typed so far as a phrase, the last one completed since it
    is still being typed, as the text would hold them ("democratic centr" finds "democratic
    centralism", "3.1" the text "3.1"); None when nothing typed is a word, or the last one starts
    no word of the archive."""
    words = _WORDS.findall(typed)[:MAX_TYPED_WORDS]
    if not words:
        return None
    last = search.fold(words[-1])
    if len(last) <= _INDEXED_PREFIX:
        return search.Term(" ".join(words), prefix=True).to_fts()
    completions = _rows(
        conn,
        "SELECT term FROM search_term WHERE term >= ?1 AND term < ?1 || char(1114111)"
        " ORDER BY docs DESC LIMIT ?2",
        (last, _COMPLETIONS),
    )
    head = words[:-1]
    return " OR ".join(search.Term(" ".join([*head, t])).to_fts() for (t,) in completions) or None


async def archive_counts(db: aiosqlite.Connection) -> dict[str, int]:
    """Rows of each kind ("comments", "pingbacks", ...), and members, as ingest counted them."""
    (counts,) = await _one(db, "SELECT counts FROM source")
    return {kind: int(n) for kind, n in json.loads(counts).items()}


@dataclass(frozen=True, slots=True)
class ArchiveSummary:
    """What an archive is, for listing it beside others."""

    title: str
    # 'page' | 'wxr' | 'disqus'
    format: str
    discussions: int
    counts: dict[str, int]
    left_out: dict[str, int]


async def archive_summary(db: aiosqlite.Connection) -> ArchiveSummary:
    title, format_, discussions, counts, left_out = await _one(
        db, "SELECT title, format, discussions, counts, left_out FROM source"
    )
    return ArchiveSummary(title, format_, discussions, json.loads(counts), json.loads(left_out))


def _replies_sql(
    parent_id: str | None, discussion: int, order: str
) -> tuple[str, tuple[object, ...]]:
    """The direct replies to ``parent_id`` (top-level comments when None), by the id index."""
    if parent_id is None:
        return f"WHERE discussion = ? AND depth = 1 ORDER BY position {order}", (discussion,)
    low, high = outline.descendant_range(parent_id)
    return (
        f"WHERE discussion = ? AND id >= ? AND id < ? AND depth = ? ORDER BY position {order}",
        (discussion, low, high, outline.depth(parent_id) + 1),
    )
