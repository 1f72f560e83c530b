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
from bot.archive.exports.xmlstream import child_text, iter_ends, release

NAMESPACE = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
_D = f"{{{NAMESPACE}}}"


# What the XML pass hands on: plain strings only, so that it can run in another process
# (bot.archive.exports.pipeline). ("thread" or "post", fields).
Fields = tuple[str, dict[str, str]]


def read_disqus(path: Path) -> Iterator[Record]:
    return records(read_fields(path))


def read_fields(path: Path) -> Iterator[Fields]:
    """The wanted fields of each thread and post, in file order."""
    for element in iter_ends(path, (f"{_D}thread", f"{_D}post")):
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
    for kind, values in fields:
        yield _discussion(values) if kind == "thread" else _comment(values)


def _thread_fields(thread: etree._Element) -> dict[str, str]:
    return {
        "id": thread.get(DSQ_ID) or "",
        "link": child_text(thread, f"{_D}link") or "",
        "message": child_text(thread, f"{_D}message") or "",
        "title": child_text(thread, f"{_D}title") or "",
        "createdAt": child_text(thread, f"{_D}createdAt") or "",
        "author": _author(thread),
    }


def _post_fields(post: etree._Element) -> dict[str, str]:
    thread, parent = post.find(f"{_D}thread"), post.find(f"{_D}parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    author = post.find(f"{_D}author")
    return {
        "isSpam": child_text(post, f"{_D}isSpam") or "",
        "isDeleted": child_text(post, f"{_D}isDeleted") or "",
        "id": post.get(DSQ_ID) or "",
        "thread": (thread.get(DSQ_ID) or "") if thread is not None else "",
        # Present only for a reply: an empty parent id is one the file lacks, not the top level.
        **({"parent": parent_id} if parent_id is not None else {}),
        "author": _author(post),
        "author_url": (child_text(author, f"{_D}link") or "") if author is not None else "",
        "createdAt": child_text(post, f"{_D}createdAt") or "",
        "message": child_text(post, f"{_D}message") or "",
    }


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


def _comment(post: dict[str, str]) -> ExportComment | Skipped:
    if _true(post["isSpam"]):
        return Skipped(LeftOut.SPAM)
    if _true(post["isDeleted"]):
        return Skipped(LeftOut.DELETED)
    body, text = convert(post["message"], typed=False)
    return ExportComment(
        export_id=post["id"],
        discussion_key=post["thread"],
        parent_export_id=post.get("parent"),
        kind=ExportKind.COMMENT,
        author=html.unescape(post["author"]) or None,
        author_url=web_link(post["author_url"]),
        date=dates.iso(post["createdAt"]),
        body=body,
        text=text,
    )


def _author(element: etree._Element) -> str:
    author = element.find(f"{_D}author")
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
