"""Make archive text show literally in Discord markdown, and mark up search matches.

Every escaping rule lives here: archive text goes through :func:`escape_archive_text` exactly
once, and :func:`bold_spans` is the one way matched terms become bold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_MARKUP = re.compile(
    r"""
    # Links stay as they are: a backslash inside a URL would become part of the link.
    # (Same shapes discord.utils.escape_markdown leaves alone.)
    (?P<url> <[^:\s>]+:/[^\s>]+> | (?:https?|steam)://[^\s<]+[^<.,:;"'\]\s] )
    # Inline markup and masked links are escaped wherever they occur, paired or not, so that no
    # later split can leave an unescaped opener in one part and its closer in another.
    | (?P<inline> [\\*_~`|\[] )
    # Block markup only counts at the start of a line, but any whitespace may become the start of
    # a message or embed once the text is split, so it is escaped after every whitespace. A word
    # too long for the limit is cut mid-word, so a marker that ends a word (and would be followed
    # by a space) is escaped too.
    | (?P<block>
        (?: ^ | (?<=\s) ) (?: > | \#(?=\#{0,2}(?:\s|$)) | [-+](?=(?:\#{1,3})?(?:\s|$)) )
        | [>\#+-](?=\#*(?:\s|$))
      )
    | (?P<number> [0-9]+ )(?=\.(?:\s|$))
    """,
    re.VERBOSE,
)

# A zero-width space after '@' or '<' keeps the text looking the same while making it something
# Discord no longer parses as a mention, channel link, emoji, command or timestamp. Unlike the
# markdown escapes this is idempotent, so it may be applied to text that is already escaped.
_MENTION = re.compile(r"@(?=everyone|here)|<(?=[@#/:]|(?:a|t|id):)", re.IGNORECASE)
_ZWSP = "\u200b"


def _escape_markup(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"]
    if match["number"]:
        # "1. item" is an ordered list; the backslash belongs before the dot.
        return match["number"] + "\\"
    return "\\" + match[0]


def neutralise_mentions(text: str) -> str:
    """Stop mentions in text from rendering or pinging; safe to apply more than once."""
    return _MENTION.sub(lambda m: m[0] + _ZWSP, text)


def escape_archive_text(text: str) -> str:
    """Return archive text escaped so that Discord shows it literally and it cannot ping.

    Markdown (``* _ ~ ` |``, masked links, quotes, headings, ``-#`` subtext, list markers) is
    backslash-escaped, URLs are left intact, and ``@everyone``, ``@here``, user, role and channel
    mentions get a zero-width space so they neither render nor notify, whatever the message's
    allowed_mentions say.

    Apply it exactly once, to raw archive text, before splitting or adding our own markup: it is
    not idempotent (a second pass escapes the first pass's backslashes, which then show).
    Discord's own ``escape_markdown`` misses indented and numbered list markers and markup that
    only becomes a line start when long text is split, and it leaves mentions alone.
    """
    return neutralise_mentions(_MARKUP.sub(_escape_markup, text))


def bold_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Raw text escaped, with the ``[start, end)`` spans (sorted, disjoint) in bold.

    Each piece is escaped on its own, so the bold marks are the only markup that takes effect.
    """
    out: list[str] = []
    done = 0
    for start, end in spans:
        out.append(escape_archive_text(text[done:start]))
        out.append(f"**{escape_archive_text(text[start:end])}**")
        done = end
    out.append(escape_archive_text(text[done:]))
    return "".join(out)
