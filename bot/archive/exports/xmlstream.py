"""Safe, streaming XML for untrusted exports.

Exports are read with lxml's ``iterparse`` so that only the element being read is in memory, with
entity expansion, DTD loading and network access switched off. One forgiving exception: a
namespace prefix that is used but never declared (WordPress.com writes ``atom:`` without
declaring it) is a non-fatal error in libxml2, and the document is otherwise read exactly, so
that error alone is tolerated. Any fatal error (not XML, truncated, mismatched tags) becomes one
ArchiveFormatError naming the file, the line and the problem. Recover mode is not used: it
would "repair" a truncated or mangled file by silently dropping what it could not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from lxml import etree

from bot.archive.errors import ArchiveError, ArchiveFormatError

_UNDECLARED_PREFIX = "NS_ERR_UNDEFINED_NAMESPACE"


class Source(Protocol):
    """What lxml reads a document from in place of a file's name."""

    def read(self, size: int = -1, /) -> bytes: ...


def iter_ends(
    path: Path, tags: tuple[str, ...], source: Source | None = None
) -> Iterator[etree._Element]:
    """Each element with one of ``tags`` ("{namespace}local"), once it has been read whole: from
    the file at ``path``, or from ``source`` (errors name ``path`` still).

    The caller frees what it has read with :func:`release`.
    """
    context = etree.iterparse(
        str(path) if source is None else source,
        events=("end",),
        tag=tags,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _, element in context:
            yield element
    except etree.XMLSyntaxError as error:
        log = context.error_log
        if len(log) and _fatal(log) is None:
            return
        fatal = _fatal(log)
        line = fatal.line if fatal is not None else error.lineno
        message = fatal.message if fatal is not None else error.msg
        at = f" at line {line}" if line else ""
        raise ArchiveFormatError(f"{path}: not well-formed XML{at}: {message.strip()}") from None
    except OSError as error:
        raise ArchiveError(f"{path}: cannot be read ({error})") from None


def _fatal(log: etree._ListErrorLog) -> etree._LogEntry | None:
    """The error that stopped the parse, or None when only undeclared prefixes were met."""
    for entry in log:
        if entry.type_name != _UNDECLARED_PREFIX:
            return entry
    last = log.last_error
    if last is not None and last.type_name != _UNDECLARED_PREFIX:
        return last
    return None


def release(element: etree._Element) -> None:
    """Free an element that has been read, and the already-read siblings of its kind before it.

    Only siblings with the same tag go: a comment's item still needs its title and link, which
    come before its comments.
    """
    element.clear()
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    while previous is not None and previous.tag == element.tag:
        parent.remove(previous)
        previous = element.getprevious()


def child_text(element: etree._Element, tag: str) -> str | None:
    """The text of ``element``'s first ``tag`` child, stripped of surrounding white space."""
    child = element.find(tag)
    if child is None:
        return None
    return "".join(str(part) for part in child.itertext()).strip()
