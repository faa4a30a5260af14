"""What the intake service reports back to its callers (the intake cog), and what it tells a person who
gives a claim code. Plain data and text: no discord, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bot.intake.source import platform_name

if TYPE_CHECKING:
    from bot.voice.words.link import LinkWords

PollStatus = Literal["done", "partial", "paused", "disabled", "failed", "locked", "skipped"]
ClaimOutcome = Literal["prove", "linked", "already", "unknown", "used", "expired", "rate_limited"]


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
    proven: list[tuple[int, ClaimResult]] = field(default_factory=list)  # (Discord user, link) proven by a post


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

    async def identity_proven(self, programme: Any, discord_user_id: int, result: ClaimResult, who: Any) -> None:
        """A member posted their private code from their account: tell them, and continue their interview.
        ``who``: how to reach them privately (a ``bot.services.dm_reach.Recipient``; None: no person row)."""
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
    person_id: int | None = None  # proven by a post: the person the account is now linked to

    @property
    def ok(self) -> bool:
        """The account is linked to the member: their interview continues."""
        return self.outcome in ("linked", "already")


def claim_message(
    outcome: ClaimOutcome, words: LinkWords, *, handle: str = "", wait_s: float = 0, platform: str = "x",
    code: str = "", tag: str = "", hours: int = 24,
) -> str:
    """The reply to a person who asked to link an account, in their programme's words (plain text; the caller
    sends without pings)."""
    name = platform_name(platform)
    if not handle:
        account = words.say("account_unnamed", platform=name)
    elif platform == "x":
        account = words.say("account_x", handle=handle)
    else:
        account = words.say("account_on", handle=handle, platform=name)
    minutes = max(1, round(wait_s / 60))
    wait = words.minute_one if minutes == 1 else words.say("minutes", count=minutes)
    return words.say(outcome, account=account, post=f"{tag} {code}".strip(), hours=hours, wait=wait)
