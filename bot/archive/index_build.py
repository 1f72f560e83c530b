"""The full-text index of an export, filled on the other core while its rows are written.

FTS5's 'rebuild' reads every comment back once a load is over and indexes it on one core while
the other waits: a fifth of a million-comment ingest. An export's load has each comment's text
in hand, in page order, as it writes the comment's row. :class:`IndexBuilder` sends those
(rowid, text) pairs as they come to a child process (:mod:`bot.archive.children`) that indexes
them into a file of its own (a SQLite file has one writer at a time). A thread would not do:
sharing the process (its GIL, SQLite's process-wide state) with the load, it made the load's
own work 2.4 times slower at 200,000 comments. Once the load is done, the index's tables
are copied into the database whole. The same table definition and settings make them what
'rebuild' would have written there; a test compares the two through FTS5.

Only texts cross the pipe, never an author's name or address, and the child writes nothing else.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

from bot.archive import children
from bot.archive.errors import ArchiveError
from bot.archive.search import (
    FULL_TEXT_SETTING,
    FULL_TEXT_SETTINGS,
    FULL_TEXT_SHADOWS,
    FULL_TEXT_TABLE,
)

log = logging.getLogger(__name__)

_INSERT = "INSERT INTO comment_fts (rowid, body) VALUES (?, ?)"
# Batches the child takes in while it indexes: without them the load would wait for each batch
# to be indexed before it could send the next (a pipe holds 64 KiB), and the two would take
# turns instead of working at once. A few megabytes.
_WAITING = 8


class IndexBuilder:
    """Fills ``comment_fts`` in the file at ``path`` from what :meth:`add` is given.

    Used as a context manager: on leaving it the child has ended and the file is gone, whatever
    happened. Between :meth:`finish` and leaving, :meth:`copy_into` puts the index into a
    database.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._settings = [f"{name}={value}" for name, value in FULL_TEXT_SETTINGS]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> IndexBuilder:
        self.path.unlink(missing_ok=True)
        self._process = children.start(
            __name__,
            str(self.path),
            *self._settings,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            process.kill()  # the load failed: nothing it sent is wanted
            process.communicate()
        self.path.unlink(missing_ok=True)

    def add(self, rows: list[tuple[int, str]]) -> None:
        """Index these (rowid, text) pairs. Rowids rise from call to call, as FTS5 appends them
        fastest."""
        process = self._running()
        assert process.stdin is not None
        try:
            pickle.dump(rows, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:
            self.finish()  # the child has stopped: its error says why
            raise ArchiveError(f"{self.path}: the search index builder stopped early") from None

    def finish(self) -> None:
        """Wait until everything added is indexed and written; the child's error, if any."""
        process = self._running()
        _, said = process.communicate()  # closing its input tells the child it has everything
        if process.returncode != 0:
            why = said.decode(errors="replace").strip().splitlines() or ["it stopped"]
            raise ArchiveError(f"{self.path}: the search index could not be built: {why[-1]}")

    def copy_into(self, conn: sqlite3.Connection) -> None:
        """Replace ``conn``'s (empty, identically defined) index with the one built, in a
        transaction of its own: a database used in a transaction cannot be detached in it."""
        conn.execute("ATTACH DATABASE ? AS built_index", (str(self.path),))
        try:
            conn.execute("BEGIN")
            for table in FULL_TEXT_SHADOWS:
                conn.execute(f"DELETE FROM main.{table}")
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM built_index.{table}")
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE built_index")

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("IndexBuilder is used inside a with block")
        return self._process


def main(argv: list[str]) -> None:
    """The child: ``PATH NAME=VALUE...``; pickled batches of (rowid, text) on standard input
    until it closes, then the index committed. Any failure: one line on standard error and
    exit status 1, with nothing committed."""
    path, *settings = argv
    # The parent reads the last line of standard error as the reason (no token lives here, so
    # bot.logs' redaction, and the discord.py it loads, are not wanted).
    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(FULL_TEXT_TABLE)
        conn.execute("BEGIN")
        for setting in settings:
            name, value = setting.split("=")
            conn.execute(FULL_TEXT_SETTING, (name, int(value)))
        batches: queue.Queue[list[tuple[int, str]] | None] = queue.Queue(_WAITING)
        threading.Thread(target=_receive, args=(batches,), daemon=True).start()
        while (rows := batches.get()) is not None:
            conn.executemany(_INSERT, rows)
        conn.execute("COMMIT")
        conn.close()
    except Exception as error:  # noqa: BLE001 - any failure is reported the same way
        _report(error)
        sys.exit(1)


def _receive(batches: queue.Queue[list[tuple[int, str]] | None]) -> None:
    """The child's standard input into ``batches``, then None. SQLite lets go of the GIL while
    it indexes, so this thread reads meanwhile."""
    try:
        while True:
            batches.put(pickle.load(sys.stdin.buffer))  # from the parent, never from the file
    except EOFError:
        batches.put(None)
    except BaseException as error:  # a batch cut short: nothing may be committed
        _report(error)
        os._exit(1)


def _report(error: BaseException) -> None:
    """The child's one line on why it stops."""
    log.error("%s: %s", type(error).__name__, error)
