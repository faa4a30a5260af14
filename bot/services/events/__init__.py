"""Programme events: created as Discord Scheduled Events, reminders in each person's daytime (each exactly once),
the link when it starts, attendance (a training event can satisfy a round's prerequisite) and one feedback
question. Discord is behind :class:`EventsPort`."""

from bot.services.events.service import (
    FEEDBACK_ANSWERS,
    EventDelivery,
    EventDraft,
    EventError,
    EventService,
    EventsPort,
    EventSummary,
    voice_channel,
)

__all__ = ["FEEDBACK_ANSWERS", "EventDelivery", "EventDraft", "EventError", "EventService", "EventSummary",
           "EventsPort", "voice_channel"]
