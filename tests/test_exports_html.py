"""Comment HTML as ingest stores it (HTML and plain text) and as it is shown (Discord markdown)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.archive.exports import html
from bot.archive.exports.html import convert
from bot.archive.models import Comment, CommentKind
from bot.render.html import body_markdown, escape
from bot.render.markdown import escape_archive_text


def shown(raw: str, *, typed: bool) -> tuple[str, str]:
    """(markdown shown, text searched) for a comment's raw HTML, through ingest and render."""
    html, text = convert(raw, typed=typed)
    comment = Comment("1", None, 1, 1, CommentKind.COMMENT, text, html=html or None)
    return body_markdown(comment), text


@pytest.mark.parametrize(
    ("raw", "typed", "body", "text"),
    [
        # WordPress keeps what was typed: blank lines are paragraphs, single breaks stay.
        ("One\n\nTwo\nthree", True, "One\n\nTwo\nthree", "One\n\nTwo\nthree"),
        # Finished HTML (Disqus): a newline is only white space.
        ("One\nTwo", False, "One Two", "One Two"),
        ("<p>One</p><p>Two<br>three</p>", False, "One\n\nTwo\nthree", "One\n\nTwo\nthree"),
        (
            "<b>b</b> <strong>s</strong> <em>e</em> <i>i</i>",
            False,
            "**b** **s** *e* *i*",
            "b s e i",
        ),
        ("<del>x</del> <s>y</s> <u>z</u>", False, "~~x~~ ~~y~~ __z__", "x y z"),
        ('<a href="https://a.example/p">page</a>', False, "[page](<https://a.example/p>)", "page"),
        (
            '<a href="https://a.example/">https://a.example/</a>',
            False,
            "https://a.example/",
            "https://a.example/",
        ),
        ('<a href="javascript:alert(1)">click</a>', False, "click", "click"),
        ("<ul><li>a</li><li>b</li></ul>", False, "- a\n- b", "a\nb"),
        ("<ol><li>a</li><li>b</li></ol>", False, "1. a\n2. b", "a\nb"),
        ("<blockquote><p>said</p></blockquote>after", False, "> said\n\nafter", "said\n\nafter"),
        ("<code>a_b*</code>", False, "`a_b*`", "a_b*"),
        ("<pre>x = *y*\n  z</pre>", False, "```\nx = *y*\n  z\n```", "x = *y*\nz"),
        ("&lt;b&gt; &amp; &eacute; &#8217;", False, "<b\\> & é ’", "<b> & é ’"),
        ("<script>alert(1)</script><style>p{}</style>ok", False, "ok", "ok"),
        ("<iframe src='x'></iframe><span onclick='x()'>t</span>", False, "t", "t"),
        ('<img src="https://a.example/p.png" alt="a cat">', False, "a cat", "a cat"),
        ("<h2>Title</h2>body", False, "**Title**\n\nbody", "Title\n\nbody"),
        # Markup typed as text shows literally; mentions are neutralised.
        (
            "*not bold* _no_ `no` # no\n> no",
            True,
            "\\*not bold\\* \\_no\\_ \\`no\\` \\# no\n\\> no",
            "*not bold* _no_ `no` # no\n> no",
        ),
        ("hi @everyone <@123>", False, "hi @\u200beveryone <\u200b@123\\>", "hi @everyone <@123>"),
        ("&lt;@123&gt; @here", False, "<\u200b@123\\> @\u200bhere", "<@123> @here"),
    ],
)
def test_comment_html_becomes_discord_markdown_and_plain_text(raw, typed, body, text):
    assert shown(raw, typed=typed) == (body, text)


def test_typed_wordpress_text_with_tags_keeps_its_paragraphs_and_lists():
    raw = "Intro line\nsecond line\n\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\nOutro"
    body, _ = shown(raw, typed=True)
    assert body == "Intro line\nsecond line\n\n- one\n- two\n\nOutro"


_text_without_tags = st.lists(
    st.text(
        alphabet=st.characters(blacklist_characters="<&", blacklist_categories=("Cs", "Cc")),
        max_size=6,
    )
    | st.sampled_from(["\n", "\n\n", " ", "\t", "*", "_", "#", "- ", "1. ", "> ", "@here"])
    | st.sampled_from(["&amp;", "&lt;", "&gt;", "&#8230;", "&eacute;", "&", "&amp", "&#x27;"]),
    max_size=16,
).map("".join)


@given(_text_without_tags, st.booleans())
def test_the_fast_path_for_text_without_tags_agrees_with_markdownify(raw, typed):
    # An empty tag sends the same text through the HTML path.
    assert shown(raw, typed=typed) == shown("<span></span>" + raw, typed=typed)


@given(_text_without_tags)
def test_skipping_the_escaper_changes_nothing(text):
    assert escape(text) == escape_archive_text(text)


# What the WordPress line-break rewrite was first written as: one regex substitution each. The
# functions that replace them look for tags and lines instead of trying every position of the
# text, and must give the very same result.
_BLOCK = html._BLOCK_START.pattern.removeprefix("(?=(").removesuffix("))")
_AROUND_BLOCK = re.compile(rf"\s*\n\s*({_BLOCK})|({_BLOCK})\s*\n\s*", re.I)
_BLANK_LINE = re.compile(r"[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+[ \t\r\f\v]*")
_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*")

_typed_html = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<P class='x'>", "<li>", "</LI>", "<div", "<br>", "<pre>", "</pre>"]
        + ["<hr/>", "<em>", "</em>", "<td>", "<lit>", "<p \n", ">", "<", "&amp;", "x", "word", "é"]
        + [" ", "  ", "\t", "\n", "\n\n", " \n ", "\r\n", "\f", "\v", "\u00a0", "\u2028", "\x1c"]
    ),
    max_size=30,
).map("".join)


@given(_typed_html)
def test_white_space_around_block_tags_goes_as_the_substitution_drops_it(raw):
    assert html._around_blocks(raw) == _AROUND_BLOCK.sub(lambda m: m[1] or m[2], raw)


@given(_typed_html)
def test_typed_line_breaks_become_tags_as_the_substitutions_make_them(raw):
    expected = _LINE_BREAK.sub("<br>", _BLANK_LINE.sub("<br><br>", raw))
    assert html._typed_breaks(raw) == expected


@given(_typed_html)
def test_the_words_of_html_keep_single_spaces_and_bare_line_breaks(raw):
    words = html.text_of(raw)
    assert "  " not in words and " \n" not in words and "\n " not in words
    assert "\n\n\n" not in words and words == words.strip()
    assert not any(space in words for space in "\t\r\f\v")


def _every_substitution(finished: str) -> str:
    """text_of as it was first written: each substitution over the whole text, always."""
    text = html._HIDDEN.sub("", finished)
    text = html._IMAGE_ALT.sub(lambda m: f" {m[1] or m[2] or ''} ", text)
    text = html._BREAK_TAG.sub("\n", text)
    text = html._LIST_ITEM.sub("\n", text)
    text = html._BLOCK_TAG.sub("\n\n", text)
    text = html._SPACES_TO_TIDY.sub(" ", html.html.unescape(html._TAG.sub("", text)))
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return html._EXTRA_BLANK_LINES.sub("\n\n", text).strip()


_finished_html = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<br/>", "<BR>", "<li>", "</Li>", "<pre>", "</PRE>", "<a href='x'>", "</a>"]
        + ["<script>", "</script>", "<STYLE>", "</style>", "<!--", "-->", "<img alt='<br>'>"]
        + ['<IMG src=x alt="w">', "<ſcript>", "</ſcript>", "<İmg alt='i'>", "<lı>", "\u0307"]
        + ["<", ">", "b", "r", "li", "&amp;", "&lt;br&gt;", "word", " ", "  ", "\t", "\n", "\r\n"]
    ),
    max_size=30,
).map("".join)


@given(_finished_html)
@example("a<<script>x</script>br>b")  # a tag made by removing a hidden part
@example("a<img alt='<br>'>b")  # a tag made by an image's words
@example("a<ſcript>x</ſcript>b")
@example("a<İmg alt='w'>b")
@example("a<lı>b")
def test_substitutions_skipped_when_their_tag_is_absent_change_nothing(raw):
    # Tags made by removing a hidden part or by an image's words, and letters the case-blind
    # patterns match that a case-folded search would not, included.
    assert html.text_of(raw) == _every_substitution(raw)


@given(_finished_html, st.booleans())
def test_line_breaks_outside_pre_are_rewritten_as_when_every_part_was_split(raw, typed):
    parts = html._PRE.split(raw.strip())
    for i in range(0, len(parts), 2):
        part = parts[i]
        parts[i] = (
            html._typed_breaks(html._around_blocks(part))
            if typed
            else html._LINE_BREAK.sub(" ", part)
        )
    assert html._line_breaks_as_html(raw, typed=typed) == "".join(parts)


# Words, the spaces the rules tidy, and white space they leave alone (no-break, line separator).
_PARAGRAPH_WORDS = st.text(alphabet=st.sampled_from("ab é  \xa0\u2028.İ"), max_size=12)


@given(
    st.lists(_PARAGRAPH_WORDS, min_size=1, max_size=4),
    st.sampled_from(["", " ", "\n", " \n\t"]),
    st.sampled_from(["", "&amp;", "x\ty", "<b>x</b>", "x\ny", "<P>"]),
)
@example(["  a  b  ", "", " ", "\xa0"], "", "")
def test_paragraphs_alone_read_as_the_general_rules_read_them(
    paragraphs: list[str], around: str, odd: str
) -> None:
    raw = around + "".join(f"<p>{words}</p>" for words in paragraphs) + odd + around
    finished = html._line_breaks_as_html(raw, typed=False)
    assert convert(raw, typed=False) == (finished, html.text_of(finished))
    # The short way is the one taken, unless something else than paragraphs of words is there.
    assert (html._paragraphs_only(raw) is not None) == (odd == "")
