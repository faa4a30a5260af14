from __future__ import annotations

import discord
import pytest

from bot.sandbox.discord import Guild, Limits, RequestLog, Role, SandboxDiscord
from bot.sandbox.discord.errors import ApiError
from bot.sandbox.people import Persona
from tests.support.minibot import MiniBot


async def _three(sandbox: SandboxDiscord, guild: Guild) -> tuple[Persona, Persona, Persona]:
    amara, ben, chidi = (sandbox.person(n) for n in ("Amara", "Ben", "Chidi"))
    for p in (amara, ben, chidi):
        await p.join(guild)
    return amara, ben, chidi


async def test_private_pair_channel_is_visible_to_the_pair_and_organisers_only(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, organisers: Role, log: RequestLog
) -> None:
    amara, ben, chidi = await _three(sandbox, guild)
    olu = sandbox.person("Olu")
    await olu.join(guild, roles=[organisers])
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    await sandbox.state.wait_for(lambda: dguild.get_member(olu.id), timeout=3)
    organisers_role = dguild.get_role(organisers.id)
    assert organisers_role is not None
    hidden = discord.PermissionOverwrite(view_channel=False)
    shown = discord.PermissionOverwrite(view_channel=True, send_messages=True)
    category = await dguild.create_category("Pairs")
    channel = await dguild.create_text_channel(
        "amara-and-ben",
        category=category,
        overwrites={
            dguild.default_role: hidden,
            dguild.me: shown,
            discord.Object(amara.id, type=discord.Member): shown,
            discord.Object(ben.id, type=discord.Member): shown,
            organisers_role: shown,  # a bare Object would be sent as a member overwrite
        },
    )
    sent = log.requests("POST", f"/guilds/{guild.id}/channels")[-1].json
    everyone = next(o for o in sent["permission_overwrites"] if int(o["id"]) == guild.id)
    assert everyone["type"] == 0 and int(everyone["deny"]) == 1 << 10
    assert amara.can_see(channel.id) and ben.can_see(channel.id) and olu.can_see(channel.id)
    assert not chidi.can_see(channel.id)

    await channel.send(f"Welcome {amara.mention} and {ben.mention}!")
    assert (await amara.next_message(channel.id)).content.startswith("Welcome")
    with pytest.raises(ApiError) as refused:
        await chidi.say("let me in", channel=sandbox.state.channels[channel.id])
    assert refused.value.code == 50001

    chidi_member = await dguild.fetch_member(chidi.id)
    await channel.set_permissions(chidi_member, view_channel=True)
    assert chidi.can_see(channel.id)
    await channel.set_permissions(chidi_member, overwrite=None)
    assert not chidi.can_see(channel.id)


async def test_private_thread_is_visible_to_its_members_only(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara, ben, chidi = await _three(sandbox, guild)
    general = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(general, discord.TextChannel)
    thread = await general.create_thread(name="amara-ben", type=discord.ChannelType.private_thread, invitable=False)
    await thread.add_user(discord.Object(amara.id))
    await thread.send(f"Hello {ben.mention}")  # a mention adds the member
    assert amara.can_see(thread.id) and ben.can_see(thread.id)
    assert not chidi.can_see(thread.id)
    assert sandbox.state.channels[thread.id].type == 12


async def test_archived_threads_leave_the_active_list_and_are_listed_as_discord_lists_them(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    general = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(general, discord.TextChannel)
    threads = [await general.create_thread(name=f"pair #{n}", type=discord.ChannelType.private_thread,
                                           invitable=False) for n in range(3)]
    other = sandbox.state.create_thread(sandbox.state.channels[general.id], "not the bot's",
                                        type=12, owner_id=sandbox.person("Amara").id)  # the bot never joined it
    for t in [*threads[:2], other]:
        sandbox.state.set_archived(sandbox.state.channels[t.id], True)
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    active = {t.id for t in await dguild.active_threads()}
    assert active == {threads[2].id}
    joined = [t async for t in general.archived_threads(private=True, joined=True, limit=None)]
    assert [t.id for t in joined] == [threads[1].id, threads[0].id], "the joined ones, newest first"
    assert all(t.archived for t in joined)
    one_page = [t async for t in general.archived_threads(private=True, joined=True, limit=1)]
    assert [t.id for t in one_page] == [threads[1].id]
    everyone = [t async for t in general.archived_threads(private=True, limit=None)]  # needs Manage Threads
    assert {t.id for t in everyone} == {threads[0].id, threads[1].id, other.id}


async def test_member_fetch_role_create_and_dm_channel(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    member = await dguild.fetch_member(amara.id)
    assert member.display_name == "Amara"
    role = await dguild.create_role(name="Mentors")
    await member.add_roles(role)
    assert role.id in sandbox.state.guilds[guild.id].members[amara.id].roles
    dm = await member.create_dm()
    assert sandbox.state.dm_channels[amara.id] == dm.id


async def test_file_attachment_is_sent_as_multipart(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    import io

    amara = sandbox.person("Amara")
    await amara.join(guild)
    member = await bot.get_guild(guild.id).fetch_member(amara.id)  # type: ignore[union-attr]
    assert (await amara.next_dm()).content.startswith("Welcome")
    await member.send("Your data", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="mydata.csv"))
    msg = await amara.next_dm()
    assert msg.attachments[0].filename == "mydata.csv" and msg.attachments[0].data == b"a,b\n1,2\n"


@pytest.fixture
def limits() -> Limits:
    return Limits(max_guild_channels=6, max_category_channels=2)


async def test_channel_limits_per_category_and_per_guild(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    category = await dguild.create_category("Pairs")
    await dguild.create_text_channel("pair-1", category=category)
    await dguild.create_text_channel("pair-2", category=category)
    with pytest.raises(discord.HTTPException) as full_category:
        await dguild.create_text_channel("pair-3", category=category)
    assert full_category.value.code == 50035 and "parent_id" in str(full_category.value)
    await dguild.create_text_channel("other-1")
    await dguild.create_text_channel("other-2")
    with pytest.raises(discord.HTTPException) as full_guild:
        await dguild.create_text_channel("other-3")
    assert full_guild.value.code == 30013
