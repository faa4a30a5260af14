"""The outcomes report end to end: people answer the baseline and end surveys, then `/programme report`
attaches a chart, an anonymised CSV and a summary; `python -m bot report` writes the same files. Four
respondents show nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import audit, matching
from storage.queries import surveys as qs
from tests.support.database import BACKEND, drop_test_schema
from tests.support.organisers import attachment_text, slash
from tests.support.pairs import Pair, make_pair
from tests.support.world import make_world

pytestmark = pytest.mark.e2e
BASELINE = (("confidence", "2"), ("reflection", "3"), ("hopes", "network"))
END = (("confidence", "4"), ("reflection", "4"), ("relationship", "5"), ("usefulness", "4"), ("recommend", "5"))


@pytest.fixture
async def rworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.surveys", "cogs.organisers"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _answer(world: SandboxWorld, pair: Pair, survey: str, answers: tuple[tuple[str, str], ...]) -> None:
    for member in pair.members:
        async with world.bot.sessions() as s:
            invite = await qs.survey_invite(session=s, match_id=pair.match_id, person_id=member.person_id,
                                            survey_key=survey)
        assert invite is not None and invite.id is not None
        for question, value in answers:
            turn = await world.bot.services.surveys.answer(invite.id, member.persona.id, question, value)
            assert turn.status == "recorded", turn.text
        if survey == "end":
            await world.bot.services.surveys.write(invite.id, member.persona.id, "story",
                                                   "Mentoring with my partner changed how I teach.")
            await world.bot.services.surveys.quote(invite.id, member.persona.id, "story",
                                                   member is pair.mentee)


async def _programme_with(world: SandboxWorld, pairs: int) -> list[Pair]:
    made = [await make_pair(world, f"R{i}") for i in range(pairs)]
    world.clock.advance(timedelta(minutes=1))
    await world.bot.tick("survey-dispatch")
    for pair in made:
        await _answer(world, pair, "baseline", BASELINE)
    world.clock.advance(timedelta(days=60))
    async with transaction(world.bot.sessions) as s:
        for pair in made:
            await matching.end_match(session=s, match_id=pair.match_id, reason="completed", now=world.clock.now())
    world.clock.advance(timedelta(minutes=11))
    await world.bot.tick("survey-dispatch")
    for pair in made:
        await _answer(world, pair, "end", END)
    return made


async def test_programme_report_attaches_the_chart_the_anonymised_answers_and_a_summary(rworld: SandboxWorld) -> None:
    assert rworld.guild is not None and rworld.organiser is not None
    pairs = await _programme_with(rworld, 3)  # six people
    result = await slash(rworld.organiser, rworld.guild, "programme", "report")
    assert "6 people answered" in result.content
    names = sorted(a.filename for m in result.messages for a in m.attachments)
    assert names == ["outcomes-edu-all-time.csv", "outcomes-edu-all-time.md", "outcomes-edu-all-time.png"]
    png = next(a for m in result.messages for a in m.attachments if a.filename.endswith(".png"))
    assert bytes(png.data).startswith(b"\x89PNG")
    summary = attachment_text(result, ".md")
    assert "| Confidence (scale 1–5) | 2.0 | 4.0 | +2.0 |" in summary
    assert "| Looking back | at the end | 6 | 6 | 100% |" in summary
    assert summary.count("> Mentoring with my partner") == 3  # the three mentees agreed to be quoted
    table = attachment_text(result, ".csv")
    for pair in pairs:
        for member in pair.members:
            assert member.persona.name not in table and member.persona.name not in summary
    assert table.splitlines()[0] == '"respondent","role","survey","point","question","answer"'
    async with rworld.bot.sessions() as s:
        events = await audit.audit_events_since(session=s, programme_id=rworld.bot.services.programmes.all()[0].id,
                                                actions=("programme.report",))
    assert len(events) == 1 and events[0].detail == {"round": None, "since": None, "until": None}


@pytest.mark.skipif(BACKEND != "sqlite", reason="the command reads the world's SQLite file through a config file")
async def test_the_report_command_with_four_respondents_shows_nothing(rworld: SandboxWorld, tmp_path: Path) -> None:
    assert rworld.guild is not None
    await _programme_with(rworld, 2)  # four people
    programme = rworld.bot.services.programmes.all()[0]
    config = tmp_path / "mentorbot.toml"
    config.write_text(f'[bot]\ndatabase_url = "{rworld.database_url}"\n\n[[programme]]\nkey = "{programme.key}"\n'
                      f'name = "{programme.config.name}"\nguild_id = {rworld.guild.id}\n', encoding="utf-8")
    out = tmp_path / "report"
    result = await asyncio.to_thread(CliRunner().invoke, app, [
        "report", "--programme", programme.key, "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    summary = (out / "outcomes-edu-all-time.md").read_text(encoding="utf-8")
    assert "too few answers to show" in summary
    assert "2.0" not in summary and "4.0" not in summary and "Mentoring with my partner" not in summary
    assert (out / "outcomes-edu-all-time.csv").read_text(encoding="utf-8").strip().count("\n") == 0  # header only
    assert (out / "outcomes-edu-all-time.png").read_bytes().startswith(b"\x89PNG")
    wrong = await asyncio.to_thread(CliRunner().invoke, app, [
        "report", "--programme", programme.key, "--round", "3", "--out", str(out), "--config", str(config)])
    assert wrong.exit_code == 1 and "there is no round 3" in wrong.output
