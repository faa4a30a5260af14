"""Whether to try a person's DMs: closed DMs are remembered, but not forever. No discord import.

When a person's DMs are found closed (Discord's 403), their messages go elsewhere — a private thread only they
see, or for a check-in their pair's space — and the organisers are told once. People do open their DMs again,
so once :data:`RETRY_AFTER` has passed since the DMs were last found closed, the next message tries the DM
first: if it gets through, the flag is cleared and the organisers told once; if it is refused, the message goes
where it always went and the DM waits another :data:`RETRY_AFTER`. That is at most one refused DM a week per
person: Discord treats a bot whose DMs keep failing as a spammer. A person who writes to the bot in its DMs
has their DMs tried at their very next message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.programmes import Programme
from storage.models import Person

RETRY_AFTER = timedelta(days=7)


def dms_closed_now(person: Person, now: datetime) -> bool:
    """True: skip the DM and go straight to the fallback (their DMs were found closed less than
    :data:`RETRY_AFTER` ago). False: try the DM — open, or closed long enough ago to try again."""
    if not person.dms_closed:
        return False
    return person.dms_closed_at is not None and now - person.dms_closed_at < RETRY_AFTER


def reopened_notice(programme: Programme, discord_user_id: int | None) -> str:
    """What the organisers are told, once, when DMs found closed reach the person again, in the programme's
    voice (``dms_reopened``)."""
    return programme.config.messages().say("dms_reopened", person=f"<@{discord_user_id}>",
                                           programme=programme.config.name)
