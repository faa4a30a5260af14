"""The local Discord's state and the mutations Discord would make, each emitting its gateway event."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

from bot.clock import Clock, SandboxClock

from . import errors, payloads
from . import permissions as perm
from .limits import Limits
from .model import (
    DISCORD_EPOCH_MS,
    Channel,
    ChannelType,
    Command,
    Guild,
    Interaction,
    Member,
    Message,
    Overwrite,
    Role,
    ScheduledEvent,
    User,
)

JSON = dict[str, Any]
Emit = Callable[[str, JSON, "int | None", "int | None"], None]


APP_GATEWAY_PRESENCE_LIMITED = 1 << 13
APP_GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
APP_GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19


class State:
    """All objects, keyed by id. Mutations validate what Discord validates and call ``emit``."""

    def __init__(self, clock: Clock | None = None, limits: Limits | None = None, bot_name: str = "MentorBot") -> None:
        self.clock: Clock = clock or SandboxClock()
        self.limits = limits or Limits()
        self._seq = itertools.count(1)
        self.emit: Emit = lambda _t, _d, _g, _u: None
        self.cdn_base = ""
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        #: (author id, nonce) -> the message created with it: a create with ``enforce_nonce`` and a nonce seen
        #: within :data:`NONCE_WINDOW` returns that message instead of making another (Discord's idempotency)
        self.nonces: dict[tuple[int, str], int] = {}
        self.commands: dict[int, Command] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id (with the bot)
        self._changed = asyncio.Event()
        owner = self.create_user("SandboxOwner")
        self.app_owner_id = owner.id
        self.bot_user = self.create_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        #: the application's flags: which privileged intents the Developer Portal allows (members and message
        #: content; presence limited). A test clears a bit to play an application without that intent.
        self.application_flags = APP_GATEWAY_MESSAGE_CONTENT_LIMITED | APP_GATEWAY_GUILD_MEMBERS_LIMITED \
            | APP_GATEWAY_PRESENCE_LIMITED
        #: the permissions of the bot's install link (what the README asks for)
        self.install_permissions = perm.DEFAULT_BOT
        #: guilds with more members than this are "large": GUILD_CREATE carries only the bot and the owner and
        #: discord.py asks for the rest in chunks (Discord's ``large_threshold`` is 50..250, default 50)
        self.large_threshold = 250

    # ---- ids, waiting -------------------------------------------------------------------------------
    def next_id(self) -> int:
        ms = int(self.clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._seq) & 0x3FFFFF)

    def notify(self) -> None:
        """Something changed: wake everyone waiting in :meth:`wait_for`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` returns something truthy; return it (TimeoutError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("sandbox: condition not met in time")
            event = self._changed
            try:  # wake on any sandbox change, and poll for conditions held by the bot itself
                await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.05))
            except TimeoutError:
                pass

    # ---- lookups ------------------------------------------------------------------------------------
    def channel(self, channel_id: int | str) -> Channel:
        c = self.channels.get(int(channel_id))
        if c is None:
            raise errors.unknown_channel()
        return c

    def guild(self, guild_id: int | str) -> Guild:
        g = self.guilds.get(int(guild_id))
        if g is None:
            raise errors.unknown_guild()
        return g

    def user(self, user_id: int | str) -> User:
        u = self.users.get(int(user_id))
        if u is None:
            raise errors.unknown_user()
        return u

    def message(self, channel_id: int | str, message_id: int | str) -> Message:
        m = self.messages.get(int(message_id))
        if m is None or m.channel_id != int(channel_id) or m.deleted:
            raise errors.unknown_message()
        return m

    def member_of(self, guild: Guild, user_id: int | str) -> Member:
        m = guild.members.get(int(user_id))
        if m is None:
            raise errors.unknown_member()
        return m

    # ---- permissions --------------------------------------------------------------------------------
    def permissions_in(self, user_id: int, c: Channel) -> int:
        if c.type == ChannelType.DM:
            return perm.ALL if user_id in c.recipients or user_id == self.bot_user.id else 0
        guild = self.guild(c.guild_id or 0)
        return perm.channel_permissions(guild, self.roles, self.channels, c, user_id)

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        return perm.base_permissions(guild, self.roles, user_id)

    def can_view(self, user_id: int, c: Channel) -> bool:
        return bool(self.permissions_in(user_id, c) & perm.VIEW_CHANNEL)

    def require(self, user_id: int, c: Channel, needed: int) -> None:
        perms = self.permissions_in(user_id, c)
        if not perms & perm.VIEW_CHANNEL:
            raise errors.missing_access()
        if not perm.has(perms, needed):
            raise errors.missing_permissions()

    def top_role_position(self, guild: Guild, user_id: int) -> int:
        """The position of a member's highest role (0: only @everyone)."""
        member = guild.members.get(user_id)
        return max((self.roles[r].position for r in member.roles if r in self.roles), default=0) if member else 0

    def require_guild(self, guild: Guild, user_id: int, needed: int) -> None:
        if not perm.has(self.guild_permissions(guild, user_id), needed):
            raise errors.missing_permissions()

    # ---- users, guilds, roles, members --------------------------------------------------------------
    def create_user(self, name: str, *, bot: bool = False, dms_open: bool = True) -> User:
        u = User(id=self.next_id(), username=name.lower().replace(" ", "_"), bot=bot, global_name=name, dms_open=dms_open)
        self.users[u.id] = u
        return u

    def create_guild(self, name: str, owner: User | None = None, *, bot_permissions: int = perm.DEFAULT_BOT,
                     general: bool = True) -> Guild:
        now = self.clock.now()
        owner_id = owner.id if owner else self.app_owner_id
        g = Guild(id=self.next_id(), name=name, owner_id=owner_id, created_at=now)
        self.guilds[g.id] = g
        self.roles[g.id] = Role(id=g.id, guild_id=g.id, name="@everyone", permissions=perm.DEFAULT_EVERYONE)
        g.roles.append(g.id)
        g.members[owner_id] = Member(user_id=owner_id, guild_id=g.id, joined_at=now)
        bot_role = Role(id=self.next_id(), guild_id=g.id, name=self.bot_user.global_name or "bot",
                        permissions=bot_permissions, position=1, managed=True)
        self.roles[bot_role.id] = bot_role
        g.roles.append(bot_role.id)
        g.members[self.bot_user.id] = Member(user_id=self.bot_user.id, guild_id=g.id, joined_at=now, roles=[bot_role.id])
        if general:  # like a new Discord server: one #general everyone can see
            c = Channel(id=self.next_id(), type=ChannelType.GUILD_TEXT, guild_id=g.id, name="general", created_at=now)
            self.channels[c.id] = c
            g.channels.append(c.id)
        self.emit("GUILD_CREATE", payloads.guild_create(self, g), g.id, None)
        self.notify()
        return g

    def create_role(self, guild: Guild, name: str, *, permissions: int = 0, color: int = 0,
                    hoist: bool = False, mentionable: bool = False, bottom: bool = False) -> Role:
        """A role at the top (as an owner sets a server up), or, ``bottom=True``, where Discord puts a role
        created through the API: position 1, just above @everyone, the others moving up."""
        if bottom:
            for rid in guild.roles:
                if rid != guild.id:
                    self.roles[rid].position += 1
        r = Role(id=self.next_id(), guild_id=guild.id, name=name, permissions=permissions, color=color,
                 hoist=hoist, mentionable=mentionable, position=1 if bottom else len(guild.roles))
        self.roles[r.id] = r
        guild.roles.append(r.id)
        self.emit("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": payloads.role(r)}, guild.id, None)
        self.notify()
        return r

    def add_member(self, guild: Guild, u: User, roles: list[int] | None = None, *, announce: bool = True) -> Member:
        """``announce=False``: a join no bot session receives (a shard that was down when it happened; here,
        as well, a join whose event a bot process read and died with)."""
        if u.id in guild.members:
            return guild.members[u.id]
        m = Member(user_id=u.id, guild_id=guild.id, joined_at=self.clock.now(), roles=list(roles or []))
        guild.members[u.id] = m
        data = payloads.member(self, m)
        data["guild_id"] = str(guild.id)
        if announce:
            self.emit("GUILD_MEMBER_ADD", data, guild.id, u.id)
        self.notify()
        return m

    def remove_member(self, guild: Guild, u: User) -> None:
        if guild.members.pop(u.id, None) is None:
            return
        for e in guild.scheduled_events.values():  # a member who leaves is no longer interested
            e.interested.pop(u.id, None)
        for t in guild.threads:
            self.channels[t].thread_members.discard(u.id)
        self.emit("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": payloads.user(u)}, guild.id, u.id)
        self.notify()

    def add_member_role(self, guild: Guild, user_id: int, role_id: int) -> Member:
        m = self.member_of(guild, user_id)
        if role_id not in self.roles or self.roles[role_id].guild_id != guild.id:
            raise errors.unknown_role()
        if role_id not in m.roles:
            m.roles.append(role_id)
            self._member_update(guild, m)
        return m

    def remove_member_role(self, guild: Guild, user_id: int, role_id: int) -> Member:
        m = self.member_of(guild, user_id)
        if role_id in m.roles:
            m.roles.remove(role_id)
            self._member_update(guild, m)
        return m

    def _member_update(self, guild: Guild, m: Member) -> None:
        data = payloads.member(self, m)
        data["guild_id"] = str(guild.id)
        self.emit("GUILD_MEMBER_UPDATE", data, guild.id, m.user_id)
        self.notify()

    # ---- channels, overwrites, threads --------------------------------------------------------------
    def create_channel(self, guild: Guild, name: str, *, type: int = ChannelType.GUILD_TEXT,
                       parent_id: int | None = None, overwrites: list[Overwrite] | None = None,
                       topic: str | None = None, position: int | None = None) -> Channel:
        if type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_VOICE, ChannelType.GUILD_CATEGORY):
            raise errors.form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of {0, 2, 4}.")
        if len(guild.channels) >= self.limits.max_guild_channels:
            raise errors.ApiError(
                400, 30013, f"Maximum number of guild channels reached ({self.limits.max_guild_channels})"
            )
        if parent_id is not None:
            parent = self.channels.get(parent_id)
            if parent is None or parent.guild_id != guild.id or parent.type != ChannelType.GUILD_CATEGORY:
                raise errors.form_error(["parent_id"], "CHANNEL_PARENT_INVALID", "Invalid category")
            if type == ChannelType.GUILD_CATEGORY:
                raise errors.form_error(["parent_id"], "CHANNEL_PARENT_INVALID_TYPE", "Categories cannot have parents")
            children = sum(1 for c in guild.channels if self.channels[c].parent_id == parent_id)
            if children >= self.limits.max_category_channels:
                raise errors.form_error(
                    ["parent_id"], "CHANNEL_PARENT_MAX_CHANNELS",
                    f"Maximum number of channels in category reached ({self.limits.max_category_channels})",
                )
            if overwrites is None:  # a new channel in a category starts synced with it
                overwrites = [Overwrite(o.id, o.type, o.allow, o.deny) for o in parent.overwrites.values()]
        c = Channel(id=self.next_id(), type=type, guild_id=guild.id, name=name, parent_id=parent_id,
                    topic=topic, created_at=self.clock.now(),
                    position=position if position is not None else len(guild.channels))
        for ow in overwrites or []:
            c.overwrites[ow.id] = ow
        self.channels[c.id] = c
        guild.channels.append(c.id)
        self._emit_channel("CHANNEL_CREATE", c)
        return c

    def _emit_channel(self, event: str, c: Channel) -> None:
        if c.guild_id is not None and self.can_view(self.bot_user.id, c):
            self.emit(event, payloads.channel(self, c), c.guild_id, None)
        self.notify()

    def set_overwrite(self, c: Channel, ow: Overwrite) -> None:
        c.overwrites[ow.id] = ow
        self._emit_channel("CHANNEL_UPDATE", c)

    def delete_overwrite(self, c: Channel, target_id: int) -> None:
        c.overwrites.pop(target_id, None)
        self._emit_channel("CHANNEL_UPDATE", c)

    def delete_channel(self, c: Channel) -> None:
        guild = self.guild(c.guild_id or 0)
        data = payloads.channel(self, c)
        visible = self.can_view(self.bot_user.id, c)
        if c.id in guild.channels:
            guild.channels.remove(c.id)
        if c.id in guild.threads:
            guild.threads.remove(c.id)
        del self.channels[c.id]
        if visible:
            self.emit("THREAD_DELETE" if c.type in ChannelType.THREADS else "CHANNEL_DELETE", data, guild.id, None)
        self.notify()

    def create_thread(self, parent: Channel, name: str, *, type: int, owner_id: int, invitable: bool = True,
                      auto_archive_duration: int = 4320) -> Channel:
        if parent.type != ChannelType.GUILD_TEXT or parent.guild_id is None:
            raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
        guild = self.guild(parent.guild_id)
        now = self.clock.now()
        c = Channel(id=self.next_id(), type=type, guild_id=guild.id, name=name, parent_id=parent.id,
                    owner_id=owner_id, created_at=now, invitable=invitable,
                    auto_archive_duration=auto_archive_duration, archive_timestamp=now, last_activity=now)
        self.channels[c.id] = c
        guild.threads.append(c.id)
        c.thread_members.add(owner_id)
        c.thread_joined[owner_id] = self.clock.now()
        data = payloads.channel(self, c)
        data["newly_created"] = True
        if owner_id == self.bot_user.id:
            data["member"] = payloads.thread_member(c, owner_id)
        if self.can_view(self.bot_user.id, c):
            self.emit("THREAD_CREATE", data, guild.id, None)
        self.notify()
        return c

    def set_archived(self, c: Channel, archived: bool) -> None:
        """Archive or unarchive a thread (THREAD_UPDATE to those who can see it)."""
        if c.archived == archived:
            return
        c.archived = archived
        c.archive_timestamp = self.clock.now()
        if not archived:
            c.last_activity = c.archive_timestamp
        self._emit_channel("THREAD_UPDATE", c)

    def archive_idle_threads(self) -> list[Channel]:
        """Threads archive themselves after ``auto_archive_duration`` minutes without activity (sandbox clock)."""
        now = self.clock.now()
        archived: list[Channel] = []
        for guild in self.guilds.values():
            for tid in guild.threads:
                c = self.channels[tid]
                since = c.last_activity or c.created_at or now
                if not c.archived and (now - since).total_seconds() >= c.auto_archive_duration * 60:
                    self.set_archived(c, True)
                    archived.append(c)
        return archived

    def thread_activity(self, c: Channel, author_id: int) -> None:
        """A message in a thread: an archived thread reopens (a locked one only for Manage Threads)."""
        if c.type not in ChannelType.THREADS:
            return
        if c.archived:
            if c.locked and not perm.has(self.permissions_in(author_id, c), perm.MANAGE_THREADS):
                raise errors.thread_archived()
            self.set_archived(c, False)
        c.last_activity = self.clock.now()

    def add_thread_member(self, c: Channel, user_id: int) -> None:
        guild = self.guild(c.guild_id or 0)
        self.member_of(guild, user_id)
        if user_id in c.thread_members:
            return
        c.thread_members.add(user_id)
        c.thread_joined[user_id] = self.clock.now()
        tm = payloads.thread_member(c, user_id)
        tm["member"] = payloads.member(self, guild.members[user_id])
        data = {"id": str(c.id), "guild_id": str(guild.id), "member_count": len(c.thread_members),
                "added_members": [tm]}
        self.emit("THREAD_MEMBERS_UPDATE", data, guild.id, user_id)
        self.notify()

    def remove_thread_member(self, c: Channel, user_id: int) -> None:
        guild = self.guild(c.guild_id or 0)
        if user_id not in c.thread_members:
            raise errors.unknown_member()
        c.thread_members.discard(user_id)
        c.thread_joined.pop(user_id, None)
        data = {"id": str(c.id), "guild_id": str(guild.id), "member_count": len(c.thread_members),
                "removed_member_ids": [str(user_id)]}
        self.emit("THREAD_MEMBERS_UPDATE", data, guild.id, user_id)
        self.notify()

    def open_dm(self, user_id: int) -> Channel:
        u = self.user(user_id)
        existing = self.dm_channels.get(u.id)
        if existing is not None:
            return self.channels[existing]
        c = Channel(id=self.next_id(), type=ChannelType.DM, recipients=[u.id], created_at=self.clock.now())
        self.channels[c.id] = c
        self.dm_channels[u.id] = c.id
        self.notify()
        return c

    # ---- scheduled events -------------------------------------------------------------------------
    def scheduled_event(self, guild: Guild, event_id: int | str) -> ScheduledEvent:
        e = guild.scheduled_events.get(int(event_id))
        if e is None:
            raise errors.unknown("Guild Scheduled Event", 10070)
        return e

    def create_scheduled_event(self, guild: Guild, e: ScheduledEvent) -> ScheduledEvent:
        guild.scheduled_events[e.id] = e
        self.emit("GUILD_SCHEDULED_EVENT_CREATE", payloads.scheduled_event(self, e), guild.id, None)
        self.notify()
        return e

    def update_scheduled_event(self, guild: Guild, e: ScheduledEvent) -> None:
        self.emit("GUILD_SCHEDULED_EVENT_UPDATE", payloads.scheduled_event(self, e), guild.id, None)
        self.notify()

    def delete_scheduled_event(self, guild: Guild, e: ScheduledEvent) -> None:
        guild.scheduled_events.pop(e.id, None)
        self.emit("GUILD_SCHEDULED_EVENT_DELETE", payloads.scheduled_event(self, e), guild.id, None)
        self.notify()

    def set_interested(self, guild: Guild, event_id: int, user_id: int, interested: bool) -> None:
        """A member marks (or unmarks) "Interested" in Discord's client: USER_ADD / USER_REMOVE."""
        e = self.scheduled_event(guild, event_id)
        self.member_of(guild, user_id)
        if interested == (user_id in e.interested):
            return
        if interested:
            if e.status not in (1, 2):
                raise errors.ApiError(400, 180000, "Cannot subscribe to a finished or canceled event")
            e.interested[user_id] = self.clock.now()
        else:
            e.interested.pop(user_id, None)
        data = {"guild_scheduled_event_id": str(e.id), "user_id": str(user_id), "guild_id": str(guild.id)}
        self.emit("GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
                  data, guild.id, user_id)
        self.notify()

    def complete_due_events(self) -> list[ScheduledEvent]:
        """External events end on their own at their scheduled end time (Discord completes them)."""
        now = self.clock.now()
        done: list[ScheduledEvent] = []
        for guild in self.guilds.values():
            for e in list(guild.scheduled_events.values()):
                if e.status == 2 and e.entity_type == 3 and e.scheduled_end_time and e.scheduled_end_time <= now:
                    e.status = 3
                    self.update_scheduled_event(guild, e)
                    done.append(e)
        return done

    # ---- commands -----------------------------------------------------------------------------------
    def overwrite_commands(self, guild_id: int | None, bodies: list[JSON]) -> list[Command]:
        existing = {(c.name, c.raw.get("type", 1)): c for c in self.commands.values() if c.guild_id == guild_id}
        kept: list[Command] = []
        for body in bodies:
            if not isinstance(body, dict) or "name" not in body:
                raise errors.form_error([len(kept), "name"], "BASE_TYPE_REQUIRED", "This field is required")
            key = (body["name"], body.get("type", 1))
            old = existing.pop(key, None)
            cmd = Command(id=old.id if old else self.next_id(), application_id=self.application_id,
                          name=body["name"], guild_id=guild_id, raw=body, version=self.next_id())
            self.commands[cmd.id] = cmd
            kept.append(cmd)
        for gone in existing.values():
            del self.commands[gone.id]
        self.notify()
        return kept

    def find_command(self, name: str, guild_id: int | None) -> Command | None:
        for c in self.commands.values():
            if c.name == name and c.raw.get("type", 1) == 1 and c.guild_id == guild_id:
                return c
        for c in self.commands.values():
            if c.name == name and c.raw.get("type", 1) == 1 and c.guild_id is None:
                return c
        return None
