"""Plain child interpreters that do part of an ingest on the other core.

A plain child rather than multiprocessing: ingest runs in a worker thread (no fork), and spawn
would re-run the caller's main module. The child enters the ``bot`` package without running its
__init__, which loads discord.py (0.3 s and 40 MB for nothing), and runs the ``main(argv)`` of
the module it is given. Starting one costs a few tenths of a second.

A child runs without the cycle collector: what one makes (elements, field tuples, batches of
texts) holds no reference cycles and dies with its batch, and the collector, woken every few
hundred allocations, would only walk it over and over.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_BOT = Path(__file__).resolve().parents[1]
_BOOT = (
    "import gc, importlib, sys, types; gc.disable(); bot = types.ModuleType('bot');"
    " bot.__path__ = [sys.argv[1]]; sys.modules['bot'] = bot;"
    " importlib.import_module(sys.argv[2]).main(sys.argv[3:])"
)


def start(
    module: str,
    *args: str,
    stdin: int | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen[bytes]:
    """``module.main([*args])`` in a child interpreter, with the pipes and files asked for."""
    return subprocess.Popen(
        [sys.executable, "-c", _BOOT, str(_BOT), module, *args],
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        pass_fds=pass_fds,
    )
