"""Make archive text show literally in Discord markdown.

Plain text functions with no Discord import, so that the archive layer (search snippets) and the
rendering module escape the same way. Apply :func:`escape_archive_text` exactly once, to raw
archive text: escaping twice would show the backslashes.
"""

from __future__ import annotations

import re

# Characters that start or end inline formatting anywhere in a line.
_INLINE = re.compile(r"([\\*_~`|\[\]()<>#:])")
# Markers that only mean something at the start of a line: quotes, headings, subtext, lists.
_LINE_START = re.compile(r"^([ \t]*)(?:(#{1,3} |-# |[-+] )|(\d+)\. )", re.MULTILINE)
# Mentions that Discord would resolve: @everyone/@here and <@id>, <@&id>, <#id>, </cmd:id>.
_MASS_MENTION = re.compile(r"@(everyone|here)")
_ZERO_WIDTH_SPACE = "\u200b"


def escape_archive_text(text: str) -> str:
    """Escape markdown and break mentions so the text shows as the archive wrote it."""
    escaped = _INLINE.sub(_escape_inline, text)
    escaped = _LINE_START.sub(_escape_line_start, escaped)
    # A zero-width space after '@' keeps the text readable but stops Discord from pinging,
    # a second line of defence behind AllowedMentions.none().
    return _MASS_MENTION.sub(lambda m: f"@{_ZERO_WIDTH_SPACE}{m.group(1)}", escaped)


def _escape_inline(match: re.Match[str]) -> str:
    char = match.group(1)
    # '(' ')' '#' ':' only matter next to other syntax; escaping them everywhere would clutter
    # the text. Masked links need '[' and ']', custom emoji and mentions need '<' and '>'.
    if char in "():#":
        return char
    return f"\\{char}"


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, number = match.groups()
    # Discord shows a backslash before a digit, so an ordered list is escaped at its dot.
    return f"{indent}{number}\\. " if number else f"{indent}\\{marker}"
