"""A reminder to a quiet pair, in the programme's voice: in their own space (mentioning both), else — no space, a
space that is gone, or a mentor's pod shared with their other mentees — to each of them privately: by DM, or with
DMs closed in their own private thread (:func:`send_privately_to`; a pod's members get theirs in the pod's
channel, where their check-ins go too)."""

from __future__ import annotations

import logging

import discord

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.services.members import Member
from bot.services.pair_decisions import QuietPair
from bot.services.programmes import Programme
from cogs.kit.messaging import NO_PINGS, send_privately_to

log = logging.getLogger(__name__)


def _mention(p: Member) -> str:
    return f"<@{p.discord_user_id}>" if p.discord_user_id else safe_text(p.display_name, 60)


async def remind_pair(bot: MentorBot, programme: Programme, pair: QuietPair) -> list[Member]:
    """Remind the pair; who of the two nothing reached (empty: the reminder reached both)."""
    voice, name = programme.config.messages(), safe_text(programme.config.name, 60)
    if pair.space_id is not None and not pair.shared:
        text = voice.say("pair_reminder", mentor=_mention(pair.mentor), mentee=_mention(pair.mentee), programme=name)
        users = [discord.Object(id=p.discord_user_id) for p in (pair.mentor, pair.mentee) if p.discord_user_id]
        try:
            channel = bot.get_channel(pair.space_id) or await bot.fetch_channel(pair.space_id)
            if isinstance(channel, discord.abc.Messageable):
                await bot.pacer_send(channel, content=text,
                                     allowed_mentions=discord.AllowedMentions(users=users, everyone=False, roles=False))
                return []
        except discord.HTTPException as exc:
            log.info("could not post a reminder in space %s: %s", pair.space_id, exc)
    # each alone: the two are named, not mentioned (a mention in one's private thread would add the other to it)
    text = voice.say("pair_reminder", mentor=safe_text(pair.mentor.display_name, 60),
                     mentee=safe_text(pair.mentee.display_name, 60), programme=name)
    missed = []
    for p, who in ((pair.mentor, pair.mentor_reach), (pair.mentee, pair.mentee_reach)):
        sent = None
        if who is not None:
            try:
                sent, _ = await send_privately_to(bot, programme, who, pair.space_id if pair.shared else None,
                                                  content=text, allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:
                log.info("could not send a reminder to %s: %s", p.discord_user_id, exc)
        if sent is None:
            missed.append(p)
    return missed
