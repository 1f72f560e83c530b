"""An export's full-text index is filled beside its load (bot.archive.index_build): it must hold
exactly what FTS5's own 'rebuild' makes of the comment table, and a failure on either side must
leave neither a database, nor a file, nor a thread behind."""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from bench.synthetic_disqus import write_disqus
from bench.synthetic_wxr import write_wxr
from bot.archive import index_build
from bot.archive.errors import ArchiveError
from bot.archive.exports import staging
from bot.archive.store import ingest
from tests.test_exports_disqus import quirky_disqus

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
# A hash this small flushes a segment every few dozen comments, so that the build writes many
# segments and merges them, as a large one does.
_SMALL_HASH = (("automerge", 4), ("hashsize", 16 * 1024))


def _index(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    """What the full-text index says, read through FTS5 rather than its storage: every term's
    every place (term, comment, offset), every comment's length in terms, and the settings."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIRTUAL TABLE temp.places USING fts5vocab(main, comment_fts, instance)")
    try:
        return (
            conn.execute("SELECT term, doc, offset FROM temp.places ORDER BY 1, 2, 3").fetchall(),
            conn.execute("SELECT * FROM comment_fts_docsize ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM comment_fts_config ORDER BY k").fetchall(),
        )
    finally:
        conn.close()


def _rebuilt(db: Path, tmp_path: Path) -> Path:
    """A copy of ``db`` whose index FTS5 rebuilt from the comment table."""
    copy = tmp_path / "rebuilt.db"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO comment_fts (comment_fts) VALUES ('rebuild')")
    conn.commit()
    conn.close()
    return copy


def _exports(tmp_path: Path) -> list[Path]:
    wxr = tmp_path / "synthetic.wxr.xml"
    write_wxr(wxr, 600, per_discussion=40)
    disqus = tmp_path / "synthetic.disqus.xml"
    write_disqus(disqus, 600, per_discussion=40)
    return [
        *sorted(FIXTURES.glob("*.xml")),
        wxr,
        disqus,
        quirky_disqus(tmp_path / "quirky.disqus.xml", 3),
    ]


@pytest.fixture
def beside(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every export, however small, has its index filled beside its load, as a large one does
    (and its XML read in a child): the builds copied in, by database."""
    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 0)
    copied: list[Path] = []
    copy_into = index_build.IndexBuilder.copy_into

    def counted(self: index_build.IndexBuilder, conn: sqlite3.Connection) -> None:
        copy_into(self, conn)
        copied.append(Path(conn.execute("PRAGMA database_list").fetchone()[2]))

    monkeypatch.setattr(index_build.IndexBuilder, "copy_into", counted)
    return copied


@pytest.mark.parametrize("group_limit", [staging.GROUP_LIMIT, 7])
async def test_the_index_built_beside_the_load_is_what_rebuild_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group_limit: int, beside: list[Path]
) -> None:
    # A small limit sends large discussions and pages through the SQL threading too.
    monkeypatch.setattr(staging, "GROUP_LIMIT", group_limit)
    monkeypatch.setattr(index_build, "FULL_TEXT_SETTINGS", _SMALL_HASH)
    exports = _exports(tmp_path)
    for export in exports:
        db = tmp_path / f"{export.name}.db"
        await ingest(export, db)
        conn = sqlite3.connect(db)
        # FTS5's own check, of the index against itself and against the comment table.
        conn.execute("INSERT INTO comment_fts (comment_fts, rank) VALUES ('integrity-check', 1)")
        comments = conn.execute("SELECT count(*) FROM comment").fetchone()[0]
        conn.close()
        built = _index(db)
        assert len(built[1]) == comments > 0, export.name
        assert built == _index(_rebuilt(db, tmp_path)), export.name
    assert len(beside) == len(exports)


async def test_a_small_export_has_its_index_rebuilt_without_a_builder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def enter(self: index_build.IndexBuilder) -> index_build.IndexBuilder:
        raise AssertionError("a builder started for a small export")

    monkeypatch.setattr(index_build.IndexBuilder, "__enter__", enter)
    db = tmp_path / "disqus.db"
    await ingest(FIXTURES / "disqus.xml", db)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO comment_fts (comment_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()
    assert len(_index(db)[1]) > 0


async def test_a_search_finds_the_words_of_an_export(tmp_path: Path, beside: list[Path]) -> None:
    export = tmp_path / "synthetic.disqus.xml"
    write_disqus(export, 300, per_discussion=30)
    db = tmp_path / "disqus.db"
    await ingest(export, db)
    conn = sqlite3.connect(db)
    rowid, text = conn.execute(
        "SELECT rowid, body FROM comment WHERE body <> '' LIMIT 1 OFFSET 77"
    ).fetchone()
    word = max(re.findall(r"[a-z]+", text), key=len)
    found = [row[0] for row in conn.execute("SELECT rowid FROM comment_fts(?)", (f'"{word}"',))]
    conn.close()
    assert rowid in found
    assert len(beside) == 1


def _leftovers(tmp_path: Path) -> list[str]:
    """Database files, and builder processes, that outlived the ingest."""
    files = [p.name for p in tmp_path.iterdir() if p.suffix in (".building", ".db")]
    pids = [
        pid
        for task in Path("/proc/self/task").iterdir()
        for pid in (task / "children").read_text().split()
    ]
    builders = [pid for pid in pids if b"index_build" in _command_line(pid)]
    return sorted(files) + builders


def _command_line(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""  # it ended meanwhile


async def test_when_the_builder_fails_the_ingest_fails_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: list[Path]
) -> None:
    export = tmp_path / "synthetic.disqus.xml"
    write_disqus(export, 300, per_discussion=30)
    # A setting FTS5 refuses: the child's first statement after the table fails.
    monkeypatch.setattr(index_build, "FULL_TEXT_SETTINGS", (("no-such-setting", 1),))
    with pytest.raises(ArchiveError, match="search index could not be built: OperationalError"):
        await ingest(export, tmp_path / "disqus.db")
    assert _leftovers(tmp_path) == []


async def test_when_the_load_fails_the_builder_stops_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: list[Path]
) -> None:
    export = tmp_path / "synthetic.disqus.xml"
    write_disqus(export, 300, per_discussion=30)
    add = index_build.IndexBuilder.add
    calls = 0

    def failing_add(self: index_build.IndexBuilder, rows: list[tuple[int, str]]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(errno.EIO, "Input/output error")
        add(self, rows)

    monkeypatch.setattr(index_build.IndexBuilder, "add", failing_add)
    monkeypatch.setattr(staging, "BATCH", 50)  # several batches, so that one fails midway
    with pytest.raises(ArchiveError):
        await ingest(export, tmp_path / "disqus.db")
    assert calls == 2
    assert _leftovers(tmp_path) == []
