"""The Discord side of ending a match (:class:`bot.services.match_end.MatchSpaces`): tell a person, archive the
pair's space, tell the organisers. Every step is best effort and logged when Discord refuses it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.services.match_end import EndedMatch, Party
from bot.services.programmes import Programme
from cogs.kit.messaging import NO_PINGS, send_privately, tell_organisers
from cogs.matching._rematch import rematch_view

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
ENDED_PREFIX = "ended-"
# what a write whose answer was lost looks like to discord.py (a dropped connection, a timeout)
LOST = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


class DiscordMatchSpaces:
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def tell(self, ended: EndedMatch, party: Party, text: str) -> bool:
        if party.discord_user_id is None:
            return False
        try:
            # closed DMs: their own private thread (beside no space: theirs is being archived, or is a pod they
            # are leaving and its other mentees stay in)
            sent, _ = await send_privately(self.bot, ended.programme, party.person_id, party.discord_user_id,
                                           party.dm_channel_id, party.dms_closed, None,
                                           dms_marked=party.dms_marked, content=text[:2000],
                                           allowed_mentions=NO_PINGS)
        except LOST as exc:
            log.warning("could not tell %s that match %s ended: %s", party.role, ended.match_id, exc)
            return False
        return sent is not None

    async def archive(self, ended: EndedMatch) -> bool:
        if ended.space_id is None:
            return False
        try:
            space = self.bot.get_channel(ended.space_id) or await self.bot.fetch_channel(ended.space_id)
        except discord.NotFound:
            return False  # an organiser deleted it: nothing left to archive
        except discord.HTTPException as exc:
            log.warning("could not find the space of match %s: %s", ended.match_id, exc)
            return False
        if ended.space_shared:  # the mentor's pod, still shared by their other mentees: only this mentee leaves
            return await self._leave_pod(space, ended)
        name = getattr(space, "name", "") or "pair"
        new_name = name if name.startswith(ENDED_PREFIX) else f"{ENDED_PREFIX}{name}"[:100]
        # a mentor's pod is named after the mentor alone: it keeps its name unless the mentor is the one who left
        pod_kept = name.removeprefix(ENDED_PREFIX).startswith("pod-") and ended.subject_person_id != ended.mentor.person_id
        if ended.reason == "left" and not pod_kept:  # a pair's space is named after both: the leaver's name goes
            new_name = f"{ENDED_PREFIX}pair-{ended.match_id}"
        try:
            if isinstance(space, discord.Thread):
                if space.archived:  # idle threads archive themselves; Discord edits one only to unarchive it
                    space = await space.edit(archived=False, reason="match ended")
                if ended.reason == "left":  # a private thread's member list names them too
                    for party in ended.parties:
                        if party.discord_user_id is not None:
                            try:
                                await space.remove_user(discord.Object(id=party.discord_user_id))
                            except discord.NotFound:
                                pass
                await space.edit(name=new_name, archived=True, locked=True, reason="match ended")
            elif isinstance(space, discord.TextChannel):
                for party in ended.parties:  # the pair no longer see it; the organisers still do
                    if party.discord_user_id is not None:
                        await self._remove_overwrite(space.id, party.discord_user_id)
                await space.edit(name=new_name, reason="match ended")
            else:
                return False
        except LOST as exc:
            log.warning("could not archive the space of match %s: %s", ended.match_id, exc)
            return False
        return True

    async def _leave_pod(self, space: object, ended: EndedMatch) -> bool:
        uid = ended.mentee.discord_user_id
        if uid is None:
            return True
        try:
            if isinstance(space, discord.Thread):
                try:
                    await space.remove_user(discord.Object(id=uid))
                except discord.NotFound:
                    pass
            elif isinstance(space, discord.TextChannel):
                await self._remove_overwrite(space.id, uid)
            else:
                return False
        except LOST as exc:
            log.warning("could not take the mentee of match %s out of the pod: %s", ended.match_id, exc)
            return False
        return True

    async def _remove_overwrite(self, channel_id: int, user_id: int) -> None:
        """Delete the member's overwrite; removing one that is already gone is fine, so a try whose answer
        was lost is simply tried again."""
        for attempt in range(3):
            try:
                await self.bot.http.delete_channel_permissions(channel_id, user_id, reason="match ended")
                return
            except discord.NotFound:
                return
            except LOST:
                if attempt == 2:
                    raise

    async def tell_organisers(self, programme: Programme, text: str, *, rematch: tuple[Party, ...] = ()) -> None:
        await tell_organisers(self.bot, programme, text, view=rematch_view(programme.id, rematch))
