"""What to do when a request of a replay fails: a pure decision, so the policy is tested from a
table instead of through Discord.

* 5xx, timeouts and dropped connections are transient: retried after a growing wait; when the
  waits are used up the job pauses (it can be resumed) rather than hammering a Discord that is down.
* A rate limit (429, or discord.py giving up on a long ``retry_after``) always lifts: waited out,
  however many times it takes.
* Any other refusal (403, 404, 400 ...) ends the job: retrying cannot help.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import discord

# Waits before retrying a transient failure (about a minute in all); then the job pauses.
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# A rate limit that outlasted discord.py's own handling is waited out with these, growing, waits
# (or Discord's retry_after, when it says).
RATE_LIMIT_DELAYS: tuple[float, ...] = (5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True, slots=True)
class Retry:
    delay: float
    # Why, in words for the person watching.
    why: str
    rate_limited: bool


@dataclass(frozen=True, slots=True)
class Pause:
    # What kept failing, e.g. "timeout" or "HTTP 503: ...".
    what: str


@dataclass(frozen=True, slots=True)
class Fail:
    error: discord.HTTPException


Decision = Retry | Pause | Fail


def status(error: discord.HTTPException) -> str:
    text = f"HTTP {error.status}"
    return f"{text}: {error.text}" if error.text else text


def decide(error: BaseException, *, failures: int, rate_limits: int) -> Decision | None:
    """The decision for a failed request after ``failures`` transient failures and
    ``rate_limits`` rate limits in a row; None for an error that is not Discord's (a bug)."""
    slow_down = "Discord asked me to slow down"
    if isinstance(error, discord.RateLimited):
        return Retry(max(error.retry_after, RATE_LIMIT_DELAYS[0]), slow_down, rate_limited=True)
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            delay = RATE_LIMIT_DELAYS[min(rate_limits, len(RATE_LIMIT_DELAYS) - 1)]
            return Retry(delay, slow_down, rate_limited=True)
        if error.status >= 500:
            return _transient(
                failures, status(error), f"Discord is having trouble ({status(error)})"
            )
        return Fail(error)
    if isinstance(error, TimeoutError):
        return _transient(failures, "timeout", "Discord did not answer in time")
    if isinstance(error, aiohttp.ClientError | OSError):
        return _transient(failures, "no connection", "the connection to Discord was lost")
    return None


def _transient(failures: int, what: str, why: str) -> Retry | Pause:
    if failures < len(RETRY_DELAYS):
        return Retry(RETRY_DELAYS[failures], why, rate_limited=False)
    return Pause(what)
