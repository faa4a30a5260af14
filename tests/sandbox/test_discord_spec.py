"""The local Discord as Discord's published OpenAPI document and developer documentation describe it: bodies that
break the schema are refused with 50035 and its errors tree; differences are reported; thread, intent and
large-guild behaviour as on Discord."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.sandbox.discord import ChannelType, Guild, SandboxDiscord
from bot.sandbox.discord import permissions as perm
from bot.sandbox.discord.runner import BotRunner
from bot.sandbox.discord.spec import DOCUMENT, load
from tests.support.minibot import MiniBot

SHARED = Path(__file__).resolve().parents[3] / "shared" / "specs" / "discord-openapi.json"


def test_the_sandbox_judges_by_discords_own_document() -> None:
    vendored = hashlib.sha256(DOCUMENT.read_bytes()).hexdigest()
    if SHARED.exists():  # the copy in the repository is Discord's document, unedited
        assert vendored == hashlib.sha256(SHARED.read_bytes()).hexdigest()
    assert load().document["info"]["title"].startswith("Discord")


def test_routes_statuses_and_bodies_outside_the_document_are_reported() -> None:
    spec = load()
    assert [f.kind for f in spec.check_request("GET", "/channels/1/no-such-thing", {}, None)] == ["unmatched"]
    assert [f.kind for f in spec.check_response("POST", "/channels/1/messages", 500, None)] == ["status"]
    deferred = {"interaction": {"id": "1", "type": 3}, "resource": {"type": 5}}  # Discord returns no resource
    assert [f.kind for f in spec.check_response("POST", "/interactions/1/t/callback", 200, deferred)] == ["response"]
    button = {"type": 1, "components": [{"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}]}
    message: dict[str, Any] = {
        "id": "1", "channel_id": "2", "type": 0, "content": "", "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
        "flags": 0, "components": [button], "pinned": False, "mention_everyone": False, "tts": False,
        "author": {"id": "3", "username": "a", "avatar": None, "discriminator": "0", "public_flags": 0,
                   "flags": 0, "global_name": None, "primary_guild": None},
    }
    found = spec.check_response("GET", "/channels/2/messages/1", 200, message)
    assert [f.kind for f in found] == ["response"] and found[0].where.startswith("$.components[0]")
    assert "'id' is a required property" in found[0].message  # Discord numbers every component
    assert spec.check_request("GET", "/channels/2/messages", {"limit": "500"}, None)[0].where == "?limit"


async def _post(bot: MiniBot, channel_id: int, body: dict[str, Any]) -> discord.HTTPException:
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id), json=body)
    return exc.value


@pytest.mark.breaks_discord_spec
async def test_bodies_past_discords_limits_are_refused_with_the_errors_tree(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    cid = sandbox.channel_named(guild, "general").id  # type: ignore[union-attr]
    field = {"embeds": [{"title": "t", "fields": [{"name": "n", "value": "v" * 1025}]}]}
    option = {"components": [{"type": 1, "components": [{"type": 3, "custom_id": "s", "options": [
        {"label": "a", "value": "a", "description": "d" * 101}]}]}]}
    custom_id = {"components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "b", "custom_id": "c" * 101}]}]}
    content = {"content": "x" * 4001}
    for body, path in ((field, ["embeds", "0", "fields", "0", "value"]),
                       (option, ["components", "0", "components", "0", "options", "0", "description"]),
                       (custom_id, ["components", "0", "components", "0", "custom_id"]),
                       (content, ["content"])):
        refused = await _post(bot, cid, body)
        assert refused.status == 400 and refused.code == 50035
        assert f"In {'.'.join(path)}: Must be" in str(refused)  # discord.py flattens Discord's errors tree
    assert [f.kind for f in sandbox.log.findings()] == ["request"] * 4


async def test_a_components_message_comes_back_with_component_ids(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    cid = sandbox.channel_named(guild, "general").id  # type: ignore[union-attr]
    body = {"content": "pick", "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "A", "custom_id": "a"}, {"type": 2, "style": 2, "label": "B", "custom_id": "b"}]}]}
    sent = await bot.http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=cid), json=body)
    row = sent["components"][0]
    assert [row["id"], *[c["id"] for c in row["components"]]] == [1, 2, 3]
    assert sandbox.log.findings() == []


async def test_disallowed_privileged_intents_close_the_gateway_with_4014(
    sandbox: SandboxDiscord, guild: Guild
) -> None:
    sandbox.state.application_flags &= ~(perm.APP_GATEWAY_GUILD_MEMBERS | perm.APP_GATEWAY_GUILD_MEMBERS_LIMITED)
    runner = BotRunner(sandbox, MiniBot)  # asks for the members intent
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await runner.start(timeout=5)
    await runner.stop()
    application = sandbox.state.application_flags
    assert not application & perm.APP_GATEWAY_GUILD_MEMBERS_LIMITED and application & perm.APP_GATEWAY_MESSAGE_CONTENT_LIMITED


async def test_a_large_guild_sends_its_members_in_chunks(sandbox: SandboxDiscord, guild: Guild) -> None:
    for i in range(1200):
        sandbox.state.add_member(guild, sandbox.create_user(f"member{i}"))
    runner = BotRunner(sandbox, MiniBot)
    bot = await runner.start(timeout=20)
    try:
        created = sandbox.log.events("GUILD_CREATE")[-1].data
        assert created["large"] is True and len(created["members"]) == 2 and created["member_count"] == 1202
        seen = bot.get_guild(guild.id)
        assert seen is not None
        await sandbox.state.wait_for(lambda: seen.chunked, 10)
        assert len(seen.members) == 1202
        chunks = sandbox.log.events("GUILD_MEMBERS_CHUNK")
        assert [c.data["chunk_index"] for c in chunks] == [0, 1] and chunks[0].data["chunk_count"] == 2
    finally:
        await runner.stop()


def _private_thread(sandbox: SandboxDiscord, guild: Guild, *, invitable: bool, idle_minutes: int = 4320) -> Any:
    parent = sandbox.channel_named(guild, "general")
    assert parent is not None
    return sandbox.state.create_thread(parent, "pair", type=ChannelType.PRIVATE_THREAD,
                                       owner_id=sandbox.bot_user.id, invitable=invitable,
                                       auto_archive_duration=idle_minutes)


async def test_without_manage_threads_the_bot_can_neither_invite_to_a_closed_thread_nor_lock_it(
    sandbox: SandboxDiscord, bot: MiniBot
) -> None:
    guild = sandbox.create_guild("No moderation", bot_permissions=perm.README_BOT & ~perm.MANAGE_THREADS)
    member = sandbox.create_user("ada")
    sandbox.state.add_member(guild, member)
    closed = _private_thread(sandbox, guild, invitable=False)
    with pytest.raises(discord.Forbidden):
        await bot.http.add_user_to_thread(closed.id, member.id)
    with pytest.raises(discord.Forbidden):
        await bot.http.edit_channel(closed.id, locked=True)
    await bot.http.edit_channel(closed.id, name="renamed")  # its owner may rename it
    assert member.id not in closed.thread_members and not closed.locked and closed.name == "renamed"
    open_ = _private_thread(sandbox, guild, invitable=True)
    await bot.http.add_user_to_thread(open_.id, member.id)  # a member of an invitable thread may invite
    assert member.id in open_.thread_members


async def test_an_idle_thread_archives_itself_and_takes_edits_only_once_unarchived(
    sandbox: SandboxDiscord, guild: Guild, bot: MiniBot
) -> None:
    thread = _private_thread(sandbox, guild, invitable=False, idle_minutes=60)
    sandbox.clock.advance(timedelta(minutes=61))  # type: ignore[attr-defined]
    await bot.http.get_channel(thread.id)  # the next request sees the sandbox clock
    assert thread.archived
    assert any(e.data.get("thread_metadata", {}).get("archived") for e in sandbox.log.events("THREAD_UPDATE"))
    with pytest.raises(discord.HTTPException) as refused:
        await bot.http.edit_channel(thread.id, locked=True)
    assert refused.value.code == 50083
    await bot.http.edit_channel(thread.id, archived=False)
    await bot.http.edit_channel(thread.id, archived=True, locked=True)
    assert thread.archived and thread.locked
