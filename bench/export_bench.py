"""Ingest of a synthetic export against plain executemany + FTS5 rebuild (not a test).

    python bench/export_bench.py [--format wxr|disqus] [--comments 100000]
                                 [--per-discussion 100] [--json PATH]

A WordPress (bench/synthetic_wxr.py) or Disqus (bench/synthetic_disqus.py) export of
``--comments`` comments is generated in a temporary folder, then loaded twice, each in a fresh
subprocess so that neither the generator's memory nor the other run's counts toward its peak RSS
(VmHWM):

* ours: the bot's own ingest (``bot.archive.store.ingest``: detect, stream, thread, write, then
  the search index with its prefix indexes and suggestion tables; the XML itself is read in a
  child process beside it, and the full-text index filled in another as the rows are written),
  as ``python -m bot ingest`` runs it, into a new database file;
* raw: the same final rows, read back from ours' database through a cursor, written with
  ``executemany`` into the same tables with a plain FTS5 index, then one ``rebuild`` and commit.
  Reading the rows costs raw something ours does not pay, so that scan is timed on its own and
  taken off raw's time (``raw net``); the ratio uses raw net, the stricter comparison.

The ratio is raw time over ours: 1.0 is as fast as writing rows that are already made. Each run
also gives its processor time (with ours' child processes; raw's includes its scan), which a
busy neighbour on a shared machine moves far less than the wall-clock ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory import peak_rss_mib, run_measured  # noqa: E402
from bench.synthetic import DEFAULT_SEED  # noqa: E402
from bench.synthetic_disqus import write_disqus  # noqa: E402
from bench.synthetic_wxr import write_wxr  # noqa: E402
from bot.archive import queries, store  # noqa: E402

# The same plain index as bench/archive_bench.py's raw run: no prefix indexes, no suggestions.
_RAW_FTS = """
CREATE VIRTUAL TABLE comment_fts USING fts5 (
    body, content='comment', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
"""
_REBUILD = "INSERT INTO comment_fts (comment_fts) VALUES ('rebuild')"
_WRITERS = {"wxr": write_wxr, "disqus": write_disqus}


def run_ours(export: Path, database: Path) -> dict[str, Any]:
    started = time.perf_counter()
    report = asyncio.run(store.ingest(export, database))
    return {
        "seconds": time.perf_counter() - started,
        "rows": sum(report.counts.values()),
        "kinds": report.counts,
        "left_out": report.left_out,
    }


def run_raw(source: Path, database: Path) -> dict[str, Any]:
    reader = sqlite3.connect(source)
    columns = ", ".join(queries.COMMENT_COLUMNS)
    select = f"SELECT {columns} FROM comment ORDER BY rowid"
    started = time.perf_counter()
    rows = sum(1 for _ in reader.execute(select))
    scan = time.perf_counter() - started
    started = time.perf_counter()
    conn = sqlite3.connect(database, isolation_level=None)
    conn.executescript(store.TABLES_SCHEMA + _RAW_FTS)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO discussion VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        reader.execute("SELECT * FROM discussion"),
    )
    conn.executemany(
        f"INSERT INTO comment ({columns}) VALUES ({', '.join('?' * len(queries.COMMENT_COLUMNS))})",
        reader.execute(select),
    )
    conn.execute(_REBUILD)
    conn.execute("COMMIT")
    conn.close()
    total = time.perf_counter() - started
    return {"seconds": total - scan, "gross_s": total, "scan_s": scan, "rows": rows}


class _TreeRss:
    """The largest resident size of this process and its children together, sampled.

    Ours reads a large export's XML in a child process. ru_maxrss cannot give the pair's peak:
    a child's ru_maxrss counts the parent's memory it shared before its exec, and two peaks
    need not coincide. Sampling every 20 ms may miss a short spike, so the report also gives
    this process's own peak (VmHWM), which misses nothing of it.
    """

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            pids = [str(os.getpid())]
            for task in Path("/proc/self/task").iterdir():
                pids += (task / "children").read_text().split()
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))


def _rss_kib(pid: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # the child ended between the listing and the read
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


def _child(mode: str, source: Path, database: Path) -> None:
    before = os.times()
    with _TreeRss() as tree:
        result = run_ours(source, database) if mode == "ours" else run_raw(source, database)
    after = os.times()
    own = peak_rss_mib()
    # Processor time of the run and of the processes it waited for (ours' XML reader): on a
    # shared machine the wall-clock ratio moves with the neighbours' load, this much less.
    cpu = sum(after[:4]) - sum(before[:4])
    result.update(peak_rss_mb=max(own, tree.peak_kib / 1024), own_rss_mb=own, cpu_s=cpu)
    print(json.dumps(result))


def _in_subprocess(mode: str, source: Path, database: Path) -> dict[str, Any]:
    return run_measured(__file__, "--child", mode, str(source), str(database))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=sorted(_WRITERS), default="wxr")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--per-discussion", type=int, default=100)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SOURCE", "DATABASE"))
    args = parser.parse_args()
    if args.child:
        mode, source, database = args.child
        _child(mode, Path(source), Path(database))
        return
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        export = Path(folder) / f"synthetic.{args.format}.xml"
        started = time.perf_counter()
        expected = _WRITERS[args.format](
            export, args.comments, per_discussion=args.per_discussion, seed=args.seed
        )
        generated = time.perf_counter() - started
        size_mb = export.stat().st_size / 2**20
        ours = _in_subprocess("ours", export, Path(folder) / "ours.db")
        ours_db = Path(folder) / "ours.db"
        raw = _in_subprocess("raw", ours_db, Path(folder) / "raw.db")
        database_mb = ours_db.stat().st_size / 2**20
    loaded = {kind[:-1]: n for kind, n in ours["kinds"].items() if n and kind != "placeholders"}
    if loaded != expected.kinds:
        raise SystemExit(f"load disagrees with the generator: {ours['kinds']} vs {expected}")
    rows = int(ours["rows"])
    ratio = float(raw["seconds"]) / float(ours["seconds"])
    result = {
        "format": args.format,
        "comments": args.comments,
        "per_discussion": args.per_discussion,
        "export_mb": round(size_mb, 1),
        "database_mb": round(database_mb, 1),
        "generate_s": round(generated, 2),
        "rows": rows,
        "ours": ours,
        "raw": raw,
        "throughput_ratio": round(ratio, 3),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
    }
    print(
        f"synthetic {args.format}: {args.comments:,} comments, {size_mb:,.0f} MB;"
        f" {rows:,} rows loaded"
    )
    print(f"{'':24}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>14}{'CPU s':>8}")
    for name, run in (("ours (ingest)", ours), ("raw executemany+FTS", raw)):
        seconds = float(run["seconds"])
        print(
            f"{name:24}{seconds:>10.1f}{rows / seconds:>12,.0f}{float(run['peak_rss_mb']):>14.0f}"
            f"{float(run['cpu_s']):>8.1f}"
        )
    print(f"raw gross {float(raw['gross_s']):.1f} s less its scan {float(raw['scan_s']):.1f} s")
    print(
        f"peak RSS: the larger of the process's own VmHWM ({float(ours['own_rss_mb']):.0f} MB"
        " for ours) and its process tree's sampled peak (with ours' child processes)"
    )
    print(f"throughput ours/raw: {ratio:.2f}x (target >= 0.7); peak RSS target <= 300 MB")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
