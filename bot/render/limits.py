"""Discord's size limits, and the two ways this bot fits text within them.

Long text is split without losing any of it (:func:`split_text`); one-line labels, whose full
text is available elsewhere, are shortened (:func:`truncate_label`). Both work on text of any
kind, escaped or raw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import discord

from bot.render.markdown import neutralise_mentions

# Discord's limits, in characters (code points, which is what Python's len() and discord.py's
# len(embed) count).
MESSAGE = 2000
EMBED_DESCRIPTION = 4096
# Shared by all embeds of one message, and by each embed on its own.
EMBED_TOTAL = 6000
EMBED_FIELDS = 25
EMBED_TITLE = 256
EMBED_AUTHOR = 256
EMBED_FOOTER = 2048
EMBEDS_PER_MESSAGE = 10
FIELD_NAME = 256
FIELD_VALUE = 1024
CHOICE_NAME = 100
OPTION_DESCRIPTION = 100
CHOICES = 25
THREAD_NAME = 100

# No-break spaces are excluded: the author asked for those words to stay together.
_BREAK = re.compile(r"[^\S\xa0\u2007\u202f]+")
_SENTENCE_END = frozenset(".?!…")
_CLOSING = frozenset("\"'”’»)]")
_PARAGRAPH, _LINE, _SENTENCE, _WORD = range(4)
# How far back a hard split may move to land before a letter.
_HARD_SPLIT_LOOKBACK = 32


def _break_level(text: str, start: int, gap: str) -> int:
    newlines = gap.count("\n")
    if newlines >= 2:
        return _PARAGRAPH
    if newlines:
        return _LINE
    before = start - 1
    while before >= 0 and text[before] in _CLOSING:
        before -= 1
    if before >= 0 and text[before] in _SENTENCE_END:
        return _SENTENCE
    return _WORD


def _split_point(text: str, limit: int) -> tuple[int, int]:
    """Return (end of this chunk, start of the next) for text longer than limit."""
    best: dict[int, tuple[int, int]] = {}
    for gap in _BREAK.finditer(text):
        if gap.start() > limit:
            break
        # A gap at the very start would leave an empty chunk.
        if gap.start() > 0:
            best[_break_level(text, gap.start(), gap[0])] = gap.span()
    if best:
        return best[min(best)]
    leading = _BREAK.match(text)
    if leading:
        # Indentation the first word does not fit after is the first split point.
        return 0, leading.end()
    cut = _hard_cut(text, limit)
    return cut, cut


def _hard_cut(text: str, limit: int) -> int:
    """Where to cut a word longer than the limit: a little early if that puts the cut just
    before a letter, so no escape or combining mark is separated from its character; otherwise
    at the limit, or one before it if that is what keeps an escape whole."""
    for cut in range(limit, max(limit // 2, limit - _HARD_SPLIT_LOOKBACK), -1):
        if text[cut].isalpha():
            return cut
    return limit - 1 if limit > 1 and not _keeps_escapes(text, limit) else limit


def _keeps_escapes(text: str, cut: int) -> bool:
    """Whether cutting at ``cut`` leaves an even run of backslashes (escaped backslashes) before
    it rather than a backslash whose escaped character would go to the next chunk."""
    run = 0
    while run < cut and text[cut - run - 1] == "\\":
        run += 1
    return run % 2 == 0


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most ``limit`` characters without losing any of it.

    Split points are whitespace runs, preferring, in order: paragraph breaks (a blank line),
    line breaks, sentence ends (after ``. ? ! …``, also when followed by closing quotes or
    brackets, as in ``“No.” Then``), then any space. Within a preference the last split point
    that fits is used, so as many paragraphs (lines, sentences, words) as fit share a chunk.

    The whitespace run at a split point is dropped; nothing else is removed or altered, and
    re-inserting those runs between the chunks gives back the text. A text that fits is returned
    as it is; one that does not may lose trailing whitespace (a split point like any other) and
    its indentation, if the first word does not fit after it. No-break spaces are never split
    at. Empty text gives no chunks.

    A word is only cut when it alone is longer than ``limit``: it is then hard-split, a little
    before the limit when that lets the next chunk start with a letter, and never between a
    backslash and the character it escapes (for limits above 1).
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        end, resume = _split_point(rest, limit)
        if end:
            chunks.append(rest[:end])
        rest = rest[resume:]
    if rest:
        chunks.append(rest)
    return chunks


def truncate_label(text: str, limit: int) -> str:
    """Fit text on one line of at most ``limit`` characters, for labels the UI keeps short.

    Meant for choice names, thread names and context lines, where the full text is available
    elsewhere. Whitespace (newlines included) collapses to single spaces. Too-long text is cut at
    the last word boundary that leaves room for "…"; if that would keep less than half the room,
    or there is no boundary, the cut is made mid-word instead.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    room = limit - 1
    boundary = line.rfind(" ", 0, room + 1)
    end = boundary if boundary >= room // 2 and boundary > 0 else room
    # A comma or colon left before the ellipsis reads like a typo.
    return line[:end].rstrip(" ,;:") + "…"


def plain_label(text: str, limit: int) -> str:
    """Archive text as a one-line label on a plain-text surface that Discord still reads for
    mentions, shown literally: a thread's name becomes the content of the "thread created"
    message, where ``@everyone`` would count as a mention; choice names, button and option labels
    get the same treatment so that a name reads the same wherever it appears.
    """
    return truncate_label(neutralise_mentions(text), limit)


def embed_batches(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds, in order, into lists that can each be sent as one message.

    Discord applies the 6000-character total to all embeds of a message together and allows at
    most 10 per message.
    """
    batches: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not batches or len(batches[-1]) == EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_TOTAL:
            batches.append([])
            size = 0
        batches[-1].append(embed)
        size += len(embed)
    return batches
