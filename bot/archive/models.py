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
    """One comment of the thread, addressed by its outline id ("3", "3.2", "3.2.1")."""

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

    @property
    def in_archive(self) -> bool:
        return self.kind is not CommentKind.PLACEHOLDER

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n") if self.body else []


@dataclass(frozen=True, slots=True)
class Archive:
    post: Post
    resolution: Resolution
    members: tuple[Member, ...]
    comments: tuple[Comment, ...]
