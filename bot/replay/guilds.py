"""Each server's default archive, chosen by its moderators with /archive use.

It lives in the bot's state database (the jobs database, bot.replay.jobs, whose migrations
create its table) over that store's connection: the archive databases are derived and served
read-only, so what the bot is told to remember must live apart from them.
"""

from __future__ import annotations

import datetime as dt

import aiosqlite

_GET = "SELECT archive FROM guild_archive WHERE guild_id = ?"
_SET = (
    "INSERT INTO guild_archive (guild_id, archive, set_by, set_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (guild_id) DO UPDATE"
    " SET archive = excluded.archive, set_by = excluded.set_by, set_at = excluded.set_at"
)


class GuildArchives:
    """The default archive of each server that chose one, by archive name."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def get(self, guild_id: int) -> str | None:
        async with self._db.execute(_GET, (guild_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set(self, guild_id: int, archive: str, *, by: int) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        await self._db.execute(_SET, (guild_id, archive, by, now))
        await self._db.commit()
