"""Benchmark the archive layer against plain SQLite on a synthetic archive (not part of the tests).

    python bench/archive_bench.py [--comments 100000] [--seed N] [--repeat 101]

One run prints one table, ours beside a plain-SQLite baseline on the same machine and data:

* ingest: ``store.ingest`` of the page file against ``sqlite3.executemany`` of the same rows into
  the same schema followed by the same FTS5 rebuild;
* search: ``search()`` against a raw ``MATCH ... ORDER BY rank LIMIT 10`` on the same database
  with the same MATCH expression, p50/p99 over ``--repeat`` runs of each query.

The ratio column is baseline time over our time: above 1 we are faster, below 1 we pay for
something the baseline does not do (the notes under the table say what).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The Makefile runs this file as a script, so the repository root is not on sys.path unless the
# project is installed; the bench must also run from a bare checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import DEFAULT_SEED, build_vocabulary, generate_page  # noqa: E402
from bot.archive import queries, store  # noqa: E402
from bot.archive.parser import parse_page  # noqa: E402
from bot.archive.search import build_match, search  # noqa: E402

_RAW_SEARCH = "SELECT rowid FROM comment_fts WHERE comment_fts MATCH ? ORDER BY rank LIMIT 10"
_RESULT_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Query:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Latency:
    p50_ms: float
    p99_ms: float


def query_set(seed: int) -> list[Query]:
    """Fixed queries, chosen by frequency rank so that they mean the same at every size."""
    vocabulary = build_vocabulary(seed)
    rare, medium = vocabulary.rank(15_000), vocabulary.rank(500)
    # Swapping two inner letters is the commonest typing slip.
    misspelt = medium[:2] + medium[3] + medium[2] + medium[4:]
    if misspelt in vocabulary.words:
        raise RuntimeError(f"{misspelt!r} is a word of the vocabulary, not a misspelling")
    return [
        Query("rare word", rare),
        Query("medium word", medium),
        Query("very common word", "the"),
        Query("very common word", "and"),
        Query("phrase of common words", '"of the"'),
        Query("prefix", f"{medium[:4]}*"),
        Query("exclusion", f"{medium} -the"),
        Query("misspelling", misspelt),
    ]


def percentiles(samples: list[float]) -> Latency:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Latency(statistics.median(samples) * 1000, cuts[98] * 1000)


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes; this bench targets the Linux CI box).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench_our_ingest(page: Path, db_path: Path) -> float:
    start = time.perf_counter()
    report = await store.ingest(page, db_path)
    elapsed = time.perf_counter() - start
    if not report.changed:
        raise RuntimeError(f"{db_path} already held this page; the ingest measured nothing")
    return elapsed


def bench_plain_ingest(page_text: str, db_path: Path) -> float:
    """The floor for the same rows: parsed beforehand (untimed), inserted in one executemany."""
    archive = parse_page(page_text)
    rows = [queries.comment_row(comment) for comment in archive.comments]
    start = time.perf_counter()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.executescript(store.SCHEMA)
        db.execute("BEGIN")
        db.executemany(
            f"INSERT INTO comment ({', '.join(queries.COMMENT_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(queries.COMMENT_COLUMNS))})",
            rows,
        )
        db.execute("INSERT INTO comment_fts (comment_fts) VALUES ('rebuild')")
        db.execute("COMMIT")
    finally:
        db.close()
    return time.perf_counter() - start


def time_runs(run: Callable[[], object], repeat: int) -> Latency:
    run()  # warm the page cache and SQLite's statement cache before measuring
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


async def time_our_search(db_path: Path, queries: list[Query], repeat: int) -> list[Latency]:
    db = await store.open_archive(db_path)
    try:
        latencies = []
        for query in queries:
            await search(db, query.text, limit=_RESULT_LIMIT)
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                await search(db, query.text, limit=_RESULT_LIMIT)
                samples.append(time.perf_counter() - start)
            latencies.append(percentiles(samples))
        return latencies
    finally:
        await db.close()


def raw_search(db_path: Path, queries: list[Query], repeat: int) -> tuple[list[Latency], list[int]]:
    """Raw FTS5 latencies, and how many comments each query matches (counted untimed)."""
    db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        latencies, matches = [], []
        for query in queries:
            expression = build_match(query.text)
            if expression is None:
                raise ValueError(f"query {query.text!r} has nothing to search for")
            latencies.append(
                time_runs(lambda e=expression: db.execute(_RAW_SEARCH, (e,)).fetchall(), repeat)
            )
            (count,) = db.execute(
                "SELECT count(*) FROM comment_fts WHERE comment_fts MATCH ?", (expression,)
            ).fetchone()
            matches.append(count)
        return latencies, matches
    finally:
        db.close()


def print_report(
    args: argparse.Namespace,
    page_mib: float,
    ours_ingest_s: float,
    plain_ingest_s: float,
    parse_s: float,
    queries: list[Query],
    ours: list[Latency],
    raw: list[Latency],
    matches: list[int],
    rss: dict[str, float],
) -> None:
    n = args.comments
    header = (
        f"archive bench: {n:,} comments, seed {args.seed}, page {page_mib:.1f} MiB,"
        f" SQLite {sqlite3.sqlite_version}, Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs, {args.repeat} timed runs per query"
    )
    row = "{:<44} {:>12} {:>10} {:>12} {:>10} {:>8} {:>8}"
    lines = [
        header,
        "",
        row.format("", "ours", "", "baseline", "", "ratio", ""),
        row.format("ingest", "comments/s", "seconds", "comments/s", "seconds", "", ""),
        row.format(
            "store.ingest vs executemany+rebuild",
            f"{n / ours_ingest_s:,.0f}",
            f"{ours_ingest_s:.2f}",
            f"{n / plain_ingest_s:,.0f}",
            f"{plain_ingest_s:.2f}",
            f"{plain_ingest_s / ours_ingest_s:.3g}x",
            "",
        ),
        "",
        row.format(
            "search (ms)  query [comments matched]", "p50", "p99", "p50", "p99", "p50", "p99"
        ),
    ]
    for query, our, base, count in zip(queries, ours, raw, matches, strict=True):
        lines.append(
            row.format(
                f"{query.label}: {query.text} [{count:,}]",
                f"{our.p50_ms:.2f}",
                f"{our.p99_ms:.2f}",
                f"{base.p50_ms:.2f}",
                f"{base.p99_ms:.2f}",
                f"{base.p50_ms / our.p50_ms:.3g}x",
                f"{base.p99_ms / our.p99_ms:.3g}x",
            )
        )
    worst_ours = max(latency.p99_ms for latency in ours)
    worst_raw = max(latency.p99_ms for latency in raw)
    lines += [
        row.format(
            "worst p99 over the query set",
            "",
            f"{worst_ours:.2f}",
            "",
            f"{worst_raw:.2f}",
            "",
            f"{worst_raw / worst_ours:.3g}x",
        ),
        "",
        "peak RSS (MiB, whole process, cumulative): "
        + ", ".join(f"{phase} {mib:,.0f}" for phase, mib in rss.items()),
        "",
        "ratio = baseline time / our time (above 1: ours is faster).",
        f"ours ingest: read + sha256 + parse_page ({parse_s:.2f} s of it, timed apart)"
        " + schema + batched aiosqlite inserts + FTS5 rebuild + optimize + atomic rename.",
        "baseline ingest: rows parsed beforehand (untimed), schema + one sqlite3 executemany"
        " + FTS5 rebuild, one transaction.",
        f"ours search: search(limit={_RESULT_LIMIT}): capped count + ranked (or page-order past"
        " RANK_LIMIT) rows joined to comment with snippets, and a spelling suggestion when"
        " nothing matches.",
        "baseline search: rowids only from the same MATCH expression, ORDER BY rank LIMIT 10,"
        " no join, no snippet.",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments in the page")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--repeat", type=int, default=101, help="timed runs per query")
    args = parser.parse_args(argv)
    if args.comments < 1 or args.repeat < 2:
        parser.error("--comments must be at least 1 and --repeat at least 2")

    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        workdir = Path(tmp)
        page_text = generate_page(args.comments, args.seed)
        page = workdir / "page.txt"
        page.write_text(page_text, encoding="utf-8")
        page_mib = page.stat().st_size / 2**20
        rss["after generating"] = peak_rss_mib()

        start = time.perf_counter()
        parse_page(page_text)
        parse_s = time.perf_counter() - start

        ours_db = workdir / "ours.db"
        ours_ingest_s = asyncio.run(bench_our_ingest(page, ours_db))
        rss["after our ingest"] = peak_rss_mib()
        plain_ingest_s = bench_plain_ingest(page_text, workdir / "plain.db")
        rss["after baseline ingest"] = peak_rss_mib()
        del page_text

        queries = query_set(args.seed)
        ours = asyncio.run(time_our_search(ours_db, queries, args.repeat))
        raw, matches = raw_search(ours_db, queries, args.repeat)
        rss["after searches"] = peak_rss_mib()

    print_report(
        args, page_mib, ours_ingest_s, plain_ingest_s, parse_s, queries, ours, raw, matches, rss
    )


if __name__ == "__main__":
    main()
