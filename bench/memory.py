"""Peak memory of this process, as every benchmark reports it."""

from __future__ import annotations


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
