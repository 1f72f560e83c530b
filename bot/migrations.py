"""Forward-only schema migrations for the bot's own SQLite data, tracked by PRAGMA user_version.

Only data the bot cannot rebuild (the replay jobs) is migrated; the archive database is derived
from the page and is built again whenever its schema version differs (bot.archive.store).

Each database lists its migrations as a tuple of SQL scripts; entry N moves the schema from
version N to N + 1. Never edit an entry that has shipped: append a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone() or (0,)
    return int(version)


async def migrate(db: aiosqlite.Connection, migrations: Sequence[str], what: str) -> None:
    """Apply the migrations ``db`` has not had yet, each in a transaction of its own.

    A database from a newer bot is refused rather than used: this code does not know its schema.
    """
    version = await schema_version(db)
    if version > len(migrations):
        raise RuntimeError(
            f"the {what} is at schema version {version}, newer than this bot's"
            f" {len(migrations)}; run a newer version of the bot or move the file away"
        )
    for number, script in enumerate(migrations[version:], start=version + 1):
        await db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
