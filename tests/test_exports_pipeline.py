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
from bot.archive.store import ingest

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


def is_split(process: subprocess.Popen[bytes]) -> bool:
    """Whether the child read the part of a Disqus export after a split (its offset and spool)."""
    args = process.args
    assert isinstance(args, list)
    return len(args) == 10


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

    with pytest.raises(
        ArchiveFormatError, match="truncated.xml: not well-formed XML at line"
    ) as read:
        load_export(conn, truncated)

    # Read in two parts first; the child's part failed, so the file was read again whole, and
    # its error is the one a whole read gives.
    assert [is_split(process) for process in children] == [True, False]
    assert all(process.returncode == 0 for process in children)
    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
    with pytest.raises(ArchiveFormatError) as whole:
        list(read_export(truncated))
    assert str(read.value) == str(whole.value)


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


def disqus_export(path: Path, posts: int, *, root: str = "disqus", message: str = "") -> Path:
    """A small Disqus export of two threads and ``posts`` posts; the root's name may carry a
    prefix ("d:disqus"), and every post's message may be given."""
    prefix = root.partition(":")[0] + ":" if ":" in root else ""
    xmlns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<{root} {xmlns}="http://disqus.com"'
        ' xmlns:dsq="http://disqus.com/disqus-internals">\n'
    ]
    for thread in (1, 2):
        parts.append(
            f'<{prefix}thread dsq:id="{thread}"><{prefix}link>http://site.example/{thread}/'
            f"</{prefix}link><{prefix}title>Page {thread}</{prefix}title>"
            f"<{prefix}createdAt>2019-03-01T10:00:00Z</{prefix}createdAt></{prefix}thread>\n"
        )
    for post in range(1, posts + 1):
        parent = f'<{prefix}parent dsq:id="{post - 2}"/>' if post > 2 else ""
        words = message or f"<p>Post {post} says hello.</p>"
        parts.append(
            f'<{prefix}post dsq:id="{post}"><{prefix}message><![CDATA[{words}]]></{prefix}message>'
            f"<{prefix}createdAt>2019-03-02T{post % 24:02}:00:00Z</{prefix}createdAt>"
            f"<{prefix}author><{prefix}name>Writer {post % 7}</{prefix}name></{prefix}author>"
            f'{parent}<{prefix}thread dsq:id="{post % 2 + 1}"/></{prefix}post>\n'
        )
    parts.append(f"</{root}>\n")
    path.write_text("".join(parts), encoding="utf-8")
    return path


@pytest.mark.parametrize("share", [0.01, 0.12, 0.5, 0.97])
@pytest.mark.parametrize("root", ["disqus", "d:disqus"])
def test_a_disqus_export_read_in_two_parts_gives_the_same_rows(
    tmp_path, monkeypatch, children, share, root
):
    export = disqus_export(tmp_path / "export.xml", 300, root=root)
    monkeypatch.setattr(pipeline, "SPLIT_AT", share)
    monkeypatch.setattr(pipeline, "BATCH", 7)  # many messages through the spool

    split = tables(export)

    assert [is_split(process) for process in children] == [True]
    assert children[0].returncode == 0
    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 2**62)
    assert split == tables(export) and len(split[1]) == 300


def test_a_split_that_falls_inside_a_message_reads_the_file_again_whole(
    tmp_path, monkeypatch, children
):
    """A post's start tag written inside a CDATA message is where the split is looked for: the
    part before it is then not well-formed, and the whole file is read again in one child."""
    fake = ']]><![CDATA[\n<post dsq:id="999"><message>not a post</message></post>'
    export = disqus_export(tmp_path / "export.xml", 40, message=f"<p>Hello</p>{fake}")
    data = export.read_bytes()
    monkeypatch.setattr(
        pipeline,
        "SPLIT_AT",
        data.index(b"<post", data.index(b"not a post") - 80) / len(data) - 0.0001,
    )

    split = tables(export)

    assert [is_split(process) for process in children] == [True, False]
    assert all(process.returncode is not None for process in children)  # none left running
    assert "not a post" in split[1][0][10] and len(split[1]) == 40
    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 2**62)
    assert split == tables(export)


def test_an_error_before_the_split_is_the_whole_files_error(tmp_path, monkeypatch, children):
    export = disqus_export(tmp_path / "export.xml", 300)
    data = export.read_bytes()
    at = data.index(b"<post", len(data) // 10)
    export.write_bytes(data[:at] + b"<post><oops></post>" + data[at:])
    monkeypatch.setattr(pipeline, "SPLIT_AT", 0.5)

    with pytest.raises(ArchiveFormatError) as split:
        tables(export)

    assert [is_split(process) for process in children] == [True, False]
    monkeypatch.setattr(staging, "CHILD_PROCESS_FROM", 2**62)
    with pytest.raises(ArchiveFormatError) as whole:
        tables(export)
    assert str(split.value) == str(whole.value)
    assert "export.xml: not well-formed XML at line 3" in str(split.value)


def test_a_split_read_stopped_early_ends_its_child(tmp_path, children):
    export = disqus_export(tmp_path / "export.xml", 30_000)
    records = read_export(export, split=True)

    first = [next(records) for _ in range(10)]
    records.close()

    assert len(first) == 10
    (process,) = children
    assert is_split(process) and process.returncode is not None


async def test_an_ingests_split_read_waits_beside_its_database_and_leaves_nothing(
    tmp_path, monkeypatch, children
):
    export = disqus_export(tmp_path / "export.xml", 300)
    folder = tmp_path / "databases"
    folder.mkdir()
    spools: list[Path | None] = []
    temporary = pipeline.tempfile.TemporaryFile

    def spy(*args, **kwargs):
        spools.append(kwargs.get("dir"))
        return temporary(*args, **kwargs)

    monkeypatch.setattr(pipeline.tempfile, "TemporaryFile", spy)
    report = await ingest(export, folder / "archive.db")

    assert report.counts["comments"] == 300
    readers = [process for process in children if pipeline.__name__ in process.args]
    assert spools == [folder] and [is_split(process) for process in readers] == [True]
    assert [path.name for path in folder.iterdir()] == ["archive.db"]
