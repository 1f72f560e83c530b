"""One console session: a user in a simulated server, driving the real bot one line at a time."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import discord
import simcord
from discord import app_commands

from bot.console.commands import CommandCatalog, InputError
from bot.console.printer import Style, components, format_message, place, summary, wrap

log = logging.getLogger(__name__)
_T = TypeVar("_T")

HELP_VERBS = """\
Console:
click <label>     press the button with that label on the newest message that has it
select <option>   choose that option in the newest menu that offers it, as it is listed
help [command]    this list, or one command's options;  ?  does the same
quit              leave (Ctrl-D too); Ctrl-C clears the line being typed, or stops a command
# text            a comment, ignored (for scripts); so is the rest of a line after " # "
Tab completes commands, options, and the ids and cities the bot suggests.
Type a command as in Discord: /search query:snitch, or /search snitch to fill the first option.
An option's text runs up to the next option's name, quotes included, as Discord sends it:
/search query:"democratic centralism" -lenin finds that phrase in comments without lenin."""
# " # " ends what is typed, so the README's annotated examples can be pasted as they stand.
_TRAILING_COMMENT = re.compile(r"\s#(?:\s.*)?$")
BUSY = "(The bot is still busy; what it posts next shows after your next command.)"


@dataclass(frozen=True, slots=True)
class Seen:
    """What a message looked like when it was last printed, to notice edits."""

    text: str
    summary: str


class Session:
    """The member "you" in #general, and what they have seen so far."""

    def __init__(
        self,
        env: simcord.Env,
        channel: simcord.ChannelHandle,
        you: simcord.MemberActor,
        catalog: CommandCatalog,
        style: Style,
        wait_until_idle: Callable[[], Awaitable[bool]],
        width: int | None = None,
    ) -> None:
        self._env = env
        self._channel = channel
        self._you = you
        self.catalog = catalog
        self._style = style
        self._wait_until_idle = wait_until_idle
        self._width = width
        # Whether any command failed (an error answer, a line the console could not read), so
        # that a script fed through a pipe can tell from the exit status.
        self.failed = False
        self._seen: dict[int, Seen] = {}
        # Where the last printed message was, so that a change of channel or thread is marked.
        self._printed_in = channel.id

    async def handle(self, line: str) -> bool:
        """Run one typed line and print what the user would see; False means leave."""
        line = line.strip()
        if not line.startswith("#"):
            line = _TRAILING_COMMENT.sub("", line)
        verb, _, rest = line.partition(" ")
        verb, rest = verb.casefold(), rest.strip()
        try:
            if line.startswith("#"):
                pass  # a comment, for scripts fed through a pipe
            elif verb in ("quit", "exit"):
                return False
            elif verb in ("help", "?"):
                self._say(self.catalog.help(rest) if rest else self._help())
            elif verb == "click":
                await self._interact(self._click(rest))
            elif verb == "select":
                await self._interact(self._select(rest))
            elif line:
                invocation = self.catalog.parse(line.removeprefix("/"))
                await self._interact(
                    self._you.slash(self._channel, invocation.name, **invocation.options)
                )
        except InputError as error:
            self._fail(str(error))
        except simcord.SetupError as error:
            # SimCord refuses what a real Discord client would not let the user do at all.
            self._fail(f"Discord would not allow that: {str(error).splitlines()[0]}")
        except simcord.BackendError as error:
            self._fail(f"Discord refused: {error.message}")
        except BrokenPipeError:
            raise  # whoever reads the output has gone (`| head`): time to leave, not a bug
        except TimeoutError:
            # SimCord gave up waiting for the bot to settle; show what it has posted so far.
            self._print_new()
            self._say(self._style.dim(BUSY))
        except Exception:
            # A bug in the console or the simulation: worth a traceback, not the session.
            self.failed = True
            log.exception("The console could not run %r", line)
        return True

    async def autocomplete(self, command: str, option: str, typed: str) -> list[str]:
        """The values the bot suggests while ``typed`` is in ``option`` of ``/command``."""
        choices = await self._you.autocomplete(self._channel, command, option, typed)
        return [str(choice["value"]) for choice in choices]

    def _say(self, text: str) -> None:
        print(wrap(text, self._width) if self._width else text)

    def _fail(self, message: str) -> None:
        self.failed = True
        self._say(f"✗ {message}")

    def _help(self) -> str:
        return f"Commands:\n{self.catalog.help()}\n\n{HELP_VERBS}"

    async def _interact(self, action: Awaitable[simcord.InteractionResult]) -> None:
        errors_before = self._env.error_cursor
        result = await action
        idle = await self._wait_until_idle()
        self._print_new()
        if not idle:
            self._say(self._style.dim(BUSY))
        if not result.acknowledged:
            self.failed = True
            self._say(self._style.dim("✗ The application did not respond"))
        for error in self._env.errors_since(errors_before):
            # The command error handler has answered command errors already ("There is no
            # comment 999"), yet for a script the command failed. SimCord collects what fails
            # elsewhere (background tasks) too, which would otherwise go unseen.
            self.failed = True
            if not isinstance(error, app_commands.AppCommandError):
                log.warning("The bot failed outside a command", exc_info=error)

    def _visible(self) -> list[tuple[discord.Message, simcord.ChannelHandle]]:
        """Messages the user can see in the channel and its threads, oldest first."""
        found = []
        for channel in (self._channel, *self._channel.threads):
            found += [(message, channel) for message in channel.history(viewer=self._you)]
        return sorted(found, key=lambda pair: pair[0].id)

    @staticmethod
    def _last_change(pair: tuple[discord.Message, simcord.ChannelHandle]) -> tuple[object, ...]:
        # An edit happened after every message posted at the same instant: a replay's progress
        # message says "Done" once the comments are in, so it is printed after them.
        message = pair[0]
        return (message.edited_at or message.created_at, message.edited_at is not None, message.id)

    def _print_new(self) -> None:
        """Print messages that appeared or changed since the last command, in that order."""
        for message, channel in sorted(self._visible(), key=self._last_change):
            parent = None
            if message.reference is not None and message.reference.message_id is not None:
                known = self._seen.get(message.reference.message_id)
                parent = known.summary if known else f"message {message.reference.message_id}"
            text = format_message(message, self._style, parent=parent)
            before = self._seen.get(message.id)
            if before is None or before.text != text:
                if channel.id != self._printed_in:
                    self._say(place(channel.name or str(channel.id), self._style))
                    self._printed_in = channel.id
                # Formatted again only when it changed since it was printed: marked as edited.
                edited = before is not None
                self._say(
                    format_message(message, self._style, parent=parent, edited=True)
                    if edited
                    else text
                )
            self._seen[message.id] = Seen(text, summary(message))

    def _newest(
        self, find: Callable[[discord.Component], _T | None]
    ) -> tuple[discord.Message, discord.Component, _T] | None:
        """The newest visible message with a component ``find`` accepts, that one and its find."""
        for message, _ in reversed(self._visible()):
            for item in components(message):
                if (found := find(item)) is not None:
                    return message, item, found
        return None

    async def _click(self, label: str) -> simcord.InteractionResult:
        if not label:
            raise InputError("Say which button: click <label>, e.g. click Next.")

        def button(item: discord.Component) -> str | None:
            # Matched in any letter case, as typing "click next" clearly means the Next button.
            if isinstance(item, discord.Button) and item.label:
                return item.label if item.label.casefold() == label.casefold() else None
            return None

        target = self._newest(button)
        if target is None:
            raise InputError(f"No button labelled {label!r}. {self._on_screen()}")
        message, _, exact = target
        return await self._you.click(message, label=exact)

    async def _select(self, option: str) -> simcord.InteractionResult:
        if not option:
            raise InputError("Say which option: select <option>, e.g. select Comment 3.")

        # As listed ("• Comment 3.2 (reply to 3)"), or by its label or value alone.
        wanted = option.removeprefix("•").strip().casefold()

        def offered(item: discord.Component) -> str | None:
            if not isinstance(item, discord.SelectMenu):
                return None
            return next((o.value for o in item.options if wanted in _names(o)), None)

        target = self._newest(offered)
        if target is None:
            raise InputError(f"No menu offers {option!r}. {self._on_screen()}")
        message, menu, value = target
        assert isinstance(menu, discord.SelectMenu)
        return await self._you.select(message, [value], custom_id=menu.custom_id)

    def _on_screen(self) -> str:
        labels = [
            item.label
            for message, _ in self._visible()
            for item in components(message)
            if isinstance(item, discord.Button) and item.label and not item.disabled
        ]
        if not labels:
            return "There are no buttons to press right now."
        return "Buttons on screen: " + ", ".join(dict.fromkeys(labels)) + "."


def _names(option: discord.SelectOption) -> tuple[str, ...]:
    """What a typed `select` may say to mean ``option``, in lower case."""
    label = option.label.casefold()
    listed = f"{label} ({option.description.casefold()})" if option.description else label
    return label, listed, option.value
