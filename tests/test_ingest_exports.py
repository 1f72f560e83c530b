"""Exports through the real ingest: the database the bot serves, its queries by discussion, the
report, privacy, atomic failure, and the command line."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import aiosqlite
import pytest

from bot import render
from bot.archive import queries
from bot.archive.errors import ArchiveFormatError
from bot.archive.models import CommentKind
from bot.archive.search import search
from bot.archive.store import ingest, open_archive
from bot.render.html import body_markdown
from tests.conftest import ARCHIVE, context, nearest, run_cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "exports"
WXR_10 = FIXTURES / "wordpress-1.0.wxr.xml"
WXR_12 = FIXTURES / "wordpress-1.2.wxr.xml"
DISQUS = FIXTURES / "disqus.xml"
SAMPLES = REPO.parent / "shared" / "archives"
# What the fixtures hold that must never reach a database file or a log.
PRIVATE = ("PRIVATE@mail.invalid", "198.51.100.", "2001:db8::21", "192.0.2.")


@pytest.fixture
async def wxr10(tmp_path: Path):
    await ingest(WXR_10, tmp_path / "wxr10.db")
    db = await open_archive(tmp_path / "wxr10.db")
    yield db
    await db.close()


@pytest.mark.parametrize(
    ("path", "title", "counts", "left_out"),
    [
        (
            WXR_10,
            "Quirky blog",
            {"comments": 4, "pingbacks": 1, "trackbacks": 1, "placeholders": 2},
            {"no_discussion": 1, "pending": 1, "spam": 1, "trash": 1},
        ),
        (
            WXR_12,
            "Tidy blog",
            {"comments": 3, "pingbacks": 0, "trackbacks": 0, "placeholders": 0},
            {"pending": 1},
        ),
        (
            DISQUS,
            "site",
            {"comments": 3, "pingbacks": 0, "trackbacks": 0, "placeholders": 1},
            {"deleted": 1, "no_discussion": 1, "spam": 1},
        ),
    ],
)
async def test_ingest_reports_kinds_and_left_out_and_a_second_run_changes_nothing(
    tmp_path: Path, path: Path, title: str, counts: dict[str, int], left_out: dict[str, int]
) -> None:
    database = tmp_path / "export.db"
    first = await ingest(path, database)
    written = database.read_bytes()
    again = await ingest(path, database)

    assert first.changed and not again.changed
    assert (first.title, first.counts, first.left_out) == (title, counts, left_out)
    assert (again.title, again.counts, again.left_out) == (title, counts, left_out)
    assert database.read_bytes() == written
    db = await open_archive(database)
    try:
        summary = await queries.archive_summary(db)
        rows = await queries.discussion_comments(db, 1)
    finally:
        await db.close()
    assert summary.format == first.format and summary.counts == counts
    assert len(rows) == sum(counts.values())


async def test_comments_are_found_by_discussion_outline_id_and_export_id(
    wxr10: aiosqlite.Connection,
) -> None:
    bea = await queries.get_comment(wxr10, "2.1", 1)
    assert bea is not None
    assert (bea.author, bea.date, bea.author_url, bea.export_id) == (
        "Bea",
        "2010-01-04T11:00:00Z",
        "https://bea.example/",
        "12",
    )
    assert bea.permalink == "https://quirky.example/hello/#comment-12"
    assert await queries.get_comment(wxr10, "2.1", 2) is None
    assert await queries.get_comment_by_export_id(wxr10, "12") == bea
    # A placeholder carries the missing parent's id, but "#99" names no comment in the file.
    assert await queries.get_comment_by_export_id(wxr10, "99") is None
    assert [c.id for c in await queries.subtree(wxr10, "2", 1)] == ["2", "2.1"]
    assert [c.id for c in (await context(wxr10, "2.1", 1)).above] == ["2"]
    shown = await context(wxr10, "2", 1)
    assert (shown.replies, shown.reply_ids) == (1, ["2.1"])
    last = (await nearest(wxr10, "9", 1)).last_reply
    assert last is not None and last.id == "5"
    kinds = {c.id: c.kind for c in await queries.discussion_comments(wxr10, 1)}
    assert kinds["3"] is CommentKind.PINGBACK and kinds["4"] is CommentKind.TRACKBACK


async def test_export_bodies_are_stored_as_text_and_shown_as_markdown(
    wxr10: aiosqlite.Connection,
) -> None:
    bea = await queries.get_comment(wxr10, "2.1", 1)
    assert bea is not None
    # Searched as plain words, shown with the commenter's own markup and typed stars escaped.
    assert bea.body == "I *agree* with Ann."
    assert body_markdown(bea) == "I \\*agree\\* with [Ann](<https://ann.example/>)."
    post = await queries.get_discussion(wxr10, 1)
    assert post is not None and post.title == "Hello & welcome"
    assert body_markdown(post) == "The *first* post.\n\nSecond paragraph."
    assert [d.title for d in await queries.list_discussions(wxr10, "WELCOME")] == [
        "Hello & welcome"
    ]
    async with wxr10.execute(
        "SELECT id FROM comment_fts JOIN comment ON comment.rowid = comment_fts.rowid"
        " WHERE comment_fts MATCH 'agree'"
    ) as cursor:
        assert [row[0] for row in await cursor.fetchall()] == ["2.1"]


async def test_authors_autocomplete_by_prefix_in_any_case(wxr10: aiosqlite.Connection) -> None:
    assert await queries.complete_authors(wxr10, "b") == [("Bea", 1)]
    assert [a for a, _ in await queries.complete_authors(wxr10, "")][:2] == ["Ann", "Bea"]


async def test_the_page_is_one_discussion_with_its_data_unchanged(tmp_path: Path) -> None:
    report = await ingest(ARCHIVE, tmp_path / "page.db")
    db = await open_archive(tmp_path / "page.db")
    try:
        post = await queries.get_post(db)
        root = await queries.get_discussion(db, 1)
        comment = await queries.get_comment(db, "1")
    finally:
        await db.close()
    assert report.format == "page" and report.left_out == {}
    assert root is not None and (root.title, root.body) == (
        post.title,
        "\n\n".join(post.paragraphs),
    )
    assert comment is not None and comment.discussion == 1 and comment.html is None


@pytest.mark.parametrize("path", [WXR_10, WXR_12, DISQUS])
async def test_no_email_or_ip_reaches_the_database_or_the_log(
    tmp_path: Path, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert any(marker in path.read_text(encoding="utf-8") for marker in PRIVATE)
    caplog.set_level(logging.DEBUG)
    await ingest(path, tmp_path / "export.db")
    stored = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    for marker in PRIVATE:
        assert marker.encode() not in stored
        assert marker not in caplog.text


async def test_an_unrecoverable_export_fails_in_one_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "export.db"
    source = tmp_path / "blog.wxr.xml"
    source.write_bytes(WXR_12.read_bytes())
    await ingest(source, database)
    served = database.read_bytes()
    # Cut off half-way, as an interrupted download leaves it.
    source.write_bytes(WXR_12.read_bytes()[: WXR_12.stat().st_size // 2])

    with pytest.raises(ArchiveFormatError) as error:
        await ingest(source, database)

    assert str(error.value).startswith(f"{source}: ")
    assert "\n" not in str(error.value)
    assert database.read_bytes() == served
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blog.wxr.xml", "export.db"]


def test_cli_ingests_each_file_and_a_bad_one_fails_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel>", encoding="utf-8")
    env = {
        "ARCHIVE_PATH": os.pathsep.join(map(str, (ARCHIVE, WXR_10, DISQUS))),
        "DATABASE_PATH": str(tmp_path / "archive.db"),
    }

    done = run_cli("ingest", str(WXR_10), str(bad), str(DISQUS), timeout=120, **env)
    again = run_cli("ingest", str(WXR_10), timeout=120, **env)
    listed = run_cli("archives", timeout=120, **env)

    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"Loaded {WXR_10} into {tmp_path / 'archive-wordpress-1-0-wxr.db'}: 4 comments,"
        " 1 pingback, 1 trackback, 2 placeholders; left out: 1 no discussion, 1 pending,"
        " 1 spam, 1 trash.",
        f"Loaded {DISQUS} into {tmp_path / 'archive-disqus.db'}: 3 comments, 1 placeholder;"
        " left out: 1 deleted, 1 no discussion, 1 spam.",
    ]
    [line] = done.stderr.splitlines()
    assert line.startswith(f"archive-bot: {bad}: ")
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1:] == [
        f"quirky-blog: Quirky blog (wxr, {WXR_10}): 1 discussion, 4 comments, 1 pingback,"
        " 1 trackback, 2 placeholders",
        f"site: site (disqus, {DISQUS}): 1 discussion, 3 comments, 1 placeholder",
    ]
    assert listed.stdout.splitlines()[0].endswith(
        f"not loaded; run `python -m bot ingest {ARCHIVE}`"
    )


# --- the samples in ../shared/archives, through the real ingest -------------------------------

SAMPLE_COUNTS = {
    "wordpress-theme-unit-test.wxr.xml": (
        6,
        {"comments": 26, "pingbacks": 2, "trackbacks": 2, "placeholders": 0},
        {"pending": 3},
    ),
    "wordpress-wxr-1.0.wxr.xml": (
        1,
        {"comments": 1, "pingbacks": 0, "trackbacks": 0, "placeholders": 0},
        {},
    ),
    "wordpress-utf8-challenges.wxr.xml": (
        0,
        {"comments": 0, "pingbacks": 0, "trackbacks": 0, "placeholders": 0},
        {},
    ),
    "isso-wordpress.wxr.xml": (
        2,
        {"comments": 8, "pingbacks": 0, "trackbacks": 0, "placeholders": 0},
        {},
    ),
    "isso.disqus.xml": (
        2,
        {"comments": 4, "pingbacks": 0, "trackbacks": 0, "placeholders": 1},
        {"deleted": 1, "no_discussion": 1},
    ),
}


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no sample exports at {SAMPLES}")
@pytest.mark.parametrize("name", sorted(SAMPLE_COUNTS))
async def test_sample_exports_load_through_ingest(tmp_path: Path, name: str) -> None:
    discussions, counts, left_out = SAMPLE_COUNTS[name]
    report = await ingest(SAMPLES / name, tmp_path / "sample.db")
    db = await open_archive(tmp_path / "sample.db")
    try:
        summary = await queries.archive_summary(db)
    finally:
        await db.close()
    assert (summary.discussions, report.counts, report.left_out) == (
        discussions,
        counts,
        left_out,
    )


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no sample exports at {SAMPLES}")
async def test_the_malformed_sample_is_refused_by_ingest_in_one_line(tmp_path: Path) -> None:
    path = SAMPLES / "wordpress-malformed.wxr.xml"
    with pytest.raises(ArchiveFormatError, match=r"not well-formed XML at line 90"):
        await ingest(path, tmp_path / "sample.db")
    assert list(tmp_path.iterdir()) == []


def _two_posts() -> str:
    def item(post_id: int, title: str, words: str) -> str:
        return f"""<item><title>{title}</title><link>https://two.example/{post_id}/</link>
<wp:post_id>{post_id}</wp:post_id><wp:post_type>post</wp:post_type>
<wp:comment><wp:comment_id>{post_id}0</wp:comment_id><wp:comment_author>A{post_id}</wp:comment_author>
<wp:comment_date_gmt>2020-01-0{post_id} 10:00:00</wp:comment_date_gmt>
<wp:comment_content>{words}</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
<wp:comment_parent>0</wp:comment_parent></wp:comment></item>"""

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
        ' xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Two posts</title>'
        + item(1, "First post", "apples and pears")
        + item(2, "Second post", "pears only")
        + "</channel></rss>"
    )


async def test_each_discussion_numbers_its_own_comments_and_search_says_which(
    tmp_path: Path,
) -> None:
    source = tmp_path / "two.xml"
    source.write_text(_two_posts(), encoding="utf-8")
    await ingest(source, tmp_path / "two.db")
    db = await open_archive(tmp_path / "two.db")
    try:
        first = await queries.get_comment(db, "1", 1)
        second = await queries.get_comment(db, "1", 2)
        titles = [d.title for d in await queries.list_discussions(db)]
        hits = (await search(db, "pears")).hits
        only_second = await queries.complete_comment_ids(db, "", discussion=2)
    finally:
        await db.close()
    assert first is not None and second is not None
    assert (first.body, first.author, second.body, second.author) == (
        "apples and pears",
        "A1",
        "pears only",
        "A2",
    )
    assert titles == ["First post", "Second post"]
    assert sorted((h.discussion, h.comment_id, h.author) for h in hits) == [
        (1, "1", "A1"),
        (2, "1", "A2"),
    ]
    assert [(c.discussion, c.id) for c in only_second] == [(2, "1")]


async def test_an_export_comment_is_shown_converted_in_embeds_and_replays(
    wxr10: aiosqlite.Connection,
) -> None:
    bea = await queries.get_comment(wxr10, "2.1", 1)
    assert bea is not None
    shown = "I \\*agree\\* with [Ann](<https://ann.example/>)."
    assert render.comment_embeds(bea, [], 0)[0].description == shown
    assert shown in "\n".join(render.comment_message_parts(bea))
