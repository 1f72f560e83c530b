"""The read-eval-print loop: a simulated server with the real bot, fed one typed line at a time."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator

import discord
import simcord

from bot import ArchiveBot, create_bot
from bot.config import Settings
from bot.console.commands import CommandCatalog
from bot.console.printer import Style
from bot.console.session import Session

BANNER = """\
archive-bot console: the real bot in a simulated Discord, no token or network needed.
You are "you" in #general. Try /about, /search snitch, /thread 3; `help` lists everything,
`click <label>` presses a button, `quit` or Ctrl-D leaves."""

# How long SimCord lets the bot work, in real seconds, before a command counts as stuck. It also
# decides which sleeps SimCord runs for real (the shorter ones) and which wait for the virtual
# clock, so it is kept short: a replay's pauses then cost no real time at all.
SETTLE_TIMEOUT = 1.0
# While a replay runs, the virtual clock moves on this many seconds at a time (each step costs a
# tenth of a real second), and stops after this long without the bot sending anything: longer
# than any pause or retry wait of a replay.
STEP = 30.0
PATIENCE = 120.0


async def run(settings: Settings, interactive: bool) -> None:
    """Start the bot in a fresh simulated server and run typed lines until the input ends."""
    assert settings.dev_guild_id is not None
    if interactive:
        print("Starting the bot…", file=sys.stderr)
    bot = create_bot(settings)
    try:
        # Offline there is no Discord to recommend a shard count: one shard unless configured.
        async with simcord.run(
            bot,
            check_errors=False,
            settle_timeout=SETTLE_TIMEOUT,
            shard_count=bot.shard_count or 1,
        ) as env:
            guild = env.create_guild("Archive console", id=settings.dev_guild_id)
            channel = guild.create_text_channel("general")
            moderator = guild.create_role(
                "moderator", permissions=discord.Permissions(manage_threads=True)
            )
            you = guild.add_member(env.create_user("you"), roles=[moderator])
            catalog = CommandCatalog.from_tree(
                bot.tree, you.available_commands(channel), guild=discord.Object(guild.id)
            )
            session = Session(
                env, channel, you, catalog, Style(colour=interactive), _replays_done(env, bot)
            )
            if interactive:
                print(BANNER)
            for line in _lines(interactive, catalog):
                if not interactive:
                    # Echoed so that a scripted run reads as a transcript.
                    print(f"> {line}")
                if not await session.handle(line):
                    break
                print()
    finally:
        await bot.close()


def _replays_done(env: simcord.Env, bot: ArchiveBot) -> Callable[[], Awaitable[bool]]:
    """Waits, in virtual time, until no replay is running, so a command's output is complete.

    Replays pause between messages on the virtual clock (REPLAY_PAUSE); the console runs the clock
    on instead of waiting for real. A replay that sends nothing for a long stretch is stuck; the
    wait then ends early and says so (False).
    """

    async def wait() -> bool:
        quiet = 0.0
        while await bot.jobs.running():
            if quiet >= PATIENCE:
                return False
            requests = len(env.http_requests)
            await env.advance_time(STEP)
            quiet = 0.0 if len(env.http_requests) > requests else quiet + STEP
        return True

    return wait


def _lines(interactive: bool, catalog: CommandCatalog) -> Iterator[str]:
    """Typed lines: with editing and tab completion on a terminal, plain from a pipe."""
    if not interactive:
        for line in sys.stdin:
            if line.strip():
                yield line.rstrip("\n")
        return
    _enable_completion(catalog)
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            # As in a shell: Ctrl-C abandons the line being typed, Ctrl-D leaves.
            print()
            continue
        if line.strip():
            yield line


def _enable_completion(catalog: CommandCatalog) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: typing still works, without completion.
        return
    verbs = ["help ", "click ", "select ", "quit "]

    def complete(text: str, state: int) -> str | None:
        before = readline.get_line_buffer()[: readline.get_endidx()]
        options = catalog.completions(before)
        if " " not in before:
            options += [v for v in verbs if v.startswith(before)]
        return options[state] if state < len(options) else None

    # Only spaces separate words, so "/sea" and "query:" complete as whole words.
    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
