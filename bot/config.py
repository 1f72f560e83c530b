"""Settings from the environment, checked once at start so that a typo fails loudly and early."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.archive.errors import ArchiveError
from bot.archive.exports.detect import ExportFormat, detect
from bot.archive.parser import read_page

# The repository's data folder: the page ships there, and the databases are built beside it.
_DATA = Path(__file__).resolve().parents[1] / "data"
DEFAULT_ARCHIVE_PATH = _DATA / "we-are-expelled.txt"
DEFAULT_DATABASE_PATH = _DATA / "archive.db"
DEFAULT_JOBS_PATH = _DATA / "jobs.db"
DEFAULT_MAX_REPLAYS_PER_GUILD = 1
log = logging.getLogger(__name__)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message names the variable and the fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    # Kept out of repr so that logging or printing the settings never leaks the token.
    token: str | None = field(repr=False)
    # The archives in ARCHIVE_PATH order; the first is the default one.
    archive_paths: tuple[Path, ...] = (DEFAULT_ARCHIVE_PATH,)
    database_path: Path = DEFAULT_DATABASE_PATH
    jobs_path: Path = DEFAULT_JOBS_PATH
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    max_replays_per_guild: int = DEFAULT_MAX_REPLAYS_PER_GUILD
    # Seconds /thread waits between messages. 0 leaves the pace to discord.py's rate limiter;
    # more makes a replay easier to read as it arrives (and lets tests stop one half-way).
    replay_pause: float = 0.0
    # Shards: how many the bot has in all, and which of them this process runs. None lets
    # Discord recommend the count, and one process then runs every shard.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; an empty variable counts as unset, so .env.example copies cleanly."""
        env = {k: v.strip() for k, v in (os.environ if environ is None else environ).items()}

        def get(name: str) -> str | None:
            return env.get(name) or None

        def path(name: str, default: Path) -> Path:
            value = get(name)
            return Path(value).expanduser() if value else default

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in _LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {log_level!r}"
            )
        shard_count = _positive_int("SHARD_COUNT", get("SHARD_COUNT"), "a whole number above 0")
        return cls(
            token=get("DISCORD_TOKEN"),
            archive_paths=_archive_paths(get("ARCHIVE_PATH")),
            database_path=path("DATABASE_PATH", DEFAULT_DATABASE_PATH),
            jobs_path=path("JOBS_DATABASE_PATH", DEFAULT_JOBS_PATH),
            dev_guild_id=_positive_int(
                "DEV_GUILD_ID", get("DEV_GUILD_ID"), "a server id (right-click the server, Copy ID)"
            ),
            log_level=log_level,
            max_replays_per_guild=_positive_int(
                "MAX_REPLAYS_PER_GUILD", get("MAX_REPLAYS_PER_GUILD"), "a whole number above 0"
            )
            or DEFAULT_MAX_REPLAYS_PER_GUILD,
            replay_pause=_seconds("REPLAY_PAUSE", get("REPLAY_PAUSE")),
            shard_count=shard_count,
            shard_ids=_shard_ids(get("SHARD_IDS"), shard_count),
        )

    @property
    def archive_path(self) -> Path:
        """The default archive: the first of ARCHIVE_PATH."""
        return self.archive_paths[0]

    @property
    def logging_level(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _archive_paths(value: str | None) -> tuple[Path, ...]:
    """ARCHIVE_PATH: one file, several separated by os.pathsep, or folders of archive files.

    A folder stands for every archive file in it, by name: a file whose content is no archive
    format (a README beside the exports) is skipped with a warning; hidden files are ignored.
    """
    if value is None:
        return (DEFAULT_ARCHIVE_PATH,)
    paths: list[Path] = []
    for part in value.split(os.pathsep):
        if not part.strip():
            continue
        path = Path(part.strip()).expanduser()
        if path.is_dir():
            paths.extend(_archives_in(path))
        else:
            paths.append(path)
    if not paths:
        raise ConfigError(f"ARCHIVE_PATH names no archive file: {value!r} holds none")
    # The same file named twice is one archive.
    return tuple(dict.fromkeys(paths))


def _archives_in(folder: Path) -> list[Path]:
    found = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith(".") or not file.is_file():
            continue
        try:
            if detect(file).format is ExportFormat.PAGE:
                # Any text file "looks like" the page by its first bytes (a README beside the
                # exports); the page's head, read here, tells them apart.
                with file.open(encoding="utf-8", errors="replace") as lines:
                    read_page(lines)
        except ArchiveError as error:
            log.warning("Skipping %s in ARCHIVE_PATH: %s", file.name, error)
            continue
        found.append(file)
    return found


def _seconds(name: str, value: str | None) -> float:
    """A number of seconds, 0 or more, fractions allowed ("0.5"); unset is 0."""
    if value is None:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    # nan and inf parse as floats but are no pause anyone means.
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(
            f"{name} must be a number of seconds, 0 or more (like 0.5), not {value!r}"
        )
    return seconds


def _shard_ids(value: str | None, count: int | None) -> tuple[int, ...] | None:
    """Shard ids as a list and ranges ("0-3,8"), each below the count; unset is every shard."""
    if value is None:
        return None
    if count is None:
        raise ConfigError(
            "SHARD_IDS needs SHARD_COUNT: set SHARD_COUNT to the number of shards in all"
        )
    problem = ConfigError(
        f"SHARD_IDS must be shard numbers from 0 to {count - 1}, separated by commas, with"
        f" ranges allowed (like 0-3,8), not {value!r}"
    )
    ids: list[int] = []
    for part in value.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            raise problem from None
        if not 0 <= first <= last < count:
            raise problem
        ids.extend(range(first, last + 1))
    if len(set(ids)) != len(ids):
        raise problem
    return tuple(ids)


def _positive_int(name: str, value: str | None, expected: str) -> int | None:
    if value is None:
        return None
    problem = ConfigError(f"{name} must be {expected}, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise problem from None
    if number <= 0:
        raise problem
    return number
