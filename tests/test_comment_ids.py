"""Comment ids as people type them: other digit forms, hostile input, ids that do not exist.

Driven through SimCord as a member would; every answer must be one Discord accepts (a message of
at most 2,000 characters, an autocomplete that answers).
"""

from __future__ import annotations

import logging

import pytest
from conftest import World
from discord import app_commands
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot import render
from bot.errors import UserFacingError


def _handled(world: World) -> list[type[BaseException]]:
    # SimCord records errors even when our handler answered them; reading them acknowledges.
    return [type(getattr(e, "original", e)) for e in world.env.errors]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("３.２", "3.2", id="full-width"),
        pytest.param("\u0663", "3", id="arabic-indic"),
        pytest.param("03", "3", id="leading-zero"),
        pytest.param("3.02.1", "3.2.1", id="leading-zero-inside"),
        pytest.param(" 3.2 ", "3.2", id="spaces"),
    ],
)
async def test_ids_in_other_digit_forms_open_the_comment(
    world: World, typed: str, expected: str
) -> None:
    result = await world.member.slash(world.channel, "comment", id=typed)

    assert not result.ephemeral
    assert result.response.embeds[0].title == f"Comment {expected}"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("1." * 3000, id="1.-repeated"),
        pytest.param("1." * 3000 + "1", id="3000-levels"),
        pytest.param("9" * 3000, id="3000-nines"),
        pytest.param("@everyone " * 500, id="mentions"),
        pytest.param("3\ud800", id="lone-surrogate"),
        pytest.param("`" * 1000, id="backticks"),
    ],
)
async def test_hostile_ids_get_a_short_private_answer(world: World, typed: str) -> None:
    result = await world.member.slash(world.channel, "comment", id=typed)

    assert result.ephemeral
    content = result.response.content
    assert "is not a comment id" in content
    assert len(content) <= render.MESSAGE
    assert "@everyone" not in content
    assert "\ud800" not in content
    assert _handled(world) == [UserFacingError]


@pytest.mark.parametrize(
    "typed",
    ["\ud800", "\udbff\udc00x\ud800", "1." * 3000, "9" * 3000, "%_\\'\""],
)
async def test_id_autocomplete_answers_whatever_is_typed(
    world: World, typed: str, caplog: pytest.LogCaptureFixture
) -> None:
    choices = await world.member.autocomplete(world.channel, "comment", "id", typed)

    # discord.py logs a failed autocomplete and answers nothing; the person sees no list.
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert len(choices) <= render.CHOICES


async def test_id_autocomplete_ignores_a_stray_surrogate(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    choices = await world.member.autocomplete(world.channel, "comment", "id", "3.2\udfff")

    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [c["value"] for c in choices][:3] == ["3.2", "3.2.1", "3.2.2"]


async def test_id_autocomplete_reads_other_digit_forms(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "comment", "id", "３.２")

    assert [c["value"] for c in choices][:3] == ["3.2", "3.2.1", "3.2.2"]


async def test_city_with_a_lone_surrogate_is_answered(world: World) -> None:
    result = await world.member.slash(world.channel, "members", city="Bost\ud800")

    assert result.ephemeral
    assert "No member is listed in “Bost\ufffd”" in result.response.content
    assert _handled(world) == [UserFacingError]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param(
            "3.2.10",
            "There is no comment 3.2.10 in the archive. Its nearest neighbours: comment `3.2`"
            " and its last reply, `3.2.9`.",
            id="past-the-last-sibling",
        ),
        pytest.param(
            "19",
            "There is no comment 19 in the archive. The last top-level comment is `18`.",
            id="past-the-last-top-level",
        ),
        pytest.param(
            "3.20.5",
            "There is no comment 3.20.5 in the archive. Its nearest neighbours: comment `3`"
            " and its last reply, `3.3`.",
            id="missing-parent-too",
        ),
        pytest.param(
            "3.2.9.1",
            "There is no comment 3.2.9.1 in the archive. Its nearest neighbour: comment `3.2.9`,"
            " which has no replies.",
            id="under-a-comment-without-replies",
        ),
        pytest.param(
            "0999",
            "There is no comment 999 in the archive. The last top-level comment is `18`.",
            id="leading-zeros",
        ),
    ],
)
async def test_missing_id_points_to_its_nearest_neighbours(
    world: World, typed: str, expected: str
) -> None:
    result = await world.member.slash(world.channel, "comment", id=typed)

    assert result.ephemeral
    assert result.response.content.startswith(expected)
    assert _handled(world) == [UserFacingError]


async def test_a_deep_missing_id_still_fits_one_message(world: World) -> None:
    # 64 levels of ten digits is an id outline.parse accepts; the answer shortens it.
    typed = ".".join(["1000000000"] * 64)
    result = await world.member.slash(world.channel, "comment", id=typed)

    assert result.ephemeral
    content = result.response.content
    assert content.startswith("There is no comment 1000000000.")
    assert "…" in content
    assert len(content) <= 300
    assert _handled(world) == [UserFacingError]


# Any text at all: the characters people type, the ones they paste, and halves of pairs.
_any_text = st.text(st.characters(codec=None, categories=None), max_size=300) | st.sampled_from(
    ["1." * 3000, "9" * 3000, "3.2", "３.２", "0", "@everyone", "<@123>"]
)


# Every option that takes text, with what else its command needs. /search's query has no
# autocomplete and Discord itself holds it to 1-200 characters.
_TEXT_OPTIONS = [
    ("comment", "id", {}),
    ("members", "city", {}),
    ("members", "name", {}),
    ("search", "query", {}),
    ("search", "author", {"query": "snitch"}),
    ("about", "archive", {}),
    ("resolution", "archive", {}),
]
_TYPED_AS_DISCORD_ALLOWS = {"query": (1, 200)}


@pytest.mark.parametrize(("command", "option", "others"), _TEXT_OPTIONS)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=_any_text)
async def test_any_text_typed_gets_an_answer_that_fits(
    world: World,
    caplog: pytest.LogCaptureFixture,
    command: str,
    option: str,
    others: dict[str, str],
    typed: str,
) -> None:
    shortest, longest = _TYPED_AS_DISCORD_ALLOWS.get(option, (0, None))
    typed = typed[:longest]
    assume(len(typed) >= shortest)
    cursor = world.env.error_cursor
    result = await world.member.slash(world.channel, command, **others, **{option: typed})
    choices = (
        []
        if option in _TYPED_AS_DISCORD_ALLOWS
        else await world.member.autocomplete(world.channel, command, option, typed)
    )

    # Either the answer, or one private message saying why not, within Discord's limits. A
    # burst of searches meets the search cooldown, which answers the same way.
    errors = [type(getattr(e, "original", e)) for e in world.env.errors_since(cursor)]
    if errors:
        assert len(errors) == 1
        assert errors[0] in (UserFacingError, app_commands.CommandOnCooldown)
        assert result.ephemeral
        assert 0 < len(result.response.content) <= render.MESSAGE
    else:
        assert result.response.embeds
        assert all(len(embed) <= render.EMBED_TOTAL for embed in result.response.embeds)
    assert len(choices) <= render.CHOICES
    assert all(0 < len(c["name"]) <= render.CHOICE_NAME for c in choices)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    world.env.errors  # noqa: B018 - reading them acknowledges the ones answered above
