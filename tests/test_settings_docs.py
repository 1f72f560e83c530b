"""The settings as documented (the README's table, .env.example) against the settings the bot reads.

A variable is tied to a setting by setting it and seeing which field of Settings changes, so the
documents cannot name a variable the bot ignores, nor leave out one it reads.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

REPO = Path(__file__).resolve().parents[1]
# A value of some kind every variable accepts: a path, a whole number, a level, a fraction.
CANDIDATES = ("7", "0.5", "DEBUG", "/tmp/somewhere/else.db")
# Variables that only mean something beside another: they are set over this one's effect.
NEEDS = {"SHARD_IDS": {"SHARD_COUNT": "8"}}


def readme_table() -> dict[str, str]:
    """Each variable of the README's Configuration table, with its Default cell."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def env_example() -> list[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE)


def field_set_by(variable: str) -> str:
    """The one Settings field that setting ``variable`` changes."""
    needs = NEEDS.get(variable, {})
    default = Settings.from_env(needs)
    for value in CANDIDATES:
        try:
            settings = Settings.from_env(needs | {variable: value})
        except ConfigError:
            continue
        changed = [
            f.name
            for f in dataclasses.fields(Settings)
            if getattr(settings, f.name) != getattr(default, f.name)
        ]
        if changed:
            [name] = changed
            return name
    raise AssertionError(f"{variable} is documented, but setting it changes no setting")


def test_readme_and_env_example_list_the_same_variables() -> None:
    assert sorted(readme_table()) == sorted(env_example())
    assert len(env_example()) == len(set(env_example())), "a variable appears twice"


def test_every_setting_is_documented_by_exactly_one_variable() -> None:
    fields = [field_set_by(variable) for variable in readme_table()]
    assert sorted(fields) == sorted(f.name for f in dataclasses.fields(Settings))


@pytest.mark.parametrize("variable", sorted(readme_table()))
def test_readme_default_is_the_real_default(variable: str) -> None:
    cell = readme_table()[variable]
    default = getattr(Settings.from_env({}), field_set_by(variable))
    if cell == "(none)":
        assert default is None
        return
    shown = cell.strip("`")
    if isinstance(default, tuple):
        # A list setting (ARCHIVE_PATH) whose default is one item.
        [default] = default
    if isinstance(default, Path):
        assert default == REPO / shown
    else:
        assert default == type(default)(shown)


@pytest.mark.parametrize(("value", "seconds"), [("0", 0.0), ("0.5", 0.5), ("2", 2.0), ("", 0.0)])
def test_replay_pause_takes_fractions_and_zero(value: str, seconds: float) -> None:
    assert Settings.from_env({"REPLAY_PAUSE": value}).replay_pause == seconds


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf"])
def test_replay_pause_refuses_what_is_no_pause(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^REPLAY_PAUSE must be a number of seconds, 0 or more"):
        Settings.from_env({"REPLAY_PAUSE": value})


@pytest.mark.parametrize(
    ("ids", "expected"), [("0", (0,)), ("0-3,7", (0, 1, 2, 3, 7)), (" 2 , 5-6 ", (2, 5, 6))]
)
def test_shard_ids_take_numbers_and_ranges(ids: str, expected: tuple[int, ...]) -> None:
    settings = Settings.from_env({"SHARD_COUNT": "8", "SHARD_IDS": ids})
    assert (settings.shard_count, settings.shard_ids) == (8, expected)


@pytest.mark.parametrize("ids", ["8", "3-1", "a", "1,1", "-1", "0-"])
def test_shard_ids_refuse_what_is_no_shard(ids: str) -> None:
    with pytest.raises(ConfigError, match=r"^SHARD_IDS must be shard numbers from 0 to 7"):
        Settings.from_env({"SHARD_COUNT": "8", "SHARD_IDS": ids})


def test_shard_ids_need_a_shard_count() -> None:
    with pytest.raises(ConfigError, match=r"^SHARD_IDS needs SHARD_COUNT"):
        Settings.from_env({"SHARD_IDS": "0"})
