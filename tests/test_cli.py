"""The command line as a newcomer meets it: every failure is one line on stderr and an exit code.

Each test runs `python -m bot` as a subprocess. Name resolution is made to fail inside that
process (as on a machine without network), so the outcome does not depend on the test machine.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import simcord

from bot.logs import RedactTokens

REPO = Path(__file__).resolve().parents[1]
FAKE_TOKEN = "MTIzNDU2Nzg5.fake.bot-token-for-tests"
# `python -m bot`, with DNS failing as it does offline.
OFFLINE = (
    "import socket, sys\n"
    "def fail(*args, **kwargs):\n"
    "    raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')\n"
    "socket.getaddrinfo = fail\n"
    "from bot.__main__ import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return environ | {
        "DISCORD_TOKEN": FAKE_TOKEN,
        "DATABASE_PATH": str(tmp_path / "archive.db"),
        "JOBS_DATABASE_PATH": str(tmp_path / "jobs.db"),
        "LOG_LEVEL": "WARNING",
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OFFLINE, *args],
        input="",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("task", [(), ("sync",)])
def test_without_network_the_bot_says_so_in_one_line(env, task):
    run = cli(env, *task)

    assert run.returncode == 1
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("archive-bot: cannot reach Discord (")
    assert run.stderr.endswith("check the network.\n")
    assert FAKE_TOKEN not in run.stderr


def test_a_database_path_under_a_file_names_the_file(env, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    for task in (("ingest",), ("console",)):
        run = cli(env | {"DATABASE_PATH": str(blocker / "archive.db")}, *task)

        assert run.returncode == 1
        assert run.stderr.count("\n") == 1, run.stderr
        assert run.stderr.startswith("archive-bot: ")
        assert f"{blocker} is a file, not a folder; set DATABASE_PATH" in run.stderr


def test_a_bad_setting_names_the_variable(env):
    run = cli(env | {"LOG_LEVEL": "LOUD"}, "ingest")

    assert (run.returncode, run.stderr.count("\n")) == (2, 1)
    assert run.stderr.startswith("archive-bot: LOG_LEVEL must be one of DEBUG")


def test_without_a_token_the_bot_says_what_to_set(env):
    run = cli(env | {"DISCORD_TOKEN": ""})

    assert (run.returncode, run.stderr.count("\n")) == (2, 1)
    assert run.stderr.startswith("archive-bot: DISCORD_TOKEN is not set.")


async def test_debug_logs_never_show_a_token(settings):
    """discord.py logs request URLs and gateway events at DEBUG; both carry interaction tokens."""
    from bot import create_bot

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTokens([FAKE_TOKEN]))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    bot = create_bot(settings)
    try:
        async with simcord.run(bot, check_errors=False) as world:
            guild = world.create_guild("g", id=settings.dev_guild_id)
            channel = guild.create_text_channel("general")
            member = guild.add_member(world.create_user("reader"))
            await member.slash(channel, "search", query="snitch")
            tokens = list(world.backend.interaction_tokens)
            interaction_id = world.backend.interaction_tokens[tokens[0]]
            # What discord.py logs for the same interaction on a real connection (gateway.py,
            # http.py and webhook/async_.py), with SimCord's token and ids.
            event = {
                "t": "INTERACTION_CREATE",
                "d": {"id": str(interaction_id), "token": tokens[0]},
            }
            logging.getLogger("discord.gateway").debug(
                "For Shard ID %s: WebSocket Event: %s", None, event
            )
            url = f"https://discord.com/api/v10/interactions/{interaction_id}/{tokens[0]}/callback"
            logging.getLogger("discord.http").debug(
                "%s %s with %s has returned %s", "POST", url, None, 204
            )
            followup = f"https://discord.com/api/v10/webhooks/{bot.application_id}/{tokens[0]}"
            logging.getLogger("discord.webhook.async_").debug(
                "Webhook ID %s with %s %s has returned status code %s", None, "POST", followup, 200
            )
            logging.getLogger("discord.client").debug(
                "logging in using static token %s", FAKE_TOKEN
            )
            try:
                raise RuntimeError(f"failed: {url}")
            except RuntimeError:
                logging.getLogger("bot").exception("A failure quoting a URL")
    finally:
        await bot.close()
        root.removeHandler(handler)
        root.setLevel(old_level)

    logged = stream.getvalue()
    assert "WebSocket Event" in logged and "A failure quoting a URL" in logged
    assert tokens and FAKE_TOKEN not in logged
    assert not [token for token in tokens if token in logged]
    assert f"/interactions/{interaction_id}/<redacted>/callback" in logged
