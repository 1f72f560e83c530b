"""A comment far longer than Discord's limits is shown in full, split within every limit."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import ARCHIVE, World

from bot import render

# 40 paragraphs of about 700 characters: some 28,000 characters, past an embed's 4,096 and a
# message's 6,000 several times over.
PARAGRAPHS = [
    " ".join(f"Paragraph {p} sentence {s} says something long enough to count." for s in range(12))
    for p in range(40)
]


@pytest.fixture
def settings(settings, tmp_path):
    """The real archive with comment 3.2's reply 3.2.9 made very long."""
    long_body = "\n\n        ".join(PARAGRAPHS)
    text = ARCHIVE.read_text(encoding="utf-8").replace(
        "You’re a real piece of work, els.", f"You’re a real piece of work, els. {long_body}"
    )
    archive = tmp_path / "long.txt"
    archive.write_text(text, encoding="utf-8")
    return dataclasses.replace(settings, archive_path=archive)


async def test_long_comment_is_split_across_messages_within_limits(world: World) -> None:
    result = await world.member.slash(world.channel, "comment", id="3.2.9")

    messages = [result.response, *result.followups]
    assert len(messages) > 1
    for message in messages:
        assert len(message.embeds) <= render.EMBEDS_PER_MESSAGE
        assert sum(len(embed) for embed in message.embeds) <= render.EMBED_TOTAL
        for embed in message.embeds:
            assert len(embed.description) <= render.EMBED_DESCRIPTION
            assert embed.title.startswith("Comment 3.2.9")
    shown = " ".join(e.description for m in messages for e in m.embeds)
    words = re.findall(r"\w+", shown)
    # Every word of every paragraph is there, in order: nothing cut, nothing split mid-word.
    expected = re.findall(r"\w+", " ".join(PARAGRAPHS))
    start = words.index("Paragraph")
    assert words[start : start + len(expected)] == expected
    assert not result.ephemeral
