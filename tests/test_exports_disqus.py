"""Disqus posts are threaded a page at a time in memory, or in SQL for a page too large to hold:
either way the rows are those of threading the whole export in SQL at once."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bot.archive.exports import ExportFormat, ExportReport, dates, read_export, staging
from bot.archive.exports.records import Skipped
from tests.conftest import loaded_export

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
DISQUS = FIXTURES / "disqus.xml"
_LINKS = (
    "http://d.example/a/",
    "https://www.d.example/a/index.html",
    "http://d.example/b",
    "https://d.example/b/#top",
    "http://d.example/c/",
    "",
)


def quirky_disqus(path: Path, seed: int) -> Path:
    """A hand-made export with every quirk: pages under two URLs, a thread id twice, threads
    after posts, posts naming no thread or one the file lacks, replies before their parents,
    missing, self and looping parents, duplicate post ids, unknown dates, spam and deleted
    posts, threads nobody commented on."""
    rng = random.Random(seed)
    threads = [
        f'<thread dsq:id="t{rng.randrange(9)}"><link>{rng.choice(_LINKS)}</link>'
        f"<title>Thread {n}</title><createdAt>2020-01-0{n % 9 + 1}T10:00:00Z</createdAt>"
        f"<author><name>Owner {n}</name></author></thread>"
        for n in range(10)
    ]
    ids = [str(rng.randrange(1, 60)) for _ in range(80)]
    posts = []
    for n, own in enumerate(ids):
        thread = rng.choice([f"t{rng.randrange(10)}", "t99", ""])
        parent = rng.choice(["", "", own, rng.choice(ids), str(rng.randrange(1, 70))])
        day = rng.choice(["", "nonsense", "2020-02-01T10:00:00Z", "2020-02-0{}T09:00:00Z"])
        posts.append(
            f'<post dsq:id="{own}"><message><![CDATA[<p>Said {n}</p>]]></message>'
            f"<createdAt>{day.format(n % 9 + 1)}</createdAt>"
            f"<isDeleted>{str(rng.random() < 0.1).lower()}</isDeleted>"
            f"<isSpam>{str(rng.random() < 0.05).lower()}</isSpam>"
            f"<author><name>A{n}</name><email>a{n}@mail.invalid</email></author>"
            f'<thread dsq:id="{thread}"/>'
            + (f'<parent dsq:id="{parent}"/>' if parent else "")
            + "</post>"
        )
    late = rng.randrange(1, 4)
    body = threads[:-late] + posts[:40] + threads[-late:] + posts[40:]
    path.write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com"'
        ' xmlns:dsq="http://disqus.com/disqus-internals">' + "".join(body) + "</disqus>"
    )
    return path


def threaded_in_sql_at_once(path: Path) -> tuple[object, ...]:
    """Every record staged and the whole export threaded in SQL, as Disqus once was."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(staging.OUTPUT_DDL)
    report = ExportReport(path, ExportFormat.DISQUS, None)
    writer = staging._Writer(conn, staging.TEMP_DESTINATION, report)
    writer.begin_staging()
    for record in read_export(path):
        if isinstance(record, Skipped):
            report.left_out[record.reason.value] += 1
        else:
            writer.stage(record)
    writer.copy_staged()
    return (
        report,
        conn.execute("SELECT * FROM temp.export_discussion").fetchall(),
        conn.execute("SELECT * FROM temp.export_comment ORDER BY position").fetchall(),
    )


@pytest.mark.parametrize("seed", range(8))
def test_pages_threaded_one_at_a_time_give_the_rows_of_the_whole_export_in_sql(tmp_path, seed):
    paths = [DISQUS, quirky_disqus(tmp_path / "quirky.xml", seed)]
    for path in paths:
        assert loaded_export(path) == threaded_in_sql_at_once(path)
    report, _, comments = loaded_export(paths[1])
    assert report.kinds["placeholder"] and report.left_out["no_discussion"]  # quirks met
    assert report.merged_threads and report.left_out["deleted"]
    assert [row[0] for row in comments] == list(range(1, len(comments) + 1))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limit", [0, 3])
def test_pages_over_the_limit_are_threaded_in_sql_with_the_same_rows(
    tmp_path, monkeypatch, seed, limit
):
    """0: every page in SQL; 3: pages of both kinds, and runs of small pages, in one export.
    Small batches besides: posts written before a later thread, pages read a few at a time."""
    paths = [DISQUS, quirky_disqus(tmp_path / "quirky.xml", seed)]
    in_memory = [loaded_export(path) for path in paths]
    monkeypatch.setattr(staging, "GROUP_LIMIT", limit)
    monkeypatch.setattr(staging, "BATCH", 5)

    assert [loaded_export(path) for path in paths] == in_memory


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2013-10-10T19:20:29Z", "2013-10-10T19:20:29Z"),
        ("2013-10-10T19:20:29.250Z", "2013-10-10T19:20:29Z"),
        ("2013-10-10T21:20:29+02:00", "2013-10-10T19:20:29Z"),
        ("2013-10-10T19:20:29", "2013-10-10T19:20:29Z"),
        ("2013-02-30T10:00:00Z", None),  # the usual form, but no such day
        ("0000-01-01T00:00:00Z", None),
        ("nonsense", None),
        ("", None),
    ],
)
def test_disqus_dates_are_stored_as_utc_iso(written, stored):
    assert dates.iso(written) == stored
