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


# The only <wp:comment> fields read, in the order :data:`CommentFields` holds them; the
# commenter's e-mail and IP are not among them.
_COMMENT_FIELDS = (
    "comment_id",
    "comment_author",
    "comment_author_url",
    "comment_date",
    "comment_date_gmt",
    "comment_content",
    "comment_approved",
    "comment_type",
    "comment_parent",
)
_ID, _AUTHOR, _URL, _DATE, _DATE_GMT, _CONTENT, _APPROVED, _TYPE, _PARENT = range(9)
_TEXT = 9

# A comment's fields by position (None: the element is absent), the content already converted:
# its HTML at _CONTENT and its plain text at _TEXT (bot.archive.exports.html). A tuple, not a
# dict: a million of them cross the pipe from the reader process, and their keys would be most
# of the bytes.
CommentFields = tuple[str | None, ...]
# What the XML pass hands on: plain strings only, so that it can run in another process
# (bot.archive.exports.pipeline). ("item", key, item fields) or ("comment", discussion key,
# comment fields).
Fields = tuple[str, str, dict[str, str] | CommentFields]


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
    for _, key, values in fields:
        yield _discussion(values, key) if isinstance(values, dict) else _comment(values, key)


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


def _comment(fields: CommentFields, discussion_key: str) -> ExportComment | Skipped:
    approved = fields[_APPROVED]
    if approved != "1":
        return Skipped(_LEFT_OUT.get(approved or "0", LeftOut.PENDING))
    parent = fields[_PARENT]
    return ExportComment(
        export_id=fields[_ID] or "",
        discussion_key=discussion_key,
        parent_export_id=parent if parent and parent != "0" else None,
        kind=_KINDS.get(fields[_TYPE] or "", ExportKind.COMMENT),
        # Pingback authors are the linking page's title, stored HTML-escaped.
        author=html.unescape(fields[_AUTHOR] or "") or None,
        author_url=web_link(fields[_URL]),
        date=dates.wordpress(fields[_DATE_GMT], fields[_DATE]),
        body=fields[_CONTENT] or "",
        text=fields[_TEXT] or "",
    )


def _fields(element: etree._Element, wp: str) -> CommentFields:
    """The wanted fields of a comment in one pass over its children (a million comments make
    a find() per field add up), each stripped of surrounding white space."""
    positions = _field_positions(wp)
    fields: list[str | None] = [None] * len(_COMMENT_FIELDS)
    for child in element:
        at = positions.get(child.tag)
        if at is not None and fields[at] is None:
            fields[at] = (child.text or "").strip()
    text = None  # a comment left out is not converted
    if fields[_APPROVED] == "1":
        # Converted where the XML is read: when that is a process of its own, the other one
        # still threads and writes every row, and this balances the two (a third of the work).
        fields[_CONTENT], text = convert(fields[_CONTENT] or "", typed=True)
    return (*fields, text)


@functools.cache
def _field_positions(wp: str) -> dict[object, int]:
    """Each wanted field's full tag ("{namespace}comment_id") to its place in CommentFields."""
    return {f"{wp}{name}": at for at, name in enumerate(_COMMENT_FIELDS)}


def web_link(url: str | None) -> str | None:
    """The URL when it is a web address; anything else (``javascript:``, junk) is dropped."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None
