"""The Discord side of announcing a pair (the workflow: :class:`bot.services.announcing.Announcements`): create
or find the pair's private space, introduce them there, DM each a link — every message with its marker."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord

from bot.onboarding.safe_text import safe_text
from bot.services.announcing import Space
from bot.services.goals import GoalInvite
from bot.services.matching import Announcement
from bot.services.members import Member
from bot.services.programmes import Programme
from cogs.kit.goals import goals_embed, invite_view
from cogs.kit.messaging import (
    DMS_CLOSED,
    NO_PINGS,
    find_text_channel,
    once_nonce,
    private_thread,
    remember_reach,
    send_privately,
    slug,
)
from cogs.matching._ending import ENDED_PREFIX
from storage.models import SpaceKind

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
ALLOW = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True, attach_files=True,
                                   embed_links=True)


def marker(kind: str, match_id: int) -> str:
    return f"ref {kind}-{match_id}"


def has_marker(content: str, ref: str) -> bool:
    """Whether ``content`` carries exactly ``ref``: ``ref dm5-1`` is not found in a message marked
    ``ref dm5-12`` (match 1's DM must not be skipped because match 12's exists)."""
    return re.search(re.escape(ref) + r"(?![0-9A-Za-z])", content) is not None


class DiscordPairSpaces:
    """The announcer's :class:`~bot.services.announcing.PairSpaces` on the running bot: channels (or private
    threads once channels would hit Discord's limits) whose topic/name carries the pair's reference."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._known: dict[int, discord.TextChannel | discord.Thread] = {}  # spaces found or made by this process

    def can_reach(self, programme: Programme) -> bool:
        return self.bot.get_guild(programme.guild_id) is not None

    def _guild(self, programme: Programme) -> discord.Guild:
        guild = self.bot.get_guild(programme.guild_id)
        if guild is None:
            raise LookupError(f"the guild of {programme.key} is not available")
        return guild

    def _space(self, found: discord.TextChannel | discord.Thread) -> Space:
        self._known[found.id] = found
        return Space(found.id, SpaceKind.THREAD if isinstance(found, discord.Thread) else SpaceKind.CHANNEL)

    async def _channel(self, space_id: int) -> discord.TextChannel | discord.Thread | None:
        found = self._known.get(space_id) or self.bot.get_channel(space_id)
        if found is None:
            try:
                found = await self.bot.fetch_channel(space_id)
            except discord.NotFound:
                return None
        return found if isinstance(found, discord.TextChannel | discord.Thread) else None

    async def find_space(self, programme: Programme, item: Announcement) -> Space | None:
        earlier = await self._find_space(self._guild(programme), programme, item.match_id)
        if isinstance(earlier, discord.Thread):  # the crash may have come before its members were added
            if earlier.archived:  # it archived itself since: members can only be added to an open thread
                earlier = await earlier.edit(archived=False, reason="mentoring pair announced")
            await self._add_members(earlier, item)
        return self._space(earlier) if earlier is not None else None

    async def create_space(self, programme: Programme, item: Announcement) -> Space:
        return self._space(await self._create_space(self._guild(programme), programme, item))

    async def space(self, programme: Programme, space_id: int) -> Space | None:
        found = await self._channel(space_id)
        return self._space(found) if found is not None else None

    async def find_intro(self, space: Space, match_id: int) -> int | None:
        channel = await self._channel(space.id)
        found = await self._find_marker(channel, marker("intro", match_id)) if channel is not None else None
        return found.id if found is not None else None

    async def introduce(self, programme: Programme, space: Space, item: Announcement) -> int:
        channel = await self._channel(space.id)
        if channel is None:
            raise LookupError(f"the space {space.id} is gone")
        return (await self._introduce(programme, channel, item)).id

    async def send_link(self, programme: Programme, person_id: int, user_id: int, partner_name: str, space: Space,
                        match_id: int, *, look_first: bool, dms_closed: bool, dms_marked: bool,
                        goals: GoalInvite | None = None) -> None:
        channel = await self._channel(space.id)
        if channel is None:
            raise LookupError(f"the space {space.id} is gone")
        if dms_closed:  # the introduction in the space already mentions them; the goals invitation is theirs alone
            if goals is not None:
                await self._goals_privately(programme, user_id, partner_name, channel, goals, look_first=look_first)
            return
        reached = await self._dm_link(programme, user_id, partner_name, channel, match_id, look_first=look_first,
                                      goals=goals)
        if dms_marked or not reached:  # open and unmarked (nearly everyone): nothing to remember
            await remember_reach(self.bot, programme, person_id, user_id, reached=reached)

    async def _find_space(self, guild: discord.Guild, programme: Programme,
                          match_id: int) -> discord.TextChannel | discord.Thread | None:
        ref = marker("pair", match_id)
        for channel in guild.text_channels:  # "ref pair-1" must not find the space of match 12
            if channel.topic and has_marker(channel.topic, ref):
                return channel
        for thread in guild.threads:
            if thread.name.endswith(f"#{match_id}"):
                return thread
        return await self._find_archived_thread(guild, programme, match_id)

    async def _find_archived_thread(self, guild: discord.Guild, programme: Programme,
                                    match_id: int) -> discord.Thread | None:
        """A pair thread that archived itself since the interrupted attempt made it: discord.py drops archived
        threads from its cache and a restarted bot never receives them, so Discord's listing of the archived
        private threads the bot has joined (it made them) is asked. An error propagates: the announcement
        is retried later rather than a second space made."""
        parent = find_text_channel(guild, programme.config.spaces.threads_channel)
        if parent is None:
            return None
        async for thread in parent.archived_threads(private=True, joined=True, limit=None):
            if thread.name.endswith(f"#{match_id}"):
                return thread
        return None

    def _use_threads(self, guild: discord.Guild, programme: Programme) -> bool:
        spaces = programme.config.spaces
        if spaces.mode == "threads":
            return True
        if spaces.mode == "channels":
            return False
        return len(guild.channels) >= spaces.max_channels_per_guild

    async def _category(self, guild: discord.Guild, programme: Programme) -> discord.CategoryChannel:
        base = programme.config.spaces.category
        limit = programme.config.spaces.max_channels_per_category
        n = 1
        while True:
            name = base if n == 1 else f"{base} {n}"
            cat = next((c for c in guild.categories if c.name == name), None)
            if cat is None:
                return await guild.create_category(name, overwrites={
                    guild.default_role: discord.PermissionOverwrite(view_channel=False),
                    guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True),
                }, reason="mentoring pair spaces")
            if len(cat.channels) < limit:
                return cat
            n += 1

    async def _add_members(self, thread: discord.Thread, item: Announcement) -> None:
        """Add the pair to their thread (Discord's add is idempotent: adding a member again changes nothing)."""
        for uid in (item.mentor.discord_user_id, item.mentee.discord_user_id):
            if uid:
                await thread.add_user(discord.Object(id=uid))

    async def _create_space(self, guild: discord.Guild, programme: Programme, item: Announcement) -> discord.TextChannel | discord.Thread:
        mid = item.match_id
        name = f"pair-{slug(item.mentor.display_name, 20) or 'member'}-{slug(item.mentee.display_name, 20) or 'member'}"
        users = [u for u in (item.mentor.discord_user_id, item.mentee.discord_user_id) if u]
        return await self._create(guild, programme, name, f"#{mid}", users,
                                  f"{topic(programme, 'space_topic')} · {marker('pair', mid)}")

    async def _create(self, guild: discord.Guild, programme: Programme, name: str, tag: str, users: list[int],
                      topic: str) -> discord.TextChannel | discord.Thread:
        """A private channel (topic carrying the reference) or, past the channel limits, a private thread
        (name ending with ``tag``) that only ``users``, the organisers and the bot see."""
        if self._use_threads(guild, programme):
            parent = find_text_channel(guild, programme.config.spaces.threads_channel)
            if parent is None:
                parent = await guild.create_text_channel(programme.config.spaces.threads_channel,
                                                         reason="parent of mentoring pair threads")
            thread = await parent.create_thread(name=f"{name}"[:90] + f" {tag}", invitable=False,
                                                type=discord.ChannelType.private_thread)
            for uid in users:  # Discord's add is idempotent: adding a member again changes nothing
                await thread.add_user(discord.Object(id=uid))
            return thread
        overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True,
                                                  embed_links=True, attach_files=True),
        }
        role = _organiser_role(guild, programme)
        if role is not None:
            overwrites[role] = ALLOW
        for uid in users:
            member = guild.get_member(uid)
            overwrites[member if member is not None else discord.Object(id=uid)] = ALLOW
        category = await self._category(guild, programme)
        return await guild.create_text_channel(name[:90], category=category, overwrites=overwrites, topic=topic,
                                               reason="mentoring pair confirmed")

    # ---- a mentor's pod (one space with all their mentees) ---------------------------------------------------
    async def find_pod(self, programme: Programme, item: Announcement) -> Space | None:
        guild = self._guild(programme)
        ref, tag = marker("pod", item.mentor.person_id), f"#p{item.mentor.person_id}"
        for channel in guild.text_channels:
            if channel.topic and has_marker(channel.topic, ref) and not channel.name.startswith(ENDED_PREFIX):
                return self._space(channel)
        for thread in guild.threads:
            if thread.name.endswith(tag) and not thread.archived and not thread.locked:
                return self._space(thread)
        return None

    async def reopen_pod(self, programme: Programme, space_id: int, item: Announcement) -> Space | None:
        pid = item.mentor.person_id
        try:  # as it is now (a cached copy may predate its archiving): its name and topic say whose it is
            channel = await self.bot.fetch_channel(space_id)
        except discord.NotFound:
            return None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        name = channel.name.removeprefix(ENDED_PREFIX)
        if isinstance(channel, discord.Thread):
            if not channel.name.endswith(f"#p{pid}"):
                return None  # a pair's thread (from before the programme had pods), not this mentor's pod
            thread = await channel.edit(name=name, archived=False, locked=False,
                                        reason="the mentor's pod, reopened for a new mentee")
            # earlier mentees stayed members of the archived thread: they do not come back with it (organisers
            # see it through Manage Threads; the mentor and the new mentee are added by join_pod)
            keep = {u for u in (self.bot.user.id if self.bot.user else None, item.mentor.discord_user_id,
                                item.mentee.discord_user_id) if u}
            for member in await thread.fetch_members():
                found = thread.guild.get_member(member.id)
                if member.id in keep or (found is not None and found.guild_permissions.manage_threads):
                    continue
                try:
                    await thread.remove_user(discord.Object(id=member.id))
                except discord.NotFound:
                    pass
            reopened: discord.TextChannel | discord.Thread = thread
        else:
            if not (channel.topic and has_marker(channel.topic, marker("pod", pid))):
                return None
            reopened = await channel.edit(name=name, reason="the mentor's pod, reopened for a new mentee")
        return self._space(reopened)

    async def create_pod(self, programme: Programme, item: Announcement) -> Space:
        pid = item.mentor.person_id
        users = [item.mentor.discord_user_id] if item.mentor.discord_user_id else []
        made = await self._create(self._guild(programme), programme, f"pod-{slug(item.mentor.display_name, 30) or 'mentor'}",
                                  f"#p{pid}", users, f"{topic(programme, 'pod_topic')} · {marker('pod', pid)}")
        return self._space(made)

    async def join_pod(self, programme: Programme, space: Space, item: Announcement) -> None:
        channel = await self._channel(space.id)
        if channel is None:
            raise LookupError(f"the pod {space.id} is gone")
        if isinstance(channel, discord.Thread):
            await self._add_members(channel, item)
            return
        for uid in (item.mentor.discord_user_id, item.mentee.discord_user_id):
            if uid:  # an overwrite set again is the same overwrite (type 1: a member)
                allow, deny = ALLOW.pair()
                await self.bot.http.edit_channel_permissions(channel.id, uid, str(allow.value), str(deny.value), 1,
                                                             reason="joined the mentor's pod")

    async def _find_marker(self, channel: discord.abc.Messageable, ref: str) -> discord.Message | None:
        me = self.bot.user
        try:
            async for msg in channel.history(limit=50):
                if me is not None and msg.author.id == me.id and has_marker(msg.content, ref):
                    return msg
        except discord.HTTPException:
            return None
        return None

    async def _introduce(self, programme: Programme, space: discord.TextChannel | discord.Thread,
                         item: Announcement) -> discord.Message:
        mid = item.match_id
        mentor, mentee = item.mentor, item.mentee
        who = [u for u in (mentor.discord_user_id, mentee.discord_user_id) if u]
        text = (
            f"👋 {mention(mentor)}, meet {mention(mentee)}! You're now a {safe_text(programme.config.name, 60)} "
            f"mentoring pair: {mention(mentor)} mentors {mention(mentee)}.\n\n"
            f"**Why you were paired:** {safe_text(item.reasons, 900, one_line=False)}\n\n"
            f"{programme.config.messages().say('first_step', programme=safe_text(programme.config.name, 60))}\n"
            f"-# {marker('intro', mid)}"
        )
        return await self.bot.pacer_send(
            space, content=text[:2000], nonce=once_nonce(marker("intro", mid)),
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(id=u) for u in who], everyone=False,
                                                     roles=False),
        )

    async def _dm_link(self, programme: Programme, user_id: int, partner: str,
                       space: discord.TextChannel | discord.Thread, match_id: int, *, look_first: bool = True,
                       goals: GoalInvite | None = None) -> bool:
        """DM the link (the goals invitation with it for the mentee); False: their DMs refused it (the goals
        invitation then went to their private thread)."""
        ref = marker(f"dm{user_id}", match_id)
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            dm = await self.bot.pacer_create_dm(user)
            if look_first and await self._find_marker(dm, ref) is not None:
                return True
            extra: dict[str, object] = {}
            if goals is not None:  # the mentee: the same message invites them to set the match's goals
                invite = programme.config.messages().say(
                    "goals_invite", partner=safe_text(partner, 60), programme=safe_text(programme.config.name, 60))
                words = programme.config.messages().goals
                extra = {"embed": goals_embed(words.invite_title, goals.suggestions, words, invite),
                         "view": invite_view(match_id, programme.id, goals.suggestions, words)}
            await self.bot.pacer_send(
                dm, content=programme.config.messages().say(
                    "paired_dm", partner=safe_text(partner, 60), programme=safe_text(programme.config.name, 60),
                    space=space.jump_url) + f"\n-# {ref}",
                allowed_mentions=NO_PINGS, nonce=once_nonce(ref), **extra,
            )
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
            # DMs closed: the introduction in the space already mentions them; the goals invitation is theirs alone
            if goals is not None:
                await self._goals_privately(programme, user_id, partner, space, goals, look_first=look_first)
            return False
        return True

    async def _goals_privately(self, programme: Programme, user_id: int, partner: str,
                               space: discord.TextChannel | discord.Thread, goals: GoalInvite, *,
                               look_first: bool) -> None:
        """The mentee's goals invitation with their DMs closed: in their own private thread beside the space
        (:func:`send_privately`), never in the space itself — a mentor's pod is shared by their other mentees."""
        ref = marker("goals", goals.match_id)
        if look_first:
            thread = await private_thread(self.bot, programme, goals.person_id, user_id, space.id, create=False)
            if thread is not None and await self._find_marker(thread, ref) is not None:
                return
        invite = programme.config.messages().say(
            "goals_invite", partner=safe_text(partner, 60), programme=safe_text(programme.config.name, 60))
        words = programme.config.messages().goals
        await send_privately(self.bot, programme, goals.person_id, user_id, None, True, space.id, dms_marked=True,
                             content=f"-# {ref}", nonce=once_nonce(ref),
                             embed=goals_embed(words.invite_title, goals.suggestions, words, invite),
                             view=invite_view(goals.match_id, programme.id, goals.suggestions, words))


def topic(programme: Programme, which: str) -> str:
    """A space's topic in the programme's words (room kept for the marker that follows it)."""
    return programme.config.messages().say(which, programme=programme.config.name)[:900]


def mention(p: Member) -> str:
    return f"<@{p.discord_user_id}>" if p.discord_user_id else safe_text(p.display_name, 60)


def _organiser_role(guild: discord.Guild, programme: Programme) -> discord.Role | None:
    wanted = programme.config.organiser_role
    return next((r for r in guild.roles if str(r.id) == wanted or r.name.lower() == wanted.lower()), None)
