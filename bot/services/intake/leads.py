"""Leads for organisers (list, dismiss, merge two accounts of one person) and for members (proof of control).

A member links a lead by proving they control its account: ``/link @handle`` gives them a private code, and
the lead is linked when the poller sees that code posted *from the lead's account*. The bot's public reply
carries no secret, so holding it (or the post) links nothing.

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
from bot.intake.codes import ClaimCodes
from bot.intake.invite import manual_reply_text
from bot.intake.outcomes import ClaimOutcome, ClaimResult, LeadView, claim_message
from bot.intake.source import platform_name
from bot.onboarding.safe_text import safe_text
from bot.services.intake.outbox import lead_post
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.voice import LinkWords
from storage.db import SessionFactory, transaction
from storage.ids import MissingIdError, require_id
from storage.models import OPEN_LEAD_STATUSES, IdentityProof, Lead, LeadStatus
from storage.queries import audit, intake, people, security

MAX_HOPS = 5  # merged → merged → … chains are followed this far
LINK_GUESSES = "link"  # the guess counter of /link
PROOF_TTL_HOURS = 24  # a private proof code is valid this long (asking again renews it)


def link_words(programmes: list[Programme]) -> LinkWords:
    """The /link words of the member's programme; of several (or none), the neutral ones."""
    return programmes[0].config.messages().link if len(programmes) == 1 else LinkWords()


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
        target = (lead.suggestions or {}).get(intake.MERGED_INTO) if lead.status == LeadStatus.MERGED else None
        if not isinstance(target, int):
            return lead
        found = await s.get(Lead, target)
        if found is None:
            return lead
        lead = found
    return lead


class LeadDesk:
    """The leads once stored: listed, dismissed and merged by organisers; linked to members who prove they
    control the account (:meth:`claim`, :meth:`_prove`)."""

    def __init__(
        self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._rng = rng
        self.guess_limit = 5  # wrong /link tries per member and programme within guess_window (database)
        self.guess_window = timedelta(minutes=10)

    def codes(self, programme: Programme) -> ClaimCodes:
        return ClaimCodes(programme.config.intake.claim_code_prefix, rng=self._rng)

    # organisers ------------------------------------------------------------------------------------------
    async def open_leads(self, programme: Programme) -> list[LeadView]:
        async with self._sessions() as s:
            leads = await intake.leads_in_programme(session=s, programme_id=programme.id,
                                                    statuses=OPEN_LEAD_STATUSES)
            return [await self._view(s, lead) for lead in leads]

    async def waiting(self, programme: Programme) -> list[tuple[LeadView, str]]:
        """The open leads, each with the reply an organiser can paste by hand (the text the organisers'
        channel gets when the bot may not reply itself)."""
        cfg = programme.config
        out = []
        async with self._sessions() as s:
            for lead in await intake.leads_in_programme(session=s, programme_id=programme.id,
                                                        statuses=OPEN_LEAD_STATUSES):
                row = await intake.get_post(session=s, programme_id=lead.programme_id, platform=lead.platform,
                                            post_id=lead.first_post_id)
                post = lead_post(lead, row.text if row else "", row.posted_at if row else None)
                copy = manual_reply_text(post, programme=cfg.name, invite_url=cfg.invite_url or "(invite link)",
                                         template=cfg.messages().public_reply, short=cfg.messages().public_reply_short)
                out.append((await self._view(s, lead), copy))
        return out

    async def _view(self, s: AsyncSession, lead: Lead) -> LeadView:
        row = await intake.get_post(session=s, programme_id=lead.programme_id, platform=lead.platform,
                                    post_id=lead.first_post_id)
        return LeadView(require_id(lead), lead.author_handle, lead.author_name, lead.status, lead.claim_code,
                        lead_post(lead).url, row.text if row else "", lead.created_at, lead.platform)

    async def dismiss(self, programme: Programme, handle_or_code: str, actor_discord_id: int) -> LeadView | None:
        """Close an open lead (by @handle, ``platform:handle``, ``#id`` or claim code) as ``dismissed``. None
        when there is no open one."""
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            lead = await intake.find_lead_ref(session=s, programme_id=programme.id, ref=handle_or_code)
            if lead is None or not await intake.set_lead_status(
                session=s, lead_id=require_id(lead), status=LeadStatus.DISMISSED, now=now, expect=OPEN_LEAD_STATUSES
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
            if a.id == b.id or (b.status == LeadStatus.MERGED and (await _root(s, b)).id == a.id):
                if named.id == b.id:
                    return MergeResult(False, "Those are the same lead.")
                return MergeResult(False, f"{who(b)} is already the same person as {who(named)}.")
            if b.status == LeadStatus.MERGED:
                return MergeResult(False, f"{who(b)} is already merged into another lead.")
            if LeadStatus.REPLYING in (a.status, b.status):
                return MergeResult(False, "The bot is replying to one of them right now — try again in a minute.")
            if a.status == LeadStatus.DISMISSED:
                return MergeResult(False, f"{who(a)} is dismissed; merge into an open or linked lead.")
            if a.status == LeadStatus.LINKED and b.status == LeadStatus.LINKED:
                same = a.person_id == b.person_id
                return MergeResult(False, f"{who(a)} and {who(b)} are "
                                          + ("already linked to the same member." if same
                                             else "linked to different members; nothing changed."))
            if a.status == LeadStatus.LINKED or b.status == LeadStatus.LINKED:
                linked, other = (a, b) if a.status == LeadStatus.LINKED else (b, a)
                member = linked.person_id
                if member is None:
                    raise MissingIdError(f"lead {linked.id} is linked but names no person")
                await self._link_to(s, other, member, now, expect=(other.status,))
                for more in await intake.leads_merged_into(session=s, programme_id=programme.id,
                                                           lead_id=require_id(other)):
                    await self._link_to(s, more, member, now, expect=(LeadStatus.MERGED,))
                text = f"{who(other)} is now linked to the same member as {who(linked)}."
            else:
                await intake.set_lead_status(session=s, lead_id=require_id(b), status=LeadStatus.MERGED, now=now,
                                             expect=(b.status,))
                await intake.update_lead(session=s, lead_id=require_id(b), now=now,
                                         suggestions={intake.MERGED_INTO: a.id})
                await intake.update_lead(session=s, lead_id=require_id(a), now=now,
                                         suggestions={**(b.suggestions or {}), **(a.suggestions or {})})
                text = (f"{who(b)} is merged into {who(a)}: one person, one lead. Proving either account "
                        "with /link links both.")
                if b.reply_post_id and a.status in (LeadStatus.NEW, LeadStatus.QUEUEING):  # they have an invite already
                    await intake.update_lead(session=s, lead_id=require_id(a), now=now, expect=(LeadStatus.NEW, LeadStatus.QUEUEING),
                                             status=LeadStatus.QUEUED)
                    text += f" They already had the bot's reply on {platform_name(b.platform)}: no second one."
            await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=actor_discord_id,
                                        action="lead.merge", detail={"lead_id": a.id, "merged": b.id}, now=now)
            return MergeResult(True, text)

    async def _link_to(self, s: AsyncSession, lead: Lead, person_id: int, now: datetime,
                       expect: tuple[LeadStatus, ...]) -> bool:
        """Close ``lead`` as linked to ``person_id``; an X lead also gives the person their X handle."""
        if set(expect) <= set(OPEN_LEAD_STATUSES):
            return await intake.link_lead(session=s, lead_id=require_id(lead), person_id=person_id,
                                          x_handle=lead.author_handle if lead.platform == "x" else "", now=now)
        moved = await intake.set_lead_status(session=s, lead_id=require_id(lead), status=LeadStatus.LINKED, now=now,
                                             expect=expect, person_id=person_id)
        if moved and lead.platform == "x":
            await intake.set_person_x_handle(session=s, person_id=person_id, x_handle=lead.author_handle, now=now)
        return moved

    # proof of control -----------------------------------------------------------------------------------
    def find_code(self, text: str, *, anywhere: bool = False, programmes: list[Programme] | None = None) -> str | None:
        """A programme's code in ``text`` (the whole text, or with ``anywhere`` a prefixed code inside it)."""
        for prog in programmes if programmes is not None else self._registry.all():
            codes = self.codes(prog)
            code = codes.find(text) if anywhere else codes.normalise(text)
            if code is not None:
                return code
        return None

    async def _reserve(self, programme: Programme, discord_user_id: int, now: datetime) -> datetime | None:
        """Take one guess before looking anything up (its own committed transaction, so concurrent guesses
        see it). None when allowed, else when the member may try again."""
        async with transaction(self._sessions) as s:
            taken = await security.reserve_guess(
                session=s, programme_id=programme.id, discord_user_id=discord_user_id, kind=LINK_GUESSES,
                limit=self.guess_limit, window=self.guess_window, now=now)
            if taken is not None:
                return None
            start = await security.guess_window_start(session=s, programme_id=programme.id,
                                                      discord_user_id=discord_user_id, kind=LINK_GUESSES)
        return (start or now) + self.guess_window

    async def claim(
        self, discord_user_id: int, display_name: str, text: str, *, programmes: list[Programme] | None = None,
    ) -> ClaimResult:
        """``/link @handle``: ask to link a lead (an account that posted with the programme's hashtag) to this
        member. Naming a handle proves nothing, so the answer is a private code (``prove``) the member must
        post *from that account*; the poller then links it (:meth:`_prove`). Only the programmes given are
        searched (the guild's, or the DM's). Every try takes one of ``guess_limit`` guesses per member and
        programme in ``guess_window`` *before* the lookup, atomically in the database; a right answer gives
        its guess back (it never resets the count)."""
        now = self._clock.now()
        progs = programmes if programmes is not None else []
        outcome: ClaimOutcome = "unknown"
        for programme in progs:
            until = await self._reserve(programme, discord_user_id, now)
            if until is not None:
                return ClaimResult("rate_limited", claim_message("rate_limited", link_words([programme]),
                                                                 wait_s=(until - now).total_seconds()),
                                   retry_after=until)
            async with transaction(self._sessions) as s:
                lead = await intake.find_lead_by_handle(session=s, programme_id=programme.id, ref=text)
                if lead is None or lead.status == LeadStatus.DISMISSED:
                    continue
                root = await _root(s, lead)
                if root.status == LeadStatus.DISMISSED:
                    continue
                await security.refund_guess(session=s, programme_id=programme.id, discord_user_id=discord_user_id,
                                            kind=LINK_GUESSES)
                if root.status == LeadStatus.LINKED:
                    known = await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                               discord_user_id=discord_user_id)
                    outcome = "already" if known is not None and root.person_id == known.id else "used"
                    return ClaimResult(outcome, claim_message(outcome, link_words([programme]),
                                                              handle=lead.author_handle, platform=lead.platform))
                if lead.code_expires_at is not None and lead.code_expires_at <= now:
                    return ClaimResult("expired", claim_message("expired", link_words([programme])))
                code = await self._proof_code(s, programme, lead, discord_user_id, display_name, now)
                tag = self._tag(programme, lead.platform)
                return ClaimResult("prove", claim_message("prove", link_words([programme]), handle=lead.author_handle,
                                                          platform=lead.platform, code=code, tag=tag,
                                                          hours=PROOF_TTL_HOURS),
                                   programme.id, lead.author_handle, platform=lead.platform)
        return ClaimResult(outcome, claim_message(outcome, link_words(progs)))

    @staticmethod
    def _tag(programme: Programme, platform: str) -> str:
        sources = programme.config.intake.sources_on(platform)
        return f"#{sources[0].tag}" if sources else ""

    async def _proof_code(self, s: AsyncSession, programme: Programme, lead: Lead, discord_user_id: int,
                          display_name: str, now: datetime) -> str:
        """This member's private code for this lead (the same one while it is valid, renewed otherwise)."""
        expires = now + timedelta(hours=PROOF_TTL_HOURS)
        found = await security.proof_for(session=s, lead_id=require_id(lead), discord_user_id=discord_user_id)
        if found is not None:
            await security.renew_proof(session=s, proof_id=require_id(found), expires_at=expires)
            return found.code
        codes = self.codes(programme)
        for _ in range(50):
            code = codes.new()
            if not await security.code_taken(session=s, programme_id=programme.id, code=code):
                await security.add_proof(session=s, proof=IdentityProof(
                    programme_id=programme.id, lead_id=require_id(lead), discord_user_id=discord_user_id,
                    display_name=display_name[:200], code=code, created_at=now, expires_at=expires))
                return code
        raise RuntimeError("no free proof code: the code space is nearly full")

    async def _prove(self, s: AsyncSession, programme: Programme, platform: str, author_id: str, text: str,
                     now: datetime) -> tuple[int, ClaimResult] | None:
        """A post seen by the poller that carries a member's private code, posted *from the account of the
        lead the code was given for*: link that lead to that member. Anything else proves nothing."""
        code = self.codes(programme).find(text)
        proof = await security.proof_by_code(session=s, programme_id=programme.id, code=code) if code else None
        if proof is None or proof.proven_at is not None or proof.expires_at <= now:
            return None
        lead = await s.get(Lead, proof.lead_id)
        if lead is None or lead.platform != platform or lead.author_id != author_id:
            return None
        root = await _root(s, lead)
        if root.status not in OPEN_LEAD_STATUSES or not await security.mark_proven(
                session=s, proof_id=require_id(proof), now=now):
            return None
        person, _ = await people.get_or_create_person(
            session=s, programme_id=programme.id, discord_user_id=proof.discord_user_id,
            display_name=proof.display_name, now=now)
        outcome = await self._link(s, programme, root, require_id(person), proof.discord_user_id, now)
        if outcome != "linked":
            return None
        suggestions = {k: v for k, v in (root.suggestions or {}).items() if not k.startswith("_")}
        return proof.discord_user_id, ClaimResult(
            "linked", claim_message("linked", link_words([programme]), handle=lead.author_handle,
                                    platform=lead.platform), programme.id,
            lead.author_handle, suggestions, platform=lead.platform, person_id=require_id(person))

    async def _link(self, s: AsyncSession, programme: Programme, lead: Lead, person_id: int, discord_user_id: int,
                    now: datetime) -> ClaimOutcome:
        if not await self._link_to(s, lead, person_id, now, expect=OPEN_LEAD_STATUSES):
            return "used"
        merged = await intake.leads_merged_into(session=s, programme_id=programme.id, lead_id=require_id(lead))
        for other in merged:
            await self._link_to(s, other, person_id, now, expect=(LeadStatus.MERGED,))
        await audit.add_audit_event(
            session=s, programme_id=programme.id, actor_discord_id=discord_user_id, action="lead.link",
            detail={"lead_id": lead.id, "person_id": person_id, "merged": [m.id for m in merged],
                    "proven_by": "post from the account"}, now=now)
        return "linked"
