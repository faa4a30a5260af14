"""Several programmes in one bot: two guilds with a programme each, and two programmes in one guild, with the
same people in both. Every typed interview answer, interview button, /link code and slash command lands in
the programme it belongs to — never the first one the bot happens to run."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from bot.config import ProgrammeConfig
from bot.sandbox.discord import Channel, Guild
from bot.sandbox.discord import permissions as perm
from bot.sandbox.interview import ONB_ID, latest_bot_message, run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from bot.services.programmes import Programme
from storage.queries import onboarding, people
from tests.support.personas import EDU_MENTEE, LIBRARIES_MENTEE, RUNTOGETHER_MENTOR, expected_answers

pytestmark = pytest.mark.e2e
RUN_CODE = re.compile(r"\bRUN-[2-9A-Z]{4}\b")


async def runners_guild(world: SandboxWorld) -> tuple[Guild, Programme, Persona]:
    """A second guild running RunTogether (codes RUN-…), with its own organiser."""
    guild = world.discord.create_guild("Runners")
    organisers = world.discord.create_role(guild, "Organisers", permissions=perm.MANAGE_GUILD)
    world.discord.create_text_channel(guild, "onboarding")
    world.discord.create_text_channel(guild, "organisers")
    world.allow_programmes(guild, ("RunMentoring",))
    programme = await world.bot.services.programmes.create(ProgrammeConfig(
        key="run", name="RunTogether", guild_id=guild.id, invite_url="https://discord.gg/run",
        questions={"preset": "runtogether"},  # type: ignore[arg-type]
        intake={"hashtags": ["RunMentoring"], "claim_code_prefix": "RUN"}))  # type: ignore[arg-type]
    rita = world.person("Rita Organiser")
    await rita.join(guild, roles=[organisers])
    return guild, programme, rita


async def stored(world: SandboxWorld, programme: Programme, persona: Persona) -> tuple[str | None, dict[str, Any]]:
    """(status, answers) of ``persona`` in ``programme``; (None, {}) when the programme holds nothing of them."""
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
        if person is None:
            return None, {}
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
        return str(person.status), dict(profile.answers) if profile else {}


def everything(result: Any) -> str:
    """All a reply shows: its text, embeds and attached files."""
    files = " ".join(a.data.decode("utf-8") for m in result.messages for a in m.attachments)
    return f"{result.content} {embed_text(result)} {files}"


def embed_text(result: Any) -> str:
    return " ".join(f"{e.get('title', '')} " + " ".join(str(f.get("value", "")) for f in e.get("fields", []))
                    for m in result.messages for e in m.embeds)


async def threads_of(world: SandboxWorld, persona: Persona, parent: Channel) -> list[int]:
    """The private threads under ``parent`` the persona is in, once the bot has spoken in one."""
    state = world.discord.state
    for _ in range(500):
        found = sorted(c.id for c in state.channels.values()
                       if c.type == 12 and c.parent_id == parent.id and persona.can_see(c.id)
                       and latest_bot_message(persona, c.id) is not None)
        if found:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"no onboarding thread for {persona.name} under #{parent.name}")


async def test_a_person_in_two_guilds_answers_links_and_manages_each_programme_on_its_own(
        world: SandboxWorld) -> None:
    edu = world.bot.services.programmes.all()[0]
    assert world.guild is not None and world.organiser is not None
    runners, run, rita = await runners_guild(world)
    rae = world.person("Rae")

    # the second programme's interview first: typed answers in the DM must reach RunTogether, not #EduMentoring
    await rae.join(runners)
    await run_interview(rae, run.questions, RUNTOGETHER_MENTOR, timeout=20)
    await rae.join(world.guild)
    await run_interview(rae, edu.questions, EDU_MENTEE, timeout=20)
    assert await stored(world, run, rae) == ("active", expected_answers(RUNTOGETHER_MENTOR))
    assert await stored(world, edu, rae) == ("active", expected_answers(EDU_MENTEE))

    # /profile view shows the guild's own programme
    in_runners = embed_text(await rae.slash("profile", "view", guild=runners))
    in_edu = embed_text(await rae.slash("profile", "view", guild=world.guild))
    assert "RunTogether" in in_runners and "Harrogate Harriers" in in_runners and "Vale Academy" not in in_runners
    assert "#EduMentoring" in in_edu and "Vale Academy" in in_edu and "Harrogate Harriers" not in in_edu

    # each organiser's /match preview sees only their own programme's people
    edu_preview = await world.organiser.slash("match", "preview", guild=world.guild)
    run_preview = await rita.slash("match", "preview", guild=runners)
    assert "Matching preview · #EduMentoring" in edu_preview.content
    assert "Rae: no mentors in this round" in everything(edu_preview)  # Rae is #EduMentoring's mentee
    assert "Matching preview · RunTogether" in run_preview.content
    assert "Rae" not in everything(run_preview)  # ... and RunTogether's mentor, with no one to mentor yet

    # /pause in the runners' guild pauses RunTogether only; /leave there erases only RunTogether
    paused = await rae.slash("pause", guild=runners, options={"weeks": 2})
    assert "paused until" in paused.content and "jump back in" in paused.content  # in RunTogether's voice
    assert (await stored(world, run, rae))[0] == "paused"
    assert (await stored(world, edu, rae))[0] == "active"
    asked = await rae.slash("leave", guild=runners)
    assert "RunTogether" in asked.content
    await rae.click("Yes, delete my data", message=asked.message)
    assert await stored(world, run, rae) == (None, {})
    assert await stored(world, edu, rae) == ("active", expected_answers(EDU_MENTEE))


async def test_another_guilds_code_typed_in_a_private_onboarding_thread_is_answered_not_taken_as_an_answer(
        world: SandboxWorld) -> None:
    edu = world.bot.services.programmes.all()[0]
    assert world.guild is not None and world.onboarding_channel is not None
    runners, run, _rita = await runners_guild(world)
    world.x.add_post("New run leader, looking for a mentor #RunMentoring @MentorBot", "dee_runs", "Dee")
    await world.bot.get_cog("Intake").poll("run", "x")  # type: ignore[union-attr]
    dee = world.person("Dee", dms_open=False)
    await dee.join(runners)
    await dee.join(world.guild)
    linked = await dee.slash("link", guild=runners, options={"handle": "@dee_runs"})
    code = RUN_CODE.search(linked.content)
    assert code, linked.content
    # her #EduMentoring interview lives in a private thread of the first guild; she pastes the code there
    (edu_thread,) = await threads_of(world, dee, world.onboarding_channel)
    await run_interview(dee, edu.questions, EDU_MENTEE, stop_after=1, channel_id=edu_thread, timeout=20)
    before = latest_bot_message(dee, edu_thread)
    assert before is not None
    await dee.say(code.group(0), channel=world.discord.state.channels[edu_thread])
    reply = await dee.next_message(edu_thread, after=before.id)
    assert "Codes aren't typed here" in reply.content
    # the interview carries on at the question it was at: the code was not taken as an answer
    await run_interview(dee, edu.questions, EDU_MENTEE, channel_id=edu_thread, timeout=20, question=before)
    assert await stored(world, edu, dee) == ("active", expected_answers(EDU_MENTEE))


async def test_two_programmes_in_one_guild_each_get_the_answers_typed_in_their_own_thread(
        world: SandboxWorld) -> None:
    edu = world.bot.services.programmes.all()[0]
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None and world.onboarding_channel is not None
    library_onboarding = world.discord.create_text_channel(guild, "library-onboarding")
    lib = await world.bot.services.programmes.create(ProgrammeConfig(
        key="lib", name="Libraries Connected", guild_id=guild.id, onboarding_channel="library-onboarding",
        questions={"preset": "libraries"}))  # type: ignore[arg-type]
    # DMs closed: each programme talks to her in a private thread of its own onboarding channel
    kit = world.person("Kit", dms_open=False)
    await kit.join(guild)
    (lib_thread,) = await threads_of(world, kit, library_onboarding)
    (edu_thread,) = await threads_of(world, kit, world.onboarding_channel)

    # interleaved: a few answers in one, the whole other interview, then the rest of the first
    await run_interview(kit, lib.questions, LIBRARIES_MENTEE, stop_after=3, channel_id=lib_thread, timeout=20)
    await run_interview(kit, edu.questions, EDU_MENTEE, channel_id=edu_thread, timeout=20)
    await run_interview(kit, lib.questions, LIBRARIES_MENTEE, channel_id=lib_thread, timeout=20)
    assert await stored(world, lib, kit) == ("active", expected_answers(LIBRARIES_MENTEE))
    assert await stored(world, edu, kit) == ("active", expected_answers(EDU_MENTEE))

    # slash commands name the programme; without it the bot asks which
    which = await kit.slash("profile", "view", guild=guild)
    assert "several programmes" in which.content
    in_lib = embed_text(await kit.slash("profile", "view", guild=guild, options={"programme": "lib"}))
    assert "Leeds Libraries" in in_lib and "Vale Academy" not in in_lib
    await kit.slash("pause", guild=guild, options={"programme": "edu", "weeks": 1})
    assert (await stored(world, edu, kit))[0] == "paused" and (await stored(world, lib, kit))[0] == "active"
    preview = await olu.slash("match", "preview", guild=guild, options={"programme": "lib"})
    assert "Libraries" in preview.content or preview.messages


def _asked_by(message: Any) -> tuple[int, str] | None:
    """(programme id, question key) of a bot interview message, from its buttons' custom_ids."""
    for row in message.components:
        for comp in row.get("components", []):
            found = ONB_ID.match(str(comp.get("custom_id", "")))
            if found:
                return int(found.group(1)), found.group(2)
    return None


async def _answers(world: SandboxWorld, programme: Programme, persona: Persona) -> dict[str, Any]:
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
        assert person is not None
        conv = await onboarding.get_session(session=s, person_id=person.id or 0, programme_id=programme.id)
        assert conv is not None
        return dict(conv.state.get("answers") or {})


async def test_two_interviews_in_one_dm_each_typed_answer_goes_to_the_question_it_answers(
        world: SandboxWorld) -> None:
    """Two programmes of one guild interview Kit in the same DM. A typed answer answers the question asked
    last (the one right above it), and a Discord reply answers the question it replies to — never simply
    the programme the bot happens to list first."""
    edu = world.bot.services.programmes.all()[0]
    guild = world.guild
    assert guild is not None
    world.discord.create_text_channel(guild, "library-onboarding")
    lib = await world.bot.services.programmes.create(ProgrammeConfig(
        key="lib", name="Libraries Connected", guild_id=guild.id, onboarding_channel="library-onboarding",
        questions={"preset": "libraries"}))  # type: ignore[arg-type]
    kit = world.person("Kit")
    await kit.join(guild)

    def questions() -> dict[int, Any]:
        found = {}
        for m in kit.dms():
            asked = _asked_by(m)
            if asked is not None:
                found[asked[0]] = m
        return found

    await world.discord.state.wait_for(lambda: len(questions()) == 2 or None, 5)
    # Libraries Connected asks again (e.g. Kit used /join there): its question is now the latest in the DM
    await kit.slash("join", guild=guild, options={"programme": "lib"})
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (lib.id, "role") or None, 5)
    edu_role = questions()[edu.id]
    await kit.say("mentor")
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (lib.id, "level") or None, 5)
    assert (await _answers(world, lib, kit)).get("role") == "mentor"
    assert "role" not in await _answers(world, edu, kit)
    assert kit.dms()[-1].content.startswith("-# Libraries Connected\n"), "with two interviews here, it says whose"

    # #EduMentoring shows its question again, then Libraries Connected (asked last): a reply to the first copy
    # of #EduMentoring's question still answers #EduMentoring
    await kit.slash("join", guild=guild, options={"programme": "edu"})
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (edu.id, "role") or None, 5)
    await kit.slash("join", guild=guild, options={"programme": "lib"})
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (lib.id, "level") or None, 5)
    await kit.say("mentee", reply_to=edu_role)
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (edu.id, "phase") or None, 5)
    assert (await _answers(world, edu, kit)).get("role") == "mentee"
    assert "level" not in await _answers(world, lib, kit)
    assert kit.dms()[-1].content.startswith("-# \\#EduMentoring\n")  # the name, escaped for markdown
    # a click answers its own interview, and the next question says whose it is too
    level = questions()[lib.id]
    await kit.click("Head of Service", message=level)
    await world.discord.state.wait_for(lambda: _asked_by(kit.dms()[-1]) == (lib.id, "nation") or None, 5)
    assert kit.dms()[-1].content.startswith("-# Libraries Connected\n")


async def test_join_shows_a_question_again_naming_its_programme_when_two_interviews_share_the_dm(
        world: SandboxWorld) -> None:
    """With two interviews in one DM, the question /join shows again says whose it is, as the questions
    after a typed answer or a click do."""
    guild = world.guild
    assert guild is not None
    world.discord.create_text_channel(guild, "library-onboarding")
    lib = await world.bot.services.programmes.create(ProgrammeConfig(
        key="lib", name="Libraries Connected", guild_id=guild.id, onboarding_channel="library-onboarding",
        questions={"preset": "libraries"}))  # type: ignore[arg-type]
    edu = world.bot.services.programmes.all()[0]
    kit = world.person("Kit")
    await kit.join(guild)
    await world.discord.state.wait_for(lambda: len({_asked_by(m) for m in kit.dms()} - {None}) == 2 or None, 5)
    seen, quiet_since = -1, asyncio.get_running_loop().time()
    while asyncio.get_running_loop().time() - quiet_since < 0.5:  # joining's own messages all sent first
        if len(kit.dms()) != seen:
            seen, quiet_since = len(kit.dms()), asyncio.get_running_loop().time()
        await asyncio.sleep(0.05)
    for programme, name in ((lib, "Libraries Connected"), (edu, "\\#EduMentoring")):
        before = len(kit.dms())
        await kit.slash("join", guild=guild, options={"programme": programme.key})
        shown = await world.discord.state.wait_for(
            lambda p=programme, n=before: next((m for m in kit.dms()[n:] if _asked_by(m) == (p.id, "role")), None), 5)
        assert shown.content.startswith(f"-# {name}\n"), shown.content
