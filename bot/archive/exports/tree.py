"""One discussion's comments threaded in memory, numbered exactly as the SQL staging numbers them.

Once a discussion's comments are all known (a WordPress item's end; a Disqus page read back
whole), numbering them here and writing final rows at once is much cheaper than threading them
in SQL level by level; :mod:`bot.archive.exports.staging` keeps the SQL path for a discussion
too large to hold, and documents the rules both follow: siblings by date then file
order, a placeholder for a parent the file lacks, a loop's comments at the top level after the
others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class Placed(Protocol):
    """What threading reads of a comment: a whole one, or (Disqus) only where it goes."""

    @property
    def export_id(self) -> str: ...
    @property
    def parent_export_id(self) -> str | None: ...
    @property
    def date(self) -> str | None: ...


C = TypeVar("C", bound=Placed)


@dataclass(slots=True)
class _Node(Generic[C]):
    export_id: str
    comment: C | None  # None: the placeholder of a parent the file lacks
    date: str | None
    order: int
    children: list[_Node[C]] = field(default_factory=list)


def page_order(
    comments: Sequence[C],
) -> Iterator[tuple[str, str | None, int, C | None, str]]:
    """The comments of one discussion (in file order) and their placeholders, in page order:
    (outline id, parent's outline id, depth, comment or None for a placeholder, its export
    id)."""
    nodes = [_Node(c.export_id, c, c.date, i) for i, c in enumerate(comments)]
    first: dict[str, _Node[C]] = {}
    for node in nodes:
        first.setdefault(node.export_id, node)
    top: list[_Node[C]] = []
    placeholders: dict[str, _Node[C]] = {}
    for node in nodes:
        parent_id = node.comment.parent_export_id if node.comment is not None else None
        if parent_id is None or parent_id == node.export_id:
            top.append(node)
            continue
        parent = first.get(parent_id)
        if parent is None:
            parent = placeholders.get(parent_id)
            if parent is None:
                # Dated and ordered by its earliest reply, as the SQL's min(date), min(ord).
                parent = placeholders[parent_id] = _Node(parent_id, None, node.date, node.order)
                top.append(parent)
            elif parent.date is None or (node.date is not None and node.date < parent.date):
                parent.date = node.date
        parent.children.append(node)
    yield from _numbered(top, [*nodes, *placeholders.values()])


def _sort_key(node: _Node[C]) -> tuple[bool, str, int]:
    # SQLite's ORDER BY date, ord: an unknown (NULL) date first.
    return (node.date is not None, node.date or "", node.order)


def _numbered(
    top: list[_Node[C]], every: list[_Node[C]]
) -> Iterator[tuple[str, str | None, int, C | None, str]]:
    reached: set[int] = set()
    top.sort(key=_sort_key)
    # Depth first without recursion: a reply chain may be far deeper than Python's stack.
    stack: list[tuple[_Node[C], str, str | None, int]] = [
        (node, str(n), None, 1) for n, node in reversed(list(enumerate(top, 1)))
    ]
    while stack:
        node, outline, parent, depth = stack.pop()
        reached.add(id(node))
        yield (outline, parent, depth, node.comment, node.export_id)
        children = sorted(node.children, key=_sort_key)
        for n in range(len(children), 0, -1):
            stack.append((children[n - 1], f"{outline}.{n}", outline, depth + 1))
    # Only a loop in the parent ids leaves nodes unreached: they join the top level, after it.
    looped = sorted((node for node in every if id(node) not in reached), key=_sort_key)
    for n, node in enumerate(looped, len(top) + 1):
        yield (str(n), None, 1, node.comment, node.export_id)
