"""Matching end to end: organisers preview and confirm; every pair gets one private space, announced once."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import matching as mq
from tests.support.cohort import onboard_cohort

pytestmark = pytest.mark.e2e


def pair_spaces(world: SandboxWorld) -> dict[int, list[int]]:
    """match id → ids of the channels whose topic carries that pair's marker."""
    found: dict[int, list[int]] = {}
    for channel in world.discord.state.channels.values():
        topic = channel.topic or ""
        if "ref pair-" in topic:
            mid = int(topic.rsplit("ref pair-", 1)[1].split()[0])
            found.setdefault(mid, []).append(channel.id)
    return found


def intros(world: SandboxWorld) -> dict[int, int]:
    counts: dict[int, int] = {}
    for msg in world.discord.state.messages.values():
        if "ref intro-" in msg.content and not msg.deleted:
            mid = int(msg.content.rsplit("ref intro-", 1)[1].split()[0])
            counts[mid] = counts.get(mid, 0) + 1
    return counts


@pytest.mark.slow  # started early, beside the other long tests (tests/conftest.py)
async def test_organiser_previews_confirms_and_each_pair_gets_one_private_space(world: SandboxWorld) -> None:
    personas = await onboard_cohort(world, n_mentors=14, n_mentees=26)
    assert len(personas) == 40
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    preview = await olu.slash("match", "preview", guild=guild)
    assert "Matching preview" in preview.content
    attachment = preview.messages[-1].attachments[0]
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))
    assert rows and all(r["reasons"] for r in rows)
    confirm = await olu.slash("match", "confirm", guild=guild)
    assert "pairs confirmed" in confirm.content
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
    assert matches
    await world.bot.tick("announce-pairs")
    spaces, intro_counts = pair_spaces(world), intros(world)
    outsider = world.person("Outsider")
    await outsider.join(guild)
    by_discord = {p.id: p for p in personas}
    async with world.bot.sessions() as s:
        from storage.queries import people as pq

        for m in matches:
            assert len(spaces[m.id or 0]) == 1 and intro_counts[m.id or 0] == 1
            space = spaces[m.id or 0][0]
            mentor = await pq.get_person(session=s, person_id=m.mentor_person_id)
            mentee = await pq.get_person(session=s, person_id=m.mentee_person_id)
            assert mentor and mentee and mentor.discord_user_id and mentee.discord_user_id
            assert by_discord[mentor.discord_user_id].can_see(space)
            assert by_discord[mentee.discord_user_id].can_see(space)
            assert olu.can_see(space) and not outsider.can_see(space)
    # a second confirm of the same preview is refused
    again = await olu.slash("match", "confirm", guild=guild)
    assert "no preview to confirm" in again.content


@pytest.mark.slow  # started early, beside the other long tests (tests/conftest.py)
async def test_a_crash_half_way_through_announcing_leaves_one_space_and_one_intro_per_pair(
    world: SandboxWorld,
) -> None:
    """The process dies while Discord has applied a write whose answer never came back (a channel made, an
    introduction or a DM posted, the bot not yet told): the restarted bot finds those and does not redo them."""
    await onboard_cohort(world, n_mentors=10, n_mentees=16, seed=3)
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    await olu.slash("match", "preview", guild=guild)
    faults = world.discord.faults
    faults.slow_next(0.15, path_contains="/messages", count=1000)
    await olu.slash("match", "confirm", guild=guild)
    for _ in range(400):
        if len(intros(world)) >= 3:
            break
        await asyncio.sleep(0.01)
    assert 3 <= len(intros(world))
    faults.clear()  # from now on every write is applied and its answer never comes: the bot hangs on it
    faults.lose_response_next("timeout", delay=20, method="POST", count=1000)
    for _ in range(300):
        if faults.fired:
            break
        await asyncio.sleep(0.01)
    assert faults.fired, "no write was left hanging"
    await asyncio.sleep(0.05)
    await world.restart(crash=True)  # the process dies with a write applied but not recorded
    faults.clear()
    await world.bot.tick("announce-pairs")
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
    spaces, intro_counts = pair_spaces(world), intros(world)
    assert {m.id for m in matches} == set(spaces) == set(intro_counts)
    assert all(len(v) == 1 for v in spaces.values()), "a pair got two spaces"
    assert all(v == 1 for v in intro_counts.values()), "a pair got two introductions"
    links = [m.content.rsplit("ref ", 1)[1].split()[0] for m in world.discord.state.messages.values()
             if "ref dm" in m.content and not m.deleted]
    assert len(links) == len(set(links)) == 2 * len(matches), "a DM link went out twice (or never)"
    assert all(m.announce_state == "done" for m in matches)


async def test_confirm_is_refused_when_profiles_changed_since_the_preview(world: SandboxWorld) -> None:
    await onboard_cohort(world, n_mentors=2, n_mentees=2, seed=5)
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    await olu.slash("match", "preview", guild=guild)
    await onboard_cohort_extra(world, "Late Mentee")
    refused = await olu.slash("match", "confirm", guild=guild)
    assert "changed since that preview" in refused.content
    await olu.slash("match", "preview", guild=guild)
    accepted = await olu.slash("match", "confirm", guild=guild)
    assert "pairs confirmed" in accepted.content


async def test_a_manual_pair_that_breaks_rules_says_which_and_asks_first(world: SandboxWorld) -> None:
    from bot.sandbox.interview import run_interview
    from tests.support.personas import EDU_MENTEE, EDU_MENTOR

    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    questions = world.bot.services.programmes.all()[0].questions
    mentor, mentee = world.person("Ned"), world.person("Ola")
    await mentor.join(guild)
    await run_interview(mentor, questions, dict(EDU_MENTOR, organisation="Same School"))
    await mentee.join(guild)
    await run_interview(mentee, questions, dict(EDU_MENTEE, organisation="same school", timezone="Kolkata"))
    asked = await olu.slash("match", "pair", options={"mentor": mentor.id, "mentee": mentee.id}, guild=guild)
    assert "breaks these rules" in asked.content
    assert "organisation" in asked.content and "hours" in asked.content
    done = await (await olu.click("Pair them anyway", message=asked.messages[0])).wait_answer()
    assert "Paired anyway" in done.content
    await world.bot.tick("announce-pairs")
    assert len(pair_spaces(world)) == 1


async def onboard_cohort_extra(world: SandboxWorld, name: str) -> None:
    from bot.sandbox.interview import run_interview
    from tests.support.personas import EDU_MENTEE

    assert world.guild is not None
    late = world.person(name)
    await late.join(world.guild)
    await run_interview(late, world.bot.services.programmes.all()[0].questions, dict(EDU_MENTEE, organisation="Late"))


async def test_pair_them_anyway_never_pairs_someone_who_has_not_consented(world: SandboxWorld) -> None:
    from bot.sandbox.interview import run_interview
    from tests.support.personas import EDU_MENTOR

    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    questions = world.bot.services.programmes.all()[0].questions
    mentor, mentee = world.person("Ned"), world.person("Ola")
    await mentor.join(guild)
    await run_interview(mentor, questions, dict(EDU_MENTOR, organisation="Hill"))
    await mentee.join(guild)  # joined, never finished the interview: never agreed to be matched
    await mentee.next_dm()
    asked = await olu.slash("match", "pair", options={"mentor": mentor.id, "mentee": mentee.id}, guild=guild)
    assert "can't pair them" in asked.content and "not agreed to be matched" in asked.content
    assert not any(c for m in asked.messages for c in m.components), "no 'Pair them anyway' button"
    await world.bot.tick("announce-pairs")
    assert not pair_spaces(world)
    assert not [m for m in mentee.dms() if "paired" in m.content]


def test_the_pair_dm_marker_matches_exactly_so_match_1_is_not_mistaken_for_match_12() -> None:
    from cogs.matching._announce import has_marker, marker

    dm_of_match_12 = f"🎉 You've been paired … \n-# {marker('dm5', 12)}"
    assert not has_marker(dm_of_match_12, marker("dm5", 1))
    assert has_marker(dm_of_match_12, marker("dm5", 12))
    assert has_marker(f"-# {marker('intro', 1)}", marker("intro", 1))
