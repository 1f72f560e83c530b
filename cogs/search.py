from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.archive import queries
from bot.archive import search as archive_search
from bot.errors import UserFacingError
from bot.replies import send_embeds
from cogs.comment import comment_embeds

if TYPE_CHECKING:
    from bot.client import ArchiveBot

PAGE_SIZE = 5
# The buttons carry the query in their custom id (at most 100 characters), so that a page can
# be rebuilt from the button alone, after a restart or hours later.
MAX_QUERY = 60
_PAGE_TEMPLATE = r"search:(?P<action>prev|next|post):(?P<owner>\d+):(?P<offset>\d+):(?P<query>.+)"


async def _page(
    interaction: discord.Interaction, query: str, offset: int
) -> archive_search.SearchPage:
    bot: ArchiveBot = interaction.client  # type: ignore[assignment]
    return await archive_search.search(bot.db, query, limit=PAGE_SIZE, offset=offset)


def results_view(
    page: archive_search.SearchPage, owner: int, *, shared: bool = False
) -> discord.ui.View:
    """Paging for the searcher (owner), "post" while the results are private, "open" for anyone."""
    view = discord.ui.View(timeout=None)
    last = max(page.total - 1, 0) // PAGE_SIZE * PAGE_SIZE
    previous = max(page.offset - PAGE_SIZE, 0)
    following = min(page.offset + PAGE_SIZE, last)
    view.add_item(PageButton("prev", owner, previous, page.query, disabled=page.offset == 0))
    view.add_item(PageButton("next", owner, following, page.query, disabled=page.offset >= last))
    if not shared:
        view.add_item(PageButton("post", owner, page.offset, page.query))
    if page.hits:
        view.add_item(OpenResult([_result_option(hit) for hit in page.hits]))
    return view


def _result_option(hit: archive_search.SearchHit) -> discord.SelectOption:
    where = f"reply to {hit.parent_id}" if hit.parent_id else "top-level comment"
    return discord.SelectOption(
        label=f"Comment {hit.comment_id}", value=hit.comment_id, description=where
    )


class PageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_PAGE_TEMPLATE):
    """Previous/Next/Post for one search; the page it shows is derived from its custom id."""

    LABELS = {"prev": "Previous", "next": "Next", "post": "Post to channel"}

    def __init__(
        self, action: str, owner: int, offset: int, query: str, *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[action],
                style=discord.ButtonStyle.primary
                if action == "post"
                else discord.ButtonStyle.secondary,
                custom_id=f"search:{action}:{owner}:{offset}:{query}",
                disabled=disabled,
            )
        )
        self.action, self.owner, self.offset, self.query = action, owner, offset, query

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(match["action"], int(match["owner"]), int(match["offset"]), match["query"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message(
            "These buttons belong to the person who searched. Run `/search` to get your own.",
            ephemeral=True,
        )
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        page = await _page(interaction, self.query, self.offset)
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
        item: discord.ui.Select[Any],
        match: re.Match[str],
        /,
    ) -> OpenResult:
        return cls(item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ArchiveBot = interaction.client  # type: ignore[assignment]
        chosen = self.item.values[0]
        comment = await queries.get_comment(bot.db, chosen)
        if comment is None:
            # The archive was re-ingested since these results were shown.
            await interaction.response.send_message(
                f"Comment {chosen} is no longer in the archive; search again.", ephemeral=True
            )
            return
        await send_embeds(interaction, await comment_embeds(bot, comment), ephemeral=True)


class SearchCog(commands.Cog):
    """Finds comments by keyword, ranked, with the matches highlighted."""

    def __init__(self, bot: ArchiveBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, OpenResult)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, OpenResult)

    @app_commands.command(name="search")
    @app_commands.describe(query='Words to find (all must match); "a phrase", prefix*, -exclude')
    async def search_command(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, MAX_QUERY],
    ) -> None:
        """Find comments by keyword, best matches first (only you see the results)."""
        if archive_search.build_match(query) is None:
            raise UserFacingError(
                "There is nothing to search for in that query: use at least one word with letters"
                ' or digits, for example `/search query:snitch` or `/search query:"democratic'
                ' centralism"`.'
            )
        page = await _page(interaction, query, 0)
        if not page.hits:
            hint = (
                f" Did you mean `/search query:{page.suggestion}`?"
                if page.suggestion
                else " Try fewer words, or a prefix such as `democ*`."
            )
            raise UserFacingError(
                f"No comment matches “{render.escape_archive_text(query)}”.{hint}"
            )
        await interaction.response.send_message(
            embed=render.search_embed(page, PAGE_SIZE),
            view=results_view(page, interaction.user.id),
            ephemeral=True,
        )


async def setup(bot: ArchiveBot) -> None:
    await bot.add_cog(SearchCog(bot))
