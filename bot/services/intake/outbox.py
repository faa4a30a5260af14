"""The leads outbox of one platform: invite replies (paced from the database) and the organisers' queue.

``new`` → ``replying`` (committed before the request) → ``replied``, or → ``queueing`` → ``queued`` once the
organisers' channel has it. A lead left in ``replying`` (the process died during the request) is never replied
to again: after :data:`STALE_REPLYING` it goes to the organisers' queue.

When the bot can't reply as an account (X with only ``X_BEARER_TOKEN``, a Mastodon instance that rejects the
token, or a 401 on a reply), that is recorded in the database (a ``poll_cursor`` row whose query is
``replies <account>``: the reason, and the credentials' fingerprint), the organisers are told once, and the
account's leads go to their queue. A 401 stops replies until the credentials change (the next start with
other credentials tries again by itself) or an organiser runs ``/leads resume``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.intake.invite import manual_reply_text, organiser_lead_message, reply_text
from bot.intake.outcomes import IntakeNotifier, PollReport, QueuedLead
from bot.intake.source import Post, platform_name
from bot.services.intake.clients import PlatformClients
from bot.services.intake.feeds import Account, Feed, may_retry
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Lead, LeadStatus, SocialPost
from storage.queries import intake

log = logging.getLogger(__name__)

STALE_REPLYING = timedelta(minutes=10)


def lead_post(lead: Lead, text: str = "", posted_at: datetime | None = None) -> Post:
    """The lead's first post as a :class:`Post` (for its address, a reply or the organisers' queue)."""
    return Post(platform=lead.platform, post_id=lead.first_post_id, author_id=lead.author_id,
                author_handle=lead.author_handle, author_name=lead.author_name, text=text, created_at=posted_at,
                kind="original", mentions_bot=False)


def feed_of(feeds: list[Feed], lead: Lead, text: str = "") -> Feed | None:
    """The feed a lead came from: (Mastodon) one of its post's instance; of those, one whose tag the post's
    ``text`` carries, when known; else the first."""
    if lead.platform == "mastodon":
        domain = lead.first_post_id.partition("@")[2]
        feeds = [f for f in feeds if f.domain == domain]
    lowered = text.lower()
    tagged = [f for f in feeds if any(f"#{t.lower()}" in lowered for t in f.tags)]
    found = tagged or feeds
    return found[0] if found else None


def replies_query(feed: Feed) -> str:
    """The ``poll_cursor`` row recording whether the bot may reply as the feed's account (not a search)."""
    return f"replies {feed.account_key}"


def account_where(feed: Feed) -> str:
    """``X``, ``Bluesky``, ``Mastodon (mastodon.social)``: the bot's account that reads ``feed``."""
    return platform_name(feed.platform) + (f" ({feed.domain})" if feed.instance else "")


class Outbox:
    """Works the leads of one poll: invite replies through the platforms' clients, then the organisers' queue."""

    def __init__(self, sessions: SessionFactory, clock: Clock, clients: PlatformClients) -> None:
        self._sessions = sessions
        self._clock = clock
        self._clients = clients
        self.queue_per_poll = 10  # organiser messages per poll (Discord: 5 per 5 s per channel); the rest next time

    async def check_replies(self, programme: Programme, notifier: IntakeNotifier, feed: Feed, account: Account) -> None:
        """Apply what the database says about replies as ``account`` (stopped by a 401 with these very
        credentials: it still can't), and tell the organisers once when the bot can't reply as it."""
        async with transaction(self._sessions) as s:
            row = await intake.get_cursor(session=s, programme_id=programme.id, platform=feed.platform,
                                          query=replies_query(feed))
        same_keys = row.since_id == account.fingerprint
        if account.can_reply and row.disabled_reason and same_keys:
            account.can_reply, account.why_not = False, row.disabled_reason
            return
        if account.can_reply:
            if row.disabled_reason:  # other credentials than the ones refused: try them
                await self._save_replies_row(require_id(row), None, account.fingerprint)
            return
        if row.disabled_reason != account.why_not or not same_keys:
            await self._stop_replies(programme, notifier, feed, account, account.why_not, require_id(row))

    async def _stop_replies(
        self, programme: Programme, notifier: IntakeNotifier, feed: Feed, account: Account, reason: str,
        row_id: int | None = None,
    ) -> None:
        """No more replies as ``account`` (for ``reason``): recorded once the organisers have been told."""
        account.can_reply, account.why_not = False, reason
        if row_id is None:
            async with transaction(self._sessions) as s:
                row = await intake.get_cursor(session=s, programme_id=programme.id, platform=feed.platform,
                                              query=replies_query(feed))
            if row.disabled_reason == reason and row.since_id == account.fingerprint:
                return
            row_id = require_id(row)
        log.warning("%s: no replies on %s: %s", programme.key, account_where(feed), reason)
        if await notifier.replies_stopped(programme, reason, account_where(feed), feed.platform):
            await self._save_replies_row(row_id, reason, account.fingerprint)

    async def _save_replies_row(self, row_id: int, reason: str | None, keys: str) -> None:
        async with transaction(self._sessions) as s:
            await intake.save_cursor(session=s, cursor_id=row_id, now=self._clock.now(), since_id=keys,
                                     disabled_reason=reason)

    async def send_replies(
        self, programme: Programme, platform: str, source_for: Callable[[Lead], Any], report: PollReport,
        reasons: dict[int, str], feed_for: Callable[[Lead], Feed | None], notifier: IntakeNotifier,
    ) -> None:
        cfg = programme.config
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            for lead in await intake.platform_leads_with_status(
                session=s, programme_id=programme.id, platform=platform, status=LeadStatus.REPLYING,
                updated_before=now - STALE_REPLYING,
            ):
                if await intake.update_lead(session=s, lead_id=require_id(lead), now=now, expect=(LeadStatus.REPLYING,),
                                            status=LeadStatus.QUEUEING):
                    reasons[require_id(lead)] = "the bot was interrupted while replying; check whether a reply went out"
            sent = await intake.recent_platform_reply_count(session=s, programme_id=programme.id, platform=platform,
                                                            since=now - timedelta(hours=1))
            budget = cfg.intake.replies_per_hour - sent
            auto = cfg.intake.replies_per_hour > 0 and bool(cfg.invite_url)
            todo = await intake.platform_leads_with_status(session=s, programme_id=programme.id, platform=platform,
                                                           status=LeadStatus.NEW, limit=max(budget, 0) if auto else None)
        paused: set[int] = set()  # sources that answered "rate limited" during this run
        for lead in todo:
            lid = require_id(lead)
            if not auto:
                async with transaction(self._sessions) as s:
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=(LeadStatus.NEW,), status=LeadStatus.QUEUEING)
                reasons[lid] = "automatic replies are off for this programme"
                continue
            feed = feed_for(lead)
            account = self._clients.known_account(feed) if feed is not None else None
            if account is not None and not account.can_reply:
                async with transaction(self._sessions) as s:
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=(LeadStatus.NEW,), status=LeadStatus.QUEUEING)
                reasons[lid] = account.why_not
                continue
            source = source_for(lead)
            if source is None or id(source) in paused:
                continue  # its instance can't be reached now: a later poll replies
            async with transaction(self._sessions) as s:  # committed before the request: never twice
                if not await intake.update_lead(session=s, lead_id=lid, now=self._clock.now(), expect=(LeadStatus.NEW,),
                                                status=LeadStatus.REPLYING):
                    continue
                if await intake.replied_elsewhere(session=s, lead=lead) or not await intake.claim_reply(
                        session=s, programme_id=programme.id, platform=lead.platform, post_id=lead.first_post_id,
                        now=now):
                    # another programme on the same hashtag answered this post: one post, one reply
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=(LeadStatus.REPLYING,),
                                             status=LeadStatus.QUEUEING)
                    reasons[lid] = "another programme on this hashtag already replied to this post"
                    continue
            text = reply_text(programme=cfg.name, invite_url=cfg.invite_url, handle=lead.author_handle,
                              template=cfg.messages().public_reply, short=cfg.messages().public_reply_short)
            # Mastodon: the author's acct is known, so no request to look the status up first
            target = lead_post(lead) if platform == "mastodon" else lead.first_post_id
            result = await source.reply(target, text)
            async with transaction(self._sessions) as s:
                at = self._clock.now()
                if result.ok:
                    await intake.set_lead_status(session=s, lead_id=lid, status=LeadStatus.REPLIED, now=at,
                                                 expect=(LeadStatus.REPLYING,), reply_post_id=result.post_id or "")
                    report.replied += 1
                    continue
                retry = result.rate_limited_until is not None or may_retry(result.error or "")
                await intake.update_lead(session=s, lead_id=lid, now=at, expect=(LeadStatus.REPLYING,),
                                         status=LeadStatus.NEW if retry else LeadStatus.QUEUEING)
            if retry:  # not sent: try again at a later poll
                paused.add(id(source))
                continue
            if result.credentials_error and feed is not None and account is not None:
                await self._stop_replies(programme, notifier, feed, account, result.credentials_error)
            reasons[lid] = result.credentials_error or result.refused_reason or \
                f"{platform_name(platform)} did not confirm the reply ({result.error})"

    def _queue_reason(self, programme: Programme, feeds: list[Feed], lead: Lead, text: str) -> str | None:
        cfg = programme.config
        if not cfg.invite_url:
            return "the programme has no invite_url set"
        if cfg.intake.replies_per_hour <= 0:
            return "automatic replies are off for this programme"
        feed = feed_of(feeds, lead, text)
        if feed is None:
            return None
        if not feed.replies_for(text):
            return f"automatic replies are off for {feed.where}"
        account = self._clients.known_account(feed)
        if account is not None and not account.can_reply:
            return account.why_not or None
        return None

    async def notify_queue(
        self, programme: Programme, platform: str, feeds: list[Feed], notifier: IntakeNotifier, report: PollReport,
        reasons: dict[int, str],
    ) -> None:
        cfg = programme.config
        async with self._sessions() as s:
            leads = await intake.platform_leads_with_status(session=s, programme_id=programme.id, platform=platform,
                                                            status=LeadStatus.QUEUEING, limit=self.queue_per_poll)
            posts: dict[int, SocialPost | None] = {
                require_id(lead): await intake.get_post(session=s, programme_id=programme.id, platform=platform,
                                                      post_id=lead.first_post_id)
                for lead in leads
            }
        for lead in leads:
            row = posts[require_id(lead)]
            post = lead_post(lead, row.text if row else "", row.posted_at if row else None)
            copy = manual_reply_text(post, programme=cfg.name, invite_url=cfg.invite_url or "(invite link)",
                                     template=cfg.messages().public_reply, short=cfg.messages().public_reply_short)
            reason = reasons.get(require_id(lead)) or self._queue_reason(programme, feeds, lead, post.text)
            message = organiser_lead_message(post, copy, reason=reason)
            item = QueuedLead(require_id(lead), lead.author_handle, lead.claim_code, post.url, message, platform)
            if not await notifier.lead_queued(programme, item):
                continue
            async with transaction(self._sessions) as s:
                if await intake.update_lead(session=s, lead_id=require_id(lead), now=self._clock.now(),
                                            expect=(LeadStatus.QUEUEING,), status=LeadStatus.QUEUED):
                    report.queued += 1
