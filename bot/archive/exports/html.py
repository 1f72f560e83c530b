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
# White space with a line break next to a block tag is layout, not a line break in the text.
_AROUND_BLOCK = re.compile(
    rf"\s*\n\s*(</?(?:{_BLOCK_TAGS})\b[^>]*>)|(</?(?:{_BLOCK_TAGS})\b[^>]*>)\s*\n\s*", re.I
)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.I | re.S)
_BLANK_LINE = re.compile(r"[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+[ \t\r\f\v]*")
_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
_LOOSE_AMPERSAND = re.compile(r"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")
# What carries no words: scripts, styles, HTML comments.
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BREAK_TAG = re.compile(r"<br\b[^>]*>", re.I)
_LIST_ITEM = re.compile(r"(?:</?li\b[^>]*>\s*)+", re.I)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS.replace('li|', '')}|address)\b[^>]*>", re.I)
_IMAGE_ALT = re.compile(r"""<img\b[^>]*?\balt\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>""", re.I)
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<![^>]*>|<\?[^>]*>")


def convert(raw: str, *, typed: bool) -> tuple[str, str]:
    """``(html, text)`` for a comment's raw HTML; ``html`` is ``''`` when it has no markup.

    ``typed`` is True for WordPress, whose comments keep the commenter's own line breaks (a blank
    line is a paragraph, a single break a line break), False for finished HTML (Disqus).
    """
    if "<" not in raw and ("&" not in raw or not _LOOSE_AMPERSAND.search(raw)):
        # No tags: complete entities are the only HTML (pingbacks' "[&#8230;]"). (Parsers differ
        # on an ampersand that starts no complete entity, so that text keeps its HTML.)
        return "", _plain(html.unescape(raw) if "&" in raw else raw, typed=typed)
    finished = _line_breaks_as_html(raw, typed=typed)
    return finished, text_of(finished)


def text_of(finished: str) -> str:
    """The words of finished HTML: block tags and breaks become line breaks, tags go."""
    text = _HIDDEN.sub("", finished)
    text = _IMAGE_ALT.sub(lambda m: f" {m[1] or m[2] or ''} ", text)
    text = _BREAK_TAG.sub("\n", text)
    text = _LIST_ITEM.sub("\n", text)
    text = _BLOCK_TAG.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = _LINE_BREAK.sub("\n", _SPACES.sub(" ", text))
    return _EXTRA_BLANK_LINES.sub("\n\n", text).strip()


def _plain(raw: str, *, typed: bool) -> str:
    # Each rewrite runs only when the text needs it: most comments are prose with single spaces,
    # and a substitution over every comment's whole text is most of what reading one costs.
    text = raw
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
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
    parts = _PRE.split(raw.strip())
    for i in range(0, len(parts), 2):  # the even parts are outside <pre>
        part = parts[i]
        if typed:
            part = _AROUND_BLOCK.sub(lambda m: m[1] or m[2], part)
            part = _BLANK_LINE.sub("<br><br>", part)
            parts[i] = _LINE_BREAK.sub("<br>", part)
        else:
            parts[i] = _LINE_BREAK.sub(" ", part)
    return "".join(parts)
