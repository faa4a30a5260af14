"""Pods: a programme may give each mentor ONE private space with all their mentees. Announcing a match creates
the pod or lets the new mentee into it; ending a match takes that mentee out; the last ending archives it.
Exactly once: a pod whose creation was applied but never answered is found, not made again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.discord import Message
from bot.sandbox.world import SandboxWorld
from storage.queries import matching
from tests.support.database import drop_test_schema
from tests.support.pairs import Member, add_member, add_pair, own_thread, posts_in
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def _world(tmp_path_factory: pytest.TempPathFactory, mode: str) -> tuple[SandboxWorld, str | None]:
    return await make_world(tmp_path_factory, extensions=["cogs.matching", "cogs.nudges"],
                            programme_overrides={"spaces": {"per": "mentor", "mode": mode}})


@pytest.fixture
async def pods(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await _world(tmp_path_factory, "channels")
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


@pytest.fixture
async def thread_pods(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await _world(tmp_path_factory, "threads")
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _match(world: SandboxWorld, mentor: Member, mentee: Member) -> int:
    return (await add_pair(world, mentor, mentee, announced=False, reasons="both run on Sundays")).match_id


async def _space_of(world: SandboxWorld, match_id: int) -> int | None:
    async with world.bot.sessions() as s:
        m = await matching.get_match(session=s, match_id=match_id)
    assert m is not None
    return m.space_id


async def test_a_mentors_pod_follows_their_matches_and_ends(pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    a, b, c = [await add_member(world, f"Leader {x}", "Europe/London") for x in "ABC"]
    ma, mb = await _match(world, mentor, a), await _match(world, mentor, b)
    await world.bot.tick("announce-pairs")
    pod = await _space_of(world, ma)
    assert pod is not None and await _space_of(world, mb) == pod  # one space for the mentor and both leaders
    channel = world.discord.state.channels[pod]
    assert channel.name.startswith("pod-") and all(p.persona.can_see(pod) for p in (mentor, a, b))
    assert not c.persona.can_see(pod)
    intros = [m for m in world.discord.state.messages.values() if m.channel_id == pod and "meet" in m.content]
    assert len(intros) == 2

    mc = await _match(world, mentor, c)  # a later match joins the existing pod
    await world.bot.tick("announce-pairs")
    assert await _space_of(world, mc) == pod and c.persona.can_see(pod)
    assert len([ch for ch in world.discord.state.channels.values() if ch.name.startswith("pod-")]) == 1

    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.ending.end_match(programme, ma, "organiser", None)
    assert not a.persona.can_see(pod)  # that leader leaves the pod …
    assert all(p.persona.can_see(pod) for p in (mentor, b, c))  # … the others stay
    assert not world.discord.state.channels[pod].name.startswith("ended-")

    await world.bot.services.ending.end_match(programme, mb, "organiser", None)
    await world.bot.services.ending.end_match(programme, mc, "organiser", None)
    assert world.discord.state.channels[pod].name.startswith("ended-")  # the last ending archives it
    assert not any(p.persona.can_see(pod) for p in (a, b, c))


async def test_a_pod_created_but_never_answered_is_found_not_made_again(thread_pods: SandboxWorld) -> None:
    world = thread_pods
    mentor = await add_member(world, "Nell", "Europe/London")
    a, b = [await add_member(world, f"Leader {x}", "Europe/London") for x in "AB"]
    ma, mb = await _match(world, mentor, a), await _match(world, mentor, b)
    world.discord.faults.lose_response_next("status", method="POST", path_contains="/threads")
    await world.bot.tick("announce-pairs")  # the thread was made; the bot never heard back
    await world.bot.tick("announce-pairs")
    await world.bot.tick("announce-pairs")
    threads = [ch for ch in world.discord.state.channels.values() if ch.type == 12 and "pod-" in ch.name]
    assert len(threads) == 1
    pod = threads[0].id
    assert await _space_of(world, ma) == pod and await _space_of(world, mb) == pod
    assert all(p.persona.can_see(pod) for p in (mentor, a, b))


@pytest.mark.parametrize(("mode", "reason"), [("channels", "organiser"), ("threads", "organiser"), ("threads", "left")])
async def test_a_mentors_archived_pod_is_reopened_for_their_next_mentee_not_made_anew(
        tmp_path_factory: pytest.TempPathFactory, mode: str, reason: str) -> None:
    """A pod is the mentor's one space: when their last match has ended (pod archived) and a new mentee comes,
    the same pod opens again — with its name, their earlier notes, and nobody from before let back in — instead
    of a second pod (a server has 500 channels, and a mentor would lose their notes)."""
    world, schema = await _world(tmp_path_factory, mode)
    try:
        mentor = await add_member(world, "Nell", "Europe/London")
        a, b = [await add_member(world, f"Leader {x}", "Europe/London") for x in "AB"]
        ma = await _match(world, mentor, a)
        await world.bot.tick("announce-pairs")
        pod = await _space_of(world, ma)
        assert pod is not None
        programme = world.bot.services.programmes.all()[0]
        # ended by the organisers, or because the mentee left (the pod is named after the mentor: it keeps it)
        await world.bot.services.ending.end_match(programme, ma, reason, None,  # type: ignore[arg-type]
                                                  subject_person_id=a.person_id if reason == "left" else None)
        state = world.discord.state
        assert state.channels[pod].name.startswith("ended-") and not b.persona.can_see(pod)

        mb = await _match(world, mentor, b)
        await world.bot.tick("announce-pairs")
        assert await _space_of(world, mb) == pod, "the same pod, reopened"
        assert len([c for c in state.channels.values() if "pod-" in c.name]) == 1
        assert not state.channels[pod].name.startswith("ended-") and not state.channels[pod].archived
        assert mentor.persona.can_see(pod) and b.persona.can_see(pod) and not a.persona.can_see(pod)
        assert any(m.channel_id == pod and f"<@{b.persona.id}>" in m.content for m in state.messages.values())
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_reminder_to_one_pair_of_a_pod_reaches_only_those_two_never_the_pod(pods: SandboxWorld) -> None:
    world = pods
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    mentor = await add_member(world, "Nell", "Europe/London")
    a = await add_member(world, "Leader A", "Europe/London", dms_open=False)
    b = await add_member(world, "Leader B", "Europe/London")
    ma = await _match(world, mentor, a)
    await world.bot.tick("announce-pairs")
    pod = await _space_of(world, ma)
    assert pod is not None

    answer = await olu.slash("match", "remind", guild=guild, options={"person": "Leader A"})
    await answer.wait_answer()
    assert "Reminder sent" in answer.content and "couldn't" not in answer.content, answer.content
    mb = await _match(world, mentor, b)  # the mentor's next mentee joins the pod, and sees its history
    await world.bot.tick("announce-pairs")
    assert await _space_of(world, mb) == pod and b.persona.can_see(pod)

    def reminders(channel: int) -> list[Message]:
        return [m for m in posts_in(world, channel) if "friendly nudge" in m.content]

    assert reminders(pod) == [], "the reminder about one pair was posted in front of the mentor's other mentees"
    assert len([m for m in mentor.persona.dms() if "friendly nudge" in m.content]) == 1, "the mentor: by DM"
    thread = own_thread(world, a)  # closed DMs: their own thread, in the pod's channel
    assert thread is not None and thread.parent_id == pod and len(reminders(thread.id)) == 1
    assert "Nell" in reminders(thread.id)[0].content and f"<@{mentor.persona.id}>" not in reminders(thread.id)[0].content
    assert a.persona.can_see(thread) and not b.persona.can_see(thread) and not mentor.persona.can_see(thread)
    assert not [m for m in b.persona.dms() if "friendly nudge" in m.content], "the other mentee was reminded"
