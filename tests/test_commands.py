"""The reading commands, driven through SimCord as a member of a server would use them."""

from __future__ import annotations

import dataclasses

import discord
import pytest
from conftest import Trip, World

from bot import render
from bot.errors import UserFacingError


def _text(embeds: list[discord.Embed]) -> str:
    """Everything an embed list shows, as one string."""
    parts: list[str] = []
    for embed in embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)


def _handled(world: World) -> list[type[BaseException]]:
    # SimCord records errors even when our handler answered them; reading them acknowledges.
    return [type(getattr(e, "original", e)) for e in world.env.errors]


async def test_resolution_quotes_the_text_vote_and_date_publicly(world: World) -> None:
    result = await world.member.slash(world.channel, "resolution")

    assert not result.ephemeral
    shown = _text(result.response.embeds)
    assert "Whereas the Renewal Faction has refused to renounce" in shown
    assert "no longer considered members of the ISO" in shown
    assert "Many for, 6 no, 1 abstention" in shown
    assert "17 February 2014" in shown
    assert all(len(embed) <= render.EMBED_TOTAL for embed in result.response.embeds)


async def test_members_lists_every_named_member_grouped_by_city(world: World) -> None:
    result = await world.member.slash(world.channel, "members")

    fields = {f.name: f.value for e in result.response.embeds for f in e.fields}
    assert fields["Boston (6)"].split(", ")[0] == "Ann C."
    assert "Héctor A." in fields["New York City (5)"]
    assert (
        "Elizabeth W.\\-F." in fields["Madison (2)"] or "Elizabeth W.-F." in fields["Madison (2)"]
    )
    assert "Rigo G." in fields["Chicago (3)"]
    assert sum(int(name.rsplit("(", 1)[1][:-1]) for name in fields) == 26


async def test_members_of_one_city_in_any_letter_case(world: World) -> None:
    result = await world.member.slash(world.channel, "members", city="boston")

    fields = {f.name: f.value for e in result.response.embeds for f in e.fields}
    assert list(fields) == ["Boston (6)"]
    assert (
        fields["Boston (6)"].split(", ")
        == [
            "Ann C.",
            "Amanda A.",
            "Alpana M.",
            "Khury P.\\-S.",
            "Madeline B.",
            "Akunna E.",
        ]
        or "Khury P.-S." in fields["Boston (6)"]
    )


async def test_city_autocomplete_offers_matching_cities_with_counts(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "members", "city", "new")

    assert choices == [{"name": "New York City (5)", "value": "New York City"}]


async def test_unknown_city_is_told_the_known_cities(world: World) -> None:
    result = await world.member.slash(world.channel, "members", city="Paris")

    assert result.ephemeral
    assert "No member is listed in “Paris”" in result.response.content
    assert "Boston" in result.response.content and "Poughkeepsie" in result.response.content
    assert _handled(world) == [UserFacingError]


async def test_comment_shows_body_context_and_reply_count_publicly(world: World) -> None:
    result = await world.member.slash(world.channel, "comment", id="3.2")

    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Comment 3.2"
    assert embed.description.startswith("Violation of democratic centralism?")
    context = _text(result.response.embeds)
    assert "↳ 3 — To all those on the left." in context
    assert "9 replies" in context


async def test_comment_of_a_placeholder_says_it_is_not_in_the_archive(world: World) -> None:
    result = await world.member.slash(world.channel, "comment", id="1.1")

    assert "Not in the archive" in result.response.embeds[0].description
    assert "5 replies" in _text(result.response.embeds)


@pytest.mark.parametrize(
    ("typed", "shown"), [("3.2.9", "Comment 3.2.9"), ("3.2.99", "There is no comment 3.2.99")]
)
async def test_comment_answers_after_one_trip(
    world: World, trips: list[Trip], typed: str, shown: str
) -> None:
    # Each trip is a wait for the event loop and a thread: the comment comes with its context,
    # or a missing one with the comments around it, in one.
    await world.member.slash(world.channel, "comment", id="3")  # what a process reads only once
    trips.clear()
    result = await world.member.slash(world.channel, "comment", id=typed)

    answer = result.response
    assert shown in (answer.embeds[0].title if answer.embeds else answer.content)
    assert [trip.connection for trip in trips] == [world.bot.archive.db]
    assert _handled(world) == ([] if answer.embeds else [UserFacingError])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("99", "There is no comment 99 in the archive."),
        ("3.2.99", "There is no comment 3.2.99 in the archive."),
        ("three", "“three” is not a comment id."),
        ("@everyone", "is not a comment id."),
    ],
)
async def test_comment_bad_ids_get_a_clear_private_answer(
    world: World, typed: str, expected: str
) -> None:
    result = await world.member.slash(world.channel, "comment", id=typed)

    assert result.ephemeral
    assert expected in result.response.content
    assert "@everyone" not in result.response.content
    assert _handled(world) == [UserFacingError]


async def test_comment_id_autocomplete_matches_ids_then_words(world: World) -> None:
    by_id = await world.member.autocomplete(world.channel, "comment", "id", "3.2")
    by_word = await world.member.autocomplete(world.channel, "comment", "id", "snitch")

    assert [c["value"] for c in by_id][:3] == ["3.2", "3.2.1", "3.2.2"]
    assert by_id[0]["name"].startswith("3.2 — Violation of democratic centralism?")
    assert {c["value"] for c in by_word} == {"0.1", "6", "6.1"}
    for choices in (by_id, by_word):
        assert len(choices) <= render.CHOICES
        assert all(len(c["name"]) <= render.CHOICE_NAME for c in choices)


async def test_search_shows_ranked_snippets_privately_with_paging(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="convention")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert "**convention**" in embed.description.lower()
    assert embed.footer.text.startswith("Results 1–5 of ")
    labels = [
        getattr(c, "label", None)
        for row in result.response.message.components
        for c in row.children
    ]
    assert labels[:3] == ["Previous", "Next", "Post to channel"]


async def test_search_next_and_previous_turn_pages(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="the")
    first = result.response.embeds[0].description

    await world.member.click(result.response, label="Next")
    assert result.response.embeds[0].footer.text.startswith("Results 6–10 of ")
    assert result.response.embeds[0].description != first

    await world.member.click(result.response, label="Previous")
    assert result.response.embeds[0].description == first


async def test_search_buttons_work_late_and_after_a_restart(world: World, settings) -> None:
    from bot import create_bot

    result = await world.member.slash(world.channel, "search", query="the")
    await world.env.advance_time(3 * 24 * 3600)
    old_bot = world.bot
    await world.env.restart_bot(create_bot(dataclasses.replace(settings)))
    await old_bot.close()

    clicked = await world.member.click(result.response, label="Next")

    assert clicked.acknowledged
    assert result.response.embeds[0].footer.text.startswith("Results 6–10 of ")
    await world.bot.close()


async def test_posted_results_page_for_the_searcher_only_and_open_for_all(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="the")
    posted = await world.member.click(result.response, label="Post to channel")
    other = world.guild.add_member(world.env.create_user("someone-else"))

    assert not posted.ephemeral
    public = posted.response.message
    assert public.embeds[0].title == "Search: the"
    labels = [getattr(c, "label", None) for row in public.components for c in row.children]
    assert "Post to channel" not in labels

    refused = await other.click(public, label="Next")
    assert refused.ephemeral
    assert "belong to the person who searched" in refused.response.content
    assert world.channel.last_message.embeds[0].footer.text.startswith("Results 1–5 ")

    await world.member.click(public, label="Next")
    assert world.channel.last_message.embeds[0].footer.text.startswith("Results 6–10 ")

    menu = world.channel.last_message.components[-1].children[0]
    opened = await other.select(
        world.channel.last_message, custom_id=menu.custom_id, values=[menu.options[0].value]
    )
    assert opened.ephemeral
    assert opened.response.embeds[0].title == f"Comment {menu.options[0].value}"


async def test_search_without_results_suggests_a_spelling(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="snicth")

    assert result.ephemeral
    assert "No comment matches “snicth”" in result.response.content
    assert "snitch" in result.response.content
    assert _handled(world) == [UserFacingError]


async def test_search_of_punctuation_only_explains_what_to_type(world: World) -> None:
    result = await world.member.slash(world.channel, "search", query="*** ::: ---")

    assert result.ephemeral
    assert "nothing to search for" in result.response.content
    assert _handled(world) == [UserFacingError]
