"""A programme's words for its events (development days, webinars, cohort training): what a reminder's buttons
say, what kind of event it is and where, and what people are told when they answer."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the events' words may use (and that the events always fill).
EVENT_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "where_online": ("link",),
    "where_place": ("place",),
    "already_cancelled": ("event",),
    "already_ended": ("event",),
}
#: an event's kinds and the one question's answers, each a word of the table below (``kind_webinar``,
#: ``feedback_very``)
EVENT_KINDS = ("development_day", "webinar", "training")
FEEDBACK_KEYS = ("very", "some", "not")


class EventWords(WordTable):
    """``[events]``: the words around a programme's events. The event's own messages (reminder, start, feedback
    question, cancellation) are the voice's ``event_*``; these are what goes in and around them. The defaults
    are the neutral ones."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = EVENT_PLACEHOLDERS

    #: a reminder's two buttons (Discord: 80 characters a label)
    going_button: str = Field(default="I'll be there", min_length=1, max_length=80)
    not_going_button: str = Field(default="Can't make it", min_length=1, max_length=80)
    #: the feedback question's three answers, most useful first (buttons: 80 characters)
    feedback_very: str = Field(default="Very useful", min_length=1, max_length=80)
    feedback_some: str = Field(default="Somewhat useful", min_length=1, max_length=80)
    feedback_not: str = Field(default="Not very useful", min_length=1, max_length=80)
    #: the reminder's {kind}
    kind_development_day: str = Field(default="development day", min_length=1, max_length=60)
    kind_webinar: str = Field(default="webinar", min_length=1, max_length=60)
    kind_training: str = Field(default="cohort training", min_length=1, max_length=60)
    #: the reminder's and the start's {where}: online ({link}: its link or voice channel), in person ({place})
    where_online: str = Field(default="Join online: {link}", min_length=1, max_length=100)
    where_place: str = Field(default="Where: {place}", min_length=1, max_length=100)
    #: the answer to "I'll be there" / "Can't make it"
    going: str = Field(default="Great — see you there! I'll send you the link when it starts.", min_length=1,
                       max_length=300)
    not_going: str = Field(default="Thanks for letting us know — no more reminders about this one.", min_length=1,
                           max_length=300)
    #: a reminder's button pressed for an event that is gone, by someone not in the programme, for an event
    #: cancelled or over ({event}: its title)
    gone: str = Field(default="This event no longer exists.", min_length=1, max_length=300)
    not_member: str = Field(default="This event is for members of the programme.", min_length=1, max_length=300)
    already_cancelled: str = Field(default="**{event}** has been cancelled.", min_length=1, max_length=300)
    already_ended: str = Field(default="**{event}** has ended.", min_length=1, max_length=300)
    #: the answer to the feedback question: the first, a changed answer, a press by someone else
    feedback_thanks: str = Field(default="Thank you — that helps the organisers plan the next one.", min_length=1,
                                 max_length=300)
    feedback_updated: str = Field(default="Thanks — I've updated your answer.", min_length=1, max_length=300)
    feedback_not_yours: str = Field(default="This question isn't yours to answer.", min_length=1, max_length=300)

    def kind(self, kind: str) -> str:
        """The event's kind in this programme's words (``webinar``)."""
        return str(getattr(self, f"kind_{kind}")) if kind in EVENT_KINDS else kind.replace("_", " ")

    def feedback_labels(self) -> dict[str, str]:
        """The feedback question's answers, by the key each is stored as, most useful first."""
        return {key: getattr(self, f"feedback_{key}") for key in FEEDBACK_KEYS}
