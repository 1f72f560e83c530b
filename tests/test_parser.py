"""The parser on the real archive, checked against what a reader sees on the page.

The expectations below were read off data/we-are-expelled.txt by eye (indentation, bullets,
numbering), not copied from the parser's output.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import generate_page
from bot.archive import outline
from bot.archive.errors import ArchiveError, ArchiveFormatError
from bot.archive.models import Archive, Comment, CommentKind
from bot.archive.parser import parse_page, read_page

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "we-are-expelled.txt"

# Every comment of the page in page order, as its outline id. The page's own numbers are the
# top-level ids; "0", "1.1" and "7.1" stand for levels the page lacks (replies indented one
# level deeper than anything above them).
PAGE_OUTLINE = [
    "0", "0.1", "0.1.1", "0.1.2",
    "1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.2", "1.2.1",
    "2",
    "3", "3.1", "3.1.1", "3.1.2", "3.1.3", "3.1.4",
    "3.2", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6", "3.2.7", "3.2.8", "3.2.9",
    "3.3",
    "4", "5", "6", "6.1", "7", "7.1", "7.1.1", "7.1.2", "7.2", "8", "9",
    "10", "10.1", "10.1.1", "10.1.2", "11", "12", "12.1", "12.1.1", "13",
    "14", "14.1", "14.1.1", "14.2", "14.2.1", "14.2.2",
    "15", "16", "16.1", "17", "18",
]  # fmt: skip

MEMBERS = [
    ("Jonah B.", "New York City"), ("Héctor A.", "New York City"), ("Phil G.", "Madison"),
    ("Sherry W.", "New York City"), ("Lauren F.", "Chicago"), ("Melissa R.", "Chicago"),
    ("Elizabeth W.-F.", "Madison"), ("Tony P.", "San Diego"), ("Bekah W.", "Atlanta"),
    ("Tom G.", "Atlanta"), ("Jonathan E.", "Atlanta"), ("Sean P.", "Atlanta"),
    ("Keegan O.", "New York City"), ("Brian K.", "Poughkeepsie"), ("Nisha B.", "New York City"),
    ("Royall S.", "Greensboro"), ("Ann C.", "Boston"), ("Amanda A.", "Boston"),
    ("Alpana M.", "Boston"), ("Khury P.-S.", "Boston"), ("Madeline B.", "Boston"),
    ("Akunna E.", "Boston"), ("Sid P.", "Bay Area"), ("Avery W.", "San Diego"),
    ("Fermin V.", "Amherst"), ("Rigo G.", "Chicago"),
]  # fmt: skip


@pytest.fixture(scope="module")
def archive() -> Archive:
    return parse_page(ARCHIVE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def comments(archive: Archive) -> dict[str, Comment]:
    return {comment.id: comment for comment in archive.comments}


# --- the real page -------------------------------------------------------------------------


def test_post_title_date_and_paragraphs(archive: Archive) -> None:
    # The title's space before "(Updated)" is a no-break space on the page.
    assert archive.post.title == "We are expelled\u00a0(Updated)"
    assert archive.post.date == dt.date(2014, 2, 17)
    paragraphs = archive.post.paragraphs
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("On 17 February 2014, the National Convention")
    assert paragraphs[2] == "Freedom and Renewal!"
    assert paragraphs[3].startswith("Update: The resolution to expel the Renewal Faction")


def test_resolution_preamble_clause_and_vote(archive: Archive) -> None:
    resolution = archive.resolution
    assert resolution.preamble.startswith("Whereas the Renewal Faction has refused to renounce")
    assert resolution.preamble.endswith("spreads slanderous lies about the ISO leadership:")
    assert resolution.resolving_clause.startswith(
        "We, the delegates of the International Socialist Organization’s 2014 convention"
    )
    assert resolution.resolving_clause.endswith("no longer considered members of the ISO.")
    # The vote keeps its words but not the sentence's closing full stop.
    assert resolution.vote == "Many for, 6 no, 1 abstention"
    assert resolution.date == dt.date(2014, 2, 17)


def test_members_in_page_order(archive: Archive) -> None:
    assert [(m.name, m.city) for m in archive.members] == MEMBERS
    assert [m.position for m in archive.members] == list(range(1, 27))


def test_whole_outline_in_page_order(archive: Archive) -> None:
    assert [c.id for c in archive.comments] == PAGE_OUTLINE
    assert [c.position for c in archive.comments] == list(range(1, len(PAGE_OUTLINE) + 1))
    kinds = Counter(c.kind for c in archive.comments)
    assert kinds == {CommentKind.COMMENT: 56, CommentKind.PINGBACK: 3, CommentKind.PLACEHOLDER: 3}


def test_depth_and_parent_follow_the_outline_id(archive: Archive) -> None:
    for comment in archive.comments:
        assert comment.depth == outline.depth(comment.id), comment.id
        assert comment.parent_id == outline.parent(comment.id), comment.id


def test_top_level_numbering_keeps_the_pages_numbers(archive: Archive) -> None:
    # Comment 1's own numbered list ("    1. Outdated ...") must not become comments 1..14.
    assert [c.id for c in archive.comments if c.depth == 1] == [str(n) for n in range(19)]


def test_placeholders_hold_replies_whose_parent_is_missing(
    archive: Archive, comments: dict[str, Comment]
) -> None:
    placeholders = [c for c in archive.comments if c.kind is CommentKind.PLACEHOLDER]
    assert [c.id for c in placeholders] == ["0", "1.1", "7.1"]
    for placeholder in placeholders:
        assert placeholder.body == ""
        assert not placeholder.in_archive
    # The page opens with replies to a comment it does not show.
    assert comments["0.1"].body.startswith("“Snitch-jacketing”? What does this even mean?")
    assert comments["1.1.1"].body.startswith("I don’t want to sound bitter")
    assert comments["7.1.1"].body.startswith("If you’re here attacking the ISO")
    assert comments["7.1.2"].body.startswith("Curiosity.")


def test_subtree_of_comment_3(archive: Archive) -> None:
    under_3 = [c.id for c in archive.comments if c.id.startswith("3.")]
    assert under_3 == [
        "3.1", "3.1.1", "3.1.2", "3.1.3", "3.1.4",
        "3.2", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6", "3.2.7", "3.2.8", "3.2.9",
        "3.3",
    ]  # fmt: skip
    assert all(c.kind is CommentKind.COMMENT for c in archive.comments if c.id in under_3)


def test_deep_reply_3_2_9(comments: dict[str, Comment]) -> None:
    reply = comments["3.2.9"]
    assert reply.parent_id == "3.2"
    assert reply.body.startswith("You’re a real piece of work, els.")
    assert len(reply.paragraphs) == 2
    assert reply.paragraphs[1].startswith("You are not interested in justice or a better world")
    assert reply.paragraphs[1].endswith("very much unlike RF.")


def test_reply_with_quoted_email_keeps_its_paragraphs(comments: dict[str, Comment]) -> None:
    # On the page the quoted e-mail closes 10.1.1 ("I appreciate the replies ...").
    assert comments["10.1.1"].paragraphs == [
        "I appreciate the replies by the SC, marc, and Ben. I found the SC statement and the"
        " ‘Socialist Outpost’ items I read somewhat helpful. I like some of the items by"
        " Susan Rosenthal.",
        "I belonged to the SWP (US) many years ago and have gone toward a multi-tendency"
        " approach to socialist organizing. I recall a long period of bitterness after my"
        " separation from the SWP. There appears to be a wish from many sides for some sort of"
        " socialist regroupment.",
        "It must be difficult for people today to see members of their organization go away"
        " bitterly, or to lose connection with an organization and comrades with whom one has"
        " worked for a long time.",
        "On Fri, Feb 21, 2014 at 1:28 PM, External Bulletin wrote:",
        "> Red commented: “Please explain to me how a socialist revolutionary > puts their"
        " ideas/principles into practice without an organizational arm to > carry them out?” >",
    ]


def test_reply_10_1_2_paragraph_breaks(comments: dict[str, Comment]) -> None:
    paragraphs = comments["10.1.2"].paragraphs
    assert [p.split()[0] for p in paragraphs] == [
        "Hi",
        "Please",
        "The",
        "Revolutionary",
        "Eventually",
    ]
    assert paragraphs[0] == "Hi Red,"
    assert paragraphs[-1].endswith(
        "the most positive principles and ideas that glow like gems in the mud."
    )


def test_comment_1_holds_its_numbered_list(comments: dict[str, Comment]) -> None:
    paragraphs = comments["1"].paragraphs
    assert len(paragraphs) == 3
    intro, *items = paragraphs[0].split("\n")
    assert intro == "I left the organization after 2.5 years in 2012. for specifically:"
    assert [item.split(". ", 1)[0] for item in items] == [str(n) for n in range(1, 15)]
    assert items[0] == (
        "1. Outdated organizational methods. Bringing up the fact that the world has changed"
        " since 1917 felt like I was committing a sin when it came to the reactions of the older"
        " members of the branch."
    )
    assert items[13].startswith("14. Just because Sherry W or Ahmed S say powerful things")
    assert paragraphs[1].startswith("And on and on. I could go on for a while.")
    assert paragraphs[2].endswith("Good luck, comrades!")


def test_continuation_lines_indented_deeper_stay_with_their_comment(
    comments: dict[str, Comment],
) -> None:
    assert comments["0.1"].paragraphs[1].startswith("You ISOers need to stop being so damned")
    assert comments["1.1.1"].paragraphs[1].startswith("A large portion of the organization")
    # A signature on its own line is a paragraph of the comment, not a new comment.
    assert comments["8"].paragraphs[-1] == "David Keil"
    # Two blank lines in a row still make one paragraph break.
    assert len(comments["14"].paragraphs) == 3


def test_pingbacks_with_link_title_and_site(archive: Archive) -> None:
    pingbacks = [
        (c.id, c.link_title, c.link_site)
        for c in archive.comments
        if c.kind is CommentKind.PINGBACK
    ]
    assert pingbacks == [
        ("5", "Leninism on Way Out as ISO Crisis Deepens.", "Tendance Coatesy"),
        ("13", "On the organizational perspectives of the ISO leadership", "External Bulletin"),
        (
            "18",
            "Solidarity-US: Yet another dinosaur Marxist sect covers up rape allegations"
            " within its ranks",
            "The Charnel-House",
        ),
    ]
    others = [c for c in archive.comments if c.kind is not CommentKind.PINGBACK]
    assert all(c.link_title is None and c.link_site is None for c in others)


def test_comment_form_is_not_content(archive: Archive) -> None:
    assert archive.comments[-1].id == "18"
    for comment in archive.comments:
        for furniture in ("Leave a Reply", "Fill in your details", "WordPress.com", "%s"):
            assert furniture not in comment.body, comment.id


def test_windows_line_endings_parse_the_same(archive: Archive) -> None:
    text = ARCHIVE.read_text(encoding="utf-8")
    assert parse_page(text.replace("\n", "\r\n")) == archive


# --- format errors on small synthetic pages --------------------------------------------------

_TITLE = "A test post"
_POST = "On 3 March 2015, something happened. It is recorded as passing “10 for, 2 no.”"
_PREAMBLE = "Whereas the test needs a preamble:"
_CLAUSE = "We, the delegates of the test, resolve that tests pass."
_MEMBERS = "Ada L. (London), and Alan T. (Manchester)"
_HEADER = "2 thoughts on “A test post"


def page(
    comments: str = "  1. First.\n\n  2. Second.\n",
    *,
    intro: tuple[str, ...] = (_TITLE, _POST, _PREAMBLE, _CLAUSE, _MEMBERS),
    header: str | None = _HEADER,
) -> str:
    parts = [*intro, header] if header is not None else list(intro)
    return "\n\n".join(parts) + "\n\n" + comments + "\nLeave a Reply\n\nConnecting to %s"


def test_minimal_synthetic_page_parses() -> None:
    # The error cases below each break one thing of this page.
    archive = parse_page(page())
    assert archive.post.title == _TITLE
    assert archive.post.date == dt.date(2015, 3, 3)
    assert archive.resolution.vote == "10 for, 2 no"
    assert [(m.name, m.city) for m in archive.members] == [
        ("Ada L.", "London"),
        ("Alan T.", "Manchester"),
    ]
    assert [(c.id, c.body) for c in archive.comments] == [("1", "First."), ("2", "Second.")]


def test_one_thought_header_is_a_comment_section() -> None:
    archive = parse_page(page("  1. Only one.\n", header="One thought on “A test post"))
    assert [c.id for c in archive.comments] == ["1"]


def test_comment_form_ends_the_comments_but_indented_text_does_not() -> None:
    text = page("  1. First.\n    Leave a Reply\n").replace(
        "Connecting to %s", "  7. After the form."
    )
    archive = parse_page(text)
    assert [(c.id, c.body) for c in archive.comments] == [("1", "First.\nLeave a Reply")]


def test_gaps_before_and_inside_comments_become_placeholders() -> None:
    archive = parse_page(page("      • Orphan.\n\n  1. Top.\n\n      • Deep.\n"))
    outline = [(c.id, c.kind, c.body) for c in archive.comments]
    assert outline == [
        ("0", CommentKind.PLACEHOLDER, ""),
        ("0.1", CommentKind.PLACEHOLDER, ""),
        ("0.1.1", CommentKind.COMMENT, "Orphan."),
        ("1", CommentKind.COMMENT, "Top."),
        ("1.1", CommentKind.PLACEHOLDER, ""),
        ("1.1.1", CommentKind.COMMENT, "Deep."),
    ]


def _line_of(text: str, line: str) -> int:
    """1-based line number of ``line`` in ``text``, as an editor would show it."""
    return text.split("\n").index(line) + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            page(header=None),
            "no comment section (no line like '82 thoughts on ...')",
            id="no-comments",
        ),
        pytest.param(
            page(intro=(_TITLE, _POST, _CLAUSE, _MEMBERS)),
            "the comment section starts without the resolution's preamble before it",
            id="no-preamble",
        ),
        pytest.param(
            page(intro=(_TITLE, _POST, _PREAMBLE, _MEMBERS)),
            "the comment section starts without the resolving clause before it",
            id="no-clause",
        ),
        pytest.param(
            page(
                intro=(_TITLE, "On 3 March 2015, nothing was voted.", _PREAMBLE, _CLAUSE, _MEMBERS)
            ),
            "the comment section starts without the resolution's recorded vote before it",
            id="no-vote",
        ),
        pytest.param(
            page(intro=(_TITLE, _POST.replace("3 March 2015", "a Tuesday"), _PREAMBLE, _CLAUSE)),
            "the comment section starts without the post's date before it",
            id="no-date",
        ),
        pytest.param(
            page(intro=(_TITLE, _POST, _PREAMBLE, _CLAUSE)),
            "the comment section starts without the member list before it",
            id="no-members",
        ),
        pytest.param(
            page(intro=()),
            "the comment section starts without a post before it",
            id="no-post",
        ),
        pytest.param(
            page(comments=""), "the comment section holds no comments", id="empty-section"
        ),
    ],
)
def test_format_errors_say_what_is_wrong(text: str, message: str) -> None:
    # What the page lacks is reported at the line where the search for it ended.
    with pytest.raises(ArchiveFormatError) as caught:
        parse_page(text)
    if _HEADER in text:
        message = f"line {_line_of(text, _HEADER)}: {message}"
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("comments", "bad_line", "message"),
    [
        pytest.param(
            "Stray words.\n\n  1. First.\n",
            "Stray words.",
            "text before the first comment",
            id="text-before-comments",
        ),
        pytest.param(
            "  1. First.\n\n  2. Second.\n\n  2. Second again.\n",
            "  2. Second again.",
            "comment 2 appears twice",
            id="duplicate-number",
        ),
        pytest.param(
            # The page's numbers come from one numbered list, so they only go up; checking that
            # finds every repeated number without remembering the numbers seen.
            "  1. First.\n\n  2. Second.\n\n  1. First again.\n",
            "  1. First again.",
            "comment 1 comes after comment 2; the page numbers its comments upwards",
            id="number-going-down",
        ),
        pytest.param(
            "  0. Zero.\n",
            "  0. Zero.",
            "a comment numbered 0; the page numbers its comments from 1",
            id="number-zero",
        ),
        pytest.param(
            "  1. First.\n\n  12345678901. Huge.\n",
            "  12345678901. Huge.",
            "a comment number is too large (at most 1,000,000,000)",
            id="number-too-large",
        ),
        pytest.param(
            # Issue 9: this ended ingest in an IndexError traceback.
            "  1. First.\n\n  • A bullet at the top level.\n",
            "  • A bullet at the top level.",
            "a reply bullet at the top level (two spaces); top-level comments are numbered,"
            " replies are indented by four spaces or more",
            id="bullet-at-depth-1",
        ),
        pytest.param(
            "  1. First.\n\n" + "  " * 65 + "• Very deep.\n",
            "  " * 65 + "• Very deep.",
            "a reply 65 levels deep; the deepest kept is 64",
            id="too-deep",
        ),
    ],
)
def test_comment_section_errors_name_their_line(comments: str, bad_line: str, message: str) -> None:
    text = page(comments)
    with pytest.raises(ArchiveFormatError) as caught:
        parse_page(text)
    assert str(caught.value) == f"line {_line_of(text, bad_line)}: {message}"


@pytest.mark.parametrize(
    ("intro_line", "message"),
    [
        pytest.param(
            "Ada L. of London",
            "the member list cannot be read near 'Ada L. of London'",
            id="unreadable-members",
        ),
        pytest.param(
            "Ada L. (London),\nAlan T. of Manchester",
            "the member list cannot be read near 'Alan T. of Manchester'",
            id="unreadable-members-second-line",
        ),
    ],
)
def test_member_list_errors_name_their_line(intro_line: str, message: str) -> None:
    text = page(intro=(_TITLE, _POST, _PREAMBLE, _CLAUSE, intro_line))
    with pytest.raises(ArchiveFormatError) as caught:
        parse_page(text)
    assert str(caught.value) == f"line {_line_of(text, intro_line.split(chr(10))[-1])}: {message}"


def test_impossible_post_date_names_its_line() -> None:
    post = _POST.replace("3 March 2015", "31 February 2015")
    text = page(intro=(_TITLE, post, _PREAMBLE, _CLAUSE, _MEMBERS))
    with pytest.raises(ArchiveFormatError) as caught:
        parse_page(text)
    assert str(caught.value) == (
        f"line {_line_of(text, post)}: the post's date '31 February 2015' is not a day of the"
        " calendar"
    )


def test_page_numbers_and_digits_of_other_scripts_become_canonical_ids() -> None:
    # "03" and an Arabic-Indic "٤" would be ids no one can type back: they read as 3 and 4.
    archive = parse_page(page("  03. Third.\n\n  \u0664. Fourth.\n"))
    assert [c.id for c in archive.comments] == ["3", "4"]


def test_a_page_without_comment_header_is_not_held_whole() -> None:
    lines_read = 0

    def endless() -> Iterator[str]:
        nonlocal lines_read
        while True:
            lines_read += 1
            yield "Words, and no comment section."

    with pytest.raises(ArchiveFormatError) as caught:
        read_page(endless())
    assert str(caught.value) == (
        "no comment section in the first 100,000 lines (no line like '82 thoughts on ...')"
    )
    assert lines_read == 100_001


def test_format_error_is_an_archive_error() -> None:
    # The CLI and ingest catch ArchiveError alone; a format error must be one.
    with pytest.raises(ArchiveError):
        parse_page("just some text")


# --- the benchmark's generator writes pages this parser reads -------------------------------


@pytest.mark.parametrize("size", [1, 2, 57, 1_500])
def test_synthetic_page_parses_to_the_requested_size(size: int) -> None:
    archive = parse_page(generate_page(size, seed=7))
    assert len(archive.comments) == size
    assert all(c.kind is not CommentKind.PLACEHOLDER for c in archive.comments)
    assert archive.resolution.vote == "Many for, 6 no, 1 abstention"
    assert len(archive.members) == 26


def test_synthetic_page_has_replies_pingbacks_and_is_reproducible() -> None:
    text = generate_page(4_000, seed=7)
    archive = parse_page(text)
    depths = Counter(c.depth for c in archive.comments)
    assert set(depths) == {1, 2, 3}
    assert any(c.kind is CommentKind.PINGBACK for c in archive.comments)
    assert generate_page(4_000, seed=7) == text
    assert generate_page(4_000, seed=8) != text


# --- fuzzing: any text is either a page or one line saying what is wrong --------------------

_words = st.text(st.characters(codec="utf-8"), max_size=12)
_comment_lines = st.one_of(
    st.builds("  {}. {}".format, st.integers(0, 40), _words),
    st.builds("  {}. {}".format, st.text("0123456789٣３", min_size=1, max_size=12), _words),
    st.builds("{}• {}".format, st.integers(0, 6).map("  ".__mul__), _words),
    st.builds("{}• {}".format, st.integers(0, 9).map(" ".__mul__), _words),
    st.builds("{}{}".format, st.integers(0, 9).map(" ".__mul__), _words),
    st.sampled_from(["", "", "Leave a Reply", "  Leave a Reply", "Pingback: A | B"]),
)


def _check_outcome(text: str) -> Archive | None:
    """Parse ``text``; assert the result is a consistent outline or a one-line format error."""
    try:
        archive = parse_page(text)
    except ArchiveFormatError as error:
        message = str(error)
        assert "\n" not in message and "\r" not in message
        assert 0 < len(message) <= 200
        return None
    ids = [c.id for c in archive.comments]
    assert len(set(ids)) == len(ids)
    assert [c.position for c in archive.comments] == list(range(1, len(ids) + 1))
    seen: dict[str, int] = {}  # id -> replies seen so far
    last_top = -1
    for comment in archive.comments:
        # Every id can be typed back, and its place in the tree follows from it alone.
        assert outline.parse(comment.id) == comment.id
        assert comment.depth == outline.depth(comment.id)
        assert comment.parent_id == outline.parent(comment.id)
        if comment.parent_id is None:
            assert int(comment.id) > last_top
            last_top = int(comment.id)
        else:
            # A reply comes after its parent and is numbered next among its siblings.
            seen[comment.parent_id] += 1
            assert outline.numbers(comment.id)[-1] == seen[comment.parent_id]
        seen[comment.id] = 0
        assert comment.in_archive or comment.body == ""
    return archive


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_comment_lines, max_size=30))
def test_fuzzed_comment_sections_parse_or_name_the_problem(lines: list[str]) -> None:
    archive = _check_outcome(page("\n".join(lines) + "\n"))
    if archive is not None:
        # The streaming reader gives the same comments from the lines of a text file.
        text = page("\n".join(lines) + "\n")
        head, comments = read_page(io.StringIO(text, newline=None))
        assert (head.post, head.resolution, head.members) == (
            archive.post,
            archive.resolution,
            archive.members,
        )
        assert tuple(comments) == archive.comments


def _or_fuzzed(paragraph: str) -> st.SearchStrategy[str]:
    """The paragraph as it is, missing, cut short, or with something else put before it."""
    return st.one_of(
        st.just(paragraph),
        st.just(""),
        st.integers(0, len(paragraph)).map(lambda n: paragraph[:n]),
        st.builds("{}\n{}".format, _words, st.just(paragraph)),
    )


_INTRO = (_TITLE, _POST, _PREAMBLE, _CLAUSE, _MEMBERS)
_FUZZED_INTRO = (
    _or_fuzzed(_TITLE),
    st.one_of(
        _or_fuzzed(_POST),
        st.builds(
            "On {} {} {}, it passed “1 for.”".format,
            st.integers(0, 40),
            st.sampled_from(["February", "March", "Mai", "december"]),
            st.integers(0, 3000),
        ),
    ),
    _or_fuzzed(_PREAMBLE),
    _or_fuzzed(_CLAUSE),
    st.one_of(_or_fuzzed(_MEMBERS), st.builds("{} ({}), {}".format, _words, _words, _words)),
)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.lists(_comment_lines, max_size=5))
def test_fuzzed_intros_parse_or_name_the_problem(data: st.DataObject, lines: list[str]) -> None:
    # One or two parts of a good intro varied at a time, so that the rest still reads.
    intro = list(_INTRO)
    for index in data.draw(st.sets(st.integers(0, len(_INTRO) - 1), min_size=1, max_size=2)):
        intro[index] = data.draw(_FUZZED_INTRO[index])
    _check_outcome(page("\n".join(lines) + "\n", intro=tuple(intro)))


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8")))
def test_arbitrary_text_parses_or_names_the_problem(text: str) -> None:
    _check_outcome(text)
    _check_outcome(page(comments=text))


# --- streaming ---------------------------------------------------------------------------------


def test_read_page_reads_comments_only_as_they_are_asked_for() -> None:
    text = page("  1. First.\n\n  2. Second.\n\n      • Third.\n")
    read: list[str] = []

    def lines() -> Iterator[str]:
        for line in text.split("\n"):
            read.append(line)
            yield line

    head, comments = read_page(lines())
    assert head.post.title == _TITLE
    assert read[-1] == _HEADER
    # Comment 1 is complete only once the next item starts.
    assert next(comments).id == "1"
    assert read[-1] == "  2. Second."
    assert [c.id for c in comments] == ["2", "2.1", "2.1.1"]


def test_read_page_takes_a_files_lines_with_their_endings_and_byte_order_mark() -> None:
    text = "\ufeff" + page("  1. First.\r\n\r\n    • Reply.\r\n").replace("\n", "\r\n")
    head, comments = read_page(io.StringIO(text, newline=""))
    assert head.post.title == _TITLE
    assert [(c.id, c.body) for c in comments] == [("1", "First."), ("1.1", "Reply.")]


def test_a_format_error_among_the_comments_comes_from_the_iterator() -> None:
    # The store writes comments as they come; the error stops it before the bad line's comment.
    _, comments = read_page(page("  1. First.\n\n  • Bad.\n").split("\n"))
    assert next(comments).id == "1"
    with pytest.raises(ArchiveFormatError, match=r"^line \d+: a reply bullet at the top level"):
        next(comments)
