"""A pair's goals, end to end: the mentee is invited when the pair is introduced (buttons and a modal, starting
from their profile's choices), the mentor sees the goals in the pair's space, check-ins ask how each goal is
going, ``/goals view`` shows and changes them any time, and organisers see progress per pair and in total."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.config import ProgrammeConfig
from bot.sandbox.discord import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match
from storage.queries import matching, outcomes, people
from tests.support.components import as_sent_before
from tests.support.database import database_unreachable, drop_test_schema
from tests.support.organisers import slash
from tests.support.pairs import Pair, add_member, make_pair, own_thread, posts_in
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def _with_profile_goals(world: SandboxWorld, pair: Pair, goals: list[str]) -> None:
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        await people.upsert_profile(session=s, person_id=pair.mentee.person_id, programme_id=programme.id,
                                    answers={"timezone": pair.mentee.zone, "role": "mentee", "goals": goals},
                                    consent_at=world.clock.now(), now=world.clock.now())


async def test_only_the_pair_can_change_goals_and_organisers_see_the_totals(nworld: SandboxWorld) -> None:
    goals = nworld.bot.services.goals
    pair = await make_pair(nworld, "A", space=True)
    other = await make_pair(nworld, "B")
    await _with_profile_goals(nworld, pair, ["behaviour", "planning", "wellbeing", "workload"])
    programme = nworld.bot.services.programmes.all()[0]

    refused = await goals.use_suggestions(pair.match_id, pair.mentor.persona.id)
    assert not refused.ok and "mentee" in refused.reply
    stranger = await goals.set_goals(pair.match_id, other.mentee.persona.id, ["Take over their goals"])
    assert not stranger.ok and "another pair" in stranger.reply

    saved = await goals.use_suggestions(pair.match_id, pair.mentee.persona.id)
    assert saved.ok and saved.pair is not None
    assert [g.text for g in saved.pair.goals] == ["Behaviour", "Planning", "Wellbeing"]

    first = saved.pair.goals[0]
    assert (await goals.record_progress(first.goal_id, pair.mentor.persona.id, "achieved")).ok
    assert not (await goals.record_progress(first.goal_id, other.mentor.persona.id, "changed")).ok
    await goals.set_goals(pair.match_id, pair.mentee.persona.id, ["Behaviour", "Plan a term of lessons"])

    overview = await goals.overview(programme)
    by_match = {p.match_id: p for p in overview.pairs}
    assert [(g.text, g.progress) for g in by_match[pair.match_id].goals] == [
        ("Behaviour", "achieved"), ("Plan a term of lessons", "not_started")]
    assert by_match[other.match_id].goals == ()
    assert (overview.totals.pairs, overview.totals.pairs_with_goals, overview.totals.goals,
            overview.totals.achieved) == (2, 1, 2, 1)


GOAL_COGS = ["cogs.matching", "cogs.nudges", "cogs.goals", "cogs.organisers"]


@pytest.fixture
async def gworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """The matching, nudges, goals and organiser cogs (pairs are written straight to storage: no interviews)."""
    w, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _introduced_pair(world: SandboxWorld, tag: str, goals: list[str], *, mentee_dms: bool = True) -> Pair:
    """A confirmed pair the bot announces itself (space, introduction, DMs) on its next announcing run."""
    mentor = await add_member(world, f"Mentor {tag}", "Europe/London")
    mentee = await add_member(world, f"Mentee {tag}", "Europe/London", dms_open=mentee_dms, known_dm=mentee_dms)
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        row = await matching.add_match(session=s, match=Match(
            programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
            status="active", announce_state="pending", started_at=world.clock.now(), reasons="both like planning"))
    pair = Pair(row.id or 0, mentor, mentee, None)
    await _with_profile_goals(world, pair, goals)
    await world.bot.tick("announce-pairs")
    async with world.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=pair.match_id)
    assert match is not None and match.announce_state == "done" and match.space_id is not None
    return Pair(pair.match_id, mentor, mentee, world.discord.state.channels[match.space_id])


async def _dm_with(persona: Persona, words: str) -> Message:
    found = [m for m in persona.dms() if words in m.content or any(words in (e.get("title") or "") for e in m.embeds)]
    assert found, f"{persona.name} got no DM with {words!r}"
    return found[-1]


def _space_posts(world: SandboxWorld, pair: Pair) -> list[Message]:
    assert pair.space is not None
    return [m for m in world.discord.state.messages.values() if m.channel_id == pair.space.id and not m.deleted]


async def _goals_shown(world: SandboxWorld, pair: Pair, count: int) -> list[Message]:
    """The goals posts in the pair's space, once there are ``count`` (the post follows the answer)."""
    def shown() -> list[Message]:
        return [m for m in _space_posts(world, pair) if "shared their goals" in m.content]

    await world.discord.state.wait_for(lambda: len(shown()) >= count, 5)
    return shown()


def _goal_fields(message: Message) -> list[str]:
    return [f["value"] for e in message.embeds[:1] for f in e.get("fields", [])]


async def test_the_mentee_sets_goals_from_the_introduction_and_the_mentor_sees_them(gworld: SandboxWorld) -> None:
    pair = await _introduced_pair(gworld, "I", ["behaviour", "planning", "wellbeing", "workload"])
    invite = await _dm_with(pair.mentee.persona, "Your goals")
    assert _goal_fields(invite) == ["Behaviour", "Planning", "Wellbeing"], "the profile's first three choices"
    assert "What would you like to work on with Mentor I?" in invite.embeds[0]["description"]
    assert not any("Your goals" in (e.get("title") or "") for m in pair.mentor.persona.dms() for e in m.embeds), \
        "only the mentee is invited to set goals"

    used = await pair.mentee.persona.click("Use these goals", message=invite)
    assert used.deferred, "acknowledged before the database work"
    assert "Your goals are saved" in used.content and "2. Planning" in used.content
    shown = await _goals_shown(gworld, pair, 1)
    assert len(shown) == 1 and _goal_fields(shown[0]) == ["Behaviour", "Planning", "Wellbeing"]
    assert pair.mentor.persona.can_see(pair.space), "the mentor sees the goals in the pair's space"

    await pair.mentee.persona.click("Change them", message=invite)
    opened = pair.mentee.persona.interactions[-1].modal
    assert opened is not None
    assert [c["component"].get("value") if "component" in c else c["components"][0].get("value")
            for c in opened["components"]] == ["Behaviour", "Planning", "Wellbeing"], "pre-filled from the profile"
    changed = await pair.mentee.persona.submit_modal({"Goal 1": "Manage a lively Year 9 class",
                                                       "Goal 2 (optional)": "Planning", "Goal 3 (optional)": ""})
    assert "1. Manage a lively Year 9 class" in changed.content and "3." not in changed.content
    shown = await _goals_shown(gworld, pair, 2)
    assert len(shown) == 2 and _goal_fields(shown[-1]) == ["Manage a lively Year 9 class", "Planning"]

    again = await pair.mentee.persona.click("Use these goals", message=invite)
    assert "Your goals are saved" in again.content
    assert len(await _goals_shown(gworld, pair, 3)) == 3


async def test_checkins_ask_how_each_goal_is_going_and_organisers_see_it(gworld: SandboxWorld) -> None:
    pair = await _introduced_pair(gworld, "C", ["planning", "wellbeing"])
    other = await _introduced_pair(gworld, "D", ["behaviour"])
    await pair.mentee.persona.click("Use these goals", message=await _dm_with(pair.mentee.persona, "Your goals"))

    gworld.clock.advance(timedelta(days=3, minutes=1))
    await gworld.bot.tick("nudge-dispatch")
    checkin = await _dm_with(pair.mentor.persona, "Have you two met yet?")
    assert "Your goals" in checkin.content and "1. Planning — ⚪ Not started" in checkin.content
    untouched = await _dm_with(other.mentor.persona, "Have you two met yet?")
    assert "Your goals" not in untouched.content, "a pair without goals gets the plain check-in"
    assert not any(c.get("label") == "Goal progress" for row in untouched.components for c in row["components"])

    opened = await pair.mentor.persona.click("Goal progress", message=checkin)
    assert opened.deferred and "How is each goal going?" in opened.content
    panel = opened.messages[-1]
    selects = [c for row in panel.components for c in row["components"] if c.get("type") == 3]
    assert len(selects) == 2
    done = await pair.mentor.persona.choose("achieved", custom_id=selects[0]["custom_id"], message=panel)
    assert "goal 1 is **✅ Achieved**" in done.content
    await pair.mentee.persona.choose("under_way", custom_id=selects[1]["custom_id"], message=panel)

    stranger = await other.mentor.persona.choose("changed", custom_id=selects[0]["custom_id"], message=panel)
    assert "another pair" in stranger.content

    assert gworld.organiser is not None and gworld.guild is not None
    seen = await slash(gworld.organiser, gworld.guild, "goals", "overview")
    text = seen.messages[-1].embeds[0]["description"]
    assert "2 goals in 1 of 2 pairs" in text and "✅ Achieved 1" in text and "🟡 Under way 1" in text
    assert "**Mentor D → Mentee D**: no goals set yet" in text
    refused = await slash(pair.mentee.persona, gworld.guild, "goals", "overview")
    assert "organisers" in refused.content
    stats = await slash(gworld.organiser, gworld.guild, "programme", "stats")
    fields = {f["name"]: f["value"] for m in stats.messages for e in m.embeds for f in e.get("fields", [])}
    assert "✅ Achieved 1" in fields["Goals: 2"] and fields["Goals: 2"].startswith("In 1 pair:")


async def test_goals_view_shows_and_changes_goals_any_time(gworld: SandboxWorld) -> None:
    assert gworld.guild is not None
    pair = await _introduced_pair(gworld, "V", [])
    invite = await _dm_with(pair.mentee.persona, "Your goals")
    assert _goal_fields(invite) == [] and "Use these goals" not in str(invite.components)

    empty = await slash(pair.mentee.persona, gworld.guild, "goals", "view")
    assert "haven't set goals yet" in empty.content
    await pair.mentee.persona.click("Write my goals", message=empty.messages[-1])
    saved = await pair.mentee.persona.submit_modal({"Goal 1": "Lead a staff briefing"})
    assert "1. Lead a staff briefing" in saved.content

    mentor_view = await slash(pair.mentor.persona, gworld.guild, "goals", "view")
    assert "The goals of your mentee Mentee V" in mentor_view.content
    assert _goal_fields(mentor_view.messages[-1]) == ["Lead a staff briefing"]
    assert "Change the goals" not in str(mentor_view.messages[-1].components), "only the mentee changes them"
    export = await gworld.bot.services.people.export(gworld.bot.services.programmes.all()[0], pair.mentee.persona.id)
    assert export is not None
    assert [g["text"] for g in export["goals_and_stories"]["goals"]] == ["Lead a staff briefing"], "in /mydata"
    nobody = gworld.person("Passer-by")
    await nobody.join(gworld.guild)
    assert "don't have a current match" in (await slash(nobody, gworld.guild, "goals", "view")).content

    await gworld.bot.services.people.leave(gworld.bot.services.programmes.all()[0], pair.mentee.persona.id)
    async with gworld.bot.sessions() as s:
        assert await outcomes.goals_in_programme(session=s, programme_id=gworld.bot.services.programmes.all()[0].id) == [], \
            "/leave erases their goals"


async def test_goal_clicks_are_acknowledged_at_once_while_the_database_is_busy(gworld: SandboxWorld) -> None:
    from tests.e2e.test_interactions_acknowledged import (
        DISCORD_WINDOW,
        LOCK_SECONDS,
        acknowledged_within,
        database_busy,
    )

    pair = await _introduced_pair(gworld, "L", ["planning"])
    invite = await _dm_with(pair.mentee.persona, "Your goals")
    async with database_busy(gworld):
        used = await pair.mentee.persona.click("Use these goals", message=invite, timeout=LOCK_SECONDS + 6)
    assert acknowledged_within(used) < DISCORD_WINDOW
    assert "Your goals are saved" in used.content
    async with database_busy(gworld):
        opened = await pair.mentee.persona.click("Change them", message=invite, timeout=LOCK_SECONDS + 6)
    assert acknowledged_within(opened) < DISCORD_WINDOW and opened.modal is not None, "the modal needs no database"


async def test_a_mentee_with_closed_dms_is_invited_in_a_thread_only_they_see(gworld: SandboxWorld) -> None:
    pair = await _introduced_pair(gworld, "Z", ["planning", "wellbeing"], mentee_dms=False)
    in_space = [m for m in _space_posts(gworld, pair) if m.embeds and "Your goals" in (m.embeds[0].get("title") or "")]
    assert in_space == [], "the invitation is the mentee's alone"
    thread = own_thread(gworld, pair.mentee)
    assert thread is not None and pair.mentee.persona.can_see(thread) and not pair.mentor.persona.can_see(thread)
    invites = [m for m in posts_in(gworld, thread) if m.embeds and "Your goals" in (m.embeds[0].get("title") or "")]
    assert len(invites) == 1 and f"<@{pair.mentee.persona.id}>" in invites[0].content
    used = await pair.mentee.persona.click("Use these goals", message=invites[0])
    assert "Your goals are saved" in used.content
    assert await _goals_shown(gworld, pair, 1), "the mentor sees them in the pair's space"


async def test_in_a_mentors_pod_the_goals_go_to_the_mentor_alone(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS,
                                     programme_overrides={"spaces": {"per": "mentor"}})
    try:
        pair = await _introduced_pair(world, "P", ["planning", "wellbeing"])
        await pair.mentee.persona.click("Use these goals", message=await _dm_with(pair.mentee.persona, "Your goals"))
        shown = await world.discord.state.wait_for(
            lambda: [m for m in pair.mentor.persona.dms() if "shared their goals" in m.content], 5)
        assert _goal_fields(shown[-1]) == ["Planning", "Wellbeing"]
        assert not [m for m in _space_posts(world, pair) if "shared their goals" in m.content], \
            "the pod is shared by the mentor's other mentees"
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_checkins_goals_are_opened_and_asked_about_in_the_programmes_own_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS, programme_overrides={"voice": {
        "goals": {"progress_button": "Our goals 🌱", "how_going": "🌱 Where is each goal now?"}}})
    try:
        pair = await _introduced_pair(world, "V", ["planning", "wellbeing"])
        await pair.mentee.persona.click("Use these goals", message=await _dm_with(pair.mentee.persona, "Your goals"))
        world.clock.advance(timedelta(days=3, minutes=1))
        await world.bot.tick("nudge-dispatch")
        checkin = await _dm_with(pair.mentor.persona, "Have you two met yet?")
        opened = await pair.mentor.persona.click("Our goals 🌱", message=checkin)
        await opened.wait_answer()
        assert "🌱 Where is each goal now?" in opened.content, opened.content
        assert "How is each goal going?" not in opened.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


GOAL_FORM_WORDS = {"use_button": "Keep these 🌱", "change_button": "Reword them", "form_title": "What we'll work on",
                   "goal_label": "Aim {number}", "goal_optional": "Aim {number} (if you like)",
                   "goal_example": "e.g. Run 5k without stopping", "view_mentee": "🌱 Your aims, and how they're going:",
                   "change_goals_button": "Reword the aims", "view_no_match": "No running partner in {programme} yet."}


def _form_fields(modal: dict[str, object]) -> list[dict[str, object]]:
    """Each text field of a form (in a label component, or an action row)."""
    rows = modal["components"]
    assert isinstance(rows, list)
    return [{**c["component"], "label": c.get("label")} if "component" in c else c["components"][0] for c in rows]


async def test_the_goals_form_and_goals_view_speak_in_the_programmes_own_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS,
                                     programme_overrides={"voice": {"goals": GOAL_FORM_WORDS}})
    try:
        assert world.guild is not None
        pair = await _introduced_pair(world, "F", ["planning", "wellbeing"])
        invite = await _dm_with(pair.mentee.persona, "Your goals")
        assert [c["label"] for row in invite.components for c in row["components"]] == ["Keep these 🌱", "Reword them"]
        opened = await pair.mentee.persona.click("Reword them", message=invite)
        assert opened.modal is not None and opened.modal["title"] == "What we'll work on"
        fields = _form_fields(opened.modal)
        assert [f["label"] for f in fields] == ["Aim 1", "Aim 2 (if you like)", "Aim 3 (if you like)"]
        assert fields[0].get("placeholder") == "e.g. Run 5k without stopping"
        saved = await pair.mentee.persona.submit_modal({"Aim 1": "Run 5k without stopping", "Aim 2 (if you like)": "",
                                                        "Aim 3 (if you like)": ""})
        assert "1. Run 5k without stopping" in saved.content, saved.content

        seen = await slash(pair.mentee.persona, world.guild, "goals", "view")
        assert seen.content.startswith("🌱 Your aims, and how they're going:"), seen.content
        assert "Reword the aims" in str(seen.messages[-1].components)
        nobody = world.person("Passer-by")
        await nobody.join(world.guild)
        alone = await slash(nobody, world.guild, "goals", "view")
        assert "No running partner in " in alone.content and "don't have a current match" not in alone.content

        # with a second programme the form's words come from the programme its button names: nothing is read
        runners = world.discord.create_guild("Runners")
        world.allow_programmes(runners, ("RunMentoring",))
        await world.bot.services.programmes.create(ProgrammeConfig(
            key="run", name="RunTogether", guild_id=runners.id, invite_url="https://discord.gg/run",
            questions={"preset": "runtogether"},  # type: ignore[arg-type]
            intake={"hashtags": ["RunMentoring"], "claim_code_prefix": "RUN"}))  # type: ignore[arg-type]
        assert world.engine is not None
        with database_unreachable(world.engine) as tried:
            again = await pair.mentee.persona.click("Reword them", message=invite)
        assert again.modal is not None, "the form waited for the database (a modal must be the first response)"
        assert again.modal["title"] == "What we'll work on" and tried == []
        assert [f["label"] for f in _form_fields(again.modal)][0] == "Aim 1"

        # a button sent before buttons named the programme still opens the form (in the neutral words) and saves
        assert as_sent_before(world, invite, "goals:write:", 1) == [f"goals:write:{pair.match_id}"]
        with database_unreachable(world.engine) as tried:
            old = await pair.mentee.persona.click("Reword them", message=invite)
        assert old.modal is not None and old.modal["title"] == "Your goals for this mentoring" and tried == []
        saved = await pair.mentee.persona.submit_modal({"Goal 1": "Run 10k", "Goal 2 (optional)": "",
                                                        "Goal 3 (optional)": ""})
        assert "1. Run 10k" in saved.content, saved.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


#: every word a pair and the organisers see around goals, in a programme's own voice
OWN_GOAL_WORDS = {
    "invite_title": "🌱 Your aims", "shared_title": "🌱 Aims agreed", "pair_title": "Aims of {mentor} & {mentee}",
    "goal_label": "Aim {number}", "not_started": "Not begun", "under_way": "Going well", "achieved": "Done it",
    "changed": "Rethought", "progress_button": "Our aims", "checkin_heading": "🌱 **Your aims**",
    "checkin_press": "Tap “{button}” to tell us where they stand.", "saved": "🌱 Aims noted:\n{goals}",
    "progress_noted": "Aim {number} is now **{progress}**.", "only_mentee": "Only your mentee sets the aims.",
    "not_yours": "Not your aims to change.", "overview_title": "{programme}: aims",
    "goal_count": "{count} aims", "pair_count": "{count} duos", "totals": "{goals} across {with_goals}/{pairs}: {states}",
    "overview_no_goals": "no aims yet",
}


async def test_a_pairs_space_and_a_mentors_pod_are_described_in_the_programmes_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    for spaces, expected in (({}, "Where Mentor T and their mentee run together"),
                             ({"spaces": {"per": "mentor"}}, "Mentor's running club")):
        world, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS, programme_overrides={
            **spaces, "voice": {"space_topic": "Where Mentor T and their mentee run together",
                                "pod_topic": "Mentor's running club"}})
        try:
            pair = await _introduced_pair(world, "T", [])
            assert pair.space is not None and (pair.space.topic or "").startswith(f"{expected} · "), pair.space.topic
        finally:
            await world.stop()
            await drop_test_schema(schema)


async def test_goals_are_shown_saved_asked_about_and_totalled_in_the_programmes_own_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=GOAL_COGS,
                                     programme_overrides={"voice": {"goals": OWN_GOAL_WORDS}})
    try:
        assert world.guild is not None and world.organiser is not None
        pair = await _introduced_pair(world, "W", ["planning", "wellbeing"])
        other = await _introduced_pair(world, "X", [])
        invite = await _dm_with(pair.mentee.persona, "🌱 Your aims")
        assert [f["name"] for f in invite.embeds[0]["fields"]] == ["Aim 1", "Aim 2"]
        assert (await pair.mentor.persona.click("Use these goals", message=invite)).content == \
            "Only your mentee sets the aims."
        assert (await other.mentee.persona.click("Use these goals", message=invite)).content == "Not your aims to change."

        used = await pair.mentee.persona.click("Use these goals", message=invite)
        assert used.content == "🌱 Aims noted:\n1. Planning\n2. Wellbeing", used.content
        shown = await world.discord.state.wait_for(lambda: [m for m in _space_posts(world, pair)
                                                            if m.embeds and m.embeds[0].get("title") == "🌱 Aims agreed"], 5)
        assert [f["name"] for f in shown[-1].embeds[0]["fields"]] == ["Aim 1 · ⚪ Not begun", "Aim 2 · ⚪ Not begun"]

        reworded = await pair.mentee.persona.click("Change them", message=invite)
        assert reworded.modal is not None and [f.get("value") for f in _form_fields(reworded.modal)][:2] == \
            ["Planning", "Wellbeing"], "the form is filled in from fields named in the programme's words"

        world.clock.advance(timedelta(days=3, minutes=1))
        await world.bot.tick("nudge-dispatch")
        checkin = await _dm_with(pair.mentor.persona, "Have you two met yet?")
        assert "🌱 **Your aims**\n1. Planning — ⚪ Not begun\n2. Wellbeing — ⚪ Not begun\n" \
               "Tap “Our aims” to tell us where they stand." in checkin.content, checkin.content
        opened = await pair.mentor.persona.click("Our aims", message=checkin)
        panel = opened.messages[-1]
        assert panel.embeds[0]["title"] == "Aims of Mentor W & Mentee W"
        selects = [c for row in panel.components for c in row["components"] if c.get("type") == 3]
        assert [o["label"] for o in selects[0]["options"]] == ["⚪ Not begun", "🟡 Going well", "✅ Done it", "🔄 Rethought"]
        done = await pair.mentor.persona.choose("achieved", custom_id=selects[0]["custom_id"], message=panel)
        assert done.content == "Aim 1 is now **✅ Done it**.", done.content

        seen = await slash(world.organiser, world.guild, "goals", "overview")
        embed = seen.messages[-1].embeds[0]
        assert embed["title"].endswith(": aims")
        assert embed["description"].startswith("2 aims across 1/2 duos: ⚪ Not begun 1 · 🟡 Going well 0 · ✅ Done it 1")
        assert "**Mentor X → Mentee X**: no aims yet" in embed["description"]
        assert "Done it" in embed["footer"]["text"]
    finally:
        await world.stop()
        await drop_test_schema(schema)
