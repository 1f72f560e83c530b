"""Full-text search over comment bodies with FTS5.

Whatever a person types is valid input: the text is read into terms (words, "quoted phrases",
``prefix*``, ``-excluded``) and every term is quoted before it reaches ``MATCH``, so FTS5's own
operators (AND, NEAR, ``:``, ``^``...) lose their meaning and no query can raise a syntax error.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import aiosqlite

# Past this many matching comments a bm25 ranking costs seconds at scale (a word like "the"
# is in nearly every comment), so such queries list matches in page order instead.
RANK_LIMIT = 5_000
MAX_TERMS = 32
_SNIPPET_TOKENS = 20
_HIGHLIGHT_START, _HIGHLIGHT_END = "\x02", "\x03"
_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters and digits, as the unicode61 tokenizer reads them: '_' is a word character to Python
# but a separator to FTS5, and a term of underscores alone would match nothing.
_WORD = re.compile(r"[^\W_]+")
# FTS5 reads its expression as a C string, so a NUL cuts a quoted term short (a syntax error),
# and SQLite cannot be sent a lone surrogate at all; neither is something a person searches for.
_UNSEARCHABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool = False
    excluded: bool = False
    phrase: bool = False

    def to_fts(self) -> str:
        quoted = '"' + self.text.replace('"', '""') + '"'
        return f"{quoted}*" if self.prefix else quoted


@dataclass(frozen=True, slots=True)
class SearchHit:
    comment_id: str
    depth: int
    parent_id: str | None
    position: int
    # Raw archive text on one line, "…" where cut; the matched terms are the [start, end) spans
    # in ``highlights`` (sorted, disjoint). Markup is the renderer's business.
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    offset: int
    # Set when the query matched too many comments to rank: hits are in page order and
    # ``total`` is a lower bound.
    unranked: bool = False
    suggestion: str | None = None
    # Set when the query hit the search's time bound: there are no hits to show, and the
    # answer is to add words.
    too_broad: bool = False


def parse_query(query: str) -> list[Term]:
    """The searchable terms of a query; terms with no letter or digit are dropped."""
    terms: list[Term] = []
    for match in _TERM.finditer(_UNSEARCHABLE.sub(" ", query)):
        excluded_phrase, phrase, word = match.groups()
        if phrase is not None:
            term = Term(phrase.strip(), excluded=bool(excluded_phrase), phrase=True)
        else:
            excluded = word.startswith("-") and len(word) > 1
            text = word[1:] if excluded else word
            prefix = text.endswith("*")
            term = Term(text.rstrip("*"), prefix=prefix, excluded=excluded)
        if _WORD.search(term.text):
            terms.append(term)
    return terms[:MAX_TERMS]


def build_match(query: str) -> str | None:
    """The FTS5 expression for a query, or None when it has no word to look for.

    FTS5's NOT needs something on its left, so a query of exclusions alone has nothing to match.
    """
    terms = parse_query(query)
    wanted = [t.to_fts() for t in terms if not t.excluded]
    if not wanted:
        return None
    expression = "(" + " AND ".join(wanted) + ")"
    return "".join([expression, *(f" NOT {t.to_fts()}" for t in terms if t.excluded)])


async def search(
    db: aiosqlite.Connection, query: str, *, limit: int = 5, offset: int = 0
) -> SearchPage:
    """One page of comments matching ``query``, best first."""
    match = build_match(query)
    if match is None:
        return SearchPage(query, [], 0, offset)
    total = await _count(db, match, RANK_LIMIT + 1)
    unranked = total > RANK_LIMIT
    # Comments are inserted in page order, so the index's own rowid order is page order; sorting
    # by c.position instead would look up and sort every match (~20 ms for "the" at 100k).
    order = "comment_fts.rowid" if unranked else "rank"
    async with db.execute(
        "SELECT c.id, c.depth, c.parent_id, c.position,"
        f" snippet(comment_fts, 0, ?, ?, '…', {_SNIPPET_TOKENS})"
        " FROM comment_fts JOIN comment AS c ON c.rowid = comment_fts.rowid"
        f" WHERE comment_fts MATCH ? ORDER BY {order} LIMIT ? OFFSET ?",
        (_HIGHLIGHT_START, _HIGHLIGHT_END, match, limit, offset),
    ) as cursor:
        rows = await cursor.fetchall()
    hits = [
        SearchHit(id_, depth, parent_id, position, *_highlighted(raw))
        for id_, depth, parent_id, position, raw in rows
    ]
    suggestion = None if total else await suggest(db, query)
    return SearchPage(query, hits, min(total, RANK_LIMIT), offset, unranked, suggestion)


async def _count(db: aiosqlite.Connection, match: str, cap: int) -> int:
    async with db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM comment_fts WHERE comment_fts MATCH ? LIMIT ?)",
        (match, cap),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _highlighted(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """FTS5's snippet on one line without its match marks, and the spans those marks enclosed."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = start = 0
    for part in re.split(f"([{_HIGHLIGHT_START}{_HIGHLIGHT_END}])", " ".join(raw.split())):
        if part == _HIGHLIGHT_START:
            start = length
        elif part == _HIGHLIGHT_END:
            spans.append((start, length))
        else:
            text.append(part)
            length += len(part)
    return "".join(text), tuple(spans)


def fold(text: str) -> str:
    """Lower case without accents: the form unicode61 with remove_diacritics stores."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


async def suggest(db: aiosqlite.Connection, query: str) -> str | None:
    """The query with each unknown word replaced by the closest word of the index, if any."""
    changed = False
    words: list[str] = []
    for term in parse_query(query):
        tokens = []
        for token in _WORD.findall(fold(term.text)):
            if term.prefix or term.excluded or await _in_vocabulary(db, token):
                tokens.append(token)
                continue
            close = await _closest(db, token)
            changed = changed or close is not None
            tokens.append(close or token)
        text = " ".join(tokens)
        text = f'"{text}"' if term.phrase else text
        words.append(("-" if term.excluded else "") + text + ("*" if term.prefix else ""))
    return " ".join(words) if changed else None


async def _in_vocabulary(db: aiosqlite.Connection, token: str) -> bool:
    async with db.execute("SELECT 1 FROM comment_vocab WHERE term = ?", (token,)) as cursor:
        return await cursor.fetchone() is not None


async def _closest(db: aiosqlite.Connection, token: str) -> str | None:
    # Most misspellings keep the first letter; looking only there keeps this fast on a large
    # vocabulary. Frequent words win ties, as they are the likelier intent.
    async with db.execute(
        "SELECT term FROM comment_vocab WHERE term >= ? AND term < ? ORDER BY doc DESC",
        (token[0], chr(ord(token[0]) + 1)),
    ) as cursor:
        candidates = [row[0] for row in await cursor.fetchall()]
    close = difflib.get_close_matches(token, candidates, n=1, cutoff=0.75)
    return close[0] if close else None
