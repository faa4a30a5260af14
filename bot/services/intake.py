"""Hashtag intake: polling X into posts and leads, replies with an invite and a claim code (or the
organisers' queue), and linking a lead to a Discord member by that code. No discord import.

Polling (:meth:`IntakeService.poll`, one periodic job per programme):

* One poller per programme: an in-process guard, and on PostgreSQL ``pg_try_advisory_xact_lock`` held in a
  transaction for the whole poll (released when it ends, or when the connection dies with the process).
  A poll that finds the lock taken returns ``locked`` at once.
* Each page's posts, the leads they create and the page's cursor are written in one transaction: a crash
  between pages re-reads at most the page in flight, and the unique (platform, post id) and
  (programme, platform, author) constraints make that harmless.
* 429: ``paused_until`` (X's reset time) is stored on the cursor row and the poll returns; polls before then
  return ``paused`` without a request. 5xx/timeouts: retried inside the poll with exponential backoff and
  full jitter (:class:`~bot.intake.x_source.RetryPolicy`), then left to the next poll. 401/403: the reason is
  stored as ``disabled_reason``, organisers are told once, polling stops until :meth:`resume`.

Leads are an outbox worked after the pages, so a crash anywhere leaves them to the next poll:
``new`` → ``replying`` (committed before the request to X) → ``replied``, or → ``queueing`` → ``queued``
once the organisers' channel has it. A reply is only attempted when the post @mentions the bot (X refuses
the rest; ``intake.reply_only_to_mentions = false`` tries anyway, for exempt tiers). Reply pacing: at most
``intake.replies_per_hour`` replies in any hour, counted from the leads in the database (reply post ids
and ``replying`` leads by ``updated_at``), so every process agrees; the rest wait for a later poll.
A lead left in ``replying`` (the process died during the request) is never replied to again: after
:data:`STALE_REPLYING` it goes to the organisers' queue — at most one reply per person.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlmodel.ext.asyncio.session import AsyncSession
from tweepy.errors import HTTPException, Unauthorized

from bot.clock import Clock
from bot.intake.attempts import AttemptLimiter
from bot.intake.codes import ClaimCodes
from bot.intake.cursor import parse_cursor
from bot.intake.invite import manual_reply_text, organiser_lead_message, reply_text
from bot.intake.outcomes import (
    ClaimOutcome,
    ClaimResult,
    IntakeNotifier,
    LeadView,
    PollReport,
    QueuedLead,
    claim_message,
)
from bot.intake.source import Page, Post
from bot.intake.vocab import suggestions_for, vocabulary_for
from bot.intake.x_parse import build_query, error_text
from bot.intake.x_source import RetryPolicy, XSource, fetch_bot_account
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.models import Lead, SocialPost
from storage.queries import audit, intake, onboarding, people

log = logging.getLogger(__name__)

XClientFactory = Callable[[], Any]
PLATFORM = "x"
STALE_REPLYING = timedelta(minutes=10)
_HELD: set[tuple[int, int]] = set()  # (engine, programme) pollers running in this process


class IntakeService:
    def __init__(
        self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
        x_client_factory: XClientFactory | None, *, rng: random.Random | None = None,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._x_client_factory = x_client_factory
        self._rng = rng
        self.retry = RetryPolicy()
        self.page_size = 100  # X's maximum for recent search
        self.max_pages: int | None = 20  # per poll; the stored cursor carries on from there next time
        self.queue_per_poll = 10  # organiser messages per poll (Discord: 5 per 5 s per channel); the rest next time
        self.attempts = AttemptLimiter(limit=5, window=timedelta(minutes=10))
        self._client: Any = None
        self._account: tuple[str, str] | None = None
        self._sources: dict[int, XSource] = {}

    @property
    def can_poll(self) -> bool:
        return self._x_client_factory is not None

    # polling ---------------------------------------------------------------------------------------------
    async def poll(self, programme: Programme, notifier: IntakeNotifier) -> PollReport:
        """One poll of the programme's hashtags: pages → posts and leads, then replies and the queue."""
        report = PollReport(programme.key)
        if not programme.config.intake.hashtags or self._x_client_factory is None:
            report.status, report.reason = "skipped", "no hashtags or no X credentials"
            return report
        key = (id(self._sessions.kw.get("bind", self._sessions)), programme.id)
        if key in _HELD:
            report.status = "locked"
            return report
        _HELD.add(key)
        try:
            async with self._sessions() as lock_session, lock_session.begin():
                if not await intake.try_poll_lock(session=lock_session, programme_id=programme.id):
                    report.status = "locked"
                    return report
                await self._poll_locked(programme, notifier, report)
        finally:
            _HELD.discard(key)
        return report

    async def _poll_locked(self, programme: Programme, notifier: IntakeNotifier, report: PollReport) -> None:
        query = build_query(programme.config.intake.hashtags)
        async with transaction(self._sessions) as s:
            cursor = await intake.get_cursor(session=s, programme_id=programme.id, platform=PLATFORM, query=query)
        if cursor.disabled_reason:
            report.status, report.reason = "disabled", cursor.disabled_reason
            return
        source = await self._source(programme, notifier, cursor.id or 0, report)
        if source is None:
            return
        now = self._clock.now()
        caught_up = not parse_cursor(cursor.since_id).partial
        if cursor.paused_until is not None and now < cursor.paused_until:
            report.status, report.paused_until = "paused", cursor.paused_until
        else:
            run = source.pages(query, cursor.since_id)
            async for page in run:
                async with transaction(self._sessions) as s:
                    await self._store_page(s, programme, source, page, cursor.id or 0, report)
                report.pages += 1
            report.warnings.extend(run.warnings)
            if run.fatal_error:
                await self._disable(programme, notifier, cursor.id or 0, run.fatal_error, report)
                return
            if run.paused_until is not None:
                report.status, report.paused_until = "paused", run.paused_until
                async with transaction(self._sessions) as s:
                    await intake.save_cursor(session=s, cursor_id=cursor.id or 0, now=self._clock.now(),
                                             paused_until=run.paused_until)
            elif run.failure:
                report.status, report.reason = "failed", run.failure
                log.warning("X poll of %s failed: %s", programme.key, run.failure)
            elif not run.complete:
                report.status = "partial"
            caught_up = run.complete
        if not caught_up:
            return  # replies and the queue wait until all pages are in: a later post may @mention the bot
        reasons: dict[int, str] = {}
        await self._send_replies(programme, source, report, reasons)
        await self._notify_queue(programme, notifier, report, reasons)

    async def _source(
        self, programme: Programme, notifier: IntakeNotifier, cursor_id: int, report: PollReport
    ) -> XSource | None:
        """The programme's XSource (the client and the bot's own account are looked up once)."""
        assert self._x_client_factory is not None
        if self._client is None:
            self._client = self._x_client_factory()
        if self._account is None:
            try:
                self._account = await fetch_bot_account(self._client)
            except Unauthorized as exc:
                await self._disable(programme, notifier, cursor_id,
                                    f"X rejected the credentials (401): {error_text(exc)}", report)
                return None
            except HTTPException as exc:
                if exc.response is not None and getattr(exc.response, "status", 0) == 403:
                    self._account = ("", "")  # app-only credentials: search works, replies can't
                else:
                    report.status, report.reason = "failed", f"could not look up the bot's X account: {exc}"
                    return None
            except (aiohttp.ClientError, TimeoutError) as exc:
                report.status, report.reason = "failed", f"could not reach X: {exc}"
                return None
        source = self._sources.get(programme.id)
        if source is None:
            user_id, handle = self._account
            source = XSource(self._client, bot_user_id=user_id, bot_handle=handle, clock=self._clock,
                             retry=self.retry, max_results=self.page_size, max_pages=self.max_pages)
            self._sources[programme.id] = source
        source.retry, source.max_results, source.max_pages = self.retry, self.page_size, self.max_pages
        return source

    async def _disable(
        self, programme: Programme, notifier: IntakeNotifier, cursor_id: int, reason: str, report: PollReport
    ) -> None:
        report.status, report.reason = "disabled", reason
        async with transaction(self._sessions) as s:
            await intake.save_cursor(session=s, cursor_id=cursor_id, now=self._clock.now(), disabled_reason=reason)
        log.error("X polling of %s stopped: %s", programme.key, reason)
        await notifier.polling_stopped(programme, reason)

    def _may_reply(self, programme: Programme, source: XSource, post: Post) -> bool:
        cfg = programme.config
        if cfg.intake.replies_per_hour <= 0 or not cfg.invite_url or not source.bot_user_id:
            return False
        return post.can_reply or not cfg.intake.reply_only_to_mentions

    async def _store_page(
        self, s: AsyncSession, programme: Programme, source: XSource, page: Page, cursor_id: int, report: PollReport
    ) -> None:
        now = self._clock.now()
        vocab = vocabulary_for(programme.questions)
        ttl = timedelta(days=programme.config.intake.claim_code_ttl_days)
        for post in page.posts:
            row = SocialPost(
                programme_id=programme.id, platform=PLATFORM, post_id=post.post_id, author_id=post.author_id,
                author_handle=post.author_handle[:100], text=post.text, kind="own" if post.is_own else post.kind,
                posted_at=post.created_at, seen_at=now,
            )
            if not await intake.record_post(session=s, post=row):
                continue
            report.new_posts += 1
            if not post.is_lead:
                continue
            suggested = suggestions_for(post.text, programme.questions, vocab)
            lead = await intake.get_lead_by_author(session=s, programme_id=programme.id, platform=PLATFORM,
                                                   author_id=post.author_id)
            if lead is None:
                await intake.add_lead(session=s, lead=Lead(
                    programme_id=programme.id, platform=PLATFORM, author_id=post.author_id,
                    author_handle=post.author_handle[:100], author_name=post.author_name[:200],
                    first_post_id=post.post_id, claim_code=await self._new_code(s, programme),
                    code_expires_at=now + ttl, status="new" if self._may_reply(programme, source, post) else "queueing",
                    suggestions=dict(suggested), created_at=now, updated_at=now,
                ))
                report.new_leads += 1
                continue
            # the same person again: one lead; prefer a post the bot may reply to, learn what is new
            if lead.status == "queueing" and self._may_reply(programme, source, post):
                await intake.update_lead(session=s, lead_id=lead.id or 0, now=now, expect=("queueing",),
                                         status="new", first_post_id=post.post_id)
            merged = {**suggested, **lead.suggestions}
            if merged != lead.suggestions and lead.status in intake.OPEN_LEAD_STATUSES:
                await intake.update_lead(session=s, lead_id=lead.id or 0, now=now, suggestions=merged)
        await intake.save_cursor(session=s, cursor_id=cursor_id, now=now, since_id=page.cursor)

    def codes(self, programme: Programme) -> ClaimCodes:
        return ClaimCodes(programme.config.intake.claim_code_prefix, rng=self._rng)

    async def _new_code(self, s: AsyncSession, programme: Programme) -> str:
        codes = self.codes(programme)
        for _ in range(50):
            code = codes.new()
            if await intake.get_lead_by_code(session=s, claim_code=code) is None:
                return code
        raise RuntimeError("no free claim code: the code space is nearly full")

    # the outbox ------------------------------------------------------------------------------------------
    async def _send_replies(
        self, programme: Programme, source: XSource, report: PollReport, reasons: dict[int, str]
    ) -> None:
        cfg = programme.config
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            for lead in await intake.leads_with_status(session=s, programme_id=programme.id, status="replying",
                                                       updated_before=now - STALE_REPLYING):
                if await intake.update_lead(session=s, lead_id=lead.id or 0, now=now, expect=("replying",),
                                            status="queueing"):
                    reasons[lead.id or 0] = "the bot was interrupted while replying; check whether a reply went out"
            sent = await intake.recent_reply_count(session=s, programme_id=programme.id, since=now - timedelta(hours=1))
            budget = cfg.intake.replies_per_hour - sent
            auto = cfg.intake.replies_per_hour > 0 and bool(cfg.invite_url)
            todo = await intake.leads_with_status(session=s, programme_id=programme.id, status="new",
                                                  limit=max(budget, 0) if auto else None)
        for lead in todo:
            lid = lead.id or 0
            if not auto:
                async with transaction(self._sessions) as s:
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=("new",), status="queueing")
                reasons[lid] = "automatic replies are off for this programme"
                continue
            async with transaction(self._sessions) as s:  # committed before the request: never twice
                if not await intake.update_lead(session=s, lead_id=lid, now=self._clock.now(), expect=("new",),
                                                status="replying"):
                    continue
            text = reply_text(programme=cfg.name, invite_url=cfg.invite_url, code=lead.claim_code)
            result = await source.reply(lead.first_post_id, text)
            async with transaction(self._sessions) as s:
                at = self._clock.now()
                if result.ok:
                    await intake.set_lead_status(session=s, lead_id=lid, status="replied", now=at,
                                                 expect=("replying",), reply_post_id=result.post_id or "")
                    report.replied += 1
                    continue
                retry = result.rate_limited_until is not None or (result.error or "").startswith("X answered")
                await intake.update_lead(session=s, lead_id=lid, now=at, expect=("replying",),
                                         status="new" if retry else "queueing")
            if retry:  # not sent: try again at a later poll
                break
            reasons[lid] = result.refused_reason or f"X did not confirm the reply ({result.error})"

    async def _notify_queue(
        self, programme: Programme, notifier: IntakeNotifier, report: PollReport, reasons: dict[int, str]
    ) -> None:
        cfg = programme.config
        async with self._sessions() as s:
            leads = await intake.leads_with_status(session=s, programme_id=programme.id, status="queueing",
                                                   limit=self.queue_per_poll)
            posts = {lead.id or 0: await intake.get_post(session=s, platform=PLATFORM, post_id=lead.first_post_id)
                     for lead in leads}
        for lead in leads:
            row = posts[lead.id or 0]
            post = Post(
                platform=PLATFORM, post_id=lead.first_post_id, author_id=lead.author_id,
                author_handle=lead.author_handle, author_name=lead.author_name, text=row.text if row else "",
                created_at=row.posted_at if row else None, kind="original", mentions_bot=False,
            )
            copy = manual_reply_text(post, programme=cfg.name, invite_url=cfg.invite_url or "(invite link)",
                                     code=lead.claim_code)
            reason = reasons.get(lead.id or 0)
            if reason is None and not cfg.invite_url:
                reason = "the programme has no invite_url set"
            message = organiser_lead_message(post, copy, reason=reason)
            item = QueuedLead(lead.id or 0, lead.author_handle, lead.claim_code, post.url, message)
            if not await notifier.lead_queued(programme, item):
                continue
            async with transaction(self._sessions) as s:
                if await intake.update_lead(session=s, lead_id=lead.id or 0, now=self._clock.now(),
                                            expect=("queueing",), status="queued"):
                    report.queued += 1

    async def resume(self, programme: Programme) -> bool:
        """Start polling again after a stop (401/403) or a pause. ``True`` when it was stopped or paused."""
        async with transaction(self._sessions) as s:
            query = build_query(programme.config.intake.hashtags) if programme.config.intake.hashtags else ""
            cursor = await intake.get_cursor(session=s, programme_id=programme.id, platform=PLATFORM, query=query)
            was = bool(cursor.disabled_reason or cursor.paused_until)
            await intake.save_cursor(session=s, cursor_id=cursor.id or 0, now=self._clock.now())
        self._account = None
        self._sources.pop(programme.id, None)
        return was

    # organisers ------------------------------------------------------------------------------------------
    async def open_leads(self, programme: Programme) -> list[LeadView]:
        async with self._sessions() as s:
            leads = await intake.leads_in_programme(session=s, programme_id=programme.id,
                                                    statuses=intake.OPEN_LEAD_STATUSES)
            return [await self._view(s, lead) for lead in leads]

    async def _view(self, s: AsyncSession, lead: Lead) -> LeadView:
        row = await intake.get_post(session=s, platform=lead.platform, post_id=lead.first_post_id)
        url = f"https://x.com/{lead.author_handle}/status/{lead.first_post_id}"
        return LeadView(lead.id or 0, lead.author_handle, lead.author_name, lead.status, lead.claim_code, url,
                        row.text if row else "", lead.created_at)

    async def dismiss(self, programme: Programme, handle_or_code: str, actor_discord_id: int) -> LeadView | None:
        """Close an open lead (by @handle or claim code) as ``dismissed``. None when there is no open one."""
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            lead = await intake.find_lead(session=s, programme_id=programme.id, handle_or_code=handle_or_code.strip())
            if lead is None or not await intake.set_lead_status(
                session=s, lead_id=lead.id or 0, status="dismissed", now=now, expect=intake.OPEN_LEAD_STATUSES
            ):
                return None
            await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=actor_discord_id,
                                        action="lead.dismiss", detail={"lead_id": lead.id}, now=now)
            return await self._view(s, lead)

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
        """Link the lead of the claim code in ``text`` to this Discord user: the lead closes as ``linked``
        and the person's ``x_handle`` is set. Wrong codes are limited per user (:attr:`attempts`)."""
        now = self._clock.now()
        progs = programmes if programmes is not None else self._registry.all()
        example = f"{progs[0].config.intake.claim_code_prefix}-7K2Q" if progs else "EDU-7K2Q"
        until = self.attempts.blocked_until(discord_user_id, now)
        if until is not None:
            return ClaimResult("rate_limited", claim_message("rate_limited", wait_s=(until - now).total_seconds()),
                               retry_after=until)
        code = self.find_code(text, anywhere=anywhere, programmes=progs)
        outcome: ClaimOutcome = "unknown"
        async with transaction(self._sessions) as s:
            lead = await intake.get_lead_by_code(session=s, claim_code=code) if code else None
            programme = self._registry.by_id(lead.programme_id) if lead is not None else None
            if lead is None or programme is None or programme.id not in {p.id for p in progs} \
                    or lead.status == "dismissed":
                outcome = "not_a_code" if code is None else "unknown"
            else:
                known = await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                           discord_user_id=discord_user_id)
                expires = lead.code_expires_at
                if lead.status == "linked":
                    outcome = "already" if known is not None and lead.person_id == known.id else "used"
                elif expires is not None and expires <= now:
                    outcome = "expired"
                else:
                    person, _ = await people.get_or_create_person(
                        session=s, programme_id=programme.id, discord_user_id=discord_user_id,
                        display_name=display_name, now=now)
                    outcome = await self._link(s, programme, lead, person.id or 0, discord_user_id, now)
        if outcome in ("linked", "already") and lead is not None:
            self.attempts.succeeded(discord_user_id)
            return ClaimResult(outcome, claim_message(outcome, handle=lead.author_handle), lead.programme_id,
                               lead.author_handle, dict(lead.suggestions))
        self.attempts.failed(discord_user_id, now)
        return ClaimResult(outcome, claim_message(outcome, example=example))

    async def _link(self, s: AsyncSession, programme: Programme, lead: Lead, person_id: int, discord_user_id: int,
                    now: datetime) -> ClaimOutcome:
        if not await intake.link_lead(session=s, lead_id=lead.id or 0, person_id=person_id,
                                      x_handle=lead.author_handle, now=now):
            return "used"
        await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=discord_user_id,
                                    action="lead.link", detail={"lead_id": lead.id, "person_id": person_id}, now=now)
        return "linked"

    async def prefilled(self, programme: Programme, discord_user_id: int) -> bool:
        """Whether the person's interview holds suggestions (or already has answers, so none apply): the
        intake cog checks this after ``OnboardingService.begin`` lost a race with a typed answer."""
        async with self._sessions() as s:
            person = await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            row = await onboarding.get_session(session=s, person_id=person.id or 0, programme_id=programme.id) \
                if person is not None else None
            return row is not None and bool(row.state.get("suggestions") or row.state.get("answers"))
