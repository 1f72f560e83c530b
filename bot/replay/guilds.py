"""Each server's default archive, chosen by its moderators with /archive use.

It lives in the bot's state database (the jobs database, bot.replay.jobs, whose migrations
create its table) over that store's connection: the archive databases are derived and served
read-only, so what the bot is told to remember must live apart from them.

Every command and every autocomplete keystroke asks for it, so each process keeps what it has
read: a round trip to the database per keystroke cost more than the rest of a short lookup. The
copy stays true under sharding because only /archive use writes a server's default, and it runs
in the process serving that server's shard, which updates its copy as it writes.
"""

from __future__ import annotations

import datetime as dt

import aiosqlite

from bot.archive.trips import in_one_transaction

_GET = "SELECT archive FROM guild_archive WHERE guild_id = ?"
_SET = (
    "INSERT INTO guild_archive (guild_id, archive, set_by, set_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (guild_id) DO UPDATE"
    " SET archive = excluded.archive, set_by = excluded.set_by, set_at = excluded.set_at"
)


class GuildArchives:
    """The default archive of each server that chose one, by archive name; one per process."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        # None for a server known to have chosen none.
        self._known: dict[int, str | None] = {}

    async def get(self, guild_id: int) -> str | None:
        if guild_id not in self._known:
            rows = list(await self._db.execute_fetchall(_GET, (guild_id,)))
            self._known[guild_id] = str(rows[0][0]) if rows else None
        return self._known[guild_id]

    async def set(self, guild_id: int, archive: str, *, by: int) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        await in_one_transaction(
            self._db, lambda conn: conn.execute(_SET, (guild_id, archive, by, now))
        )
        # Only once it is stored: a failed write leaves the copy as the database is.
        self._known[guild_id] = archive
