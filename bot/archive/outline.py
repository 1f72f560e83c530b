"""Comment ids: the outline numbers ("3", "3.2", "3.2.1") that address a comment in a discussion,
and the references people type to reach one (``4/3.2.1``, ``4/``, ``#1234``: see Ref).

The one place that knows the format. A top-level comment keeps its number; a reply is numbered
under its parent in page order. Everything else (parser, queries, transformers, tests) asks here
for parents, ancestors, depth and the key range that holds a comment's descendants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SEPARATOR = "."
# Digits of any script ("３.２", "٣") are read as their values; NFKC folds full-width forms.
_TYPED = re.compile(r"\d+(?:\.\d+)*")
# Longer than any real thread is deep, short enough that a typed id can never be huge.
MAX_DEPTH = 64
MAX_NUMBER = 10**9


def parse(typed: str) -> str | None:
    """The canonical id for what a person typed, or None when it is not an id.

    Leading zeros go ("03" is "3"), digits of other scripts count, surrounding space is ignored.
    """
    text = unicodedata.normalize("NFKC", typed.strip())
    if not _TYPED.fullmatch(text):
        return None
    parts = text.split(SEPARATOR)
    if len(parts) > MAX_DEPTH:
        return None
    numbers: list[int] = []
    for part in parts:
        # int() reads every Unicode decimal digit; a part with hundreds of digits is not an id.
        if len(part) > 12:
            return None
        number = int(part)
        if number > MAX_NUMBER:
            return None
        numbers.append(number)
    return join(numbers)


def join(numbers: list[int] | tuple[int, ...]) -> str:
    return SEPARATOR.join(str(n) for n in numbers)


def numbers(comment_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in comment_id.split(SEPARATOR))


def child(parent_id: str | None, number: int) -> str:
    """The id of the ``number``-th reply to ``parent_id`` (a top-level comment when None)."""
    return str(number) if parent_id is None else f"{parent_id}{SEPARATOR}{number}"


def depth(comment_id: str) -> int:
    """1 for a top-level comment, 2 for a reply to it, and so on."""
    return comment_id.count(SEPARATOR) + 1


def parent(comment_id: str) -> str | None:
    head, separator, _ = comment_id.rpartition(SEPARATOR)
    return head if separator else None


def ancestors(comment_id: str) -> list[str]:
    """The ids above this one, the top-level one first."""
    parts = comment_id.split(SEPARATOR)
    return [SEPARATOR.join(parts[:n]) for n in range(1, len(parts))]


def descendant_range(comment_id: str) -> tuple[str, str]:
    """A key range holding exactly the ids of this comment's descendants: ``low <= id < high``.

    "3." up to, not including, "3/" ('/' is the character after '.'), so one index range scan
    finds a whole subtree.
    """
    return f"{comment_id}{SEPARATOR}", f"{comment_id}{chr(ord(SEPARATOR) + 1)}"


def is_descendant(comment_id: str, ancestor_id: str) -> bool:
    return comment_id.startswith(f"{ancestor_id}{SEPARATOR}")


_EXPORT_ID = re.compile(r"#\s*([^\s#/]{1,64})")
DISCUSSION_SEPARATOR = "/"


@dataclass(frozen=True, slots=True)
class Ref:
    """A comment reference as people type it, read but not yet looked up.

    ``3.2.1`` is comment 3.2.1 of the archive's only discussion (``discussion`` None);
    ``4/3.2.1`` the same comment of discussion 4; ``4/`` discussion 4's root, its post
    (``comment_id`` None); ``#1234`` the comment the export itself calls 1234 (``export_id``).
    """

    discussion: int | None = None
    comment_id: str | None = None
    export_id: str | None = None

    @property
    def is_root(self) -> bool:
        return self.discussion is not None and self.comment_id is None

    def __str__(self) -> str:
        """The canonical spelling, which parse_ref reads back to the same Ref."""
        if self.export_id is not None:
            return f"#{self.export_id}"
        if self.discussion is None:
            return self.comment_id or ""
        return f"{self.discussion}{DISCUSSION_SEPARATOR}{self.comment_id or ''}"


def parse_ref(typed: str) -> Ref | None:
    """The reference a person typed, or None when it is none of the forms Ref describes.

    Digits are read as :func:`parse` reads them (any script, leading zeros dropped).
    """
    text = unicodedata.normalize("NFKC", typed.strip())
    if match := _EXPORT_ID.fullmatch(text):
        return Ref(export_id=match[1])
    head, separator, tail = text.partition(DISCUSSION_SEPARATOR)
    if not separator:
        comment_id = parse(text)
        return Ref(comment_id=comment_id) if comment_id is not None else None
    discussion = parse(head)
    if discussion is None or SEPARATOR in discussion or int(discussion) == 0:
        return None
    if not tail.strip():
        return Ref(discussion=int(discussion))
    comment_id = parse(tail)
    return Ref(int(discussion), comment_id) if comment_id is not None else None
