"""Programmes are fenced: only the guilds the operator lists run programmes, on the hashtags listed for them;
two legitimate programmes on one hashtag each get their own leads, one reply goes out, and a lookup in one
programme never finds another's lead."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.config import ProgrammeConfig
from bot.sandbox.world import SandboxWorld
from bot.services.organisers import SetupDraft
from storage.models import Lead
from storage.queries import intake
from tests.support.intake import POLL, TAG, joined, replies_per_author

pytestmark = pytest.mark.e2e
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500}}
CODE = re.compile(r"\bEDU-[2-9A-Z]{4}\b")


async def test_set_up_in_a_guild_the_operator_did_not_list_is_refused_and_says_why(world: SandboxWorld) -> None:
    owner = world.person("Mallory Owner")
    guild = world.discord.create_guild("Look-alike", owner=owner.user, general=True)
    owner.guild = guild
    answer = await owner.slash("programme", "setup", guild=guild)
    assert "can't run a programme here" in answer.content and "programme_guilds" in answer.content
    tools = world.bot.services.organisers
    with pytest.raises(ValueError, match="not one the bot's operator lets run programmes"):
        await tools.apply_setup(guild.id, SetupDraft(key="copy", name="Copy", hashtags=["EduMentoring"]),
                                existing=None, actor=owner.id)
    assert [p.guild_id for p in world.bot.services.programmes.all()] == [world.guild.id if world.guild else 0]


async def test_a_listed_guild_may_only_claim_its_own_hashtags(world: SandboxWorld) -> None:
    guild = world.discord.create_guild("Runners")
    world.allow_programmes(guild, ("RunMentoring",))
    tools = world.bot.services.organisers
    with pytest.raises(ValueError, match="may not claim #EduMentoring"):
        await tools.apply_setup(guild.id, SetupDraft(key="run", name="Run", hashtags=["EduMentoring"]),
                                existing=None, actor=None)
    made = await tools.apply_setup(guild.id, SetupDraft(key="run", name="Run", hashtags=["RunMentoring"]),
                                   existing=None, actor=None)
    assert made.config.intake.hashtags == ["RunMentoring"]


async def test_two_programmes_on_one_hashtag_each_get_their_leads_one_reply_and_never_see_each_others(
    world: SandboxWorld,
) -> None:
    other = world.discord.create_guild("Second cohort")
    world.allow_programmes(other, ("EduMentoring",))
    services = world.bot.services
    first = services.programmes.all()[0]
    second = await services.programmes.create(ProgrammeConfig(
        key="edu2", name="Second", guild_id=other.id, invite_url="https://discord.gg/second",
        intake={"hashtags": ["EduMentoring"], "replies_per_hour": 500}))
    world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    await services.intake.poll(second, world.bot.get_cog("Intake").queue)  # type: ignore[union-attr]

    async with world.bot.sessions() as s:
        a = await intake.find_lead_by_handle(session=s, programme_id=first.id, ref="@amara_teach")
        b = await intake.find_lead_by_handle(session=s, programme_id=second.id, ref="@amara_teach")
        assert a is not None and b is not None and a.id != b.id
        assert await intake.get_post(session=s, programme_id=second.id, platform="x", post_id=a.first_post_id)
    assert replies_per_author(world.x)["amara_teach"] == 1, "one post, one reply"

    # a member of the first guild proves their account there: the second programme's lead is untouched
    amara = await joined(world, "Amara")
    answer = await amara.slash("link", options={"handle": "@amara_teach"})
    code = CODE.search(answer.content)
    assert code
    world.x.add_post(f"{TAG} {code.group(0)}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    await services.intake.poll(second, world.bot.get_cog("Intake").queue)  # type: ignore[union-attr]
    async with world.bot.sessions() as s:
        first_lead, second_lead = await s.get(Lead, a.id), await s.get(Lead, b.id)
        assert first_lead is not None and first_lead.status == "linked"
        assert second_lead is not None and second_lead.status != "linked" and second_lead.person_id is None
    # and the first guild's lookups never reach the second programme
    assert [p.key for p in services.programmes.in_guild(world.guild.id if world.guild else 0)] == [first.key]


async def test_two_programmes_polling_one_hashtag_at_the_same_instant_send_one_reply_per_post(
    world: SandboxWorld,
) -> None:
    other = world.discord.create_guild("Second cohort")
    world.allow_programmes(other, ("EduMentoring",))
    services = world.bot.services
    first = services.programmes.all()[0]
    second = await services.programmes.create(ProgrammeConfig(
        key="edu2", name="Second", guild_id=other.id, invite_url="https://discord.gg/second",
        intake={"hashtags": ["EduMentoring"], "replies_per_hour": 500}))
    authors = [f"teach_{n}" for n in range(8)]
    for author in authors:
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", author, author.title())
    queue = world.bot.get_cog("Intake").queue  # type: ignore[union-attr]
    await asyncio.gather(services.intake.poll(first, queue), services.intake.poll(second, queue))
    replies = replies_per_author(world.x)
    assert {a: replies.get(a, 0) for a in authors} == dict.fromkeys(authors, 1), "one post, one reply"
