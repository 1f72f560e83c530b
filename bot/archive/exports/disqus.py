"""Disqus XML exports into neutral records.

A Disqus export lists every ``<thread>`` first, then every ``<post>``, in no useful order;
threading and merging therefore happen in the staging load, not here. Threads that are the same
page under two URLs share a ``merge_key`` (the normalised link). Posts name their thread and
parent by ``dsq:id``. The author's e-mail and IP elements are never read.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
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


def read_disqus(path: Path) -> Iterator[Record]:
    for element in iter_ends(path, (f"{_D}thread", f"{_D}post")):
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # a post's <thread dsq:id="..."/> reference, read with its post
        if element.tag == f"{_D}thread":
            yield _discussion(element)
        else:
            yield _comment(element)
        release(element)


def _discussion(thread: etree._Element) -> Discussion:
    key = thread.get(DSQ_ID) or ""
    link = child_text(thread, f"{_D}link") or ""
    body, text = convert(child_text(thread, f"{_D}message") or "", typed=False)
    return Discussion(
        key=key,
        merge_key=normalised_link(link) or f"thread:{key}",
        export_id=key,
        title=html.unescape(child_text(thread, f"{_D}title") or "") or link,
        link=link,
        date=dates.iso(child_text(thread, f"{_D}createdAt")),
        author=_author(thread),
        body=body,
        text=text,
    )


def _comment(post: etree._Element) -> ExportComment | Skipped:
    if _true(child_text(post, f"{_D}isSpam")):
        return Skipped(LeftOut.SPAM)
    if _true(child_text(post, f"{_D}isDeleted")):
        return Skipped(LeftOut.DELETED)
    thread, parent = post.find(f"{_D}thread"), post.find(f"{_D}parent")
    body, text = convert(child_text(post, f"{_D}message") or "", typed=False)
    author = post.find(f"{_D}author")
    return ExportComment(
        export_id=post.get(DSQ_ID) or "",
        discussion_key=(thread.get(DSQ_ID) or "") if thread is not None else "",
        parent_export_id=parent.get(DSQ_ID) if parent is not None else None,
        kind=ExportKind.COMMENT,
        author=_author(post),
        author_url=web_link(child_text(author, f"{_D}link")) if author is not None else None,
        date=dates.iso(child_text(post, f"{_D}createdAt")),
        body=body,
        text=text,
    )


def _author(element: etree._Element) -> str | None:
    author = element.find(f"{_D}author")
    if author is None:
        return None
    return html.unescape(child_text(author, f"{_D}name") or "") or None


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
