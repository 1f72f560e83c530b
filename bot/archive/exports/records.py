"""The neutral records an export reader yields, whatever the export's format.

Readers turn WordPress or Disqus XML into these, and the staging load turns these into rows. They
hold no commenter e-mail address or IP address: readers never read those fields, so nothing
downstream can store, log or show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class ExportKind(StrEnum):
    COMMENT = "comment"
    PINGBACK = "pingback"
    TRACKBACK = "trackback"
    # A parent the file does not hold (missing, or left out as spam/deleted): it keeps its
    # replies where they were, as the 2014 page's missing levels are kept.
    PLACEHOLDER = "placeholder"


class LeftOut(StrEnum):
    """Why a comment in the file is not loaded."""

    PENDING = "pending"
    SPAM = "spam"
    TRASH = "trash"
    DELETED = "deleted"
    # A Disqus post whose thread is not in the file, or a WordPress comment on an item that is
    # not a post or page (an attachment, a menu item).
    NO_DISCUSSION = "no_discussion"


@dataclass(frozen=True, slots=True)
class Discussion:
    """A post, page or Disqus thread: the root its comments hang under.

    ``key`` is the reader's own key, unique in the file; comments name it. ``merge_key`` is the
    same for records that are one page (Disqus holds a page under two threads).
    """

    key: str
    merge_key: str
    export_id: str
    title: str
    link: str
    date: str | None
    author: str | None
    body: str
    text: str


class ExportComment(NamedTuple):
    """One loaded comment. ``date`` is UTC ISO 8601 (``2014-01-14T17:32:12Z``) or None.

    A named tuple rather than a frozen dataclass: a million are made, and a frozen dataclass
    costs twice as long to make.
    """

    export_id: str
    discussion_key: str
    parent_export_id: str | None
    kind: ExportKind
    author: str | None
    author_url: str | None
    date: str | None
    body: str
    text: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A comment in the file that is not loaded, and why; nothing else of it is kept."""

    reason: LeftOut


Record = Discussion | ExportComment | Skipped
