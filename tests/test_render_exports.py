"""The pure builders for exported archives, from tables: replay messages with authors, dates as
Discord timestamps and links; a discussion's opening; how archives and refs are named."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot import render
from bot.archive.library import LoadedArchive
from bot.archive.models import Comment, CommentKind, Discussion
from bot.render.progress import closing_line, outcome_text, running_text
from bot.render.replay import comment_message_parts, discussion_opening, link, when
from bot.replay.jobs import Job, JobState

# 2019-03-01 10:30:00 UTC
T = "<t:1551436200:f>"


def comment(comment_id: str = "1.1", **fields: object) -> Comment:
    values: dict[str, object] = {
        "id": comment_id,
        "parent_id": comment_id.rpartition(".")[0] or None,
        "depth": comment_id.count(".") + 1,
        "position": 1,
        "kind": CommentKind.COMMENT,
        "body": "Who is talking to the press?",
        "author": "Jonas",
        "date": "2019-03-01T10:30:00Z",
        "discussion": 4,
        "permalink": "https://blog.example/post/#comment-102",
        "export_id": "102",
    }
    return Comment(**(values | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "prefix", "expected"),
    [
        (comment(), "4/",
         f"**4/1.1** · depth 2 · Jonas · {T} · <https://blog.example/post/#comment-102>\n"
         "Who is talking to the press?"),
        # The page's comments have no date or link; its ids are typed bare.
        (comment(date=None, permalink=None, author=None, discussion=1), "",
         "**1.1** · depth 2\nWho is talking to the press?"),
        # A pingback links to the page that linked, and to where it sits in the discussion.
        (comment("2", kind=CommentKind.PINGBACK, author="Other blog » Post",
                 author_url="https://other.example/p/", body="[…] linked […]"), "4/",
         f"**4/2** · depth 1 · pingback · Other blog » Post · {T} · <https://other.example/p/>"
         " · <https://blog.example/post/#comment-102>\n\\[…] linked \\[…]"),
        # An author's own address is not shown on a comment; a link that is not a plain web
        # address is not shown at all; a name that would ping is shown literally.
        (comment(author="@everyone *Ann*", author_url="https://ann.example/",
                 permalink="javascript:alert(1)>"), "4/",
         f"**4/1.1** · depth 2 · @\u200beveryone \\*Ann\\* · {T}\nWho is talking to the press?"),
        # Markup the commenter wrote is shown as markdown; what they typed as text is escaped.
        (comment(html="<p>I <em>agree</em> with *this*</p>", body="I agree with *this*"), "4/",
         f"**4/1.1** · depth 2 · Jonas · {T} · <https://blog.example/post/#comment-102>\n"
         "I *agree* with \\*this\\*"),
    ],
)  # fmt: skip
def test_replayed_export_comments(record: Comment, prefix: str, expected: str) -> None:
    assert comment_message_parts(record, prefix) == [expected]


@pytest.mark.parametrize(
    ("date", "shown"),
    [
        ("2019-03-01T10:30:00Z", T),
        ("2019-03-01T10:30:00+00:00", T),
        ("2014-02-17", "17 February 2014"),
        ("February 17, 2014 at 3:32 pm", "February 17, 2014 at 3:32 pm"),
        (None, None),
    ],
)
def test_dates_as_messages_show_them(date: str | None, shown: str | None) -> None:
    assert when(date) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://a.example/x#comment-1", "<https://a.example/x#comment-1>"),
        ("http://a.example/", "<http://a.example/>"),
        ("javascript:alert(1)", None),
        ("https://a.example/> @everyone", None),
        (None, None),
    ],
)
def test_links_show_no_preview_and_only_web_addresses(url: str | None, shown: str | None) -> None:
    assert link(url) == shown


DISCUSSION = Discussion(
    number=4,
    title="Rent strike: what we decided",
    link="https://blog.example/rent-strike/",
    date="2019-02-28T18:00:00Z",
    author="secretary",
    body="The meeting voted.",
    html="<p>The meeting <em>voted</em>.</p>",
    key="10",
)


def test_a_discussion_opens_with_its_post() -> None:
    (opening,) = discussion_opening(DISCUSSION, total=6, by=100)
    assert opening == (
        "**Replay of a whole discussion**: the post, then its 6 comments in page order, each"
        " reply answering its parent's message (top-level comments answer the post). Started"
        " by <@100>.\n\n**Rent strike: what we decided**\nsecretary · <t:1551376800:f>"
        " · <https://blog.example/rent-strike/>\nThe meeting *voted*."
    )


def test_a_long_post_opens_over_several_messages_without_losing_text() -> None:
    words = [f"word{n}" for n in range(900)]
    long = dataclasses.replace(DISCUSSION, html=None, body=" ".join(words))
    parts = discussion_opening(long, total=6, by=100)
    assert len(parts) > 2
    assert all(len(part) <= render.MESSAGE for part in parts)
    assert [p.split("\n", 1)[0] for p in parts[1:]] == [
        f"**4/** ({n}/{len(parts)})" for n in range(2, len(parts) + 1)
    ]
    shown = " ".join(p.split("\n", 1)[1] for p in parts[1:]) + " " + parts[0]
    assert all(word in shown for word in words)


def archive(discussions: int, fmt: str = "wxr") -> LoadedArchive:
    counts = {"comments": 7, "pingbacks": 1, "trackbacks": 0, "placeholders": 0}
    return LoadedArchive(
        name="tenants", title="Riverside @here", path=Path("t.xml"), db_path=Path("t.db"),
        db=None, format=fmt, counts=counts, discussions=discussions, left_out={},  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("discussions", "number", "record", "ref"),
    [
        (2, 4, comment(), "4/1.1"),
        (2, 4, None, "4/"),
        (1, 1, comment(discussion=1), "1.1"),
        (1, 1, None, "1/"),
    ],
)
def test_refs_as_readers_type_them(
    discussions: int, number: int, record: Comment | None, ref: str
) -> None:
    assert render.comment_ref(archive(discussions), number, record) == ref


def test_archive_wording_is_literal_and_says_what_to_type() -> None:
    several = archive(2)
    assert render.counts_line(several) == "2 discussions · 7 comments · 1 pingback"
    assert render.archive_choice(several) == "Riverside @\u200bhere"
    assert render.which_discussion(several).startswith(
        "Riverside @\u200bhere has 2 discussions: type `4/3.2.1`"
    )
    assert "`4/` for the whole discussion" in render.not_a_ref("three", several)
    assert "`#1234`" in render.not_a_ref("three", archive(1))
    assert render.missing_discussion(9, several).startswith(
        "There is no discussion 9 in Riverside @\u200bhere: it has 2 discussions (`1/` … `2/`)."
    )


def job(ref: str, state: JobState, posted: int, total: int = 7) -> Job:
    return Job(
        id=1, guild_id=1, channel_id=10, target_id=12, here=False, comment_id=ref,
        requested_by=100, total=total, next_position=posted, header_message_id=None,
        state=state, reason=None, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        archive="tenants",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("replayed", "running", "done", "closing"),
    [
        ("4/", "Replaying discussion **4** into <#12>: 3 of 7 posted.",
         "Done: discussion **4** with its 7 comments is in <#12>.",
         "*End of the replay: discussion 4 with its 7 comments, complete.*"),
        ("4/1", "Replaying comment **4/1** into <#12>: 3 of 7 posted.",
         "Done: comment **4/1** and the 6 replies under it are in <#12>.",
         "*End of the replay: comment 4/1 and the 6 replies under it, complete.*"),
    ],
)  # fmt: skip
def test_a_replay_says_what_it_replays(
    replayed: str, running: str, done: str, closing: str
) -> None:
    assert running_text(job(replayed, JobState.RUNNING, 3)) == running
    assert outcome_text(job(replayed, JobState.DONE, 7), None) == done
    assert closing_line(job(replayed, JobState.DONE, 7), None) == closing


def test_a_long_archive_list_takes_several_embeds_and_keeps_every_archive() -> None:
    many = [dataclasses.replace(archive(2), name=f"blog-{n}") for n in range(80)]
    embeds = render.archive_list_embeds(many, many[0], chosen_here=False)
    assert len(embeds) > 1
    assert all(len(embed.description or "") <= render.EMBED_DESCRIPTION for embed in embeds)
    assert embeds[1].title == "80 archives (continued)"
    shown = "\n".join(embed.description or "" for embed in embeds)
    assert all(f"`blog-{n}`" in shown for n in range(80))


def test_an_unknown_archive_answer_stays_short_however_many_archives() -> None:
    many = [dataclasses.replace(archive(2), name=f"blog-number-{n}") for n in range(80)]
    answer = render.unknown_archive("x" * 500, many)
    assert len(answer) < 1000
    assert "`blog-number-9` and 70 more" in answer
