"""/search: ranked results with the matches in bold, paged by buttons that outlive the bot.

The buttons' custom ids hold only the action, the searcher, the offset and the archive's name
(short, and made of letters, digits and '-'); the query travels in the results embed itself (see
:func:`bot.render.query_of`), so queries of any length the command accepts page as well after a
restart as before. Buttons sent before there were several archives name none: they page the
default archive, the only one there was.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import outline, queries
from bot.archive import search as archive_search
from bot.archive.library import LoadedArchive
from bot.archive.models import Member
from bot.errors import UserFacingError
from bot.replies import answer, comment_embeds, send_embeds
from bot.transformers import ArchiveTransformer, AuthorTransformer, chosen_archive

if TYPE_CHECKING:
    from bot.client import ArchiveBot

PAGE_SIZE = 5
# A search for unknown words costs many times a normal one (spelling suggestions). Past this many
# at once a burst only queues behind itself and every answer misses Discord's 3 seconds, so the
# rest are turned away at once instead.
MAX_IN_FLIGHT = 8
# Per person: enough to refine a query a few times in a row, not enough to flood the queue.
COOLDOWN_RATE, COOLDOWN_SECONDS = 4, 10.0
BUSY = "Searches are busy right now; try again in a moment."
GONE = "The archive these results come from is no longer loaded; run `/search` again."
# Buttons sent before the query moved into the embed carry it at the end of their custom id.
_PAGE_TEMPLATE = (
    r"search:(?P<action>prev|next|post):(?P<owner>\d+):(?P<offset>\d+)"
    r"(?:@(?P<archive>[a-z0-9-]+))?(?::(?P<query>.+))?"
)


class Busy(UserFacingError):
    def __init__(self) -> None:
        super().__init__(BUSY)


class SearchGate:
    """Counts the searches running now and turns new ones away past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.running >= self.limit:
            raise Busy
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1


@dataclass(frozen=True, slots=True)
class Results:
    """One page of a search, and the embed that shows it."""

    page: archive_search.SearchPage
    embed: discord.Embed


async def _results(
    interaction: discord.Interaction[ArchiveBot],
    archive: LoadedArchive,
    query: str,
    offset: int,
    author: str | None,
) -> Results:
    cog = interaction.client.get_cog(SearchCog.__cog_name__)
    assert isinstance(cog, SearchCog)
    async with cog.gate.slot():
        page = await archive_search.search(
            archive.db, query, limit=PAGE_SIZE, offset=offset, author=author
        )
    titles: dict[int, str] = {}
    if archive.discussions > 1:
        for number in sorted({hit.discussion for hit in page.hits}):
            discussion = await archive.discussion(number)
            titles[number] = discussion.title if discussion else "?"
    embed = render.search_embed(page, PAGE_SIZE, discussions=titles, author=author)
    return Results(page, embed)


def _archive_named(interaction: discord.Interaction[ArchiveBot], name: str | None) -> LoadedArchive:
    """The archive a button or menu names; raises when it is no longer loaded."""
    archives = interaction.client.archives
    archive = archives.default if name is None else archives.get(name)
    if archive is None:
        raise UserFacingError(GONE)
    return archive


def results_view(
    page: archive_search.SearchPage, owner: int, archive: LoadedArchive, *, shared: bool = False
) -> discord.ui.View:
    """Paging for the searcher (owner), "post" while the results are private, "open" for anyone."""
    view = discord.ui.View(timeout=None)
    paging = render.Paging(page.offset, page.total, PAGE_SIZE)
    name = archive.name
    view.add_item(PageButton("prev", owner, paging.previous, name, disabled=paging.is_first))
    view.add_item(PageButton("next", owner, paging.next, name, disabled=paging.is_last))
    if not shared:
        view.add_item(PageButton("post", owner, page.offset, name))
    if page.hits:
        several = archive.discussions > 1
        view.add_item(OpenResult([_result_option(hit, several) for hit in page.hits], name))
    return view


def _result_option(hit: archive_search.SearchHit, several: bool) -> discord.SelectOption:
    ref = render.hit_ref(hit, several)
    parent = render.parent_ref(hit, several)
    where = f"reply to {parent}" if parent is not None else "top-level comment"
    if hit.author:
        where += f" by {hit.author}"
    return discord.SelectOption(
        label=f"Comment {ref}",
        value=ref,
        description=render.plain_label(where, render.OPTION_DESCRIPTION),
    )


class PageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_PAGE_TEMPLATE):
    """Previous/Next/Post for one search; the page it shows is derived from its custom id and the
    query in the message it sits on."""

    LABELS = {"prev": "Previous", "next": "Next", "post": "Post to channel"}

    def __init__(
        self,
        action: str,
        owner: int,
        offset: int,
        archive: str | None,
        *,
        query: str | None = None,
        disabled: bool = False,
    ) -> None:
        named = f"@{archive}" if archive is not None else ""
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=discord.ButtonStyle.primary
                if action == "post"
                else discord.ButtonStyle.secondary,
                custom_id=f"search:{action}:{owner}:{offset}{named}",
                disabled=disabled,
            )
        )
        self.action, self.owner, self.offset, self.query = action, owner, offset, query
        self.archive = archive

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(
            match["action"],
            int(match["owner"]),
            int(match["offset"]),
            match["archive"],
            query=match["query"],
        )

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message(
            "These buttons belong to the person who searched. Run `/search` to get your own.",
            ephemeral=True,
        )
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        message = interaction.message
        query = self.query or render.query_of(message.embeds if message else [])
        if query is None:
            await interaction.response.send_message(
                "These results can no longer be paged; run `/search` again.", ephemeral=True
            )
            return
        author = render.author_filter_of(message.embeds if message else [])
        try:
            archive = _archive_named(interaction, self.archive)
            results = await _results(interaction, archive, query, self.offset, author)
        except UserFacingError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        page, embed = results.page, results.embed
        if self.action == "post":
            await interaction.response.send_message(
                embed=embed, view=results_view(page, self.owner, archive, shared=True)
            )
        else:
            # A page of the private results stays private, a page of posted ones stays public;
            # only the "post" button is missing from the posted message.
            shared = interaction.message is not None and not interaction.message.flags.ephemeral
            await interaction.response.edit_message(
                embed=embed, view=results_view(page, self.owner, archive, shared=shared)
            )


class OpenResult(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"search:open(?:@(?P<archive>[a-z0-9-]+))?",
):
    """A menu of the page's results; picking one shows that comment in full, to the picker."""

    def __init__(self, options: list[discord.SelectOption], archive: str | None) -> None:
        named = f"@{archive}" if archive is not None else ""
        super().__init__(
            discord.ui.Select(
                custom_id=f"search:open{named}",
                placeholder="Open a result in full…",
                options=options,
            )
        )
        self.archive = archive

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OpenResult:
        # The menu's options are the page's results; the select Discord sent back holds them.
        assert isinstance(item, discord.ui.Select)
        return cls(item.options, match["archive"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        chosen = self.item.values[0]
        try:
            archive = _archive_named(interaction, self.archive)
        except UserFacingError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        ref = outline.parse_ref(chosen)
        found: queries.Found[queries.Context] | queries.Nearest | None = None
        if ref is not None and ref.comment_id is not None:
            found = await queries.comment_with(
                archive.db, ref.comment_id, ref.discussion or 1, queries.context_of
            )
        if not isinstance(found, queries.Found):
            # The archive was re-ingested since these results were shown.
            await interaction.response.send_message(
                f"Comment {chosen} is no longer in the archive; search again.", ephemeral=True
            )
            return
        embeds = await comment_embeds(archive, found.comment, found.about)
        await send_embeds(interaction, embeds, ephemeral=True)


def _members_named(members: list[Member], query: str) -> list[Member]:
    """The members whose name holds a word of the query ("hector" finds Héctor A.)."""
    # Initials ("A.") are too short to tell anyone apart.
    typed = set(re.findall(r"\w{2,}", archive_search.fold(query)))
    return [m for m in members if typed & set(re.findall(r"\w{2,}", archive_search.fold(m.name)))]


class SearchCog(commands.Cog):
    """Finds comments by keyword, ranked, with the matches highlighted."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot
        self.gate = SearchGate(MAX_IN_FLIGHT)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, OpenResult)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, OpenResult)

    @app_commands.command(name="search")
    @app_commands.describe(
        query='Words to find (all must match); "a phrase", prefix*, -exclude',
        author="Only comments by this author (start typing a name)",
        archive="Which archive to search (the server's default if left out)",
    )
    @app_commands.checks.cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS)
    async def search_command(
        self,
        interaction: discord.Interaction[ArchiveBot],
        query: app_commands.Range[str, 1, render.MAX_QUERY],
        author: app_commands.Transform[str, AuthorTransformer] | None = None,
        archive: app_commands.Transform[LoadedArchive, ArchiveTransformer] | None = None,
    ) -> None:
        """Find comments by keyword, best matches first (only you see the results)."""
        archive = archive or await chosen_archive(interaction)
        query = render.normalise_query(query)
        if archive_search.build_match(query) is None:
            raise UserFacingError(
                "There is nothing to search for in that query: use at least one word with letters"
                ' or digits, for example `/search query:snitch` or `/search query:"democratic'
                ' centralism"`.'
            )
        results = await _results(interaction, archive, query, 0, author)
        page = results.page
        if page.too_broad:
            raise UserFacingError(render.TOO_BROAD)
        if not page.hits:
            raise UserFacingError(await self._no_match(archive, query, page.suggestion, author))
        await answer(
            interaction,
            embed=results.embed,
            view=results_view(page, interaction.user.id, archive),
            ephemeral=True,
        )

    async def _no_match(
        self, archive: LoadedArchive, query: str, suggestion: str | None, author: str | None
    ) -> str:
        if author is not None:
            return (
                f"No comment by {render.quoted_input(author)} matches"
                f" {render.quoted_input(query)}. Leave out `author:` to search every comment."
            )
        hints: list[str] = []
        named = _members_named(await queries.list_members(archive.db), query)
        if named:
            names = ", ".join(render.escape_archive_text(m.name) for m in named)
            hints.append(
                f"{names} {'is a member' if len(named) == 1 else 'are members'} the resolution"
                " names: `/members` lists them by city."
            )
        if suggestion:
            hints.append(f"Did you mean `/search query:{suggestion}`?")
        else:
            hints.append("Try fewer words, or a prefix such as `democ*`.")
        return f"No comment matches {render.quoted_input(query)}. {' '.join(hints)}"


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(SearchCog(bot))
