"""Turn what the bot posts (text, embeds, buttons, menus, threads) into terminal text.

Embeds arrive already rendered by bot.render for Discord; here they only lose what a terminal
cannot show: markdown escapes become the characters Discord would display, and a block quote
becomes "> " lines. Bold stays as ``**word**`` in plain output (so search matches still stand
out in a transcript) and becomes real bold on a colour terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import discord

# What Discord hides: a backslash before punctuation, and the zero-width spaces that break
# mentions. Bold markers are matched in the same pass so that an escaped "\*\*" stays literal.
_MARKUP = re.compile(r"\\([!-/:-@\[-`{-~])|\*\*|\u200b")
_SUMMARY = 60
_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# The margin a wrapped line keeps: indentation, the frame of an embed, quote marks, a bullet.
_MARGIN = re.compile(r"[ │>•↪]*")


@dataclass(frozen=True, slots=True)
class Style:
    """ANSI styling for a terminal; the plain style (pipes, files) adds no escape codes."""

    colour: bool

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m" if self.colour else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m" if self.colour else text

    def markdown(self, text: str) -> str:
        """Discord markdown as a terminal would best show it."""
        bold = False

        def replace(match: re.Match[str]) -> str:
            nonlocal bold
            if match[1]:
                return match[1]
            if match[0] == "**":
                if not self.colour:
                    return "**"
                bold = not bold
                return "\x1b[1m" if bold else "\x1b[22m"
            return ""

        return _MARKUP.sub(replace, text) + ("\x1b[22m" if bold else "")


def summary(message: discord.Message) -> str:
    """A few words that identify a message, for "reply to" lines."""
    text = message.clean_content or next((e.title for e in message.embeds if e.title), "")
    # Without markup: bold inside quotation marks reads as clutter.
    plain = _MARKUP.sub(lambda match: match[1] or "", text).strip()
    first = plain.splitlines()[0] if plain else ""
    if not first:
        return f"message {message.id}"
    return f"“{first[:_SUMMARY]}…”" if len(first) > _SUMMARY else f"“{first}”"


def place(channel_name: str, style: Style) -> str:
    """The line that marks where the following messages were posted."""
    return style.dim(f"── #{channel_name} ──")


def format_message(
    message: discord.Message, style: Style, *, parent: str | None = None, edited: bool = False
) -> str:
    """One message, headed by its author; ``parent`` identifies the message it replies to."""
    if message.type is discord.MessageType.thread_created:
        return style.dim(f"{message.author.display_name} started a thread: #{message.content}")
    notes = []
    if message.flags.ephemeral:
        notes.append("only you can see this")
    if edited:
        notes.append("edited")
    header = style.bold(message.author.display_name)
    lines = [f"{header} {style.dim('(' + ', '.join(notes) + ')')}" if notes else header]
    if parent is not None:
        lines.append(style.dim(f"↪ reply to {parent}"))
    if message.content:
        # Mentions as the client shows them: "#general", "@you".
        lines += style.markdown(_content(message)).splitlines()
    for embed in message.embeds:
        lines += _embed_lines(embed, style)
    lines += _component_lines(message.components, style)
    lines += [style.dim(f"[file] {a.filename}") for a in message.attachments]
    if not (message.content or message.embeds or message.components or message.attachments):
        # Deferred and never answered: Discord keeps showing the placeholder.
        lines.append(style.dim(f"{message.author.display_name} is thinking…"))
    return "\n".join(lines[:1] + [f"  {line}".rstrip() for line in lines[1:]])


def _content(message: discord.Message) -> str:
    """The text as the client shows it, mentions by name ("#general", "@you")."""
    text = message.clean_content
    # A channel's name cut short ends in "…"; the client shows the mention as a pill, so a full
    # stop after it reads well there but as "…." here.
    for channel in message.channel_mentions:
        if channel.name.endswith("…"):
            text = text.replace(f"#{channel.name}.", f"#{channel.name}")
    return text


def wrap(text: str, width: int) -> str:
    """``text`` with each line folded to ``width`` columns between words, never inside one.

    Folded parts keep the line's margin (indentation, "│ " and "> " marks), so a paragraph of an
    embed stays inside its frame; escape codes take no columns. A word longer than the line
    stays whole: a cut URL or id could not be copied.
    """
    return "\n".join(part for line in text.split("\n") for part in _fold(line, width))


def _fold(line: str, width: int) -> list[str]:
    plain = _ESCAPE.sub("", line)
    if len(plain) <= width:
        return [line]
    margin = _MARGIN.match(plain)
    assert margin is not None  # the margin may be empty, never missing
    # Under a bullet or an arrow, continued text lines up with the text, not the mark.
    indent = re.sub("[•↪]", " ", margin[0])
    cut = _index_after(line, len(margin[0]))
    parts: list[str] = []
    current, used, fresh = line[:cut], len(margin[0]), True
    for word in line[cut:].split(" "):
        columns = len(_ESCAPE.sub("", word))
        if fresh:
            current, used = current + word, used + columns
        elif used + 1 + columns > width:
            parts.append(current)
            current, used = indent + word, len(indent) + columns
        else:
            current, used = f"{current} {word}", used + 1 + columns
        fresh = False
    return [*parts, current]


def _index_after(line: str, columns: int) -> int:
    """Where in ``line`` the first ``columns`` visible characters end, escape codes skipped."""
    index = 0
    while True:
        if escape := _ESCAPE.match(line, index):
            index = escape.end()
        elif columns == 0 or index == len(line):
            return index
        else:
            index, columns = index + 1, columns - 1


def _embed_lines(embed: discord.Embed, style: Style) -> list[str]:
    top = "┌─ " + style.bold(style.markdown(embed.title)) if embed.title else "┌─"
    body: list[str] = []
    if embed.author.name:
        body.append(style.dim(embed.author.name))
    if embed.description:
        body += _quoted(style.markdown(embed.description))
    for field in embed.fields:
        body.append(style.bold(style.markdown(field.name or "")))
        body += [f"  {line}" for line in _quoted(style.markdown(field.value or ""))]
    bottom = "└─ " + style.dim(embed.footer.text) if embed.footer.text else "└─"
    return [top, *(f"│ {line}" for line in body), bottom]


def _quoted(text: str) -> list[str]:
    # ">>> " quotes everything after it; as text, each line carries its own "> ".
    if text.startswith(">>> "):
        return [f"> {line}" for line in text[4:].splitlines()]
    return text.splitlines()


def components(message: discord.Message) -> list[discord.Component]:
    """The message's buttons and menus, out of their rows."""
    return [item for row in message.components for item in _row_items(row)]


def _row_items(row: discord.Component) -> list[discord.Component]:
    return list(row.children) if isinstance(row, discord.ActionRow) else [row]


def _component_lines(rows: Iterable[discord.Component], style: Style) -> list[str]:
    lines = []
    for row in rows:
        items = _row_items(row)
        buttons = [_button(item) for item in items if isinstance(item, discord.Button)]
        if buttons:
            lines.append(" ".join(buttons))
        for item in items:
            if isinstance(item, discord.SelectMenu):
                lines.append(f"menu: {item.placeholder or 'choose'}")
                lines += [
                    f"  • {o.label}" + (style.dim(f" ({o.description})") if o.description else "")
                    for o in item.options
                ]
    return lines


def _button(button: discord.Button) -> str:
    label = button.label or (str(button.emoji) if button.emoji else "?")
    if button.url:
        return f"[{label} ↗ {button.url}]"
    return f"[{label} (disabled)]" if button.disabled else f"[{label}]"
