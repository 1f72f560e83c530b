"""A synthetic WordPress export (WXR 1.2) of any size, for the export ingest benchmark.

Shaped like the real exports in ../shared/archives/ and the notes there: about a third of the
"comments" are pingbacks and trackbacks, some are spam or pending, replies mostly one level deep,
a few replies written before their parent, one in seven bodies with HTML (links, emphasis,
quotes, paragraphs), every comment with an e-mail address and IP, and an undeclared ``atom:``
prefix as WordPress.com writes. Written as a stream, so the generator's memory stays flat; one
``random.Random(seed)`` makes a seed and a size always give the same file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from bench.synthetic import DEFAULT_SEED, Vocabulary, build_vocabulary

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
     xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Synthetic blog</title>
<atom:link rel="search" href="https://synthetic.example/osd.xml" />
<wp:wxr_version>1.2</wp:wxr_version>
"""
_START = dt.datetime(2009, 1, 1, tzinfo=dt.UTC)


@dataclass
class Expected:
    """What the file holds, for checking a load against."""

    loaded: int = 0
    left_out: int = 0
    discussions: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def write_wxr(
    path: Path, comments: int, *, per_discussion: int = 100, seed: int = DEFAULT_SEED
) -> Expected:
    """Write an export of ``comments`` comments, ``per_discussion`` to a post."""
    rng = random.Random(seed)
    vocabulary = build_vocabulary(seed)
    expected = Expected()
    ids = iter(range(1, comments + 1))
    moment = _START
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEAD)
        post = 0
        while comments > 0:
            post += 1
            count = min(per_discussion, comments)
            comments -= count
            moment += dt.timedelta(minutes=rng.randint(60, 6000))
            out.write(_item_head(post, moment, rng, vocabulary))
            visible = 0
            for entry in plan(rng, [next(ids) for _ in range(count)]):
                moment += dt.timedelta(seconds=rng.randint(10, 900))
                text, kind, approved = _comment(out, entry, moment, rng, vocabulary)
                if approved == "1":
                    visible += 1
                    expected.loaded += 1
                    expected.kinds[kind] = expected.kinds.get(kind, 0) + 1
                else:
                    expected.left_out += 1
            expected.discussions += visible > 0
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return expected


def plan(rng: random.Random, ids: list[int]) -> Iterator[tuple[int, int]]:
    """(comment id, parent id or 0) in file order: replies to earlier comments, and now and
    then a reply written just before its parent."""
    entries: list[tuple[int, int]] = []
    for index, comment_id in enumerate(ids):
        parent = 0
        if index and rng.random() < 0.35:
            parent = entries[rng.randrange(max(0, index - 20), index)][0]
        entries.append((comment_id, parent))
    for index in range(1, len(entries)):
        if entries[index][1] == entries[index - 1][0] and rng.random() < 0.05:
            entries[index - 1], entries[index] = entries[index], entries[index - 1]
    return iter(entries)


def _item_head(post: int, moment: dt.datetime, rng: random.Random, vocabulary: Vocabulary) -> str:
    title = sentence(rng, vocabulary, rng.randint(3, 8)).rstrip(".")
    body = " ".join(sentence(rng, vocabulary, rng.randint(8, 20)) for _ in range(4))
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"<item>\n<title>{escape(title)}</title>\n"
        f"<link>https://synthetic.example/{moment:%Y/%m}/post-{post}/</link>\n"
        f"<dc:creator><![CDATA[author{post % 7}]]></dc:creator>\n"
        f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded>\n"
        f"<wp:post_id>{post}</wp:post_id>\n<wp:post_date_gmt>{stamp}</wp:post_date_gmt>\n"
        "<wp:status>publish</wp:status>\n<wp:post_type>\n    post\n</wp:post_type>\n"
    )


def _comment(
    out: object,
    entry: tuple[int, int],
    moment: dt.datetime,
    rng: random.Random,
    vocabulary: Vocabulary,
) -> tuple[str, str, str]:
    comment_id, parent = entry
    roll = rng.random()
    kind = "pingback" if roll < 0.18 else "trackback" if roll < 0.3 else "comment"
    roll = rng.random()
    approved = "spam" if roll < 0.03 else "0" if roll < 0.05 else "1"
    if kind == "comment":
        author = f"{sentence(rng, vocabulary, 2).rstrip('.')} {comment_id % 97}"
        url = f"https://people.example/{comment_id % 5000}" if rng.random() < 0.4 else ""
        text = comment_text(rng, vocabulary)
        type_element = "" if rng.random() < 0.3 else "<wp:comment_type>comment</wp:comment_type>"
    else:
        author = f"Linking site {comment_id % 301} &raquo; {sentence(rng, vocabulary, 4)}"
        url = f"https://linker{comment_id % 301}.example/{comment_id}/"
        text = f"[&#8230;] {sentence(rng, vocabulary, rng.randint(8, 20))} [&#8230;]"
        type_element = f"<wp:comment_type>{kind}</wp:comment_type>"
        parent = 0
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    out.write(  # type: ignore[attr-defined]
        f"<wp:comment>\n<wp:comment_id>{comment_id}</wp:comment_id>\n"
        f"<wp:comment_author><![CDATA[{author}]]></wp:comment_author>\n"
        f"<wp:comment_author_email>person{comment_id}@mail.invalid</wp:comment_author_email>\n"
        f"<wp:comment_author_url>{url}</wp:comment_author_url>\n"
        f"<wp:comment_author_IP>10.{comment_id % 256}.{comment_id // 256 % 256}.7"
        "</wp:comment_author_IP>\n"
        f"<wp:comment_date>{stamp}</wp:comment_date>\n"
        f"<wp:comment_date_gmt>{stamp}</wp:comment_date_gmt>\n"
        f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>\n"
        f"<wp:comment_approved>{approved}</wp:comment_approved>\n{type_element}\n"
        f"<wp:comment_parent>{parent}</wp:comment_parent>\n</wp:comment>\n"
    )
    return text, kind, approved


def sentence(rng: random.Random, vocabulary: Vocabulary, words: int) -> str:
    chosen = rng.choices(vocabulary.words, cum_weights=vocabulary.cumulative_weights, k=words)
    return " ".join(chosen).capitalize() + "."


def comment_text(rng: random.Random, vocabulary: Vocabulary) -> str:
    paragraphs = [
        " ".join(sentence(rng, vocabulary, rng.randint(6, 18)) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))
    ]
    if rng.random() < 1 / 7:
        words = paragraphs[0].split(" ")
        at = rng.randrange(len(words))
        markup = rng.choice(
            (
                f'<a href="https://cited.example/{at}">{words[at]}</a>',
                f"<em>{words[at]}</em>",
                f"<strong>{words[at]}</strong>",
            )
        )
        words[at] = markup
        paragraphs[0] = " ".join(words)
        if rng.random() < 0.3:
            paragraphs.insert(0, f"<blockquote>{sentence(rng, vocabulary, 8)}</blockquote>")
    return "\n\n".join(paragraphs)
