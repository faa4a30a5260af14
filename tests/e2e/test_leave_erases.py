"""`/leave` leaves no row that names the person: every table is searched for their ids, name and handle."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from bot.services.erasure_work import JOB_NAME as ERASURE_JOB
from storage import db
from storage.db import create_engine
from storage.queries import intake, people
from tests.support.database import BACKEND, PG_URL
from tests.support.erasure import all_rows, no_copy_left
from tests.support.intake import CODE, POLL, TAG
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def test_leave_leaves_no_row_that_names_the_person(world: SandboxWorld) -> None:
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    programme = world.bot.services.programmes.all()[0]
    leaver, partner = world.person("Zanele Okonkwo-Ávila"), world.person("Mo")
    for persona, answers in ((leaver, dict(MENTEE_INTERVIEW, organisation="Riverside")),
                             (partner, dict(MENTOR_INTERVIEW, organisation="Hilltop"))):
        await persona.join(guild)
        await run_interview(persona, programme.questions, answers)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    await world.bot.tick("announce-pairs")
    world.clock.advance(timedelta(days=3, hours=2))
    await world.bot.tick("nudge-dispatch")
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=leaver.id)
    assert person is not None
    pid = person.id
    before = await all_rows(world)
    assert any(r["mentee_person_id"] == pid for r in before["match"])
    assert any(r["person_id"] == pid for r in before["nudge"])

    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()

    after = await all_rows(world)
    person_fks = {(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns
                  for fk in c.foreign_keys if fk.column.table.name == "person"}
    for table, rows in after.items():
        for row in rows:
            for column, value in row.items():
                if (table, column) in person_fks or (table == "person" and column == "id"):
                    assert value != pid, f"{table}.{column} still points at the person"
                assert value != leaver.id, f"{table}.{column} holds their Discord id"
                text = str(value)
                assert "Zanele" not in text and "Okonkwo" not in text, f"{table}.{column} names them: {text[:80]}"
    assert after["programme_counter"], "anonymous counts are kept"
    assert any(r["action"] == "person.leave" for r in after["audit_event"])


async def _older_reader(release_after: float) -> asyncio.Task[None]:
    """A transaction on another connection whose snapshot is taken now, ended ``release_after`` seconds later."""
    engine = create_engine(PG_URL)
    conn = await engine.connect()
    await conn.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
    await conn.execute(text("SELECT count(*) FROM pg_class"))  # the snapshot

    async def release() -> None:
        await asyncio.sleep(release_after)
        await conn.execute(text("ROLLBACK"))
        await conn.close()
        await engine.dispose()

    return asyncio.create_task(release())


async def test_after_leave_no_row_and_no_byte_of_what_the_person_gave_is_left(
        world: SandboxWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every string they gave (name, handle, post, codes, organisation, a check-in note) is searched in every
    column of every table (JSON summaries and audit details included) on both backends; on SQLite in the
    database files and their write-ahead log too; on PostgreSQL in the files of every table, index and TOAST
    table of the schema (PostgreSQL's own WAL is the operator's: see the README's privacy notes)."""
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    programme = world.bot.services.programmes.all()[0]
    world.x.add_post(f"Quokkafind: need a mentor for year 9 @MentorBot {TAG}", "zanele_quokka", "Zanele Okonkwo")
    await world.bot.tick(POLL)
    leaver, partner = world.person("Zanele Okonkwo-Ávila"), world.person("Mo")
    await leaver.join(guild)
    answer = await leaver.slash("link", options={"handle": "@zanele_quokka"})
    code = CODE.search(answer.content)
    assert code
    world.x.add_post(f"{TAG} {code.group(0)}", "zanele_quokka", "Zanele Okonkwo")
    await world.bot.tick(POLL)
    for persona, answers in ((leaver, dict(MENTEE_INTERVIEW, organisation="Riverside Quokkahaven")),
                             (partner, dict(MENTOR_INTERVIEW, organisation="Hilltop"))):
        if persona is partner:
            await persona.join(guild)
        await run_interview(persona, programme.questions, answers)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    await world.bot.tick("announce-pairs")
    world.clock.advance(timedelta(days=3, hours=2))
    await world.bot.tick("nudge-dispatch")
    await leaver.click("Add a note", message=next(m for m in reversed(leaver.dms()) if m.components))
    await leaver.submit_modal({"Your note": "Quokkanote: my head of year is unkind"})
    async with world.bot.sessions() as s:
        (lead,) = await intake.leads_in_programme(session=s, programme_id=programme.id)
    assert lead.status == "linked"
    given = ["Zanele", "Okonkwo", "zanele_quokka", "Quokkafind", "Quokkahaven", "Quokkanote", code.group(0),
             lead.claim_code, world.x.store.user("zanele_quokka").id]  # the last: their X account's id

    mydata = await slash(leaver, guild, "mydata")  # everything stored about them is in their copy
    assert "sent your data to your DMs" in mydata.content
    exported = leaver.dms()[-1].attachments[0].data
    copy = exported.decode() if isinstance(exported, bytes) else str(exported)
    for item in given:
        assert item in copy, f"/mydata leaves out {item!r}"
    assert '"audit_events"' in copy and '"lead.link"' in copy
    sections = json.loads(copy)
    assert sections["mentor_circle"]["member"] is False, "a mentee: not in the mentor circle"
    assert sections["onboarding"]["where"] == "direct messages" and "other_messages" in sections
    assert "can't be changed once sent" in json.loads(copy)["after_leave"]  # the limit, said plainly
    before = await all_rows(world)
    assert any("Quokkanote" in str(v) for r in before["nudge"] for v in r.values())

    # PostgreSQL: a report someone is reading began before the erasure and still sees the person's rows for a
    # moment; the rewrite waits for it (else it would copy those row versions into the new files)
    reader = await _older_reader(release_after=1.5) if BACKEND == "postgresql" else None
    # the shared test database has other tests' transactions too, some longer than the job's usual wait
    monkeypatch.setattr(db, "SNAPSHOT_WAIT", 25.0)
    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer(timeout=30)
    await world.bot.tick(ERASURE_JOB)  # the rewrite /leave queued (waits for the run it kicked, if under way)
    if reader is not None:
        await reader
    await no_copy_left(world, given)


async def test_after_leave_the_organisers_notices_no_longer_name_the_person(world: SandboxWorld) -> None:
    guild = world.guild
    assert guild is not None and world.organisers_channel is not None
    programme = world.bot.services.programmes.all()[0]
    world.x.add_post(f"Looking for a mentor in history {TAG}", "zanele_quokka", "Zanele Okonkwo")  # queued
    await world.bot.tick(POLL)

    def organiser_texts() -> list[str]:
        state = world.discord.state
        return [m.content for m in state.messages.values() if world.organisers_channel is not None
                and m.channel_id == world.organisers_channel.id and m.author_id == state.bot_user.id]

    assert any("Okonkwo" in t for t in organiser_texts())
    leaver = world.person("Zanele Okonkwo-Ávila")
    await leaver.join(guild)
    code = CODE.search((await leaver.slash("link", options={"handle": "@zanele_quokka"})).content)
    assert code
    world.x.add_post(f"{TAG} {code.group(0)}", "zanele_quokka", "Zanele Okonkwo")
    await world.bot.tick(POLL)
    await run_interview(leaver, programme.questions, dict(MENTEE_INTERVIEW, organisation="Riverside"))

    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    texts = organiser_texts()
    assert texts and not any("Okonkwo" in t or "zanele" in t.lower() or str(leaver.id) in t for t in texts)
    assert any("(a member who left)" in t for t in texts)


async def test_after_leave_no_message_of_the_bot_names_the_person(world: SandboxWorld) -> None:
    """The introduction in the pair's space, the partner's "you've been paired with …" DM and the leaver's
    private onboarding thread (their DMs are closed) all stop naming them."""
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    programme = world.bot.services.programmes.all()[0]
    leaver, partner = world.person("Zanele Okonkwo-Ávila", dms_open=False), world.person("Mo")
    for persona, answers in ((leaver, dict(MENTEE_INTERVIEW, organisation="Riverside Quokkahaven")),
                             (partner, dict(MENTOR_INTERVIEW, organisation="Hilltop"))):
        await persona.join(guild)
        await run_interview(persona, programme.questions, answers)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    await world.bot.tick("announce-pairs")
    state = world.discord.state
    banned = ["Zanele", "Okonkwo", "Quokkahaven", str(leaver.id)]

    def naming() -> list[str]:
        found = []
        for m in state.messages.values():
            # an ephemeral answer (an organiser's /match preview) lives only in that organiser's open client and
            # is out of the bot's reach once its interaction expires: not a message the bot controls
            if m.deleted or m.ephemeral or m.author_id != state.bot_user.id or m.channel_id not in state.channels:
                continue
            text = m.content + json.dumps(m.embeds, ensure_ascii=False)
            found += [f"{state.channels[m.channel_id].name or 'DM'}: {text[:120]}" for b in banned if b in text]
        found += [f"channel {c.name}" for c in state.channels.values() if any(b in (c.name or "") for b in banned)]
        return found

    world.clock.advance(timedelta(hours=3))  # the baseline survey: their DMs are closed, so it goes to a thread
    await world.bot.tick("survey-dispatch")  # only they can see
    private = [c for c in state.channels.values() if "just for you" in (c.name or "")]
    assert private and any(m.channel_id == private[0].id for m in state.messages.values())
    before = naming()
    assert any("meet" in t for t in before), before  # the introduction
    assert any("DM" in t for t in before), before  # the partner's DM
    assert any("onboarding" in t for t in before), before  # the leaver's onboarding thread
    assert any("just for you" in t for t in before), before  # their private thread

    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    assert naming() == []
    assert all(c.id not in state.channels for c in private), "their private thread is deleted"
    intro = [m for m in state.messages.values() if not m.deleted and "ref intro-" in m.content]
    assert intro and "(a member who left)" in intro[0].content  # the partner still has their introduction


def _bot_messages_naming(world: SandboxWorld, banned: list[str]) -> list[str]:
    """Every message of the bot's still in Discord (channels, threads, DMs: the leaver's own too) whose text or
    embeds (title, description, fields, footer, author) hold one of ``banned``."""
    state = world.discord.state
    found = []
    for m in state.messages.values():
        if m.deleted or m.ephemeral or m.author_id != state.bot_user.id or m.channel_id not in state.channels:
            continue
        shown = m.content + json.dumps(m.embeds, ensure_ascii=False)
        found += [f"{b!r} in {state.channels[m.channel_id].name or 'DM'}: {shown[:160] if b in shown[:160] else shown[max(0, shown.index(b) - 80):shown.index(b) + 80]}" for b in banned if b in shown]
    return found


async def _paired(world: SandboxWorld, mentee_name: str, mentor_name: str) -> tuple[Any, Any]:
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    programme = world.bot.services.programmes.all()[0]
    mentee, mentor = world.person(mentee_name), world.person(mentor_name)
    for persona, answers in ((mentee, dict(MENTEE_INTERVIEW, organisation="Riverside Quokkahaven")),
                             (mentor, dict(MENTOR_INTERVIEW, organisation="Hilltop Wombatworks"))):
        await persona.join(guild)
        await run_interview(persona, programme.questions, answers)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    await world.bot.tick("announce-pairs")
    invite = next(m for m in reversed(mentee.dms()) if any("Your goals" in (e.get("title") or "") for e in m.embeds))
    await mentee.click("Change them", message=invite)
    await mentee.submit_modal({"Goal 1": "Quokkagoal: lead a staff briefing", "Goal 2 (optional)": "",
                               "Goal 3 (optional)": ""})
    state = world.discord.state
    await state.wait_for(lambda: any("Quokkagoal" in json.dumps(m.embeds) for m in state.messages.values()
                                     if m.author_id == state.bot_user.id and not m.ephemeral
                                     and m.channel_id in state.channels and state.channels[m.channel_id].name), 5)
    return mentee, mentor


def _goals_post(world: SandboxWorld) -> Any:
    state = world.discord.state
    return next(m for m in state.messages.values() if m.author_id == state.bot_user.id and not m.ephemeral
                and m.embeds and "Goals" in (m.embeds[0].get("title") or "") and m.channel_id in state.channels
                and state.channels[m.channel_id].name and "shared their goals" in m.content)


async def test_after_the_mentee_leaves_their_goals_and_name_are_redacted_from_embeds_and_their_dms(
        world: SandboxWorld) -> None:
    """The goals post in the pair's space (an embed) stays for the partner, its goal and the mention of the
    mentee redacted; nothing the bot sent the leaver (their interview, goals invitation) names them either."""
    guild = world.guild
    assert guild is not None
    leaver, _mentor = await _paired(world, "Zanele Okonkwo-Ávila", "Mo Wombat")
    post = _goals_post(world)
    banned = ["Zanele", "Okonkwo", "Quokkahaven", "Quokkagoal", str(leaver.id)]
    assert any(b.startswith("'Quokkagoal' in ") and " in DM" not in b for b in _bot_messages_naming(world, banned)), \
        "the goals post in the pair's space"
    assert any(" in DM" in b for b in _bot_messages_naming(world, ["Quokkahaven"])), "their DMs held their answers"

    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    assert _bot_messages_naming(world, banned) == []
    assert not post.deleted, "the partner keeps the goals post"
    assert "(a member who left)" in json.dumps(post.embeds[0]["fields"], ensure_ascii=False)
    assert post.embeds[0]["title"] == "🎯 Goals"


async def test_after_the_mentor_leaves_the_mentees_paired_message_and_goals_stay_without_their_name(
        world: SandboxWorld) -> None:
    """The mentee's "You've been paired with …" DM carries their goals (an embed whose description names the
    mentor): it is edited, not deleted; the mentee's own goals post in the space is untouched."""
    guild = world.guild
    assert guild is not None
    mentee, leaver = await _paired(world, "Ama Mensah", "Zanele Okonkwo-Ávila")
    paired = next(m for m in mentee.dms() if m.embeds and "Zanele" in json.dumps(m.embeds, ensure_ascii=False))
    post = _goals_post(world)
    goals_before = post.embeds[0]["fields"]

    asked = await slash(leaver, guild, "leave")
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    assert _bot_messages_naming(world, ["Zanele", "Okonkwo", "Wombatworks", str(leaver.id)]) == []
    assert not paired.deleted, "the mentee keeps their paired message and its goals"
    assert "(a member who left)" in paired.embeds[0]["description"]
    assert not post.deleted and post.embeds[0]["fields"] == goals_before
