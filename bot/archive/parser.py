"""Read the text of the archived WordPress page into an :class:`Archive`.

The page is plain text in which the comment tree survives only as indentation:

* a numbered item indented by two spaces (``  3. ...``) is a top-level comment, and keeps the
  page's own number as its id;
* a bullet (``•``) indented by ``2 * depth`` spaces is a reply at that depth;
* every other non-blank line, at any indentation, is body text of the comment above it
  (comment 1 holds a numbered list of its own, some replies quote e-mails).

Replies are numbered in page order under their parent (``3.2.1``). Where the page lacks a level
the gap is kept as a placeholder comment rather than re-parenting the reply.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from bot.archive.errors import ArchiveFormatError
from bot.archive.models import Archive, Comment, CommentKind, Member, Post, Resolution

_COMMENTS_HEADER = re.compile(r"^(?:\d+|One) thoughts? on\b")
# WordPress's comment form follows the comments; it is page furniture, not content.
_COMMENT_FORM = "Leave a Reply"
_TOP_LEVEL = re.compile(r"^  (\d+)\. (.*)$")
_REPLY = re.compile(r"^((?:  )+)• (.*)$")
_PINGBACK = re.compile(r"^Pingback: (.*?)(?: \| ([^|]*))?$")
_DATE = re.compile(
    r"\b(\d{1,2}) (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) (\d{4})\b"
)
_VOTE = re.compile(r"passing [“\"](.+?)\.?[”\"]")
_MEMBER = re.compile(r"\s*(?:and\s+)?([^,()]+?)\s*\(([^()]+)\)\s*(?:,|$)")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def parse_page(text: str) -> Archive:
    """Parse the page; raise :class:`ArchiveFormatError` when it is not the expected page."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header = _find_comments_header(lines)
    intro = _paragraphs(lines[:header])
    if not intro:
        raise ArchiveFormatError("the page has no post before its comments")
    post, resolution, members = _parse_intro(intro)
    return Archive(post, resolution, members, tuple(_parse_comments(lines, header + 1)))


def _find_comments_header(lines: list[str]) -> int:
    for number, line in enumerate(lines):
        if _COMMENTS_HEADER.match(line):
            return number
    raise ArchiveFormatError("no comment section (no line like '82 thoughts on ...')")


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Group consecutive non-blank lines; each line loses its indentation."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def _parse_intro(paragraphs: list[str]) -> tuple[Post, Resolution, tuple[Member, ...]]:
    title, *rest = paragraphs
    preamble_at = _index_of(rest, lambda p: p.startswith("Whereas"), "the resolution's preamble")
    clause_at = _index_of(rest, lambda p: p.startswith("We, the delegates"), "the resolving clause")
    post_paragraphs = tuple(rest[:preamble_at])
    date = _first_date(post_paragraphs)
    vote = next((m.group(1) for p in post_paragraphs if (m := _VOTE.search(p))), None)
    if vote is None:
        raise ArchiveFormatError("the resolution's recorded vote is missing")
    resolution = Resolution(
        preamble=rest[preamble_at],
        resolving_clause=rest[clause_at],
        vote=vote,
        date=date,
    )
    member_text = " ".join(rest[clause_at + 1 : clause_at + 2])
    return Post(title, date, post_paragraphs), resolution, _parse_members(member_text)


def _index_of(paragraphs: list[str], test: Callable[[str], bool], what: str) -> int:
    for index, paragraph in enumerate(paragraphs):
        if test(paragraph):
            return index
    raise ArchiveFormatError(f"{what} is missing")


def _first_date(paragraphs: Iterable[str]) -> dt.date:
    for paragraph in paragraphs:
        if match := _DATE.search(paragraph):
            day, month, year = match.groups()
            return dt.date(int(year), _MONTHS.index(month) + 1, int(day))
    raise ArchiveFormatError("the post has no date")


def _parse_members(text: str) -> tuple[Member, ...]:
    members: list[Member] = []
    at = 0
    while at < len(text):
        match = _MEMBER.match(text, at)
        if match is None:
            raise ArchiveFormatError(f"the member list cannot be read near {text[at : at + 40]!r}")
        members.append(Member(match.group(1), match.group(2).strip(), len(members) + 1))
        at = match.end()
    if not members:
        raise ArchiveFormatError("the member list after the resolution is missing")
    return tuple(members)


@dataclass
class _Node:
    id: str
    parent_id: str | None
    depth: int
    position: int
    kind: CommentKind
    lines: list[str] = field(default_factory=list)
    link_title: str | None = None
    link_site: str | None = None
    children: int = 0

    def freeze(self) -> Comment:
        return Comment(
            id=self.id,
            parent_id=self.parent_id,
            depth=self.depth,
            position=self.position,
            kind=self.kind,
            body="\n\n".join(_paragraphs(self.lines)),
            link_title=self.link_title,
            link_site=self.link_site,
        )


class _TreeBuilder:
    """Turns (depth, text) items in page order into nodes with outline ids."""

    def __init__(self) -> None:
        self.nodes: list[_Node] = []
        self.open: list[_Node] = []  # the current node at each depth, top level first

    def top_level(self, number: str, text: str) -> _Node:
        self.open = []
        kind, title, site = CommentKind.COMMENT, None, None
        if match := _PINGBACK.match(text):
            kind, title, site = CommentKind.PINGBACK, match.group(1), match.group(2)
        node = self._add(number, None, 1, kind)
        node.link_title, node.link_site = title, site
        node.lines.append(text)
        return node

    def reply(self, depth: int, text: str) -> _Node:
        del self.open[depth - 1 :]
        while len(self.open) < depth - 1:
            self._fill_gap()
        node = self._child_of(self.open[-1], CommentKind.COMMENT)
        node.lines.append(text)
        return node

    def _fill_gap(self) -> None:
        if not self.open:
            # Replies before the first numbered comment answer a comment the page lacks.
            self._add("0", None, 1, CommentKind.PLACEHOLDER)
        else:
            self._child_of(self.open[-1], CommentKind.PLACEHOLDER)

    def _child_of(self, parent: _Node, kind: CommentKind) -> _Node:
        parent.children += 1
        return self._add(f"{parent.id}.{parent.children}", parent.id, parent.depth + 1, kind)

    def _add(self, id_: str, parent_id: str | None, depth: int, kind: CommentKind) -> _Node:
        node = _Node(id_, parent_id, depth, len(self.nodes) + 1, kind)
        self.nodes.append(node)
        self.open.append(node)
        return node


def _parse_comments(lines: list[str], start: int) -> Iterator[Comment]:
    tree = _TreeBuilder()
    current: _Node | None = None
    seen: set[str] = set()
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.strip() == _COMMENT_FORM and not line.startswith(" "):
            break
        if top := _TOP_LEVEL.match(line):
            if top.group(1) in seen:
                raise ArchiveFormatError(f"line {number}: comment {top.group(1)} appears twice")
            seen.add(top.group(1))
            current = tree.top_level(top.group(1), top.group(2))
        elif reply := _REPLY.match(line):
            current = tree.reply(len(reply.group(1)) // 2, reply.group(2))
        elif current is not None:
            current.lines.append(line)
        elif line.strip():
            raise ArchiveFormatError(f"line {number}: text before the first comment")
    if not tree.nodes:
        raise ArchiveFormatError("the comment section holds no comments")
    return (node.freeze() for node in tree.nodes)
