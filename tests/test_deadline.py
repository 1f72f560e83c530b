"""No answer misses Discord's 3-second deadline, even when the database is slow.

SimCord's virtual clock does not count real time toward the deadline, so the database is slowed
in real time (a trace callback that sleeps in aiosqlite's thread, once, as a statement runs), and a
thread of the test notes, in real time, when each request of the bot reaches the simulated
Discord: the acknowledgement must come within 3 s of the command, and the answer after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import simcord

from bot.errors import UserFacingError
from tests.conftest import World

# Longer than Discord's 3 s, so that only a deferral can keep the deadline.
SLOW = 3.3
DEADLINE = 3.0

# Settling must outwait the slow query (real seconds).
pytestmark = pytest.mark.simcord(settle_timeout=10.0)


class RequestClock:
    """Real times at which the bot's requests reach the simulated Discord, by request index."""

    def __init__(self, env: simcord.Env) -> None:
        self._requests = env.http_requests
        self.seen: list[tuple[float, simcord.HttpLogEntry]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            self._note()
        self._note()

    def _note(self) -> None:
        for entry in self._requests[len(self.seen) :]:
            self.seen.append((time.monotonic(), entry))

    @contextmanager
    def running(self) -> Iterator[None]:
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()

    def first_callback(self) -> tuple[float, simcord.HttpLogEntry]:
        return next((t, e) for t, e in self.seen if e.path.endswith("/callback"))


async def slow_database(world: World) -> None:
    """The next query of the bot's archive connection stalls SLOW real seconds, once."""
    stalled = threading.Event()

    def stall(statement: str) -> None:
        if not stalled.is_set():
            stalled.set()
            time.sleep(SLOW)

    # Not a progress handler: a search installs its own, to bound its time.
    await world.bot.db.set_trace_callback(stall)


async def timed_slash(
    world: World, command: str, **options: str
) -> tuple[float, float, simcord.InteractionResult]:
    """Over a slow database: (seconds to the acknowledgement, seconds to the end, the result)."""
    await slow_database(world)
    clock = RequestClock(world.env)
    with clock.running():
        started = time.monotonic()
        result = await world.member.slash(world.channel, command, **options)
        ended = time.monotonic()
    acknowledged, entry = clock.first_callback()
    # 5: a deferral ("thinking"), not an answer that happened to be quick.
    assert entry.json["type"] == 5
    return acknowledged - started, ended - started, result


async def test_a_slow_search_is_deferred_in_time_and_answers_privately(world: World) -> None:
    acknowledged, ended, result = await timed_slash(world, "search", query="snitch")

    assert acknowledged < DEADLINE
    assert ended > SLOW  # the database really was slow
    [embed] = result.response.embeds
    assert "snitch" in (embed.description or "").lower()
    assert result.response.ephemeral
    assert world.channel.history() == []


async def test_a_slow_comment_is_deferred_in_time_and_shown_to_the_channel(world: World) -> None:
    acknowledged, ended, result = await timed_slash(world, "comment", id="3.2")

    assert acknowledged < DEADLINE
    assert ended > SLOW
    assert not result.response.ephemeral
    assert result.response.embeds[0].title is not None
    assert "3.2" in (result.response.embeds[0].title or "")


async def test_a_slow_mistake_is_told_privately_after_a_public_deferral(world: World) -> None:
    acknowledged, ended, result = await timed_slash(world, "comment", id="3.99")

    assert acknowledged < DEADLINE
    assert ended > SLOW
    # The public "thinking" placeholder is gone; only the person who typed the id sees why.
    assert world.channel.history() == []
    [told] = [m for m in result.followups if "no comment 3.99" in m.content]
    assert told.ephemeral
    assert [type(e) for e in world.env.errors] == [UserFacingError]
