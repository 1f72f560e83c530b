"""Export records into outline-numbered rows, through SQLite, in bounded memory.

Threading cannot trust the file's order: Disqus lists every post after every thread, in no
order, and WordPress sometimes writes a reply before its parent. Holding a discussion's tree in
Python would cost memory in proportion to its size (a million comments in one discussion), so
the reader's records are streamed into TEMP staging tables and the tree is numbered by SQL,
level by level; SQLite sorts on disk, and Python holds one batch of rows at a time.

Outline ids follow the 2014 page (:mod:`bot.archive.outline`): within a discussion the top-level
comments are 1..n by date (then file order), the replies to "3" are "3.1", "3.2" ... by date.
A parent id the file lacks (never there, or left out as spam, deleted or pending) becomes a
placeholder comment at the top level holding its replies. A loop in the parent ids (never
written by WordPress or Disqus, but possible in a hand-made file) puts its comments at the top
level after the others.

The result is two TEMP objects on the caller's connection (the schema the store adopts):

``temp.export_discussion`` (table), one row per discussion with at least one comment, in file
order; Disqus threads whose links are one page are merged into one::

    discussion INTEGER PRIMARY KEY  -- 1.. in file order
    merge_key  TEXT NOT NULL UNIQUE -- the reader's key for the page (normalised link for Disqus)
    export_id  TEXT NOT NULL        -- WordPress post id, Disqus thread dsq:id ('' if none)
    title, link TEXT NOT NULL; date TEXT (UTC ISO, NULL if unknown); author TEXT (NULL if none)
    body TEXT NOT NULL              -- the opening text's HTML, '' when plain (see exports.html)
    text TEXT NOT NULL              -- the same, plain text for search

``temp.export_comment`` (view), one row per comment and placeholder; ``ORDER BY position`` is
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

They live until :func:`drop_export_tables` or the connection closes; a store copies them with
one ``INSERT ... SELECT ... ORDER BY position``. No e-mail or IP column exists at any stage.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.archive.errors import ArchiveFormatError
from bot.archive.exports import disqus, pipeline, wxr
from bot.archive.exports.detect import Detected, ExportFormat, detect
from bot.archive.exports.records import (
    Discussion,
    ExportComment,
    LeftOut,
    Record,
    Skipped,
)

BATCH = 2_000
# From this size an export's XML is read in a child process beside the rest of the load
# (bot.archive.exports.pipeline); smaller files (samples, tests) would gain a fraction of a
# second at most, and each start an interpreter.
CHILD_PROCESS_FROM = 16 * 2**20

STAGING_DDL = """
CREATE TEMP TABLE export_stage_discussion (
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
);
CREATE TEMP TABLE export_stage_comment (
    seq INTEGER PRIMARY KEY,
    discussion_key TEXT NOT NULL,
    export_id TEXT NOT NULL,
    parent_export_id TEXT,
    kind TEXT NOT NULL,
    author TEXT,
    author_url TEXT,
    date TEXT,
    body TEXT NOT NULL,
    text TEXT NOT NULL
);
"""

# The tree's structure only; bodies stay in export_stage_comment and are joined in at the end.
# ``ord`` orders siblings with equal dates: file order, or a placeholder's first reply's.
TREE_DDL = """
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
CREATE TEMP TABLE export_discussion (
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
CREATE TEMP TABLE export_order (position INTEGER PRIMARY KEY, node INTEGER NOT NULL);
CREATE TEMP VIEW export_comment AS
SELECT o.position, d.discussion, t.outline AS id, t.parent_outline AS parent_id, t.depth,
       CASE WHEN n.seq IS NULL THEN 'placeholder' ELSE c.kind END AS kind,
       c.author, c.author_url, c.date, coalesce(c.body, '') AS body, coalesce(c.text, '') AS text,
       CASE WHEN n.seq IS NOT NULL AND d.link <> ''
            THEN d.link || '#comment-' || n.export_id END AS permalink,
       n.export_id
FROM export_order o
JOIN export_tree t ON t.node = o.node
JOIN export_node n ON n.node = o.node
JOIN export_discussion d ON d.merge_key = n.discussion
LEFT JOIN export_stage_comment c ON c.seq = n.seq;
"""

TEMP_OBJECTS = (
    ("VIEW", "export_comment"),
    ("TABLE", "export_order"),
    ("TABLE", "export_discussion"),
    ("TABLE", "export_tree"),
    ("TABLE", "export_node"),
    ("TABLE", "export_stage_comment"),
    ("TABLE", "export_stage_discussion"),
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
INSERT INTO export_discussion (merge_key, export_id, title, link, date, author, body, text)
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
JOIN export_discussion d ON d.merge_key = n.discussion
ORDER BY d.discussion, t.sortkey
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


def read_export(path: Path, detected: Detected | None = None) -> Iterator[Record]:
    """The export's records as a stream; ArchiveFormatError for anything but WXR or Disqus."""
    detected = detected or detect(path)
    in_child = path.stat().st_size >= CHILD_PROCESS_FROM
    if detected.format is ExportFormat.WXR:
        namespace = detected.namespace
        assert namespace is not None  # detection found the wp: namespace
        read_wxr = pipeline.wxr_fields if in_child else wxr.read_fields
        return wxr.records(read_wxr(path, namespace))
    if detected.format is ExportFormat.DISQUS:
        read_disqus = pipeline.disqus_fields if in_child else disqus.read_fields
        return disqus.records(read_disqus(path))
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
    detected = detect(path)
    records = read_export(path, detected)
    report = ExportReport(path, detected.format, detected.version)
    drop_export_tables(conn)
    conn.execute("SAVEPOINT export_load")
    try:
        for statement in _statements(STAGING_DDL + TREE_DDL):
            conn.execute(statement)
        _stage(conn, records, report, progress)
        _build_tree(conn, report)
    except BaseException:
        conn.execute("ROLLBACK TO export_load")
        conn.execute("RELEASE export_load")
        drop_export_tables(conn)
        raise
    conn.execute("RELEASE export_load")
    return report


def drop_export_tables(conn: sqlite3.Connection) -> None:
    for kind, name in TEMP_OBJECTS:
        conn.execute(f"DROP {kind} IF EXISTS temp.{name}")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def _stage(
    conn: sqlite3.Connection,
    records: Iterable[Record],
    report: ExportReport,
    progress: Callable[[int], None] | None,
) -> None:
    discussions: list[tuple[object, ...]] = []
    comments: list[tuple[object, ...]] = []
    read = 0

    def flush() -> None:
        conn.executemany(
            "INSERT INTO export_stage_discussion (key, merge_key, export_id, title, link, date,"
            " author, body, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            discussions,
        )
        conn.executemany(
            "INSERT INTO export_stage_comment (discussion_key, export_id, parent_export_id, kind,"
            " author, author_url, date, body, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            comments,
        )
        discussions.clear()
        comments.clear()
        if progress is not None:
            progress(read)

    for record in records:
        read += 1
        if isinstance(record, ExportComment):
            comments.append(
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
        elif isinstance(record, Discussion):
            discussions.append(
                (
                    record.key,
                    record.merge_key,
                    record.export_id,
                    record.title,
                    record.link,
                    record.date,
                    record.author,
                    record.body,
                    record.text,
                )
            )
        elif isinstance(record, Skipped):
            report.left_out[record.reason.value] += 1
        if len(comments) + len(discussions) >= BATCH:
            flush()
    flush()


def _build_tree(conn: sqlite3.Connection, report: ExportReport) -> None:
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
    report.discussions = _scalar(conn, "SELECT count(*) FROM export_discussion")
    stage_pages = _scalar(
        conn,
        "SELECT count(*) FROM (SELECT DISTINCT key FROM export_stage_discussion s"
        " WHERE EXISTS (SELECT 1 FROM export_node n WHERE n.discussion = s.merge_key))",
    )
    report.merged_threads = stage_pages - report.discussions
    for kind, count in conn.execute(
        "SELECT coalesce(c.kind, 'placeholder'), count(*) FROM export_node n"
        " LEFT JOIN export_stage_comment c ON c.seq = n.seq GROUP BY 1"
    ):
        report.kinds[kind] = count


def _number_levels(conn: sqlite3.Connection) -> None:
    """Number the replies level by level below the top, one statement per level."""
    depth = 1
    while conn.execute(_NEXT_LEVEL, (depth,)).rowcount > 0:
        depth += 1


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0])
