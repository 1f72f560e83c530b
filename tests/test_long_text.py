"""A comment far longer than Discord's limits is shown in full, split within every limit."""

from __future__ import annotations

import dataclasses
import re

import discord
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
    return dataclasses.replace(settings, archive_paths=(archive,))


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


async def test_a_replayed_long_comment_marks_each_continued_part(world: World) -> None:
    role = world.guild.create_role(
        "moderators", permissions=discord.Permissions(manage_threads=True)
    )
    mod = world.guild.add_member(world.env.create_user("mod"), roles=[role])

    await mod.slash(world.channel, "thread", id="3.2.9")

    [thread] = world.channel.threads
    contents = [m.content for m in thread.history()]
    [first] = [c for c in contents if c.startswith("**3.2.9** · ")]
    rest = [c for c in contents if c.startswith("**3.2.9** (")]
    count = len(rest) + 1
    assert count > 2
    assert first.startswith("**3.2.9** · depth 3\nYou’re a real piece of work")
    for number, part in enumerate(rest, start=2):
        assert part.startswith(f"**3.2.9** ({number}/{count})\n")
        assert len(part) <= render.MESSAGE
    shown = " ".join([first, *(part.split("\n", 1)[1] for part in rest)])
    expected = re.findall(r"\w+", " ".join(PARAGRAPHS))
    words = re.findall(r"\w+", shown)
    start = words.index("Paragraph")
    assert words[start : start + len(expected)] == expected
