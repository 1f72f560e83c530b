"""The text of a /thread replay: the thread's name, its opening message, one message per comment.

Pure builders; the replay runner only sends what they return.
"""

from __future__ import annotations

from bot.archive.models import Comment, CommentKind, Post
from bot.render.html import body_markdown
from bot.render.limits import MESSAGE, THREAD_NAME, plain_label, split_text
from bot.render.markdown import escape_archive_text
from bot.render.text import label, long_date, plural


def thread_name(comment: Comment) -> str:
    """The replay thread's name: the comment's id and its first words (a plain-text surface)."""
    words = comment.body if comment.in_archive else "not in the archive"
    return plain_label(f"{comment.id} · {words}", THREAD_NAME)


def replies_under(total: int) -> str:
    """ " and the N replies under it" for a replay of ``total`` comments, or "" for a leaf."""
    replies = total - 1
    return f" and the {plural(replies, 'reply', 'replies')} under it" if replies else ""


def replay_header(comment: Comment, total: int, post: Post, by: int) -> str:
    """The replay's first message: which comment, how many follow, where it comes from."""
    what = f"comment {comment.id}"
    if not comment.in_archive:
        what += " (itself not in the archive)"
    if total > 1:
        follow = (
            f"{total} comments follow in page order, each reply answering its parent's message."
        )
    else:
        follow = "It has no replies."
    return (
        f"**Replay of {what}**{replies_under(total)}, from the comments on"
        f" “{escape_archive_text(post.title)}” ({long_date(post.date)}),"
        f" an archived blog post.\n{follow} Started by <@{by}>."
    )


def _continued(comment_id: str, number: int, count: int) -> str:
    return f"**{comment_id}** ({number}/{count})"


def comment_message_parts(comment: Comment) -> list[str]:
    """Plain message contents replaying one comment: a header line, then the body.

    The header (id, depth, author, link, date) opens the first part; a body too long for one
    message is split, and every later part opens with the id and its place ("**3.1.2** (2/2)"),
    so that no part reads like a comment of its own.
    """
    if not comment.in_archive:
        return [f"**{comment.id}** · not in the archive (the page shows its replies without it)"]
    header = [f"**{comment.id}**", f"depth {comment.depth}"]
    if comment.kind is CommentKind.PINGBACK:
        header.append("pingback")
    header += [
        label(part)
        for part in (comment.author, comment.link_title, comment.link_site, comment.date)
        if part
    ]
    heading = " · ".join(header)
    body = body_markdown(comment)
    # Splitting the body alone (rather than header and body together, which would break at the
    # header's own newline) keeps each header with its part. Room is left for the longest header
    # a part can get; a part count with more digits than the first guess splits once more.
    parts: list[str] = []
    count = 1
    while True:
        room = MESSAGE - max(len(heading), len(_continued(comment.id, count, count))) - 1
        parts = split_text(body, room)
        if len(str(len(parts))) <= len(str(count)):
            break
        count = len(parts)
    if not parts:
        return [heading]
    return [f"{heading}\n{parts[0]}"] + [
        f"{_continued(comment.id, number, len(parts))}\n{part}"
        for number, part in enumerate(parts[1:], start=2)
    ]
