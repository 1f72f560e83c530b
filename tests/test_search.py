"""Search semantics, ranking, snippets and hostile input, on real temporary databases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.archive import search as search_module
from bot.archive import trips
from bot.archive.search import SearchHit, SearchPage, build_match, search
from bot.archive.store import ingest, open_archive

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "we-are-expelled.txt"
ARCHIVE_TEXT = ARCHIVE.read_text(encoding="utf-8")

# A small page in the archive's format: the real post and resolution, then comments written
# for these tests. Ids are the page's numbers; "6.1" is a reply.
COMMENT_SECTION = """\
  1. Héctor spoke first at the convention.

  2. The faction voted for democracy in the branch.

  3. Democracy democracy democracy democracy, democracy in the branch.

  4. Democracy was mentioned once in the long branch meeting today.

  5. Democratic centralism is what the leadership called it.

  6. The renewal faction left the convention.

    • Renewal is overdue, said the faction.

  7. A faction asked for renewal at the convention.

  8. Use **bold** and _under_ or @everyone and <#123> here: solidarity!

  9. # Not a heading, just solidarity
    - and a line that looks like a list
"""


def synthetic_page() -> str:
    intro = ARCHIVE_TEXT[: ARCHIVE_TEXT.index("82 thoughts on")]
    return f"{intro}10 thoughts on “Test\n\n{COMMENT_SECTION}\nLeave a Reply\n"


def synthetic_bodies() -> dict[str, str]:
    """Each comment's text as written above, for checks that must not go through FTS5."""
    bodies: dict[str, str] = {}
    for number, block in re.findall(
        r"^  (\d+)\. (.*?)(?=^  \d+\. |\Z)", COMMENT_SECTION, re.M | re.S
    ):
        bodies[number] = block.split("\n    •")[0]
    bodies["6.1"] = "Renewal is overdue, said the faction."
    return bodies


async def _open(page: Path, db_path: Path) -> aiosqlite.Connection:
    await ingest(page, db_path)
    return await open_archive(db_path)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    page = tmp_path / "synthetic.txt"
    page.write_text(synthetic_page(), encoding="utf-8")
    connection = await _open(page, tmp_path / "synthetic.db")
    yield connection
    await connection.close()


@pytest.fixture
async def real_db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await _open(ARCHIVE, tmp_path / "archive.db")
    yield connection
    await connection.close()


async def ids(db: aiosqlite.Connection, query: str) -> set[str]:
    page = await search(db, query, limit=50)
    assert not page.unranked
    return {hit.comment_id for hit in page.hits}


# --- semantics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("democracy", {"2", "3", "4"}, id="word"),
        pytest.param("DEMOCRACY", {"2", "3", "4"}, id="case-folded"),
        pytest.param("faction democracy", {"2"}, id="all-words-must-match"),
        pytest.param("renewal faction", {"6", "6.1", "7"}, id="words-in-any-order"),
        pytest.param('"renewal faction"', {"6"}, id="phrase"),
        pytest.param("democ*", {"2", "3", "4", "5"}, id="prefix"),
        pytest.param("faction -democracy", {"6", "6.1", "7"}, id="exclusion"),
        pytest.param('faction -"renewal faction"', {"2", "6.1", "7"}, id="excluded-phrase"),
        pytest.param("hector", {"1"}, id="accent-folded"),
        pytest.param("HECTOR", {"1"}, id="accent-and-case-folded"),
        pytest.param("héctor", {"1"}, id="accent-as-written"),
        pytest.param("hect*", {"1"}, id="accent-folded-prefix"),
        pytest.param("solidarity", {"8", "9"}, id="word-next-to-markdown"),
    ],
)
async def test_query_semantics(db: aiosqlite.Connection, query: str, expected: set[str]) -> None:
    assert await ids(db, query) == expected


async def test_hits_carry_their_place_in_the_thread(db: aiosqlite.Connection) -> None:
    page = await search(db, "overdue")
    assert page.hits == [
        SearchHit("6.1", 2, "6", 7, "Renewal is overdue, said the faction.", ((11, 18),))
    ]
    assert page.total == 1 and page.offset == 0 and page.suggestion is None


async def test_more_mentions_rank_higher(db: aiosqlite.Connection) -> None:
    # 3 says "democracy" five times, 4 once in a text of about the same length.
    ranked = [hit.comment_id for hit in (await search(db, "democracy")).hits]
    assert ranked[0] == "3"
    assert ranked.index("3") < ranked.index("4")


async def test_pages_of_results(db: aiosqlite.Connection) -> None:
    everything = await search(db, "democ*", limit=10)
    assert everything.total == 4
    second = await search(db, "democ*", limit=2, offset=2)
    assert second.total == 4 and second.offset == 2
    assert second.hits == everything.hits[2:4]
    assert (await search(db, "democ*", limit=2, offset=10)).hits == []


async def test_too_many_matches_are_listed_in_page_order(
    db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_LIMIT", 2)
    # Which comments hold the word "the", found without FTS5.
    with_the = [
        comment_id
        for comment_id, body in synthetic_bodies().items()
        if re.search(r"\bthe\b", body, re.IGNORECASE)
    ]
    assert len(with_the) > 4
    first = await search(db, "the", limit=3)
    assert first.unranked
    assert [hit.comment_id for hit in first.hits] == with_the[:3]
    positions = [hit.position for hit in first.hits]
    assert positions == sorted(positions)
    # The count stops at the limit, so the total is a lower bound.
    assert first.total == 2
    following = await search(db, "the", limit=3, offset=3)
    assert [hit.comment_id for hit in following.hits] == with_the[3:6]


async def test_few_matches_are_ranked(db: aiosqlite.Connection) -> None:
    assert not (await search(db, "the")).unranked


async def test_common_words_that_narrow_each_other_are_still_ranked(
    db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each word alone is in too many comments to rank, but not both together: only a query of
    # one word or prefix may skip its ranking on the vocabulary's word.
    monkeypatch.setattr(search_module, "RANK_LIMIT", 2)
    holding = {
        word: {i for i, body in synthetic_bodies().items() if word in folded_words(body)}
        for body in synthetic_bodies().values()
        for word in folded_words(body)
    }
    common = sorted(word for word, ids in holding.items() if len(ids) > 2)
    pair = next(
        (a, b) for a in common for b in common if a < b and 0 < len(holding[a] & holding[b]) <= 2
    )
    for query in (pair[0], f"{pair[0]}*"):
        assert (await search(db, query)).unranked
    both = await search(db, " ".join(pair))
    assert not both.unranked
    assert {hit.comment_id for hit in both.hits} == holding[pair[0]] & holding[pair[1]]
    # An exclusion narrows a word too.
    rest = holding[pair[0]] - holding[pair[1]]
    if len(rest) <= 2:
        assert not (await search(db, f"{pair[0]} -{pair[1]}")).unranked


# --- snippets --------------------------------------------------------------------------------


def marked(hit: SearchHit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.highlights]


async def test_snippet_is_raw_archive_text_with_spans(db: aiosqlite.Connection) -> None:
    (hit,) = [h for h in (await search(db, "solidarity")).hits if h.comment_id == "8"]
    # The search layer neither escapes nor marks: render does both from the spans.
    assert hit.snippet == "Use **bold** and _under_ or @everyone and <#123> here: solidarity!"
    assert marked(hit) == ["solidarity"]


async def test_match_inside_the_archive_markdown(db: aiosqlite.Connection) -> None:
    (hit,) = (await search(db, "bold")).hits
    assert hit.highlights == ((6, 10),)
    assert marked(hit) == ["bold"]


async def test_snippet_is_one_line(db: aiosqlite.Connection) -> None:
    (hit,) = [h for h in (await search(db, "solidarity")).hits if h.comment_id == "9"]
    assert hit.snippet == ("# Not a heading, just solidarity - and a line that looks like a list")
    assert marked(hit) == ["solidarity"]


async def test_snippet_keeps_the_accent_it_matched(db: aiosqlite.Connection) -> None:
    (hit,) = (await search(db, "hector")).hits
    assert hit.snippet.startswith("Héctor spoke first")
    assert marked(hit) == ["Héctor"]


async def test_every_matched_term_is_a_span(db: aiosqlite.Connection) -> None:
    (hit,) = (await search(db, "faction democ*")).hits
    assert marked(hit) == ["faction", "democracy"]
    # A phrase is one span, not one per word.
    (phrase,) = (await search(db, '"renewal faction"')).hits
    assert marked(phrase) == ["renewal faction"]


W = search_module.Term


@pytest.mark.parametrize(
    ("body", "terms", "snippet", "marked"),
    [
        ("plain text", [W("none")], "plain text", []),
        ("a  b\n\nc", [W("a"), W("c")], "a b c", ["a", "c"]),
        ("Héctor said: hector!", [W("HECTOR")], "Héctor said: hector!", ["Héctor", "hector"]),
        ("democracy democratic", [W("democ", prefix=True)], None, ["democracy", "democratic"]),
        ("the renewal faction", [W("renewal faction", phrase=True)], None, ["renewal faction"]),
        ("renewal, not faction", [W("renewal faction", phrase=True)], None, []),
        ("snitch-jacketing", [W("snitch-jacketing")], None, ["snitch-jacketing"]),
        # Characters whose fold is not one character: the words are folded one by one.
        ("Straße, Héctor", [W("hector")], None, ["Héctor"]),
        ("He\u0301ctor a\ufb01n", [W("afin")], None, ["a\ufb01n"]),
        ("Ｈéctor ＡＢＣ", [W("abc")], None, ["ＡＢＣ"]),
        ("under_score", [W("score")], None, ["score"]),
        (
            " ".join(f"w{n}" for n in range(50)) + " target end.",
            [W("target")],
            "…w32 " + " ".join(f"w{n}" for n in range(33, 50)) + " target end.",
            ["target"],
        ),
        (
            "target " + " ".join(f"w{n}" for n in range(50)),
            [W("target")],
            "target " + " ".join(f"w{n}" for n in range(19)) + "…",
            ["target"],
        ),
        (
            " ".join(f"w{n}" for n in range(30))
            + " one two "
            + " ".join(f"x{n}" for n in range(30)),
            [W("one"), W("two")],
            "…w27 w28 w29 one two " + " ".join(f"x{n}" for n in range(15)) + "…",
            ["one", "two"],
        ),
    ],
)
def test_snippet_of(
    body: str, terms: list[search_module.Term], snippet: str | None, marked: list[str]
) -> None:
    text, spans = search_module.snippet_of(body, terms)
    assert text == (snippet if snippet is not None else body)
    assert [text[start:end] for start, end in spans] == marked


# --- no results ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("democrasy", "democracy"),
        ("convnetion", "convention"),
        ("faction democrasy", "faction democracy"),
        ('"renewal factoin"', '"renewal faction"'),
    ],
)
async def test_no_results_suggest_a_close_spelling(
    db: aiosqlite.Connection, query: str, suggestion: str
) -> None:
    page = await search(db, query)
    assert (page.hits, page.total) == ([], 0)
    assert page.suggestion == suggestion
    # The suggestion is worth offering: it finds something.
    assert (await search(db, page.suggestion)).total > 0


async def test_real_words_with_no_results_suggest_nothing(db: aiosqlite.Connection) -> None:
    page = await search(db, "hector democracy")
    assert page.total == 0
    assert page.suggestion is None


async def test_suggestion_on_the_real_archive(real_db: aiosqlite.Connection) -> None:
    assert (await search(real_db, "sectarain")).suggestion == "sectarian"


# --- the real archive ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Read off the page: "Snitch-jacketing" in 0.1, "snitch-jacketing" in 6.1, and
        # "snitches"/"snitchy" in 6.
        ("snitch", {"0.1", "6.1"}),
        ("snitch*", {"0.1", "6", "6.1"}),
        ('"democratic centralism"', {"3.1.4", "3.2", "15"}),
        ('"democratic centralism', {"3.1.4", "3.2", "15"}),
        ("keegan", {"0.1.1", "0.1.2"}),
        ("Leninism", {"5"}),
    ],
)
async def test_real_archive_queries(
    real_db: aiosqlite.Connection, query: str, expected: set[str]
) -> None:
    assert await ids(real_db, query) == expected


@pytest.mark.parametrize(
    ("operator", "word"), [("AND", "and"), ("OR", "or"), ("NOT", "not"), ("NEAR", "near")]
)
async def test_fts_operators_are_searched_as_words(
    real_db: aiosqlite.Connection, operator: str, word: str
) -> None:
    assert await ids(real_db, operator) == await ids(real_db, word)
    assert await ids(real_db, operator)


@pytest.mark.parametrize(
    ("hostile", "plain"),
    [
        ("^ISO", "ISO"),
        ("ISO 🎉", "ISO"),
        ("🎉 ISO 🎉", "ISO"),
        ("* ISO *", "ISO"),
        ("ISO **", "ISO"),
        ("_ ISO", "ISO"),
        ("ISO\x00", "ISO"),
        ('"" ISO', "ISO"),
        ("ISO -", "ISO"),
        ("ISO :", "ISO"),
        ("ISO -🎉", "ISO"),
    ],
)
async def test_noise_around_a_word_does_not_change_the_results(
    real_db: aiosqlite.Connection, hostile: str, plain: str
) -> None:
    assert await ids(real_db, hostile) == await ids(real_db, plain)


# --- hostile input ---------------------------------------------------------------------------

HOSTILE = [
    '"unbalanced',
    'unbalanced"',
    '"',
    '"""',
    "AND",
    "OR",
    "NOT",
    "ISO AND",
    "AND ISO",
    "NEAR",
    "NEAR(ISO RF)",
    "ISO NEAR/2 RF",
    "*",
    "**",
    "ISO*",
    "*ISO",
    ":",
    "body:ISO",
    "{body}: ISO",
    "comment_fts:ISO",
    "-",
    "--",
    "-ISO",
    "--ISO",
    "ISO -",
    "^",
    "+ISO",
    "(",
    ")",
    "(ISO OR RF",
    "\\",
    "'; DROP TABLE comment; --",
    "x" * 10_000,
    "ISO " * 5_000,
    " ".join(f"word{n}" for n in range(200)),
    "🎉",
    "🎉🎉 🎉",
    "👨‍👩‍👧 ISO",
    "\u200b",
    "\x00",
    "fac\x00tion",
    "\ud800",
    "ISO \ud800x",
    "_",
    "",
    "   ",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_return_a_page(real_db: aiosqlite.Connection, query: str) -> None:
    assert build_match(query) is None or isinstance(build_match(query), str)
    page = await search(real_db, query)
    assert isinstance(page, SearchPage)
    assert page.query == query
    assert all(isinstance(hit, SearchHit) for hit in page.hits)
    assert page.total >= len(page.hits)


@pytest.mark.parametrize(
    "query",
    ["", "   ", "*", "**", ":", "-", "--", '"', '""', "(", ")", "\\", "^", "🎉", "_", "\x00",
     "\ud800", "-ISO", '-"ISO RF"'],
)  # fmt: skip
async def test_nothing_searchable(real_db: aiosqlite.Connection, query: str) -> None:
    # Punctuation, symbols and exclusions alone have no word to look for.
    assert build_match(query) is None
    page = await search(real_db, query)
    assert (page.hits, page.total, page.suggestion) == ([], 0, None)


async def test_hostile_queries_leave_the_archive_intact(real_db: aiosqlite.Connection) -> None:
    before = await ids(real_db, "ISO")
    for query in HOSTILE:
        await search(real_db, query)
    assert await ids(real_db, "ISO") == before


# --- spelling suggestions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("misspelt", "meant"),
    [
        ("teh", "the"),
        ("adn", "and"),
        ("sectarain", "sectarian"),
        ("democratc", "democratic"),
        ("centralsim", "centralism"),
        ("expeled", "expelled"),
        ("leninsm", "leninism"),
        ("organiztion", "organization"),
        ("orgnaization", "organization"),
        ("trotskysit", "trotskyist"),
        ("commitee", "committee"),
        ("memebrs", "members"),
        ("socialst", "socialist"),
        ("politcal", "political"),
        ("solidarty", "solidarity"),
        ("keegna", "keegan"),
        ("kegan", "keegan"),
    ],
)
async def test_suggestion_quality_on_the_real_archive(
    real_db: aiosqlite.Connection, misspelt: str, meant: str
) -> None:
    page = await search(real_db, misspelt)
    assert (page.hits, page.total) == ([], 0)
    assert page.suggestion == meant


@pytest.mark.parametrize("unknown", ["qwxzvbn", "zzyzx plorktesh", "x" * 40, "1234567"])
async def test_nothing_close_suggests_nothing(real_db: aiosqlite.Connection, unknown: str) -> None:
    assert (await search(real_db, unknown)).suggestion is None


@pytest.mark.parametrize(
    ("a", "b", "cost"),
    [
        ("", "", (0, 0)),
        ("the", "the", (0, 0)),
        ("teh", "the", (1, 0)),
        ("the", "then", (1, 0)),
        ("then", "the", (1, 0)),
        ("cat", "cut", (1, 1)),  # a for u: far apart on the keyboard
        ("cat", "cst", (1, 0)),  # a for s: neighbours
        ("socailist", "socialist", (1, 0)),
        ("", "abc", (3, 0)),
        ("ca", "abc", (3, 0)),
        ("kitten", "sitting", (3, 2)),
        # As few edits first: a substitution of neighbours rather than an insertion and a deletion.
        ("nescl", "nescp", (1, 0)),
    ],
)
def test_edit_cost(a: str, b: str, cost: tuple[int, int]) -> None:
    assert search_module.edit_cost(a, b) == cost


async def test_a_dropped_letter_beats_a_far_key_of_a_more_frequent_word() -> None:
    words = {"nesce": 500, "nescil": 3, "nescr": 800}
    async with aiosqlite.connect(":memory:") as db:
        await db.executescript(search_module.SEARCH_SCHEMA)
        await db.executemany("INSERT INTO search_term (term, docs) VALUES (?, ?)", words.items())
        await db.executemany(
            "INSERT INTO search_variant (variant, term) VALUES (?, ?)",
            [(v, term) for term in words for v in search_module.variants(term)],
        )
        # "nescl" is one edit from each; "nesce" and "nescr" are far more common, but l for e
        # or r is not a slip a keyboard makes, while a dropped i is.
        assert await search_module.closest(db, "nescl") == "nescil"
        # Between equally likely slips (d is beside both e and r), the more frequent word wins.
        assert await search_module.closest(db, "nescd") == "nescr"


# --- prefixes --------------------------------------------------------------------------------


def folded_words(text: str) -> list[str]:
    return search_module._WORD.findall(search_module.fold(text))


@pytest.mark.parametrize(
    "prefix", ["a", "t", "th", "de", "dem", "sn", "x", "9", "the", "soc", "expe", "comr", "zzq"]
)
async def test_prefix_queries_find_exactly_the_comments_with_such_a_word(
    real_db: aiosqlite.Connection, prefix: str
) -> None:
    # The one- and two-letter prefix indexes must answer what a scan of the bodies answers.
    async with real_db.execute("SELECT id, body FROM comment") as cursor:
        bodies = [(row[0], row[1]) for row in await cursor.fetchall()]
    expected = {
        comment_id
        for comment_id, body in bodies
        if any(word.startswith(prefix) for word in folded_words(body))
    }
    page = await search(real_db, f"{prefix}*", limit=len(bodies) + 1)
    assert {hit.comment_id for hit in page.hits} == expected
    assert page.total == len(expected)


async def test_a_prefix_of_too_many_words_is_left_to_fts5(
    real_db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prefixes past the prefix indexes are searched as the words they start, up to a number of
    # words; past it FTS5 expands them itself, and both must find the same comments.
    query = "soc* -them*"
    match_sql, parameters = search_module._match_sql(search_module.parse_query(query)) or ("", {})
    async with real_db.execute(f"SELECT {match_sql}", parameters) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert '"soc"*' not in row[0] and " OR " in row[0] and '"social"' in row[0]
    expanded = await search(real_db, query, limit=500)
    monkeypatch.setattr(search_module, "_PREFIX_WORDS", 2)
    match_sql, parameters = search_module._match_sql(search_module.parse_query(query)) or ("", {})
    async with real_db.execute(f"SELECT {match_sql}", parameters) as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == search_module.build_match(query)
    native = await search(real_db, query, limit=500)
    assert {hit.comment_id for hit in native.hits} == {hit.comment_id for hit in expanded.hits}
    assert native.total == expanded.total > 0


# --- time bound ------------------------------------------------------------------------------


async def test_a_query_past_the_time_budget_is_too_broad(
    real_db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget already spent at the statement's first step: every bounded statement stops.
    monkeypatch.setattr(search_module, "TIME_BUDGET", -1.0)
    monkeypatch.setattr(trips, "PROGRESS_STEPS", 1)
    page = await search(real_db, "the")
    assert page.too_broad
    assert (page.hits, page.suggestion) == ([], None)
    # The bound belongs to the search alone: other statements on the connection run unbounded.
    async with real_db.execute("SELECT count(*) FROM comment WHERE body LIKE '%the%'") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] > 0


async def test_the_time_budget_is_per_search(
    real_db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "TIME_BUDGET", -1.0)
    monkeypatch.setattr(trips, "PROGRESS_STEPS", 1)
    assert (await search(real_db, "the")).too_broad
    monkeypatch.undo()
    page = await search(real_db, "the")
    assert not page.too_broad and not page.unranked and page.hits


async def test_hits_with_spans_inside_the_snippet(real_db: aiosqlite.Connection) -> None:
    for query in ["the", "a*", '"democratic centralism"', "snitch*", "keegan -iso"]:
        for hit in (await search(real_db, query, limit=20)).hits:
            assert hit.highlights, (query, hit)
            ends = [0]
            for start, end in hit.highlights:
                assert ends[-1] <= start < end <= len(hit.snippet)
                ends.append(end)
            assert "\n" not in hit.snippet
