"""Members who join while the bot is down (Discord does not deliver their join again) get their welcome once
when it starts, paced like every new DM, and the organisers hear how many were caught up."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from bot.services.catch_up import IN_FLIGHT, SEEN_MARK
from storage.queries import people
from tests.support.organisers import slash
from tests.support.pairs import organiser_posts, posts_in

pytestmark = pytest.mark.e2e


async def _passes(world: SandboxWorld) -> int:
    """The catch-up mark (each pass moves it to when it began)."""
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        return await people.get_mark(session=s, programme_id=programme.id, name=SEEN_MARK) or 0


async def _restart_and_catch_up(world: SandboxWorld, *, crash: bool) -> None:
    world.clock.advance(IN_FLIGHT + timedelta(seconds=3))  # so that this pass's mark (a minute behind its start,
    # whole seconds) is a later one, even than a mark a test recorded 2 s ahead, however fast the restart
    before = await _passes(world)
    await world.restart(crash=crash)
    for _ in range(200):
        if await _passes(world) > before:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no catch-up pass after the restart")



async def test_members_who_joined_while_the_bot_was_down_are_welcomed_once(world: SandboxWorld) -> None:
    assert world.guild is not None and world.runner is not None and world.organiser is not None
    await world.runner.stop()  # the bot's process is down
    world.clock.advance(timedelta(minutes=5))
    late = [world.person(name) for name in ("Late Lina", "Late Leo")]
    for persona in late:
        await persona.join(world.guild)
    await world.runner.start()
    state = world.discord.state
    await state.wait_for(lambda: all(p.dms() for p in late), 10)
    assert [len(p.dms()) for p in late] == [1, 1], "each should have exactly their welcome"
    assert not world.organiser.dms(), "members already there before the programme are not welcomed"
    await state.wait_for(lambda: any("Caught up 2 members" in p for p in organiser_posts(world)), 5)
    await _restart_and_catch_up(world, crash=True)  # starting again welcomes nobody twice
    await _restart_and_catch_up(world, crash=False)
    assert [len(p.dms()) for p in late] == [1, 1]
    assert sum("Caught up" in p for p in organiser_posts(world)) == 1


async def test_someone_who_left_is_not_welcomed_again_on_the_next_start(world: SandboxWorld) -> None:
    assert world.guild is not None
    world.clock.advance(timedelta(minutes=5))
    gone = world.person("Gone Gwen")
    await gone.join(world.guild)
    await world.discord.state.wait_for(lambda: gone.dms(), 5)
    asked = await slash(gone, world.guild, "leave")
    done = await gone.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    before = len(gone.dms())
    await _restart_and_catch_up(world, crash=True)
    assert len(gone.dms()) == before, "someone who deleted their data was welcomed again"


async def test_members_who_joined_while_the_gateway_session_was_lost_are_welcomed_once_it_is_back(
    world: SandboxWorld,
) -> None:
    assert world.guild is not None
    world.clock.advance(timedelta(minutes=5))
    # Discord ends the bot's session (op 9, not resumable): what happens until it identifies again is not replayed
    await world.discord.invalidate_sessions()
    gap = world.person("Gap Gia")
    await gap.join(world.guild)
    await world.discord.state.wait_for(lambda: gap.dms(), 20)
    await asyncio.sleep(0.5)
    assert len(gap.dms()) == 1, "the member who joined during the gap should get exactly their welcome"


async def test_a_member_who_joined_in_the_same_second_as_one_the_bot_saw_is_welcomed_after_a_crash(
    world: SandboxWorld,
) -> None:
    assert world.guild is not None
    now = world.clock.now()
    world.clock.advance_to(now.replace(microsecond=0) + timedelta(minutes=5, milliseconds=50))  # early in a second
    seen = world.person("Seen Sam")
    await seen.join(world.guild)
    await world.discord.state.wait_for(lambda: seen.dms(), 5)  # the bot saw this join live
    missed = world.person("Missed Mo")
    await missed.join(world.guild)  # the same second; the process dies before it reads the event
    await world.restart(crash=True)
    await world.discord.state.wait_for(lambda: missed.dms(), 10)
    await asyncio.sleep(0.3)
    assert len(missed.dms()) == 1, "the member who joined as the bot died should get exactly their welcome"


async def test_a_member_whose_welcome_was_cut_short_by_a_crash_gets_it_when_the_bot_is_back(world: SandboxWorld) -> None:
    assert world.guild is not None and world.runner is not None
    services, programme = world.bot.services, world.bot.services.programmes.all()[0]
    await world.runner.stop()
    world.clock.advance(timedelta(minutes=5))
    cut = world.person("Cut Cleo")
    await cut.join(world.guild)
    # what a process that died mid-welcome leaves: the interview begun, no message sent yet; the pass that
    # follows its start has looked at every earlier join
    await services.onboarding.begin(programme, cut.id, "Cut Cleo", username="cut")
    world.clock.advance(timedelta(seconds=2))
    await services.catch_up.record(programme, world.clock.now(), 0)
    await world.runner.start()
    await world.discord.state.wait_for(lambda: cut.dms(), 10)
    await _restart_and_catch_up(world, crash=True)  # once reached, never again
    assert len(cut.dms()) == 1, "the cut-short welcome should arrive exactly once"



async def test_a_member_with_dms_known_closed_whose_welcome_was_cut_short_gets_it_in_a_private_thread(
        world: SandboxWorld) -> None:
    assert world.guild is not None and world.runner is not None
    services, programme = world.bot.services, world.bot.services.programmes.all()[0]
    await world.runner.stop()
    world.clock.advance(timedelta(minutes=5))
    shut = world.person("Shut Sam", dms_open=False)
    await shut.join(world.guild)
    # a process died mid-welcome after their DM was refused, before their thread was made
    conv = await services.onboarding.begin(programme, shut.id, "Shut Sam", username="shut")
    await services.onboarding.mark_dms_closed(conv.person_id)
    world.clock.advance(timedelta(seconds=2))
    await services.catch_up.record(programme, world.clock.now(), 0)
    refused = [r for r in world.discord.log.rest if r.status == 403]
    await world.runner.start()

    def welcomed() -> list[object]:
        return [m for c in world.discord.state.channels.values() if shut.can_see(c) and c.name.startswith("onboarding")
                for m in posts_in(world, c) if m.author_id == world.discord.bot_user.id]

    await world.discord.state.wait_for(lambda: bool(welcomed()), 10)
    assert welcomed(), "a member with DMs known closed was never welcomed"
    assert [r for r in world.discord.log.rest if r.status == 403] == refused, "their closed DMs were tried again"
    await _restart_and_catch_up(world, crash=True)  # once reached, never again
    assert len([m for m in welcomed() if f"<@{shut.id}>" in m.content]) == 1


@pytest.mark.parametrize("where", ["server", "dms"])
async def test_a_member_whose_join_was_missed_is_welcomed_though_someone_else_left_before_the_next_start(
    world: SandboxWorld, where: str,
) -> None:
    assert world.guild is not None
    world.clock.advance(timedelta(minutes=5))
    gus = world.person("Gone Gus")
    await gus.join(world.guild)
    await world.discord.state.wait_for(lambda: gus.dms(), 5)
    world.clock.advance(timedelta(seconds=2))
    mia = world.person("Missed Mia")
    await mia.join(world.guild, unseen=True)  # her welcome died with the process before her row was made
    world.clock.advance(timedelta(seconds=2))
    if where == "server":  # then Gus deletes his data
        asked = await slash(gus, world.guild, "leave")
    else:
        asked = await gus.slash("leave", channel=world.discord.state.open_dm(gus.id))
    done = await gus.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    gus_dms = len(gus.dms())
    await _restart_and_catch_up(world, crash=True)
    with contextlib.suppress(TimeoutError):
        await world.discord.state.wait_for(lambda: mia.dms(), 5)
    assert len(mia.dms()) == 1, "a member whose join was missed was never welcomed, because someone else left"
    assert len(gus.dms()) == gus_dms, "someone who deleted their data was welcomed again"
    await _restart_and_catch_up(world, crash=True)
    assert len(mia.dms()) == 1 and len(gus.dms()) == gus_dms


async def test_a_member_the_last_pass_did_not_see_is_welcomed_after_a_crash_though_that_pass_welcomed_someone(
    world: SandboxWorld,
) -> None:
    assert world.guild is not None and world.runner is not None
    services, programme = world.bot.services, world.bot.services.programmes.all()[0]
    await world.runner.stop()
    now = world.clock.now()
    world.clock.advance_to(now.replace(microsecond=0) + timedelta(minutes=5, milliseconds=300))
    mo = world.person("Missed Mo")
    await mo.join(world.guild)
    # what a process that died leaves: a pass began seconds after Mo joined, welcomed someone who joined earlier
    # (audited), and did not see Mo — his join event was still on its way (Discord was slow); his live welcome
    # died with the process
    world.clock.advance(timedelta(seconds=3, milliseconds=400))
    await services.catch_up.record(programme, world.clock.now(), 1)
    await world.runner.start()
    with contextlib.suppress(TimeoutError):
        await world.discord.state.wait_for(lambda: mo.dms(), 10)
    assert len(mo.dms()) == 1, "a member whose join the last pass did not see was never welcomed"
