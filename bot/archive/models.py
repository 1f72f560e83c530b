"""The archive's records, as the parser produces them and the queries return them.

Plain frozen dataclasses with no Discord in sight: the cogs translate them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class CommentKind(StrEnum):
    COMMENT = "comment"
    PINGBACK = "pingback"
    # Exports only: another site's notice that it linked here, as a pingback is.
    TRACKBACK = "trackback"
    # A level the page lacks (a reply whose parent is not on the page); it holds those replies
    # so that nothing is silently re-parented.
    PLACEHOLDER = "placeholder"


@dataclass(frozen=True, slots=True)
class Post:
    title: str
    date: dt.date
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    preamble: str
    resolving_clause: str
    vote: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    city: str
    position: int


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment of a discussion, addressed by its outline id ("3", "3.2", "3.2.1") there.

    ``body`` is the comment's plain text, as searched and snippeted. ``html`` is set only for
    an export's comment with markup: its source HTML (sanitised, line breaks made explicit),
    which the render package turns into Discord markdown when the comment is shown.
    """

    id: str
    parent_id: str | None
    depth: int
    position: int
    kind: CommentKind
    body: str
    author: str | None = None
    date: str | None = None
    link_title: str | None = None
    link_site: str | None = None
    # 1 on the page, which is one discussion; exports number theirs 1..N in file order.
    discussion: int = 1
    html: str | None = None
    author_url: str | None = None
    # The original comment's address (the discussion's link + "#comment-<export id>").
    permalink: str | None = None
    # The export's own id for the comment ("#1234" reaches it); None on the page.
    export_id: str | None = None

    @property
    def in_archive(self) -> bool:
        return self.kind is not CommentKind.PLACEHOLDER

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []


@dataclass(frozen=True, slots=True)
class Discussion:
    """A post, page or thread whose comments an archive holds: the root they hang under.

    ``body`` and ``html`` as for Comment; ``date`` is ISO 8601 (a date on the page, UTC time for
    exports) or None.
    """

    number: int
    title: str
    link: str | None
    date: str | None
    author: str | None
    body: str
    html: str | None = None
    # The export's id for it (WordPress post id, Disqus thread id); None on the page.
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Archive:
    post: Post
    resolution: Resolution
    members: tuple[Member, ...]
    comments: tuple[Comment, ...]
