import datetime as dt
import random
import re

import discord
import pytest

from bot import render
from bot.archive.models import Comment, CommentKind, Member, Post, Resolution
from bot.archive.search import SearchHit, SearchPage
from bot.render import (
    comment_embeds,
    comment_message_parts,
    embed_batches,
    escape_archive_text,
    members_embeds,
    resolution_embeds,
    search_embed,
    split_text,
    truncate_label,
)

ZWSP = "\u200b"
# What Discord does with a backslash before punctuation: shows the punctuation alone.
UNESCAPE = re.compile(r"\\([^0-9A-Za-z\s])")
# Markup that takes effect at the start of a message, embed description or line.
# Discord's rules need a space after the marker (and allow indentation before it).
LINE_START_MARKUP = re.compile(r"^\s*(>>>\s|>\s|#{1,3}\s|-#\s|[-+*]\s|[0-9]+\.\s)")


def shown(escaped: str) -> str:
    """The text a reader sees once Discord has rendered the escapes."""
    return UNESCAPE.sub(r"\1", escaped).replace(ZWSP, "")


def words(text: str) -> list[str]:
    return text.split()


# --- split_text ------------------------------------------------------------------------------

SPLIT_CASES = [
    pytest.param("short text", 2000, ["short text"], id="fits"),
    pytest.param("abcde", 5, ["abcde"], id="exact-limit"),
    pytest.param("abcde f", 5, ["abcde", "f"], id="one-over-limit"),
    pytest.param("", 10, [], id="empty"),
    pytest.param("aa bb\n\ncc dd\n\nee ff", 12, ["aa bb\n\ncc dd", "ee ff"], id="packs-paragraphs"),
    pytest.param(
        "One. Two.\nThree\n\nFour", 17, ["One. Two.\nThree", "Four"], id="paragraph-over-line"
    ),
    pytest.param(
        "First line. Second\nthird fourth",
        20,
        ["First line. Second", "third fourth"],
        id="line-over-sentence",
    ),
    pytest.param(
        "One two. Three four five", 15, ["One two.", "Three four five"], id="sentence-over-word"
    ),
    pytest.param(
        "He said “no.” Then he left",
        16,
        ["He said “no.”", "Then he left"],
        id="sentence-after-closing-quote",
    ),
    pytest.param(
        "Why? Because… Fine! ok", 14, ["Why? Because…", "Fine! ok"], id="question-ellipsis"
    ),
    pytest.param("alpha beta gamma delta", 12, ["alpha beta", "gamma delta"], id="words"),
    pytest.param("abcdefghij", 4, ["abcd", "efgh", "ij"], id="giant-word"),
    pytest.param(
        "supercalifragilistic is long",
        8,
        ["supercal", "ifragili", "stic is", "long"],
        id="giant-word-then-words",
    ),
    pytest.param("ab   \n\n  cd", 4, ["ab", "cd"], id="drops-whole-gap"),
    pytest.param("  ab cd", 5, ["  ab", "cd"], id="keeps-leading-whitespace"),
    pytest.param("  abcd", 4, ["abcd"], id="drops-indentation-the-word-cannot-follow"),
    pytest.param("aaa\xa0bbb ccc", 8, ["aaa\xa0bbb", "ccc"], id="no-break-space-holds"),
    pytest.param("日本語のテキストです", 4, ["日本語の", "テキスト", "です"], id="cjk"),
    pytest.param("e\u0301" * 3, 3, ["e\u0301"] * 3, id="combining-mark-stays"),
    pytest.param("ab!!!!cd", 5, ["ab!!!", "!cd"], id="hard-split-no-letter"),
    pytest.param("a" + "\\!" * 3, 4, ["a\\!", "\\!\\!"], id="hard-split-lands-before-escape"),
    pytest.param("\\*\\*\\*", 5, ["\\*\\*", "\\*"], id="hard-split-keeps-escape"),
    pytest.param("Ünïcödé wörds hère", 8, ["Ünïcödé", "wörds", "hère"], id="accents"),
]


@pytest.mark.parametrize(("text", "limit", "expected"), SPLIT_CASES)
def test_split_text(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


def test_split_text_rejects_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_text("text", 0)


BREAKING = re.compile(r"[^\S\xa0\u2007\u202f]+")


def assert_lossless_split(text: str, chunks: list[str], limit: int) -> None:
    """Chunks fit, are non-empty, and are the text minus the whitespace at split points; a split
    without whitespace only happens inside a word longer than the limit."""
    pos = 0
    for index, chunk in enumerate(chunks):
        assert 0 < len(chunk) <= limit
        gap = BREAKING.match(text, pos)
        if gap and not text.startswith(chunk, pos):
            pos = gap.end()
        elif index:
            # A hard split: the chunk before had no room for any break.
            assert not BREAKING.search(chunks[index - 1], 1)
        assert text.startswith(chunk, pos), (index, chunk)
        pos += len(chunk)
    assert text[pos:].strip() == ""


def random_text(rng: random.Random) -> str:
    pieces = [
        "word", "a", "longerword", "Sentence.", "Why?", "“Quoted.”", "wow!", "then…",
        "\n", "\n\n", "  ", "é", "日本", "\\*", "#", ">", "-",
    ]  # fmt: skip
    parts = []
    for _ in range(rng.randrange(0, 120)):
        if rng.random() < 0.02:
            parts.append("x" * rng.randrange(1, 80))
        else:
            parts.append(rng.choice(pieces))
        parts.append(rng.choice([" ", " ", " ", "\n", ""]))
    return "".join(parts)


def test_split_text_random_texts_are_lossless_and_within_limit() -> None:
    rng = random.Random(1234)
    for _ in range(2000):
        text = random_text(rng)
        limit = rng.randrange(1, 60)
        assert_lossless_split(text, split_text(text, limit), limit)


def test_split_text_prefers_a_late_paragraph_break_over_an_earlier_one() -> None:
    text = "p1\n\np2 is longer\n\np3 text that overflows"
    assert split_text(text, 20)[0] == "p1\n\np2 is longer"


# --- truncate_label --------------------------------------------------------------------------

LABEL_CASES = [
    pytest.param("Short", 10, "Short", id="fits"),
    pytest.param("line one\nline  two", 100, "line one line two", id="collapses-whitespace"),
    pytest.param(
        "To all those on the left, who think", 28, "To all those on the left…", id="word-boundary"
    ),
    pytest.param(
        "To all those on the left, who think",
        30,
        "To all those on the left, who…",
        id="keeps-what-fits",
    ),
    pytest.param("abcdefghijklmnop", 8, "abcdefg…", id="single-long-word"),
    pytest.param("a bcdefghijklmnop", 8, "a bcdef…", id="boundary-too-early"),
    pytest.param("exactly ten", 11, "exactly ten", id="exact"),
]


@pytest.mark.parametrize(("text", "limit", "expected"), LABEL_CASES)
def test_truncate_label(text: str, limit: int, expected: str) -> None:
    assert truncate_label(text, limit) == expected
    assert len(truncate_label(text, limit)) <= limit


# --- escaping --------------------------------------------------------------------------------

ESCAPE_CASES = [
    pytest.param("**bold**", r"\*\*bold\*\*", id="bold"),
    pytest.param("`code`", r"\`code\`", id="code"),
    pytest.param("_under_ ~~strike~~ ||spoiler||", r"\_under\_ \~\~strike\~\~ \|\|spoiler\|\|",
                 id="inline"),
    pytest.param("> quote", r"\> quote", id="quote"),
    pytest.param(">>> block", r"\>>\> block", id="block-quote"),
    pytest.param("# Heading\n## Sub", "\\# Heading\n\\#\\# Sub", id="headings"),
    pytest.param("-# subtext", r"\-\# subtext", id="subtext"),
    pytest.param("  - item\n* star\n+ plus", "  \\- item\n\\* star\n\\+ plus", id="lists"),
    pytest.param("1. first\n10. tenth", "1\\. first\n10\\. tenth", id="ordered-list"),
    pytest.param("[click](https://evil.example)", r"\[click](https://evil.example)",
                 id="masked-link"),
    pytest.param("see https://x.example/a_b*c here", "see https://x.example/a_b*c here",
                 id="url-intact"),
    pytest.param("C#x 2 >1 a-b #tag", "C#x 2 \\>1 a-b #tag", id="mid-word-untouched"),
    pytest.param("C# a-> b 1995. x", "C\\# a-\\> b 1995\\. x", id="word-end-markers"),
    pytest.param("back\\slash", "back\\\\slash", id="backslash"),
    pytest.param("@everyone @here", f"@{ZWSP}everyone @{ZWSP}here", id="everyone-here"),
    # A '>' that ends a word is escaped too, for a split that lands just before it.
    pytest.param("<@123> <@!123>", f"<{ZWSP}@123\\> <{ZWSP}@!123\\>", id="user"),
    pytest.param("<@&5>", f"<{ZWSP}@&5\\>", id="role"),
    pytest.param("<#789>", f"<{ZWSP}#789\\>", id="channel"),
    pytest.param("<t:1:R> <:e:1> </cmd:1>",
                 f"<{ZWSP}t:1:R\\> <{ZWSP}:e:1\\> <{ZWSP}/cmd:1\\>",
                 id="timestamp-emoji-command"),
    pytest.param("plain words", "plain words", id="plain"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "escaped"), ESCAPE_CASES)
def test_escape_archive_text(raw: str, escaped: str) -> None:
    assert escape_archive_text(raw) == escaped


@pytest.mark.parametrize(
    "raw", ["@everyone", "@here", "<@123>", "<@&456>", "<#789>", "hi @everyone and <@1>"]
)
def test_escaped_mentions_cannot_ping_but_read_the_same(raw: str) -> None:
    escaped = escape_archive_text(raw)
    for mention in re.findall(r"@everyone|@here|<[@#][!&]?\d+>", raw):
        assert mention not in escaped
    assert shown(escaped) == raw


def test_escaping_only_adds_escapes_and_survives_splitting() -> None:
    rng = random.Random(99)
    alphabet = list("ab *_~`|>#-+1.[]()@<\\\n") + ["everyone", "here", " ", " "]
    for _ in range(1000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        escaped = escape_archive_text(raw)
        assert shown(escaped) == raw
        for chunk in split_text(escaped, rng.randrange(2, 30)):
            assert not LINE_START_MARKUP.match(chunk), (raw, chunk)
            trailing = len(chunk) - len(chunk.rstrip("\\"))
            assert trailing % 2 == 0, (raw, chunk)


def test_escaping_is_not_idempotent_so_callers_apply_it_once() -> None:
    once = escape_archive_text("*x*")
    assert escape_archive_text(once) != once


# --- embeds ----------------------------------------------------------------------------------


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    assert embeds
    for embed in embeds:
        assert len(embed) <= render.EMBED_TOTAL
        assert len(embed.title or "") <= render.EMBED_TITLE
        assert len(embed.description or "") <= render.EMBED_DESCRIPTION
        assert len(embed.fields) <= render.EMBED_FIELDS
        for field in embed.fields:
            assert 0 < len(field.value) <= render.FIELD_VALUE
            assert 0 < len(field.name) <= render.FIELD_NAME


def long_text(sentences: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    vocabulary = ["the", "members", "resolved", "**that**", "_we_", "@everyone", "expelled", "all"]
    paragraphs = []
    for _ in range(sentences // 5):
        paragraphs.append(
            " ".join(
                " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(4, 15))).capitalize()
                + "."
                for _ in range(5)
            )
        )
    return "\n\n".join(paragraphs)


POST = Post(title="We are expelled", date=dt.date(2015, 3, 5), paragraphs=("p",))


def test_resolution_embeds_split_long_text_and_keep_everything() -> None:
    resolution = Resolution(
        preamble=long_text(400),
        resolving_clause="Resolved, that **all** of us > leave.",
        vote="For: " + ", ".join(f"Member {i}" for i in range(400)),
        date=dt.date(2015, 3, 5),
    )
    embeds = resolution_embeds(resolution, POST)
    assert_within_limits(embeds)
    assert len(embeds) > 2
    assert embeds[0].title == "Resolution"
    assert all(e.title == "Resolution (continued)" for e in embeds[1:])
    assert all(e.footer.text == "Source: We are expelled" for e in embeds)

    descriptions = [e.description for e in embeds if e.description]
    assert all(d.startswith(">>> ") for d in descriptions)
    quoted = " ".join(d.removeprefix(">>> ") for d in descriptions)
    expected = escape_archive_text(resolution.preamble) + " "
    expected += escape_archive_text(resolution.resolving_clause)
    assert words(quoted) == words(expected)
    assert "@everyone" not in quoted

    fields = [f for e in embeds for f in e.fields]
    vote_fields = [f for f in fields if f.name.startswith("Recorded vote")]
    assert vote_fields[0].name == "Recorded vote"
    assert {f.name for f in vote_fields[1:]} == {"Recorded vote (continued)"}
    assert words(" ".join(f.value for f in vote_fields)) == words(resolution.vote)
    assert [f.value for f in fields if f.name == "Date"] == ["5 March 2015"]


def test_resolution_short_fits_one_embed() -> None:
    resolution = Resolution("Whereas we met;", "Resolved.", "Unanimous", dt.date(2015, 3, 5))
    (embed,) = resolution_embeds(resolution, POST)
    assert embed.description == ">>> Whereas we met;\n\nResolved."
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Recorded vote", "Unanimous"),
        ("Date", "5 March 2015"),
    ]


def make_comment(comment_id: str, body: str = "", **kwargs: object) -> Comment:
    depth = comment_id.count(".") + 1
    parent = comment_id.rsplit(".", 1)[0] if depth > 1 else None
    defaults: dict[str, object] = {"kind": CommentKind.COMMENT}
    defaults.update(kwargs)
    return Comment(id=comment_id, parent_id=parent, depth=depth, position=0, body=body, **defaults)  # type: ignore[arg-type]


def test_comment_embeds_long_body_is_split_not_cut() -> None:
    body = long_text(600, seed=3)
    comment = make_comment("3.2", body, author="Jane <@1>", date="March 5, 2015 at 4:12 pm")
    ancestors = [make_comment("3", "To all those on the left, " + "blah " * 40 + "\nsecond line")]
    embeds = comment_embeds(comment, ancestors, reply_count=4)
    assert_within_limits(embeds)
    assert len(embeds) >= 4
    assert embeds[0].title == "Comment 3.2"
    assert embeds[1].title == "Comment 3.2 (continued)"
    # Author is a plain-text surface: raw text, since it renders neither markdown nor mentions.
    assert embeds[0].author.name == "Jane <@1> · March 5, 2015 at 4:12 pm"
    assert all(e.footer.text == "4 replies" for e in embeds)
    text = " ".join(e.description for e in embeds if e.description)
    assert words(text) == words(escape_archive_text(body))

    (context,) = [f for e in embeds for f in e.fields]
    assert context.name == "In reply to"
    assert context.value.startswith("↳ 3 — To all those on the left, blah")
    assert context.value.endswith("…")
    assert len(context.value) <= len("↳ 3 — ") + render.CONTEXT_LABEL


def test_comment_embeds_context_lists_ancestors_root_first() -> None:
    ancestors = [
        make_comment("1", "**Root** comment"),
        make_comment("1.1", kind=CommentKind.PLACEHOLDER),
        make_comment("1.1.1", "\nReply line\nmore"),
    ]
    (embed,) = comment_embeds(make_comment("1.1.1.1", "Body"), ancestors, reply_count=1)
    assert embed.fields[0].value == (
        "↳ 1 — \\*\\*Root\\*\\* comment\n↳ 1.1 — not in the archive\n↳ 1.1.1 — Reply line"
    )
    assert embed.footer.text == "1 reply"
    assert embed.author.name is None


def test_comment_embeds_placeholder_and_pingback() -> None:
    (placeholder,) = comment_embeds(make_comment("0", kind=CommentKind.PLACEHOLDER), [], 3)
    assert placeholder.title == "Comment 0"
    assert placeholder.description == render.PLACEHOLDER_TEXT

    pingback = make_comment(
        "5", "[…] a post […]", kind=CommentKind.PINGBACK, link_title="Our story", link_site="blog"
    )
    (embed,) = comment_embeds(pingback, [], 0)
    assert embed.title == "Pingback 5"
    assert embed.author.name == "Our story · blog"
    assert embed.footer.text == "No replies"
    assert embed.description == "\\[…] a post \\[…]"


def test_members_embeds_group_by_city_in_count_order() -> None:
    members = [
        Member("Ann", "Oslo", 1),
        Member("Bo", "Paris", 2),
        Member("Cy", "Paris", 3),
        Member("Di_x", "Oslo", 4),
        Member("Ed", "Paris", 5),
    ]
    (embed,) = members_embeds(members, [("Paris", 3), ("Oslo", 2)], None)
    assert embed.title == "Members"
    assert embed.description == "5 members in 2 cities."
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Paris (3)", "Bo, Cy, Ed"),
        ("Oslo (2)", "Ann, Di\\_x"),
    ]


def test_members_embeds_for_one_city_uses_its_spelling() -> None:
    members = [Member("Ann", "Oslo", 1), Member("Bo", "Oslo", 2)]
    (embed,) = members_embeds(members, [("Paris", 3), ("Oslo", 2)], "oslo")
    assert embed.title == "Members in Oslo"
    assert embed.description == "2 members of 5 in the archive."
    assert [f.name for f in embed.fields] == ["Oslo (2)"]

    (empty,) = members_embeds([], [("Oslo", 2)], "Atlantis")
    assert empty.description == "No members in Atlantis."
    assert empty.fields == []


def test_members_embeds_split_many_cities_and_long_lists() -> None:
    members = [
        Member(f"City{c} Person {i}", f"City{c}", c * 100 + i) for c in range(30) for i in range(3)
    ]
    members += [Member(f"Big Town Resident Number {i}", "Big", 9000 + i) for i in range(300)]
    counts = [("Big", 300)] + [(f"City{c}", 3) for c in range(30)]
    embeds = members_embeds(members, counts, None)
    assert_within_limits(embeds)
    assert len(embeds) >= 2
    fields = [f for e in embeds for f in e.fields]
    big = [f for f in fields if f.name == "Big (300)"]
    assert len(big) > 1
    listed = [name for f in big for name in f.value.split(", ")]
    assert listed == [f"Big Town Resident Number {i}" for i in range(300)]
    assert [f.name for f in fields if f.name != "Big (300)"] == [f"City{c} (3)" for c in range(30)]


def hit(comment_id: str, parent_id: str | None, marked: str) -> SearchHit:
    """A hit written as rendered markdown: ``**`` marks the spans, backslashes escape."""
    raw, spans = "", []
    for n, part in enumerate(marked.split("**")):
        text = re.sub(r"\\(.)", r"\1", part)
        if n % 2:
            spans.append((len(raw), len(raw) + len(text)))
        raw += text
    return SearchHit(comment_id, comment_id.count(".") + 1, parent_id, 0, raw, tuple(spans))


def test_search_embed_lists_hits_without_re_escaping() -> None:
    page = SearchPage(
        query="expel*",
        hits=[
            hit("3.2.1", "3.2", "we were **expelled** from a\\_b"),
            hit("4", None, "**expelled** <@12> again"),
        ],
        total=17,
        offset=0,
    )
    embed = search_embed(page, page_size=5)
    assert embed.title == "Search: expel\\*"
    assert embed.description == (
        "**3.2.1** (reply to 3.2, depth 3)\nwe were **expelled** from a\\_b\n\n"
        f"**4** (top level)\n**expelled** <{ZWSP}@12\\> again"
    )
    assert embed.footer.text == "Results 1–2 of 17 · page 1 of 4"


def test_search_embed_later_page_and_no_results() -> None:
    page = SearchPage(
        query="q", hits=[hit(str(i), None, "s") for i in range(5)], total=15, offset=10
    )
    assert search_embed(page, 5).footer.text == "Results 11–15 of 15 · page 3 of 3"

    empty = SearchPage(query="expeled", hits=[], total=0, offset=0, suggestion="expelled")
    embed = search_embed(empty, 5)
    assert embed.description == "Did you mean **expelled**?\n\nNo comments match."
    assert embed.footer.text is None


def test_search_embed_says_when_matches_are_in_page_order() -> None:
    page = SearchPage(query="the", hits=[hit("1", None, "s")], total=5000, offset=0, unranked=True)
    assert search_embed(page, 5).footer.text == (
        "Results 1–1 of more than 5,000 · too many to rank, so in page order: add words to narrow"
        " them"
    )


def test_search_embed_shortens_oversized_snippets_to_fit() -> None:
    snippet = "**match** " + "word " * 400
    hits = [hit(str(i), None, snippet) for i in range(10)]
    page = SearchPage(query="match", hits=hits, total=10, offset=0)
    embed = search_embed(page, 10)
    assert len(embed.description) <= render.EMBED_DESCRIPTION
    assert embed.description.count("**match** word") == 10
    assert embed.description.count("…") == 10


def test_comment_message_parts_header_then_body() -> None:
    comment = make_comment("3.2.1", "Hello **world**", author="Ann", date="May 1")
    assert comment_message_parts(comment) == [
        "**3.2.1** · depth 3 · Ann · May 1\nHello \\*\\*world\\*\\*"
    ]
    placeholder = make_comment("1.1", kind=CommentKind.PLACEHOLDER)
    assert comment_message_parts(placeholder) == [
        "**1.1** · not in the archive (the page shows its replies without it)"
    ]


def test_comment_message_parts_split_long_body_with_header_once() -> None:
    body = long_text(300, seed=11)
    parts = comment_message_parts(make_comment("2", body))
    assert len(parts) > 2
    assert all(len(part) <= render.MESSAGE for part in parts)
    assert parts[0].startswith("**2** · depth 1\n")
    assert not any(part.startswith("**2**") for part in parts[1:])
    assert words(" ".join(parts).removeprefix("**2** · depth 1\n")) == words(
        escape_archive_text(body)
    )


def test_embed_batches_respect_message_totals() -> None:
    embeds = [discord.Embed(description="x" * 2500) for _ in range(5)]
    embeds += [discord.Embed(description="y") for _ in range(12)]
    batches = embed_batches(embeds)
    assert [e for batch in batches for e in batch] == embeds
    assert [len(batch) for batch in batches] == [2, 2, 10, 3]
    for batch in batches:
        assert sum(len(e) for e in batch) <= render.EMBED_TOTAL


def test_comment_choice_is_a_short_raw_label() -> None:
    comment = make_comment("3", "\nTo all those on the **left**, " + "word " * 40)
    label = render.comment_choice(comment)
    assert label.startswith("3 — To all those on the **left**, word")
    assert label.endswith("…")
    assert len(label) <= render.CHOICE_NAME
    placeholder = make_comment("1.1", kind=CommentKind.PLACEHOLDER)
    assert render.comment_choice(placeholder) == "1.1 — not in the archive"
    pingback = make_comment("5", "[…] x", kind=CommentKind.PINGBACK, link_title="Our story")
    assert render.comment_choice(pingback) == "5 — pingback: Our story"
