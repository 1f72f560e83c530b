"""The bot's core: start-up, /about, the command-line entry point and the shared error handler."""

from __future__ import annotations

import dataclasses
import gc
import logging
from pathlib import Path

import discord
import pytest
import simcord
from discord import app_commands

from bot import Settings, client, create_bot
from bot.config import ConfigError
from bot.errors import UserFacingError
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
# The page writes its title with a no-break space.
TITLE = "We are expelled\xa0(Updated)"


async def test_about_describes_the_archive(world) -> None:
    result = await world.member.slash(world.channel, "about")

    assert result.ephemeral
    [embed] = result.response.embeds
    assert embed.title == TITLE
    assert "17 February 2014" in embed.description
    assert "`/about` What this archive is and how to read it" in embed.description
    [counts] = embed.fields
    assert counts.value.splitlines() == [
        "56 comments",
        "3 pingbacks from other sites",
        "3 placeholders for comments the page lacks",
        "26 members named in the resolution",
    ]


async def test_startup_objects_leave_the_cycle_collectors_walks(world) -> None:
    bot = world.bot
    later = [world.member]

    # The permanent generation is no generation get_objects walks, as no collection walks it.
    walked = {id(o) for o in gc.get_objects()}
    assert id(bot.archives) not in walked
    assert id(bot.tree) not in walked
    assert id(later) in walked
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[1:] == (client.MIDDLE_EVERY, client.FULL_EVERY // client.MIDDLE_EVERY)


async def test_start_without_dev_guild_publishes_no_commands(settings: Settings) -> None:
    bot = create_bot(dataclasses.replace(settings, dev_guild_id=None))
    async with simcord.run(bot) as env:
        published = [r for r in env.http_requests if r.method == "PUT" and "commands" in r.path]
        loaded = bot.tree.get_command("about")
    await bot.close()

    assert loaded is not None
    assert published == []


async def test_broken_extension_is_logged_and_the_rest_still_load(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(client, "EXTENSIONS", ("cogs.does_not_exist", *client.EXTENSIONS))
    bot = create_bot(settings)
    async with simcord.run(bot) as env:
        guild = env.create_guild(id=settings.dev_guild_id)
        channel = guild.create_text_channel("general")
        member = guild.add_member(env.create_user("reader"))
        result = await member.slash(channel, "about")
    await bot.close()

    assert result.response.embeds[0].title == TITLE
    [failure] = [r for r in caplog.records if "cogs.does_not_exist" in r.getMessage()]
    assert failure.levelno == logging.ERROR
    assert failure.exc_info is not None


async def test_close_closes_the_archive_database(simcord_bot: client.ArchiveBot) -> None:
    async with simcord.run(simcord_bot):
        db = simcord_bot.db
    await simcord_bot.close()

    with pytest.raises(RuntimeError):
        simcord_bot.db  # noqa: B018 - the property is what is under test
    with pytest.raises(ValueError, match="no active connection"):
        await db.execute("SELECT 1")


class TestErrorHandler:
    @pytest.fixture
    def simcord_bot(self, simcord_bot: client.ArchiveBot) -> client.ArchiveBot:
        """The real bot plus test-only commands that fail in each way the handler knows."""
        tree = simcord_bot.tree

        @tree.command(name="explode", description="test only")
        async def explode(interaction: discord.Interaction) -> None:
            raise RuntimeError("token=abc at /srv/secret.py")

        @tree.command(name="refuse", description="test only")
        async def refuse(interaction: discord.Interaction) -> None:
            raise UserFacingError("There is no comment 9.9 in the archive.")

        @tree.command(name="refuse-late", description="test only")
        async def refuse_late(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            raise UserFacingError("There is no comment 9.9 in the archive.")

        @tree.command(name="needs-threads", description="test only")
        @app_commands.checks.bot_has_permissions(create_public_threads=True)
        async def needs_threads(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok")

        return simcord_bot

    async def test_unexpected_error_is_logged_and_apologised_for(
        self, world, caplog: pytest.LogCaptureFixture
    ) -> None:
        result = await world.member.slash(world.channel, "explode")

        assert result.response.content == client.APOLOGY
        assert result.response.ephemeral
        [record] = [r for r in caplog.records if r.name == "bot.client"]
        assert record.levelno == logging.ERROR
        assert "/explode" in record.getMessage()
        assert isinstance(record.exc_info[1].__cause__, RuntimeError)
        # SimCord records every error that reached the tree, handled or not.
        [error] = world.env.errors
        assert isinstance(error.__cause__, RuntimeError)

    async def test_user_facing_error_is_an_ephemeral_reply(
        self, world, caplog: pytest.LogCaptureFixture
    ) -> None:
        result = await world.member.slash(world.channel, "refuse")

        assert result.response.content == "There is no comment 9.9 in the archive."
        assert result.response.ephemeral
        assert not [r for r in caplog.records if r.name == "bot.client"]
        assert [type(e) for e in world.env.errors] == [UserFacingError]

    async def test_user_facing_error_after_defer_is_a_followup(self, world) -> None:
        result = await world.member.slash(world.channel, "refuse-late")

        # The first followup after a defer replaces the "thinking" message.
        [callback] = [r for r in world.env.http_requests if r.path.endswith("/callback")]
        deferred = discord.InteractionResponseType.deferred_channel_message.value
        assert callback.json["type"] == deferred
        assert result.response.content == "There is no comment 9.9 in the archive."
        assert result.response.ephemeral
        assert [type(e) for e in world.env.errors] == [UserFacingError]

    async def test_missing_bot_permission_is_named(self, world) -> None:
        channel = world.guild.create_text_channel(
            "no-threads",
            overwrites={world.guild.me: discord.PermissionOverwrite(create_public_threads=False)},
        )

        result = await world.member.slash(channel, "needs-threads")

        assert result.response.content.startswith(
            "I need the **Create Public Threads** permission in this channel"
        )
        assert result.response.ephemeral
        assert [type(e) for e in world.env.errors] == [app_commands.BotMissingPermissions]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            app_commands.CommandOnCooldown(app_commands.Cooldown(1, 60), 0.2),
            "Slow down: you can use this command again in 1 second.",
        ),
        (
            app_commands.MissingPermissions(["manage_threads", "send_messages_in_threads"]),
            "You need the **Manage Threads** and **Send Messages in Threads** permissions"
            " to do that.",
        ),
        (app_commands.CheckFailure(), "You can't use this command here."),
        (app_commands.AppCommandError("internal detail"), None),
    ],
)
def test_explain_names_expected_failures_and_leaves_bugs_to_the_apology(error, expected) -> None:
    assert client.explain(error) == expected


def test_cli_without_token_explains_in_one_line() -> None:
    done = run_cli()

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "DISCORD_TOKEN" in line
    assert ".env.example" in line
    assert "python -m bot console" in line
    assert done.stdout == ""


def test_cli_rejects_a_bad_dev_guild_id_in_one_line() -> None:
    done = run_cli(DEV_GUILD_ID="my-server", DISCORD_TOKEN="unused")

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "archive-bot: DEV_GUILD_ID must be a server id (right-click the server, Copy ID),"
        " not 'my-server'"
    ]


def test_cli_ingest_reports_counts_and_is_idempotent(tmp_path) -> None:
    database = str(tmp_path / "archive.db")

    first = run_cli("ingest", DATABASE_PATH=database)
    again = run_cli("ingest", DATABASE_PATH=database)

    assert first.returncode == again.returncode == 0
    assert first.stdout.startswith("Loaded ")
    assert again.stdout.startswith(f"{database} already holds ")
    assert "unchanged" in again.stdout
    assert "56 comments, 3 pingbacks, 3 placeholders, 26 members" in again.stdout


def test_cli_ingest_of_a_missing_file_fails_in_one_line(tmp_path) -> None:
    missing = tmp_path / "nope.txt"

    done = run_cli("ingest", str(missing), DATABASE_PATH=str(tmp_path / "archive.db"))

    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"archive-bot: {missing}: file not found"]


def test_settings_treat_empty_variables_as_unset() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": "", "DEV_GUILD_ID": " ", "LOG_LEVEL": "debug"})

    assert settings.token is None
    assert settings.dev_guild_id is None
    assert settings.log_level == "DEBUG"
    assert "s3cret" not in repr(Settings.from_env({"DISCORD_TOKEN": "s3cret"}))


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEV_GUILD_ID", "12ab"), ("DEV_GUILD_ID", "-5"), ("MAX_REPLAYS_PER_GUILD", "0")],
)
def test_settings_reject_bad_numbers(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
