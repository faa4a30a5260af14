"""The words on the controls are the programme's too: a check-in's buttons and the end request put to the
partner, a batched check-in's menus, lines and note form, the interview's buttons, menus and consent refusal
(and the thread it moves to when DMs are closed), several pairings' surveys in one message, and the organisers'
notice of closed DMs. Libraries Connected's preset speaks in its own tone; other words come from a programme's
``[programme.voice]``. The neutral words stay where a programme does not change them (the RunTogether and
#EduMentoring tests elsewhere click "We've met", "End this match", "Add a note for the organisers"…)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo.review import asked_questions, review_transcript
from bot.demo.transcript import write_transcript
from bot.sandbox.discord.model import ChannelType, Message
from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import nudges as nq
from tests.support.database import drop_test_schema
from tests.support.organisers import MENTEE_INTERVIEW, slash
from tests.support.pairs import Member, add_member, add_pair, make_pair, organiser_posts
from tests.support.personas import EDU_MENTEE, EDU_MENTOR
from tests.support.surveys import run_surveys_after
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


def _labels(message: Message) -> list[str]:
    return [str(c.get("label")) for row in message.components for c in row["components"] if c.get("label")]


def _selects(message: Message) -> list[dict[str, Any]]:
    return [c for row in message.components for c in row["components"] if c.get("type") == 3]


@pytest.fixture
async def ada_in_libraries(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[SandboxWorld, Persona]]:
    """A Libraries Connected world (every cog) where Ada has joined and has her first question."""
    world, schema = await make_world(tmp_path_factory, preset="libraries")
    try:
        assert world.guild is not None
        ada = world.person("Ada")
        await ada.join(world.guild)
        await ada.next_dm()
        yield world, ada
    finally:
        await world.stop()
        await drop_test_schema(schema)


@pytest.fixture
async def lworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """Libraries Connected's programme, as its preset speaks."""
    w, schema = await make_world(tmp_path_factory, preset="libraries", extensions=["cogs.matching", "cogs.nudges"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_a_libraries_checkin_and_its_end_request_speak_in_the_libraries_words(lworld: SandboxWorld) -> None:
    pair = await make_pair(lworld, "L")
    await lworld.bot.services.nudges.plan_match(pair.match_id)
    lworld.clock.advance(timedelta(days=7.01))
    await lworld.bot.tick("nudge-dispatch")
    mentee_checkin = next(m for m in pair.mentee.persona.dms() if m.interaction_id is None and m.components)
    assert _labels(mentee_checkin) == ["We have met", "Not yet", "We would like support", "End this partnership",
                                       "Add a note for the organisers"], _labels(mentee_checkin)
    await (await pair.mentee.persona.click("We have met", message=mentee_checkin)).wait_answer()
    again = await pair.mentee.persona.click("We have met", message=mentee_checkin)
    assert "(“We have met”)" in again.content, again.content  # the earlier answer by the button's own words

    mentor_checkin = next(m for m in pair.mentor.persona.dms() if m.interaction_id is None and m.components)
    await (await pair.mentor.persona.click("End this partnership", message=mentor_checkin)).wait_answer()
    prompt = await lworld.discord.state.wait_for(
        lambda: next((m for m in pair.mentee.persona.dms() if "End this partnership" not in _labels(m)
                      and "Yes, end our partnership" in _labels(m)), None), 5)
    assert "has asked to end your" in prompt.content and "peer mentoring partnership" in prompt.content, prompt.content
    assert "match" not in prompt.content
    assert _labels(prompt) == ["Yes, end our partnership", "No, let's continue"]
    kept = await pair.mentee.persona.click("No, let's continue", message=prompt)
    await kept.wait_answer()
    assert "continue" in kept.content


async def test_a_mentors_batched_checkin_is_labelled_in_the_programmes_own_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"], programme_overrides={"voice": {
        "checkin_buttons": {"met": "Had a cuppa ☕"},
        "checkin_words": {"batch_pick": "{partner} — how's it going?", "batch_answered": "{partner}: {answer} (noted)",
                          "batch_note": "A quiet word for the team", "batch_met": "☕ caught up",
                          "batch_week": "wk {week}", "note_title": "For the team's eyes",
                          "note_label": "What's on your mind", "note_saved": "Ta — the team will read it."}}})
    try:
        mentor = await add_member(world, "Mentor Multi", "Europe/London")
        pairs = [await add_pair(world, mentor, await add_member(world, f"Leader {i}", "Europe/London"))
                 for i in (1, 2)]
        for p in pairs:
            await world.bot.services.nudges.plan_match(p.match_id)
        world.clock.advance(timedelta(days=3))
        await world.bot.tick("nudge-dispatch")
        (msg,) = [m for m in mentor.persona.dms() if m.interaction_id is None]
        menus = _selects(msg)
        assert [s["placeholder"] for s in menus] == ["Leader 1 — how's it going?", "Leader 2 — how's it going?"]
        assert [o["label"] for o in menus[0]["options"]] == ["Had a cuppa ☕", "Not yet", "We need help",
                                                             "End this match", "A quiet word for the team"]
        assert "(wk 1)" in msg.content and "(week 1)" not in msg.content
        rows = []
        async with world.bot.sessions() as s:
            for p in pairs:
                rows += [n for n in await nq.nudges_of_match(session=s, match_id=p.match_id)
                         if n.person_id == mentor.person_id and n.message_id == msg.id]
        rows.sort(key=lambda n: n.id)
        await mentor.persona.choose("Had a cuppa ☕", custom_id=f"checkin:{rows[0].id}", message=msg)
        shown = await world.discord.state.wait_for(
            lambda: world.discord.state.messages[msg.id] if "caught up" in world.discord.state.messages[msg.id].content
            else None, 5)
        assert _selects(shown)[0]["placeholder"] == "Leader 1: Had a cuppa ☕ (noted)"
        assert "☕ caught up" in shown.content and "you've met" not in shown.content

        opened = await mentor.persona.choose("A quiet word for the team", custom_id=f"checkin:{rows[1].id}",
                                             message=shown)
        assert opened.modal is not None and opened.modal["title"] == "For the team's eyes"
        saved = await mentor.persona.submit_modal({"What's on your mind": "Leader 2 is moving clubs"})
        await saved.wait_answer()
        assert saved.content == "Ta — the team will read it."
    finally:
        await world.stop()
        await drop_test_schema(schema)


INTERVIEW_WORDS = {
    "progress": "Step {number}/{total}:",
    "confirm_button": "Looks right",
    "change_menu": "Fix an answer…",
    "consent_refused": "No consent, no match: change “{label}” or use /leave.",
    "thread_intro": "{person}, your DMs are shut, so we'll chat in here instead.",
}


async def test_the_interviews_controls_and_consent_refusal_are_the_programmes_and_the_review_still_reads_it(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    world, schema = await make_world(tmp_path_factory, programme_overrides={"voice": {"interview": INTERVIEW_WORDS}})
    try:
        assert world.guild is not None
        questions = world.bot.services.programmes.all()[0].questions
        ada = world.person("Ada")
        await ada.join(world.guild)
        log = await run_interview(ada, questions, {**EDU_MENTOR, "consent": False}, confirm=False, timeout=20)
        assert "Step 1/" in ada.dms()[0].content and "**Question" not in ada.dms()[0].content
        consent = next(q for q in questions if q.kind == "consent")
        assert f"No consent, no match: change “{consent.display_label}” or use /leave." in log.last, log.last
        summary = next(m for m in reversed(ada.dms()) if _selects(m))
        assert _selects(summary)[0]["placeholder"] == "Fix an answer…" and "Looks right" not in _labels(summary)

        ben = world.person("Ben")
        await ben.join(world.guild)
        ben_log = await run_interview(ben, questions, EDU_MENTEE, timeout=20)
        assert "profile is saved" in ben_log.last, ben_log.last

        cy = world.person("Cy Closed", dms_open=False)  # the interview moves to a private thread
        await cy.join(world.guild)
        intro = await world.discord.state.wait_for(lambda: next(
            (m.content for m in world.discord.state.messages.values() if "DMs are shut" in m.content), None), 5)
        assert intro == f"<@{cy.id}>, your DMs are shut, so we'll chat in here instead."
        assert any(c.type == ChannelType.PRIVATE_THREAD for c in world.discord.state.channels.values())

        # the reviewer knows each question from the messages' structure, not from "Question n of N"
        path = tmp_path / "transcript.md"
        write_transcript(world, path)
        text = path.read_text(encoding="utf-8")
        asked = asked_questions(text.split("## DM with Ben\n")[1].split("\n## ")[0])
        # (a message answered with a button is edited into the next question: the transcript shows the last)
        assert len(asked) >= 2 and set(asked) <= set(ben_log.asked), (asked, ben_log.asked)
        assert "**Question" not in text and "Step 1/" in text
        assert "↳ _Ben clicked [Looks right]_" in text  # the summary's confirm button, in the programme's words
        assert review_transcript(text, "edumentoring") == []
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def _mentor_of_two(world: SandboxWorld, *, closed: bool = False) -> tuple[Member, list[Member]]:
    mentor = await add_member(world, "Mentor M", "Europe/London")
    mentees = [await add_member(world, f"Leader {x}", "Europe/London", dms_open=not closed) for x in "AB"]
    for m in mentees:
        await add_pair(world, mentor, m)
    return mentor, mentees


async def test_several_surveys_in_one_message_and_the_closed_dms_notice_use_the_programmes_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.surveys", "cogs.profiles"],
                                     programme_overrides={"voice": {
                                         "surveys": {"grouped_intro": "Tap a name to tell us about them:",
                                                     "grouped_partner": "all {count} of your mentees",
                                                     "about": "How's it going with **{partner}**?"},
                                         "closed_dms": "📵 {person} has DMs off; {programme} reaches them in a "
                                                       "private thread."}})
    try:
        mentor, mentees = await _mentor_of_two(world, closed=True)
        await run_surveys_after(world, minutes=1)
        (survey,) = [m for m in mentor.persona.dms() if m.interaction_id is None]
        assert "Tap a name to tell us about them:" in survey.content, survey.content
        assert "all 2 of your mentees" in survey.content and "one short survey per person" not in survey.content
        assert _labels(survey) == ["Leader A", "Leader B"]
        opened = await mentor.persona.click("Leader A", message=survey)
        await opened.wait_answer()
        assert opened.content.startswith("How's it going with **Leader A**?\n"), opened.content
        notices = [p for p in organiser_posts(world) if "has DMs off" in p]
        assert {f"<@{m.persona.id}>" for m in mentees} == {n.split()[1] for n in notices}, notices
        assert not [p for p in organiser_posts(world) if "closed their DMs" in p]
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_several_surveys_in_one_message_use_the_neutral_words_by_default(sworld: SandboxWorld) -> None:
    mentor, _ = await _mentor_of_two(sworld)
    await run_surveys_after(sworld, minutes=1)
    (survey,) = [m for m in mentor.persona.dms() if m.interaction_id is None]
    assert "There's one short survey per person — press a name below to answer about them:" in survey.content


async def test_the_buttons_after_a_pause_are_the_programmes_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, programme_overrides={"voice": {
        "pause_carry_on": "I'm back 🙌", "pause_extend": "A further {weeks} weeks, please",
        "paused": "Rest up until **{until}**, from {programme}.", "resumed": "Lovely to have you back in {programme}!"}})
    try:
        guild = world.guild
        assert guild is not None
        ada = world.person("Ada")
        await ada.join(guild)
        await run_interview(ada, world.bot.services.programmes.all()[0].questions, MENTEE_INTERVIEW)
        await (await slash(ada, guild, "pause", options={"weeks": 1})).wait_answer()
        seen = len(ada.dms())
        world.clock.advance(timedelta(days=7, hours=1))
        await world.bot.tick("pause-expiry")
        (told,) = ada.dms()[seen:]
        assert _labels(told) == ["I'm back 🙌", "A further 2 weeks, please"]
        back = await ada.click("I'm back 🙌", message=told)
        assert back.content.startswith("Lovely to have you back in "), back.content
        extended = await ada.click("A further 2 weeks, please", message=told)
        assert extended.content.startswith("Rest up until **") and "enjoy the break" not in extended.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_refused_consent_is_explained_in_the_neutral_words_by_default(world: SandboxWorld) -> None:
    assert world.guild is not None
    ada = world.person("Ada")
    await ada.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    log = await run_interview(ada, questions, {**EDU_MENTOR, "consent": False}, confirm=False, timeout=20)
    assert "To take part we need your consent" in log.last and "Choose “Change an answer”" in log.last, log.last
    summary = next(m for m in reversed(ada.dms()) if _selects(m))
    assert _selects(summary)[0]["placeholder"] == "Change an answer…"


async def test_join_points_to_the_next_question_in_the_libraries_words(
        ada_in_libraries: tuple[SandboxWorld, Persona]) -> None:
    world, ada = ada_in_libraries
    assert world.guild is not None
    joined = await ada.slash("join", guild=world.guild)
    await joined.wait_answer()
    assert "The next question for the scheme is waiting in your direct messages." in joined.content, \
        joined.content


async def test_leave_mydata_and_profile_answer_in_the_libraries_words(
        ada_in_libraries: tuple[SandboxWorld, Persona]) -> None:
    world, ada = ada_in_libraries
    assert world.guild is not None
    sent = await ada.slash("mydata", guild=world.guild)
    await sent.wait_answer()
    assert "A copy of your data is waiting in your direct messages." in sent.content, sent.content
    assert any("holds about you." in m.content for m in ada.dms())

    asked = await ada.slash("leave", guild=world.guild)
    assert "ends any current peer mentoring partnership" in asked.content, asked.content
    assert _labels(asked.messages[0]) == ["Yes, please delete my data", "No, I'll stay in the scheme"]
    kept = await ada.click("No, I'll stay in the scheme", message=asked.messages[0])
    assert "you remain part of the scheme" in kept.content, kept.content

    asked = await ada.slash("leave", guild=world.guild)
    left = await ada.click("Yes, please delete my data", message=asked.messages[0])
    await left.wait_answer()
    assert "has now been deleted; the last copies in the bot's database files are removed" in left.content, \
        left.content
    assert "Thank you for taking part in the scheme" in left.content, left.content

    gone = await ada.slash("profile", "view", guild=world.guild)
    await gone.wait_answer()
    assert "please use `/join` to begin" in gone.content, gone.content


async def test_the_libraries_welcome_promises_its_questions_in_its_own_words(
        ada_in_libraries: tuple[SandboxWorld, Persona]) -> None:
    _world, ada = ada_in_libraries
    assert re.search(r"I will ask you up to \d+ short questions so we can match you", ada.dms()[0].content), \
        ada.dms()[0].content


async def test_a_press_on_a_question_answered_already_is_answered_in_the_libraries_words(
        ada_in_libraries: tuple[SandboxWorld, Persona]) -> None:
    world, ada = ada_in_libraries
    first = world.discord.state.messages[ada.dms()[-1].id]
    assert "Mentee" in _labels(first), _labels(first)
    await (await ada.click("Mentor", message=first)).wait_answer()
    again = await ada.click("Mentor", message=first)
    await again.wait_answer()
    assert again.content == "Thank you — I already have that answer.", again.content
    other = await ada.click("Mentee", message=first)
    await other.wait_answer()
    assert other.content.startswith("You have already answered “") and other.content.endswith(
        "”. To change it, please use “Choose an answer to change…” on the summary."), other.content


async def test_a_wrong_answer_is_asked_again_with_what_is_expected_in_the_libraries_words(
        ada_in_libraries: tuple[SandboxWorld, Persona]) -> None:
    world, ada = ada_in_libraries
    assert world.guild is not None
    before = len(ada.dms())
    await ada.say("astronaut")
    again = await world.discord.state.wait_for(
        lambda: next((m for m in ada.dms()[before:] if "⚠️" in m.content), None), 5)
    assert "⚠️ Please choose one of: " in again.content, again.content  # the scheme's words …
    assert "Mentor, Mentee, Both." in again.content, again.content  # … still saying what is expected


async def test_profile_views_field_names_are_the_programmes_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.profiles"], programme_overrides={"voice": {
        "profile": {"status_field": "Where you stand", "match_field": "Your running partner"}}})
    try:
        assert world.guild is not None
        pair = await make_pair(world, "P")
        seen = await slash(pair.mentee.persona, world.guild, "profile", "view")
        names = [f["name"] for f in seen.messages[0].embeds[0]["fields"]]
        assert "Where you stand" in names and "Your running partner" in names, names
        assert "Status" not in names and "Your match" not in names
    finally:
        await world.stop()
        await drop_test_schema(schema)


OWN_PROFILE_WORDS = {"status_active": "on the start line", "status_paused_until": "resting until {until}",
                     "match_as_mentee": "running with {partner}", "ready": "🏁 {prerequisite}: ticked off!",
                     "ready_not_asked": "{round} only needs: {asks}.", "not_paused": "You're not resting."}


async def test_profile_status_matches_and_ready_answers_are_the_programmes_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.profiles", "cogs.organisers"],
                                     programme_overrides={"voice": {"profile": OWN_PROFILE_WORDS}})
    try:
        assert world.guild is not None and world.organiser is not None
        pair = await make_pair(world, "S")
        ben = pair.mentee.persona
        seen = await slash(ben, world.guild, "profile", "view")
        fields = {f["name"]: f["value"] for f in seen.messages[0].embeds[0]["fields"]}
        assert fields["Status"] == "on the start line" and fields["Your match"] == "running with Mentor S", fields
        assert (await slash(ben, world.guild, "resume")).content.endswith("You're not resting."), "not paused"
        await slash(ben, world.guild, "pause", options={"weeks": 2})
        paused = await slash(ben, world.guild, "profile", "view")
        status = next(f["value"] for f in paused.messages[0].embeds[0]["fields"] if f["name"] == "Status")
        assert status.startswith("resting until ") and "/resume" not in status, status

        ready = await slash(ben, world.guild, "profile", "ready", options={"prerequisite": "Induction"})
        assert ready.content == "🏁 Induction: ticked off!", ready.content
        await slash(world.organiser, world.guild, "programme", "round", "open",
                    options={"name": "Spring", "prerequisites": "training"})
        refused = await slash(ben, world.guild, "profile", "ready", options={"prerequisite": "yoga"})
        assert refused.content.endswith("Spring only needs: training."), refused.content
        stranger = world.person("Passer-by")
        await stranger.join(world.guild)
        unknown = await slash(stranger, world.guild, "profile", "ready", options={"prerequisite": "training"})
        assert "use `/join` to start" in unknown.content and "That person" not in unknown.content, unknown.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_flood_a_check_in_without_a_space_and_a_late_pause_are_answered_in_the_programmes_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    import asyncio

    world, schema = await make_world(tmp_path_factory, programme_overrides={"voice": {
        "interview": {"slow_down": "Easy there, sprinter! One answer at a time."},
        "checkin_words": {"no_space": "on its way"},
        "profile": {"nothing_to_pause": "No break to take any more."}}})
    try:
        assert world.guild is not None
        ivy = world.person("Ivy")
        await ivy.join(world.guild)
        await ivy.next_dm()
        for i in range(30):
            await ivy.say(f"answer {i}")
        await world.discord.state.wait_for(lambda: any("Easy there, sprinter!" in m.content for m in ivy.dms()), 15)
        await asyncio.sleep(0.5)
        assert not any("very quickly" in m.content for m in ivy.dms())

        pair = await make_pair(world, "N")  # no space made yet
        await world.bot.services.nudges.plan_match(pair.match_id)
        world.clock.advance(timedelta(days=3, minutes=1))
        await world.bot.tick("nudge-dispatch")
        checkin = next(m for m in pair.mentee.persona.dms() if "met yet" in m.content)
        assert "your shared space is on its way" in checkin.content and "not set up yet" not in checkin.content, \
            checkin.content

        ada = pair.mentor.persona
        await (await slash(ada, world.guild, "pause", options={"weeks": 1})).wait_answer()
        world.clock.advance(timedelta(days=7, hours=1))
        await world.bot.tick("pause-expiry")
        told = next(m for m in reversed(ada.dms()) if "Pause 2 more weeks" in str(m.components))
        asked = await slash(ada, world.guild, "leave")
        await (await ada.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
        late = await ada.click("Pause 2 more weeks", message=told)
        await late.wait_answer()
        assert late.content == "No break to take any more.", late.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_refused_command_is_answered_in_the_programmes_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.organisers"], programme_overrides={
        "voice": {"errors": {"organisers_only": "That one's for the run organisers, sorry!"}}})
    try:
        assert world.guild is not None
        ben = world.person("Ben")
        await ben.join(world.guild)
        refused = await slash(ben, world.guild, "programme", "stats")
        assert refused.content == "That one's for the run organisers, sorry!", refused.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_click_for_a_programme_no_longer_run_is_answered_in_the_bots_programmes_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, programme_overrides={"voice": {
        "programme_gone": "That scheme has closed — thank you for your interest!"}})
    try:
        assert world.guild is not None
        ada = world.person("Ada")
        await ada.join(world.guild)
        first = world.discord.state.messages[(await ada.next_dm()).id]
        for row in first.components:  # the question as a programme the bot no longer runs had sent it
            for c in row["components"]:
                c["custom_id"] = re.sub(r"^onb:\d+:", "onb:999:", str(c["custom_id"]))
        clicked = await ada.click(_labels(first)[0], message=first)
        await clicked.wait_answer()
        assert clicked.content == "That scheme has closed — thank you for your interest!", clicked.content
    finally:
        await world.stop()
        await drop_test_schema(schema)
