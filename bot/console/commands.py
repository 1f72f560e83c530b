"""Read a typed line the way Discord's command box does, using the bot's own command tree.

``/search query:snitch`` names an option; ``/search snitch`` fills the first option, as typing
straight after a command's name does in Discord. An option's text runs up to the next option of
that command (`` here:``), quotes included, because that is what Discord sends: so
``/search query:"democratic centralism" -lenin`` searches for the phrase, as the README shows.
The tree supplies option names, types, choices and descriptions, so the console needs no list
of its own and stays in step with the cogs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

# Any command of any cog: the console only reads their names, options and autocompletes.
AnyCommand = app_commands.Command[Any, ..., Any]

OptionValue = str | int | float | bool

# What looks like an option's name at the start of the text: a typo there (`/members cty:Boston`)
# is reported rather than taken as text.
_LEADING_NAME = re.compile(r"(?P<name>[^\W\d][\w-]*):")
_INTEGER = re.compile(r"[-+]?\d+")
_BOOLEANS = {
    **dict.fromkeys(("true", "yes", "on", "1"), True),
    **dict.fromkeys(("false", "no", "off", "0"), False),
}
_TYPE_NAMES = {
    discord.AppCommandOptionType.string: "text",
    discord.AppCommandOptionType.integer: "whole number",
    discord.AppCommandOptionType.number: "number",
    discord.AppCommandOptionType.boolean: "true or false",
}


class InputError(ValueError):
    """What was typed is not something Discord's command box would accept; the message says why."""


@dataclass(frozen=True, slots=True)
class Invocation:
    name: str
    options: dict[str, OptionValue]


class CommandCatalog:
    """The slash commands a user can run, keyed by the name typed after the slash."""

    def __init__(self, commands: Mapping[str, AnyCommand]) -> None:
        self._commands = dict(sorted(commands.items()))

    @classmethod
    def from_tree(
        cls, tree: app_commands.CommandTree, names: Iterable[str], guild: discord.abc.Snowflake
    ) -> CommandCatalog:
        """The commands among ``names`` (what the user may run, e.g. "group sub") in the tree."""
        found: dict[str, AnyCommand] = {}
        for name in names:
            command = _lookup(tree, name.split(), guild)
            if command is not None:
                found[name] = command
        return cls(found)

    def parse(self, line: str) -> Invocation:
        """``line`` without its leading slash, e.g. ``search query:"a phrase"``."""
        name, rest = self._split_name(line.strip())
        command = self._commands[name]
        params = {p.display_name: p for p in command.parameters}
        leading = _LEADING_NAME.match(rest.lstrip())
        if leading and leading["name"] not in params:
            raise InputError(
                f"/{name} has no option {leading['name']}: (it takes {_option_list(command)})."
                " For text that starts with a word and a colon, name the option first."
            )
        named: dict[str, str] = {}
        plain: str | None = None
        for option, typed in _segments(rest, params):
            value = typed.strip()
            if option is None:
                plain = value
            elif option in named:
                raise InputError(f"{option}: is given twice.")
            elif not value:
                raise InputError(f"{option}: needs a value after the colon.")
            else:
                named[option] = value
        if plain is not None:
            if not command.parameters:
                raise InputError(f"/{name} takes no options.")
            first = command.parameters[0].display_name
            if first in named:
                raise InputError(f"{first}: is given twice (once by name, once as plain text).")
            named = {first: plain, **named}
        missing = [
            p.display_name for p in command.parameters if p.required and p.display_name not in named
        ]
        if missing:
            raise InputError(
                f"/{name} needs {', '.join(f'{n}:' for n in missing)} (try `help {name}`)."
            )
        return Invocation(name, {k: _convert(params[k], v) for k, v in named.items()})

    def _split_name(self, line: str) -> tuple[str, str]:
        # Command names are lower case; Discord's picker finds them however they are typed.
        typed = line.casefold()
        # Longest match first, so "group sub" wins over a command called "group".
        for name in sorted(self._commands, key=len, reverse=True):
            if typed == name or typed.startswith(name + " "):
                return name, line[len(name) :]
        raise _unknown(line.split(maxsplit=1)[0] if line else "")

    def help(self, name: str | None = None) -> str:
        """Every command with its options, or one command when ``name`` is given."""
        if name is not None:
            name = name.removeprefix("/")
            if name not in self._commands:
                raise _unknown(name)
            return _describe(name, self._commands[name])
        return "\n\n".join(_describe(n, c) for n, c in self._commands.items())

    def value_at_cursor(self, before: str) -> tuple[str, str, int] | None:
        """(command, option, where its text starts) when ``before`` ends in an option's text.

        Only for options the bot autocompletes (ids, cities): their values come from the bot.
        """
        slash = len(before) - len(before.lstrip().removeprefix("/"))
        try:
            name, rest = self._split_name(before[slash:])
        except InputError:
            return None
        command = self._commands[name]
        spans = _spans(rest, [p.display_name for p in command.parameters])
        if not spans or not command.parameters:
            return None
        option, start, _ = spans[-1]
        param = next(
            p
            for p in command.parameters
            if p.display_name == (option or command.parameters[0].display_name)
        )
        if not param.autocomplete:
            return None
        offset = len(before) - len(rest)
        return (
            name,
            param.display_name,
            offset + start + (len(rest[start:]) - len(rest[start:].lstrip())),
        )

    def completions(self, before: str) -> list[str]:
        """Ways to finish the last word of ``before`` (the line up to the cursor)."""
        words = before.split(" ")
        if len(words) == 1:
            slash = "/" if before.startswith("/") else ""
            return [f"{slash}{n} " for n in self._commands if f"{slash}{n}".startswith(before)]
        command = self._commands.get(words[0].removeprefix("/"))
        if command is None:
            return []
        return [
            f"{p.display_name}:" for p in command.parameters if p.display_name.startswith(words[-1])
        ]


def _unknown(name: str) -> InputError:
    return InputError(f"There is no /{name} command. Type `help` to list the commands.")


def _lookup(
    tree: app_commands.CommandTree, path: list[str], guild: discord.abc.Snowflake
) -> AnyCommand | None:
    # A guild's own command shadows a global one of the same name, as in Discord.
    node = tree.get_command(path[0], guild=guild) or tree.get_command(path[0])
    for part in path[1:]:
        node = node.get_command(part) if isinstance(node, app_commands.Group) else None
    return node if isinstance(node, app_commands.Command) else None


def _segments(text: str, options: Iterable[str]) -> list[tuple[str | None, str]]:
    """``text`` cut before each `` name:`` of a known option: (name, its text), in typed order.

    Text before the first option is the plain text that fills the first option (name None).
    """
    return [(name, text[start:end]) for name, start, end in _spans(text, options)]


def _spans(text: str, options: Iterable[str]) -> list[tuple[str | None, int, int]]:
    """Where each option's text lies in ``text``, as (name, start, end); as typed, not stripped."""
    names = "|".join(re.escape(name) for name in options)
    starts = list(re.finditer(rf"(?:^|(?<=\s))(?P<name>{names}):", text)) if names else []
    head_end = starts[0].start() if starts else len(text)
    spans: list[tuple[str | None, int, int]] = (
        [(None, 0, head_end)] if text[:head_end].strip() else []
    )
    ends = [match.start() for match in starts[1:]] + [len(text)]
    # Without options there is no end to pair: zip stops at the shorter list.
    spans += [(m["name"], m.end(), end) for m, end in zip(starts, ends, strict=False)]
    return spans


def _convert(param: app_commands.Parameter, raw: str) -> OptionValue:
    """The typed value Discord would send for ``raw`` typed into ``param``."""
    name = param.display_name
    if param.choices:
        for choice in param.choices:
            if raw.casefold() in (choice.name.casefold(), str(choice.value).casefold()):
                return choice.value
        names = ", ".join(c.name for c in param.choices)
        raise InputError(f"{name}: must be one of {names}, not {raw!r}.")
    kind = param.type
    if kind is discord.AppCommandOptionType.string:
        return raw
    if kind is discord.AppCommandOptionType.integer:
        if not _INTEGER.fullmatch(raw):
            raise InputError(f"{name}: needs a whole number, not {raw!r}.")
        return int(raw)
    if kind is discord.AppCommandOptionType.number:
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"{name}: needs a number, not {raw!r}.") from None
    if kind is discord.AppCommandOptionType.boolean:
        if raw.casefold() not in _BOOLEANS:
            raise InputError(f"{name}: needs true or false, not {raw!r}.")
        return _BOOLEANS[raw.casefold()]
    # Users, channels, roles and files are picked from Discord's own menus: nothing to type.
    raise InputError(f"{name}: is a {kind.name} option, which the console cannot fill.")


def _option_list(command: AnyCommand) -> str:
    if not command.parameters:
        return "no options"
    return ", ".join(f"{p.display_name}:" for p in command.parameters)


def _describe(name: str, command: AnyCommand) -> str:
    usage = " ".join(
        f"{p.display_name}:<{_type_name(p)}>"
        if p.required
        else f"[{p.display_name}:<{_type_name(p)}>]"
        for p in command.parameters
    )
    lines = [f"/{name} {usage}".rstrip(), f"    {command.description}"]
    lines += [f"    {p.display_name}: {p.description}" for p in command.parameters]
    return "\n".join(lines)


def _type_name(param: app_commands.Parameter) -> str:
    if param.choices:
        return "|".join(c.name for c in param.choices)
    return _TYPE_NAMES.get(param.type, param.type.name)
