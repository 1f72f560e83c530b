"""Work on an aiosqlite connection's own thread: in one trip there, and bounded in time.

Every call aiosqlite hands to its thread is a trip there and back, and each trip waits for the
event loop's turn and the thread's: on a busy machine that wait, not SQLite, is most of a
lookup's time. A question that takes several statements asks them all in one trip, and a
statement bounded in time arms its progress handler, runs and disarms it in that same trip, so
no other statement on the connection ever runs under its deadline.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

# How often (in SQLite VM steps) the progress handler looks at the clock: FTS5 does much of
# its work between two steps, so a 1,000-step period first looked 26 ms into an AND of common
# words (at 100k); 100 steps look within a millisecond.
PROGRESS_STEPS = 100
T = TypeVar("T")


async def in_one_trip(db: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``work`` over the plain sqlite3 connection on the connection's own thread.

    It is aiosqlite's own queue (its public calls go through it), in order with every other call.
    """
    # Untyped in aiosqlite.
    queue: Callable[..., Awaitable[T]] = db._execute
    return await queue(work, db._conn)


async def in_one_transaction(
    db: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]
) -> T:
    """Run ``work``'s statements as one transaction, committed in the same trip. A statement
    that fails rolls back those before it, so nothing half-written is left for the next
    write's commit to make permanent."""

    def transaction(conn: sqlite3.Connection) -> T:
        with conn:  # commits, or rolls back on an exception
            return work(conn)

    return await in_one_trip(db, transaction)


def rows_within(
    conn: sqlite3.Connection, sql: str, parameters: Any, budget: float
) -> tuple[list[tuple[Any, ...]], bool]:
    """The rows the statement yields within ``budget`` seconds, in its order, and whether it
    finished. Run on the connection's thread: the clock starts there, so the time spent waiting
    for the thread is not the statement's."""
    deadline = time.monotonic() + budget
    conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    rows: list[tuple[Any, ...]] = []
    try:
        rows.extend(tuple(row) for row in conn.execute(sql, parameters))
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        return rows, False
    finally:
        conn.set_progress_handler(None, 0)
    return rows, True
