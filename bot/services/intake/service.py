"""Hashtag intake from X, Bluesky and Mastodon: polling into posts and leads, replies with an invite (or the
organisers' queue), and linking a lead to a Discord member once the member posts, from that account, the
private code ``/link`` gave them. No discord import.

Polling (:meth:`IntakeService.poll`, one periodic job per programme and platform):

* One poller per programme and platform: an in-process guard, and on PostgreSQL
  ``pg_try_advisory_xact_lock`` (a key per platform) held in a transaction for the whole poll. A poll that
  finds the lock taken returns ``locked`` at once; the platforms' pollers run side by side.
* Each page's posts, the leads they create and the page's cursor are written in one transaction: a crash
  between pages re-reads at most the page in flight, and the unique (platform, post id) and
  (programme, platform, author) constraints make that harmless.
* 429: ``paused_until`` (the platform's reset time) is stored on the feed's cursor row and the poll of that
  feed returns; polls before then return ``paused`` without a request. Other platforms (and other Mastodon
  instances) go on. 5xx/timeouts: retried inside the poll with exponential backoff and full jitter
  (:class:`~bot.intake.x_source.RetryPolicy`), then left to the next poll. Refused credentials or searches
  (401/403, a 422 hashtag feed): the reason is stored as ``disabled_reason``, organisers are told once and
  that feed stops until :meth:`resume`.

Leads are an outbox worked after the pages (:mod:`bot.services.intake.outbox`). On X a reply is only
attempted when the post @mentions the bot (X refuses the rest; ``intake.reply_only_to_mentions = false``
tries anyway, for exempt tiers); Bluesky and Mastodon allow replies to anyone (a source with
``replies = false`` leaves its leads to the organisers; Mastodon replies need ``MASTODON_ACCESS_TOKEN``).
Reply pacing: at most ``intake.replies_per_hour`` replies per platform in any hour, counted from the leads
in the database, so every process agrees; the rest wait for a later poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.intake.outcomes import ClaimResult, IntakeNotifier, PollReport, PollStatus
from bot.intake.source import DeleteResult, Page, Post, ReplyResult, platform_name
from bot.intake.suggest import Suggestions
from bot.intake.vocab import suggestions_for, vocabulary_for
from bot.services.dm_reach import Recipient, recipient
from bot.services.intake.clients import PlatformClients
from bot.services.intake.feeds import (
    Account,
    BlueskyClientFactory,
    Feed,
    MastodonClientFactory,
    Unavailable,
    XClientFactory,
    cursor_partial,
    feeds_for,
)
from bot.services.intake.leads import LeadDesk
from bot.services.intake.outbox import Outbox, feed_of, replies_query
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import OPEN_LEAD_STATUSES, Lead, LeadStatus, SocialPost
from storage.queries import intake, people

log = logging.getLogger(__name__)

PLATFORMS = ("x", "bluesky", "mastodon")
_HELD: set[tuple[int, int, str]] = set()  # (engine, programme, platform) pollers running in this process
_WORST: tuple[PollStatus, ...] = ("disabled", "failed", "paused", "partial", "done")


def _combine(total: PollReport, part: PollReport) -> None:
    """Fold one feed's report into the platform's."""
    total.pages += part.pages
    total.new_posts += part.new_posts
    total.new_leads += part.new_leads
    total.warnings.extend(part.warnings)
    total.proven.extend(part.proven)
    if _WORST.index(part.status) < _WORST.index(total.status):
        total.status = part.status
    if part.reason:
        total.reason = f"{total.reason}; {part.reason}" if total.reason else part.reason
    if part.paused_until is not None:
        total.paused_until = min(filter(None, (total.paused_until, part.paused_until)))


@dataclass(frozen=True)
class PublicReply:
    """One of the bot's own public posts on a platform (its reply to someone's hashtag post)."""

    platform: str
    post_id: str


@dataclass(frozen=True)
class Withdrawn:
    """What became of deleting one :class:`PublicReply`; ``url`` its address, when the bot's account is known."""

    reply: PublicReply
    result: DeleteResult
    url: str | None


class IntakeService:
    """Polls; its collaborators are :attr:`clients` (the platforms' clients, accounts and sources: a platform
    without a client factory is not polled), :attr:`outbox` (replies and the organisers' queue after each poll)
    and :attr:`leads` (organisers' lead commands, members' claim codes)."""

    def __init__(
        self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
        x_client_factory: XClientFactory | None, *, bluesky_client_factory: BlueskyClientFactory | None = None,
        mastodon_client_factory: MastodonClientFactory | None = None, rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.clients = PlatformClients(clock, x_client_factory, bluesky_client_factory=bluesky_client_factory,
                                       mastodon_client_factory=mastodon_client_factory)
        self.outbox = Outbox(sessions, clock, self.clients)
        self.leads = LeadDesk(registry, sessions, clock, rng)

    def platforms(self, programme: Programme) -> list[str]:
        """The platforms the programme has sources on and the bot can poll."""
        return [p for p in PLATFORMS if feeds_for(programme, p) and self.clients.can_poll_on(p)]

    # polling ---------------------------------------------------------------------------------------------
    async def poll_retrying(
        self, programme: Programme, notifier: IntakeNotifier, platform: str = "x", *, within: float,
        first_delay: float = 1.0,
    ) -> PollReport:
        """:meth:`poll`, tried again with growing pauses (1 s, 2 s, 4 s …) while the database is unreachable,
        for at most ``within`` seconds (the job's interval: after that the next run takes over). A poll lost
        to a database outage runs again as soon as the database is back, not an interval later: X's search
        reaches back only 7 days, so a poller that keeps missing its turns loses posts."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + within
        delay = first_delay
        while True:
            try:
                return await self.poll(programme, notifier, platform)
            except (SQLAlchemyError, OSError) as exc:
                if loop.time() + delay > give_up:
                    raise
                log.warning("%s poll of %s failed (%s: %s); trying again in %.0f s", platform_name(platform),
                            programme.key, type(exc).__name__, str(exc).splitlines()[0][:200], delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def poll(self, programme: Programme, notifier: IntakeNotifier, platform: str = "x") -> PollReport:
        """One poll of the programme's hashtags on ``platform``: pages → posts and leads, then replies and
        the organisers' queue."""
        report = PollReport(programme.key, platform)
        feeds = feeds_for(programme, platform)
        if not feeds or not self.clients.can_poll_on(platform):
            report.status = "skipped"
            report.reason = f"no {platform_name(platform)} hashtags or no {platform_name(platform)} credentials"
            return report
        key = (id(self._sessions.kw.get("bind", self._sessions)), programme.id, platform)
        if key in _HELD:
            report.status = "locked"
            return report
        _HELD.add(key)
        try:
            async with self._sessions() as lock_session, lock_session.begin():
                if not await intake.try_platform_poll_lock(session=lock_session, programme_id=programme.id,
                                                           platform=platform):
                    report.status = "locked"
                    return report
                await self._poll_locked(programme, notifier, platform, feeds, report)
        finally:
            _HELD.discard(key)
        for discord_user_id, result in report.proven:
            try:
                await notifier.identity_proven(programme, discord_user_id, result, await self._recipient(result))
            except Exception:  # the link is stored; telling the member is best effort
                log.exception("could not tell member %s that their account is linked", discord_user_id)
        return report

    async def _recipient(self, result: ClaimResult) -> Recipient | None:
        """How to reach the person an account was just linked to, privately (their DMs, else their own thread)."""
        if result.person_id is None:
            return None
        async with self._sessions() as session:
            person = await people.get_person(session=session, person_id=result.person_id)
            return await recipient(session, person, self._clock.now()) if person is not None else None

    async def _poll_locked(
        self, programme: Programme, notifier: IntakeNotifier, platform: str, feeds: list[Feed], report: PollReport
    ) -> None:
        sources: dict[str, Any] = {}
        behind = False
        for feed in feeds:
            part = PollReport(programme.key, platform)
            source, caught_up = await self._poll_feed(programme, notifier, feed, part)
            _combine(report, part)
            if source is not None:
                sources.setdefault(feed.account_key, source)  # any feed of the account can reply
            behind = behind or (source is not None and not caught_up)
        if not sources or (platform == "x" and behind):
            return  # on X, replies wait until all pages are in: a later post may @mention the bot

        def feed_for(lead: Lead) -> Feed | None:
            return feed_of(feeds, lead)

        def source_for(lead: Lead) -> Any:
            feed = feed_for(lead)
            return sources.get(feed.account_key) if feed is not None else None

        reasons: dict[int, str] = {}
        await self.outbox.send_replies(programme, platform, source_for, report, reasons, feed_for, notifier)
        await self.outbox.notify_queue(programme, platform, feeds, notifier, report, reasons)

    async def _poll_feed(
        self, programme: Programme, notifier: IntakeNotifier, feed: Feed, report: PollReport
    ) -> tuple[Any, bool]:
        """Read one feed from its cursor. (the source, or None when unreachable; whether it is caught up)."""
        async with transaction(self._sessions) as s:
            cursor = await intake.get_cursor(session=s, programme_id=programme.id, platform=feed.platform,
                                             query=feed.query)
        cursor_id = require_id(cursor)
        if cursor.disabled_reason:
            report.status, report.reason = "disabled", cursor.disabled_reason
            return None, False
        try:
            account = await self.clients.account(feed)
        except Unavailable as exc:
            if exc.kind == "fatal":
                await self._disable(programme, notifier, feed, cursor_id, exc.reason, report)
            else:
                report.status, report.reason = "failed", exc.reason
            return None, False
        await self.outbox.check_replies(programme, notifier, feed, account)
        source = self.clients.source(programme, feed, account)
        now = self._clock.now()
        caught_up = not cursor_partial(feed.platform, cursor.since_id)
        if cursor.paused_until is not None and now < cursor.paused_until:
            report.status, report.paused_until = "paused", cursor.paused_until
            return source, caught_up
        run = source.pages(feed.search, cursor.since_id)
        async for page in run:
            async with transaction(self._sessions) as s:
                await self._store_page(s, programme, feed, account, page, cursor_id, report)
            report.pages += 1
        report.warnings.extend(run.warnings)
        if run.fatal_error:
            await self._disable(programme, notifier, feed, cursor_id, run.fatal_error, report)
            return None, False
        if run.paused_until is not None:
            report.status, report.paused_until = "paused", run.paused_until
            async with transaction(self._sessions) as s:
                await intake.save_cursor(session=s, cursor_id=cursor_id, now=self._clock.now(),
                                         paused_until=run.paused_until)
        elif run.failure:
            report.status, report.reason = "failed", run.failure
            log.warning("%s poll of %s failed: %s", platform_name(feed.platform), programme.key, run.failure)
        elif not run.complete:
            report.status = "partial"
        return source, bool(run.complete)

    async def _disable(
        self, programme: Programme, notifier: IntakeNotifier, feed: Feed, cursor_id: int, reason: str,
        report: PollReport,
    ) -> None:
        report.status, report.reason = "disabled", reason
        async with transaction(self._sessions) as s:
            await intake.save_cursor(session=s, cursor_id=cursor_id, now=self._clock.now(), disabled_reason=reason)
        log.error("polling %s for %s stopped: %s", feed.where, programme.key, reason)
        await notifier.polling_stopped(programme, reason, feed.where, feed.platform)

    def _may_reply(self, programme: Programme, feed: Feed, account: Account, post: Post) -> bool:
        cfg = programme.config
        if cfg.intake.replies_per_hour <= 0 or not cfg.invite_url or not account.can_reply:
            return False
        if not feed.replies_for(post.text):
            return False
        if post.platform == "x":
            return post.can_reply or (not cfg.intake.reply_only_to_mentions and not post.is_own)
        return post.can_reply

    async def _store_page(
        self, s: AsyncSession, programme: Programme, feed: Feed, account: Account, page: Page, cursor_id: int,
        report: PollReport,
    ) -> None:
        now = self._clock.now()
        vocab = vocabulary_for(programme.questions)
        ttl = timedelta(days=programme.config.intake.claim_code_ttl_days)
        platform = feed.platform
        for post in page.posts:
            row = SocialPost(
                programme_id=programme.id, platform=platform, post_id=post.post_id, author_id=post.author_id[:64],
                author_handle=post.author_handle[:100], text=post.text, kind="own" if post.is_own else post.kind,
                posted_at=post.created_at, seen_at=now,
            )
            if not await intake.record_post(session=s, post=row):
                continue
            report.new_posts += 1
            proven = await self.leads._prove(s, programme, platform, post.author_id[:64], post.text, now)
            if proven is not None:
                report.proven.append(proven)
            if not post.is_lead:
                continue
            suggested: Suggestions = suggestions_for(post.text, programme.questions, vocab)
            may_reply = self._may_reply(programme, feed, account, post)
            lead = await intake.get_lead_by_author(session=s, programme_id=programme.id, platform=platform,
                                                   author_id=post.author_id[:64])
            if lead is None:
                await intake.add_lead(session=s, lead=Lead(
                    programme_id=programme.id, platform=platform, author_id=post.author_id[:64],
                    author_handle=post.author_handle[:100], author_name=post.author_name[:200],
                    first_post_id=post.post_id, claim_code=await self._new_code(s, programme),
                    code_expires_at=now + ttl, status=LeadStatus.NEW if may_reply else LeadStatus.QUEUEING,
                    suggestions=dict(suggested), created_at=now, updated_at=now,
                ))
                report.new_leads += 1
                continue
            # the same person again: one lead; prefer a post the bot may reply to, learn what is new
            if lead.status == LeadStatus.QUEUEING and may_reply:
                await intake.update_lead(session=s, lead_id=require_id(lead), now=now, expect=(LeadStatus.QUEUEING,),
                                         status=LeadStatus.NEW, first_post_id=post.post_id)
            merged = {**suggested, **lead.suggestions}
            if merged != lead.suggestions and lead.status in OPEN_LEAD_STATUSES:
                await intake.update_lead(session=s, lead_id=require_id(lead), now=now, suggestions=merged)
        await intake.save_cursor(session=s, cursor_id=cursor_id, now=now, since_id=page.cursor)

    async def _new_code(self, s: AsyncSession, programme: Programme) -> str:
        codes = self.leads.codes(programme)
        for _ in range(50):
            code = codes.new()
            if await intake.get_lead_by_code(session=s, claim_code=code) is None:
                return code
        raise RuntimeError("no free claim code: the code space is nearly full")

    async def resume(self, programme: Programme, platform: str | None = None) -> bool:
        """Start polling (and replying) again after a stop (refused credentials) or a pause, on ``platform``
        (None: every platform). ``True`` when something was stopped or paused."""
        was = False
        for name in [platform] if platform else list(PLATFORMS):
            async with transaction(self._sessions) as s:
                feeds = feeds_for(programme, name)
                for query in [f.query for f in feeds] + sorted({replies_query(f) for f in feeds}):
                    cursor = await intake.get_cursor(session=s, programme_id=programme.id, platform=name,
                                                     query=query)
                    was = was or bool(cursor.disabled_reason or cursor.paused_until)
                    await intake.save_cursor(session=s, cursor_id=require_id(cursor), now=self._clock.now())
            self.clients.forget(programme, name)
        return was

    # publishing -----------------------------------------------------------------------------------------
    def can_publish_on(self, programme: Programme) -> list[str]:
        """The platforms the bot may post on for ``programme``: where it reads the programme's hashtag and has
        a client (a story goes out on the programme's own hashtag there)."""
        return [p for p in PLATFORMS if feeds_for(programme, p) and self.clients.can_poll_on(p)]

    def hashtag(self, programme: Programme, platform: str) -> str | None:
        """The programme's hashtag on ``platform`` (its first source there), without the ``#``."""
        sources = programme.config.intake.sources_on(platform)
        return sources[0].tag if sources else None

    async def withdraw(self, programme: Programme, replies: list[PublicReply], *, attempts: int = 3,
                       pause: float = 0.5) -> list[Withdrawn]:
        """Delete the bot's own public posts ``replies`` (its replies that name someone who left) through each
        platform's API. A transient failure (5xx, timeout) is tried again ``attempts`` times with growing pauses
        (a DELETE is idempotent); a rate limit or a refusal is returned as it is, for the organisers. Never
        raises."""
        out: list[Withdrawn] = []
        for reply in replies:
            feeds = feeds_for(programme, reply.platform)
            if reply.platform == "mastodon":  # the instance the status lives on
                feeds = [f for f in feeds if f.domain == reply.post_id.partition("@")[2]] or feeds
            if not feeds or not self.clients.can_poll_on(reply.platform):
                out.append(Withdrawn(reply, DeleteResult(
                    ok=False, refused_reason=f"the bot no longer has {platform_name(reply.platform)} set up"), None))
                continue
            try:
                account = await self.clients.account(feeds[0])
            except Unavailable as exc:
                out.append(Withdrawn(reply, DeleteResult(ok=False, error=exc.reason), None))
                continue
            url = Post(platform=reply.platform, post_id=reply.post_id, author_id=account.own_id,
                       author_handle=account.handle, author_name="", text="", created_at=None, kind="original",
                       mentions_bot=False, is_own=True).url
            source = self.clients.source(programme, feeds[0], account)
            result = DeleteResult(ok=False, error="not tried")
            for attempt in range(attempts):
                try:
                    result = await source.delete(reply.post_id)
                except Exception as exc:  # a source never raises; if one does, the person's leave still completes
                    log.exception("deleting a public reply on %s failed", reply.platform)
                    result = DeleteResult(ok=False, error=f"{type(exc).__name__}: {exc}")
                if result.ok or result.error is None or attempt == attempts - 1:
                    break
                await asyncio.sleep(pause * 2**attempt)
            if not result.ok:
                log.warning("could not delete the bot's public reply %s on %s: %s", reply.post_id, reply.platform,
                            result.refused_reason or result.error or f"rate limited until {result.rate_limited_until}")
            out.append(Withdrawn(reply, result, url))
        return out

    async def publish(self, programme: Programme, platform: str, text: str) -> tuple[ReplyResult, str | None]:
        """Post ``text`` as the bot on ``platform`` (never retried here: a retried POST could post twice), and
        the new post's address when it went out."""
        feeds = feeds_for(programme, platform)
        if not feeds or not self.clients.can_poll_on(platform):
            return ReplyResult(ok=False, refused_reason=f"the programme does not post on {platform_name(platform)}"), None
        feed = feeds[0]
        try:
            account = await self.clients.account(feed)
        except Unavailable as exc:
            return ReplyResult(ok=False, refused_reason=f"{platform_name(platform)} is unavailable: {exc.reason}"), None
        if not account.can_reply:
            return ReplyResult(ok=False, refused_reason=account.why_not or "the bot can't post there"), None
        result = await self.clients.source(programme, feed, account).post(text)
        if not result.ok or not result.post_id:
            return result, None
        url = Post(platform=platform, post_id=result.post_id, author_id=account.own_id, author_handle=account.handle,
                   author_name="", text=text, created_at=None, kind="original", mentions_bot=False, is_own=True).url
        return result, url
