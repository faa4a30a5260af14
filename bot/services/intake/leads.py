"""Leads for organisers (list, dismiss, merge two accounts of one person) and for members (claim codes).

A person is a platform and an account on it: each gets one lead, one claim code and at most one reply.
When one person posts from two platforms, an organiser merges the leads (``/leads merge A B``): B is closed
into A — linked to A's member when A is linked, else ``merged`` (either claim code then links both). A merge
never causes a reply: a lead whose person already had one is not answered again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.intake.attempts import AttemptLimiter
from bot.intake.codes import ClaimCodes
from bot.intake.outcomes import ClaimOutcome, ClaimResult, LeadView, claim_message
from bot.intake.source import platform_name
from bot.onboarding.safe_text import safe_text
from bot.services.intake.outbox import lead_post
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.models import Lead
from storage.queries import audit, intake, people

MAX_HOPS = 5  # merged → merged → … chains are followed this far


@dataclass(frozen=True)
class MergeResult:
    """What ``/leads merge`` tells the organiser (Discord markdown; what people typed is escaped)."""

    ok: bool
    message: str


def who(lead: Lead) -> str:
    """``@ana\\_teach (X)``: a lead as organisers see it (markdown escaped, no pings)."""
    return f"@{safe_text(lead.author_handle, 60)} ({platform_name(lead.platform)})"


async def _root(s: AsyncSession, lead: Lead) -> Lead:
    """The lead a merged lead was merged into (following a chain), or the lead itself."""
    for _ in range(MAX_HOPS):
        target = (lead.suggestions or {}).get(intake.MERGED_INTO) if lead.status == intake.MERGED else None
        if not isinstance(target, int):
            return lead
        found = await s.get(Lead, target)
        if found is None:
            return lead
        lead = found
    return lead


class LeadDesk:
    """The leads once stored: listed, dismissed and merged by organisers, claimed by members with their code."""

    def __init__(
        self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._rng = rng
        self.attempts = AttemptLimiter(limit=5, window=timedelta(minutes=10))

    def codes(self, programme: Programme) -> ClaimCodes:
        return ClaimCodes(programme.config.intake.claim_code_prefix, rng=self._rng)

    # organisers ------------------------------------------------------------------------------------------
    async def open_leads(self, programme: Programme) -> list[LeadView]:
        async with self._sessions() as s:
            leads = await intake.leads_in_programme(session=s, programme_id=programme.id,
                                                    statuses=intake.OPEN_LEAD_STATUSES)
            return [await self._view(s, lead) for lead in leads]

    async def _view(self, s: AsyncSession, lead: Lead) -> LeadView:
        row = await intake.get_post(session=s, platform=lead.platform, post_id=lead.first_post_id)
        return LeadView(lead.id or 0, lead.author_handle, lead.author_name, lead.status, lead.claim_code,
                        lead_post(lead).url, row.text if row else "", lead.created_at, lead.platform)

    async def dismiss(self, programme: Programme, handle_or_code: str, actor_discord_id: int) -> LeadView | None:
        """Close an open lead (by @handle, ``platform:handle``, ``#id`` or claim code) as ``dismissed``. None
        when there is no open one."""
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            lead = await intake.find_lead_ref(session=s, programme_id=programme.id, ref=handle_or_code)
            if lead is None or not await intake.set_lead_status(
                session=s, lead_id=lead.id or 0, status="dismissed", now=now, expect=intake.OPEN_LEAD_STATUSES
            ):
                return None
            await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=actor_discord_id,
                                        action="lead.dismiss", detail={"lead_id": lead.id}, now=now)
            return await self._view(s, lead)

    async def merge(self, programme: Programme, first: str, second: str, actor_discord_id: int) -> MergeResult:
        """Two leads are one person: close ``second`` into ``first`` (see the module docstring)."""
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            a = await intake.find_lead_ref(session=s, programme_id=programme.id, ref=first)
            b = await intake.find_lead_ref(session=s, programme_id=programme.id, ref=second)
            missing = first if a is None else second if b is None else None
            if missing is not None or a is None or b is None:
                return MergeResult(False, f"There is no lead '{safe_text(missing or '', 60)}' — `/leads list` "
                                          "shows them.")
            named, a = a, await _root(s, a)
            if a.id == b.id or (b.status == intake.MERGED and (await _root(s, b)).id == a.id):
                if named.id == b.id:
                    return MergeResult(False, "Those are the same lead.")
                return MergeResult(False, f"{who(b)} is already the same person as {who(named)}.")
            if b.status == intake.MERGED:
                return MergeResult(False, f"{who(b)} is already merged into another lead.")
            if "replying" in (a.status, b.status):
                return MergeResult(False, "The bot is replying to one of them right now — try again in a minute.")
            if a.status == "dismissed":
                return MergeResult(False, f"{who(a)} is dismissed; merge into an open or linked lead.")
            if a.status == "linked" and b.status == "linked":
                same = a.person_id == b.person_id
                return MergeResult(False, f"{who(a)} and {who(b)} are "
                                          + ("already linked to the same member." if same
                                             else "linked to different members; nothing changed."))
            if a.status == "linked" or b.status == "linked":
                linked, other = (a, b) if a.status == "linked" else (b, a)
                await self._link_to(s, other, linked.person_id or 0, now, expect=(other.status,))
                for more in await intake.leads_merged_into(session=s, programme_id=programme.id,
                                                           lead_id=other.id or 0):
                    await self._link_to(s, more, linked.person_id or 0, now, expect=(intake.MERGED,))
                text = f"{who(other)} is now linked to the same member as {who(linked)}."
            else:
                await intake.set_lead_status(session=s, lead_id=b.id or 0, status=intake.MERGED, now=now,
                                             expect=(b.status,))
                await intake.update_lead(session=s, lead_id=b.id or 0, now=now,
                                         suggestions={intake.MERGED_INTO: a.id})
                await intake.update_lead(session=s, lead_id=a.id or 0, now=now,
                                         suggestions={**(b.suggestions or {}), **(a.suggestions or {})})
                text = (f"{who(b)} is merged into {who(a)}: one person, one lead. Either claim code "
                        f"(`{a.claim_code}` or `{b.claim_code}`) links both.")
                if b.reply_post_id and a.status in ("new", "queueing"):  # they have an invite already
                    await intake.update_lead(session=s, lead_id=a.id or 0, now=now, expect=("new", "queueing"),
                                             status="queued")
                    text += f" They already had the bot's reply on {platform_name(b.platform)}: no second one."
            await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=actor_discord_id,
                                        action="lead.merge", detail={"lead_id": a.id, "merged": b.id}, now=now)
            return MergeResult(True, text)

    async def _link_to(self, s: AsyncSession, lead: Lead, person_id: int, now: datetime,
                       expect: tuple[str, ...]) -> bool:
        """Close ``lead`` as linked to ``person_id``; an X lead also gives the person their X handle."""
        if set(expect) <= set(intake.OPEN_LEAD_STATUSES):
            return await intake.link_lead(session=s, lead_id=lead.id or 0, person_id=person_id,
                                          x_handle=lead.author_handle if lead.platform == "x" else "", now=now)
        moved = await intake.set_lead_status(session=s, lead_id=lead.id or 0, status="linked", now=now,
                                             expect=expect, person_id=person_id)
        if moved and lead.platform == "x":
            await intake.set_person_x_handle(session=s, person_id=person_id, x_handle=lead.author_handle, now=now)
        return moved

    # claim codes -----------------------------------------------------------------------------------------
    def find_code(self, text: str, *, anywhere: bool = False, programmes: list[Programme] | None = None) -> str | None:
        """The claim code in ``text``: the whole text (``/link``; the body alone is enough when only one
        programme is meant) or, with ``anywhere``, a prefixed code inside a typed message."""
        progs = programmes if programmes is not None else self._registry.all()
        for prog in progs:
            codes = self.codes(prog)
            code = codes.find(text) if anywhere else codes.normalise(text)
            if code is not None and (anywhere or len(progs) == 1 or code.split("-")[0] in text.upper()):
                return code
        return None

    async def claim(
        self, discord_user_id: int, display_name: str, text: str, *, programmes: list[Programme] | None = None,
        anywhere: bool = False,
    ) -> ClaimResult:
        """Link the lead of the claim code in ``text`` (and the leads merged with it) to this Discord user:
        they close as ``linked``; an X lead sets the person's ``x_handle``. Wrong codes are limited per user
        (:attr:`attempts`)."""
        now = self._clock.now()
        progs = programmes if programmes is not None else self._registry.all()
        example = f"{progs[0].config.intake.claim_code_prefix}-7K2Q" if progs else "EDU-7K2Q"
        until = self.attempts.blocked_until(discord_user_id, now)
        if until is not None:
            return ClaimResult("rate_limited", claim_message("rate_limited", wait_s=(until - now).total_seconds()),
                               retry_after=until)
        code = self.find_code(text, anywhere=anywhere, programmes=progs)
        outcome: ClaimOutcome = "unknown"
        suggestions: dict[str, object] = {}
        async with transaction(self._sessions) as s:
            lead = await intake.get_lead_by_code(session=s, claim_code=code) if code else None
            root = await _root(s, lead) if lead is not None else None
            programme = self._registry.by_id(lead.programme_id) if lead is not None else None
            if lead is None or root is None or programme is None or programme.id not in {p.id for p in progs} \
                    or "dismissed" in (lead.status, root.status):
                outcome = "not_a_code" if code is None else "unknown"
            else:
                known = await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                           discord_user_id=discord_user_id)
                expires = lead.code_expires_at
                if root.status == "linked":
                    outcome = "already" if known is not None and root.person_id == known.id else "used"
                elif expires is not None and expires <= now:
                    outcome = "expired"
                else:
                    person, _ = await people.get_or_create_person(
                        session=s, programme_id=programme.id, discord_user_id=discord_user_id,
                        display_name=display_name, now=now)
                    outcome = await self._link(s, programme, root, person.id or 0, discord_user_id, now)
                suggestions = {k: v for k, v in (root.suggestions or {}).items() if not k.startswith("_")}
        if outcome in ("linked", "already") and lead is not None:
            self.attempts.succeeded(discord_user_id)
            message = claim_message(outcome, handle=lead.author_handle, platform=lead.platform)
            return ClaimResult(outcome, message, lead.programme_id, lead.author_handle, suggestions,
                               platform=lead.platform)
        self.attempts.failed(discord_user_id, now)
        return ClaimResult(outcome, claim_message(outcome, example=example))

    async def _link(self, s: AsyncSession, programme: Programme, lead: Lead, person_id: int, discord_user_id: int,
                    now: datetime) -> ClaimOutcome:
        if not await self._link_to(s, lead, person_id, now, expect=intake.OPEN_LEAD_STATUSES):
            return "used"
        merged = await intake.leads_merged_into(session=s, programme_id=programme.id, lead_id=lead.id or 0)
        for other in merged:
            await self._link_to(s, other, person_id, now, expect=(intake.MERGED,))
        await audit.add_audit_event(
            session=s, programme_id=programme.id, actor_discord_id=discord_user_id, action="lead.link",
            detail={"lead_id": lead.id, "person_id": person_id, "merged": [m.id for m in merged]}, now=now)
        return "linked"

