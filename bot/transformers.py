"""Turn what a user typed into archive records, with autocomplete, for every command that needs it.

Transformers raise :class:`UserFacingError`, so a bad id or city is answered in one place (the
bot's app-command error handler) with a message that says what to type instead. Typed text is
hostile until shown otherwise: it may be thousands of characters long or hold lone surrogates,
so it is cleaned before it reaches SQLite and quoted only in a short, escaped form.
"""

from __future__ import annotations

import abc
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import discord
from discord import app_commands

from bot import render
from bot.archive import mentions, outline, queries
from bot.archive.library import ArchiveSet, LoadedArchive
from bot.archive.models import Comment, Discussion, Member
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.client import ArchiveBot

T = TypeVar("T")


def find_archive(archives: ArchiveSet, typed: str) -> LoadedArchive | None:
    """The archive a person named: by its name (what autocomplete sends) or its whole title."""
    found = archives.get(typed)
    if found is not None:
        return found
    wanted = " ".join(typed.split()).casefold()
    return next((a for a in archives if " ".join(a.title.split()).casefold() == wanted), None)


async def chosen_archive(
    interaction: discord.Interaction[ArchiveBot], typed: str | None = None
) -> LoadedArchive:
    """The archive that answers a command: the one typed in its ``archive`` option, else the
    server's default (/archive use), else the bot's default (the first of ARCHIVE_PATH).

    Every command and every transformer asks here, so they can never answer from two archives.
    """
    bot = interaction.client
    if typed is not None and typed.strip():
        archive = find_archive(bot.archives, render.clean_input(typed))
        if archive is None:
            raise UserFacingError(render.unknown_archive(typed, list(bot.archives)))
        return archive
    if interaction.guild_id is not None:
        name = await bot.guild_archives.get(interaction.guild_id)
        # An archive since dropped from ARCHIVE_PATH leaves the server on the bot's default.
        archive = bot.archives.get(name) if name is not None else None
        if archive is not None:
            return archive
    return bot.archives.default


def _typed_archive(interaction: discord.Interaction[ArchiveBot]) -> str | None:
    """What the person put in the command's ``archive`` option, if it has one and they did."""
    # A Namespace answers None for an option that was not given.
    typed = interaction.namespace.archive
    return typed if isinstance(typed, str) else None


async def archive_of(interaction: discord.Interaction[ArchiveBot]) -> LoadedArchive:
    """The archive the interaction's command reads, for transformers of its other options."""
    return await chosen_archive(interaction, _typed_archive(interaction))


def with_resolution(
    interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, what: str
) -> LoadedArchive:
    """The archive, if it records a resolution and its members; else the answer saying so and
    naming the archives that do."""
    if archive.has_resolution:
        return archive
    holders = [a for a in interaction.client.archives if a.has_resolution]
    raise UserFacingError(render.not_recorded(what, archive, holders))


class ArchiveTransformer(app_commands.Transformer["ArchiveBot"]):
    """An archive by name, completed from the loaded archives' titles."""

    async def transform(
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> LoadedArchive:
        return await chosen_archive(interaction, value)

    async def autocomplete(  # type: ignore[override]  # discord.py: value int | float | str
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        typed = " ".join(render.clean_input(value, replacement="").split()).casefold()
        return [
            app_commands.Choice(name=render.archive_choice(archive), value=archive.name)
            for archive in interaction.client.archives
            if typed in archive.name or typed in archive.title.casefold()
        ][: render.CHOICES]


class InArchive(app_commands.Transformer["ArchiveBot"]):
    """An option read in the command's chosen archive: its autocomplete suggests from there."""

    # discord.py types the value as int | float | str for every option type; ours is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> list[app_commands.Choice[str]]:
        try:
            archive = await archive_of(interaction)
        except UserFacingError:
            return []  # an unknown archive: its own option says so when the command is sent
        # A stray half of a surrogate pair is dropped rather than shown, so suggestions keep
        # coming.
        return await self.suggest(interaction, archive, render.clean_input(value, replacement=""))

    @abc.abstractmethod
    async def suggest(
        self, interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, typed: str
    ) -> list[app_commands.Choice[str]]:
        """The choices for ``typed`` (surrogate halves already dropped) in ``archive``."""


class AuthorTransformer(InArchive):
    """A commenter's name, as the chosen archive spells it, completed from its authors."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> str:
        archive = await archive_of(interaction)
        typed = " ".join(render.clean_input(value).split())
        for author, _ in await queries.complete_authors(archive.db, typed, render.CHOICES):
            if author.casefold() == typed.casefold():
                return author
        raise UserFacingError(
            f"No comment in {render.archive_title(archive)} is by {render.quoted_input(value)}."
            " Start typing a name and pick one from the list."
        )

    async def suggest(
        self, interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, typed: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=render.author_choice(author, count), value=author)
            for author, count in await queries.complete_authors(archive.db, typed, render.CHOICES)
            # A choice's value holds 100 characters at most; a longer name can still be typed.
            if len(author) <= render.CHOICE_NAME
        ]


@dataclass(frozen=True, slots=True)
class Chosen(Generic[T]):
    """What a typed comment reference names: a comment of one of an archive's discussions, with
    what its command reads about it, or (``found`` None, typed ``4/``) the discussion's root,
    its post."""

    archive: LoadedArchive
    discussion: Discussion
    found: queries.Found[T] | None

    @property
    def comment(self) -> Comment | None:
        return self.found.comment if self.found is not None else None

    @property
    def ref(self) -> str:
        """The reference as the archive's readers type it: "3.2", or "4/3.2" and "4/" in an
        archive of several discussions."""
        return render.comment_ref(self.archive, self.discussion.number, self.comment)


class CommentTransformer(InArchive, Generic[T]):
    """A comment reference (``3.2.1``, ``4/3.2.1``, ``4/``, ``#1234``) in the chosen archive,
    completed from ids, words and discussion titles as the user types.

    The comment comes with what its command reads about it (``about``), in the trip that finds
    it: each trip waits for the event loop and a thread to take their turn, which on a busy
    machine is most of a command's time.
    """

    @staticmethod
    @abc.abstractmethod
    def about(conn: sqlite3.Connection, comment: Comment) -> T:
        """What the command reads about the comment (on the connection's thread)."""

    async def transform(
        self, interaction: discord.Interaction[ArchiveBot], value: str
    ) -> Chosen[T]:
        archive = await archive_of(interaction)
        ref = outline.parse_ref(render.clean_input(value))
        if ref is None:
            raise UserFacingError(render.not_a_ref(value, archive))
        db = archive.db
        if ref.export_id is not None:
            exported = await queries.exported_with(db, ref.export_id, self.about)
            if exported is None:
                raise UserFacingError(render.missing_export_id(ref.export_id, archive))
            return await _chosen(archive, exported.comment.discussion, exported)
        if ref.discussion is None and archive.discussions > 1:
            raise UserFacingError(render.which_discussion(archive))
        number = ref.discussion or 1
        if ref.comment_id is None:
            return await _chosen(archive, number, None)
        found = await queries.comment_with(db, ref.comment_id, number, self.about)
        if isinstance(found, queries.Nearest):
            await _chosen(archive, number, None)  # a discussion that is not there says so first
            prefix = render.discussion_prefix(archive, number)
            raise UserFacingError(
                render.missing_comment(ref.comment_id, found.above, found.last_reply, prefix)
            )
        return await _chosen(archive, number, found)

    async def suggest(
        self, interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, typed: str
    ) -> list[app_commands.Choice[str]]:
        # "３.２" and "03" complete as the ids they stand for, "4/3" within discussion 4; anything
        # else as typed.
        ref = outline.parse_ref(typed)
        discussion = ref.discussion if ref is not None else None
        if ref is not None and ref.export_id is None:
            typed = ref.comment_id or ""
        choices: list[app_commands.Choice[str]] = []
        if ref is not None and ref.export_id is not None:
            exported = await queries.get_comment_by_export_id(archive.db, ref.export_id)
            if exported is not None:
                shown = render.comment_ref(archive, exported.discussion, exported)
                choices.append(
                    app_commands.Choice(name=render.comment_choice(exported, shown), value=shown)
                )
            return choices
        several = archive.discussions > 1
        if several and (ref is None or ref.is_root):
            # Whole discussions first: by title as words are typed, or the one typed as "4/".
            found = (
                await queries.list_discussions(archive.db, typed, render.CHOICES)
                if ref is None
                else [d for d in [await archive.discussion(discussion or 0)] if d]
            )
            choices += [
                app_commands.Choice(name=render.discussion_choice(d), value=f"{d.number}/")
                for d in found[:5]
            ]
        comments = await queries.complete_comment_ids(
            archive.db, typed, render.CHOICES - len(choices), discussion
        )
        choices += [
            app_commands.Choice(
                name=render.comment_choice(c, render.comment_ref(archive, c.discussion, c)),
                value=render.comment_ref(archive, c.discussion, c),
            )
            for c in comments
        ]
        return choices


async def _chosen(archive: LoadedArchive, number: int, found: queries.Found[T] | None) -> Chosen[T]:
    discussion = await archive.discussion(number)
    if discussion is None:
        raise UserFacingError(render.missing_discussion(number, archive))
    return Chosen(archive, discussion, found)


class ShownComment(CommentTransformer[queries.Context]):
    """/comment's comment, with the context it is shown in."""

    @staticmethod
    def about(conn: sqlite3.Connection, comment: Comment) -> queries.Context:
        return queries.context_of(conn, comment)


class ReplayedComment(CommentTransformer[list[Comment]]):
    """/thread's comment, with every reply under it: what the replay posts."""

    @staticmethod
    def about(conn: sqlite3.Connection, comment: Comment) -> list[Comment]:
        return queries.subtree_of(conn, comment)


class CityTransformer(InArchive):
    """One of the cities named in the member list, in any letter case."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> str:
        archive = with_resolution(interaction, await archive_of(interaction), "members")
        cities = await queries.city_counts(archive.db)
        typed = value.strip().casefold()
        for city, _ in cities:
            if city.casefold() == typed:
                return city
        known = ", ".join(city for city, _ in cities)
        raise UserFacingError(
            f"No member is listed in {render.quoted_input(value)}."
            f" The cities in the list are: {known}."
        )

    async def suggest(
        self, interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, typed: str
    ) -> list[app_commands.Choice[str]]:
        typed = typed.strip().casefold()
        return [
            app_commands.Choice(name=f"{city} ({count})", value=city)
            for city, count in await queries.city_counts(archive.db)
            if typed in city.casefold()
        ][: render.CHOICES]


class MemberTransformer(InArchive):
    """One of the members the resolution names, typed loosely ("hector a") or picked."""

    async def transform(self, interaction: discord.Interaction[ArchiveBot], value: str) -> Member:
        archive = await archive_of(interaction)
        member = mentions.find_member(await queries.list_members(archive.db), value)
        if member is None:
            raise UserFacingError(
                f"No member is named {render.quoted_input(value)}. Start typing a first name"
                " and pick one from the list; `/members` lists them all."
            )
        return member

    async def suggest(
        self, interaction: discord.Interaction[ArchiveBot], archive: LoadedArchive, typed: str
    ) -> list[app_commands.Choice[str]]:
        # With a city already chosen, its members come first: that is whom the user is after.
        city = getattr(interaction.namespace, "city", None)
        members = await queries.list_members(archive.db)
        members.sort(
            key=lambda m: not isinstance(city, str) or m.city.casefold() != city.casefold()
        )
        members = mentions.complete_members(members, typed)
        return [
            app_commands.Choice(
                name=render.plain_label(f"{m.name} ({m.city})", render.CHOICE_NAME),
                value=render.truncate_label(m.name, render.CHOICE_NAME),
            )
            for m in members[: render.CHOICES]
        ]
