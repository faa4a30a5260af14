"""The dashboard's pages (GET): each reads through the same services as the organisers' slash commands."""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.dashboard.app import PROGRAMME, Dashboard, user_of
from bot.goals.progress import progress_label
from bot.onboarding.validate import show_value
from bot.services.directory import role_choices
from bot.services.outcomes import ReportError
from bot.services.stats import WEEKS_SHOWN
from bot.stats import render_stats_png
from storage.models import PersonStatus
from storage.queries.directory import SORT_KEYS, DirectoryFilter

AUDIT_PER_PAGE = 50
PAIRS_PER_PAGE = 50


def _page_number(request: web.Request) -> int:
    """The 1-based ``page`` query parameter as a 0-based index (bad values: the first page)."""
    try:
        return max(0, int(request.query.get("page", "1")) - 1)
    except ValueError:
        return 0


# ---- sign-in ---------------------------------------------------------------------------------------------
async def login(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    return dash.render(request, "login.html", next=request.query.get("next", "/"), problem="")


async def sign_in(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    return dash.sign_in_redirect(request.query.get("next", "/"))


async def callback(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    return await dash.finish_sign_in(request)


async def home(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    mine = await dash.programmes_of(user_of(request))
    if not mine:
        return dash.refuse(request, 403, "You are not an organiser of any programme this bot runs. Organisers "
                                         "hold the programme's organiser role (or Manage Server) in its Discord server.")
    if len(mine) == 1:
        raise web.HTTPSeeOther(f"/p/{mine[0].key}")
    return dash.render(request, "home.html", programmes=mine)


# ---- the programme ---------------------------------------------------------------------------------------
async def overview(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme = request[PROGRAMME]
    stats = await dash.services.stats.snapshot(programme)
    stages = []
    before: int | None = None
    for label, count in stats.funnel.stages():
        share = f"{count / before:.0%}" if before else ""
        stages.append((label, count, share))
        before = count
    top = max([c for _, c, _ in stages] + [1])
    weekly_top = max([max(w.nudges_sent, w.nudges_answered) for w in stats.weekly] + [1])
    return dash.render(request, "overview.html", stats=stats, stages=stages, top=top, weekly_top=weekly_top,
                       weeks=WEEKS_SHOWN)


async def stats_chart(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """The same PNG as ``/programme stats`` attaches (matplotlib, in a worker thread)."""
    stats = await dash.services.stats.snapshot(request[PROGRAMME])
    png = await asyncio.to_thread(render_stats_png, stats.funnel, stats.weekly, stats.programme_name)
    return web.Response(body=png, content_type="image/png")


async def people(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme = request[PROGRAMME]
    q = request.query
    cohort = match_run = None
    round_ref = q.get("round", "")
    kind, _, number = round_ref.partition(":")
    if number.isdigit():
        cohort, match_run = (int(number), None) if kind == "c" else (None, int(number)) if kind == "m" else (None, None)
    statuses = [s.value for s in PersonStatus]
    roles = role_choices(programme)
    filters = DirectoryFilter(search=q.get("q", "")[:100], role=q.get("role", "") if q.get("role") in dict(roles) else "",
                              status=q.get("status", "") if q.get("status") in statuses else "",
                              cohort_round_id=cohort, match_round_id=match_run)
    sort = q.get("sort", "name") if q.get("sort") in SORT_KEYS else "name"
    descending = q.get("dir") == "desc"
    found = await dash.services.directory.page(programme, filters, sort=sort, descending=descending,
                                               page=_page_number(request))
    keep = {k: v for k, v in {"q": filters.search, "role": filters.role, "status": filters.status,
                              "round": round_ref, "sort": sort, "dir": "desc" if descending else ""}.items() if v}

    def link(**changes: Any) -> str:
        merged = {**keep, **{k: str(v) for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    return dash.render(request, "people.html", found=found, filters=filters, roles=roles, statuses=statuses,
                       rounds=await dash.services.directory.round_choices(programme), round_ref=round_ref,
                       sort=sort, descending=descending, link=link)


async def person(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme = request[PROGRAMME]
    file = await dash.services.organisers.person_file_of(programme, int(request.match_info["person_id"]))
    if file is None:
        return dash.refuse(request, 404, "There is nobody with that number in this programme.")
    await dash.services.organisers.record(programme, user_of(request), "person.view",
                                          {"person_id": file.person.person_id, "via": "dashboard"})
    answers = []
    if file.profile is not None:
        for question in programme.questions:
            if question.key in file.profile.answers:
                answers.append((question.display_label, show_value(question, file.profile.answers[question.key])))
    return dash.render(request, "person.html", file=file, answers=answers)


async def pairs(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    board = await dash.services.stats.pair_board(request[PROGRAMME])
    page = _page_number(request)
    pages = max(1, -(-len(board) // PAIRS_PER_PAGE))
    page = min(page, pages - 1)
    shown = board[page * PAIRS_PER_PAGE:(page + 1) * PAIRS_PER_PAGE]
    goals = await dash.services.goals.for_matches([p.match_id for p in shown])
    return dash.render(request, "pairs.html", board=shown, goals=goals, progress_label=progress_label,
                       total=len(board), at_risk=sum(1 for p in board if p.at_risk), page=page, pages=pages)


async def leads(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    waiting = await dash.services.intake.leads.waiting(request[PROGRAMME])
    return dash.render(request, "leads.html", waiting=waiting)


async def matching(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    run = await dash.services.matching.latest_run(request[PROGRAMME])
    return dash.render(request, "matching.html", run=run)


async def outcomes(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """The report of ``/programme report`` (audited the same way): every round, or one (``?round=N``)."""
    programme = request[PROGRAMME]
    rounds = [r.name for r in await dash.services.rounds.summaries(programme)]
    number = request.query.get("round", "")
    chosen = int(number) if number.isdigit() and 1 <= int(number) <= len(rounds) else None
    try:
        report = await dash.services.outcomes.produce(programme, round_number=chosen, actor_discord_id=user_of(request))
    except ReportError as exc:
        return dash.render(request, "outcomes.html", report=None, problem=str(exc), rounds=rounds, chosen=chosen,
                           chart="")
    chart = "data:image/png;base64," + base64.b64encode(report.png).decode("ascii")
    return dash.render(request, "outcomes.html", report=report, problem="", rounds=rounds, chosen=chosen,
                       chart=chart)


async def audit(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme = request[PROGRAMME]
    found = await dash.services.organisers.audit_page(programme, _page_number(request), AUDIT_PER_PAGE)
    names = await dash.deps.discord.member_names(programme, {e.actor_discord_id for e in found.events
                                                             if e.actor_discord_id})
    return dash.render(request, "audit.html", found=found, names=names)
