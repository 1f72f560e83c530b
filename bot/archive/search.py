"""Full-text search over comment bodies with FTS5, bounded in time, with spelling suggestions.

Whatever a person types is valid input: the text is read into terms (words, "quoted phrases",
``prefix*``, ``-excluded``) and every term is quoted before it reaches ``MATCH``, so FTS5's own
operators (AND, NEAR, ``:``, ``^``...) lose their meaning and no query can raise a syntax error.

Every query must answer well inside Discord's 3 seconds on a million comments, so a query is
ranked only when its matches can be fetched within a time budget, listed in page order when
they cannot, and answered "too broad" when even that runs out. Spelling suggestions come from
a deletes index over the vocabulary (one indexed lookup per unknown word, never a scan).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.archive import trips

# Replaces the first migration's FTS tables (an archive database is always built fresh, so the
# drops cost nothing): prefix indexes make one- and two-letter prefixes an index lookup instead
# of a merge of every matching term's doclist (a* at 100k: 75 ms -> under 1 ms, for a larger
# file); search_term and search_variant are the suggestion index build_search_index fills.
PREFIX_LENGTHS = (1, 2)
FULL_TEXT_TABLE = f"""
-- remove_diacritics folds accents so that "hector" finds "Héctor".
CREATE VIRTUAL TABLE comment_fts USING fts5 (
    body, content='comment', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2', prefix='{" ".join(map(str, PREFIX_LENGTHS))}'
);
"""
# The tables FTS5 keeps comment_fts in: copied whole, they are the index.
FULL_TEXT_SHADOWS = tuple(f"comment_fts_{part}" for part in ("data", "idx", "docsize", "config"))
# Settings for filling the index in bulk, kept in it (comment_fts_config). Merging segments 16
# at a time instead of 4 halves a rebuild (100k: 4.9 s -> 2.3 s); a final 'optimize' (one
# segment) cost 20% more and made no query measurably faster. FTS5 flushes its in-memory term
# hash to a new segment when it reaches hashsize; the default (1 MiB) makes a large build write
# and merge many small segments.
FULL_TEXT_SETTINGS = (("automerge", 16), ("hashsize", 64 * 2**20))
FULL_TEXT_SETTING = "INSERT INTO comment_fts (comment_fts, rank) VALUES (?, ?)"
SEARCH_SCHEMA = (
    FULL_TEXT_TABLE
    + """
CREATE VIRTUAL TABLE comment_vocab USING fts5vocab (comment_fts, 'row');
-- How many comments hold each term: fts5vocab counts a term's doclist on every read.
CREATE TABLE search_term (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
-- Each word and every form of it with one letter deleted (SymSpell): two words within one
-- edit share a variant, so candidates are found by index without reading the vocabulary.
CREATE TABLE search_variant (
    variant TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (variant, term)
) WITHOUT ROWID;
"""
)

# Past this many matching comments a query is listed in page order instead of ranked: a word
# like "the" is in nearly every comment, and fetching each match's bm25 rank costs about 2.5 ms
# per thousand matches (100k: 13 ms for 5,000), whatever the size of the archive.
RANK_LIMIT = 2_000
MAX_TERMS = 32
# Seconds of SQLite work each step of a search may take before it gives up: the ranked fetch,
# then the page-order fetch. Together they stay far inside Discord's 3 s.
TIME_BUDGET = 0.02
# Words longer than this are not misspellings worth indexing (long numbers, URLs cut in parts).
_MAX_SUGGESTED_LENGTH = 24
_SNIPPET_TOKENS = 20
_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters and digits, as the unicode61 tokenizer reads them: '_' is a word character to Python
# but a separator to FTS5, and a term of underscores alone would match nothing.
_WORD = re.compile(r"[^\W_]+")
# FTS5 reads its expression as a C string, so a NUL cuts a quoted term short (a syntax error),
# and SQLite cannot be sent a lone surrogate at all; neither is something a person searches for.
_UNSEARCHABLE = re.compile("[\x00\ud800-\udfff]")
# Prefixes that start at most this many words of the index in all are searched as those words.
_PREFIX_WORDS = 512


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
    # Raw archive text (not escaped), whitespace collapsed, "…" where cut.
    snippet: str
    # [start, end) spans of the matched terms in ``snippet``, sorted and disjoint.
    highlights: tuple[tuple[int, int], ...]
    # The discussion the comment belongs to (1 on the page); its title is queries.get_discussion.
    discussion: int = 1
    author: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    offset: int
    # Set when the query matched too many comments to rank in time: hits are in page order
    # and ``total`` is a lower bound.
    unranked: bool = False
    suggestion: str | None = None
    # Set when even listing the matches in page order ran out of time: no hits, narrow it.
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
    parts = _match_parts(parse_query(query))
    return (
        None if parts is None else "".join(t.to_fts() if isinstance(t, Term) else t for t in parts)
    )


def _match_parts(terms: Sequence[Term]) -> list[str | Term] | None:
    """The expression's terms, between the text that joins them."""
    wanted = [t for t in terms if not t.excluded]
    if not wanted:
        return None
    parts: list[str | Term] = ["("]
    for number, term in enumerate(wanted):
        parts += [" AND ", term] if number else [term]
    parts.append(")")
    for term in terms:
        if term.excluded:
            parts += [" NOT ", term]
    return parts


def _match_sql(terms: Sequence[Term]) -> tuple[str, dict[str, object]] | None:
    """The query's FTS5 expression as an SQL expression and its parameters, or None when it has
    no word to look for. Each prefix longer than the prefix indexes becomes the words of the
    index it starts, joined by OR, where they number at most ``_PREFIX_WORDS`` (shared among the
    query's prefixes), and stays a prefix otherwise.

    FTS5 answers a prefix it has no index for by merging the doclist of every word it starts,
    in full, in one step no progress handler can interrupt: "the*" (the, them, then, there,
    they) took 160 ms at a million comments even in page order. The same words joined by OR
    are read a little at a time, like any word (under 2 ms in page order). The words are looked
    up by the statement itself, so the search still takes one trip to the connection's thread.
    """
    parts = _match_parts(terms)
    if parts is None:
        return None
    expandable = {
        term.text: folded
        for term in terms
        if term.prefix
        and len(folded := fold(term.text)) > max(PREFIX_LENGTHS)
        and _WORD.fullmatch(folded)
    }
    sql: list[str] = []
    parameters: dict[str, object] = {}
    for number, part in enumerate(parts):
        name = f"part{number}"
        if isinstance(part, Term) and part.text in expandable:
            sql.append(_WORDS_OF_PREFIX.format(name=name))
            parameters |= {
                name: part.to_fts(),
                f"{name}_prefix": expandable[part.text],
                f"{name}_most": _PREFIX_WORDS // len(expandable),
            }
        else:
            sql.append(f":{name}")
            parameters[name] = part.to_fts() if isinstance(part, Term) else part
    return " || ".join(sql), parameters


# The words a prefix starts, quoted and joined by OR, or the prefix itself (:{name}) when it
# starts none or more than :{name}_most.
_WORDS_OF_PREFIX = """(
    SELECT CASE WHEN count(*) BETWEEN 1 AND :{name}_most
        THEN '(' || group_concat('"' || term || '"', ' OR ') || ')' ELSE :{name} END
    FROM (
        SELECT term FROM search_term
        WHERE term >= :{name}_prefix AND term < :{name}_prefix || char(1114111)
        ORDER BY term LIMIT :{name}_most + 1
    )
)"""


def _surely_broad_range(terms: Sequence[Term]) -> tuple[str, str]:
    """The vocabulary range of the query's one word or prefix (see ``_SURELY_BROAD``), or an
    empty one."""
    if len(terms) != 1 or terms[0].phrase or terms[0].excluded:
        return "", ""
    folded = fold(terms[0].text)
    if not _WORD.fullmatch(folded):
        return "", ""
    # A prefix's words sort below it followed by the last code point, as every key range here
    # does (char(1114111) in SQL); a word is its own range: nothing in the vocabulary sorts
    # between it and it + " ", since words hold letters and digits only.
    return folded, folded + ("\U0010ffff" if terms[0].prefix else " ")


# Only the comments of one author (any letter case), by the author index.
_BY_AUTHOR = " AND rowid IN (SELECT rowid FROM comment WHERE author = :author COLLATE NOCASE)"


async def search(
    db: aiosqlite.Connection,
    query: str,
    *,
    limit: int = 5,
    offset: int = 0,
    author: str | None = None,
) -> SearchPage:
    """One page of comments matching ``query``: best first, or in page order when too many.
    With ``author``, only that author's comments."""
    terms = parse_query(query)
    match = _match_sql(terms)
    if match is None:
        return SearchPage(query, [], 0, offset)
    match_sql, parameters = match
    where = f"comment_fts MATCH ({match_sql})" + ("" if author is None else _BY_AUTHOR)
    low, high = _surely_broad_range(terms) if author is None else ("", "")
    parameters |= {
        "author": author,
        "low": low,
        "high": high,
        "rank_limit": RANK_LIMIT,
        "limit": limit,
        "offset": offset,
    }
    ranked = await _bounded(db, _RANKED_PAGE.format(where=where), parameters)
    # The first row carries how many matched, up to one past the limit; the page's comments
    # follow (none: a row of NULLs). Past the limit the first fetch is in page order, which
    # holds this page only if the page lies within it.
    total = ranked[0][0] if ranked is not None else 0
    if ranked is not None and (total <= RANK_LIMIT or offset + limit <= total):
        rows, unranked = ranked, total > RANK_LIMIT
        total = min(total, RANK_LIMIT)
    else:
        # Too slow to rank, or a page past the first fetch: a page-ordered fetch stops as soon
        # as it has its rows.
        listed = await _bounded(db, _LISTED_PAGE.format(where=where), parameters)
        if listed is None:
            return SearchPage(query, [], 0, offset, unranked=True, too_broad=True)
        rows = listed
        # An empty first page is a plain "no match" (it gets a suggestion); anything else is in
        # page order.
        unranked = bool(listed) or offset > 0
        # A lower bound: at least this many match (all of the first fetch, or this page).
        total = max(RANK_LIMIT if ranked else 0, offset + len(listed))
    hits = _hits(terms, [row[1:] for row in rows if row[1] is not None])
    suggestion = None if total or unranked else await suggest(db, query)
    return SearchPage(query, hits, total, offset, unranked, suggestion)


# Whether a word of the vocabulary range [:low, :high) is in more comments than can be ranked.
# A query of one word or one prefix, with nothing to narrow it, matches at least as many
# comments as any word it stands for, so the ranking the statement would compute and throw away
# is skipped ("the" at a million comments: 24 ms, of which 20 ms ranking, to 1 ms). SQLite
# evaluates the subquery once and the CASE leaves rank, which FTS5 computes when it is read,
# unread.
_SURELY_BROAD = (
    "EXISTS (SELECT 1 FROM search_term WHERE term >= :low AND term < :high AND docs > :rank_limit)"
)
_PAGE_COLUMNS = "c.id, c.depth, c.parent_id, c.position, c.body, c.discussion, c.author"
# One statement does the capped count's, the ranking's and the page's work, in one trip to the
# connection's thread: it ranks the first matches in page order, up to one past the limit,
# sorts that short list by rank (or leaves it in page order when it is past the limit) and
# joins the page's rows to their comments. (Without its own ORDER BY the inner LIMIT may keep
# any matches: SQLite then keeps the best ranked, and a broad query's first page would not be
# the page's first.)
_RANKED_PAGE = f"""
WITH ranked AS MATERIALIZED (
    SELECT rowid, CASE WHEN {_SURELY_BROAD} THEN NULL ELSE rank END AS rank
    FROM comment_fts WHERE {{where}} ORDER BY rowid LIMIT :rank_limit + 1
),
total AS (SELECT count(*) AS n FROM ranked),
page AS (
    SELECT rowid, CASE WHEN (SELECT n FROM total) <= :rank_limit THEN rank END AS rank
    FROM ranked ORDER BY 2, rowid LIMIT :limit OFFSET :offset
)
SELECT total.n, {_PAGE_COLUMNS}
FROM total LEFT JOIN (page JOIN comment AS c ON c.rowid = page.rowid) ON 1
ORDER BY page.rank, page.rowid
"""
_LISTED_PAGE = f"""
SELECT NULL, {_PAGE_COLUMNS}
FROM (
    SELECT rowid FROM comment_fts WHERE {{where}} ORDER BY rowid LIMIT :limit OFFSET :offset
) AS page
JOIN comment AS c ON c.rowid = page.rowid ORDER BY page.rowid
"""


async def _bounded(
    db: aiosqlite.Connection, sql: str, parameters: Mapping[str, object]
) -> list[tuple[Any, ...]] | None:
    """The statement's rows, or None when it ran past ``TIME_BUDGET``."""
    rows, finished = await trips.in_one_trip(
        db, functools.partial(trips.rows_within, sql=sql, parameters=parameters, budget=TIME_BUDGET)
    )
    return rows if finished else None


def _hits(terms: Sequence[Term], rows: list[tuple[Any, ...]]) -> list[SearchHit]:
    """The page's comments with their snippets."""
    # Snippets are cut here, not by FTS5's snippet(): for a phrase of common words FTS5 walks
    # the phrase's doclists again for every row (10 ms a row at 100k), while the page's few
    # bodies come with the page.
    wanted = [term for term in terms if not term.excluded]
    hits = []
    for id_, depth, parent_id, position, body, discussion, author in rows:
        snippet, highlights = snippet_of(body, wanted)
        hits.append(
            SearchHit(id_, depth, parent_id, position, snippet, highlights, discussion, author)
        )
    return hits


def snippet_of(body: str, terms: Sequence[Term]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of about ``_SNIPPET_TOKENS`` words of ``body`` around its matches, one line,
    "…" where cut, and the [start, end) spans of the matched words and phrases in it."""
    text = " ".join(body.split())
    tokens = [m.span() for m in _WORD.finditer(text)]
    folded = _fold_in_place(text)
    if folded is None:
        words_at = [fold(text[i:j]) for i, j in tokens]
    else:
        words_at = [folded[i:j] for i, j in tokens]
    # Each match as (first token, last token, which term), as unicode61 reads the words.
    matches: list[tuple[int, int, int]] = []
    for number, term in enumerate(terms):
        *lead_words, tail = _WORD.findall(fold(term.text)) or [""]
        before = len(lead_words)
        for i in range(before, len(tokens)):
            word = words_at[i]
            if (word == tail or (term.prefix and word.startswith(tail))) and (
                words_at[i - before : i] == lead_words
            ):
                matches.append((i - before, i, number))
    matches.sort()
    first = _best_window(len(tokens), matches)
    last = min(first + _SNIPPET_TOKENS, len(tokens)) - 1
    start = tokens[first][0] if first > 0 else 0
    end = tokens[last][1] if last < len(tokens) - 1 else len(text)
    lead = "…" if start > 0 else ""
    shift = len(lead) - start
    spans: list[tuple[int, int]] = []
    for i, j, _ in matches:
        if first <= i and j <= last:
            span = (tokens[i][0] + shift, tokens[j][1] + shift)
            # Overlapping matches (a word that is also in a phrase) read as one.
            if spans and span[0] <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], span[1]))
            else:
                spans.append(span)
    return lead + text[start:end] + ("…" if end < len(text) else ""), tuple(spans)


def _best_window(length: int, matches: list[tuple[int, int, int]]) -> int:
    """The first token of the window showing the most different terms, then the most matches;
    the window starts a few words before a match, so that the match reads in context."""
    best, best_score = 0, (-1, -1)
    for i, _, _ in matches:
        first = max(0, min(i - 3, length - _SNIPPET_TOKENS))
        inside = [m for m in matches if first <= m[0] and m[1] < first + _SNIPPET_TOKENS]
        score = (len({m[2] for m in inside}), len(inside))
        if score > best_score:
            best, best_score = first, score
    return best


def fold(text: str) -> str:
    """Lower case without accents: the form unicode61 with remove_diacritics stores."""
    if text.isascii():
        # Most words: no accent to remove, and NFKD costs ten times lower() (snippets fold
        # every word of a page of comments).
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _CharFolds(dict[int, str]):
    """Each character's fold, computed on first sight: a mapping for str.translate. ``uneven``
    holds the characters seen so far whose fold is not exactly one character."""

    def __init__(self) -> None:
        super().__init__()
        self.uneven: set[str] = set()

    def __missing__(self, code: int) -> str:
        self[code] = folded = fold(chr(code))
        if len(folded) != 1:
            self.uneven.add(chr(code))
        return folded


_CHAR_FOLDS = _CharFolds()


def _fold_in_place(text: str) -> str | None:
    """The text folded character by character when every character folds to exactly one
    (then a word's span in the text is its span in the fold), else None.

    A snippet folds every word of its body, and one translate of the whole body costs less than
    folding word by word (NFKD for each accented word): a rare word's search was 0.6 ms of
    snippets. Folding each character alone gives the word's fold: case folding and NFKD work
    character by character, and only combining marks, which fold drops, are reordered.
    """
    if text.isascii():
        return text.lower()
    folded = text.translate(_CHAR_FOLDS)
    # The translate has seen every character of the text.
    return None if _CHAR_FOLDS.uneven.intersection(text) else folded


async def suggest(db: aiosqlite.Connection, query: str) -> str | None:
    """The query with each unknown word replaced by the closest word of the index, if any."""
    terms = parse_query(query)
    tokens = {t for term in terms for t in _WORD.findall(fold(term.text))}
    known = await _known(db, tokens)
    changed = False
    words: list[str] = []
    for term in terms:
        fixed = []
        for token in _WORD.findall(fold(term.text)):
            close = None
            if not (term.prefix or term.excluded or token in known):
                close = await closest(db, token)
            changed = changed or close is not None
            fixed.append(close or token)
        text = " ".join(fixed)
        text = f'"{text}"' if term.phrase else text
        words.append(("-" if term.excluded else "") + text + ("*" if term.prefix else ""))
    return " ".join(words) if changed else None


async def _known(db: aiosqlite.Connection, tokens: Iterable[str]) -> set[str]:
    wanted = sorted(tokens)
    if not wanted:
        return set()
    async with db.execute(
        f"SELECT term FROM search_term WHERE term IN ({', '.join('?' * len(wanted))})", wanted
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


def variants(word: str) -> set[str]:
    """The word and each form of it with one letter deleted."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


async def closest(db: aiosqlite.Connection, token: str) -> str | None:
    """The likeliest intended word for an unknown one: fewest edits, then most frequent."""
    if len(token) > _MAX_SUGGESTED_LENGTH or token.isdigit():
        return None
    forms = sorted(variants(token))
    async with db.execute(
        "SELECT DISTINCT v.term, t.docs FROM search_variant AS v JOIN search_term AS t"
        f" ON t.term = v.term WHERE v.variant IN ({', '.join('?' * len(forms))})",
        forms,
    ) as cursor:
        candidates = [(str(term), int(docs)) for term, docs in await cursor.fetchall()]
    # One edit for short words: two edits turn a three-letter word into too many others.
    allowed = 1 if len(token) <= 4 else 2
    scored = [
        (cost, -docs, term)
        for term, docs in candidates
        if (cost := edit_cost(token, term))[0] <= allowed
    ]
    return min(scored)[2] if scored else None


# A letter typed for its neighbour on the keyboard is a common slip, one typed for a far key is
# not; the rows of a QWERTY keyboard, each with how far it sits to the right of the top one.
_KEY_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))


def _key_neighbours() -> dict[str, frozenset[str]]:
    keys = [
        (key, row, offset + index)
        for row, (letters, offset) in enumerate(_KEY_ROWS)
        for index, key in enumerate(letters)
    ]
    return {
        key: frozenset(
            other
            for other, other_row, other_x in keys
            if other != key and abs(other_row - row) <= 1 and abs(other_x - x) <= 1
        )
        for key, row, x in keys
    }


_NEIGHBOURS = _key_neighbours()


def edit_cost(a: str, b: str) -> tuple[int, int]:
    """How far apart two words are: the fewest edits (insertions, deletions, substitutions,
    swaps of neighbours), then, among ways with that many, the fewest substitutions of a letter
    for one that is not beside it on the keyboard (the least likely slip)."""
    # Optimal string alignment, with (edits, far substitutions) compared in that order.
    previous2: list[tuple[int, int]] = []
    previous = [(j, 0) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [(i, 0)] + [(0, 0)] * len(b)
        for j, cb in enumerate(b, 1):
            edits, far = previous[j - 1]
            if ca != cb:
                edits, far = edits + 1, far + (cb not in _NEIGHBOURS.get(ca, ()))
            best = min((edits, far), _plus_one(previous[j]), _plus_one(current[j - 1]))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, _plus_one(previous2[j - 2]))
            current[j] = best
        previous2, previous = previous, current
    return previous[-1]


def _plus_one(cost: tuple[int, int]) -> tuple[int, int]:
    return cost[0] + 1, cost[1]


async def build_search_index(db: aiosqlite.Connection, *, full_text: bool = True) -> None:
    """Fill the full-text and suggestion indexes once the comments are loaded (in the same
    transaction as the load, so a failed build leaves nothing half-written). ``full_text`` is
    False when the load filled the full-text index itself (bot.archive.index_build)."""
    if full_text:
        # An external-content index is filled once, after the bulk load, rather than row by row.
        await db.executemany(FULL_TEXT_SETTING, FULL_TEXT_SETTINGS)
        await db.execute("INSERT INTO comment_fts (comment_fts) VALUES ('rebuild')")
    await db.execute("INSERT INTO search_term (term, docs) SELECT term, doc FROM comment_vocab")
    async with db.execute(
        "SELECT term FROM search_term WHERE length(term) <= ?", (_MAX_SUGGESTED_LENGTH,)
    ) as cursor:
        terms = [row[0] for row in await cursor.fetchall() if not row[0].isdigit()]
    await db.executemany(
        "INSERT INTO search_variant (variant, term) VALUES (?, ?)",
        ((variant, term) for term in terms for variant in variants(term)),
    )
