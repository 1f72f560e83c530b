"""Benchmark the real bot, through SimCord, over a synthetic archive (not a test).

    python bench/bot_bench.py [--comments 100000] [--db PATH] [--calls 200] [--json PATH]

What a person waits for, as the bot's own work: each call is timed inside the bot, from the
moment its command tree takes the interaction to the moment it has answered (the response is
sent into SimCord's in-process Discord, so no network is counted, and SimCord's settling around
each call is not either). Measured: ``/comment``, ``/thread`` up to its answer (the replay then
runs on its own), the id autocomplete on ids and on words, the city autocomplete, and
``/search``; then the bot's RSS after 1,000 searches, and its start-up over the existing
database (from creating the bot to ready, the "is the database current?" check included).

The database is built once (``--db PATH`` keeps it, with its page beside it as PATH.txt, for the
next run); the bot runs in a process of its own so that its RSS is its own (SimCord's included:
in production the gateway takes its place).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord  # noqa: E402
import simcord  # noqa: E402

from bench.archive_bench import QUERIES, _current_rss_mib  # noqa: E402
from bench.synthetic import DEFAULT_SEED, build_vocabulary, generate_page  # noqa: E402
from bot import Settings, create_bot  # noqa: E402
from bot.archive import store  # noqa: E402
from bot.client import ArchiveTree  # noqa: E402

GUILD_ID = 222_222_222_222_222_222
SEARCHES = 1_000
GOAL_MS = 5.0


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": cuts[98] * 1000,
        "n": len(samples),
    }


class Meter:
    """Times the command tree's handling of each interaction: the bot's own work."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        call = ArchiveTree._call

        async def timed(tree: ArchiveTree, interaction: discord.Interaction[Any]) -> None:
            start = time.perf_counter()
            try:
                await call(tree, interaction)
            finally:
                self.samples.append(time.perf_counter() - start)

        ArchiveTree._call = timed  # type: ignore[method-assign,assignment]

    async def measure(self, calls: list[Callable[[], Awaitable[Any]]]) -> dict[str, float]:
        self.samples.clear()
        for call in calls:
            await call()
        return percentiles(list(self.samples))


async def serve(db_path: Path, page: Path, calls: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        settings = Settings(
            token=None,
            archive_path=page,
            database_path=db_path,
            jobs_path=Path(tmp) / "jobs.db",
            dev_guild_id=GUILD_ID,
            log_level="WARNING",
            max_replays_per_guild=calls + 1,
            shard_count=1,
        )
        meter = Meter()
        start = time.perf_counter()
        bot = create_bot(settings)
        try:
            async with simcord.run(bot, check_errors=False, settle_timeout=30.0) as env:
                figures = {"startup_s": time.perf_counter() - start}
                figures |= await _calls(env, bot, calls, rng, seed, meter)
        finally:
            # An open connection's thread would keep this process alive.
            await bot.close()
    return figures


async def _calls(
    env: simcord.Env, bot: Any, calls: int, rng: random.Random, seed: int, meter: Meter
) -> dict[str, Any]:
    guild = env.create_guild("Bench", id=GUILD_ID)
    channel = guild.create_text_channel("general")
    role = guild.create_role("mods", permissions=discord.Permissions(manage_threads=True))
    member = guild.add_member(env.create_user("reader"), roles=[role])
    async with bot.db.execute("SELECT max(rowid) FROM comment") as cursor:
        (last,) = await cursor.fetchone() or (1,)
    rowids = [rng.randint(1, last) for _ in range(calls * 4)]
    async with bot.db.execute(
        "SELECT id, EXISTS (SELECT 1 FROM comment AS r"
        " WHERE r.id >= c.id || '.' AND r.id < c.id || '/')"
        f" FROM comment AS c WHERE rowid IN ({', '.join('?' * len(rowids))})",
        rowids,
    ) as cursor:
        sampled = [(row[0], row[1]) for row in await cursor.fetchall()]
    ids = [comment_id for comment_id, _ in sampled][:calls]
    leaves = [comment_id for comment_id, replies in sampled if replies == 0][:calls]
    words = build_vocabulary(seed).words
    typed_words = [words[rng.randrange(len(words) // 10)][:4] for _ in range(calls)]
    typed_words += [f"{words[rng.randrange(len(words))]} {w}" for w in typed_words[:20]]

    def slash(name: str, **options: object) -> Callable[[], Awaitable[Any]]:
        return lambda: member.slash(channel, name, **options)

    def complete(name: str, option: str, value: str) -> Callable[[], Awaitable[Any]]:
        return lambda: member.autocomplete(channel, name, option, value)

    figures: dict[str, Any] = {}
    figures["comment"] = await meter.measure([slash("comment", id=i) for i in ids])
    figures["thread_start"] = await meter.measure(
        [slash("thread", id=i, here=True) for i in leaves]
    )
    figures["autocomplete_ids"] = await meter.measure(
        [complete("comment", "id", i[: rng.randint(1, len(i))]) for i in ids]
    )
    figures["autocomplete_words"] = await meter.measure(
        [complete("comment", "id", w) for w in typed_words[:calls]]
    )
    figures["autocomplete_city"] = await meter.measure(
        [complete("members", "city", c) for c in ("", "a", "new", "bo", "x") * (calls // 5)]
    )
    texts = [text for _, text in QUERIES]
    # Each person gets 4 searches per 10 s; many people share the bot.
    searchers = [guild.add_member(env.create_user(f"s{n}")) for n in range(SEARCHES // 4)]
    figures["search"] = await meter.measure(
        [
            (lambda who, q: lambda: who.slash(channel, "search", query=q))(
                searchers[n // 4], texts[n % len(texts)]
            )
            for n in range(SEARCHES)
        ]
    )
    figures["rss_after_searches_mib"] = _current_rss_mib()
    return figures


def build(page: Path, db_path: Path, comments: int, seed: int) -> float:
    """Write the page and ingest it, unless both are there; the ingest's seconds (0 if kept)."""
    if page.exists() and db_path.exists():
        return 0.0
    page.write_text(generate_page(comments, seed), encoding="utf-8")
    start = time.perf_counter()
    asyncio.run(store.ingest(page, db_path))
    return time.perf_counter() - start


def print_report(figures: dict[str, Any]) -> None:
    print(f"Bot over {figures['comments']:,} comments (SimCord, the bot's own time per call)")
    print(f"{'call':<22} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}  goal")
    for name in (
        "comment",
        "thread_start",
        "autocomplete_ids",
        "autocomplete_words",
        "autocomplete_city",
        "search",
    ):
        row = figures[name]
        goal = "p99 <= 50 ms" if name == "search" else f"p99 <= {GOAL_MS:g} ms"
        print(f"{name:<22} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['n']:>6}  {goal}")
    print(
        f"RSS after {SEARCHES:,} searches: {figures['rss_after_searches_mib']:.0f} MiB (goal 150)"
    )
    print(f"start-up to ready, existing database: {figures['startup_s']:.2f} s (goal 1)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments in the archive")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per kind")
    parser.add_argument("--db", type=Path, help="keep (or reuse) the database here")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.calls < 10:
        parser.error("--calls must be 10 or more")
    if args.serve:
        db_path, page = map(Path, args.serve)
        print(json.dumps(asyncio.run(serve(db_path, page, args.calls, args.seed))))
        return
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        db_path = args.db or Path(tmp) / "archive.db"
        page = db_path.with_suffix(".txt")
        ingest_s = build(page, db_path, args.comments, args.seed)
        out = subprocess.run(
            [sys.executable, __file__, "--serve", str(db_path), str(page)]
            + ["--calls", str(args.calls), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = {"comments": args.comments, "calls": args.calls, "ingest_s": ingest_s}
    figures |= json.loads(out.splitlines()[-1])
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
