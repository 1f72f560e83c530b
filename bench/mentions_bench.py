"""Benchmark /members name's lookup on a synthetic archive (not part of the tests).

    python bench/mentions_bench.py [--comments 100000] [--repeat 11] [--json PATH]

Mentions are found at query time (FTS candidates, then the careful pattern in Python), so the
cost grows with how many comments hold the first name. The table times ``mentions_of`` for
first names from absent to very frequent, beside the bare FTS query that fetches the same
candidates: the difference is what checking each candidate in Python costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import DEFAULT_SEED, generate_page  # noqa: E402
from bot.archive import mentions, queries, store  # noqa: E402
from bot.archive.models import Member  # noqa: E402

# First names from none to many candidates: the synthetic members' own names appear in no
# comment; "Branch" and "Party" are frequent words of the synthetic vocabulary, capitalised at
# sentence starts (so they also count as mentions); "Will" is a common-word name, where only the
# name with its initial counts.
NAMES = ("Member1 B.", "Democracy Q.", "Branch Z.", "Party Z.", "Will X.")


async def _time(repeat: int, run: Callable[[], Awaitable[None]]) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await run()
        times.append(time.perf_counter() - start)
    return times


async def _bench(comments: int, seed: int, repeat: int) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.txt"
        page.write_text(generate_page(comments, seed), encoding="utf-8")
        await store.ingest(page, Path(folder) / "archive.db")
        db = await store.open_archive(Path(folder) / "archive.db")
        try:
            listed = await queries.list_members(db)
            rows: list[dict[str, object]] = []
            for name in NAMES:
                member = Member(name, "Nowhere", len(listed) + 1)
                everyone = [*listed, member]
                phrase = mentions.fts_phrase(member)

                async def ours(m: Member = member, e: list[Member] = everyone) -> None:
                    await mentions.mentions_of(db, m, e)

                async def bare(p: str = phrase) -> None:
                    async with db.execute(mentions.candidates_sql(), (p,)) as cursor:
                        await cursor.fetchall()

                found = await mentions.mentions_of(db, member, everyone)
                async with db.execute(
                    "SELECT count(*) FROM comment_fts WHERE comment_fts MATCH ?", (phrase,)
                ) as cursor:
                    (candidates,) = await cursor.fetchone() or (0,)
                ours_t = await _time(repeat, ours)
                bare_t = await _time(repeat, bare)
                rows.append(
                    {
                        "name": name,
                        "candidates": candidates,
                        "mentions": len(found),
                        "ours_p50_ms": statistics.median(ours_t) * 1000,
                        "ours_max_ms": max(ours_t) * 1000,
                        "fts_only_p50_ms": statistics.median(bare_t) * 1000,
                    }
                )
            return rows
        finally:
            await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments in the page")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per name")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    rows = asyncio.run(_bench(args.comments, args.seed, args.repeat))
    print(f"mentions_of on {args.comments} synthetic comments, {args.repeat} runs each")
    print(
        f"{'name':<14} {'candidates':>10} {'mentions':>8} {'p50 ms':>8} {'max ms':>8} {'fts ms':>8}"
    )
    for row in rows:
        print(
            f"{row['name']:<14} {row['candidates']:>10} {row['mentions']:>8}"
            f" {row['ours_p50_ms']:>8.1f} {row['ours_max_ms']:>8.1f} {row['fts_only_p50_ms']:>8.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps({"comments": args.comments, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
