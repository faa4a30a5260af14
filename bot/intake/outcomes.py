"""What the intake service reports back to its callers (the intake cog), and what it tells a person who
gives a claim code. Plain data and text: no discord, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.intake.source import platform_name

PollStatus = Literal["done", "partial", "paused", "disabled", "failed", "locked", "skipped"]
ClaimOutcome = Literal["linked", "already", "unknown", "used", "expired", "rate_limited", "not_a_code"]


@dataclass
class PollReport:
    """One run of a programme's poller of one platform (all its sources on that platform).

    ``status``: ``done`` (caught up), ``partial`` (stopped after ``max_pages``; the next poll continues),
    ``paused`` (rate limited until ``paused_until``), ``disabled`` (the platform refused the credentials or
    the search: polling is stopped until an organiser resumes it), ``failed`` (a transient error outlasted the retries),
    ``locked`` (another process is polling this programme), ``skipped`` (nothing to do: no hashtags/client).
    """

    programme: str
    platform: str = "x"
    status: PollStatus = "done"
    reason: str | None = None
    pages: int = 0
    new_posts: int = 0
    new_leads: int = 0
    replied: int = 0
    queued: int = 0
    paused_until: datetime | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueuedLead:
    """A lead the bot could not (or may not) answer on its platform: the organisers' channel gets ``message``
    (who posted what, why, and a ready-to-copy reply with the invite and the claim code)."""

    lead_id: int
    handle: str
    claim_code: str
    post_url: str
    message: str
    platform: str = "x"


class IntakeNotifier(Protocol):
    """How the service reaches the organisers (implemented by the cog)."""

    async def lead_queued(self, programme: Any, lead: QueuedLead) -> bool:
        """Post the lead in the leads channel; ``True`` once it is there (else it is offered again next poll)."""
        ...

    async def polling_stopped(
        self, programme: Any, reason: str, where: str | None = None, platform: str = "x"
    ) -> None:
        """A platform refused the credentials or the search: polling of ``where`` (e.g. ``#EduMentoring on
        Bluesky``; None: the programme's hashtags on X) stops until an organiser resumes it."""
        ...

    async def replies_stopped(self, programme: Any, reason: str, where: str, platform: str) -> bool:
        """The bot can't reply on ``platform`` (``where``: its account there, e.g. ``X`` or ``Mastodon
        (mastodon.social)``): its leads come to the organisers' channel instead. ``True`` once told."""
        ...


@dataclass(frozen=True)
class LeadView:
    """A lead as ``/leads list`` shows it."""

    lead_id: int
    handle: str
    name: str
    status: str
    claim_code: str
    post_url: str
    text: str
    created_at: datetime
    platform: str = "x"

    @property
    def platform_name(self) -> str:
        return platform_name(self.platform)


@dataclass(frozen=True)
class ClaimResult:
    """The answer to a claim code. ``message`` is what to tell the person (plain text, no mentions).
    On ``linked`` / ``already`` the caller continues the interview of ``programme_id`` with ``suggestions``."""

    outcome: ClaimOutcome
    message: str
    programme_id: int | None = None
    handle: str | None = None
    suggestions: dict[str, Any] = field(default_factory=dict)
    retry_after: datetime | None = None
    platform: str = "x"

    @property
    def ok(self) -> bool:
        return self.outcome in ("linked", "already")


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def claim_message(
    outcome: ClaimOutcome, *, handle: str = "", example: str = "EDU-7K2Q", wait_s: float = 0, platform: str = "x"
) -> str:
    """The reply to a person who gave a claim code."""
    name = platform_name(platform)
    at = (f"@{handle}" if platform == "x" else f"@{handle} on {name}") if handle else f"your {name} account"
    return {
        "linked": f"Thanks — I've linked {at} to you. Let's continue your interview; I've filled in what "
                  "your post told me, so just confirm or change each answer.",
        "already": f"{at} is already linked to you — let's continue your interview.",
        "unknown": "I don't know that code. Please check it against the bot's reply to your post (it looks like "
                   f"{example}) and try again.",
        "used": "That code has already been used. If you think that's a mistake, ask an organiser.",
        "expired": "That code has expired. Ask an organiser for a new invite, or just use /join to start.",
        "rate_limited": "You've tried several codes in a short time, so I've paused code checks for you — "
                        f"please try again in {_minutes(wait_s)}.",
        "not_a_code": f"That doesn't look like a claim code — codes look like {example}.",
    }[outcome]
