"""Export records into outline-numbered rows, in bounded memory.

Threading cannot trust the file's order: Disqus lists every post after every thread, in no
order, and WordPress sometimes writes a reply before its parent. Outline ids follow the 2014
page (:mod:`bot.archive.outline`): within a discussion the top-level comments are 1..n by date
(then file order), the replies to "3" are "3.1", "3.2" ... by date. A parent id the file lacks
(never there, or left out as spam, deleted or pending) becomes a placeholder comment at the top
level holding its replies. A loop in the parent ids (never written by WordPress or Disqus, but
possible in a hand-made file) puts its comments at the top level after the others.

Two ways give the same rows. A discussion of at most :data:`GROUP_LIMIT` comments is threaded in
memory (:mod:`bot.archive.exports.tree`) and written as final rows at once. A larger one (a
million comments) is streamed into TEMP staging tables and numbered by SQL, level by level;
SQLite sorts on disk, and Python holds one batch of rows at a time. WordPress writes a post's
comments inside its item, so each item's comments are threaded when the item ends. Disqus's
posts come after every thread in no order: each is written to a TEMP table under its page as it
is read, then the pages are read back one run at a time (page order, then file order, from an
index) and threaded. Only what places a post is read back (and its text, for a full-text index
filled beside the load): its other words are copied to its place in SQL.

Rows go to a :class:`Destination`: the store's own tables, or (:func:`load_export`) two TEMP
tables on the caller's connection, in the neutral columns below.

The neutral columns, as :func:`load_export` leaves them (the store maps them to its own):

``temp.export_discussion`` (table), one row per discussion with at least one comment, in file
order; Disqus threads whose links are one page are merged into one::

    discussion INTEGER PRIMARY KEY  -- 1.. in file order
    merge_key  TEXT NOT NULL UNIQUE -- the reader's key for the page (normalised link for Disqus)
    export_id  TEXT NOT NULL        -- WordPress post id, Disqus thread dsq:id ('' if none)
    title, link TEXT NOT NULL; date TEXT (UTC ISO, NULL if unknown); author TEXT (NULL if none)
    body TEXT NOT NULL              -- the opening text's HTML, '' when plain (see exports.html)
    text TEXT NOT NULL              -- the same, plain text for search

``temp.export_comment`` (table), one row per comment and placeholder; ``ORDER BY position`` is
page order (discussion by discussion; a parent before its children, siblings by date)::

    position   INTEGER  -- 1.. across the whole export, unique
    discussion INTEGER  -- export_discussion.discussion
    id         TEXT     -- outline id, unique within its discussion ("3.2.1")
    parent_id  TEXT     -- the parent's outline id, NULL at the top level
    depth      INTEGER  -- outline.depth(id)
    kind       TEXT     -- 'comment' | 'pingback' | 'trackback' | 'placeholder'
    author, author_url TEXT (NULL if none; for pingbacks/trackbacks the linking page's title
                        and address)
    date       TEXT     -- UTC ISO 8601 ("2014-01-14T17:32:12Z"), NULL if unknown
    body       TEXT     -- the comment's HTML, '' when it has no markup and for a placeholder
    text       TEXT     -- plain text for search, '' for a placeholder
    permalink  TEXT     -- the discussion's link + "#comment-<export id>", NULL for placeholders
    export_id  TEXT     -- the export's own comment id (also a placeholder's missing parent id)

They live until :func:`drop_export_tables` or the connection closes. No e-mail or IP column
exists at any stage.
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

from bot.archive.errors import ArchiveFormatError
from bot.archive.exports import disqus, pipeline, wxr
from bot.archive.exports.detect import Detected, ExportFormat, detect
from bot.archive.exports.records import (
    Discussion,
    ExportComment,
    LeftOut,
    Record,
)
from bot.archive.exports.tree import Placed, page_order

BATCH = 2_000
# From this size an export's XML is read in a child process beside the rest of the load
# (bot.archive.exports.pipeline), and the store fills its full-text index in another
# (bot.archive.index_build); smaller files (samples, tests) would gain a fraction of a second
# at most, and each start an interpreter.
CHILD_PROCESS_FROM = 16 * 2**20
# Comments of one WordPress item threaded in memory (about 1 KB each with their rows: 20,000
# added 23 MB to the peak); a larger item is staged and threaded in SQLite, so memory stays
# bounded whatever one discussion's size.
GROUP_LIMIT = 10_000

DISCUSSION_COLUMNS = (
    "discussion",
    "merge_key",
    "export_id",
    "title",
    "link",
    "date",
    "author",
    "body",
    "text",
)
COMMENT_COLUMNS = (
    "position",
    "discussion",
    "id",
    "parent_id",
    "depth",
    "kind",
    "author",
    "author_url",
    "date",
    "body",
    "text",
    "permalink",
    "export_id",
)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an export's rows go: per table, each column and its value as an SQL expression of
    the neutral columns above, written ``{name}`` (``"nullif({body}, '')"``)."""

    discussion_table: str
    discussion: Mapping[str, str]
    comment_table: str
    comment: Mapping[str, str]


# The numbered discussions, as load_export leaves them and as staging numbers them.
_DISCUSSION_TABLE = """
CREATE TEMP TABLE {name} (
    discussion INTEGER PRIMARY KEY,
    merge_key TEXT NOT NULL UNIQUE,
    export_id TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    date TEXT,
    author TEXT,
    body TEXT NOT NULL,
    text TEXT NOT NULL
);
"""
# Where a comment goes: written with its words, or (Disqus) first alone (export_place).
_PLACE = """
    position INTEGER PRIMARY KEY,
    discussion INTEGER NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT,
    depth INTEGER NOT NULL,
    kind TEXT NOT NULL,"""
OUTPUT_DDL = (
    _DISCUSSION_TABLE.format(name="export_discussion")
    + f"""
CREATE TEMP TABLE export_comment ({_PLACE}
    author TEXT,
    author_url TEXT,
    date TEXT,
    body TEXT NOT NULL,
    text TEXT NOT NULL,
    permalink TEXT,
    export_id TEXT NOT NULL
);
"""
)
TEMP_DESTINATION = Destination(
    "temp.export_discussion",
    {name: f"{{{name}}}" for name in DISCUSSION_COLUMNS},
    "temp.export_comment",
    {name: f"{{{name}}}" for name in COMMENT_COLUMNS},
)

# A discussion as an export gives it, before it is numbered: staged for SQL threading, or held as
# a Disqus thread until its posts are read.
_STAGED_DISCUSSION = """
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    merge_key TEXT NOT NULL,
    export_id TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    date TEXT,
    author TEXT,
    body TEXT NOT NULL,
    text TEXT NOT NULL
"""

# A comment as an export gives it, after what places it (its discussion's key, or a Disqus post's
# page and thread).
_STAGED_COMMENT = """
    export_id TEXT NOT NULL,
    parent_export_id TEXT,
    kind TEXT NOT NULL,
    author TEXT,
    author_url TEXT,
    date TEXT,
    body TEXT NOT NULL,
    text TEXT NOT NULL"""

STAGING_DDL = f"""
CREATE TEMP TABLE export_stage_discussion ({_STAGED_DISCUSSION});
CREATE TEMP TABLE export_stage_comment (
    seq INTEGER PRIMARY KEY,
    discussion_key TEXT NOT NULL,{_STAGED_COMMENT}
);
"""

# The tree's structure only; bodies stay in export_stage_comment and are joined in at the end.
# ``ord`` orders siblings with equal dates: file order, or a placeholder's first reply's.
TREE_DDL = (
    """
CREATE TEMP TABLE export_node (
    node INTEGER PRIMARY KEY,
    discussion TEXT NOT NULL,
    export_id TEXT NOT NULL,
    parent_export_id TEXT,
    parent_node INTEGER,
    date TEXT,
    ord INTEGER NOT NULL,
    seq INTEGER
);
CREATE TEMP TABLE export_tree (
    node INTEGER PRIMARY KEY,
    outline TEXT NOT NULL,
    parent_outline TEXT,
    sortkey TEXT NOT NULL,
    depth INTEGER NOT NULL
);
"""
    + _DISCUSSION_TABLE.format(name="export_staged_discussion")
    + """
CREATE TEMP TABLE export_order (position INTEGER PRIMARY KEY, node INTEGER NOT NULL);
CREATE TEMP VIEW export_staged AS
SELECT o.position, d.discussion, t.outline AS id, t.parent_outline AS parent_id, t.depth,
       CASE WHEN n.seq IS NULL THEN 'placeholder' ELSE c.kind END AS kind,
       c.author, c.author_url, c.date, coalesce(c.body, '') AS body, coalesce(c.text, '') AS text,
       CASE WHEN n.seq IS NOT NULL AND d.link <> ''
            THEN d.link || '#comment-' || n.export_id END AS permalink,
       n.export_id
FROM export_order o
JOIN export_tree t ON t.node = o.node
JOIN export_node n ON n.node = o.node
JOIN export_staged_discussion d ON d.merge_key = n.discussion
LEFT JOIN export_stage_comment c ON c.seq = n.seq;
"""
)

# What threading in SQL works in, dropped once its rows are written.
SQL_TREE_OBJECTS = (
    ("VIEW", "export_staged"),
    ("TABLE", "export_order"),
    ("TABLE", "export_staged_discussion"),
    ("TABLE", "export_tree"),
    ("TABLE", "export_node"),
    ("TABLE", "export_stage_comment"),
    ("TABLE", "export_stage_discussion"),
)

# Disqus posts, held until every post is read, then read back a discussion at a time. ``page``
# is the discussion a post belongs to: the ``seq`` of the first thread of its page (threads of
# one page share a merge key), looked up as the post is written (NULL: no such thread, yet).
GROUP_DDL = f"""
CREATE TEMP TABLE export_thread ({_STAGED_DISCUSSION});
CREATE TEMP TABLE export_thread_page (
    merge_key TEXT PRIMARY KEY, page INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TEMP TABLE export_thread_key (key TEXT PRIMARY KEY, page INTEGER NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE export_post (
    seq INTEGER PRIMARY KEY,
    page INTEGER,
    thread TEXT NOT NULL,{_STAGED_COMMENT}
);
CREATE TEMP TABLE export_place ({_PLACE}
    seq INTEGER,
    permalink TEXT,
    export_id TEXT NOT NULL
);
CREATE TEMP VIEW export_placed AS
SELECT pl.position, pl.discussion, pl.id, pl.parent_id, pl.depth, pl.kind, p.author,
       p.author_url, p.date, coalesce(p.body, '') AS body, coalesce(p.text, '') AS text,
       pl.permalink, pl.export_id
FROM export_place pl LEFT JOIN export_post p ON p.seq = pl.seq;
"""
GROUP_OBJECTS = (
    ("VIEW", "export_placed"),
    ("TABLE", "export_place"),
    ("TABLE", "export_post"),
    ("TABLE", "export_thread_key"),
    ("TABLE", "export_thread_page"),
    ("TABLE", "export_thread"),
)
WORKING_OBJECTS = (*SQL_TREE_OBJECTS, *GROUP_OBJECTS)
TEMP_OBJECTS = (
    ("TABLE", "export_comment"),
    ("TABLE", "export_discussion"),
    *WORKING_OBJECTS,
)

# An outline number's sort key: its length as one character, then its digits, so that plain
# text order is numeric order ("9" < "10") and a parent's key is a prefix of its children's.
_SORT_PART = "char(48 + length({n})) || {n}"

_NODES = """
INSERT INTO export_node (discussion, export_id, parent_export_id, date, ord, seq)
SELECT m.merge_key, c.export_id, nullif(c.parent_export_id, c.export_id), c.date, c.seq, c.seq
FROM export_stage_comment c
JOIN (SELECT key, merge_key FROM export_stage_discussion
      WHERE seq IN (SELECT min(seq) FROM export_stage_discussion GROUP BY key)) m
  ON m.key = c.discussion_key
ORDER BY c.seq
"""
_LINK_PARENTS = """
UPDATE export_node SET parent_node = (
    SELECT min(p.node) FROM export_node p
    WHERE p.discussion = export_node.discussion AND p.export_id = export_node.parent_export_id
) WHERE parent_export_id IS NOT NULL AND parent_node IS NULL
"""
_PLACEHOLDERS = """
INSERT INTO export_node (discussion, export_id, parent_export_id, date, ord, seq)
SELECT discussion, parent_export_id, NULL, min(date), min(ord), NULL
FROM export_node WHERE parent_export_id IS NOT NULL AND parent_node IS NULL
GROUP BY discussion, parent_export_id
"""
_DISCUSSIONS = """
INSERT INTO export_staged_discussion (merge_key, export_id, title, link, date, author, body, text)
SELECT merge_key, export_id, title, link, date, author, body, text
FROM export_stage_discussion s
WHERE seq IN (SELECT min(seq) FROM export_stage_discussion GROUP BY merge_key)
  AND EXISTS (SELECT 1 FROM export_node n WHERE n.discussion = s.merge_key)
ORDER BY seq
"""
_TOP_LEVEL = f"""
INSERT INTO export_tree (node, outline, parent_outline, sortkey, depth)
SELECT node, n, NULL, {_SORT_PART.format(n="n")}, 1
FROM (
    SELECT node,
           CAST(ROW_NUMBER() OVER (PARTITION BY discussion ORDER BY date, ord) AS TEXT) AS n
    FROM export_node WHERE parent_node IS NULL
)
"""
# Comments in a loop of parent ids, numbered after their discussion's top-level comments.
_LOOPS_TO_TOP_LEVEL = f"""
INSERT INTO export_tree (node, outline, parent_outline, sortkey, depth)
SELECT node, n, NULL, {_SORT_PART.format(n="n")}, 1
FROM (
    SELECT u.node, CAST(ROW_NUMBER() OVER (PARTITION BY u.discussion ORDER BY u.date, u.ord)
                        + coalesce(top.count, 0) AS TEXT) AS n
    FROM export_node u
    LEFT JOIN (SELECT x.discussion, count(*) AS count FROM export_tree t
               JOIN export_node x ON x.node = t.node WHERE t.depth = 1
               GROUP BY x.discussion) top ON top.discussion = u.discussion
    WHERE u.node NOT IN (SELECT node FROM export_tree)
)
"""
_NEXT_LEVEL = f"""
INSERT INTO export_tree (node, outline, parent_outline, sortkey, depth)
SELECT node, parent_outline || '.' || n, parent_outline,
       parent_sortkey || {_SORT_PART.format(n="n")}, depth + 1
FROM (
    SELECT c.node, t.outline AS parent_outline, t.sortkey AS parent_sortkey, t.depth,
           CAST(ROW_NUMBER() OVER (PARTITION BY c.parent_node ORDER BY c.date, c.ord) AS TEXT) AS n
    FROM export_tree t JOIN export_node c ON c.parent_node = t.node
    WHERE t.depth = ?
)
"""
_ORDER = """
INSERT INTO export_order (node)
SELECT t.node FROM export_tree t
JOIN export_node n ON n.node = t.node
JOIN export_staged_discussion d ON d.merge_key = n.discussion
ORDER BY d.discussion, t.sortkey
"""
_STAGE_DISCUSSION = (
    "INSERT INTO export_stage_discussion (key, merge_key, export_id, title, link, date, author,"
    " body, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_STAGE_COMMENT = (
    "INSERT INTO export_stage_comment (discussion_key, export_id, parent_export_id, kind, author,"
    " author_url, date, body, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_GROUP_THREAD = "INSERT INTO export_thread VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# The first thread of a merge key, and of a thread key, gives their page.
_GROUP_PAGE = "INSERT OR IGNORE INTO export_thread_page VALUES (?, ?)"
_GROUP_KEY = (
    "INSERT OR IGNORE INTO export_thread_key SELECT ?, page FROM export_thread_page"
    " WHERE merge_key = ?"
)
_GROUP_POST = (
    "INSERT INTO export_post (page, thread, export_id, parent_export_id, kind, author,"
    " author_url, date, body, text) VALUES ((SELECT page FROM export_thread_key WHERE key = ?1),"
    " ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
)
# Posts written before their thread: only a thread after a post in the file leaves any.
_GROUP_LATE_THREADS = """
UPDATE export_post SET page = (SELECT page FROM export_thread_key WHERE key = export_post.thread)
WHERE page IS NULL
"""
# Threads folded into another of their page, counted as the SQL threading counts them.
_GROUP_MERGED = """
SELECT count(DISTINCT t.key) - (SELECT count(DISTINCT page) FROM export_post
                                WHERE page IS NOT NULL)
FROM export_thread t JOIN export_thread_page p ON p.merge_key = t.merge_key
WHERE EXISTS (SELECT 1 FROM export_post c WHERE c.page = p.page)
"""
# The next pages with posts after a page, with their size and their first thread.
_GROUP_PAGES = """
SELECT p.page, p.posts, t.merge_key, t.export_id, t.title, t.link, t.date, t.author, t.body,
       t.text
FROM (SELECT page, count(*) AS posts FROM export_post WHERE page > ?
      GROUP BY page ORDER BY page LIMIT ?) p
JOIN export_thread t ON t.seq = p.page
ORDER BY p.page
"""
# Where each post of a run of pages goes, page by page in file order (the index gives that
# order), and its text; its other words stay in export_post until they are copied to its place.
_GROUP_POSTS = """
SELECT page, seq, export_id, parent_export_id, kind, date, text
FROM export_post WHERE page BETWEEN ? AND ? ORDER BY page, seq
"""
_GROUP_PLACE = "INSERT INTO export_place VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A page too large to hold, staged for threading in SQL under one key.
_GROUP_STAGE_DISCUSSION = """
INSERT INTO export_stage_discussion (key, merge_key, export_id, title, link, date, author, body,
                                     text)
SELECT '', merge_key, export_id, title, link, date, author, body, text
FROM export_thread WHERE seq = ?
"""
_GROUP_STAGE_COMMENTS = """
INSERT INTO export_stage_comment (discussion_key, export_id, parent_export_id, kind, author,
                                  author_url, date, body, text)
SELECT '', export_id, parent_export_id, kind, author, author_url, date, body, text
FROM export_post WHERE page = ? ORDER BY seq
"""


@dataclass(slots=True)
class ExportReport:
    """What an export held: loaded rows by kind, and comments left out by reason."""

    path: Path
    format: ExportFormat
    version: str | None
    discussions: int = 0
    # 'comment', 'pingback', 'trackback', 'placeholder'
    kinds: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)
    # Disqus threads folded into another thread of the same page.
    merged_threads: int = 0

    @property
    def comments(self) -> int:
        """Loaded comments of every kind except placeholders."""
        return sum(n for kind, n in self.kinds.items() if kind != "placeholder")


def uses_children(path: Path) -> bool:
    """Whether the export at ``path`` is large enough for its load's child processes (see
    CHILD_PROCESS_FROM)."""
    return path.stat().st_size >= CHILD_PROCESS_FROM


def read_export(
    path: Path, detected: Detected | None = None, *, split: bool = False, spool: Path | None = None
) -> Iterator[Record]:
    """The export's records as a stream; ArchiveFormatError for anything but WXR or Disqus.
    ``split``: a large Disqus export may be read in two parts at once, the second waiting in the
    folder ``spool`` (see pipeline.disqus_fields), which raises pipeline.SplitFailed on any
    error."""
    detected = detected or detect(path)
    in_child = uses_children(path)
    if detected.format is ExportFormat.WXR:
        namespace = detected.namespace
        assert namespace is not None  # detection found the wp: namespace
        read_wxr = pipeline.wxr_fields if in_child else wxr.read_fields
        return wxr.records(read_wxr(path, namespace))
    if detected.format is ExportFormat.DISQUS:
        if in_child:
            return disqus.records(pipeline.disqus_fields(path, split=split, spool=spool))
        return disqus.records(disqus.read_fields(path))
    raise ArchiveFormatError(f"{path}: the page text, not a WordPress or Disqus export")


def load_export(
    conn: sqlite3.Connection,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Stream the export at ``path`` into ``temp.export_discussion`` and ``temp.export_comment``.

    Runs on a plain sqlite3 connection (ingest may call it from a worker thread). Either the
    tables are complete or, on an error, none are left. ``progress(n)`` hears how many records
    have been read. Raises ArchiveFormatError naming the file for unreadable input.
    """
    drop_export_tables(conn)
    conn.executescript(OUTPUT_DDL)
    try:
        return write_export(conn, path, TEMP_DESTINATION, progress=progress)
    except BaseException:
        drop_export_tables(conn)
        raise


def write_export(
    conn: sqlite3.Connection,
    path: Path,
    destination: Destination,
    *,
    progress: Callable[[int], None] | None = None,
    texts: Callable[[list[tuple[int, str]]], None] | None = None,
    spool: Path | None = None,
) -> ExportReport:
    """Stream the export at ``path`` into ``destination``'s tables, whole or not at all.

    What staging needs is made and dropped here, on ``conn``'s TEMP schema. ``texts`` hears
    every comment row's (position, text) as it is written, in batches, in page order. A large
    Disqus export is read in two parts at once, the second waiting meanwhile in an unnamed file
    in the folder ``spool`` (None: the system's temporary folder), at most the export's size.
    """
    detected = detect(path)
    try:
        return _write_export(conn, path, detected, destination, progress, texts, spool, split=True)
    except pipeline.SplitFailed:
        # Read again whole, in one reader: the file's error, if it has one, as it is.
        return _write_export(conn, path, detected, destination, progress, texts, None, split=False)


def _write_export(
    conn: sqlite3.Connection,
    path: Path,
    detected: Detected,
    destination: Destination,
    progress: Callable[[int], None] | None,
    texts: Callable[[list[tuple[int, str]]], None] | None,
    spool: Path | None,
    *,
    split: bool,
) -> ExportReport:
    records = read_export(path, detected, split=split, spool=spool)
    report = ExportReport(path, detected.format, detected.version)
    writer = _Writer(conn, destination, report, texts)
    conn.execute("SAVEPOINT export_load")
    try:
        if detected.format is ExportFormat.WXR:
            _write_by_item(writer, _counted(records, progress))
        else:
            _write_by_page(writer, _counted(records, progress))
        writer.flush()
    except BaseException:
        conn.execute("ROLLBACK TO export_load")
        conn.execute("RELEASE export_load")
        _drop(conn, WORKING_OBJECTS)
        raise
    conn.execute("RELEASE export_load")
    return report


def drop_export_tables(conn: sqlite3.Connection) -> None:
    _drop(conn, TEMP_OBJECTS)


def _drop(conn: sqlite3.Connection, objects: Iterable[tuple[str, str]]) -> None:
    for kind, name in objects:
        conn.execute(f"DROP {kind} IF EXISTS temp.{name}")


def _counted(records: Iterable[Record], progress: Callable[[int], None] | None) -> Iterator[Record]:
    if progress is None:
        yield from records
        return
    read = 0
    for record in records:
        yield record
        read += 1
        if read % BATCH == 0:
            progress(read)
    progress(read)


def _write_by_item(writer: _Writer, records: Iterable[Record]) -> None:
    """WordPress: each item's comments come before the item's end, where its record is sent."""
    comments: list[ExportComment] = []
    key: str | None = None
    staged = False  # the current item's comments went to SQL staging
    for record in records:
        if isinstance(record, ExportComment):
            if record.discussion_key != key:
                # Comments on an item that is not a discussion (an attachment).
                writer.end_item(None, comments, staged=staged)
                comments, key, staged = [], record.discussion_key, False
            if staged:
                writer.stage(record)
            elif len(comments) < GROUP_LIMIT:
                comments.append(record)
            else:
                writer.begin_staging()
                for comment in comments:
                    writer.stage(comment)
                writer.stage(record)
                comments, staged = [], True
        elif isinstance(record, Discussion):
            writer.end_item(record if record.key == key else None, comments, staged=staged)
            comments, key, staged = [], None, False
        else:
            writer.report.left_out[record.reason.value] += 1
    writer.end_item(None, comments, staged=staged)


def _write_by_page(writer: _Writer, records: Iterable[Record]) -> None:
    """Disqus: every post held in SQLite under its page, then each page threaded in turn."""
    conn = writer.conn
    for statement in _statements(GROUP_DDL):
        conn.execute(statement)
    threads: list[tuple[object, ...]] = []
    posts: list[tuple[object, ...]] = []
    seq = 0
    posted = late = False  # late: a thread came after a post, which may have named it
    for record in records:
        if isinstance(record, ExportComment):
            posted = True
            posts.append(
                (record.discussion_key, record.export_id, record.parent_export_id)
                + (record.kind.value, record.author, record.author_url, record.date)
                + (record.body, record.text)
            )
        elif isinstance(record, Discussion):
            seq += 1
            late = late or posted
            threads.append((seq, record.key, *_discussion_values(record)))
        else:
            writer.report.left_out[record.reason.value] += 1
            continue
        if len(threads) + len(posts) >= BATCH:
            _hold(conn, threads, posts)
    _hold(conn, threads, posts)
    if late:
        conn.execute(_GROUP_LATE_THREADS)
    # Covering what threading reads: a page's posts are scattered over the file's order, and
    # reading their rows (words and all) would make a random read for each.
    conn.execute(
        "CREATE INDEX temp.export_post_page"
        " ON export_post (page, export_id, parent_export_id, kind, date)"
    )
    report = writer.report
    orphans = _scalar(conn, "SELECT count(*) FROM export_post WHERE page IS NULL")
    if orphans:
        report.left_out[LeftOut.NO_DISCUSSION.value] += orphans
    report.merged_threads += _scalar(conn, _GROUP_MERGED)
    _write_pages(writer)
    writer.flush()
    _drop(conn, GROUP_OBJECTS)


def _hold(
    conn: sqlite3.Connection, threads: list[tuple[object, ...]], posts: list[tuple[object, ...]]
) -> None:
    """Write the threads and posts read so far (threads first: the posts look their page up)."""
    conn.executemany(_GROUP_THREAD, threads)
    conn.executemany(_GROUP_PAGE, ((thread[2], thread[0]) for thread in threads))
    conn.executemany(_GROUP_KEY, ((thread[1], thread[2]) for thread in threads))
    conn.executemany(_GROUP_POST, posts)
    threads.clear()
    posts.clear()


def _write_pages(writer: _Writer) -> None:
    """Each page with posts, in the order of its first thread: threaded in memory, read a run
    of pages of at most BATCH posts (or one page of at most GROUP_LIMIT) at a time, or (a
    larger page) in SQL."""
    conn = writer.conn
    after = 0
    while pages := conn.execute(_GROUP_PAGES, (after, BATCH)).fetchall():
        run: list[tuple[int, Discussion]] = []
        held = 0
        for page, posts, *thread in pages:
            discussion = Discussion("", *thread)
            if posts > GROUP_LIMIT:
                _thread_run(writer, run)
                run, held = [], 0
                writer.begin_staging()
                conn.execute(_GROUP_STAGE_DISCUSSION, (page,))
                conn.execute(_GROUP_STAGE_COMMENTS, (page,))
                writer.copy_staged()
                continue
            if held + posts > BATCH:
                _thread_run(writer, run)
                run, held = [], 0
            run.append((page, discussion))
            held += posts
        _thread_run(writer, run)
        after = pages[-1][0]


class _Written(Placed, Protocol):
    """What a written comment's place needs beyond threading."""

    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


_C = TypeVar("_C", bound=_Written)


class _Post(NamedTuple):
    """A held Disqus post, as threading reads it: its words are copied to its place in SQL."""

    seq: int
    export_id: str
    parent_export_id: str | None
    kind: str
    date: str | None
    text: str


def _thread_run(writer: _Writer, run: list[tuple[int, Discussion]]) -> None:
    if not run:
        return
    rows = writer.conn.execute(_GROUP_POSTS, (run[0][0], run[-1][0])).fetchall()
    discussions = dict(run)
    for page, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        writer.add_placed(discussions[page], [_Post(*row[1:]) for row in group])


class _Writer:
    """Final rows into the destination, numbered in page order across the whole export."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        destination: Destination,
        report: ExportReport,
        texts: Callable[[list[tuple[int, str]]], None] | None = None,
    ) -> None:
        self.conn = conn
        self.texts = texts
        self.written_texts: list[tuple[int, str]] = []
        self.report = report
        self.destination = destination
        self.discussions = 0
        self.positions = 0
        self.discussion_rows: list[tuple[object, ...]] = []
        self.comment_rows: list[tuple[object, ...]] = []
        self.staged_discussions: list[tuple[object, ...]] = []
        self.staged_comments: list[tuple[object, ...]] = []
        # Disqus: places of posts held in export_post (see add_placed).
        self.placed_rows: list[tuple[object, ...]] = []
        self.insert_discussion = _insert_values(
            destination.discussion_table, destination.discussion, DISCUSSION_COLUMNS
        )
        self.insert_comment = _insert_values(
            destination.comment_table, destination.comment, COMMENT_COLUMNS
        )

    def end_item(
        self, discussion: Discussion | None, comments: list[ExportComment], *, staged: bool
    ) -> None:
        """An item's comments (held, or staged) written under its discussion; without one (an
        attachment's comments) they are counted as left out. An item nobody commented on is
        no discussion here."""
        if staged:
            if discussion is not None:
                self.stage(discussion)
            self.copy_staged()
        elif discussion is not None and comments:
            self.add_threaded(discussion, comments)
        elif comments:
            self.report.left_out[LeftOut.NO_DISCUSSION.value] += len(comments)

    def add_threaded(self, discussion: Discussion, comments: list[ExportComment]) -> None:
        rows = self.comment_rows
        for place, comment in self._numbered(discussion, comments):
            if comment is None:
                # A placeholder: no author, link or date, no words.
                rows.append(place[:6] + (None, None, None, "", "") + place[6:])
            else:
                rows.append(
                    place[:6]
                    + (comment.author, comment.author_url, comment.date, comment.body)
                    + (comment.text, *place[6:])
                )
        if len(rows) >= BATCH:
            self.flush()

    def add_placed(self, discussion: Discussion, posts: list[_Post]) -> None:
        """Like add_threaded, for posts whose words wait in export_post: only their places are
        held here, and :meth:`flush` copies the words to them in one statement (a batch at a
        time, so that the full-text index, filled beside the load, keeps pace)."""
        rows = self.placed_rows
        for place, post in self._numbered(discussion, posts):
            rows.append(place[:6] + (post.seq if post is not None else None,) + place[6:])
        if len(rows) >= BATCH:
            self.flush()

    def _send_texts(self) -> None:
        if self.texts is not None and self.written_texts:
            self.texts(self.written_texts)
            self.written_texts = []  # the list is the listener's now

    def _numbered(
        self, discussion: Discussion, comments: Sequence[_C]
    ) -> Iterator[tuple[tuple[object, ...], _C | None]]:
        """The discussion's number taken and its row held; then each comment (None for a
        placeholder) with the columns that place it: (position, discussion, id, parent_id,
        depth, kind) and then (permalink, export_id)."""
        self.discussions += 1
        number = self.discussions
        self.report.discussions += 1
        self.discussion_rows.append((number, *_discussion_values(discussion)))
        link = discussion.link
        kinds = self.report.kinds
        texts = self.written_texts if self.texts is not None else None
        for outline, parent, depth, comment, export_id in page_order(comments):
            self.positions += 1
            # str() of an ExportKind is its value.
            kind = "placeholder" if comment is None else str(comment.kind)
            kinds[kind] += 1
            permalink = f"{link}#comment-{export_id}" if link and comment is not None else None
            place = (self.positions, number, outline, parent, depth, kind, permalink, export_id)
            if texts is not None:
                texts.append((self.positions, comment.text if comment is not None else ""))
            yield place, comment

    def flush(self) -> None:
        """Write what is held, in page order."""
        self.conn.executemany(self.insert_discussion, self.discussion_rows)
        self.conn.executemany(self.insert_comment, self.comment_rows)
        self.discussion_rows.clear()
        self.comment_rows.clear()
        self._send_texts()
        if self.placed_rows:
            self.conn.executemany(_GROUP_PLACE, self.placed_rows)
            self.placed_rows.clear()
            # export_place's key is the position: the copy reads it in page order, unsorted.
            self.conn.execute(
                _insert_select(
                    self.destination.comment_table,
                    self.destination.comment,
                    COMMENT_COLUMNS,
                    "export_placed",
                )
                + " ORDER BY position"
            )
            self.conn.execute("DELETE FROM export_place")

    def begin_staging(self) -> None:
        _drop(self.conn, SQL_TREE_OBJECTS)
        for statement in _statements(STAGING_DDL + TREE_DDL):
            self.conn.execute(statement)

    def stage(self, record: Discussion | ExportComment) -> None:
        if isinstance(record, ExportComment):
            self.staged_comments.append(
                (
                    record.discussion_key,
                    record.export_id,
                    record.parent_export_id,
                    record.kind.value,
                    record.author,
                    record.author_url,
                    record.date,
                    record.body,
                    record.text,
                )
            )
        else:
            self.staged_discussions.append((record.key, *_discussion_values(record)))
        if len(self.staged_comments) + len(self.staged_discussions) >= BATCH:
            self._flush_staged()

    def _flush_staged(self) -> None:
        self.conn.executemany(_STAGE_DISCUSSION, self.staged_discussions)
        self.conn.executemany(_STAGE_COMMENT, self.staged_comments)
        self.staged_discussions.clear()
        self.staged_comments.clear()

    def copy_staged(self) -> None:
        """Thread what is staged and write it after the rows written so far."""
        self._flush_staged()
        self.flush()  # rows keep page order in the destination
        _build_tree(self.conn, self.report)
        destination = self.destination
        discussions = self.conn.execute(
            _insert_select(
                destination.discussion_table,
                destination.discussion,
                DISCUSSION_COLUMNS,
                "export_staged_discussion",
                discussion=self.discussions,
            )
        ).rowcount
        comments = self.conn.execute(
            _insert_select(
                destination.comment_table,
                destination.comment,
                COMMENT_COLUMNS,
                "export_staged",
                discussion=self.discussions,
                position=self.positions,
            )
            + " ORDER BY position"
        ).rowcount
        if self.texts is not None:
            cursor = self.conn.execute(
                "SELECT position + ?, text FROM temp.export_staged ORDER BY position",
                (self.positions,),
            )
            while batch := cursor.fetchmany(BATCH):
                self.texts(batch)
        self.discussions += discussions
        self.positions += comments
        _drop(self.conn, SQL_TREE_OBJECTS)


def _discussion_values(discussion: Discussion) -> tuple[object, ...]:
    """A discussion's neutral columns after its number (or, staged, its key)."""
    return (
        discussion.merge_key,
        discussion.export_id,
        discussion.title,
        discussion.link,
        discussion.date,
        discussion.author,
        discussion.body,
        discussion.text,
    )


def _insert_values(table: str, columns: Mapping[str, str], neutral: tuple[str, ...]) -> str:
    """An INSERT of one neutral row (its values bound in the neutral columns' order)."""
    values = {name: f"?{i}" for i, name in enumerate(neutral, 1)}
    expressions = ", ".join(value.format(**values) for value in columns.values())
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({expressions})"


def _insert_select(
    table: str, columns: Mapping[str, str], neutral: tuple[str, ...], source: str, **offsets: int
) -> str:
    """An INSERT of every row of the staging table or view ``source``, its numbers moved on by
    ``offsets`` (the discussions and positions written before it)."""
    names = {name: f"({name} + {offsets[name]})" if name in offsets else name for name in neutral}
    expressions = ", ".join(value.format(**names) for value in columns.values())
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {expressions} FROM temp.{source}"


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def _build_tree(conn: sqlite3.Connection, report: ExportReport) -> None:
    """Number what is staged, and add what it holds to ``report``."""
    conn.execute(_NODES)
    staged = _scalar(conn, "SELECT count(*) FROM export_stage_comment")
    nodes = _scalar(conn, "SELECT count(*) FROM export_node")
    if staged > nodes:
        report.left_out[LeftOut.NO_DISCUSSION.value] += staged - nodes
    conn.execute("CREATE INDEX temp.export_node_key ON export_node (discussion, export_id)")
    conn.execute(_LINK_PARENTS)
    conn.execute(_PLACEHOLDERS)
    conn.execute(_LINK_PARENTS)
    conn.execute("CREATE INDEX temp.export_node_parent ON export_node (parent_node)")
    conn.execute("CREATE INDEX temp.export_tree_depth ON export_tree (depth)")
    conn.execute(_TOP_LEVEL)
    _number_levels(conn)
    if _scalar(conn, "SELECT count(*) FROM export_tree") < _scalar(
        conn, "SELECT count(*) FROM export_node"
    ):
        # Only a loop in the parent ids leaves comments unnumbered.
        conn.execute(_LOOPS_TO_TOP_LEVEL)
    conn.execute(_DISCUSSIONS)
    conn.execute(_ORDER)
    discussions = _scalar(conn, "SELECT count(*) FROM export_staged_discussion")
    report.discussions += discussions
    stage_pages = _scalar(
        conn,
        "SELECT count(*) FROM (SELECT DISTINCT key FROM export_stage_discussion s"
        " WHERE EXISTS (SELECT 1 FROM export_node n WHERE n.discussion = s.merge_key))",
    )
    report.merged_threads += stage_pages - discussions
    for kind, count in conn.execute(
        "SELECT coalesce(c.kind, 'placeholder'), count(*) FROM export_node n"
        " LEFT JOIN export_stage_comment c ON c.seq = n.seq GROUP BY 1"
    ):
        report.kinds[kind] += count


def _number_levels(conn: sqlite3.Connection) -> None:
    """Number the replies level by level below the top, one statement per level."""
    depth = 1
    while conn.execute(_NEXT_LEVEL, (depth,)).rowcount > 0:
        depth += 1


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0])
