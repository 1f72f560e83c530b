"""The text of a /thread replay: the thread's name, its opening, one message per comment.

Pure builders; the replay runner only sends what they return. An export's comment carries its
author, its date as a Discord timestamp (each reader sees their own time zone) and a link to the
original comment, in angle brackets so that Discord unfurls no preview under every message. A
replay of a whole discussion opens with its post: title, author, date, link and opening text.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.archive.models import Comment, CommentKind, Discussion
from bot.render.html import body_markdown
from bot.render.limits import MESSAGE, THREAD_NAME, plain_label, split_text
from bot.render.markdown import escape_archive_text
from bot.render.text import instant, label, long_date, plural, timestamp

# Only a plain web address is shown as a link: anything else in an export's link field (a space,
# an angle bracket) could break out of the <...> that keeps Discord from unfurling it.
_LINK = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)


def thread_name(comment: Comment, prefix: str = "") -> str:
    """The replay thread's name: the comment's ref and its first words (a plain-text surface)."""
    words = comment.body if comment.in_archive else "not in the archive"
    return plain_label(f"{prefix}{comment.id} · {words}", THREAD_NAME)


def discussion_thread_name(discussion: Discussion) -> str:
    """The name of a thread replaying a whole discussion: its title."""
    return plain_label(discussion.title or f"Discussion {discussion.number}", THREAD_NAME)


def replies_under(total: int) -> str:
    """ " and the N replies under it" for a replay of ``total`` comments, or "" for a leaf."""
    replies = total - 1
    return f" and the {plural(replies, 'reply', 'replies')} under it" if replies else ""


def when(date: str | None) -> str | None:
    """A date as a message shows it: an export's moment as a Discord timestamp, the page's day
    written out ("17 February 2014"), anything else as the archive has it."""
    if not date:
        return None
    moment = instant(date)
    if moment is not None:
        return timestamp(moment)
    try:
        return long_date(dt.date.fromisoformat(date))
    except ValueError:
        return label(date)


def link(url: str | None) -> str | None:
    """A web address as a link that shows no preview, or None when it is not a plain one."""
    return f"<{url}>" if url and _LINK.fullmatch(url) else None


def replay_header(
    comment: Comment, total: int, discussion: Discussion, by: int, prefix: str = ""
) -> str:
    """The first message of a comment's replay: which comment, how many follow, where from."""
    what = f"comment {prefix}{comment.id}"
    if not comment.in_archive:
        what += " (itself not in the archive)"
    if total > 1:
        follow = (
            f"{total} comments follow in page order, each reply answering its parent's message."
        )
    else:
        follow = "It has no replies."
    dated = when(discussion.date)
    source = f"“{escape_archive_text(discussion.title)}”" + (f" ({dated})" if dated else "")
    return (
        f"**Replay of {what}**{replies_under(total)}, from the comments on {source},"
        f" an archived {'blog post' if discussion.key is None else 'discussion'}."
        f"\n{follow} Started by <@{by}>."
    )


def discussion_opening(discussion: Discussion, total: int, by: int) -> list[str]:
    """The opening of a whole discussion's replay: what follows, then the post itself (title,
    author, date, link, opening text), over as many messages as its text needs."""
    intro = (
        f"**Replay of a whole discussion**: the post, then its {plural(total, 'comment')} in page"
        " order, each reply answering its parent's message (top-level comments answer the"
        f" post). Started by <@{by}>."
    )
    byline = [
        part
        for part in (
            label(discussion.author) if discussion.author else None,
            when(discussion.date),
            link(discussion.link),
        )
        if part
    ]
    heading = f"{intro}\n\n**{escape_archive_text(discussion.title)}**"
    if byline:
        heading += "\n" + " · ".join(byline)
    return _with_heading(heading, body_markdown(discussion), f"{discussion.number}/")


def _continued(marker: str, number: int, count: int) -> str:
    return f"**{marker}** ({number}/{count})"


def _with_heading(heading: str, body: str, marker: str) -> list[str]:
    """``heading`` and ``body`` over as many messages as they need: the heading opens the first,
    and every later part opens with the marker and its place ("**3.1.2** (2/2)"), so that no
    part reads like a message of its own."""
    # Splitting the body alone (rather than heading and body together, which would break at the
    # heading's own newline) keeps each heading with its part. Room is left for the longest
    # heading a part can get; a part count with more digits than the first guess splits again.
    parts: list[str] = []
    count = 1
    while True:
        room = MESSAGE - max(len(heading), len(_continued(marker, count, count))) - 1
        parts = split_text(body, room)
        if len(str(len(parts))) <= len(str(count)):
            break
        count = len(parts)
    if not parts:
        return [heading]
    return [f"{heading}\n{parts[0]}"] + [
        f"{_continued(marker, number, len(parts))}\n{part}"
        for number, part in enumerate(parts[1:], start=2)
    ]


def comment_message_parts(comment: Comment, prefix: str = "") -> list[str]:
    """Plain message contents replaying one comment: a header line, then the body.

    The header holds the ref, the depth, the kind of a pingback or trackback, the author, the
    page's link title and site, the date, and an export's link to the original comment (for a
    pingback or trackback, to the page that linked). A body too long for one message is split.
    """
    ref = f"{prefix}{comment.id}"
    if not comment.in_archive:
        return [f"**{ref}** · not in the archive (the page shows its replies without it)"]
    header = [f"**{ref}**", f"depth {comment.depth}"]
    linked = comment.kind in (CommentKind.PINGBACK, CommentKind.TRACKBACK)
    if linked:
        header.append(comment.kind.value)
    header += [
        label(part) for part in (comment.author, comment.link_title, comment.link_site) if part
    ]
    header += [
        part
        for part in (
            when(comment.date),
            link(comment.author_url) if linked else None,
            link(comment.permalink),
        )
        if part
    ]
    return _with_heading(" · ".join(header), body_markdown(comment), ref)
