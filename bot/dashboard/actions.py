"""The dashboard's actions (POST, CSRF-checked, organiser re-checked by the guard): each is one call of the
service the slash command calls, audited the same way, then back to the page with a note of what happened."""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.app import PROGRAMME, Dashboard, user_of
from bot.dashboard.cookies import SESSION_COOKIE
from bot.plural import count, form
from bot.services.match_end import MatchNotFound
from bot.services.matching import MatchingError
from bot.services.outcomes import ReportError
from bot.services.pair_decisions import NotFound


async def _form(request: web.Request) -> dict[str, str]:
    return {k: str(v).strip() for k, v in (await request.post()).items()}


def _base(request: web.Request) -> str:
    return f"/p/{request[PROGRAMME].key}"


async def logout(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    response = web.Response(status=303, headers={"Location": "/login"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# ---- people ----------------------------------------------------------------------------------------------
async def pause(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    data = await _form(request)
    pid = int(request.match_info["person_id"])
    back = f"{_base(request)}/people/{pid}"
    file = await dash.services.organisers.person_file_of(programme, pid)
    if file is None or file.person.discord_user_id is None:
        return dash.done(request, back, "Only members of the Discord server can be paused.")
    weeks = int(data["weeks"]) if data.get("weeks", "").isdigit() else 4
    if not 1 <= weeks <= 52:
        return dash.done(request, back, "Pause for 1 to 52 weeks.")
    end = data.get("end_match") == "yes"
    until = await dash.services.people.pause(programme, file.person.discord_user_id, weeks, actor=actor,
                                             end_matches=end)
    if until is None:
        return dash.done(request, back, f"{file.person.display_name} isn't in {programme.config.name}.")
    ended = " Their match has ended (if they had one): both were told." if end else ""
    return dash.done(request, back, f"Paused {file.person.display_name} until {until:%d %B %Y}.{ended}")


async def resume(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    pid = int(request.match_info["person_id"])
    back = f"{_base(request)}/people/{pid}"
    file = await dash.services.organisers.person_file_of(programme, pid)
    if file is None or file.person.discord_user_id is None \
            or not await dash.services.people.resume(programme, file.person.discord_user_id):
        return dash.done(request, back, "They aren't paused.")
    await dash.services.organisers.record(programme, actor, "person.resume_by_organiser",
                                          {"member": file.person.discord_user_id, "via": "dashboard"})
    return dash.done(request, back, f"{file.person.display_name} is back in the programme.")


# ---- pairs -----------------------------------------------------------------------------------------------
async def pair(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """A manual pair: refused outright without consent; rules it breaks need "pair anyway" ticked."""
    programme, actor = request[PROGRAMME], user_of(request)
    data = await _form(request)
    back = f"{_base(request)}/matching"
    svc = dash.services.matching
    try:
        a = await dash.services.pairs.find(programme, data.get("mentor", ""))
        b = await dash.services.pairs.find(programme, data.get("mentee", ""))
    except NotFound as exc:
        return dash.done(request, back, f"I can't tell who that is: {exc}.")
    refused = await svc.manual_refusal(programme, a.person_id, b.person_id)
    if refused is not None:
        return dash.done(request, back, f"I can't pair them: {refused}.")
    broken = await svc.check_manual(programme, a.person_id, b.person_id)
    if broken and data.get("anyway") != "yes":
        return dash.done(request, back, "Not paired: this pair breaks these rules: " + "; ".join(broken)
                         + ". Tick “pair them anyway” to pair them all the same.")
    try:
        match_id = await svc.create_manual(programme, a.person_id, b.person_id, actor, broken)
    except ValueError as exc:
        return dash.done(request, back, f"Not paired: {exc}.")
    await dash.deps.discord.announce_pairs()
    return dash.done(request, f"{_base(request)}/pairs",
                     f"Paired {a.display_name} (mentor) with {b.display_name} (match {match_id}); announcing now.")


async def unpair(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    data = await _form(request)
    back = data.get("back") or f"{_base(request)}/pairs"
    try:
        ended = await dash.services.ending.end_match(programme, int(request.match_info["match_id"]), "organiser",
                                                     actor, note=data.get("reason", "")[:300])
    except MatchNotFound as exc:
        return dash.done(request, back, f"{exc}.")
    return dash.done(request, back, "Match ended: both were told, their space is archived and the mentor's place "
                                    "is free again." if ended is not None else "That match had already ended.")


# ---- leads -----------------------------------------------------------------------------------------------
async def dismiss_lead(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    done = await dash.services.intake.leads.dismiss(programme, f"#{request.match_info['lead_id']}", actor)
    text = (f"Dismissed the lead @{done.handle} on {done.platform_name} ({done.claim_code})." if done
            else "That lead is no longer open.")
    return dash.done(request, f"{_base(request)}/leads", text)


async def merge_leads(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    data = await _form(request)
    keep, other = data.get("keep", ""), data.get("other", "")
    if not keep or not other:
        return dash.done(request, f"{_base(request)}/leads", "Pick the lead to keep and the one to merge into it.")
    result = await dash.services.intake.leads.merge(programme, keep if not keep.isdigit() else f"#{keep}",
                                                     other if not other.isdigit() else f"#{other}", actor)
    return dash.done(request, f"{_base(request)}/leads", result.message.replace("\\", ""))


# ---- matching --------------------------------------------------------------------------------------------
async def run_preview(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    back = f"{_base(request)}/matching"
    try:
        preview = await dash.services.matching.preview(programme, actor)
    except MatchingError as exc:
        return dash.done(request, back, str(exc))
    n = len(preview.result.pairs)
    return dash.done(request, back, f"Preview ready: {count(n, 'pair')}, {len(preview.result.unmatched)} not "
                                    "matched. Nothing is final until you confirm.")


async def confirm_round(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    programme, actor = request[PROGRAMME], user_of(request)
    back = f"{_base(request)}/matching"
    try:
        created = await dash.services.matching.confirm(programme, actor)
    except MatchingError as exc:
        return dash.done(request, back, str(exc))
    await dash.deps.discord.tell_waiting(programme)
    if not created:
        return dash.done(request, back, "The preview had no pairs, so nothing was created. Everyone in it is still "
                                        "waiting.")
    await dash.deps.discord.announce_pairs()
    return dash.done(request, f"{_base(request)}/pairs",
                     f"{count(len(created), 'pair')} confirmed. I'm creating "
                     f"{form(len(created), 'their private space', 'their private spaces')} and "
                     f"{form(len(created), 'introduction')} now.")


# ---- data ------------------------------------------------------------------------------------------------
async def export(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """The profiles or matches CSV (the files of ``/export``), audited as ``profiles.export``."""
    programme, actor = request[PROGRAMME], user_of(request)
    what = request.match_info["what"]
    service = dash.services.organisers
    if what == "profiles":
        text, n = await service.export_profiles_csv(programme)
    else:
        text, n = await service.export_matches_csv(programme)
    await service.record(programme, actor, "profiles.export", {what: n, "via": "dashboard"})
    return web.Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{programme.key}-{what}.csv"'})


async def export_outcomes(dash: Dashboard, request: web.Request) -> web.StreamResponse:
    """The anonymised answers of ``/programme report`` as CSV (the report is audited by its service)."""
    programme = request[PROGRAMME]
    data = await _form(request)
    number = data.get("round", "")
    try:
        report = await dash.services.outcomes.produce(programme, round_number=int(number) if number.isdigit() else None,
                                                      actor_discord_id=user_of(request))
    except ReportError as exc:
        return dash.done(request, f"{_base(request)}/outcomes", str(exc))
    return web.Response(body=report.csv.encode("utf-8"), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{report.stem}.csv"'})
