"""An export's XML read in a child process, so that ingest uses both cores.

Reading a large export is two halves of about equal cost: libxml2 and picking the wanted
fields out of each element, then turning those fields into records (dates into UTC ISO),
threading them and writing rows to SQLite. Turning comment HTML into text goes to whichever half
is lighter: the reader's for WordPress, this process's for Disqus (see disqus.PostFields). One
Python process does the halves one after the other; here the first runs in a child process
(:mod:`bot.archive.children`) that sends plain field tuples or dictionaries in batches through a
pipe, while this process does the second. The pipe holds one batch or so (a write waits while
it is full), so memory stays bounded whatever the file's size.

A large Disqus export is read in two parts at once. Its posts come in no useful order, so this
process only holds them while they are read, and it can read the head of the file itself
meanwhile: the child reads from a post's start tag past SPLIT_AT on, and holds what it reads in
an unnamed spool file until this process, done with its own part, gets to it, so that records
still come in file order. Each part is read as a document of its own: the one before the split
closed with the root's end tag, the one after it opened with the file's head (declaration and
root start tag, namespaces and all). The first part ends well-formed only if the split fell
between two of the root's elements (not inside a message's CDATA, say), and then the second
reads exactly what one reader would have from there. Any error in either part raises SplitFailed,
and the caller reads the whole file again in one child: either the split was at fault and that
read succeeds, or the file is, and its error is the one a whole read gives, with its lines.

The child runs the very same readers (:func:`bot.archive.exports.wxr.read_fields`,
:func:`bot.archive.exports.disqus.read_fields`), with the same safe parser settings; it only
sends the fields those read, so no e-mail or IP address crosses the pipe. Its ArchiveError
(not XML, truncated, unreadable) is raised here unchanged. Starting the child interpreter costs
a few tenths of a second, so small files are read in this process instead (see
staging.CHILD_PROCESS_FROM).
"""

from __future__ import annotations

import io
import os
import pickle
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from bot.archive import children
from bot.archive.errors import ArchiveError
from bot.archive.exports import disqus, wxr
from bot.archive.exports.detect import HEAD_BYTES, read_head, root_start

# Fields per message: large enough that pickling and the pipe cost little per comment.
BATCH = 2_000
# Where a Disqus export is split, as a share of its size. This process also turns every post
# into held rows, which costs about 0.8 of what reading it does, so its own share of the reading
# is small; at this share both parts end together at a million posts (docs/scaling.md).
SPLIT_AT = 0.12

_Message = tuple[str, Any]


class SplitFailed(ArchiveError):
    """A split read met an error. The caller reads the file again whole, in one child, which
    reads it (the split fell where it could not be made) or gives the error as it is."""


def wxr_fields(path: Path, namespace: str) -> Iterator[wxr.Fields]:
    process = children.start(__name__, str(path), "wxr", namespace, stdout=subprocess.PIPE)
    yield from _received(path, process, _piped(process))


def disqus_fields(
    path: Path, *, split: bool = False, spool: Path | None = None
) -> Iterator[disqus.Fields]:
    """The export's fields, read in a child; with ``split``, in two parts at once when a post's
    start tag is found past SPLIT_AT, the child's part waiting in an unnamed file in the folder
    ``spool`` (None: the system's temporary folder). May raise SplitFailed."""
    parts = _split_point(path) if split else None
    if parts is None:
        process = children.start(__name__, str(path), "disqus", "", stdout=subprocess.PIPE)
        yield from _received(path, process, _piped(process))
        return
    at, head, close = parts
    with tempfile.TemporaryFile(dir=spool) as spooled:
        fd = spooled.fileno()
        process = children.start(
            __name__,
            str(path),
            "disqus",
            "",
            str(at),
            str(fd),
            stdout=subprocess.PIPE,
            pass_fds=(fd,),
        )
        try:
            # The part before the split, as a document of its own: only if the split fell
            # between two elements of the root does it end well-formed.
            with _Part(path, b"", 0, at, close) as first:
                yield from disqus.read_fields(path, first)
            yield from _received(path, process, _spooled(process, fd))
        except ArchiveError as error:
            raise SplitFailed(str(error)) from None
        finally:
            _end(process, finished=False)


def _split_point(path: Path) -> tuple[int, bytes, bytes] | None:
    """Where to split the export: the offset of the first post's start tag from SPLIT_AT of
    the file on; the head the child's part is read after (the declaration and the root's start
    tag, with its namespaces); the root's end tag, which closes this process's part."""
    root = root_start(read_head(path))
    if root is None:
        return None
    head, name = root
    prefix = name.rpartition(b":")[0]
    post = re.compile(re.escape(b"<" + prefix + b":post" if prefix else b"<post") + rb"[\s>/]")
    with path.open("rb") as file:
        at = int(file.seek(0, os.SEEK_END) * SPLIT_AT)
        file.seek(at)
        # A post is far shorter; past a longer one, the file is read in one part.
        found = post.search(file.read(HEAD_BYTES))
    return (at + found.start(), head, b"</" + name + b">") if found else None


class _Part:
    """Bytes ``before``, the file's from ``start`` to ``end`` (None: its end), then ``after``:
    one part of a split export, read by lxml as a document of its own."""

    def __init__(
        self, path: Path, before: bytes, start: int, end: int | None, after: bytes
    ) -> None:
        self._file = path.open("rb")
        self._file.seek(start)
        self._before, self._after = before, after
        self._left = end - start if end is not None else None

    def read(self, size: int = -1, /) -> bytes:
        if self._before:
            data, self._before = self._before, b""
            return data
        if self._left != 0:
            if self._left is not None and not 0 <= size <= self._left:
                size = self._left
            data = self._file.read(size)
            if data:
                if self._left is not None:
                    self._left -= len(data)
                return data
            self._left = 0
        data, self._after = self._after, b""
        return data

    def __enter__(self) -> _Part:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()


class _Spool(io.RawIOBase):
    """The child's spool file, read at this process's own offset: the file's own offset moves
    with the child's writes."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self._fd, len(buffer), self._at)
        buffer[: len(data)] = data
        self._at += len(data)
        return len(data)


def _piped(process: subprocess.Popen[bytes]) -> Callable[[], _Message]:
    stdout = process.stdout
    assert stdout is not None
    # Our own child's output, never the file's bytes: safe to unpickle.
    return lambda: pickle.load(stdout)


def _spooled(process: subprocess.Popen[bytes], fd: int) -> Callable[[], _Message]:
    """Each message once the child says, with a line on its standard output, that it is whole
    in the spool."""
    stdout = process.stdout
    assert stdout is not None
    spool = io.BufferedReader(_Spool(fd))

    def load() -> _Message:
        if not stdout.readline():
            raise EOFError
        message: _Message = pickle.load(spool)
        return message

    return load


def _received(
    path: Path, process: subprocess.Popen[bytes], load: Callable[[], _Message]
) -> Iterator[Any]:
    """The fields the child sends, until its "end"; its error raised here unchanged."""
    finished = False
    try:
        while True:
            try:
                tag, payload = load()
            except EOFError:
                process.wait()
                raise ArchiveError(
                    f"{path}: the export reader stopped (exit code {process.returncode})"
                ) from None
            if tag in ("error", "end"):
                finished = True  # the child's last word: it is exiting
                if tag == "error":
                    raise payload
                return
            yield from payload
    finally:
        _end(process, finished=finished)


def _end(process: subprocess.Popen[bytes], *, finished: bool) -> None:
    if process.stdout is not None:
        process.stdout.close()
    if not finished and process.poll() is None:
        process.kill()  # the load stopped early: the rest is not wanted
    process.wait()


def _send(fields: Iterable[object], out: IO[bytes], sent: Callable[[], None]) -> None:
    """The child's whole work: send the fields in batches, then "end" (or "error"), calling
    ``sent()`` after each message."""

    def message(tag: str, payload: object) -> None:
        pickle.dump((tag, payload), out, protocol=pickle.HIGHEST_PROTOCOL)
        sent()

    try:
        batch: list[object] = []
        for item in fields:
            batch.append(item)
            if len(batch) >= BATCH:
                message("fields", batch)
                batch = []
        message("fields", batch)
        message("end", None)
    except ArchiveError as error:
        message("error", error)
    out.flush()


def main(argv: list[str]) -> None:
    """The child process: ``PATH wxr|disqus NAMESPACE``, fields pickled to standard output; or
    ``PATH disqus '' OFFSET FD``, the Disqus export from OFFSET on pickled to the spool file
    open as FD, with a line to standard output as each message is whole there."""
    path, kind, namespace, *split = argv
    out = sys.stdout.buffer
    if not split:
        if kind == "wxr":
            _send(wxr.read_fields(Path(path), namespace), out, lambda: None)
        else:
            _send(disqus.read_fields(Path(path)), out, lambda: None)
        return
    at, fd = map(int, split)
    head = root_start(read_head(Path(path)))
    assert head is not None  # the parent found it
    with os.fdopen(fd, "wb") as spool, _Part(Path(path), head[0], at, None, b"") as rest:

        def sent() -> None:
            spool.flush()
            out.write(b"\n")
            out.flush()

        _send(disqus.read_fields(Path(path), rest), spool, sent)
