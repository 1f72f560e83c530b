"""An export's XML read in a child process, so that ingest uses both cores.

Reading a large export is two halves of about equal cost: libxml2 and picking the wanted
fields out of each element, then turning those fields into records (dates into UTC ISO),
threading them and writing rows to SQLite. Turning comment HTML into text goes to whichever half
is lighter: the reader's for WordPress, this process's for Disqus (see disqus.PostFields). One
Python process does the halves one after the other; here the first runs in a child process
(:mod:`bot.archive.children`) that sends plain field tuples or dictionaries in batches through a
pipe, while this process does the second. The pipe holds one batch or so (a write waits while
it is full), so memory stays bounded whatever the file's size.

The child runs the very same readers (:func:`bot.archive.exports.wxr.read_fields`,
:func:`bot.archive.exports.disqus.read_fields`), with the same safe parser settings; it only
sends the fields those read, so no e-mail or IP address crosses the pipe. Its ArchiveError
(not XML, truncated, unreadable) is raised here unchanged. Starting the child interpreter costs
a few tenths of a second, so small files are read in this process instead (see
staging.CHILD_PROCESS_FROM).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.archive import children
from bot.archive.errors import ArchiveError
from bot.archive.exports import disqus, wxr

# Fields per message: large enough that pickling and the pipe cost little per comment.
BATCH = 2_000


def wxr_fields(path: Path, namespace: str) -> Iterator[wxr.Fields]:
    return _from_child(path, "wxr", namespace)


def disqus_fields(path: Path) -> Iterator[disqus.Fields]:
    return _from_child(path, "disqus", "")


def _from_child(path: Path, kind: str, namespace: str) -> Iterator[Any]:
    process = children.start(__name__, str(path), kind, namespace, stdout=subprocess.PIPE)
    assert process.stdout is not None
    finished = False
    try:
        while True:
            try:
                # Our own child's output, never the file's bytes: safe to unpickle.
                tag, payload = pickle.load(process.stdout)
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
        process.stdout.close()
        if not finished:
            process.kill()  # the load stopped early: the rest is not wanted
        process.wait()


def _send_fields(path: Path, kind: str, namespace: str, out: IO[bytes]) -> None:
    """The child's whole work: read the file, send its fields in batches, then "end"."""
    try:
        fields = wxr.read_fields(path, namespace) if kind == "wxr" else disqus.read_fields(path)
        batch: list[object] = []
        for item in fields:
            batch.append(item)
            if len(batch) >= BATCH:
                pickle.dump(("fields", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(("fields", batch), out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(("end", None), out)
    except ArchiveError as error:
        pickle.dump(("error", error), out)
    out.flush()


def main(argv: list[str]) -> None:
    """The child process: ``PATH wxr|disqus NAMESPACE``, fields pickled to standard output."""
    path, kind, namespace = argv
    _send_fields(Path(path), kind, namespace, sys.stdout.buffer)
