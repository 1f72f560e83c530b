"""Several archives in one bot, as a server uses them: the 2014 page (the default) and a small
WordPress blog's export side by side; /archive list and use, the archive option, its
autocomplete, an author-filtered search and a replay of a WordPress discussion."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import discord
import pytest
import simcord
from conftest import ARCHIVE, World, restart

from bot import Settings
from bot.errors import UserFacingError

TENANTS = Path(__file__).parent / "fixtures" / "exports" / "tenants.wxr.xml"
PAGE_NAME, BLOG = "we-are-expelled-updated", "riverside-tenants"
ZWSP = "\u200b"


def stamp(iso: str) -> str:
    """The Discord timestamp a UTC time from the fixture is shown as."""
    return f"<t:{int(dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC).timestamp())}:f>"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, archive_paths=(ARCHIVE, TENANTS))


@pytest.fixture
def admin(world: World) -> simcord.MemberActor:
    """A member with Manage Server, who may choose the server's default archive."""
    role = world.guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    return world.guild.add_member(world.env.create_user("admin"), roles=[role])


def handled(world: World) -> list[type[BaseException]]:
    return [type(getattr(e, "original", e)) for e in world.env.errors]


def text_of(embeds: list[discord.Embed]) -> str:
    parts: list[str] = []
    for embed in embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)


async def test_archive_list_shows_each_archive_with_its_name_and_counts(world: World) -> None:
    result = await world.member.slash(world.channel, "archive list")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "2 archives"
    assert f"**We are expelled (Updated)** · `{PAGE_NAME}` (the default)\n" in embed.description
    assert "56 comments · 3 pingbacks · 3 placeholders · 26 members" in embed.description
    assert f"**Riverside Tenants** · `{BLOG}`\n2 discussions · 7 comments · 1 pingback" in (
        embed.description
    )


async def test_a_moderator_chooses_the_server_default_and_commands_follow_it(
    world: World, admin
) -> None:
    before = await world.member.slash(world.channel, "search", query="boiler")
    chosen = await admin.slash(world.channel, "archive use", name=BLOG)
    after = await world.member.slash(world.channel, "search", query="boiler")

    assert "No comment matches “boiler”" in before.response.content
    assert chosen.ephemeral and f"now read Riverside Tenants (`{BLOG}`)" in chosen.response.content
    assert "**1/1.1.1**" in after.response.embeds[0].description
    listed = await world.member.slash(world.channel, "archive list")
    assert f"`{BLOG}` (this server's default)" in listed.response.embeds[0].description
    # The option still reads any archive.
    page = await world.member.slash(world.channel, "comment", id="3.2", archive=PAGE_NAME)
    assert page.response.embeds[0].title == "Comment 3.2"
    assert handled(world) == [UserFacingError]  # the first search, before the choice


async def test_a_member_cannot_choose_the_server_default(world: World) -> None:
    refused = await world.member.slash(world.channel, "archive use", name=BLOG)

    assert refused.ephemeral
    assert refused.response.content == "You need the **Manage Server** permission to do that."
    assert await world.bot.guild_archives.get(world.guild.id) is None
    assert handled(world) == [discord.app_commands.MissingPermissions]


async def test_an_unknown_archive_is_told_the_names_to_type(world: World) -> None:
    refused = await world.member.slash(world.channel, "about", archive="@everyone blog")

    assert refused.ephemeral
    assert f"There is no archive called “@{ZWSP}everyone blog”" in refused.response.content
    assert f"`{PAGE_NAME}`, `{BLOG}`" in refused.response.content
    assert handled(world) == [UserFacingError]


async def test_archive_autocomplete_offers_titles_and_sends_names(world: World) -> None:
    everything = await world.member.autocomplete(world.channel, "search", "archive", "")
    typed = await world.member.autocomplete(world.channel, "search", "archive", "river")

    assert everything == [
        {"name": "We are expelled (Updated)", "value": PAGE_NAME},
        {"name": "Riverside Tenants", "value": BLOG},
    ]
    assert typed == [{"name": "Riverside Tenants", "value": BLOG}]


async def test_the_same_command_on_each_archive(world: World) -> None:
    page = await world.member.slash(world.channel, "comment", id="3.2")
    blog = await world.member.slash(world.channel, "comment", id="1/1.1", archive=BLOG)
    bare = await world.member.slash(world.channel, "comment", id="1", archive=BLOG)
    by_export_id = await world.member.slash(world.channel, "comment", id="#202", archive=BLOG)

    assert page.response.embeds[0].title == "Comment 3.2"
    embed = blog.response.embeds[0]
    assert embed.title == "Comment 1/1.1"
    assert embed.description == "Who is talking to the press?"
    assert embed.author.name == "Jonas"
    assert embed.url == "https://tenants.example/2019/rent-strike/#comment-102"
    assert embed.timestamp == dt.datetime(2019, 3, 1, 10, 30, tzinfo=dt.UTC)
    shown = text_of(blog.response.embeds)
    assert "↳ 1/1 — We voted to withhold rent" in shown
    assert "in “Rent strike: what we decided”" in shown
    assert "Open one with `/comment id:1/1.1.1`" in shown
    assert bare.ephemeral
    assert "Riverside Tenants has 2 discussions: type `4/3.2.1`" in bare.response.content
    assert by_export_id.response.embeds[0].title == "Comment 2/1.1"
    assert handled(world) == [UserFacingError]


async def test_comment_ids_complete_within_the_chosen_archive(world: World) -> None:
    blog = await world.member.autocomplete(world.channel, "comment", "id", "boiler", archive=BLOG)
    page = await world.member.autocomplete(world.channel, "comment", "id", "boiler")

    assert blog[0] == {"name": "2/ — Boiler repairs (the whole discussion)", "value": "2/"}
    assert [c["value"] for c in blog[1:]] == ["1/1.1.1", "2/1", "2/1.1"]
    assert blog[1]["name"] == "1/1.1.1 — Maria: Ana is. She has the boiler photos."
    assert page == []


async def test_an_author_filtered_search(world: World) -> None:
    authors = await world.member.autocomplete(world.channel, "search", "author", "ma", archive=BLOG)
    everyone = await world.member.slash(world.channel, "search", query="boiler", archive=BLOG)
    maria = await world.member.slash(
        world.channel, "search", query="boiler", author="maria", archive=BLOG
    )
    nobody = await world.member.slash(
        world.channel, "search", query="boiler", author="Nobody", archive=BLOG
    )

    assert authors == [{"name": "Maria (3 comments)", "value": "Maria"}]
    assert everyone.response.embeds[0].footer.text == "Results 1–3 of 3"
    embed = maria.response.embeds[0]
    headings = [line for line in embed.description.split("\n") if line.startswith("**")]
    assert sorted(headings) == [
        "**1/1.1.1** (reply to 1/1.1, depth 3) · Maria · in “Rent strike: what we decided”",
        "**2/1.1** (reply to 2/1, depth 2) · Maria · in “Boiler repairs”",
    ]
    assert embed.footer.text == "Results 1–2 of 2\nOnly comments by Maria"
    # Posting the page keeps the filter; opening a result reads the right archive.
    posted = await world.member.click(maria.response, label="Post to channel")
    assert posted.response.message.embeds[0].footer.text.endswith("Only comments by Maria")
    menu = posted.response.message.components[-1].children[0]
    assert sorted((o.value, o.description) for o in menu.options) == [
        ("1/1.1.1", "reply to 1/1.1 by Maria"),
        ("2/1.1", "reply to 2/1 by Maria"),
    ]
    opened = await world.member.select(
        posted.response.message, custom_id=menu.custom_id, values=["2/1.1"]
    )
    assert opened.response.embeds[0].description == "Called the city inspector about the boiler."
    assert nobody.ephemeral
    assert "No comment in Riverside Tenants is by “Nobody”" in nobody.response.content
    assert handled(world) == [UserFacingError]


async def test_resolution_and_members_point_to_the_archive_that_has_them(world: World) -> None:
    resolution = await world.member.slash(world.channel, "resolution", archive=BLOG)
    members = await world.member.slash(world.channel, "members", archive=BLOG)

    assert resolution.ephemeral and members.ephemeral
    assert resolution.response.content == (
        "Riverside Tenants records no resolution. We are expelled (Updated) does: add"
        f" `archive:{PAGE_NAME}`."
    )
    assert members.response.content.startswith("Riverside Tenants records no members.")
    assert handled(world) == [UserFacingError, UserFacingError]


async def test_about_an_export_gives_its_title_discussions_and_counts(world: World) -> None:
    result = await world.member.slash(world.channel, "about", archive=BLOG)

    embed = result.response.embeds[0]
    assert embed.title == "Riverside Tenants"
    assert "An archive of 2 discussions exported from WordPress" in embed.description
    fields = {field.name: field.value for field in embed.fields}
    assert fields["In the archive"] == "2 discussions · 7 comments · 1 pingback"
    assert fields["Discussions"] == "`1/` Rent strike: what we decided\n`2/` Boiler repairs"


@pytest.mark.simcord(settle_timeout=0.5)
async def test_a_wordpress_discussion_replays_with_authors_dates_and_replies(
    world: World, mod
) -> None:
    result = await mod.slash(world.channel, "thread", id="1/", archive=BLOG)

    [thread] = world.channel.threads
    assert thread.name == "Rent strike: what we decided"
    opening, *messages, closing = thread.history()
    assert opening.content.startswith("**Replay of a whole discussion**")
    assert (
        "**Rent strike: what we decided**\nsecretary · " + stamp("2019-02-28T18:00:00")
        + " · <https://tenants.example/2019/rent-strike/>\nThe general meeting voted to"
        " *withhold rent* from April."
    ) in opening.content  # fmt: skip
    by_ref = {m.content.split(" · ")[0]: m for m in messages}
    assert list(by_ref) == [
        "**1/1**",
        "**1/1.1**",
        "**1/1.1.1**",
        "**1/1.2**",
        "**1/2**",
        "**1/3**",
    ]
    assert by_ref["**1/1.1**"].content == (
        f"**1/1.1** · depth 2 · Jonas · {stamp('2019-03-01T10:30:00')}"
        " · <https://tenants.example/2019/rent-strike/#comment-102>\nWho is talking to the press?"
    )
    assert f"· @{ZWSP}everyone Ana ·" in by_ref["**1/1.2**"].content
    assert "pingback · Neighbourhood news » Tenants on strike" in by_ref["**1/2**"].content
    assert "<https://news.example/tenants-strike/>" in by_ref["**1/2**"].content
    # Native replies: each reply answers its parent's message, top-level comments the post.
    parents = {
        "**1/1**": opening,
        "**1/1.1**": by_ref["**1/1**"],
        "**1/1.1.1**": by_ref["**1/1.1**"],
        "**1/1.2**": by_ref["**1/1**"],
        "**1/2**": opening,
        "**1/3**": opening,
    }
    for ref, parent in parents.items():
        assert by_ref[ref].reference is not None, ref
        assert by_ref[ref].reference.message_id == parent.id, ref
    assert closing.content == ("*End of the replay: discussion 1 with its 6 comments, complete.*")
    assert result.response.content == (
        f"Done: discussion **1** with its 6 comments is in <#{thread.id}>."
    )


async def test_an_export_comment_autocompletes_from_its_export_id(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "comment", "id", "#104", archive=BLOG)

    assert choices == [
        {"name": "1/1.1.1 — Maria: Ana is. She has the boiler photos.", "value": "1/1.1.1"}
    ]


PAUSE = 10.0


@pytest.mark.simcord(settle_timeout=0.5)
@pytest.mark.parametrize("pause", [PAUSE])
async def test_a_discussion_replay_resumes_after_a_restart_in_its_own_archive(
    world: World, mod, settings: Settings
) -> None:
    env = world.env
    await mod.slash(world.channel, "thread", id="1/", archive=BLOG)
    thread = world.channel.threads[0]
    for _ in range(2):
        await env.advance_time(PAUSE)
    posted = len(thread.history())

    restarted = await restart(env, settings)
    try:
        for _ in range(8):
            await env.advance_time(PAUSE)
    finally:
        await restarted.close()

    opening, *messages, closing = thread.history()
    assert 1 < posted < len(thread.history())
    refs = [m.content.split(" · ")[0] for m in messages]
    assert refs == [f"**1/{ref}**" for ref in ("1", "1.1", "1.1.1", "1.2", "2", "3")]
    # Replies posted after the restart answer messages posted before it, the post included.
    assert messages[-1].reference.message_id == opening.id
    assert messages[3].reference.message_id == messages[0].id
    assert closing.content == "*End of the replay: discussion 1 with its 6 comments, complete.*"


async def test_a_server_default_no_longer_loaded_falls_back_to_the_default(
    world: World, admin, settings: Settings
) -> None:
    await admin.slash(world.channel, "archive use", name=BLOG)

    restarted = await restart(world.env, dataclasses.replace(settings, archive_paths=(ARCHIVE,)))
    try:
        listed = await world.member.slash(world.channel, "archive list")
        search = await world.member.slash(world.channel, "search", query="convention")
    finally:
        await restarted.close()

    assert listed.response.embeds[0].description.startswith(
        f"**We are expelled (Updated)** · `{PAGE_NAME}` (the default)"
    )
    assert search.response.embeds[0].footer.text.startswith("Results 1–5 of ")


async def test_comment_ids_complete_from_their_authors(world: World) -> None:
    choices = await world.member.autocomplete(world.channel, "comment", "id", "lee", archive=BLOG)

    assert choices == [{"name": "2/1 — Lee: The boiler broke again.", "value": "2/1"}]


LONG_POST = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Long reads</title><wp:wxr_version>1.2</wp:wxr_version>
<item><title>A very long post</title><link>https://long.example/post/</link>
<content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>
<wp:post_date_gmt>2020-01-01 12:00:00</wp:post_date_gmt>
{comments}
</item></channel></rss>
"""
COMMENT = """<wp:comment><wp:comment_id>{id}</wp:comment_id>
<wp:comment_author>{author}</wp:comment_author>
<wp:comment_date_gmt>2020-01-0{id} 12:00:00</wp:comment_date_gmt>
<wp:comment_content>{text}</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"""


async def test_a_long_post_opens_its_replay_over_several_messages_in_a_chain(
    world: World, mod, settings: Settings, tmp_path: Path
) -> None:
    paragraphs = [f"<p>Paragraph {n}: " + "words of the post " * 40 + "</p>" for n in range(8)]
    comments = [
        COMMENT.format(id=1, author="Ann", text="First!", parent=0),
        COMMENT.format(id=2, author="Bo", text="Second.", parent=1),
    ]
    export = tmp_path / "long.wxr.xml"
    export.write_text(LONG_POST.format(body="\n".join(paragraphs), comments="\n".join(comments)))
    restarted = await restart(world.env, dataclasses.replace(settings, archive_paths=(export,)))
    try:
        await mod.slash(world.channel, "thread", id="1/")
    finally:
        await restarted.close()

    [thread] = world.channel.threads
    *opening, first, second, closing = thread.history()
    assert len(opening) > 1
    assert all(len(message.content) <= 2000 for message in thread.history())
    assert [m.content.split("\n")[0] for m in opening[1:]] == [
        f"**1/** ({n}/{len(opening)})" for n in range(2, len(opening) + 1)
    ]
    for part, before in zip(opening[1:], opening, strict=False):
        assert part.reference is not None and part.reference.message_id == before.id
    shown = "\n".join(m.content for m in opening)
    assert all(f"Paragraph {n}:" in shown for n in range(8))
    # The only discussion's ids are typed bare; its top-level comment answers the post's start.
    assert first.content.startswith("**1** · depth 1 · Ann · <t:1577880000:f>")
    assert first.reference.message_id == opening[0].id
    assert second.reference.message_id == first.id
    assert closing.content == "*End of the replay: discussion 1 with its 2 comments, complete.*"


async def test_a_disqus_archive_reads_like_any_other(world: World, settings: Settings) -> None:
    disqus = TENANTS.with_name("disqus.xml")
    restarted = await restart(
        world.env, dataclasses.replace(settings, archive_paths=(ARCHIVE, disqus))
    )
    try:
        about = await world.member.slash(world.channel, "about", archive="site")
        reply = await world.member.slash(world.channel, "comment", id="1.1", archive="site")
        lost = await world.member.slash(world.channel, "comment", id="2", archive="site")
    finally:
        await restarted.close()

    assert "An archive of 1 discussion exported from Disqus" in about.response.embeds[0].description
    embed = reply.response.embeds[0]
    # One discussion: ids are typed bare, as on the page.
    assert embed.title == "Comment 1.1"
    assert embed.author.name == "Ros"
    assert embed.timestamp == dt.datetime(2019, 3, 2, 12, 0, tzinfo=dt.UTC)
    assert embed.url == "http://site.example/2019/post/#comment-3"
    assert "Not in the archive" in lost.response.embeds[0].description
