"""The outcomes report of a round or a period: figures from the survey answers and goal progress (withheld
below five people), a PNG chart drawn in a thread, an anonymised CSV through the one CSV writer, and a Markdown
summary. The audit log records that a report was produced and for what scope — never its contents."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.clock import Clock
from bot.outcomes import CSV_COLUMNS, Answer, Outcomes, build_outcomes, render_outcomes_png, summary_markdown
from bot.services.goals import GoalService
from bot.services.programmes import Programme
from bot.spreadsheet import write_csv
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.queries import audit, matching, rounds
from storage.queries import surveys as qs

__all__ = ["OutcomesService", "Report", "ReportError"]


class ReportError(Exception):
    """A report that cannot be made as asked (said to the organiser as it is)."""


@dataclass(frozen=True)
class Report:
    """One produced report: ``files`` are (name, bytes) ready to attach or write."""

    outcomes: Outcomes
    png: bytes
    csv: str
    markdown: str
    stem: str

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [(f"{self.stem}.png", self.png), (f"{self.stem}.csv", self.csv.encode("utf-8")),
                (f"{self.stem}.md", self.markdown.encode("utf-8"))]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "report"


class OutcomesService:
    def __init__(self, sessions: SessionFactory, clock: Clock, goals: GoalService | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._goals = goals

    async def produce(self, programme: Programme, *, round_number: int | None = None, since: date | None = None,
                      until: date | None = None, actor_discord_id: int | None = None) -> Report:
        """The report for round ``round_number`` (1 = the programme's first), or answers given from ``since`` to
        ``until`` (inclusive dates, UTC), or everything. ReportError for an unknown round or an empty period."""
        if since is not None and until is not None and until < since:
            raise ReportError("The period ends before it starts.")
        start = datetime.combine(since, time(0), tzinfo=self._clock.now().tzinfo) if since else None
        end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=self._clock.now().tzinfo) if until else None
        now = self._clock.now()
        async with self._sessions() as session:
            round_id: int | None = None
            match_ids: list[int] | None = None
            scope = "all time"
            if round_number is not None:
                found = await rounds.rounds_of_programme(session=session, programme_id=programme.id)
                if not 1 <= round_number <= len(found):
                    raise ReportError(f"{programme.config.name} has {len(found)} round(s); there is no round "
                                      f"{round_number}.")
                chosen = found[round_number - 1]
                round_id, scope = require_id(chosen), chosen.name
                match_ids = [require_id(m) for m in await matching.matches_in_programme(
                    session=session, programme_id=programme.id) if m.cohort_round_id == round_id]
            if since or until:
                period = f"{since:%d %b %Y}" if since else "the start"
                period += f" – {until:%d %b %Y}" if until else f" – {now:%d %b %Y}"
                scope = period if round_number is None else f"{scope}, {period}"
            rows = await qs.answers_in_programme(session=session, programme_id=programme.id, since=start,
                                                 until=end, cohort_round_id=round_id)
            sent = await qs.surveys_sent(session=session, programme_id=programme.id, since=start, until=end,
                                         match_ids=match_ids)
        counts: dict[str, int] = {}
        for n in sent:
            counts[n.step_key] = counts.get(n.step_key, 0) + 1
        outcomes = build_outcomes(
            programme=programme.config.name, scope=scope, generated_at=now, surveys=programme.config.survey_plan(),
            answers=[Answer(a.person_id, a.role, a.survey_key, a.point, a.question_key, a.measure, a.value_int,
                            a.value_text, a.quote_ok) for a in rows],
            sent=counts)
        if self._goals is not None:
            outcomes.goals = (await self._goals.overview(programme, cohort_round_id=round_id)).totals
        png = await asyncio.to_thread(render_outcomes_png, outcomes)  # tens of ms of drawing: not on the loop
        report = Report(outcomes, png, write_csv(CSV_COLUMNS, outcomes.csv_rows), summary_markdown(outcomes),
                        f"outcomes-{programme.key}-{_slug(scope)}")
        async with transaction(self._sessions) as session:
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=actor_discord_id,
                action="programme.report", now=now,
                detail={"round": round_number, "since": since.isoformat() if since else None,
                        "until": until.isoformat() if until else None})
        return report
