"""A reminder to a quiet pair, in the programme's voice: in their space (mentioning both), else by DM."""

from __future__ import annotations

import logging

import discord

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.services.members import Member
from bot.services.pair_decisions import QuietPair
from bot.services.programmes import Programme
from cogs.kit.messaging import send_dm

log = logging.getLogger(__name__)


def _mention(p: Member) -> str:
    return f"<@{p.discord_user_id}>" if p.discord_user_id else safe_text(p.display_name, 60)


async def remind_pair(bot: MentorBot, programme: Programme, pair: QuietPair) -> bool:
    text = programme.config.messages().say(
        "pair_reminder", mentor=_mention(pair.mentor), mentee=_mention(pair.mentee),
        programme=safe_text(programme.config.name, 60))
    users = [discord.Object(id=p.discord_user_id) for p in (pair.mentor, pair.mentee) if p.discord_user_id]
    mentions = discord.AllowedMentions(users=users, everyone=False, roles=False)
    if pair.space_id is not None:
        try:
            channel = bot.get_channel(pair.space_id) or await bot.fetch_channel(pair.space_id)
            if isinstance(channel, discord.abc.Messageable):
                await bot.pacer_send(channel, content=text, allowed_mentions=mentions)
                return True
        except discord.HTTPException as exc:
            log.info("could not post a reminder in space %s: %s", pair.space_id, exc)
    reached = False
    for p in (pair.mentor, pair.mentee):
        if not p.discord_user_id:
            continue
        try:
            reached = await send_dm(bot, p.discord_user_id, content=text, allowed_mentions=mentions) is not None \
                or reached
        except discord.HTTPException as exc:
            log.info("could not DM a reminder to %s: %s", p.discord_user_id, exc)
    return reached
