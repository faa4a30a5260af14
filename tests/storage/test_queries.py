"""Query functions round-trip every table, with aware timestamps, on the backend under test."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import SessionFactory, transaction
from storage.models import Lead, Match, Nudge, SocialPost
from storage.queries import audit, intake, matching, nudges, onboarding, people, programmes

pytestmark = pytest.mark.storage
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def _setup(sessions: SessionFactory) -> tuple[int, int, int]:
    async with transaction(sessions) as s:
        prog = await programmes.ensure_programme(session=s, key="edu", name="EduMentoring", guild_id=2**62)
        mentor, new = await people.get_or_create_person(
            session=s, programme_id=prog.id or 0, discord_user_id=2**60 + 1, display_name="Amara Ọkọ", now=NOW
        )
        assert new
        mentee, _ = await people.get_or_create_person(
            session=s, programme_id=prog.id or 0, discord_user_id=2**60 + 2, display_name="李雷", now=NOW
        )
        return prog.id or 0, mentor.id or 0, mentee.id or 0


async def test_programme_and_person_round_trip_with_large_discord_ids(sessions: SessionFactory) -> None:
    prog_id, mentor_id, _ = await _setup(sessions)
    async with sessions() as s:
        prog = await programmes.get_programme(session=s, key="edu")
        assert prog is not None and prog.guild_id == 2**62
        again, new = await people.get_or_create_person(
            session=s, programme_id=prog_id, discord_user_id=2**60 + 1, display_name="x", now=NOW
        )
        assert not new and again.id == mentor_id and again.display_name == "Amara Ọkọ"
        assert again.created_at == NOW and again.created_at.tzinfo is not None
    async with transaction(sessions) as s:
        await programmes.update_programme_settings(session=s, programme_id=prog_id, changes={"preset": "libraries"})
    async with sessions() as s:
        prog = await programmes.get_programme(session=s, key="edu")
        assert prog is not None and prog.settings == {"preset": "libraries"}


async def test_profile_and_onboarding_state_round_trip(sessions: SessionFactory) -> None:
    prog_id, mentor_id, _ = await _setup(sessions)
    answers = {"role": "mentor", "phase": ["secondary"], "capacity": 2, "timezone": "Europe/London"}
    async with transaction(sessions) as s:
        await people.upsert_profile(session=s, person_id=mentor_id, programme_id=prog_id, answers=answers,
                                    consent_at=NOW, now=NOW)
        row, created = await onboarding.get_or_create_session(
            session=s, person_id=mentor_id, programme_id=prog_id, state={"current": "role"}, now=NOW
        )
        assert created
    async with transaction(sessions) as s:
        assert await onboarding.save_state(session=s, session_id=row.id or 0, expected_step=0,
                                           state={"current": "phase"}, now=NOW + timedelta(minutes=1))
        # a stale writer that still thinks step 0 is current loses
        assert not await onboarding.save_state(session=s, session_id=row.id or 0, expected_step=0,
                                               state={"current": "stale"}, now=NOW)
    async with sessions() as s:
        profile = await people.get_profile(session=s, person_id=mentor_id, programme_id=prog_id)
        assert profile is not None and profile.answers == answers and profile.consent_at == NOW
        conv = await onboarding.get_session(session=s, person_id=mentor_id, programme_id=prog_id)
        assert conv is not None and conv.state == {"current": "phase"} and conv.step == 1
        stalled = await onboarding.stalled_sessions(session=s, programme_id=prog_id, idle_since=NOW + timedelta(hours=1))
        assert [c.id for c in stalled] == [conv.id]


async def test_posts_leads_and_cursor_round_trip(sessions: SessionFactory) -> None:
    prog_id, _, mentee_id = await _setup(sessions)
    async with transaction(sessions) as s:
        cursor = await intake.get_cursor(session=s, programme_id=prog_id, platform="x", query="#EduMentoring")
        post = SocialPost(programme_id=prog_id, platform="x", post_id="1001", author_id="55", author_handle="amara",
                          text="Looking for a mentor #EduMentoring", posted_at=NOW)
        assert await intake.record_post(session=s, post=post)
        assert not await intake.record_post(session=s, post=SocialPost(
            programme_id=prog_id, platform="x", post_id="1001", author_id="55"))
        lead = await intake.add_lead(session=s, lead=Lead(
            programme_id=prog_id, platform="x", author_id="55", author_handle="amara", first_post_id="1001",
            claim_code="EDU-7K2Q", code_expires_at=NOW + timedelta(days=30), suggestions={"role": "mentee"}))
        await intake.save_cursor(session=s, cursor_id=cursor.id or 0, now=NOW, since_id="1001",
                                 paused_until=NOW + timedelta(minutes=15))
    async with transaction(sessions) as s:
        assert await intake.set_lead_status(session=s, lead_id=lead.id or 0, status="linked", now=NOW,
                                            expect=("new", "replied"), person_id=mentee_id)
        assert not await intake.set_lead_status(session=s, lead_id=lead.id or 0, status="linked", now=NOW,
                                                expect=("new", "replied"))
    async with sessions() as s:
        found = await intake.get_lead_by_code(session=s, claim_code="EDU-7K2Q")
        assert found is not None and found.status == "linked" and found.person_id == mentee_id
        assert found.suggestions == {"role": "mentee"}
        cursor = await intake.get_cursor(session=s, programme_id=prog_id, platform="x", query="#EduMentoring")
        assert cursor.since_id == "1001" and cursor.paused_until == NOW + timedelta(minutes=15)


async def test_rounds_matches_rules_and_audit_round_trip(sessions: SessionFactory) -> None:
    prog_id, mentor_id, mentee_id = await _setup(sessions)
    async with transaction(sessions) as s:
        rnd = await matching.add_round(session=s, programme_id=prog_id, created_by=9, fingerprint="abc",
                                       certified=True, summary={"matched": 1}, now=NOW)
        m = await matching.add_match(session=s, match=Match(
            programme_id=prog_id, round_id=rnd.id, mentor_person_id=mentor_id, mentee_person_id=mentee_id,
            score=72.5, reasons="both secondary", status="active", started_at=NOW))
        await matching.set_pair_rule(session=s, programme_id=prog_id, mentor_person_id=mentor_id,
                                     mentee_person_id=mentee_id, kind="forbid")
        await audit.add_audit_event(session=s, programme_id=prog_id, actor_discord_id=9, action="match.confirm",
                                    detail={"round": rnd.id}, now=NOW)
    async with transaction(sessions) as s:
        assert await matching.confirm_round(session=s, round_id=rnd.id or 0, now=NOW)
        assert not await matching.confirm_round(session=s, round_id=rnd.id or 0, now=NOW)
        assert await matching.advance_announcement(session=s, match_id=m.id or 0, from_state="pending",
                                                   to_state="created", space_kind="channel", space_id=2**61)
    async with sessions() as s:
        assert [x.id for x in await matching.matches_to_announce(session=s)] == [m.id]
        got = await matching.get_match(session=s, match_id=m.id or 0)
        assert got is not None and got.space_id == 2**61 and got.score == 72.5 and got.started_at == NOW
        rules = await matching.pair_rules(session=s, programme_id=prog_id)
        assert [(r.mentor_person_id, r.mentee_person_id, r.kind) for r in rules] == [(mentor_id, mentee_id, "forbid")]
        events, total = await audit.audit_page(session=s, programme_id=prog_id)
        assert total == 1 and events[0].action == "match.confirm" and events[0].created_at == NOW
    async with transaction(sessions) as s:
        assert await matching.end_match(session=s, match_id=m.id or 0, reason="asked", now=NOW)
        assert not await matching.end_match(session=s, match_id=m.id or 0, reason="again", now=NOW)


async def _match_with_nudges(sessions: SessionFactory, count: int) -> tuple[int, int]:
    prog_id, mentor_id, mentee_id = await _setup(sessions)
    async with transaction(sessions) as s:
        m = await matching.add_match(session=s, match=Match(
            programme_id=prog_id, mentor_person_id=mentor_id, mentee_person_id=mentee_id, status="active"))
        rows = [Nudge(programme_id=prog_id, match_id=m.id, person_id=mentor_id, kind="checkin",
                      due_at=NOW + timedelta(minutes=i)) for i in range(count)]
        assert await nudges.add_nudges(session=s, nudges=rows) == count
        assert await nudges.add_nudges(session=s, nudges=[Nudge(
            programme_id=prog_id, match_id=m.id, person_id=mentor_id, kind="checkin", due_at=NOW)]) == 0
    return prog_id, m.id or 0


async def test_due_nudges_are_claimed_once_then_sent_and_answered_once(sessions: SessionFactory) -> None:
    _, match_id = await _match_with_nudges(sessions, 5)
    async with transaction(sessions) as s:
        claimed = await nudges.claim_due_nudges(session=s, now=NOW + timedelta(minutes=2), worker="a")
    assert [n.due_at for n in claimed] == [NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]
    async with transaction(sessions) as s:
        assert await nudges.claim_due_nudges(session=s, now=NOW + timedelta(minutes=2), worker="b") == []
        assert await nudges.mark_sent(session=s, nudge_id=claimed[0].id or 0, now=NOW, channel_id=1, message_id=2)
        assert await nudges.record_answer(session=s, nudge_id=claimed[0].id or 0, answer="met", now=NOW)
        assert not await nudges.record_answer(session=s, nudge_id=claimed[0].id or 0, answer="end", now=NOW)
        assert await nudges.cancel_nudges(session=s, match_id=match_id) == 2
    async with sessions() as s:
        rows = await nudges.nudges_of_match(session=s, match_id=match_id)
        assert [r.status for r in rows] == ["sent", "claimed", "claimed", "cancelled", "cancelled"]
        assert rows[0].answer == "met" and rows[0].message_id == 2


async def test_a_claim_takes_no_more_than_its_limit(sessions: SessionFactory) -> None:
    await _match_with_nudges(sessions, 40)
    async with transaction(sessions) as s:
        batch = await nudges.claim_due_nudges(session=s, now=NOW + timedelta(hours=1), worker="a", limit=4)
    assert len(batch) == 4


async def test_concurrent_claimers_never_share_a_nudge(sessions: SessionFactory) -> None:
    await _match_with_nudges(sessions, 40)

    async def claimer(name: str) -> list[int]:
        got: list[int] = []
        while True:
            async with transaction(sessions) as s:
                batch = await nudges.claim_due_nudges(session=s, now=NOW + timedelta(hours=1), worker=name, limit=3)
            if not batch:
                return got
            got.extend(n.id or 0 for n in batch)
            await asyncio.sleep(0)

    a, b, c = await asyncio.gather(claimer("a"), claimer("b"), claimer("c"))
    assert len(a) + len(b) + len(c) == 40
    assert len(set(a) | set(b) | set(c)) == 40


async def test_erasing_a_person_removes_every_row_that_names_them(sessions: SessionFactory) -> None:
    prog_id, mentor_id, mentee_id = await _setup(sessions)
    async with transaction(sessions) as s:
        await people.upsert_profile(session=s, person_id=mentee_id, programme_id=prog_id, answers={"role": "mentee"},
                                    consent_at=NOW, now=NOW)
        await onboarding.get_or_create_session(session=s, person_id=mentee_id, programme_id=prog_id, state={}, now=NOW)
        m = await matching.add_match(session=s, match=Match(programme_id=prog_id, mentor_person_id=mentor_id,
                                                           mentee_person_id=mentee_id, status="ended"))
        await nudges.add_nudges(session=s, nudges=[Nudge(programme_id=prog_id, match_id=m.id, person_id=mentee_id,
                                                         kind="checkin", due_at=NOW)])
        await people.bump_counter(session=s, programme_id=prog_id, name="left")
    async with transaction(sessions) as s:
        await people.erase_person(session=s, person_id=mentee_id)
    async with sessions() as s:
        assert await people.get_person(session=s, person_id=mentee_id) is None
        assert await people.get_profile(session=s, person_id=mentee_id, programme_id=prog_id) is None
        assert await matching.matches_of_person(session=s, person_id=mentee_id) == []
        remaining = await people.people_in_programme(session=s, programme_id=prog_id)
        assert [p.id for p in remaining] == [mentor_id]


async def test_last_due_by_match_gives_each_matchs_latest_planned_checkin(sessions: SessionFactory) -> None:
    _, match_id = await _match_with_nudges(sessions, 5)
    async with sessions() as s:
        last = await nudges.last_due_by_match(session=s, match_ids=[match_id, 999])
    assert last == {match_id: NOW + timedelta(minutes=4)}


async def test_marks_and_counters_raised_at_the_same_instant_neither_collide_nor_go_backwards(
        sessions: SessionFactory) -> None:
    prog_id, _, _ = await _setup(sessions)

    async def raise_to(value: int) -> None:
        async with transaction(sessions) as s:
            await people.raise_mark(session=s, programme_id=prog_id, name="members_seen_until", value=value)

    async def bump() -> None:
        async with transaction(sessions) as s:
            await people.bump_counter(session=s, programme_id=prog_id, name="joined")

    # a catch-up pass and a /leave both raise the join mark of a programme that had none yet
    await asyncio.gather(*(raise_to(v) for v in (1_700_000_300, 1_700_000_100, 1_700_000_200)), *(bump() for _ in range(5)))
    await raise_to(1_700_000_000)  # an older mark never lowers it
    async with sessions() as s:
        assert await people.get_mark(session=s, programme_id=prog_id, name="members_seen_until") == 1_700_000_300
        assert await people.get_mark(session=s, programme_id=prog_id, name="joined") == 5


async def test_the_join_instants_of_people_who_left_are_kept_to_the_microsecond_until_a_mark_passes_them(
        sessions: SessionFactory) -> None:
    prog_id, _, _ = await _setup(sessions)
    early = datetime(2026, 9, 7, 9, 0, 0, 250_000, tzinfo=UTC)
    late = early + timedelta(seconds=10)
    async with transaction(sessions) as s:
        for joined in (early, late, late):  # the same leaver's join kept twice (a retried /leave) is one
            await people.remember_left_join(session=s, programme_id=prog_id, joined_at=joined)
    async with sessions() as s:
        kept = await people.left_joins(session=s, programme_id=prog_id)
    assert kept == {people.join_instant(early), people.join_instant(late)}
    assert people.join_instant(early + timedelta(microseconds=1)) not in kept  # another member's join
    async with transaction(sessions) as s:  # a mark in the second of the early join keeps it: it may be after
        await people.forget_left_joins(session=s, programme_id=prog_id, before=int(early.timestamp()))
    async with sessions() as s:
        assert len(await people.left_joins(session=s, programme_id=prog_id)) == 2
    async with transaction(sessions) as s:
        await people.forget_left_joins(session=s, programme_id=prog_id, before=int(early.timestamp()) + 1)
    async with sessions() as s:
        assert await people.left_joins(session=s, programme_id=prog_id) == {people.join_instant(late)}
        assert await people.get_mark(session=s, programme_id=prog_id, name="members_seen_until") is None
