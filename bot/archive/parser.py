"""Read the text of the archived WordPress page: its head, then its comments one by one.

The page is plain text in which the comment tree survives only as indentation:

* a numbered item indented by two spaces (``  3. ...``) is a top-level comment, and keeps the
  page's own number as its id;
* a bullet (``•``) indented by ``2 * depth`` spaces is a reply at that depth (2 or more: the top
  level is numbered);
* every other non-blank line, at any indentation, is body text of the comment above it
  (comment 1 holds a numbered list of its own, some replies quote e-mails).

Replies are numbered in page order under their parent (``3.2.1``). Where the page lacks a level
the gap is kept as a placeholder comment rather than re-parenting the reply.

A page can hold a million comments, so :func:`read_page` reads the post, resolution and members
first and then yields the comments lazily, keeping only the branch that replies can still join:
ingest runs in constant memory. Whatever the parser cannot read raises
:class:`ArchiveFormatError` with one line naming the page's line and the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.archive import outline
from bot.archive.errors import ArchiveFormatError
from bot.archive.models import Archive, Comment, CommentKind, Member, Post, Resolution

_COMMENTS_HEADER = re.compile(r"^(?:\d+|One) thoughts? on\b")
# WordPress's comment form follows the comments; it is page furniture, not content.
_COMMENT_FORM = "Leave a Reply"
_BULLET = "• "
# Matched after the two spaces of indentation are taken off.
_NUMBERED = re.compile(r"(\d+)\. (.*)")
_PINGBACK = re.compile(r"^Pingback: (.*?)(?: \| ([^|]*))?$")
_DATE = re.compile(
    r"\b([0-9]{1,2}) (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) ([0-9]{4})\b"
)
_VOTE = re.compile(r"passing [“\"](.+?)\.?[”\"]")
_MEMBER = re.compile(r"\s*(?:and\s+)?([^,()]+?)\s*\(([^()]+)\)\s*(?:,|$)")
# The post and resolution take a few dozen lines; a header this far down is not this page.
_INTRO_LINES = 100_000
_NUMBER_DIGITS = len(str(outline.MAX_NUMBER))
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class _Missing(Exception):
    """A part of the page's head, named, is not there; read_page says where it looked."""


@dataclass(frozen=True, slots=True)
class PageHead:
    """Everything the page says before its comments."""

    post: Post
    resolution: Resolution
    members: tuple[Member, ...]


def parse_page(text: str) -> Archive:
    """Parse a whole page held in memory; raise :class:`ArchiveFormatError` when it is not one."""
    head, comments = read_page(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return Archive(head.post, head.resolution, head.members, tuple(comments))


def read_page(lines: Iterable[str]) -> tuple[PageHead, Iterator[Comment]]:
    """Read the page's head now and return it with an iterator over its comments in page order.

    ``lines`` are the page's lines as a text file yields them (line endings are dropped); keep
    the file open until the comments are read, since they are read as the iterator is consumed.
    A format error among them is raised from the iterator, after the comments before it.
    """
    numbered = enumerate(lines, start=1)
    intro: list[tuple[int, str]] = []
    for number, line in numbered:
        line = line.rstrip("\r\n")
        if number == 1:
            line = line.removeprefix("\ufeff")
        if _COMMENTS_HEADER.match(line):
            break
        if number > _INTRO_LINES:
            # Without this, a page missing its header would be held in memory whole.
            raise ArchiveFormatError(
                f"no comment section in the first {_INTRO_LINES:,} lines"
                " (no line like '82 thoughts on ...')"
            )
        intro.append((number, line))
    else:
        raise ArchiveFormatError("no comment section (no line like '82 thoughts on ...')")
    paragraphs = _paragraphs(intro)
    if not paragraphs:
        raise ArchiveFormatError(
            f"line {number}: the comment section starts without a post before it"
        )
    try:
        head = _parse_intro(paragraphs)
    except _Missing as missing:
        # Something the page must have is not there: say where the search for it stopped.
        raise ArchiveFormatError(
            f"line {number}: the comment section starts without {missing} before it"
        ) from None
    return head, _read_comments(numbered, number)


def _paragraphs(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Group consecutive non-blank lines, each without its indentation, with the first's number."""
    paragraphs: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in lines:
        if text := line.strip():
            if not current:
                start = number
            current.append(text)
        elif current:
            paragraphs.append((start, "\n".join(current)))
            current = []
    if current:
        paragraphs.append((start, "\n".join(current)))
    return paragraphs


def _parse_intro(paragraphs: list[tuple[int, str]]) -> PageHead:
    (_, title), *rest = paragraphs
    texts = [text for _, text in rest]
    preamble_at = _index_of(texts, lambda p: p.startswith("Whereas"), "the resolution's preamble")
    clause_at = _index_of(
        texts, lambda p: p.startswith("We, the delegates"), "the resolving clause"
    )
    post_paragraphs = tuple(texts[:preamble_at])
    date = _first_date(rest[:preamble_at])
    vote = next((m.group(1) for p in post_paragraphs if (m := _VOTE.search(p))), None)
    if vote is None:
        raise _Missing("the resolution's recorded vote")
    resolution = Resolution(
        preamble=texts[preamble_at],
        resolving_clause=texts[clause_at],
        vote=vote,
        date=date,
    )
    if clause_at + 1 >= len(rest):
        raise _Missing("the member list")
    members = _parse_members(*rest[clause_at + 1])
    return PageHead(Post(title, date, post_paragraphs), resolution, members)


def _index_of(paragraphs: list[str], test: Callable[[str], bool], what: str) -> int:
    for index, paragraph in enumerate(paragraphs):
        if test(paragraph):
            return index
    raise _Missing(what)


def _line_in(paragraph: tuple[int, str], at: int) -> int:
    """The page's line number of the character at ``at`` in a paragraph."""
    start, text = paragraph
    return start + text.count("\n", 0, at)


def _first_date(paragraphs: Iterable[tuple[int, str]]) -> dt.date:
    for paragraph in paragraphs:
        if match := _DATE.search(paragraph[1]):
            day, month, year = match.groups()
            try:
                return dt.date(int(year), _MONTHS.index(month) + 1, int(day))
            except ValueError:
                line = _line_in(paragraph, match.start())
                raise ArchiveFormatError(
                    f"line {line}: the post's date {match.group()!r} is not a day of the calendar"
                ) from None
    raise _Missing("the post's date")


def _parse_members(start: int, text: str) -> tuple[Member, ...]:
    members: list[Member] = []
    at = 0
    while at < len(text):
        match = _MEMBER.match(text, at)
        if match is None:
            rest = text[at:]
            at += len(rest) - len(rest.lstrip())
            line = _line_in((start, text), at)
            raise ArchiveFormatError(
                f"line {line}: the member list cannot be read near {text[at : at + 40]!r}"
            )
        members.append(Member(match.group(1), match.group(2).strip(), len(members) + 1))
        at = match.end()
    return tuple(members)


class _Open:
    """A comment on the open branch: later replies may still answer it."""

    __slots__ = ("children", "depth", "id")

    def __init__(self, id_: str, depth: int) -> None:
        self.id, self.depth, self.children = id_, depth, 0

    def next_child(self) -> _Open:
        self.children += 1
        return _Open(outline.child(self.id, self.children), self.depth + 1)


class _Pending:
    """The comment whose text is being read; it is complete when the next item starts."""

    __slots__ = (
        "depth", "id", "kind", "lines", "link_site", "link_title", "paragraphs", "parent_id",
        "position",
    )  # fmt: skip

    def __init__(self, node: _Open, parent_id: str | None, position: int, first: str) -> None:
        self.id, self.parent_id, self.depth = node.id, parent_id, node.depth
        self.position = position
        self.kind = CommentKind.COMMENT
        self.link_title: str | None = None
        self.link_site: str | None = None
        self.paragraphs: list[str] = []
        self.lines: list[str] = []
        self.add(first.strip())

    def add(self, text: str) -> None:
        """Take one line of text, already stripped; a blank one ends a paragraph."""
        if text:
            self.lines.append(text)
        elif self.lines:
            self.paragraphs.append("\n".join(self.lines))
            self.lines = []

    def freeze(self) -> Comment:
        if self.lines:
            self.paragraphs.append("\n".join(self.lines))
        return Comment(
            id=self.id,
            parent_id=self.parent_id,
            depth=self.depth,
            position=self.position,
            kind=self.kind,
            body="\n\n".join(self.paragraphs),
            link_title=self.link_title,
            link_site=self.link_site,
        )


def _placeholder(node: _Open, parent_id: str | None, position: int) -> Comment:
    return Comment(node.id, parent_id, node.depth, position, CommentKind.PLACEHOLDER, "")


def _read_comments(numbered: Iterator[tuple[int, str]], header: int) -> Iterator[Comment]:
    # The per-line work is kept inline: at a million comments this loop runs over four million
    # lines, and it is most of what ingest spends outside SQLite.
    branch: list[_Open] = []  # the open comment at each depth, top level first
    current: _Pending | None = None
    position = 0
    last_number = 0
    for number, raw in numbered:
        line = raw.rstrip("\r\n")
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if indent and text.startswith(_BULLET) and not indent % 2:
            if current is not None:
                yield current.freeze()
            depth = indent // 2
            if depth == 1:
                raise ArchiveFormatError(
                    f"line {number}: a reply bullet at the top level (two spaces); top-level"
                    " comments are numbered, replies are indented by four spaces or more"
                )
            if depth > outline.MAX_DEPTH:
                raise ArchiveFormatError(
                    f"line {number}: a reply {depth} levels deep; the deepest kept is"
                    f" {outline.MAX_DEPTH}"
                )
            del branch[depth - 1 :]
            while len(branch) < depth - 1:
                # A level the page lacks: before comment 1 it is the top-level "0".
                gap = branch[-1].next_child() if branch else _Open("0", 1)
                position += 1
                yield _placeholder(gap, branch[-1].id if branch else None, position)
                branch.append(gap)
            parent = branch[-1]
            node = parent.next_child()
            branch.append(node)
            position += 1
            current = _Pending(node, parent.id, position, text[len(_BULLET) :])
        elif indent == 2 and (top := _NUMBERED.fullmatch(text)):
            if current is not None:
                yield current.freeze()
            digits = top.group(1)
            # int() refuses strings of thousands of digits; no real comment number is that long.
            top_number = int(digits) if len(digits) <= _NUMBER_DIGITS else outline.MAX_NUMBER + 1
            if not last_number < top_number <= outline.MAX_NUMBER:
                raise ArchiveFormatError(f"line {number}: {_misnumbered(top_number, last_number)}")
            last_number = top_number
            node = _Open(str(top_number), 1)
            branch = [node]
            position += 1
            current = _Pending(node, None, position, top.group(2))
            if pingback := _PINGBACK.match(top.group(2)):
                current.kind = CommentKind.PINGBACK
                current.link_title, current.link_site = pingback.group(1), pingback.group(2)
        elif (text := text.strip()) == _COMMENT_FORM and not indent:
            break
        elif current is not None:
            current.add(text)
        elif text:
            raise ArchiveFormatError(f"line {number}: text before the first comment")
    if current is None:
        raise ArchiveFormatError(f"line {header}: the comment section holds no comments")
    yield current.freeze()


def _misnumbered(number: int, last: int) -> str:
    if number == 0:
        return "a comment numbered 0; the page numbers its comments from 1"
    if number > outline.MAX_NUMBER:
        return f"a comment number is too large (at most {outline.MAX_NUMBER:,})"
    if number == last:
        return f"comment {number} appears twice"
    return f"comment {number} comes after comment {last}; the page numbers its comments upwards"
