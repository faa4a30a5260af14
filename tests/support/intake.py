"""Helpers for the hashtag-intake end-to-end tests: a 250-post X scenario, a world that replies to many
leads an hour, what the bot stored, replied and posted for the organisers, and a linked member joining."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from bot.sandbox.x import SandboxX
from storage.models import Lead
from storage.queries import intake
from tests.support.world import make_world

POLL = "poll-x-edu"
TAG = "#EduMentoring"


def add_scenario(x: SandboxX) -> dict[str, int]:
    """250 posts: 30 people × 3 posts, one person × 5, 60 single posts, 5 by the bot, 40 replies, 20 quotes,
    30 retweets (X drops those from the search: 220 results, 3 pages). Four people never @mention the bot
    (few: discord.py waits 5 s after 5 messages to one channel). Returns the
    expected counts."""
    start = x.clock.now() - timedelta(hours=20)
    minute = timedelta(minutes=1)
    t = 0
    originals: list[str] = []
    mentioning: set[str] = set()

    def post(text: str, handle: str, **kw: str) -> str:
        nonlocal t
        t += 1
        return x.add_post(text, handle, created_at=start + t * minute, **kw)

    for i in range(30):
        for j in range(3):
            mention = " @MentorBot" if i not in (5, 25) and j == 1 else ""
            originals.append(post(f"Looking for a mentor, secondary maths {j}{mention} {TAG}", f"triple{i}"))
            if mention:
                mentioning.add(f"triple{i}")
    for j in range(5):
        mention = " @MentorBot" if j == 3 else ""
        post(f"Happy to mentor primary science teachers, take {j}{mention} {TAG}", "fivefold")
    mentioning.add("fivefold")
    for i in range(60):
        mention = "" if i in (7, 47) else " @MentorBot"
        originals.append(post(f"Keen to find a mentor in English{mention} {TAG}", f"single{i}"))
        if mention:
            mentioning.add(f"single{i}")
    for j in range(5):
        post(f"Our mentoring cohort opens soon, note {j} {TAG}", "MentorBot")
    for i in range(40):
        post(f"Great idea! {TAG}", f"replier{i % 10}", reply_to=originals[i])
    for i in range(20):
        post(f"This! {TAG}", f"quoter{i % 5}", quote_of=originals[i])
    for i in range(30):
        post("", f"retweeter{i}", retweet_of=originals[i])
    assert len(x.posts) == 250
    leads = 30 + 1 + 60
    return {"leads": leads, "replies": len(mentioning), "queued": leads - len(mentioning)}


async def start_world(tmp_path_factory: pytest.TempPathFactory, **intake_cfg: Any) -> tuple[SandboxWorld, str | None]:
    """A world whose programme replies to many leads an hour (the scenarios have 36 to reply to)."""
    return await make_world(tmp_path_factory, programme_overrides={"intake": {"replies_per_hour": 500, **intake_cfg}})


def last_report(world: SandboxWorld) -> Any:
    cog = world.bot.get_cog("Intake")
    assert cog is not None
    return cog.last_reports["edu"]  # type: ignore[attr-defined]


async def leads_of(world: SandboxWorld) -> list[Lead]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        return await intake.leads_in_programme(session=s, programme_id=programme.id)


def organiser_posts(world: SandboxWorld) -> list[str]:
    assert world.organisers_channel is not None
    state = world.discord.state
    return [m.content for m in state.messages.values()
            if m.channel_id == world.organisers_channel.id and m.author_id == state.bot_user.id]


def replies_per_author(x: SandboxX) -> Counter[str]:
    return Counter(x.post(r.ref("replied_to") or "").author.username for r in x.replies)


def searches(x: SandboxX) -> int:
    return sum(1 for r in x.log if r.path.startswith("/2/tweets/search"))


CODE = re.compile(r"\bEDU-[2-9A-Z]{4}\b")


async def joined(world: SandboxWorld, name: str) -> Persona:
    persona = world.person(name)
    assert world.guild is not None
    await persona.join(world.guild)
    first = await persona.next_dm()
    assert "mentor, a mentee, or both" in first.content
    return persona
