"""Loading WordPress and Disqus exports: the tree, authors, dates, kinds and what is left out."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bot.archive.errors import ArchiveError, ArchiveFormatError
from bot.archive.exports import (
    ExportFormat,
    ExportReport,
    detect,
    drop_export_tables,
    load_export,
    read_export,
    staging,
)
from bot.render.html import escape, html_to_markdown
from tests.conftest import loaded_export

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
WXR_10 = FIXTURES / "wordpress-1.0.wxr.xml"
WXR_12 = FIXTURES / "wordpress-1.2.wxr.xml"
DISQUS = FIXTURES / "disqus.xml"
# What the fixtures hold that must never reach a record, a row or a database file.
PRIVATE = ("PRIVATE@mail.invalid", "198.51.100.", "2001:db8::21", "192.0.2.")


def load(path: Path, conn: sqlite3.Connection | None = None):
    conn = conn or sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    report = load_export(conn, path)
    discussions = [shown(r) for r in conn.execute("SELECT * FROM temp.export_discussion")]
    comments = [
        shown(r) for r in conn.execute("SELECT * FROM temp.export_comment ORDER BY position")
    ]
    return report, discussions, comments


def shown(row: sqlite3.Row) -> dict[str, object]:
    """The row, with the markdown a renderer shows for its body (HTML or plain text)."""
    record = dict(row)
    body, text = record["body"], record["text"]
    record["shown"] = html_to_markdown(body) if body else escape(text)
    return record


def tree(comments):
    return [
        (c["discussion"], c["id"], c["parent_id"], c["kind"], c["author"], c["export_id"])
        for c in comments
    ]


def test_wordpress_1_0_quirks_load_as_a_tree_with_placeholders():
    report, discussions, comments = load(WXR_10)

    assert report.format is ExportFormat.WXR and report.version == "1.0"
    # The attachment and the menu item are not discussions; the quiet page has no comments.
    assert [(d["title"], d["link"], d["date"], d["author"]) for d in discussions] == [
        ("Hello & welcome", "https://quirky.example/hello/", "2010-01-04T09:00:00Z", "editor")
    ]
    assert discussions[0]["shown"] == "The *first* post.\n\nSecond paragraph."
    # Top level by date: the lost parent of Cy's reply, Ann, the pingback, the trackback, the
    # spam comment Dee answered; a reply written before its parent still lands under it.
    assert tree(comments) == [
        (1, "1", None, "placeholder", None, "99"),
        (1, "1.1", "1", "comment", "Cy", "13"),
        (1, "2", None, "comment", "Ann", "11"),
        (1, "2.1", "2", "comment", "Bea", "12"),
        (1, "3", None, "pingback", "Other blog » A post about yours", "14"),
        (1, "4", None, "trackback", "Track", "15"),
        (1, "5", None, "placeholder", None, "17"),
        (1, "5.1", "5", "comment", "Dee", "19"),
    ]
    assert [c["position"] for c in comments] == list(range(1, 9))
    assert [c["depth"] for c in comments] == [1, 2, 1, 2, 1, 1, 1, 2]
    by_id = {c["id"]: c for c in comments}
    assert by_id["2.1"]["date"] == "2010-01-04T11:00:00Z"  # the GMT date, not the local one
    assert by_id["2.1"]["author_url"] == "https://bea.example/"
    assert by_id["2"]["author_url"] is None  # javascript: is not a web link
    assert by_id["3"]["author_url"] == "https://other.example/post/"
    assert by_id["2.1"]["permalink"] == "https://quirky.example/hello/#comment-12"
    assert by_id["1"]["permalink"] is None and by_id["1"]["body"] == ""
    # Scripts and styles leave nothing; entities are decoded; lines and paragraphs kept.
    assert by_id["2"]["shown"] == "First!\n\nLine one\nline two & more"
    assert by_id["2.1"]["shown"] == "I \\*agree\\* with [Ann](<https://ann.example/>)."
    assert by_id["2.1"]["text"] == "I *agree* with Ann."
    assert report.left_out == {"pending": 1, "spam": 1, "trash": 1, "no_discussion": 1}
    assert report.kinds == {"comment": 4, "pingback": 1, "trackback": 1, "placeholder": 2}
    assert report.comments == 6 and report.discussions == 1


def test_wordpress_1_2_orders_siblings_by_date_and_converts_html():
    report, discussions, comments = load(WXR_12)

    assert report.version == "1.2"
    # The post whose only comment is pending is not a discussion.
    assert [d["title"] for d in discussions] == ["About"]
    assert discussions[0]["shown"] == "About **us**."
    assert discussions[0]["date"] == "2020-05-02T09:30:00Z"
    assert tree(comments) == [
        (1, "1", None, "comment", "Second", "22"),
        (1, "2", None, "comment", "Γιάννης", "21"),
        (1, "2.1", "2", "comment", "Third", "23"),
    ]
    giannis = comments[1]
    assert giannis["shown"] == "> About us.\n\nNice, see `x_y`:\n\n- one\n- two"
    assert giannis["text"] == "About us.\n\nNice, see x_y:\n\none\ntwo"
    assert giannis["author_url"] is None
    assert report.left_out == {"pending": 1}


def test_disqus_merges_one_page_under_two_threads_and_threads_out_of_order():
    report, discussions, comments = load(DISQUS)

    assert report.format is ExportFormat.DISQUS
    assert [(d["title"], d["link"], d["author"]) for d in discussions] == [
        ("A post on two URLs", "http://site.example/2019/post/", "Site owner")
    ]
    assert report.merged_threads == 1
    assert tree(comments) == [
        (1, "1", None, "comment", "Pat", "1"),
        # Filed under the page's other thread and before its parent, still Pat's reply.
        (1, "1.1", "1", "comment", "Ros", "3"),
        (1, "2", None, "placeholder", None, "2"),  # the deleted post Lee answered
        (1, "2.1", "2", "comment", "Lee", "4"),
    ]
    pat = comments[0]
    assert pat["shown"] == (
        "First **bold** & [a link](<https://link.example/>)\n\nSecond\\_para \\*stars\\*"
    )
    assert pat["date"] == "2019-03-01T11:00:00Z"
    assert comments[1]["permalink"] == "http://site.example/2019/post/#comment-3"
    assert report.left_out == {"deleted": 1, "spam": 1, "no_discussion": 1}


@pytest.mark.parametrize("path", [WXR_10, WXR_12, DISQUS])
def test_no_email_or_ip_reaches_records_or_the_database_file(path, tmp_path):
    assert any(marker in path.read_text() for marker in PRIVATE)  # the fixture has them
    records = repr(list(read_export(path)))
    database = tmp_path / "archive.db"
    conn = sqlite3.connect(database)
    load_export(conn, path)
    # What a store does with the result: copy it into its own tables.
    conn.execute("CREATE TABLE discussion AS SELECT * FROM temp.export_discussion")
    conn.execute("CREATE TABLE comment AS SELECT * FROM temp.export_comment ORDER BY position")
    conn.commit()
    conn.close()
    stored = database.read_bytes()
    assert b"Ann" in stored or b"Pat" in stored or b"Second" in stored
    for marker in PRIVATE:
        assert marker not in records
        assert marker.encode() not in stored


def test_an_undeclared_prefix_is_read_but_a_broken_document_is_refused(tmp_path):
    text = WXR_10.read_text()
    assert "<atom:link" in text and "xmlns:atom" not in text
    mismatched = tmp_path / "mismatched.xml"
    mismatched.write_text(text.replace("<title>Quiet page</title>", "<title>Quiet page</titel>"))

    with pytest.raises(ArchiveFormatError) as error:
        load(mismatched)

    line = text.splitlines().index("        <title>Quiet page</title>") + 1
    message = str(error.value)
    assert message.startswith(f"{mismatched}: not well-formed XML at line {line}: ")
    assert "tag mismatch" in message


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_a_truncated_export_is_refused_and_leaves_no_tables(tmp_path, cut):
    data = DISQUS.read_bytes()
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes(data[: int(len(data) * cut)])
    conn = sqlite3.connect(":memory:")

    with pytest.raises(ArchiveFormatError, match="truncated.xml: not well-formed XML at line"):
        load_export(conn, truncated)

    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []


def test_a_second_load_replaces_the_first(tmp_path):
    conn = sqlite3.connect(":memory:")
    load_export(conn, WXR_12)
    report, _, comments = load(DISQUS, conn)
    assert [c["author"] for c in comments] == ["Pat", "Ros", None, "Lee"]
    drop_export_tables(conn)
    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
    assert isinstance(report, ExportReport)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
        (b"<html><body>Hi</body></html>", "root <html>, not a WordPress (WXR) or Disqus export"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "without WordPress export"),
        (b"<<<>>>", "first element cannot be read"),
    ],
)
def test_what_is_not_an_export_gets_one_clear_error(tmp_path, content, problem):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(ArchiveFormatError) as error:
        load_export(sqlite3.connect(":memory:"), path)
    assert str(error.value).startswith(f"{path}: ") and problem in str(error.value)


def test_formats_are_told_by_content_not_name(tmp_path):
    renamed = tmp_path / "comments.txt"
    renamed.write_bytes(DISQUS.read_bytes())
    page = Path(__file__).parents[1] / "data" / "we-are-expelled.txt"
    assert detect(renamed).format is ExportFormat.DISQUS
    assert detect(WXR_10).format is ExportFormat.WXR
    assert detect(page).format is ExportFormat.PAGE
    with pytest.raises(ArchiveFormatError, match="the page text, not a WordPress"):
        load_export(sqlite3.connect(":memory:"), page)
    with pytest.raises(ArchiveError, match="file not found"):
        detect(tmp_path / "missing.xml")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&lol9;</title>
<wp:post_type>post</wp:post_type><wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_content>&lol9;</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
</wp:comment></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><link>http://a.example/</link><title>T</title></thread>
<post dsq:id="2"><message>&secret;</message><thread dsq:id="1"/></post></disqus>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE disqus SYSTEM "http://127.0.0.1:9/evil.dtd">
<disqus xmlns="http://disqus.com"><thread/></disqus>"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_is_refused_without_expanding_or_fetching(tmp_path, content):
    path = tmp_path / "hostile.xml"
    path.write_bytes(content)
    conn = sqlite3.connect(":memory:")
    with pytest.raises(ArchiveFormatError, match="DOCTYPE"):
        load_export(conn, path)
    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_the_readers_expand_no_entity_even_past_detection(tmp_path, content):
    """Defence in depth: the XML parser itself never expands an entity or reads a file."""
    from bot.archive.exports.disqus import read_disqus
    from bot.archive.exports.wxr import read_wxr

    path = tmp_path / "hostile.xml"
    path.write_bytes(content)
    if b"<rss" in content:
        records = list(read_wxr(path, "http://wordpress.org/export/1.2/"))
    else:
        records = list(read_disqus(path))
    text = repr(records)
    assert "lollol" not in text and "root:" not in text
    assert len(text) < 2_000


@pytest.mark.parametrize("path", [WXR_10, WXR_12, DISQUS])
def test_outline_ids_agree_with_the_outline_module(path):
    from bot.archive import outline

    _, _, comments = load(path)
    for c in comments:
        assert outline.parse(c["id"]) == c["id"]
        assert c["parent_id"] == outline.parent(c["id"])
        assert c["depth"] == outline.depth(c["id"])
    # Page order is outline order: a parent before its children, siblings by number.
    keys = [(c["discussion"], outline.numbers(c["id"])) for c in comments]
    assert keys == sorted(keys)
    # Every reply's siblings are numbered 1..n without gaps.
    for c in comments:
        head = outline.numbers(c["id"])
        if head[-1] > 1:
            sibling = outline.join([*head[:-1], head[-1] - 1])
            assert any(o["id"] == sibling and o["discussion"] == c["discussion"] for o in comments)


def quirky_wxr(path: Path, seed: int) -> Path:
    """A hand-made export with every threading quirk: replies before their parents, missing,
    self and looping parents, duplicate ids, unknown dates, comments left out, items that are
    not discussions and discussions nobody commented on."""
    rng = random.Random(seed)
    parts = [
        '<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<title>Quirks</title>"
    ]
    made: list[str] = []
    for item in range(12):
        link = "" if item % 5 == 0 else f"https://q.example/{item}/"
        kind = "attachment" if item == 1 else rng.choice(["post", "page", "attachment", ""])
        parts.append(
            f"<item><title>Post {item}</title><link>{link}</link><wp:post_id>{item}</wp:post_id>"
            f"<wp:post_type>{kind}</wp:post_type>"
        )
        ids: list[str] = []
        for _ in range(4 if item == 1 else rng.choice([0, 1, 4, 12, 30])):
            made.append(str(len(made) + 1))
            own = rng.choice([made[-1], made[-1], rng.choice(made)])  # now and then a duplicate
            ids.append(own)
            parent = rng.choice(["0", own, rng.choice(made) + "7", rng.choice(ids), *ids[-3:]])
            day = rng.choice(["", "0000-00-00 00:00:00", "2020-01-01 10:00:00", "2020-01-02"])
            parts.append(
                f"<wp:comment><wp:comment_id>{own}</wp:comment_id>"
                f"<wp:comment_author>A{len(made)}</wp:comment_author>"
                f"<wp:comment_date_gmt>{day}</wp:comment_date_gmt>"
                f"<wp:comment_content>Said {len(made)}</wp:comment_content>"
                f"<wp:comment_approved>{rng.choice(['1', '1', '1', '0', 'spam'])}"
                f"</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent>"
                "</wp:comment>"
            )
        parts.append("</item>")
    parts.append("</channel></rss>")
    path.write_text("".join(parts))
    return path


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limit", [0, 3])
def test_items_over_the_limit_are_threaded_in_sql_with_the_same_rows(
    tmp_path, monkeypatch, seed, limit
):
    """WordPress items are threaded in memory up to GROUP_LIMIT comments and in SQL above it
    (0: every item in SQL; 3: both kinds in one export): the rows are the same."""
    paths = [WXR_10, WXR_12, quirky_wxr(tmp_path / "quirky.xml", seed)]
    in_memory = [loaded_export(path) for path in paths]
    monkeypatch.setattr(staging, "GROUP_LIMIT", limit)

    assert [loaded_export(path) for path in paths] == in_memory
    report, _, comments = in_memory[2]
    assert report.kinds["placeholder"] and report.left_out["no_discussion"]  # quirks met
    assert [row[0] for row in comments] == list(range(1, len(comments) + 1))


def test_a_loop_in_the_parent_ids_puts_its_comments_at_the_top_level_after_the_others(tmp_path):
    comments = [
        # (id, parent, date): 1 and 2 answer each other, 3 answers 2; 4 is a plain comment.
        ("1", "2", "2020-01-01 10:00:03"),
        ("2", "1", "2020-01-01 10:00:01"),
        ("3", "2", "2020-01-01 10:00:02"),
        ("4", "0", "2020-01-01 10:00:09"),
        ("5", "4", "2020-01-01 10:00:00"),
    ]
    path = tmp_path / "loop.xml"
    path.write_text(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>T</title>'
        "<wp:post_type>post</wp:post_type>"
        + "".join(
            f"<wp:comment><wp:comment_id>{own}</wp:comment_id><wp:comment_parent>{parent}"
            f"</wp:comment_parent><wp:comment_date_gmt>{day}</wp:comment_date_gmt>"
            "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
            for own, parent, day in comments
        )
        + "</item></channel></rss>"
    )
    for limit in (staging.GROUP_LIMIT, 0):
        staging.GROUP_LIMIT, default = limit, staging.GROUP_LIMIT
        try:
            _, _, rows = load(path)
        finally:
            staging.GROUP_LIMIT = default
        assert [(c["id"], c["parent_id"], c["export_id"]) for c in rows] == [
            ("1", None, "4"),
            ("1.1", "1", "5"),
            ("2", None, "2"),
            ("3", None, "3"),
            ("4", None, "1"),
        ]
