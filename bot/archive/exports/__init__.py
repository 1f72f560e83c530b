"""Reading WordPress (WXR 1.0-1.2) and Disqus XML exports: other communities' archives.

The 2014 page is one archive format; a blog's export is another. This package reads exports as
untrusted, possibly huge XML and hands the store neutral rows, with no Discord in sight.

How ingest uses it::

    detected = detect(path)                 # by content: PAGE, WXR or DISQUS
    if detected.format is ExportFormat.PAGE: ...the page parser, as before...
    # sqlite3 connection of the database being built; the store's tables and, per column, its
    # value in the neutral columns ("nullif({body}, '')")
    report = write_export(conn, path, Destination("discussion", {...}, "comment", {...}))

``load_export(conn, path)`` writes the same rows to ``temp.export_discussion`` and
``temp.export_comment`` in the neutral columns themselves (documented column by column in
:mod:`bot.archive.exports.staging`), and ``drop_export_tables`` drops them;
:class:`ExportReport` carries counts per kind and per reason left out. Errors are
:class:`~bot.archive.errors.ArchiveFormatError` (or ArchiveError for an unreadable file) whose
message names the file and the problem, ready for one line of output.

Contracts:

- **Text.** ``body`` columns hold the comment's HTML (line breaks made tags), ``''`` when it
  has no markup; :mod:`bot.render.html` turns it into Discord markdown when it is shown.
  ``text`` columns are the words as plain, unescaped text for search, snippets, autocomplete,
  and for showing (escaped) a comment without markup. See :mod:`bot.archive.exports.html`.
- **Privacy.** Commenters' e-mail and IP elements are never read; no record, row or message
  holds them.
- **Safety.** No entity expansion, no DTD, no network; a file with a DOCTYPE is refused.
- **Memory.** Readers hold one element at a time. A discussion's comments are threaded in
  memory up to ``staging.GROUP_LIMIT`` of them (Disqus posts, which come in no order, wait in a
  TEMP table until all are read); a larger discussion is threaded in SQLite (TEMP tables), so a
  discussion of a million comments costs no more Python memory than one of ten thousand.
- **Cores.** A large export's XML is read in a child process while this one threads and
  writes what it sends (:mod:`bot.archive.exports.pipeline`); the rows are the same.
- **Left out.** Pending, spam, trash and deleted comments, and comments on items that are not
  discussions (attachments, a Disqus thread missing from the file), are counted, not loaded.
"""

from bot.archive.exports.detect import Detected, ExportFormat, detect
from bot.archive.exports.records import ExportKind
from bot.archive.exports.staging import (
    Destination,
    ExportReport,
    drop_export_tables,
    load_export,
    read_export,
    write_export,
)

__all__ = [
    "Destination",
    "Detected",
    "ExportFormat",
    "ExportKind",
    "ExportReport",
    "detect",
    "drop_export_tables",
    "load_export",
    "read_export",
    "write_export",
]
