"""The leads outbox of one platform: invite replies (paced from the database) and the organisers' queue.

``new`` → ``replying`` (committed before the request) → ``replied``, or → ``queueing`` → ``queued`` once the
organisers' channel has it. A lead left in ``replying`` (the process died during the request) is never replied
to again: after :data:`~bot.services.intake.base.STALE_REPLYING` it goes to the organisers' queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.intake.invite import manual_reply_text, organiser_lead_message, reply_text
from bot.intake.outcomes import IntakeNotifier, PollReport, QueuedLead
from bot.intake.source import Post, platform_name
from bot.services.intake.base import STALE_REPLYING, IntakeBase
from bot.services.intake.feeds import Feed, may_retry
from bot.services.programmes import Programme
from storage.db import transaction
from storage.models import Lead, SocialPost
from storage.queries import intake


def lead_post(lead: Lead, text: str = "", posted_at: datetime | None = None) -> Post:
    """The lead's first post as a :class:`Post` (for its address, a reply or the organisers' queue)."""
    return Post(platform=lead.platform, post_id=lead.first_post_id, author_id=lead.author_id,
                author_handle=lead.author_handle, author_name=lead.author_name, text=text, created_at=posted_at,
                kind="original", mentions_bot=False)


def feed_of(feeds: list[Feed], lead: Lead) -> Feed | None:
    """The feed a lead came from: the platform's only feed, or (Mastodon) the feed of its post's instance."""
    if lead.platform != "mastodon":
        return feeds[0] if feeds else None
    domain = lead.first_post_id.partition("@")[2]
    matching = [f for f in feeds if f.domain == domain]
    return matching[0] if matching else None


class Outbox(IntakeBase):
    async def _send_replies(
        self, programme: Programme, platform: str, source_for: Callable[[Lead], Any], report: PollReport,
        reasons: dict[int, str],
    ) -> None:
        cfg = programme.config
        now = self._clock.now()
        async with transaction(self._sessions) as s:
            for lead in await intake.platform_leads_with_status(
                session=s, programme_id=programme.id, platform=platform, status="replying",
                updated_before=now - STALE_REPLYING,
            ):
                if await intake.update_lead(session=s, lead_id=lead.id or 0, now=now, expect=("replying",),
                                            status="queueing"):
                    reasons[lead.id or 0] = "the bot was interrupted while replying; check whether a reply went out"
            sent = await intake.recent_platform_reply_count(session=s, programme_id=programme.id, platform=platform,
                                                            since=now - timedelta(hours=1))
            budget = cfg.intake.replies_per_hour - sent
            auto = cfg.intake.replies_per_hour > 0 and bool(cfg.invite_url)
            todo = await intake.platform_leads_with_status(session=s, programme_id=programme.id, platform=platform,
                                                           status="new", limit=max(budget, 0) if auto else None)
        paused: set[int] = set()  # sources that answered "rate limited" during this run
        for lead in todo:
            lid = lead.id or 0
            if not auto:
                async with transaction(self._sessions) as s:
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=("new",), status="queueing")
                reasons[lid] = "automatic replies are off for this programme"
                continue
            source = source_for(lead)
            if source is None or id(source) in paused:
                continue  # its instance can't be reached now: a later poll replies
            async with transaction(self._sessions) as s:  # committed before the request: never twice
                if await intake.replied_elsewhere(session=s, lead=lead):
                    # another programme on the same hashtag answered this post: one post, one reply
                    await intake.update_lead(session=s, lead_id=lid, now=now, expect=("new",), status="queueing")
                    reasons[lid] = "another programme on this hashtag already replied to this post"
                    continue
                if not await intake.update_lead(session=s, lead_id=lid, now=self._clock.now(), expect=("new",),
                                                status="replying"):
                    continue
            text = reply_text(programme=cfg.name, invite_url=cfg.invite_url, handle=lead.author_handle)
            # Mastodon: the author's acct is known, so no request to look the status up first
            target = lead_post(lead) if platform == "mastodon" else lead.first_post_id
            result = await source.reply(target, text)
            async with transaction(self._sessions) as s:
                at = self._clock.now()
                if result.ok:
                    await intake.set_lead_status(session=s, lead_id=lid, status="replied", now=at,
                                                 expect=("replying",), reply_post_id=result.post_id or "")
                    report.replied += 1
                    continue
                retry = result.rate_limited_until is not None or may_retry(result.error or "")
                await intake.update_lead(session=s, lead_id=lid, now=at, expect=("replying",),
                                         status="new" if retry else "queueing")
            if retry:  # not sent: try again at a later poll
                paused.add(id(source))
                continue
            reasons[lid] = result.refused_reason or \
                f"{platform_name(platform)} did not confirm the reply ({result.error})"

    def _queue_reason(self, programme: Programme, feeds: list[Feed], lead: Lead, text: str) -> str | None:
        cfg = programme.config
        if not cfg.invite_url:
            return "the programme has no invite_url set"
        if cfg.intake.replies_per_hour <= 0:
            return "automatic replies are off for this programme"
        feed = feed_of(feeds, lead)
        if feed is None:
            return None
        if not feed.replies_for(text):
            return f"automatic replies are off for {feed.where}"
        account = self.known_account(feed)
        if account is not None and not account.can_reply:
            return account.why_not or None
        return None

    async def _notify_queue(
        self, programme: Programme, platform: str, feeds: list[Feed], notifier: IntakeNotifier, report: PollReport,
        reasons: dict[int, str],
    ) -> None:
        cfg = programme.config
        async with self._sessions() as s:
            leads = await intake.platform_leads_with_status(session=s, programme_id=programme.id, platform=platform,
                                                            status="queueing", limit=self.queue_per_poll)
            posts: dict[int, SocialPost | None] = {
                lead.id or 0: await intake.get_post(session=s, programme_id=programme.id, platform=platform,
                                                      post_id=lead.first_post_id)
                for lead in leads
            }
        for lead in leads:
            row = posts[lead.id or 0]
            post = lead_post(lead, row.text if row else "", row.posted_at if row else None)
            copy = manual_reply_text(post, programme=cfg.name, invite_url=cfg.invite_url or "(invite link)")
            reason = reasons.get(lead.id or 0) or self._queue_reason(programme, feeds, lead, post.text)
            message = organiser_lead_message(post, copy, reason=reason)
            item = QueuedLead(lead.id or 0, lead.author_handle, lead.claim_code, post.url, message, platform)
            if not await notifier.lead_queued(programme, item):
                continue
            async with transaction(self._sessions) as s:
                if await intake.update_lead(session=s, lead_id=lead.id or 0, now=self._clock.now(),
                                            expect=("queueing",), status="queued"):
                    report.queued += 1
