"""Small pieces of wording every message shares: counts, dates, quoted input, lists of ids.

One helper each, so that "1 reply" / "2 replies" and "17 February 2014" read the same in every
command, and so that no echo of what a person typed can outgrow a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.archive import outline
from bot.archive.models import Comment
from bot.render.limits import truncate_label
from bot.render.markdown import escape_archive_text

# Archive text that ends up in titles and field names is cut to this before escaping, so that the
# escaped form (at most twice as long) plus our own wording stays under the 256-character limits.
NAME_LABEL = 100
# What a person typed, quoted back in an answer: enough to recognise it, never enough to push
# the answer past a message's limit.
QUOTED_INPUT = 60


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with its noun: "1 reply", "2 replies", "0 members"."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def long_date(date: dt.date) -> str:
    """A date the way the archive writes it: "17 February 2014"."""
    # Day written out rather than via %-d, which not every platform's strftime knows.
    return f"{date.day} {date:%B %Y}"


def instant(date: str | None) -> dt.datetime | None:
    """An export's date (ISO 8601 with a time, UTC) as a moment; None for the page's dates,
    which are days or words, and for anything unreadable."""
    if not date or "T" not in date:
        return None
    try:
        moment = dt.datetime.fromisoformat(date)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    """A Discord timestamp: each reader sees the date and time in their own time zone."""
    return f"<t:{int(moment.timestamp())}:f>"


def label(text: str, limit: int = NAME_LABEL) -> str:
    """Archive text for a title, field name or heading: shortened raw, then escaped."""
    return escape_archive_text(truncate_label(text, limit))


# Discord's JSON can carry an unpaired surrogate ("\ud800"); it cannot be encoded as UTF-8, so
# SQLite and the reply would both fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")
# A canonical id can still be 64 levels of ten digits; a message needs only its shape.
SHOWN_ID = 40


def clean_input(typed: str, replacement: str = "\ufffd") -> str:
    """The typed text with unpaired surrogates replaced, safe to encode, query and show."""
    return _SURROGATE.sub(replacement, typed)


def quoted_input(typed: str) -> str:
    """What a person typed, in quotes, short and escaped, for an answer that echoes it."""
    return f"“{label(clean_input(typed), QUOTED_INPUT)}”"


def _shown_id(comment_id: str) -> str:
    return truncate_label(comment_id, SHOWN_ID)


def missing_comment(
    comment_id: str, nearest: Comment | None, last: Comment | None, prefix: str = ""
) -> str:
    """Why ``comment_id`` was not found, pointing at the comments around where it would be.

    ``nearest`` is its deepest ancestor in the archive (None when not even its top-level comment
    is), ``last`` the last reply to ``nearest`` (the last top-level comment when it is None).
    ``prefix`` goes before every id shown: "4/" for discussion 4 of an archive of several.
    """
    text = f"There is no comment {prefix}{_shown_id(comment_id)} in the archive."
    if nearest is None and last is not None:
        text += f" The last top-level comment is `{prefix}{_shown_id(last.id)}`."
    elif nearest is not None and last is not None:
        text += (
            f" Its nearest neighbours: comment `{prefix}{_shown_id(nearest.id)}` and its last"
            f" reply, `{prefix}{_shown_id(last.id)}`."
        )
    elif nearest is not None:
        text += (
            f" Its nearest neighbour: comment `{prefix}{_shown_id(nearest.id)}`, which has no"
            " replies."
        )
    return text + " Start typing an id or a word and pick a comment from the list."


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def compact_ids(ids: Sequence[str], prefix: str = "") -> str:
    """Comment ids listed briefly: runs of more than three consecutive siblings as "first … last".

    "3.2.1 … 3.2.9" for nine replies in a row; "3.1, 3.2, 3.3" for three; "1, 3 … 6" around a gap.
    ``prefix`` goes before each id shown ("4/" in an archive of several discussions).
    """
    runs: list[list[str]] = []
    for comment_id in ids:
        if runs and _follows(runs[-1][-1], comment_id):
            runs[-1].append(comment_id)
        else:
            runs.append([comment_id])
    shown = [
        f"{prefix}{run[0]} … {prefix}{run[-1]}"
        if len(run) > 3
        else ", ".join(prefix + comment_id for comment_id in run)
        for run in runs
    ]
    return ", ".join(shown)


def _follows(previous: str, comment_id: str) -> bool:
    """Whether ``comment_id`` is the sibling right after ``previous``."""
    if outline.parent(previous) != outline.parent(comment_id):
        return False
    return outline.numbers(comment_id)[-1] == outline.numbers(previous)[-1] + 1
