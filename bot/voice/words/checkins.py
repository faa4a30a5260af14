"""A programme's words for check-ins: their buttons, the end request, the note form and batched check-ins."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the check-in words may use (and that their sender always fills).
CHECKIN_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "already": ("answer",),
    "end_request": ("partner", "programme"),
    "batch_pick": ("partner",),
    "batch_answered": ("partner", "answer"),
    "batch_ended": ("partner",),
    "batch_goals": ("partner",),
    "batch_earlier": ("first", "last"),
    "batch_later": ("first", "last"),
    "batch_week": ("week",),
    "batch_more": ("count",),
}


class CheckinButtons(WordTable):
    """``[checkin_buttons]``: the labels of a check-in's buttons (Discord: 80 characters each); the answers
    themselves are in ``[replies]``."""


    met: str = Field(default="We've met", min_length=1, max_length=80)
    not_yet: str = Field(default="Not yet", min_length=1, max_length=80)
    help: str = Field(default="We need help", min_length=1, max_length=80)
    end: str = Field(default="End this match", min_length=1, max_length=80)
    #: the partner's two buttons under the end request
    confirm_end: str = Field(default="Yes, end our match", min_length=1, max_length=80)
    keep: str = Field(default="No, let's keep going", min_length=1, max_length=80)
    #: under a check-in / a feedback question: opens a short form
    note: str = Field(default="Add a note", min_length=1, max_length=80)
    feedback: str = Field(default="Write my feedback", min_length=1, max_length=80)

    def label(self, answer: str) -> str:
        """The label of the button giving ``answer`` (an unknown answer: itself)."""
        return str(getattr(self, answer)) if answer in type(self).model_fields else answer


class CheckinWords(WordTable):
    """``[checkin_words]``: the answers to a check-in click that cannot count, the end request put to the
    partner, the note form and a batched check-in's words. The defaults are only for a check-in whose
    programme no longer exists."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = CHECKIN_PLACEHOLDERS

    #: the check-in (or its match) is gone
    gone: str = Field(default="This check-in no longer exists — thanks anyway!", min_length=1, max_length=300)
    #: a forwarded check-in, pressed by someone else
    not_yours: str = Field(default="This check-in was sent to someone else.", min_length=1, max_length=300)
    #: an answer to an end request pressed by someone other than the partner who was asked
    partner_only: str = Field(default="Only the partner of the person who asked to end the match can answer this.",
                              min_length=1, max_length=300)
    #: an answer to an end request that was withdrawn since (the asker answered the check-in again)
    no_end_request: str = Field(default="There is no request to end this match any more.", min_length=1,
                                max_length=300)
    #: the match has ended since
    match_over: str = Field(default="This match has already ended — thank you!", min_length=1, max_length=300)
    #: answered already ({answer}: the earlier answer's button)
    already: str = Field(default="You already answered this one (“{answer}”) — I've kept that.", min_length=1,
                         max_length=300)
    #: "Keep going" pressed again
    already_keep: str = Field(default="You already told me you'd like to keep going.", min_length=1, max_length=300)
    #: the partner's question when the other asked to end the match ({partner}: who asked), with the
    #: confirm_end / keep buttons
    end_request: str = Field(default="{partner} asked to end your {programme} match. Do you agree? If not, tell "
                                     "us and an organiser will help you two.", min_length=1, max_length=900)
    #: the note form: its title and field (Discord: 45 characters each), the thanks, and a note that cannot
    #: be saved (not theirs, or the check-in is gone)
    note_title: str = Field(default="A short note for the organisers", min_length=1, max_length=45)
    note_label: str = Field(default="Your note", min_length=1, max_length=45)
    note_saved: str = Field(default="Thanks — I've passed your note to the organisers.", min_length=1,
                            max_length=300)
    note_refused: str = Field(default="This note can't be saved here.", min_length=1, max_length=300)
    #: a batched check-in (several pairings in one message): each pairing's menu (Discord: 150 characters) …
    batch_pick: str = Field(default="{partner}: how is it going?", min_length=1, max_length=150)
    batch_answered: str = Field(default="{partner}: {answer} ✓", min_length=1, max_length=150)
    batch_ended: str = Field(default="{partner}: this pairing has ended", min_length=1, max_length=150)
    #: … the menu's note entry (100 characters), the answer to anything else picked …
    batch_note: str = Field(default="Add a note for the organisers", min_length=1, max_length=100)
    batch_wrong: str = Field(default="Please pick one of the answers in the list.", min_length=1, max_length=300)
    #: … a pair's goal-progress button, the page buttons (80 characters; {first}–{last}: the pairings shown) …
    batch_goals: str = Field(default="Goal progress: {partner}", min_length=1, max_length=80)
    batch_earlier: str = Field(default="◀ Pairings {first}–{last}", min_length=1, max_length=80)
    batch_later: str = Field(default="Pairings {first}–{last} ▶", min_length=1, max_length=80)
    #: … and each pairing's line in the message: its week, its goals (if set), its answer so far, an ended
    #: pairing, the pairings cut for length ({count}: how many)
    batch_week: str = Field(default="week {week}", min_length=1, max_length=60)
    batch_has_goals: str = Field(default="🎯 goals", min_length=1, max_length=60)
    batch_met: str = Field(default="✅ you've met", min_length=1, max_length=100)
    batch_not_yet: str = Field(default="⏳ not yet", min_length=1, max_length=100)
    batch_help: str = Field(default="🆘 asked for help: the organisers know", min_length=1, max_length=100)
    batch_end: str = Field(default="👋 asked to end: waiting for your partner to confirm", min_length=1,
                           max_length=100)
    batch_over: str = Field(default="this pairing has ended", min_length=1, max_length=100)
    batch_more: str = Field(default="…and {count} more below", min_length=1, max_length=100)
    #: a check-in's {partner} when the partner's name is unknown, and its {space} before the pair's space is made
    your_partner: str = Field(default="your partner", min_length=1, max_length=60)
    no_space: str = Field(default="not set up yet", min_length=1, max_length=100)
