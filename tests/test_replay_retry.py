"""The retry policy of a replay's requests, from a table: failure in, decision out."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.replay.retry import Fail, Pause, Retry, decide


def http(status: int, text: str = "") -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="reason")
    cls = {403: discord.Forbidden, 404: discord.NotFound}.get(status, discord.HTTPException)
    if status >= 500:
        cls = discord.DiscordServerError
    return cls(response, text)  # type: ignore[arg-type]


TROUBLE = "Discord is having trouble (HTTP 503: down)"
SLOW = "Discord asked me to slow down"
LOST = "the connection to Discord was lost"


@pytest.mark.parametrize(
    ("error", "failures", "rate_limits", "expected"),
    [
        (http(500, "oops"), 0, 0, Retry(1.0, "Discord is having trouble (HTTP 500: oops)", False)),
        (http(503, "down"), 3, 0, Retry(8.0, TROUBLE, False)),
        (http(503, "down"), 5, 9, Retry(32.0, TROUBLE, False)),
        (http(503, "down"), 6, 0, Pause("HTTP 503: down")),
        (TimeoutError(), 0, 0, Retry(1.0, "Discord did not answer in time", False)),
        (TimeoutError(), 6, 0, Pause("timeout")),
        (aiohttp.ClientConnectionError(), 1, 0, Retry(2.0, LOST, False)),
        (ConnectionResetError(), 6, 0, Pause("no connection")),
        # A rate limit always lifts: waited out however many times, never a pause.
        (http(429), 0, 0, Retry(5.0, SLOW, True)),
        (http(429), 9, 2, Retry(30.0, SLOW, True)),
        (http(429), 9, 40, Retry(60.0, SLOW, True)),
        (discord.RateLimited(120.0), 6, 6, Retry(120.0, SLOW, True)),
        (discord.RateLimited(0.5), 0, 0, Retry(5.0, SLOW, True)),
        # Bugs are not Discord's: no decision, the caller lets them through.
        (ValueError("bug"), 0, 0, None),
    ],
)  # fmt: skip
def test_decide(error: BaseException, failures: int, rate_limits: int, expected: object) -> None:
    assert decide(error, failures=failures, rate_limits=rate_limits) == expected


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_refusal_fails_at_once(status: int) -> None:
    error = http(status)
    assert decide(error, failures=0, rate_limits=0) == Fail(error)
