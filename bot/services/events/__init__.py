"""Programme events: created as Discord Scheduled Events, reminders in each person's daytime (each exactly once),
the link when it starts, attendance (a training event can satisfy a round's prerequisite) and one feedback
question. Discord is behind :class:`EventsPort`.

A paused person gets no reminder and no "starting now" link: none is planned for them while paused, and one
planned before the pause is held back when it falls due. When they are back (the pause ran out or they resumed),
the reminder point whose window is still open is planned for their next daytime moment — once, the held-back row
itself — and the later points follow as usual; points whose windows closed during the pause are not caught up,
and an event that happened during the pause is simply never mentioned. A cancellation notice and the feedback
question (after attendance was marked) still reach them."""

from bot.services.events.port import EventDelivery, EventsPort, voice_channel
from bot.services.events.service import FEEDBACK_ANSWERS, EventDraft, EventError, EventService, EventSummary

__all__ = ["FEEDBACK_ANSWERS", "EventDelivery", "EventDraft", "EventError", "EventService", "EventSummary",
           "EventsPort", "voice_channel"]
