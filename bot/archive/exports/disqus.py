"""Disqus XML exports into neutral records.

A Disqus export lists every ``<thread>`` first, then every ``<post>``, in no useful order;
threading and merging therefore happen in the staging load, not here. Threads that are the same
page under two URLs share a ``merge_key`` (the normalised link). Posts name their thread and
parent by ``dsq:id``. The author's e-mail and IP elements are never read.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from bot.archive.exports import dates
from bot.archive.exports.html import convert
from bot.archive.exports.records import (
    Discussion,
    ExportComment,
    ExportKind,
    LeftOut,
    Record,
    Skipped,
)
from bot.archive.exports.wxr import web_link
from bot.archive.exports.xmlstream import Source, child_text, iter_ends, release

NAMESPACE = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
_D = f"{{{NAMESPACE}}}"


# A post as the XML pass hands it on: the reason it is left out, or (id, thread id, parent id
# or None, author's name, author's link, date as written, message as written). When the XML is
# read in a process of its own (bot.archive.exports.pipeline), that one only reads, and this one
# does the rest: converting the message (the costly half of a post), dates, entities, threading
# and writing. Reading a post costs about what converting it does, and this process, which only
# holds posts until their pages are complete, would otherwise wait on the reader for half the
# load. A tuple, not a dict: a million cross the pipe.
PostFields = LeftOut | tuple[str, str, str | None, str, str, str, str]
# What the XML pass hands on: plain values only. ("thread", fields) or ("post", PostFields).
Fields = tuple[str, dict[str, str] | PostFields]
_POST_CHILDREN = ("isSpam", "isDeleted", "thread", "parent", "author", "createdAt", "message")
_POST = {f"{_D}{name}": at for at, name in enumerate(_POST_CHILDREN)}
_SPAM, _DELETED, _THREAD, _PARENT, _AUTHOR, _CREATED, _MESSAGE = range(len(_POST_CHILDREN))
_AUTHOR_CHILDREN = {f"{_D}name": 0, f"{_D}link": 1}


def read_disqus(path: Path) -> Iterator[Record]:
    return records(read_fields(path))


def read_fields(path: Path, source: Source | None = None) -> Iterator[Fields]:
    """The wanted fields of each thread and post, in file order (of ``source`` in place of the
    file, when given: a part of it)."""
    for element in iter_ends(path, (f"{_D}thread", f"{_D}post"), source):
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # a post's <thread dsq:id="..."/> reference, read with its post
        if element.tag == f"{_D}thread":
            yield ("thread", _thread_fields(element))
        else:
            yield ("post", _post_fields(element))
        release(element)


def records(fields: Iterable[Fields]) -> Iterator[Record]:
    """Records from what :func:`read_fields` read: text converted, dates made UTC ISO."""
    for _, values in fields:
        if isinstance(values, dict):
            yield _discussion(values)
        elif isinstance(values, LeftOut):
            yield Skipped(values)
        else:
            post_id, thread, parent, author, link, date, message = values
            body, text = convert(message, typed=False)
            yield ExportComment(
                post_id,
                thread,
                parent,
                ExportKind.COMMENT,
                html.unescape(author) or None,
                web_link(link),
                dates.iso(date),
                body,
                text,
            )


def _thread_fields(thread: etree._Element) -> dict[str, str]:
    return {
        "id": thread.get(DSQ_ID) or "",
        "link": child_text(thread, f"{_D}link") or "",
        "message": child_text(thread, f"{_D}message") or "",
        "title": child_text(thread, f"{_D}title") or "",
        "createdAt": child_text(thread, f"{_D}createdAt") or "",
        "author": _name(thread.find(f"{_D}author")),
    }


def _post_fields(post: etree._Element) -> PostFields:
    """One pass over the post's children (a find() per field adds up over a million posts); the
    first of each wanted element counts, as find() would have it."""
    found = _first_children(post, _POST)
    if _true(_text(found[_SPAM])):
        return LeftOut.SPAM
    if _true(_text(found[_DELETED])):
        return LeftOut.DELETED
    thread, parent, author = found[_THREAD], found[_PARENT], found[_AUTHOR]
    name, link = _first_children(author, _AUTHOR_CHILDREN) if author is not None else (None, None)
    return (
        post.get(DSQ_ID) or "",
        (thread.get(DSQ_ID) or "") if thread is not None else "",
        # Only a reply names a parent: an empty id is one the file lacks, not the top level.
        parent.get(DSQ_ID) if parent is not None else None,
        _text(name),
        _text(link),
        _text(found[_CREATED]),
        _text(found[_MESSAGE]),
    )


def _first_children(element: etree._Element, wanted: dict[str, int]) -> list[etree._Element | None]:
    """The first child of each wanted tag, at its place in ``wanted``."""
    found: list[etree._Element | None] = [None] * len(wanted)
    for child in element:
        at = wanted.get(child.tag)
        if at is not None and found[at] is None:
            found[at] = child
    return found


def _text(element: etree._Element | None) -> str:
    """What child_text gives for an element already found: its text, stripped ('' if none)."""
    if element is None:
        return ""
    if len(element):
        return "".join(str(part) for part in element.itertext()).strip()
    return (element.text or "").strip()


def _discussion(thread: dict[str, str]) -> Discussion:
    key, link = thread["id"], thread["link"]
    body, text = convert(thread["message"], typed=False)
    return Discussion(
        key=key,
        merge_key=normalised_link(link) or f"thread:{key}",
        export_id=key,
        title=html.unescape(thread["title"]) or link,
        link=link,
        date=dates.iso(thread["createdAt"]),
        author=html.unescape(thread["author"]) or None,
        body=body,
        text=text,
    )


def _name(author: etree._Element | None) -> str:
    if author is None:
        return ""
    return child_text(author, f"{_D}name") or ""


def _true(value: str | None) -> bool:
    return (value or "").lower() == "true"


def normalised_link(link: str) -> str:
    """One key for the URLs Disqus holds one page under (scheme, ``www.``, a final slash or
    ``index.html``, a fragment)."""
    if not link:
        return ""
    parts = urlsplit(link.strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.removesuffix("index.html").rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"
