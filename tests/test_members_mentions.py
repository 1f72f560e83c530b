"""/members name: a member and the comments that mention them, matched carefully.

The expected comments were found by reading data/we-are-expelled.txt, not by running the code:
of the 26 members, only two are spoken of in the comments. "Keegan" (Keegan O.) in the two
replies to the first reply above comment 1 ("It was confirmed by Keegan…", "…the official story
from Keegan and his branch?"), and "Sherry W" (Sherry W.) in point 14 of comment 1 ("Just because
Sherry W or Ahmed S say…"). No comment names Héctor A., Tom G. or Phil G.; "Will the ISO enact…"
(comment 1.2) starts with a word, not a member.
"""

from __future__ import annotations

import discord
import pytest
from conftest import World

from bot import render
from bot.archive import mentions
from bot.archive.mentions import Mention
from bot.archive.models import Member
from bot.errors import UserFacingError

# Read off the page by hand (see the module docstring).
EXPECTED = {
    "Keegan O.": ["0.1.1", "0.1.2"],
    "Sherry W.": ["1"],
    "Héctor A.": [],
    "Tom G.": [],
    "Phil G.": [],
}

MEMBERS = [
    Member(name, "Somewhere", position)
    for position, name in enumerate(
        [
            "Sherry W.",
            "Keegan O.",
            "Héctor A.",
            "Will B.",
            "Elizabeth W.-F.",
            "Tom G.",
            "Tom H.",
            "Fermin V.",
        ]
    )
]


def _first(name: str, text: str) -> str | None:
    member = next(m for m in MEMBERS if m.name == name)
    span = mentions.first_mention(text, mentions.name_pattern(member, MEMBERS))
    return None if span is None else text[span[0] : span[1]]


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Sherry W.", "Just because Sherry W or Ahmed S say", "Sherry W"),
        ("Sherry W.", "as sherry w. wrote", "sherry w."),
        ("Sherry W.", "Sherry said so", "Sherry"),
        ("Sherry W.", "a glass of sherry", None),
        ("Sherry W.", "Sherry Turkle wrote a book", None),
        ("Keegan O.", "It was confirmed by Keegan and another person", "Keegan"),
        ("Keegan O.", "Keegan's branch", "Keegan"),
        ("Keegan O.", "Keegan’s branch", "Keegan"),
        ("Keegan O.", "Keegan O'Brien", "Keegan O"),
        ("Keegan O.", "McKeegan and Keeganism", None),
        ("Héctor A.", "Hector spoke first", "Hector"),
        ("Héctor A.", "Héctor A. spoke first", "Héctor A."),
        ("Héctor A.", "HÉCTOR spoke first", "HÉCTOR"),
        ("Héctor A.", "as héctor a said", "héctor a"),
        ("Fermin V.", "Fermín V. and Fermín", "Fermín V."),
        ("Fermin V.", "Fermín said", "Fermín"),
        ("Will B.", "Will the ISO enact measures?", None),
        ("Will B.", "or will it continue", None),
        ("Will B.", "Will B. said it", "Will B."),
        ("Elizabeth W.-F.", "ask Elizabeth W-F", "Elizabeth W-F"),
        ("Elizabeth W.-F.", "ask Elizabeth W.", "Elizabeth W."),
        ("Elizabeth W.-F.", "Elizabeth Warren", None),
        # Two members are called Tom: the first name alone is nobody in particular.
        ("Tom G.", "Tom said", None),
        ("Tom G.", "Tom G said", "Tom G"),
        ("Tom G.", "Tom H said", None),
    ],
)
def test_names_match_only_when_written_as_that_member(name: str, text: str, found: str) -> None:
    assert _first(name, text) == found


def test_excerpt_cuts_at_words_and_marks_the_name() -> None:
    text = "word " * 40 + "Keegan\n\nsaid " + "more " * 40
    start = text.index("Keegan")
    snippet, (begin, end) = mentions.excerpt(text, start, start + len("Keegan"))

    assert snippet.startswith("…word") and snippet.endswith("more…")
    assert snippet[begin:end] == "Keegan"
    assert "\n" not in snippet and "Keegan said" in snippet


def test_typed_names_are_read_loosely_and_completed() -> None:
    assert mentions.find_member(MEMBERS, "hector a") == MEMBERS[2]
    assert mentions.find_member(MEMBERS, "  Elizabeth W-F ") == MEMBERS[4]
    assert mentions.find_member(MEMBERS, "Hector") is None
    assert mentions.find_member(MEMBERS, "") is None
    assert [m.name for m in mentions.complete_members(MEMBERS, "to")] == [
        "Tom G.",
        "Tom H.",
        "Héctor A.",
    ]


def _ids_in(embeds: list[discord.Embed]) -> list[str]:
    return [field.name for embed in embeds for field in embed.fields]


@pytest.mark.parametrize(("name", "ids"), list(EXPECTED.items()))
async def test_members_name_lists_the_comments_that_mention_them(
    world: World, name: str, ids: list[str]
) -> None:
    result = await world.member.slash(world.channel, "members", name=name)

    assert not result.ephemeral
    embeds = result.response.embeds
    assert _ids_in(embeds) == ids
    assert render.label(name) in (embeds[0].title or "")
    if ids:
        assert f"`/comment id:{ids[0]}`" in (embeds[0].description or "")
    else:
        assert "No comment mentions" in (embeds[0].description or "")


async def test_the_excerpt_shows_the_name_in_bold(world: World) -> None:
    result = await world.member.slash(world.channel, "members", name="sherry w")

    (field,) = result.response.embeds[0].fields
    assert "Just because **Sherry W** or Ahmed S say" in field.value
    assert "New York City" in (result.response.embeds[0].description or "")


async def test_member_names_autocomplete_with_their_city(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "members", "name", "hec")
    everyone = await world.member.autocomplete(world.channel, "members", "name", "")

    assert choices == [{"name": "Héctor A. (New York City)", "value": "Héctor A."}]
    assert len(everyone) == render.CHOICES
    assert everyone[0] == {"name": "Jonah B. (New York City)", "value": "Jonah B."}


async def test_member_names_of_the_chosen_city_are_offered_first(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "members", "name", "", city="boston")
    a_names = await world.member.autocomplete(world.channel, "members", "name", "a", city="Boston")

    assert [c["value"] for c in choices[:6]] == [
        "Ann C.",
        "Amanda A.",
        "Alpana M.",
        "Khury P.-S.",
        "Madeline B.",
        "Akunna E.",
    ]
    # Names starting with what was typed still come before those that only contain it.
    assert [c["value"] for c in a_names[:4]] == ["Ann C.", "Amanda A.", "Alpana M.", "Akunna E."]
    assert a_names[4]["value"] == "Avery W."


async def test_an_unknown_name_says_what_to_type(world: World) -> None:
    result = await world.member.slash(world.channel, "members", name="**Ahmed S**")

    assert result.ephemeral
    assert "No member is named “\\*\\*Ahmed S\\*\\*”" in result.response.content
    assert "pick one from the list" in result.response.content
    assert [type(getattr(e, "original", e)) for e in world.env.errors] == [UserFacingError]


def test_very_many_mentions_list_every_id_within_limits() -> None:
    member = Member("Keegan O.", "New York City", 1)
    found = [
        Mention(f"{n}", "It was confirmed by Keegan and another person " * 3, (20, 26))
        for n in range(1, 1001)
    ]

    embeds = render.mentions_embeds(member, found)

    text = "\n".join(e.description or "" for e in embeds)
    assert "1000 comments mention Keegan O." in text
    assert f"1 … {render.embeds.MENTION_IDS}, and 600 comments more" in text
    assert len(_ids_in(embeds)) == render.embeds.MENTION_EXCERPTS
    assert all(len(embed) <= render.EMBED_TOTAL for embed in embeds)
    assert all(len(f.value) <= render.FIELD_VALUE for e in embeds for f in e.fields)
