"""Every interaction gets exactly one first response, even when Discord applied it and its answer was lost
(a 5xx after the write, which discord.py retries; a dropped connection): the person gets their answer, not
"thinking…" forever, and the bot never sends a second acknowledgement of its own."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest

from bot.app import SOMETHING_WENT_WRONG, answer_failure
from bot.sandbox.discord.model import CallbackType
from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from tests.support.personas import EDU_MENTEE, EDU_MENTOR

pytestmark = pytest.mark.e2e

ALREADY_ACKNOWLEDGED = 40060


def callbacks_of(world: SandboxWorld, interaction_id: int) -> list[int]:
    """The statuses the local Discord answered to this interaction's callback requests."""
    return [r.status for r in world.discord.log.rest
            if r.method == "POST" and r.path.startswith(f"/interactions/{interaction_id}/")]


def second_acks_by_the_bot(world: SandboxWorld, interaction_id: int) -> int:
    """Callbacks refused as already acknowledged, beyond the one retry of a lost answer."""
    refused = [r for r in world.discord.log.rest if r.method == "POST"
               and r.path.startswith(f"/interactions/{interaction_id}/")
               and isinstance(r.response, dict) and r.response.get("code") == ALREADY_ACKNOWLEDGED]
    return max(0, len(refused) - 1)


async def test_a_slash_command_whose_deferral_answer_is_lost_after_discord_applied_it_still_answers(
        world: SandboxWorld, caplog: pytest.LogCaptureFixture) -> None:
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    questions = world.bot.services.programmes.all()[0].questions
    mentor, mentee = world.person("Ned"), world.person("Ola")
    await mentor.join(guild)
    await run_interview(mentor, questions, EDU_MENTOR)
    await mentee.join(guild)
    await run_interview(mentee, questions, EDU_MENTEE)
    # Discord applies the deferral, then answers 503: discord.py asks again and is told 40060
    world.discord.faults.lose_response_next("status", status=503, method="POST", path_contains="/callback")
    with caplog.at_level(logging.WARNING):
        preview = await olu.slash("match", "preview", guild=guild, timeout=8)
    assert preview.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert "Matching preview" in preview.content, preview.content
    assert SOMETHING_WENT_WRONG not in preview.content
    assert len(callbacks_of(world, preview.interaction.id)) == 2  # the lost one, and discord.py's retry (40060)
    assert second_acks_by_the_bot(world, preview.interaction.id) == 0
    assert not [r for r in caplog.records if "could not deliver" in r.getMessage()]
    confirm = await olu.slash("match", "confirm", guild=guild)
    assert "confirmed" in confirm.content
    assert len(callbacks_of(world, confirm.interaction.id)) == 1


async def test_an_interview_button_whose_acknowledgement_connection_drops_still_moves_the_interview_on(
        world: SandboxWorld) -> None:
    assert world.guild is not None
    amara = world.person("Amara")
    await amara.join(world.guild)
    first = await amara.next_dm()
    assert "Question 1" in first.content
    # Discord applies the acknowledgement of onb:…:role:mentee; the connection drops before its answer
    world.discord.faults.lose_response_next("drop", method="POST", path_contains="/callback")
    reply = await amara.click("Mentee", message=first, timeout=8)
    assert reply.acknowledged
    await reply.wait_answer(8)
    assert "Question 2" in reply.content, reply.content
    assert SOMETHING_WENT_WRONG not in reply.content
    assert second_acks_by_the_bot(world, reply.interaction.id) == 0


async def test_a_slow_acknowledgement_and_an_error_answer_at_the_same_time_send_one_first_response(
        world: SandboxWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A second path answers while the handler's deferral is still on its way to Discord: its answer becomes
    the deferral's follow-up, not a second acknowledgement refused with 40060 (and then lost)."""
    assert world.guild is not None
    amara = world.person("Amara")
    await amara.join(world.guild)
    first = await amara.next_dm()

    async def fails(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(world.bot.services.onboarding, "act", fails)
    world.discord.faults.slow_next(0.6, method="POST", path_contains="/callback")  # the deferral takes a while
    answered = asyncio.Event()

    async def error_while_acknowledging(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.1)  # the deferral is under way
        await answer_failure(interaction, RuntimeError("a second path"))
        answered.set()

    world.bot.add_listener(error_while_acknowledging, "on_interaction")
    with caplog.at_level(logging.WARNING):
        reply = await amara.click("Mentee", message=first, timeout=8)
        await asyncio.wait_for(answered.wait(), 8)
    await reply.wait_answer(8)
    assert len(callbacks_of(world, reply.interaction.id)) == 1
    assert [m.content for m in reply.followups] == [SOMETHING_WENT_WRONG] * 2  # each path's answer arrives
    assert not [r for r in caplog.records if "could not deliver" in r.getMessage()]


async def test_an_interview_button_is_acknowledged_as_it_arrives_even_when_its_handler_is_slow_to_start(
        world: SandboxWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing the handler does before its own acknowledgement (building the component, checks) can make
    the click miss Discord's 3 seconds: a component that declares its acknowledgement gets it from the raw
    gateway event, and the handler's own deferral is not sent a second time."""
    from cogs.kit.interview import AnswerButton

    assert world.guild is not None
    amara = world.person("Amara")
    await amara.join(world.guild)
    first = await amara.next_dm()
    original = AnswerButton.from_custom_id.__func__  # type: ignore[attr-defined]

    async def slow_to_start(cls: type[AnswerButton], *args: object) -> AnswerButton:
        await asyncio.sleep(3.5)  # longer than Discord's window
        return await original(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(AnswerButton, "from_custom_id", classmethod(slow_to_start))
    reply = await amara.click("Mentee", message=first, timeout=10)
    assert reply.acknowledged and reply.interaction.responded_mono is not None
    assert reply.interaction.responded_mono - reply.interaction.created_mono < 1.0
    await reply.wait_answer(10)
    assert "Question 2" in reply.content, reply.content
    assert len(callbacks_of(world, reply.interaction.id)) == 1
