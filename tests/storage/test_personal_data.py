"""The registry of personal data holders covers every table about people, and erasure through it leaves no
row pointing at the person (foreign keys hold on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import SQLModel, select

from storage import personal_data
from storage.db import SessionFactory, transaction
from storage.models import Match, Nudge, PairRule, PrerequisiteDone
from storage.queries import matching, nudges, people, programmes, rounds

pytestmark = pytest.mark.storage
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
#: column names that hold who someone is, besides a foreign key to person.id
PERSONAL_COLUMNS = {"discord_user_id", "author_id", "author_handle", "author_name", "display_name"}


def _tables_about_people() -> set[str]:
    out = set()
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            points_at_person = any(fk.column.table.name == "person" for fk in column.foreign_keys)
            if points_at_person or column.name in PERSONAL_COLUMNS or column.name.endswith("_discord_id"):
                out.add(table.name)
    return out


def test_every_table_about_people_has_a_holder_that_exports_and_erases_it() -> None:
    covered = {t for holder in personal_data.HOLDERS for t in holder.tables}
    missing = _tables_about_people() - covered - set(personal_data.NOT_PERSONAL)
    assert not missing, (f"tables holding personal data with no holder in storage/personal_data.py: {sorted(missing)}"
                         " — add a Holder (export + erase) so /mydata and /leave cover them")
    keys = [holder.key for holder in personal_data.HOLDERS]
    assert len(keys) == len(set(keys)), "each holder has its own /mydata section"


async def test_erasure_through_the_registry_removes_pair_rules_and_prerequisites_too(sessions: SessionFactory) -> None:
    async with transaction(sessions) as s:
        prog = await programmes.ensure_programme(session=s, key="edu", name="EduMentoring", guild_id=2**62)
        pid = prog.id or 0
        mentor, _ = await people.get_or_create_person(session=s, programme_id=pid, discord_user_id=2**60 + 1,
                                                      display_name="Amara", now=NOW)
        mentee, _ = await people.get_or_create_person(session=s, programme_id=pid, discord_user_id=2**60 + 2,
                                                      display_name="Lei", now=NOW)
        m = await matching.add_match(session=s, match=Match(programme_id=pid, mentor_person_id=mentor.id or 0,
                                                            mentee_person_id=mentee.id or 0, status="ended"))
        await nudges.add_nudges(session=s, nudges=[Nudge(programme_id=pid, match_id=m.id, person_id=mentee.id,
                                                         kind="checkin", due_at=NOW, note="Lei's note")])
        s.add(PairRule(programme_id=pid, mentor_person_id=mentor.id or 0, mentee_person_id=mentee.id or 0,
                       kind="forbid"))
        await rounds.mark_done(session=s, programme_id=pid, person_id=mentee.id or 0, key="training",
                               marked_by=None, now=NOW)
    async with sessions() as s:
        person = await people.get_person(session=s, person_id=mentee.id or 0)
        assert person is not None
        exported = await personal_data.export_person(session=s, person=person)
        names = await personal_data.names_of(session=s, person=person)
    assert exported["prerequisites"][0]["key"] == "training"
    assert exported["pair_rules"] == [{"rule": "forbid", "you_as": "mentee", "created_at": exported["pair_rules"][0]
                                       ["created_at"]}]
    assert "Lei" in names and "Lei's note" in names
    async with transaction(sessions) as s:
        await people.erase_person(session=s, person_id=mentee.id or 0)
    async with sessions() as s:
        assert (await s.exec(select(PrerequisiteDone))).all() == []
        assert (await s.exec(select(PairRule))).all() == []
        assert await people.get_person(session=s, person_id=mentor.id or 0) is not None
