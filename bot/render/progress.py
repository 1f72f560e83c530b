"""What a replay says about itself: the progress line, how it ended, the closing line in the
thread and refusals. Pure functions of a job, so they are table-tested."""

from __future__ import annotations

from bot.archive.outline import DISCUSSION_SEPARATOR
from bot.render.replay import replies_under
from bot.render.text import plural
from bot.replay.jobs import Job, JobState, NoRoom


def _whole_discussion(job: Job) -> bool:
    """Whether the job replays a discussion's root ("4/"): all of it."""
    return job.comment_id.endswith(DISCUSSION_SEPARATOR)


def _subject(job: Job, bold: str = "**") -> str:
    """What the job replays: "comment **3.2**", or "discussion **4**" for a discussion's root."""
    ref = job.comment_id
    if _whole_discussion(job):
        return f"discussion {bold}{ref.removesuffix(DISCUSSION_SEPARATOR)}{bold}"
    return f"comment {bold}{ref}{bold}"


def _whole(job: Job, bold: str = "**") -> str:
    """The subject with what comes with it: "comment 3 and the 16 replies under it"."""
    if _whole_discussion(job):
        return f"{_subject(job, bold)} with its {plural(job.total, 'comment')}"
    return _subject(job, bold) + replies_under(job.total)


def where(job: Job) -> str:
    return f"<#{job.target_id}>" if job.target_id is not None else "the new thread"


def running_text(job: Job, note: str | None = None) -> str:
    text = (
        f"Replaying {_subject(job)} into {where(job)}: {job.next_position} of {job.total} posted."
    )
    return f"{text}\n{note}" if note else text


def _stopped_at(job: Job, at: str | None) -> str:
    return f" at comment **{at}**" if at is not None else ""


def outcome_text(job: Job, at: str | None) -> str:
    """Where a replay ended, for the person who started it or pressed Stop. ``at``: the id of
    the first comment it did not post (None when it posted them all)."""
    if job.state is JobState.RUNNING:
        return running_text(job)
    if job.state is JobState.DONE:
        verb = "are" if job.total > 1 and not _whole_discussion(job) else "is"
        return f"Done: {_whole(job)} {verb} in {where(job)}."
    posted = f"{job.next_position} of {job.total} posted in {where(job)}"
    if job.target_id is None:
        posted = "nothing posted"
    stopped_at = _stopped_at(job, at)
    if job.state is JobState.STOPPED:
        return f"Stopped{stopped_at} ({posted}). What was posted stays."
    if job.state is JobState.PAUSED:
        return f"Paused{stopped_at} ({posted}): {job.reason}. Press Resume to go on from there."
    return f"The replay stopped{stopped_at} ({posted}): {job.reason}."


def closing_line(job: Job, at: str | None) -> str:
    """The replay's last message, in the thread (or channel) itself: readers learn whether the
    history above is whole, even when nobody's progress message can be edited any more."""
    if job.state is JobState.DONE:
        return f"*End of the replay: {_whole(job, bold='')}, complete.*"
    posted = f"{job.next_position} of {job.total} comments posted"
    stopped_at = _stopped_at(job, at).replace("**", "")
    if job.state is JobState.STOPPED:
        return f"*The replay was stopped here{stopped_at}: {posted}.*"
    if job.state is JobState.PAUSED:
        return (
            f"*The replay is paused here{stopped_at} ({posted}): {job.reason}."
            " It goes on when it is resumed.*"
        )
    return f"*The replay stopped here{stopped_at} ({posted}): {job.reason}.*"


def refusal_text(busy: NoRoom, cap: int) -> str:
    """Why a replay cannot start or resume now."""
    running = busy.running
    if running is None:
        count = busy.running_in_guild
        return (
            f"This server already has {plural(count, 'replay')} running, the most"
            f" allowed at once ({cap}). Try again when one has finished."
        )
    return (
        f"A replay is already running here: {_subject(running)} into"
        f" {where(running)}, started by <@{running.requested_by}>,"
        f" {running.next_position} of {running.total} posted. One replay per channel at a"
        " time: wait for it to finish, or press Stop to end it (what it posted stays)."
    )
