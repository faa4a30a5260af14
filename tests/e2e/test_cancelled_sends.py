"""A scheduled DM cancelled while discord.py waits out a *global* rate limit (the send ran past its share of the
claim's lease) must not leave the bot unable to send anything else: discord.py clears its "global limit over"
flag before that wait and sets it after, so a cancelled wait left every later request of the process waiting."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from bot.services.nudges import marker
from bot.services.nudges.dispatch import NudgeDispatcher
from cogs.nudges._send import DiscordNudgeChannels
from storage.queries import nudges as nq
from tests.support.pairs import dms_of, make_pair

pytestmark = pytest.mark.e2e

GLOBAL_WAIT_S = 30.0  # what Discord tells the bot to wait: longer than the send may take, so the send is cancelled


async def test_a_send_cancelled_during_a_global_rate_limit_does_not_stop_the_next_check_in(nworld: SandboxWorld) -> None:
    bot = nworld.bot
    bot.scheduler.pause()
    bot.services.nudges.stale_after = timedelta(seconds=2)  # a send may take 1 s (5 minutes' lease in production)
    pair = await make_pair(nworld, "Global")
    await bot.services.nudges.plan_match(pair.match_id)
    dispatcher = NudgeDispatcher(bot.services.nudges, bot.services.programmes, nworld.clock, DiscordNudgeChannels(bot))
    mentee_dm = nworld.discord.state.open_dm(pair.mentee.persona.id)
    nworld.discord.faults.rate_limit_next(GLOBAL_WAIT_S, global_=True, method="POST",
                                          path_contains=f"/channels/{mentee_dm.id}/messages")
    nworld.clock.advance(timedelta(days=3, minutes=1))
    await asyncio.wait_for(dispatcher.run(), timeout=15)  # told to wait 30 s: cancelled after 1 s, retried later
    assert nworld.discord.faults.fired, "Discord never told the bot to wait"

    async with bot.sessions() as s:
        due = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id) if n.step_key == "day3-met"]
    mentee_copies = 0
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        nworld.clock.advance(timedelta(hours=1))  # the retry falls due
        await asyncio.wait_for(dispatcher.run(), timeout=15)
        mentee_copies = len([m for m in dms_of(pair.mentee.persona) if any(marker(n.id or 0) in m for n in due)])
        if mentee_copies:
            break
        await asyncio.sleep(0.5)
    assert mentee_copies == 1, "after one cancelled send under a global rate limit the bot never sent the check-in"
