"""/search: ranked results with the matches in bold, paged by buttons that outlive the bot.

The buttons' custom ids hold only the action, the searcher and the offset; the query travels in
the results embed itself (see :func:`bot.render.query_of`), so queries of any length the command
accepts page as well after a restart as before.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive import search as archive_search
from bot.archive.models import Member
from bot.errors import UserFacingError
from bot.replies import answer, comment_embeds, send_embeds

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
# Buttons sent before the query moved into the embed carry it at the end of their custom id.
_PAGE_TEMPLATE = (
    r"search:(?P<action>prev|next|post):(?P<owner>\d+):(?P<offset>\d+)(?::(?P<query>.+))?"
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


async def _page(
    interaction: discord.Interaction[ArchiveBot], query: str, offset: int
) -> archive_search.SearchPage:
    bot = interaction.client
    cog = bot.get_cog(SearchCog.__cog_name__)
    assert isinstance(cog, SearchCog)
    async with cog.gate.slot():
        return await archive_search.search(bot.db, query, limit=PAGE_SIZE, offset=offset)


def results_view(
    page: archive_search.SearchPage, owner: int, *, shared: bool = False
) -> discord.ui.View:
    """Paging for the searcher (owner), "post" while the results are private, "open" for anyone."""
    view = discord.ui.View(timeout=None)
    paging = render.Paging(page.offset, page.total, PAGE_SIZE)
    view.add_item(PageButton("prev", owner, paging.previous, disabled=paging.is_first))
    view.add_item(PageButton("next", owner, paging.next, disabled=paging.is_last))
    if not shared:
        view.add_item(PageButton("post", owner, page.offset))
    if page.hits:
        view.add_item(OpenResult([_result_option(hit) for hit in page.hits]))
    return view


def _result_option(hit: archive_search.SearchHit) -> discord.SelectOption:
    where = f"reply to {hit.parent_id}" if hit.parent_id else "top-level comment"
    return discord.SelectOption(
        label=f"Comment {hit.comment_id}", value=hit.comment_id, description=where
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
        *,
        query: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=discord.ButtonStyle.primary
                if action == "post"
                else discord.ButtonStyle.secondary,
                custom_id=f"search:{action}:{owner}:{offset}",
                disabled=disabled,
            )
        )
        self.action, self.owner, self.offset, self.query = action, owner, offset, query

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(match["action"], int(match["owner"]), int(match["offset"]), query=match["query"])

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
        try:
            page = await _page(interaction, query, self.offset)
        except Busy:
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        embed = render.search_embed(page, PAGE_SIZE)
        if self.action == "post":
            await interaction.response.send_message(
                embed=embed, view=results_view(page, self.owner, shared=True)
            )
        else:
            # A page of the private results stays private, a page of posted ones stays public;
            # only the "post" button is missing from the posted message.
            shared = interaction.message is not None and not interaction.message.flags.ephemeral
            await interaction.response.edit_message(
                embed=embed, view=results_view(page, self.owner, shared=shared)
            )


class OpenResult(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"search:open"):
    """A menu of the page's results; picking one shows that comment in full, to the picker."""

    def __init__(self, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id="search:open", placeholder="Open a result in full…", options=options
            )
        )

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
        return cls(item.options)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        db = interaction.client.db
        chosen = self.item.values[0]
        comment = await queries.get_comment(db, chosen)
        if comment is None:
            # The archive was re-ingested since these results were shown.
            await interaction.response.send_message(
                f"Comment {chosen} is no longer in the archive; search again.", ephemeral=True
            )
            return
        await send_embeds(interaction, await comment_embeds(db, comment), ephemeral=True)


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
    @app_commands.describe(query='Words to find (all must match); "a phrase", prefix*, -exclude')
    @app_commands.checks.cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS)
    async def search_command(
        self,
        interaction: discord.Interaction[ArchiveBot],
        query: app_commands.Range[str, 1, render.MAX_QUERY],
    ) -> None:
        """Find comments by keyword, best matches first (only you see the results)."""
        query = render.normalise_query(query)
        if archive_search.build_match(query) is None:
            raise UserFacingError(
                "There is nothing to search for in that query: use at least one word with letters"
                ' or digits, for example `/search query:snitch` or `/search query:"democratic'
                ' centralism"`.'
            )
        page = await _page(interaction, query, 0)
        if page.too_broad:
            raise UserFacingError(render.TOO_BROAD)
        if not page.hits:
            raise UserFacingError(await self._no_match(query, page.suggestion))
        await answer(
            interaction,
            embed=render.search_embed(page, PAGE_SIZE),
            view=results_view(page, interaction.user.id),
            ephemeral=True,
        )

    async def _no_match(self, query: str, suggestion: str | None) -> str:
        hints: list[str] = []
        named = _members_named(await queries.list_members(self.bot.db), query)
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
