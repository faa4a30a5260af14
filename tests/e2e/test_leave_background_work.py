"""``/leave`` answers as soon as the person's rows are deleted; the rewrite of the database files and the
deletion of the bot's public replies that named them are queued in the same transaction and done by the
``erasure-work`` job right after — and still done when the process stopped before it could run them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from bot.services.erasure_work import JOB_NAME as ERASURE_JOB
from bot.services.erasure_work import ErasureWork
from tests.support.erasure import erasure_work_done, no_copy_left, open_erasure_work
from tests.support.intake import CODE, POLL, TAG
from tests.support.organisers import MENTEE_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def _a_linked_member_who_leaves(world: SandboxWorld) -> tuple[str, Any, list[str]]:
    """Zanele asked for a mentor on X (the bot replied publicly, naming her handle), linked that post from
    Discord and did her interview; then the bot's scheduler stops running jobs (as in a process about to die)
    and she leaves. Returns her answer, the bot's public reply, and every string she gave."""
    guild = world.guild
    assert guild is not None
    programme = world.bot.services.programmes.all()[0]
    world.x.add_post(f"Quokkafind: need a mentor for year 9 @MentorBot {TAG}", "zanele_quokka", "Zanele Okonkwo")
    await world.bot.tick(POLL)
    reply = next(r for r in world.x.replies if "@zanele_quokka" in r.text)
    leaver = world.person("Zanele Okonkwo-Ávila")
    await leaver.join(guild)
    code = CODE.search((await leaver.slash("link", options={"handle": "@zanele_quokka"})).content)
    assert code
    world.x.add_post(f"{TAG} {code.group(0)}", "zanele_quokka", "Zanele Okonkwo")
    await world.bot.tick(POLL)
    await run_interview(leaver, programme.questions, dict(MENTEE_INTERVIEW, organisation="Riverside Quokkahaven"))
    given = ["Zanele", "Okonkwo", "zanele_quokka", "Quokkafind", "Quokkahaven", code.group(0)]

    # its next periodic run an hour away: only /leave's kick can start it sooner
    world.bot.scheduler.get_job(ERASURE_JOB).modify(next_run_time=datetime.now(UTC) + timedelta(hours=1))
    world.bot.scheduler.pause()  # no periodic job runs from here on (the run /leave kicks waits too)
    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer(timeout=30)
    return str(done.content), reply, given


async def test_the_leave_answer_comes_before_the_rewrite_and_the_deletions_which_follow_by_themselves(
        world: SandboxWorld) -> None:
    answer, reply, given = await _a_linked_member_who_leaves(world)
    assert "has been deleted now" in answer and "cleaned up within a few minutes" in answer
    assert "public reply that named your handle is being deleted" in answer
    # the answer came while the job had not run: /leave did neither piece of work itself
    assert world.x.store.get(reply.id) is not None
    assert await open_erasure_work(world) == {"rewrite": 1, "delete_post": 1}

    world.bot.scheduler.resume()  # the run /leave kicked goes ahead (no tick; no periodic run due for an hour)
    await erasure_work_done(world)
    assert world.x.store.get(reply.id) is None, "the bot's public reply naming them is deleted"
    await no_copy_left(world, given)


async def test_work_queued_by_a_leave_is_done_on_the_next_start_when_the_process_stopped_first(
        world: SandboxWorld) -> None:
    answer, reply, given = await _a_linked_member_who_leaves(world)
    assert "has been deleted" in answer
    assert world.x.store.get(reply.id) is not None and await open_erasure_work(world)

    await world.restart(crash=True)  # the process dies after the erasure's commit, before the work
    await erasure_work_done(world)  # the new process does it as it starts (no tick)
    assert world.x.store.get(reply.id) is None, "the bot's public reply naming them is deleted"
    await no_copy_left(world, given)


async def _two_leave_while_the_job_waits(world: SandboxWorld) -> list[str]:
    guild = world.guild
    assert guild is not None
    programme = world.bot.services.programmes.all()[0]
    world.bot.scheduler.pause()
    given = []
    for name, org in (("Zanele Quokkaby", "Riverside Quokkahaven"), ("Tomasz Wombatson", "Hilltop Wombatworks")):
        persona = world.person(name)
        await persona.join(guild)
        await run_interview(persona, programme.questions, dict(MENTEE_INTERVIEW, organisation=org))
        asked = await slash(persona, guild, "leave")
        done = await persona.click("Yes, delete my data", message=asked.messages[0])
        await done.wait_answer(timeout=30)
        given += [name.split()[1], org.split()[1]]
    return given


async def test_rewrites_queued_by_several_leaves_are_done_in_one_pass(world: SandboxWorld) -> None:
    given = await _two_leave_while_the_job_waits(world)
    assert (await open_erasure_work(world))["rewrite"] == 2

    done = await world.bot.services.erasure_work.run()
    assert (done.rewrites, done.rewrite_passes) == (2, 1)
    assert await open_erasure_work(world) == {}
    await no_copy_left(world, given)


async def test_two_processes_never_both_do_the_same_work(world: SandboxWorld) -> None:
    """A second worker on the same database (as a second process would be) runs at the same moment: each
    queued rewrite is claimed and done by one of them."""
    await _two_leave_while_the_job_waits(world)
    services = world.bot.services
    other = ErasureWork(services.programmes, world.bot.sessions, world.clock, services.intake, services.ending)
    runs = await asyncio.gather(services.erasure_work.run(), other.run())
    assert sum(r.rewrites for r in runs) == 2
    assert await open_erasure_work(world) == {}
