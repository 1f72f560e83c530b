"""Loading WordPress and Disqus exports: the tree, authors, dates, kinds and what is left out."""

from __future__ import annotations

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
)
from bot.render.html import escape, html_to_markdown

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
