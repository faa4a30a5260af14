from __future__ import annotations

import discord
import pytest

from bot.sandbox.discord import Guild, RequestLog, Role, SandboxDiscord
from bot.sandbox.people import InteractionFailed
from tests.support.minibot import MiniBot


async def test_slash_command_is_answered_within_the_ack_window(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    result = await amara.slash("ping")
    assert result.response_type == 4
    assert result.content == "pong"
    assert result.message is not None and result.message.ephemeral


async def test_deferred_subcommand_with_member_option_sends_a_followup(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara, ben = sandbox.person("Amara"), sandbox.person("Ben")
    await amara.join(guild)
    await ben.join(guild)
    result = await amara.slash("match", "preview", options={"size": 3, "person": ben})
    assert result.deferred
    assert result.content == "Preview of 3 pairs for Ben"


async def test_subcommand_group_reaches_organisers_only(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, organisers: Role
) -> None:
    olu, amara = sandbox.person("Olu"), sandbox.person("Amara")
    await olu.join(guild, roles=[organisers])
    await amara.join(guild)
    result = await olu.slash("admin", "programme", "setup", options={"name": "Spring", "cohort_size": 12})
    assert result.content == "Programme Spring set up for 12."
    with pytest.raises(PermissionError):
        await amara.slash("admin", "programme", "setup", options={"name": "Spring"})


async def test_late_acknowledgement_gets_unknown_interaction(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    with pytest.raises(InteractionFailed):
        await amara.slash("slow")
    await sandbox.state.wait_for(lambda: bot.errors, timeout=2)
    err = bot.errors[0]
    assert isinstance(err, discord.NotFound) and err.code == 10062
    assert log.requests("POST", "/callback")[-1].response == {"code": 10062, "message": "Unknown interaction"}


async def test_joining_member_gets_a_dm_with_buttons_and_a_select_and_the_bot_gets_the_clicks(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara = sandbox.person("Amara", dms_open=True)
    await amara.join(guild)
    msg = await amara.next_dm(timeout=5)
    assert msg.content.startswith("Welcome Amara")
    labels = [c.get("label") for row in msg.components for c in row["components"]]
    assert "Mentee" in labels and "Mentor" in labels

    reply = await amara.click("Mentee")
    assert reply.content == "You chose mentee. Which phases?"
    assert ("role", amara.id, "mentee") in bot.seen

    picked = await amara.choose(["primary", "Secondary"])
    assert picked.response_type == 6
    assert ("phase", amara.id, ("primary", "secondary")) in bot.seen

    await amara.say("Europe/London")
    answer = await amara.next_dm(timeout=5)
    assert answer.content == "Noted: Europe/London"
    assert ("message", amara.id, "Europe/London") in bot.seen


async def test_update_message_replaces_the_buttons(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    ben = sandbox.person("Ben")
    await ben.join(guild)
    first = await ben.next_dm()
    result = await ben.click("onboard:role:mentor")
    assert result.response_type == 7
    assert sandbox.state.messages[first.id].content == "Mentor it is."
    assert sandbox.state.messages[first.id].components == []


async def test_modal_opened_by_a_button_is_submitted(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    await amara.next_dm()
    opened = await amara.click("Tell us more")
    assert opened.response_type == 9 and opened.modal is not None
    assert opened.modal["title"] == "Your goals"
    saved = await amara.submit_modal({"Goals": "Learn to mentor", "hours": "4"})
    assert saved.content == "Saved your goals: Learn to mentor"
    assert ("modal", amara.id, ("Learn to mentor", "4")) in bot.seen


async def test_modal_from_a_slash_command(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    opened = await amara.slash("goals")
    assert opened.modal is not None
    with pytest.raises(ValueError):
        await amara.submit_modal({"hours": "2"})  # Goals is required
    saved = await amara.submit_modal({"goals": "Plan lessons"})
    assert saved.content == "Saved your goals: Plan lessons"


async def test_leaving_member_is_seen_by_the_bot(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    await amara.leave()
    await sandbox.state.wait_for(lambda: ("leave", amara.id, guild.id) in bot.seen, timeout=3)
    assert [e.type for e in log.events(user_id=amara.id)][:1] == ["GUILD_MEMBER_ADD"]
    assert log.events("GUILD_MEMBER_REMOVE", user_id=amara.id)


async def test_original_response_edits_and_ephemeral_followups(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    amara, ben = sandbox.person("Amara"), sandbox.person("Ben")
    await amara.join(guild)
    await ben.join(guild)
    result = await amara.slash("progress")
    await result.wait_followups(1)
    assert result.message is not None and result.message.content == "Done: 2 of 2"
    assert result.message.ephemeral
    assert [m.content for m in result.followups] == ["Only you can see this"]
    assert all(m not in ben.visible_messages() for m in result.messages)
    edits = log.requests("PATCH", "/messages/@original")
    assert [r.json["content"] for r in edits] == ["Step 1 of 2", "Done: 2 of 2"]


async def test_first_followup_after_a_deferral_replaces_the_thinking_message(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara, ben = sandbox.person("Amara"), sandbox.person("Ben")
    await amara.join(guild)
    await ben.join(guild)
    result = await amara.slash("report")
    await result.wait_followups(2)
    shown = [m for m in amara.visible_messages() if m.interaction_id == result.interaction.id]
    # one answer where "thinking…" was, then the second follow-up: no empty placeholder left behind
    assert sorted(m.content for m in shown) == ["And one more note", "Report ready"]
    assert result.message is not None and result.message.content == "Report ready"
    assert result.followups[0].id == result.message.id
    # private like the deferral, though the follow-up itself did not ask to be ephemeral
    assert result.message.ephemeral and all(m not in ben.visible_messages() for m in shown)
    assert [m.content for m in result.messages] == ["Report ready", "And one more note"]


async def test_first_followup_after_a_public_deferral_is_the_channel_answer(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara, ben = sandbox.person("Amara"), sandbox.person("Ben")
    await amara.join(guild)
    await ben.join(guild)
    result = await amara.slash("match", "preview", options={"size": 3, "person": ben})
    seen_by_ben = [m for m in ben.visible_messages() if m.interaction_id == result.interaction.id]
    assert [m.content for m in seen_by_ben] == ["Preview of 3 pairs for Ben"]
    assert seen_by_ben[0].id == result.interaction.original_message_id


async def test_bot_edits_its_dm_and_the_person_sees_the_new_text(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    first = await amara.next_dm()
    channel = await bot.fetch_channel(first.channel_id)
    assert isinstance(channel, discord.DMChannel)
    message = await channel.fetch_message(first.id)
    await message.edit(content="Welcome back!", view=None)
    assert amara.dms()[0].content == "Welcome back!" and amara.dms()[0].components == []
