"""The export readers over real exports in ../shared/archives/, with the counts its README states.

The samples are not the project's, so they are read where they are and the run is skipped when
the folder is absent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.archive.errors import ArchiveFormatError
from bot.archive.exports import ExportFormat, load_export
from bot.render.html import html_to_markdown

ARCHIVES = Path(__file__).resolve().parents[1].parent / "shared" / "archives"

pytestmark = pytest.mark.skipif(
    not (ARCHIVES / "README.md").exists(), reason=f"no sample exports at {ARCHIVES}"
)


def load(name: str):
    conn = sqlite3.connect(":memory:")
    report = load_export(conn, ARCHIVES / name)
    rows = conn.execute(
        "SELECT discussion, id, parent_id, depth, kind, author, date, body, text, permalink"
        " FROM temp.export_comment ORDER BY position"
    ).fetchall()
    return report, rows


def test_theme_unit_test_33_comments_on_7_items():
    report, rows = load("wordpress-theme-unit-test.wxr.xml")

    assert report.format is ExportFormat.WXR and report.version == "1.2"
    # 33 comments on 7 items, 3 not approved: one item's only comment is pending, so 6
    # discussions hold the 30 approved ones.
    assert report.comments + sum(report.left_out.values()) == 33
    assert report.left_out == {"pending": 3}
    assert report.kinds == {"comment": 26, "pingback": 2, "trackback": 2}
    assert report.discussions == 6
    # 10 replies in the file, one of them pending; the chain 9 deep is whole.
    assert sum(1 for row in rows if row[2] is not None) == 9
    assert max(row[3] for row in rows) == 10
    deepest = max(rows, key=lambda row: row[3])
    assert deepest[1] == "6.1.1.1.1.1.1.1.1.1" and deepest[8].startswith("Comment Depth 10")
    # The 7,012-character comment of every kind of markup, read to its end, shown as markdown.
    longest = html_to_markdown(max(rows, key=lambda row: len(row[7]))[7])
    assert longest.startswith("**Headings**\n\n**Header one**")
    assert "\n- List item one\n  - List item one\n" in longest and "\n```\n" in longest
    assert longest.endswith("Einstein's E = MC2, which should lift the 2 up.")
    assert any("Γιάννης" in (row[5] or "") for row in rows)
    pingers = sorted(row[5] for row in rows if row[4] in ("pingback", "trackback"))
    assert all("&" not in name and "«" in name for name in pingers)  # HTML-escaped, decoded
    assert all(row[6] and row[6].endswith("Z") for row in rows)
    assert all("#comment-" in row[9] for row in rows)


def test_wxr_1_0_one_comment():
    report, rows = load("wordpress-wxr-1.0.wxr.xml")
    assert report.version == "1.0" and report.discussions == 1
    assert [(row[1], row[5], row[6]) for row in rows] == [
        ("1", "Mr WordPress", "2010-10-20T14:08:20Z")
    ]


def test_utf8_challenges_has_no_comments():
    report, rows = load("wordpress-utf8-challenges.wxr.xml")
    assert (report.discussions, rows, dict(report.left_out)) == (0, [], {})


def test_isso_wordpress_8_comments_3_replies_depth_2():
    report, rows = load("isso-wordpress.wxr.xml")
    assert report.comments == 8 and report.left_out == {}
    assert report.discussions == 2  # the post and an item without a post type
    assert sum(1 for row in rows if row[2] is not None) == 3
    assert max(row[3] for row in rows) == 3  # a reply to a reply: two levels below the top


def test_isso_disqus_3_threads_6_posts_2_replies_1_deleted():
    report, rows = load("isso.disqus.xml")
    assert report.left_out == {"deleted": 1, "no_discussion": 1}  # one post's thread is gone
    assert report.comments == 4 and report.discussions == 2
    # The two replies: one to a live post, one to the deleted post (under a placeholder).
    replies = [(row[1], row[2]) for row in rows if row[2] is not None]
    assert replies == [("1.1", "1"), ("2.1", "2")]
    assert [row[4] for row in rows if row[1] == "2"] == ["placeholder"]


def test_malformed_is_refused_with_its_line():
    conn = sqlite3.connect(":memory:")
    path = ARCHIVES / "wordpress-malformed.wxr.xml"
    with pytest.raises(ArchiveFormatError) as error:
        load_export(conn, path)
    assert str(error.value).startswith(f"{path}: not well-formed XML at line 90: ")
    assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone() == (0,)


def test_every_sample_numbers_its_comments_as_the_outline_module_reads_them():
    from bot.archive import outline

    for name in ("wordpress-theme-unit-test.wxr.xml", "isso-wordpress.wxr.xml", "isso.disqus.xml"):
        _, rows = load(name)
        keys = [(row[0], outline.numbers(row[1])) for row in rows]
        assert keys == sorted(keys), name
        assert all(row[2] == outline.parent(row[1]) for row in rows), name
