"""A synthetic Disqus export of any size, for the export ingest benchmark.

Shaped like the real exports in ../shared/archives/ and the notes there: every ``<thread>``
first, then every ``<post>``; posts in the order they were written across the whole site, so
that a thread's posts are scattered among its neighbours' and now and then a reply comes before
its parent; one page in twelve held under a second URL (``www.``, ``index.html``) whose thread
some of its posts name; deleted and spam posts, whose replies keep a placeholder parent; a few
posts naming a thread the file lacks; threads nobody commented on; text as HTML in CDATA or
escaped; every post with an e-mail address and IP. Written as a stream (the pages being
commented on at one time are held, a few dozen), so the generator's memory stays flat; one
``random.Random(seed)`` makes a seed and a size always give the same file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from bench.synthetic import DEFAULT_SEED, Vocabulary, build_vocabulary
from bench.synthetic_wxr import Expected, comment_text, plan, sentence

_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<category dsq:id="1"><forum>synthetic</forum><title>General</title><isDefault>true</isDefault>
</category>
"""
_START = dt.datetime(2012, 1, 1, tzinfo=dt.UTC)
# Pages taking comments at one time: a post is written on one of these, picked at random.
_OPEN_PAGES = 40
_MISSING_THREAD = "999999999"


def write_disqus(
    path: Path, comments: int, *, per_discussion: int = 100, seed: int = DEFAULT_SEED
) -> Expected:
    """Write an export of ``comments`` posts, ``per_discussion`` to a page."""
    rng = random.Random(seed)
    vocabulary = build_vocabulary(seed)
    expected = Expected()
    pages = -(-comments // per_discussion)
    # One page in twelve has a second thread; one in thirty extra threads has no posts.
    doubled = {page for page in range(pages) if rng.random() < 1 / 12}
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEAD)
        for page in range(pages + pages // 30):
            out.write(_thread(page, rng, vocabulary))
            if page in doubled:
                out.write(_thread(page, rng, vocabulary, again=True))
        _posts(out, comments, per_discussion, doubled, rng, vocabulary, expected)
        out.write("</disqus>\n")
    return expected


def _thread(page: int, rng: random.Random, vocabulary: Vocabulary, *, again: bool = False) -> str:
    moment = _START + dt.timedelta(hours=page)
    link = (
        f"https://www.synthetic.example/{moment:%Y/%m}/page-{page}/index.html"
        if again
        else f"http://synthetic.example/{moment:%Y/%m}/page-{page}/"
    )
    title = sentence(rng, vocabulary, rng.randint(3, 8)).rstrip(".")
    return (
        f'<thread dsq:id="{_thread_id(page, again)}">\n<id>page-{page}</id>\n'
        f'<forum>synthetic</forum>\n<category dsq:id="1"/>\n<link>{link}</link>\n'
        f"<title>{escape(title)}</title>\n<message/>\n"
        f"<createdAt>{moment:%Y-%m-%dT%H:%M:%SZ}</createdAt>\n"
        f"<author><name>author{page % 7}</name><email>owner@mail.invalid</email>"
        "<isAnonymous>false</isAnonymous></author>\n"
        "<ipAddress>192.0.2.1</ipAddress>\n<isClosed>false</isClosed>\n"
        "<isDeleted>false</isDeleted>\n</thread>\n"
    )


def _thread_id(page: int, again: bool) -> str:
    return str(1_000_000 + 2 * page + again)


def _posts(
    out: TextIO,
    comments: int,
    per_discussion: int,
    doubled: set[int],
    rng: random.Random,
    vocabulary: Vocabulary,
    expected: Expected,
) -> None:
    """Posts in writing order across the open pages; each page's own order from ``plan``."""
    next_id, next_page = 1, 0
    open_pages: list[tuple[int, deque[tuple[int, int]]]] = []
    visible: dict[int, int] = {}
    moment = _START + dt.timedelta(days=30)
    while comments > 0 or open_pages:
        while len(open_pages) < _OPEN_PAGES and comments > 0:
            count = min(per_discussion, comments)
            comments -= count
            ids = list(range(next_id, next_id + count))
            next_id += count
            open_pages.append((next_page, deque(plan(rng, ids))))
            visible[next_page] = 0
            next_page += 1
        at = rng.randrange(len(open_pages))
        page, entries = open_pages[at]
        post_id, parent = entries.popleft()
        moment += dt.timedelta(seconds=rng.randint(1, 120))
        roll = rng.random()
        status = "spam" if roll < 0.02 else "deleted" if roll < 0.05 else ""
        thread = _thread_id(page, page in doubled and rng.random() < 0.3)
        if rng.random() < 0.001:
            thread = _MISSING_THREAD
        out.write(_post(post_id, parent, thread, status, moment, rng, vocabulary))
        if status or thread == _MISSING_THREAD:
            expected.left_out += 1
        else:
            expected.loaded += 1
            visible[page] += 1
        if not entries:
            del open_pages[at]
            expected.discussions += visible.pop(page) > 0
    expected.kinds = {"comment": expected.loaded} if expected.loaded else {}


def _post(
    post_id: int,
    parent: int,
    thread: str,
    status: str,
    moment: dt.datetime,
    rng: random.Random,
    vocabulary: Vocabulary,
) -> str:
    html = "".join(f"<p>{part}</p>" for part in comment_text(rng, vocabulary).split("\n\n"))
    message = f"<![CDATA[{html}]]>" if rng.random() < 0.8 else escape(html)
    name = f"{sentence(rng, vocabulary, 2).rstrip('.')} {post_id % 97}"
    username = f"<username>user{post_id % 5000}</username>" if rng.random() < 0.5 else ""
    reply = f'<parent dsq:id="{parent}"/>\n' if parent else ""
    return (
        f'<post dsq:id="{post_id}">\n<id/>\n<message>{message}</message>\n'
        f"<createdAt>{moment:%Y-%m-%dT%H:%M:%SZ}</createdAt>\n"
        f"<isDeleted>{'true' if status == 'deleted' else 'false'}</isDeleted>\n"
        f"<isSpam>{'true' if status == 'spam' else 'false'}</isSpam>\n"
        f"<author><email>person{post_id}@mail.invalid</email><name>{escape(name)}</name>"
        f"<isAnonymous>{'false' if username else 'true'}</isAnonymous>{username}</author>\n"
        f"<ipAddress>10.{post_id % 256}.{post_id // 256 % 256}.7</ipAddress>\n"
        f'<thread dsq:id="{thread}"/>\n{reply}</post>\n'
    )
