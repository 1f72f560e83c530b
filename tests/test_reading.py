"""A newcomer reading the archive: long queries, ids that lead on, hints that point elsewhere,
and searches that stay answerable under a burst."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
import simcord
from conftest import World
from discord import app_commands

from bot import create_bot, render
from bot.archive import search as archive_search
from bot.errors import UserFacingError
from bot.render.text import QUOTED_INPUT
from cogs.search import BUSY, MAX_IN_FLIGHT

# Words that are in no comment: excluding them changes nothing, so this long query matches
# exactly what "the" matches, over many pages.
LONG_QUERY = "the " + " ".join(f"-qx{n:02d}zz" for n in range(24))


def _handled(world: World) -> list[type[BaseException]]:
    # SimCord records errors even when our handler answered them; reading them acknowledges.
    return [type(getattr(e, "original", e)) for e in world.env.errors]


def _footer(result: simcord.InteractionResult) -> str:
    return str(result.response.embeds[0].footer.text)


async def test_a_long_query_pages_after_a_restart(world: World, settings) -> None:
    assert 190 <= len(LONG_QUERY) <= render.MAX_QUERY
    result = await world.member.slash(world.channel, "search", query=LONG_QUERY)
    assert result.ephemeral and _footer(result).startswith("Results 1–5 of ")
    old_bot = world.bot
    await world.env.restart_bot(create_bot(dataclasses.replace(settings)))
    await old_bot.close()

    await world.member.click(result.response, label="Next")

    assert _footer(result).startswith("Results 6–10 of ")
    posted = await world.member.click(result.response, label="Post to channel")
    assert posted.response.message.embeds[0].footer.text.startswith("Results 6–10 of ")
    await world.member.click(posted.response.message, label="Previous")
    assert world.channel.last_message.embeds[0].footer.text.startswith("Results 1–5 of ")
    await world.bot.close()


async def test_a_query_with_newlines_searches_and_pages(world: World) -> None:
    started = await world.member.slash(world.channel, "search", query="\nthe")
    assert started.ephemeral and _footer(started).startswith("Results 1–5 of ")

    inside = await world.member.slash(world.channel, "search", query="the\nleft")
    await world.member.click(inside.response, label="Next")
    assert _footer(inside).startswith("Results 6–10 of ")
    posted = await world.member.click(inside.response, label="Post to channel")
    assert not posted.ephemeral
    assert posted.response.message.embeds[0].title == "Search: the left"


async def test_comment_names_its_replies(world: World) -> None:
    leaves = await world.member.slash(world.channel, "comment", id="3.2")
    branches = await world.member.slash(world.channel, "comment", id="3")

    [replies] = [f for f in leaves.response.embeds[0].fields if f.name == "Replies"]
    assert replies.value == "3.2.1 … 3.2.9\nOpen one with `/comment id:3.2.1`."
    [replies] = [f for f in branches.response.embeds[0].fields if f.name == "Replies"]
    assert replies.value.startswith("3.1, 3.2, 3.3, and 13 replies to those\n")
    assert branches.response.embeds[0].footer.text == "16 replies"


async def test_a_comment_without_replies_lists_none(world: World) -> None:
    result = await world.member.slash(world.channel, "comment", id="3.2.9")

    embed = result.response.embeds[0]
    assert [f.name for f in embed.fields] == ["In reply to"]
    assert embed.footer.text == "No replies"


async def test_about_explains_comment_ids(world: World) -> None:
    result = await world.member.slash(world.channel, "about")

    description = result.response.embeds[0].description
    assert "**Comment ids**" in description
    assert "`3.2` is the second reply to `3`" in description


async def test_searching_a_members_name_points_to_members(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="hector")

    assert result.ephemeral
    content = result.response.content
    assert content.startswith("No comment matches “hector”.")
    assert "Héctor A. is a member the resolution names: `/members`" in content
    assert _handled(world) == [UserFacingError]


async def test_an_echoed_query_is_short_whatever_was_typed(world: World) -> None:
    typed = "zq" + "*_" * 99  # 200 characters, every other one escaped when quoted back
    result = await world.member.slash(world.channel, "search", query=typed)

    content = result.response.content
    assert content.startswith("No comment matches “zq\\*\\_")
    quoted = content[content.index("“") : content.index("”") + 1]
    assert quoted.endswith("…”") and len(quoted) < 2 * QUOTED_INPUT
    assert len(content) <= render.MESSAGE
    assert _handled(world) == [UserFacingError]


# Waits of a second or more are left to advance_time() rather than sat out.
@pytest.mark.simcord(settle_timeout=0.5)
async def test_a_burst_of_searches_turns_the_excess_away_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_search = archive_search.search

    async def slow_search(*args: Any, **kwargs: Any) -> archive_search.SearchPage:
        # A search of unknown words at scale: a whole second of work before the answer.
        await asyncio.sleep(1.0)
        return await real_search(*args, **kwargs)

    monkeypatch.setattr(archive_search, "search", slow_search)
    members = [world.guild.add_member(world.env.create_user(f"reader{n}")) for n in range(12)]

    results = [await m.slash(world.channel, "search", query="snicth") for m in members]
    turned_away = [r for r in results if r.acknowledged]
    await world.env.advance_time(1.0)

    assert all(r.acknowledged and r.ephemeral for r in results)
    contents = [r.response.content for r in results]
    assert contents.count(BUSY) == len(turned_away) == len(results) - MAX_IN_FLIGHT
    assert all(c.startswith("No comment matches") for c in contents[:MAX_IN_FLIGHT])
    # The extension is loaded as its own module, so its classes are compared by name.
    handled = [error.__name__ for error in _handled(world)]
    assert handled.count("Busy") == len(turned_away)
    assert handled.count("UserFacingError") == MAX_IN_FLIGHT


async def test_one_person_searching_too_fast_is_told_to_slow_down(world: World) -> None:
    results = [await world.member.slash(world.channel, "search", query="the") for _ in range(5)]

    assert all(r.response.embeds for r in results[:4])
    assert results[4].ephemeral
    assert results[4].response.content.startswith("Slow down: you can use this command again")
    assert _handled(world) == [app_commands.CommandOnCooldown]


async def test_a_search_too_broad_to_finish_asks_for_more_words(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_search = archive_search.search

    async def time_bound_search(*args: Any, **kwargs: Any) -> archive_search.SearchPage:
        # What the search layer returns when a query hits its time bound (contract C1).
        page = await real_search(*args, **kwargs)
        return dataclasses.replace(page, hits=[], too_broad=True)

    monkeypatch.setattr(archive_search, "search", time_bound_search)

    result = await world.member.slash(world.channel, "search", query="the")

    assert result.ephemeral
    assert result.response.content == render.TOO_BROAD
    assert _handled(world) == [UserFacingError]
