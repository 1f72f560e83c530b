"""Memory as every benchmark reports it (peak and current), and the fresh process a measured phase
runs in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def run_measured(script: str, *args: str) -> dict[str, Any]:
    """Run ``python SCRIPT ARGS`` (a benchmark phase, so that its memory is its own) and return
    the JSON object it prints."""
    completed = subprocess.run(
        [sys.executable, script, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def peak_rss_mib() -> float:
    """The process's peak resident set size in MiB (Linux).

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across execve, so a benchmark phase
    run in a child process would report its parent's peak (a generated archive) as its own.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def rss_mib() -> float:
    """The process's resident set size now, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
