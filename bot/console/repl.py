"""The read-eval-print loop: a simulated server with the real bot, fed one typed line at a time.

The bot and SimCord run on an event loop in a thread of their own, while the main thread reads
lines. Reading blocks, and two things must happen during it: Tab asks the bot for the ids and
cities it would suggest (so its loop must be free to answer), and Ctrl-C must clear the line
(Python delivers signals to the main thread only, and asyncio's own Ctrl-C handler would
instead cancel the whole session at its next step).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import signal
import sys
import threading
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
`click <label>` presses a button, Tab completes, `quit` or Ctrl-D leaves."""

# How long SimCord lets the bot work, in real seconds, before a command counts as stuck. It also
# decides which sleeps SimCord runs for real (the shorter ones) and which wait for the virtual
# clock, so it is kept short: a replay's pauses then cost no real time at all.
SETTLE_TIMEOUT = 1.0
# While a replay runs, the virtual clock moves on this many seconds at a time (each step costs a
# tenth of a real second), and stops after this long without the bot sending anything: longer
# than any pause or retry wait of a replay.
STEP = 30.0
PATIENCE = 120.0
# Tab waits this long for the bot's suggestions; a bot that takes longer offers none.
COMPLETION_TIMEOUT = 2.0
# Closing the bot and the simulation; past this the process leaves without them.
CLOSE_TIMEOUT = 10.0
# Signals the reading (main) thread acts on: Ctrl-C, and the ones that end the console.
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def run(settings: Settings, interactive: bool) -> bool:
    """Start the bot in a fresh simulated server and run typed lines until the input ends.

    True when every command succeeded. Ctrl-C while a command runs stops that command.
    """
    loop = asyncio.new_event_loop()
    started: concurrent.futures.Future[Session] = concurrent.futures.Future()
    leave = asyncio.Event()
    width = shutil.get_terminal_size().columns if interactive else None
    thread = threading.Thread(
        target=_run_blind_to_signals,
        args=(loop, _serve(settings, interactive, width, started, leave)),
        name="archive-bot-console",
        daemon=True,
    )
    if interactive:
        print("Starting the bot…", file=sys.stderr)
    thread.start()
    try:
        session = started.result()
        if interactive:
            print(BANNER)
        for line in _lines(interactive, session, loop):
            if not interactive:
                # Echoed so that a scripted run reads as a transcript.
                print(f"> {line}")
            command = asyncio.run_coroutine_threadsafe(session.handle(line), loop)
            try:
                if not command.result():
                    break
            except KeyboardInterrupt:
                command.cancel()
                if not interactive:
                    raise
                print("(stopped)")
            print()
        return not session.failed
    finally:
        loop.call_soon_threadsafe(leave.set)
        thread.join(CLOSE_TIMEOUT)
        if not thread.is_alive():
            loop.close()


def _run_blind_to_signals(loop: asyncio.AbstractEventLoop, main: Awaitable[None]) -> None:
    # The kernel hands a process's signal to any thread that does not block it. Ctrl-C caught by
    # this thread would wait, unseen, until the reading thread's next key, and then throw away
    # the line typed after it; blocked here, it interrupts the read at once.
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    loop.run_until_complete(main)


async def _serve(
    settings: Settings,
    interactive: bool,
    width: int | None,
    started: concurrent.futures.Future[Session],
    leave: asyncio.Event,
) -> None:
    """Run the bot in SimCord, hand the session to the reading thread, and wait to be told to go."""
    assert settings.dev_guild_id is not None
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
                "moderator", permissions=discord.Permissions(manage_threads=True, manage_guild=True)
            )
            you = guild.add_member(env.create_user("you"), roles=[moderator])
            catalog = CommandCatalog.from_tree(
                bot.tree, you.available_commands(channel), guild=discord.Object(guild.id)
            )
            session = Session(
                env,
                channel,
                you,
                catalog,
                Style(colour=interactive),
                _replays_done(env, bot),
                width,
            )
            started.set_result(session)
            await leave.wait()
    except BaseException as error:
        if started.done():
            raise
        started.set_exception(error)
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


def _lines(interactive: bool, session: Session, loop: asyncio.AbstractEventLoop) -> Iterator[str]:
    """Typed lines: with editing and tab completion on a terminal, plain from a pipe."""
    if not interactive:
        for line in sys.stdin:
            if line.strip():
                yield line.rstrip("\n")
        return
    _enable_completion(session, loop)
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


def _enable_completion(session: Session, loop: asyncio.AbstractEventLoop) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: typing still works, without completion.
        return
    verbs = ["help ", "click ", "select ", "quit "]
    offered: list[str] = []

    def complete(text: str, state: int) -> str | None:
        # Readline asks for one match at a time (state 0, 1, ...): work them out on the first.
        if state == 0:
            before = readline.get_line_buffer()[: readline.get_endidx()]
            offered[:] = _completions(session, loop, before, readline.get_begidx())
            if " " not in before:
                offered.extend(v for v in verbs if v.startswith(before))
        return offered[state] if state < len(offered) else None

    # Only spaces separate words, so "/sea" and "query:" complete as whole words.
    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def _completions(
    session: Session, loop: asyncio.AbstractEventLoop, before: str, word_start: int
) -> list[str]:
    """Ways to finish the word that starts at ``word_start``: names, or the bot's suggestions."""
    target = session.catalog.value_at_cursor(before)
    if target is None:
        return session.catalog.completions(before)
    command, option, value_start = target
    typed = before[value_start:]
    suggest = asyncio.run_coroutine_threadsafe(session.autocomplete(command, option, typed), loop)
    try:
        values = suggest.result(COMPLETION_TIMEOUT)
    except Exception:  # a slow or failing autocomplete offers nothing, as in Discord
        suggest.cancel()
        return []
    # Readline replaces the word being completed: from the option's name when it is in that
    # word ("city:Bos"), else from inside the value ("New Y" completes "Y").
    if value_start >= word_start:
        return [before[word_start:value_start] + value for value in values]
    done = before[value_start:word_start]
    return [value[len(done) :] for value in values if value.startswith(done)]
