"""A click's acknowledgement is written on a kept-alive connection of its own as the click is read
(:mod:`cogs.kit.callback_wire`); whatever that connection cannot settle — a rate limit, a server error, a
refusal — is asked again through discord.py, and the person still gets one first response and their answer."""

from __future__ import annotations

import pytest

from bot.app import SOMETHING_WENT_WRONG
from bot.sandbox.discord.model import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.e2e.test_first_response_once import callbacks_of, second_acks_by_the_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def first_question(world: SandboxWorld) -> tuple[Persona, Message]:
    """Amara has joined; her interview's first question, with its buttons, is in her DMs."""
    assert world.guild is not None
    amara = world.person("Amara")
    await amara.join(world.guild)
    return amara, await amara.next_dm()


def callback_queries(world: SandboxWorld, interaction_id: int) -> list[dict[str, str]]:
    return [r.query for r in world.discord.log.rest
            if r.method == "POST" and r.path.startswith(f"/interactions/{interaction_id}/")]


async def test_an_interview_answer_is_acknowledged_on_the_bots_own_connection_and_moves_the_interview_on(
        world: SandboxWorld, first_question: tuple[Persona, Message]) -> None:
    amara, first = first_question
    reply = await amara.click("Mentee", message=first, timeout=8)
    assert reply.acknowledged
    await reply.wait_answer(8)
    assert "Question 2" in reply.content, reply.content
    # discord.py asks for the callback's resource (with_response); the wire does not: this one was the wire's
    assert callback_queries(world, reply.interaction.id) == [{}]
    assert world.bot.early_acks.wire is not None and world.bot.early_acks.wire.open_connections >= 1


@pytest.mark.parametrize("refusal", ["rate_limit", "server_error"])
async def test_an_acknowledgement_refused_on_the_wire_is_asked_again_and_the_person_gets_their_answer(
        world: SandboxWorld, first_question: tuple[Persona, Message], refusal: str) -> None:
    amara, first = first_question
    if refusal == "rate_limit":
        world.discord.faults.rate_limit_next(0.2, method="POST", path_contains="/callback")
    else:
        world.discord.faults.fail_next(503, method="POST", path_contains="/callback")
    reply = await amara.click("Mentee", message=first, timeout=8)
    assert reply.acknowledged
    await reply.wait_answer(8)
    assert "Question 2" in reply.content, reply.content
    assert SOMETHING_WENT_WRONG not in reply.content
    refused = 429 if refusal == "rate_limit" else 503
    assert callbacks_of(world, reply.interaction.id)[0] == refused
    assert callbacks_of(world, reply.interaction.id)[-1] in (200, 204)
    assert second_acks_by_the_bot(world, reply.interaction.id) == 0


async def test_a_click_whose_acknowledgement_cannot_be_written_is_still_answered_and_the_bot_stays_connected(
        world: SandboxWorld, first_question: tuple[Persona, Message], monkeypatch: pytest.MonkeyPatch) -> None:
    assert world.bot.early_acks.wire is not None
    amara, first = first_question

    def broken(*args: object) -> None:
        raise RuntimeError("the wire broke")

    monkeypatch.setattr(world.bot.early_acks.wire, "send", broken)
    reply = await amara.click("Mentee", message=first, timeout=8)
    assert reply.acknowledged
    await reply.wait_answer(8)
    assert "Question 2" in reply.content, reply.content
    assert callback_queries(world, reply.interaction.id) == [{"with_response": "1"}]  # the handler's own
    assert not world.bot.is_closed()


async def test_a_click_whose_acknowledgement_answer_is_slow_is_still_acknowledged_within_discords_window(
        world: SandboxWorld, first_question: tuple[Persona, Message]) -> None:
    amara, first = first_question
    world.discord.faults.slow_next(3.5, method="POST", path_contains="/callback")  # the wire's request only
    reply = await amara.click("Mentee", message=first, timeout=8)
    assert reply.acknowledged and reply.interaction.late_mono is None  # within the 3 s, by the handler's own
    await reply.wait_answer(8)
    assert "Question 2" in reply.content, reply.content
    assert SOMETHING_WENT_WRONG not in reply.content
