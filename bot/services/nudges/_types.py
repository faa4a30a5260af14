"""Nudge service types: what a delivery needs, answers' results, pairs at risk."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from bot.nudges import answers as rules
from bot.nudges.batch import CheckinSection
from bot.nudges.quiet import zone_of
from bot.services.match_end import EndedMatch
from bot.services.programmes import Programme
from bot.voice import CheckinButtons
from storage.ids import require_id
from storage.models import MATCH_KINDS, Nudge, NudgeKind, NudgeStatus, Person, Profile

log = logging.getLogger(__name__)

DISPATCH_KINDS = (*MATCH_KINDS, NudgeKind.DIGEST)
MARKER_RE = re.compile(r"ref:n(\d+)\b")



def marker(nudge_id: int) -> str:
    """The short reference every nudge message ends with; found again after a crash."""
    return f"ref:n{nudge_id}"


def has_marker(content: str, nudge_id: int) -> bool:
    return any(int(m) == nudge_id for m in MARKER_RE.findall(content))


def markers_in(content: str) -> frozenset[int]:
    """Every nudge a message carries the marker of (a batched check-in carries one per pairing)."""
    return frozenset(int(m) for m in MARKER_RE.findall(content))


@dataclass(frozen=True)
class Delivery:
    """One claimed nudge, ready to send. ``attempts > 1``: look for ``marker`` before sending again."""

    nudge_id: int
    programme: Programme
    kind: NudgeKind
    text: str
    buttons: bool
    attempts: int
    match_id: int | None = None
    person_id: int | None = None
    discord_user_id: int | None = None
    dm_channel_id: int | None = None
    dms_closed: bool = False
    space_id: int | None = None
    due_at: datetime | None = None  # a digest is looked for among every message since (not the last 50)
    goal_match_id: int | None = None  # a check-in of a pair with goals: it asks how each is going
    #: a batched check-in: one section per pairing (``nudge_id`` is the first's), each with its own nudge
    batch: tuple[CheckinSection, ...] = ()
    #: (nudge id, attempt) of every nudge this delivery sends, as claimed (one for a single nudge)
    claims: tuple[tuple[int, int], ...] = ()
    #: with DMs closed, not in ``space_id`` itself but in a private thread only the person sees: the space is a
    #: mentor's pod, shared with their other mentees
    private: bool = False

    @property
    def marker(self) -> str:
        return marker(self.nudge_id)

    @property
    def held(self) -> tuple[tuple[int, int], ...]:
        """(nudge id, attempt) of every nudge sent by this delivery."""
        return self.claims or ((self.nudge_id, self.attempts),)

    @property
    def nudge_ids(self) -> tuple[int, ...]:
        return tuple(nid for nid, _ in self.held)

    @property
    def grouped(self) -> bool:
        return bool(self.batch)

    def only(self, nudge_ids: set[int]) -> Delivery:
        """This delivery without the nudges not in ``nudge_ids`` (their claims were taken over)."""
        if not self.batch:
            return self
        batch = tuple(s for s in self.batch if s.nudge_id in nudge_ids)
        return replace(self, nudge_id=batch[0].nudge_id, batch=batch,
                       claims=tuple(c for c in self.held if c[0] in nudge_ids))


@dataclass(frozen=True)
class PairAtRisk:
    match_id: int
    mentor_discord_id: int | None
    mentee_discord_id: int | None
    unanswered: int
    last_sent_at: datetime

    @property
    def label(self) -> str:
        return f"<@{self.mentor_discord_id}> & <@{self.mentee_discord_id}>"


@dataclass(frozen=True)
class PartnerPrompt:
    """Ask ``discord_user_id`` to confirm ending the match (buttons for ``nudge_id``)."""

    nudge_id: int
    discord_user_id: int
    dm_channel_id: int | None
    dms_closed: bool
    space_id: int | None
    requested_by: str
    person_id: int = 0
    #: with DMs closed, a private thread only they see, not ``space_id``: the space is a mentor's shared pod
    private: bool = False
    #: the person's row carries the closed-DMs mark (a DM that gets through clears it)
    dms_marked: bool = False
    #: who asked, by name: what a private thread may show (a mention there would add the asker to the thread)
    requested_by_name: str = "your partner"


@dataclass
class AnswerResult:
    status: Literal["recorded", "unchanged", "rejected", "unknown"]
    reply: str
    programme: Programme | None = None
    organiser_messages: list[str] = field(default_factory=list)
    ask_partner: PartnerPrompt | None = None
    ended: EndedMatch | None = None


def _mention(person: Person | None) -> str:
    return f"<@{person.discord_user_id}>" if person is not None and person.discord_user_id else "someone who left"


def _zone(profile: Profile | None) -> str:
    return zone_of(profile.answers if profile else None)


def _records(rows: list[Nudge], key_of: dict[int, str]) -> list[rules.NudgeRecord]:
    out = []
    for n in rows:
        if n.kind not in MATCH_KINDS or n.person_id is None or (n.status != NudgeStatus.SENT and n.answer is None):
            continue
        answer = n.answer if n.answer in ("met", "not_yet", "help", "end") else None
        out.append(rules.NudgeRecord(
            nudge_id=require_id(n), person_key=key_of.get(n.person_id, str(n.person_id)), step_key=n.step_key,
            sent_at=n.sent_at or n.due_at, answer=answer, occurrence=n.occurrence,  # type: ignore[arg-type]
            expects_answer=n.kind == NudgeKind.CHECKIN,
        ))
    return out


def organiser_text(notice: rules.NotifyOrganisers, names: Mapping[str, str] | None = None,
                   labels: CheckinButtons | None = None) -> str:
    """The organisers' notice, the pair's history below it (each step by its human name, each answer by the
    button the person pressed)."""
    icon = "🚨" if notice.urgent else "ℹ️"
    history = rules.history_summary(notice.history, names, labels)
    return f"{icon} {notice.message}\nHistory:\n{history}"[:2000] if history else f"{icon} {notice.message}"


