"""Large exports read their XML in a child process: same rows, same errors, no child left over."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from test_exports import BILLION_LAUGHS, EXTERNAL_ENTITY

from bench.synthetic_wxr import write_wxr
from bot.archive.errors import ArchiveFormatError
from bot.archive.exports import load_export, pipeline, read_export, staging

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
PRIVATE = ("PRIVATE@mail.invalid", "198.51.100.", "2001:db8::21", "192.0.2.")


@pytest.fixture
def children(monkeypatch):
    """Every export reader process started: each file is read in a child, whatever its size."""
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def spy(*args, **kwargs):
        process = popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 0)
    monkeypatch.setattr(pipeline.subprocess, "Popen", spy)
    return started


def tables(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    conn = sqlite3.connect(":memory:")
    load_export(conn, path)
    return (
        conn.execute("SELECT * FROM temp.export_discussion").fetchall(),
        conn.execute("SELECT * FROM temp.export_comment ORDER BY position").fetchall(),
    )


@pytest.mark.parametrize("name", ["wordpress-1.0.wxr.xml", "wordpress-1.2.wxr.xml", "disqus.xml"])
def test_a_child_process_reads_the_same_rows(name, monkeypatch, children):
    in_child = tables(FIXTURES / name)
    assert len(children) == 1 and children[0].returncode == 0

    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 2**62)
    in_process = tables(FIXTURES / name)

    assert len(children) == 1
    assert in_child == in_process and in_child[1]
    assert not any(secret in repr(in_child) for secret in PRIVATE)


def test_a_truncated_export_read_in_a_child_is_refused_in_one_line(tmp_path, children):
    data = (FIXTURES / "disqus.xml").read_bytes()
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(data[: len(data) // 2])
    conn = sqlite3.connect(":memory:")

    with pytest.raises(ArchiveFormatError, match="truncated.xml: not well-formed XML at line"):
        load_export(conn, truncated)

    assert len(children) == 1 and children[0].returncode == 0
    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []


def test_a_read_stopped_early_ends_its_child(tmp_path, children):
    export = tmp_path / "big.wxr.xml"
    write_wxr(export, 20_000, per_discussion=100)
    records = read_export(export)

    first = [next(records) for _ in range(10)]
    records.close()

    assert len(first) == 10
    (process,) = children
    # Killed while the full pipe held it back, not left to read the rest of the file.
    assert process.returncode is not None and process.returncode < 0


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_the_child_expands_no_entity(tmp_path, content, children):
    """Past detection too, the child's parser never expands an entity or reads a file."""
    path = tmp_path / "hostile.xml"
    path.write_bytes(content)
    if b"<rss" in content:
        fields = list(pipeline.wxr_fields(path, "http://wordpress.org/export/1.2/"))
    else:
        fields = list(pipeline.disqus_fields(path))

    assert len(children) == 1 and children[0].returncode == 0
    assert fields  # the elements were read, their entities left unexpanded
    text = repr(fields)
    assert "lollol" not in text and "root:" not in text
    assert len(text) < 2_000
