"""``/programme setup`` on an empty server leaves a programme that a newcomer can join and complete."""

from __future__ import annotations

import pytest

from bot.sandbox.discord import permissions as perm
from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.models import AuditEvent
from storage.queries import people
from tests.support.organisers import REFUSAL, slash

pytestmark = pytest.mark.e2e


async def test_setup_on_an_empty_server_creates_a_programme_a_newcomer_completes(world: SandboxWorld) -> None:
    owner = world.person("Priya Owner")
    guild = world.discord.create_guild("Library leaders", owner=owner.user, general=True)
    owner.guild = guild
    world.allow_programmes(guild, ("LibMentoring", "LibLeaders"))
    stranger = world.person("Sam")
    await stranger.join(guild)
    refused = await slash(stranger, guild, "programme", "setup")
    assert refused.content == REFUSAL

    started = await owner.slash("programme", "setup", guild=guild)
    assert "Setting up a new mentoring programme" in started.content
    wizard = started.message
    assert wizard is not None and wizard.ephemeral
    await owner.click("Create what's missing", message=wizard)
    await world.discord.state.wait_for(lambda: "Created" in world.discord.state.messages[wizard.id].content, 5)
    assert world.discord.channel_named(guild, "onboarding") is not None
    organisers_channel = world.discord.channel_named(guild, "organisers")
    assert organisers_channel is not None and not stranger.can_see(organisers_channel)
    await owner.click("Next", message=wizard)
    await owner.choose("libraries", message=wizard, custom_id=_custom_id(world, wizard.id, "Question preset…"))
    await owner.choose("light", message=wizard, custom_id=_custom_id(world, wizard.id, "Nudge plan…"))
    await owner.click("Details…", message=wizard)
    await owner.submit_modal({"Name": "Libraries Connected", "Key (short id, e.g. edu-2026)": "",
                              "Hashtags (space or comma separated)": "#LibMentoring, #LibLeaders",
                              "Cohort start (YYYY-MM-DD)": "2026-10-01", "Cohort end (YYYY-MM-DD)": "2027-03-31"})
    saved = await (await owner.click("Save", message=wizard)).wait_answer()
    assert saved.message is not None and "✅ Saved **Libraries Connected** (key `libraries-connected`)" in \
        saved.message.content
    assert "missing permissions" not in saved.message.content

    programme = world.bot.services.programmes.get("libraries-connected")
    assert programme is not None and programme.guild_id == guild.id
    cfg = programme.config
    assert cfg.questions.preset == "libraries" and cfg.intake.hashtags == ["LibMentoring", "LibLeaders"]
    assert [s.key for s in cfg.nudges.steps] == ["day3-met", "monthly-checkin"]
    assert str(cfg.cohort_start) == "2026-10-01"

    await world.restart()  # what organisers set lives in the database
    programme = world.bot.services.programmes.get("libraries-connected")
    assert programme is not None and programme.config.questions.preset == "libraries"

    nia = world.person("Nia")
    await nia.join(guild)
    answers = _fill(programme.questions, {"role": "mentee", "level": "emerging-leader", "nation": "england",
                                          "timezone": "London", "organisation": "Leeds Libraries"})
    log = await run_interview(nia, programme.questions, answers)
    assert "profile is saved" in log.last
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=nia.id)
        assert person is not None and person.status == "active"
        from sqlmodel import select

        actions = [e.action for e in await s.exec(select(AuditEvent).where(AuditEvent.actor_discord_id == owner.id))]
    assert "programme.create" in actions


async def test_setup_names_the_permissions_the_bot_is_missing(world: SandboxWorld) -> None:
    owner = world.person("Olga Owner")
    guild = world.discord.state.create_guild("Bare", owner.user, bot_permissions=perm.DEFAULT_EVERYONE)
    owner.guild = guild
    world.allow_programmes(guild)
    started = await owner.slash("programme", "setup", guild=guild)
    assert "Manage Channels" in started.content and "Manage Roles" in started.content
    assert "Manage Threads" in started.content


async def test_setup_edits_the_existing_programme_and_keeps_what_organisers_set(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    started = await world.organiser.slash("programme", "setup", guild=world.guild)
    assert "Setting up **\\#EduMentoring**" in started.content
    wizard = started.message
    assert wizard is not None
    await world.organiser.click("Next", message=wizard)
    await world.organiser.choose("off", message=wizard, custom_id=_custom_id(world, wizard.id, "Nudge plan…"))
    await (await world.organiser.click("Save", message=wizard)).wait_answer()
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None and programme.config.nudges.steps == []
    assert programme.config.questions.preset == "edumentoring"
    await world.restart()
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None and programme.config.nudges.steps == []


def _custom_id(world: SandboxWorld, message_id: int, placeholder: str) -> str:
    from bot.sandbox.discord.actors import walk_components

    message = world.discord.state.messages[message_id]
    return next(str(c["custom_id"]) for c in walk_components(message.components) if c.get("placeholder") == placeholder)


def _fill(questions: list, answers: dict) -> dict:  # type: ignore[type-arg]
    """Answer every question: the given answers, else the first option / a sensible value."""
    out = dict(answers)
    for q in questions:
        if q.key in out:
            continue
        if q.kind == "single":
            out[q.key] = q.options[0].value
        elif q.kind == "multi":
            out[q.key] = [q.options[0].value]
        elif q.kind == "number":
            out[q.key] = q.min_value
        elif q.kind == "consent":
            out[q.key] = True
        elif q.kind == "timezone":
            out[q.key] = "London"
        else:
            out[q.key] = "skip"
    return out
