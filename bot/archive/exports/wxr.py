"""WordPress eXtended RSS (WXR 1.0 to 1.2, Tools → Export) into neutral records.

Posts and pages (and items that name no type, as hand-made exports do) are discussions; other
items (attachments, menu items, revisions) are not, and comments on them are counted as having no
discussion by the staging load. Comments are read one ``<wp:comment>`` at a time and freed at
once, so an item with a million comments never sits in memory. The commenter's e-mail and IP
elements are never read.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Iterator
from pathlib import Path

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
from bot.archive.exports.xmlstream import child_text, iter_ends, release

CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
DISCUSSION_TYPES = frozenset({"post", "page", ""})

_LEFT_OUT = {
    "0": LeftOut.PENDING,
    "spam": LeftOut.SPAM,
    "trash": LeftOut.TRASH,
    "post-trashed": LeftOut.TRASH,
}
_KINDS = {"pingback": ExportKind.PINGBACK, "trackback": ExportKind.TRACKBACK}


# What the XML pass hands on: plain strings only, so that it can run in another process
# (bot.archive.exports.pipeline). ("item", key, fields) or ("comment", discussion key, fields).
Fields = tuple[str, str, dict[str, str]]


def read_wxr(path: Path, namespace: str) -> Iterator[Record]:
    """Discussions and comments of a WXR file whose ``wp:`` namespace is ``namespace``."""
    return records(read_fields(path, namespace))


def read_fields(path: Path, namespace: str) -> Iterator[Fields]:
    """The wanted fields of each discussion item and comment, in file order."""
    wp = f"{{{namespace}}}"
    items = 0
    for element in iter_ends(path, ("item", f"{wp}comment")):
        if element.tag == "item":
            items += 1
            if (child_text(element, f"{wp}post_type") or "") in DISCUSSION_TYPES:
                yield ("item", str(items), _item_fields(element, wp))
        elif (parent := element.getparent()) is not None and parent.tag == "item":
            # Comments come before their item's end, so their item is the next one to end.
            yield ("comment", str(items + 1), _fields(element, wp))
        else:
            continue
        release(element)


def records(fields: Iterable[Fields]) -> Iterator[Record]:
    """Records from what :func:`read_fields` read: text converted, dates made UTC ISO."""
    for kind, key, values in fields:
        yield _discussion(values, key) if kind == "item" else _comment(values, key)


def _item_fields(item: etree._Element, wp: str) -> dict[str, str]:
    tags = {
        "content": f"{CONTENT}encoded",
        "link": "link",
        "guid": "guid",
        "post_id": f"{wp}post_id",
        "title": "title",
        "post_date_gmt": f"{wp}post_date_gmt",
        "post_date": f"{wp}post_date",
        "pubDate": "pubDate",
        "creator": f"{DC}creator",
    }
    return {name: child_text(item, tag) or "" for name, tag in tags.items()}


def _discussion(item: dict[str, str], key: str) -> Discussion:
    body, text = convert(item["content"], typed=True)
    return Discussion(
        key=key,
        merge_key=key,
        export_id=item["post_id"],
        title=html.unescape(item["title"]),
        link=item["link"] or item["guid"],
        date=dates.wordpress(item["post_date_gmt"], item["post_date"])
        or dates.rfc822(item["pubDate"]),
        author=item["creator"] or None,
        body=body,
        text=text,
    )


# The only <wp:comment> fields read; the commenter's e-mail and IP are not among them.
_COMMENT_FIELDS = frozenset(
    {
        "comment_id",
        "comment_author",
        "comment_author_url",
        "comment_date",
        "comment_date_gmt",
        "comment_content",
        "comment_approved",
        "comment_type",
        "comment_parent",
    }
)


def _comment(fields: dict[str, str], discussion_key: str) -> ExportComment | Skipped:
    approved = fields.get("comment_approved", "0")
    if approved != "1":
        return Skipped(_LEFT_OUT.get(approved, LeftOut.PENDING))
    parent = fields.get("comment_parent")
    body, text = convert(fields.get("comment_content", ""), typed=True)
    return ExportComment(
        export_id=fields.get("comment_id", ""),
        discussion_key=discussion_key,
        parent_export_id=parent if parent and parent != "0" else None,
        kind=_KINDS.get(fields.get("comment_type", ""), ExportKind.COMMENT),
        # Pingback authors are the linking page's title, stored HTML-escaped.
        author=html.unescape(fields.get("comment_author", "")) or None,
        author_url=web_link(fields.get("comment_author_url")),
        date=dates.wordpress(fields.get("comment_date_gmt"), fields.get("comment_date")),
        body=body,
        text=text,
    )


def _fields(element: etree._Element, wp: str) -> dict[str, str]:
    """The wanted fields of a comment in one pass over its children (a million comments make
    a find() per field add up), each stripped of surrounding white space."""
    names = _field_names(wp)
    fields: dict[str, str] = {}
    for child in element:
        name = names.get(child.tag)
        if name is not None and name not in fields:
            fields[name] = (child.text or "").strip()
    return fields


@functools.cache
def _field_names(wp: str) -> dict[object, str]:
    """Each wanted field's full tag ("{namespace}comment_id") to its name, for one namespace."""
    return {f"{wp}{name}": name for name in _COMMENT_FIELDS}


def web_link(url: str | None) -> str | None:
    """The URL when it is a web address; anything else (``javascript:``, junk) is dropped."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None
