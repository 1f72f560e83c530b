"""Comment HTML as ingest stores it (HTML and plain text) and as it is shown (Discord markdown)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
