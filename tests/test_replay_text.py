"""What a replay says: the closing line in its thread and the answer to Stop, from tables."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.render.progress import closing_line, outcome_text, refusal_text
from bot.replay.jobs import Job, JobState, NoRoom


def job(state: JobState, posted: int, total: int = 17, reason: str | None = None) -> Job:
    return Job(
        id=1, guild_id=1, channel_id=10, target_id=12, here=False, comment_id="3",
        requested_by=100, total=total, next_position=posted, header_message_id=None,
        state=state, reason=reason, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


KEPT = "Discord kept failing (timeout)"


@pytest.mark.parametrize(
    ("ended", "at", "closing"),
    [
        (job(JobState.DONE, 17), None,
         "*End of the replay: comment 3 and the 16 replies under it, complete.*"),
        (job(JobState.DONE, 1, total=1), None, "*End of the replay: comment 3, complete.*"),
        (job(JobState.STOPPED, 12), "3.2.6",
         "*The replay was stopped here at comment 3.2.6: 12 of 17 comments posted.*"),
        (job(JobState.PAUSED, 4, reason=KEPT), "3.1.3",
         f"*The replay is paused here at comment 3.1.3 (4 of 17 comments posted): {KEPT}."
         " It goes on when it is resumed.*"),
        (job(JobState.FAILED, 2, reason="Discord refused the message (HTTP 400)"), "3.1.1",
         "*The replay stopped here at comment 3.1.1 (2 of 17 comments posted): Discord refused"
         " the message (HTTP 400).*"),
    ],
)  # fmt: skip
def test_closing_line(ended: Job, at: str | None, closing: str) -> None:
    assert closing_line(ended, at) == closing


@pytest.mark.parametrize(
    ("ended", "at", "answer"),
    [
        (job(JobState.STOPPED, 12), "3.2.6",
         "Stopped at comment **3.2.6** (12 of 17 posted in <#12>). What was posted stays."),
        (job(JobState.DONE, 17), None,
         "Done: comment **3** and the 16 replies under it are in <#12>."),
        (job(JobState.RUNNING, 5), "3.1.4", "Replaying comment **3** into <#12>: 5 of 17 posted."),
        (job(JobState.PAUSED, 0, reason=KEPT), "3",
         f"Paused at comment **3** (0 of 17 posted in <#12>): {KEPT}. Press Resume to go on"
         " from there."),
    ],
)  # fmt: skip
def test_the_answer_to_stop_says_where(ended: Job, at: str | None, answer: str) -> None:
    assert outcome_text(ended, at) == answer


def test_refusals() -> None:
    running = job(JobState.RUNNING, 3)
    assert refusal_text(NoRoom(running, 1), 1).startswith(
        "A replay is already running here: comment **3** into <#12>, started by <@100>, 3 of 17"
    )
    assert refusal_text(NoRoom(None, 2), 2) == (
        "This server already has 2 replays running, the most allowed at once (2). Try again when"
        " one has finished."
    )
