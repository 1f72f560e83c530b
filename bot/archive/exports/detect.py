"""Which kind of archive a file is, told from its first bytes rather than its name.

People name exports anything (``export.xml``, ``blog-2019.txt``); the content says what it is.
Only the head of the file is read, so detection costs the same for a 500 MB export.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.archive.errors import ArchiveError, ArchiveFormatError

HEAD_BYTES = 64 * 1024

_BOM = b"\xef\xbb\xbf"
# What may come before the root element: the XML declaration, processing instructions, comments,
# a DOCTYPE and white space.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^[>]*(?:\[.*?\])?\s*>", re.S)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>", re.S)
_WP_NAMESPACE = re.compile(
    rb"""xmlns:wp\s*=\s*["'](https?://wordpress\.org/export/(1\.[0-9])/)["']"""
)


class ExportFormat(StrEnum):
    PAGE = "page"
    WXR = "wxr"
    DISQUS = "disqus"


@dataclass(frozen=True, slots=True)
class Detected:
    format: ExportFormat
    # "1.0".."1.2" for WXR; None otherwise.
    version: str | None = None
    # The WXR ``wp:`` namespace URI, which differs by version and scheme.
    namespace: str | None = None


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ArchiveError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ArchiveError(f"{path}: is a directory, not an archive file") from None
    except OSError as error:
        raise ArchiveError(f"{path}: cannot be read ({error.strerror})") from None


def detect(path: Path) -> Detected:
    """The file's format, or an ArchiveFormatError naming the file and what it looks like."""
    return detect_head(read_head(path), str(path))


def detect_head(head: bytes, name: str) -> Detected:
    head = head.removeprefix(_BOM)
    if not head.strip():
        raise ArchiveFormatError(f"{name}: the file is empty")
    if b"\x00" in head:
        raise ArchiveFormatError(f"{name}: binary data, not an archive")
    if not head.lstrip().startswith(b"<"):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # The head may end inside a character; only a bad byte before the last few counts.
            if error.start < len(head) - 4:
                raise ArchiveFormatError(
                    f"{name}: not UTF-8 text (bad byte at offset {error.start})"
                ) from None
        return Detected(ExportFormat.PAGE)
    root = _root(head, name)
    if root is None:
        raise ArchiveFormatError(f"{name}: starts like XML but its first element cannot be read")
    local, attributes = root[2].decode("ascii", "replace"), root[3]
    if local == "rss":
        wp = _WP_NAMESPACE.search(attributes) or _WP_NAMESPACE.search(head)
        if wp is None:
            raise ArchiveFormatError(
                f"{name}: an RSS feed without WordPress export data (no wp: namespace);"
                " export it from WordPress with Tools → Export"
            )
        return Detected(ExportFormat.WXR, wp[2].decode(), wp[1].decode())
    if local == "disqus":
        return Detected(ExportFormat.DISQUS)
    raise ArchiveFormatError(
        f"{name}: an XML document with root <{local}>, not a WordPress (WXR) or Disqus export"
    )


def root_start(head: bytes) -> tuple[bytes, bytes] | None:
    """The head of an XML export up to the end of its root element's start tag (the XML
    declaration and the root's namespaces with it, without a byte order mark), and the root's
    name as written ("disqus", "d:disqus"); None if the head does not show them. For a file
    that detect() has read as an export."""
    head = head.removeprefix(_BOM)
    root = _root(head, "")
    return (head[: root.end()], (root[1] or b"") + root[2]) if root else None


def _root(head: bytes, name: str) -> re.Match[bytes] | None:
    """The root element's start tag, after the prolog; a DOCTYPE is refused."""
    at = 0
    while match := _PROLOG_ITEM.match(head, at):
        if match[0].startswith(b"<!DOCTYPE"):
            # Neither WordPress nor Disqus writes one; a DOCTYPE in an export is there to declare
            # entities (expansion bombs, external files), so the file is refused outright.
            raise ArchiveFormatError(
                f"{name}: has a DOCTYPE declaration, which exports never have;"
                " refusing it rather than expanding its entities"
            )
        at = match.end()
    return _ROOT.match(head, at)


# The site's name: the channel's <title> in a WXR file (before the first <item>), the forum's
# short name in a Disqus export. Both sit in the file's head.
_SITE_TITLE = {
    ExportFormat.WXR: re.compile(
        rb"<channel>\s*<title>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</title>", re.S
    ),
    ExportFormat.DISQUS: re.compile(rb"<forum>\s*([^<]*?)\s*</forum>"),
}


def export_title(path: Path, format: ExportFormat) -> str | None:
    """The title the export gives its site, entities decoded; None when it gives none."""
    pattern = _SITE_TITLE.get(format)
    match = pattern.search(read_head(path)) if pattern is not None else None
    if match is None:
        return None
    title = html.unescape(match[1].decode("utf-8", "replace")).strip()
    return " ".join(title.split()) or None
