"""What a demo run leaves behind: a JSON report (checkable from it alone), a transcript and a chart."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bot.demo.events import events_report
from bot.demo.population import DemoPerson
from bot.onboarding.profile import profile_from_answers, to_match_record
from bot.sandbox.world import SandboxWorld
from bot.stats.chart import render_stats_png
from bot.stats.funnel import Funnel, weekly_series
from bot.timezones import Exact, parse_timezone
from storage.ids import require_id
from storage.models import MatchStatus, PersonStatus
from storage.queries import intake, matching, nudges, people, rounds


async def collect(world: SandboxWorld, population: list[DemoPerson], seed: int, programme_key: str) -> dict[str, Any]:
    """The report of the issue's format, from the database and the sandboxes' own logs."""
    bot = world.bot
    programme = bot.services.programmes.all()[0]
    by_discord: dict[int, DemoPerson] = {}
    personas = world.discord.people
    for p in population:
        persona = personas.get(p.name)
        if persona is not None:
            by_discord[persona.id] = p
    out_people: list[dict[str, Any]] = []
    id_of_person: dict[int, str] = {}
    async with bot.sessions() as session:
        persons = {x.discord_user_id: x for x in await people.people_in_programme(session=session,
                                                                                 programme_id=programme.id)}
        profiles = {pr.person_id: pr for _, pr in await people.profiles_in_programme(session=session,
                                                                                   programme_id=programme.id)}
        for p in population:
            persona = personas.get(p.name)
            did = persona.id if persona is not None else None
            row = persons.get(did) if did is not None else None
            status = "not-joined" if persona is None or not p.joins else "left"
            profile = None
            if row is not None:
                id_of_person[require_id(row)] = p.id
                status = {PersonStatus.JOINED: "onboarding", PersonStatus.ONBOARDING: "onboarding",
                          PersonStatus.ACTIVE: "active", PersonStatus.PAUSED: "paused",
                          PersonStatus.LEFT: "left"}.get(row.status, row.status)
                pr = profiles.get(require_id(row))
                if pr is not None:
                    fields = profile_from_answers(programme.questions, pr.answers)
                    profile = to_match_record(fields, person_id=p.id, name=row.display_name)
            out_people.append({
                "id": p.id, "discord_user_id": str(did) if did else None,
                "x_handle": row.x_handle if row is not None else p.x_handle, "timezone": _zone(profile, p),
                "dms_open": p.dms_open, "behaviour": p.behaviour, "status": status, "profile": profile,
            })
        out_matches = []
        all_matches = await matching.matches_in_programme(session=session, programme_id=programme.id)
        for m in all_matches:
            if m.mentor_person_id in id_of_person and m.mentee_person_id in id_of_person:
                out_matches.append({
                    "mentor": id_of_person[m.mentor_person_id], "mentee": id_of_person[m.mentee_person_id],
                    "score": round(m.score, 2), "space_id": str(m.space_id) if m.space_id else None,
                    "status": m.status, "reasons": m.reasons, "kind": m.kind,
                })
        # per person: the round they were matched in (or are waiting for), and why anyone was not matched
        names = await rounds.round_names(session=session, programme_id=programme.id)
        current = await rounds.current_round(session=session, programme_id=programme.id)
        round_of: dict[str, str] = {}
        for m in all_matches:
            for pid in (m.mentor_person_id, m.mentee_person_id):
                if pid in id_of_person and m.cohort_round_id is not None:
                    round_of.setdefault(id_of_person[pid], names.get(m.cohort_round_id, ""))
        last = await matching.latest_round(session=session, programme_id=programme.id)
        why = {id_of_person.get(int(u["person"]), ""): str(u["reason"])
               for u in (last.summary.get("unmatched", []) if last else [])}
        matched = {id_of_person.get(pid) for m in all_matches if m.status == MatchStatus.ACTIVE
                   for pid in (m.mentor_person_id, m.mentee_person_id)}
        for person in out_people:
            person["round"] = round_of.get(person["id"]) or (f"{current.name} (waiting)" if current else None)
            person["not_matched_because"] = why.get(person["id"]) if person["id"] not in matched else None
    exported = world.discord.log.export()
    return {
        "seed": seed, "programme": programme_key,
        "guild_id": str(world.guild.id) if world.guild else None,
        "organiser_role_id": str(world.organisers.id) if world.organisers else None,
        "bot_user_id": str(world.discord.bot_user.id),
        "people": out_people, "matches": out_matches, "events": await events_report(world),
        "discord_requests": exported["requests"], "x_requests": world.x.export_log(),
        "gateway_events": exported["events"],
    }


def _zone(profile: dict[str, str] | None, p: DemoPerson) -> str:
    if profile and profile.get("timezone"):
        return profile["timezone"]
    found = parse_timezone(str(p.answers.get("timezone") or ""))
    return found.zone if isinstance(found, Exact) else "Europe/London"


async def funnel_and_weekly(world: SandboxWorld) -> tuple[Funnel, list[tuple[Any, int, int]]]:
    bot = world.bot
    programme = bot.services.programmes.all()[0]
    events: list[tuple[datetime, Literal["sent", "answered"]]] = []
    async with bot.sessions() as session:
        leads = len(await intake.leads_in_programme(session=session, programme_id=programme.id))
        persons = await people.people_in_programme(session=session, programme_id=programme.id)
        profiles = await people.profiles_in_programme(session=session, programme_id=programme.id)
        all_matches = await matching.matches_in_programme(session=session, programme_id=programme.id)
        met: set[int] = set()  # every stage counts people, as /programme stats does (never pairs)
        for m in all_matches:
            rows = await nudges.nudges_of_match(session=session, match_id=require_id(m))
            if any(n.answer == "met" for n in rows):
                met |= {m.mentor_person_id, m.mentee_person_id}
            events += [(n.sent_at, "sent") for n in rows if n.sent_at]
            events += [(n.answered_at, "answered") for n in rows if n.answered_at]
    matched = {m.mentor_person_id for m in all_matches} | {m.mentee_person_id for m in all_matches}
    active = {p for m in all_matches if m.status == MatchStatus.ACTIVE for p in (m.mentor_person_id, m.mentee_person_id)}
    funnel = Funnel(leads=leads, joined=len(persons), onboarded=len(profiles), matched=len(matched),
                    met=len(met), active=len(active))
    start = world.clock.now().date()
    first = min((e[0].date() for e in events), default=start)
    weekly = [tuple(w) for w in weekly_series(events, first=first, last=world.clock.now().date())]
    return funnel, weekly  # type: ignore[return-value]


async def write_chart(world: SandboxWorld, path: Path) -> Funnel:
    funnel, weekly = await funnel_and_weekly(world)
    png = await asyncio.to_thread(render_stats_png, funnel, weekly, world.bot.services.programmes.all()[0].config.name)
    await asyncio.to_thread(path.write_bytes, png)
    return funnel


def write_report(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
