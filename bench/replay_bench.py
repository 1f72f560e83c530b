"""Benchmark /thread: replay the whole archive in SimCord and count what each comment costs.

    python bench/replay_bench.py [--every-comment] [--rounds 3]

The real bot runs against SimCord's simulated Discord, with no pause between posts. A moderator
replays each top-level comment (0 to 18, which together hold the whole archive) into its own
thread, one after the other; ``--every-comment`` replays from every comment id instead (a leaf
costs the most per comment: a thread, a header and the progress lines for one comment).

Per replay it reports:

* API calls per comment: every REST call the bot made (interaction response, thread, header, one
  message per part of a comment, progress edits), over the comments replayed;
* bot CPU per comment: the process's CPU time during the replay minus the time SimCord's
  simulated Discord spent answering requests. What remains is the bot's own work: our code,
  discord.py (payloads, parsing the gateway events for its own messages), SQLite in aiosqlite's
  thread, and SimCord's scheduler and event copying, which this cannot separate out, so it is an
  upper bound;
* store ms per comment: wall time awaiting the jobs store's writes (one commit per message).

Best of ``--rounds`` runs per row (fresh bot and databases each run), so that a stray hiccup of
the machine does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

# The Makefile runs this file as a script, so the repository root is not on sys.path unless the
# project is installed; the bench must also run from a bare checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord  # noqa: E402
import simcord  # noqa: E402
from simcord.http import router  # noqa: E402

from bot import Settings, create_bot  # noqa: E402
from bot.archive import queries  # noqa: E402
from bot.config import DEFAULT_ARCHIVE_PATH  # noqa: E402
from bot.replay.jobs import JobStore  # noqa: E402

log = logging.getLogger("replay_bench")
GUILD_ID = 111_111_111_111_111_111

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Meter:
    """CPU seconds inside the simulated Discord, and wall seconds awaiting the jobs store."""

    simulated_cpu: float = 0.0
    store_wait: float = 0.0


@dataclass(frozen=True, slots=True)
class Row:
    root: str
    comments: int
    messages: int
    api_calls: int
    bot_cpu_s: float
    store_s: float

    def per_comment(self) -> tuple[float, float, float]:
        return (
            self.api_calls / self.comments,
            self.bot_cpu_s * 1000 / self.comments,
            self.store_s * 1000 / self.comments,
        )


def instrument(meter: Meter) -> None:
    """Time SimCord's request handling and the jobs store's writes (for this process's life)."""
    dispatch = router.dispatch

    def timed_dispatch(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return dispatch(*args, **kwargs)
        finally:
            meter.simulated_cpu += time.process_time() - start

    router.dispatch = timed_dispatch

    def timed(method: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            start = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                meter.store_wait += time.perf_counter() - start

        return wrapper

    # Patched on the class for the whole run: the replay reaches the store only through the bot.
    JobStore.record_part = timed(JobStore.record_part)  # type: ignore[method-assign]
    JobStore.record_header = timed(JobStore.record_header)  # type: ignore[method-assign]


async def replay_all(roots: list[str] | None, meter: Meter, workdir: Path) -> list[Row]:
    settings = Settings(
        token=None,
        archive_paths=(DEFAULT_ARCHIVE_PATH,),
        database_path=workdir / "archive.db",
        jobs_path=workdir / "jobs.db",
        dev_guild_id=GUILD_ID,
        shard_count=1,
    )
    bot = create_bot(settings)
    rows: list[Row] = []
    async with simcord.run(bot) as env:
        guild = env.create_guild("Bench", id=GUILD_ID)
        channel = guild.create_text_channel("general")
        role = guild.create_role("mods", permissions=discord.Permissions(manage_threads=True))
        mod = guild.add_member(env.create_user("mod"), roles=[role])
        if roots is None:
            async with bot.db.execute("SELECT id FROM comment ORDER BY position") as cursor:
                roots = [row[0] for row in await cursor.fetchall()]
        for root in roots:
            comments = len(await queries.subtree(bot.db, root))
            calls, threads = len(env.http_requests), len(channel.threads)
            cpu, simulated, store = time.process_time(), meter.simulated_cpu, meter.store_wait
            result = await mod.slash(channel, "thread", id=root)
            bot_cpu = time.process_time() - cpu - (meter.simulated_cpu - simulated)
            if result.response is None or not result.response.content.startswith("Done"):
                raise RuntimeError(f"replay of {root} did not finish: {result.response}")
            [thread] = channel.threads[threads:]
            messages = len(thread.history()) - 1  # the header is counted as an API call only
            rows.append(
                Row(
                    root,
                    comments,
                    messages,
                    len(env.http_requests) - calls,
                    bot_cpu,
                    meter.store_wait - store,
                )
            )
    await bot.close()
    return rows


def best_of(runs: list[list[Row]]) -> list[Row]:
    return [min(same_root, key=lambda row: row.bot_cpu_s) for same_root in zip(*runs, strict=True)]


def report(rows: list[Row], rounds: int) -> str:
    head = f"{'root':>6} {'comments':>8} {'messages':>8} {'API calls':>9}"
    head += f" {'calls/comment':>13} {'bot CPU ms/comment':>18} {'store ms/comment':>16}"
    lines = [head, "-" * len(head)]

    def line(label: str, row: Row) -> str:
        calls, cpu, store = row.per_comment()
        return (
            f"{label:>6} {row.comments:>8} {row.messages:>8} {row.api_calls:>9}"
            f" {calls:>13.2f} {cpu:>18.2f} {store:>16.2f}"
        )

    lines += [line(row.root, row) for row in rows]
    total = Row(
        "all",
        sum(r.comments for r in rows),
        sum(r.messages for r in rows),
        sum(r.api_calls for r in rows),
        sum(r.bot_cpu_s for r in rows),
        sum(r.store_s for r in rows),
    )
    lines += ["-" * len(head), line("all", total)]
    lines.append(
        f"\nBest of {rounds} runs per row; Python {sys.version.split()[0]}, discord.py"
        f" {discord.__version__}, SimCord {simcord.__version__}. A message is one part of a"
        " comment (a comment longer than 2000 characters takes several)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--every-comment", action="store_true", help="replay from every comment, not top-level"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs to take the best of")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    log.setLevel(logging.INFO)

    roots = None if args.every_comment else [str(n) for n in range(19)]
    meter = Meter()
    instrument(meter)
    runs = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
            runs.append(asyncio.run(replay_all(roots, meter, Path(tmp))))
    log.info("%s", report(best_of(runs), args.rounds))


if __name__ == "__main__":
    main()
