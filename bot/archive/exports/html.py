"""Comment HTML into what ingest stores: the HTML to show later, and plain text to search.

A comment in an export is HTML: WordPress stores what the commenter typed (blank lines for
paragraphs, a few allowed tags) and adds paragraphs only when showing it; Disqus stores finished
HTML. Ingest keeps two strings:

``html``
    The comment as finished HTML (WordPress line breaks made ``<br>`` tags, so both formats read
    alike), or ``''`` when the comment has no markup at all (most comments). It is turned into
    Discord markdown only when shown, a few comments at a time (:mod:`bot.render.html`): a full
    HTML parse per comment at ingest would cost most of a million-comment ingest.
``text``
    The words as plain, unescaped text without markup (link targets dropped, entities decoded),
    for full-text search, snippets and autocomplete, which escape it like any archive text; for
    a comment without markup it is also what is shown (escaped). Read with a few regular
    expressions: search needs the words, not the structure.
"""

from __future__ import annotations

import html
import re

_BLOCK_TAGS = r"p|div|ul|ol|li|blockquote|pre|h[1-6]|table|thead|tbody|tr|td|th|hr|dl|dt|dd"
# Where a block tag starts, at every "<" that starts one (a lookahead: one tag's text may hold
# the start of another), with the tag as group 1.
_BLOCK_START = re.compile(rf"(?=(</?(?:{_BLOCK_TAGS})\b[^>]*>))", re.I)
_WHITE_SPACE = re.compile(r"\s*")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.I | re.S)
_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# The white space _SPACES would change: a single plain space is left as it is.
_SPACES_TO_TIDY = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")
_INLINE_SPACE = " \t\r\f\v"
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
_LOOSE_AMPERSAND = re.compile(r"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")
# What carries no words: scripts, styles, HTML comments.
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BREAK_TAG = re.compile(r"<br\b[^>]*>", re.I)
# One list tag, then any more: written so that the pattern starts with "<", which the regex
# engine looks for quickly.
_LIST_ITEM = re.compile(r"</?li\b[^>]*>\s*(?:</?li\b[^>]*>\s*)*", re.I)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS.replace('li|', '')}|address)\b[^>]*>", re.I)
_IMAGE_ALT = re.compile(r"""<img\b[^>]*?\balt\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>""", re.I)
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<![^>]*>|<\?[^>]*>")
# Paragraphs of words with no markup, entity or white space but plain spaces in them.
_PARAGRAPHS_ONLY = re.compile(r"(?:<p>[^<>&\t\n\r\f\v]*</p>)+")


def convert(raw: str, *, typed: bool) -> tuple[str, str]:
    """``(html, text)`` for a comment's raw HTML; ``html`` is ``''`` when it has no markup.

    ``typed`` is True for WordPress, whose comments keep the commenter's own line breaks (a blank
    line is a paragraph, a single break a line break), False for finished HTML (Disqus).
    """
    if "<" not in raw and ("&" not in raw or not _LOOSE_AMPERSAND.search(raw)):
        # No tags: complete entities are the only HTML (pingbacks' "[&#8230;]"). (Parsers differ
        # on an ampersand that starts no complete entity, so that text keeps its HTML.)
        return "", _plain(html.unescape(raw) if "&" in raw else raw, typed=typed)
    if not typed and (paragraphs := _paragraphs_only(raw)) is not None:
        return paragraphs
    finished = _line_breaks_as_html(raw, typed=typed)
    return finished, text_of(finished)


def _paragraphs_only(raw: str) -> tuple[str, str] | None:
    """What the general rules make of finished HTML that is paragraphs of plain words alone
    (most Disqus posts), in one pass instead of a dozen; None for anything else."""
    finished = raw.strip()
    if not _PARAGRAPHS_ONLY.fullmatch(finished):
        return None
    # Each paragraph is set off by blank lines; runs of spaces are one, and none is kept beside
    # a line break; an empty paragraph leaves no trace.
    parts = (
        (_SPACES_TO_TIDY.sub(" ", words) if "  " in words else words).strip(" ")
        for words in finished[3:-4].split("</p><p>")
    )
    return finished, "\n\n".join(part for part in parts if part).strip()


def text_of(finished: str) -> str:
    """The words of finished HTML: block tags and breaks become line breaks, tags go."""
    # Each substitution runs only when its tag may be there: most comments hold paragraphs and
    # a link or two, and a substitution over every comment's whole text is most of what reading
    # one costs. Removing hidden parts or putting an image's words in may make a tag anew.
    text = finished
    tags = _folded(text)
    if tags is None or "<script" in tags or "<style" in tags or "<!--" in tags:
        text = _HIDDEN.sub("", text)
        tags = _folded(text)
    if tags is None or "<img" in tags:
        text = _IMAGE_ALT.sub(lambda m: f" {m[1] or m[2] or ''} ", text)
        tags = _folded(text)
    if tags is None or "<br" in tags:
        text = _BREAK_TAG.sub("\n", text)
    if tags is None or "<li" in tags or "</li" in tags:
        text = _LIST_ITEM.sub("\n", text)
    text = _BLOCK_TAG.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    if _needs_tidying(text):
        text = _SPACES_TO_TIDY.sub(" ", text)
    # Runs of white space are single spaces now: one on either side of a line break at most.
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    if "\n\n\n" in text:
        text = _EXTRA_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _folded(text: str) -> str | None:
    """``text`` in the case a tag name is looked for in, or None when a plain search for one
    could miss what the case-blind patterns match: they match "i" to "\u0130" (which lower()
    makes "i\u0307") and to "\u0131", and "s" to "\u017f"."""
    folded = text.lower()
    if not text.isascii() and ("\u0307" in folded or "\u0131" in folded or "\u017f" in folded):
        return None
    return folded


def _needs_tidying(text: str) -> bool:
    """Whether _SPACES_TO_TIDY would change anything."""
    return "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text


def _plain(raw: str, *, typed: bool) -> str:
    # Each rewrite runs only when the text needs it: most comments are prose with single spaces,
    # and a substitution over every comment's whole text is most of what reading one costs.
    text = raw
    if _needs_tidying(text):
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        if not typed:
            text = _SPACES.sub(" ", text.replace("\n", " "))
        else:
            if " \n" in text or "\n " in text:
                text = _LINE_BREAK.sub("\n", text)
            if "\n\n\n" in text:
                text = _EXTRA_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _line_breaks_as_html(raw: str, *, typed: bool) -> str:
    """Line breaks outside <pre> as HTML means them.

    Typed (WordPress) text is read as WordPress shows it: blank lines are paragraphs, other
    breaks are <br>. In finished HTML a line break is only white space.
    """
    raw = raw.strip()
    tags = _folded(raw)
    parts = _PRE.split(raw) if tags is None or "<pre" in tags else [raw]
    for i in range(0, len(parts), 2):  # the even parts are outside <pre>
        part = parts[i]
        if typed:
            parts[i] = _typed_breaks(_around_blocks(part))
        elif "\n" in part:
            parts[i] = _LINE_BREAK.sub(" ", part)
    return "".join(parts)


def _around_blocks(part: str) -> str:
    """White space that holds a line break, just before a block tag or else just after it,
    dropped: it is layout, not a line break in the text.

    One pass from the left, as a regex substitution of ``\\s*\\n\\s*(TAG)|(TAG)\\s*\\n\\s*``
    would make it, but looking for tags only (that regex tried every position of the text).
    """
    if "\n" not in part:
        return part
    kept: list[str] = []
    done = 0  # what the text up to here has become is in ``kept``
    for start in _BLOCK_START.finditer(part):
        at = start.start()
        if at < done:
            continue  # inside white space or a tag already dealt with
        tag = start[1]
        end = at + len(tag)
        before = part[done:at]
        text = before.rstrip()
        if "\n" in before[len(text) :]:
            kept += (text, tag)
            done = end
            continue
        after = _WHITE_SPACE.match(part, end)
        assert after is not None  # \s* always matches
        if "\n" in after[0]:
            kept.append(part[done:end])
            done = after.end()
    kept.append(part[done:])
    return "".join(kept)


def _typed_breaks(part: str) -> str:
    """A typed line break as <br>, a blank line (or several) as <br><br>, without the spaces
    around them."""
    if "\n" not in part:
        return part
    lines = part.split("\n")
    kept = [lines[0].rstrip(_INLINE_SPACE)]
    blank = False  # the break being written crossed a line of white space alone
    for line in lines[1:-1]:
        words = line.strip(_INLINE_SPACE)
        if words:
            kept += ("<br><br>" if blank else "<br>", words)
            blank = False
        else:
            blank = True
    kept += ("<br><br>" if blank else "<br>", lines[-1].lstrip(_INLINE_SPACE))
    return "".join(kept)
