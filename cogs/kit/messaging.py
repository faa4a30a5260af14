"""Getting words to people: a DM with the closed-DM fallback, notices to the organisers, no pings by default.

Every message the bot sends goes through ``bot.pacer_send`` (paced like every request; a 429 pauses every sender).
discord.py sends every message with a nonce and ``enforce_nonce``, so its own retry after a 5xx returns the
message the first try made; a message that must exist once (a nudge, an introduction) carries a nonce derived
from its reference (:func:`once_nonce`), so the bot's own retries — or another process that took the work over —
get the same message back within Discord's few minutes instead of sending a second.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.services.dm_reach import Recipient
from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)

#: What every message allows by default: nobody is pinged (pair introductions name their two members).
NO_PINGS = discord.AllowedMentions.none()
#: Discord's error code for "Cannot send messages to this user" (closed DMs).
DMS_CLOSED = 50007


@dataclass
class Outgoing:
    """One message to send: its text, and optionally an embed and components."""

    content: str
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"content": self.content[:2000], "embed": self.embed, "view": self.view, "allowed_mentions": NO_PINGS}


def once_nonce(ref: str) -> str:
    """The nonce of the message carrying ``ref`` (a marker such as ``ref:n12``): always the same for the same
    reference, 20 characters (Discord allows 25). Sent with ``enforce_nonce`` (discord.py adds it), a create
    repeated within a few minutes returns the message made the first time."""
    return hashlib.blake2b(ref.encode(), digest_size=10).hexdigest()


def slug(text: str, limit: int = 40) -> str:
    """Lower-case letters and digits joined by '-' (channel names, programme keys); '' when nothing is left."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def mention_user(user_id: int) -> discord.AllowedMentions:
    """Allow pinging exactly this one member (a message that must reach them in a shared channel)."""
    return discord.AllowedMentions(users=[discord.Object(id=user_id)], everyone=False, roles=False)


def find_text_channel(guild: discord.Guild, name_or_id: str) -> discord.TextChannel | None:
    """A text channel named in config by name or id."""
    if name_or_id.isdigit():
        channel = guild.get_channel(int(name_or_id))
        return channel if isinstance(channel, discord.TextChannel) else None
    wanted = name_or_id.lstrip("#").lower()
    return next((c for c in guild.text_channels if c.name.lower() == wanted), None)


async def guild_text_channel(bot: MentorBot, guild_id: int, name_or_id: str) -> discord.abc.Messageable | None:
    """A guild's text channel by name or id, also from a process of a sharded cluster whose shards do not
    include that guild (it is not in this process's cache: asked over REST)."""
    guild = bot.get_guild(guild_id)
    if guild is not None:
        return find_text_channel(guild, name_or_id)
    try:
        channels = await bot.http.get_all_guild_channels(guild_id)
    except discord.HTTPException as exc:
        log.warning("could not list the channels of guild %s: %s", guild_id, exc)
        return None
    wanted = name_or_id.lstrip("#").lower()
    for data in channels:
        if int(data.get("type", -1)) == 0 and (str(data["id"]) == name_or_id or str(data.get("name", "")).lower() == wanted):
            return bot.get_partial_messageable(int(data["id"]), guild_id=guild_id)
    return None


async def tell_organisers(bot: MentorBot, programme: Programme, text: str, view: discord.ui.View | None = None) -> bool:
    """Post in the programme's organisers (leads) channel without pinging anyone; ``True`` when posted.
    Works from any process of a sharded cluster (the poller runs wherever its advisory lock is free)."""
    channel = await guild_text_channel(bot, programme.guild_id, programme.config.leads_channel)
    if channel is None:
        log.warning("no organisers channel %r for %s: %s", programme.config.leads_channel, programme.key, text)
        return False
    try:
        await bot.pacer_send(channel, content=text[:2000], allowed_mentions=NO_PINGS,
                             **({"view": view} if view is not None else {}))
    except discord.HTTPException as exc:
        log.warning("could not tell organisers of %s: %s", programme.key, exc)
        return False
    return True


def messageable(bot: MentorBot, channel_id: int, dm: bool = False) -> discord.abc.Messageable:
    """A channel to send to by id, from the cache or as a partial (no request)."""
    found = bot.get_channel(channel_id)
    if isinstance(found, discord.abc.Messageable):
        return found
    kind = discord.ChannelType.private if dm else None
    return bot.get_partial_messageable(channel_id, type=kind)


async def open_dm(bot: MentorBot, user_id: int, known: int | None = None) -> discord.abc.Messageable:
    """The DM channel with a person: the remembered one, else opened (paced)."""
    if known is not None:
        return messageable(bot, known, dm=True)
    user = bot.get_user(user_id) or await bot.fetch_user(user_id)
    return await bot.pacer_create_dm(user)


async def send_to_person(
    bot: MentorBot, user_id: int, known_dm: int | None, dms_closed: bool, space_id: int | None, **kwargs: Any
) -> discord.Message | None:
    """DM ``user_id`` (paced); on closed DMs post in the pair's space with a mention. None: unreachable.
    Returns the message; raises other HTTP errors."""
    if not dms_closed:
        try:
            try:
                return await bot.pacer_send(await open_dm(bot, user_id, known_dm), **kwargs)
            except discord.NotFound:
                if known_dm is None:
                    raise
                # the remembered DM channel is gone
                return await bot.pacer_send(await open_dm(bot, user_id), **kwargs)
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
    if space_id is None:
        return None
    content = f"<@{user_id}> (your DMs are closed, so here it is in your shared space)\n{kwargs.pop('content', '')}"
    kwargs["allowed_mentions"] = mention_user(user_id)
    return await bot.pacer_send(messageable(bot, space_id), content=content[:2000], **kwargs)


def _private_tag(person_id: int) -> str:
    return f"#u{person_id}"


async def _text_channel(bot: MentorBot, channel_id: int) -> discord.TextChannel | None:
    """A text channel by id — a thread's parent for a thread — from the cache or, in a process whose shards do
    not hold its guild, over REST."""
    found = bot.get_channel(channel_id)
    if found is None:
        try:
            found = await bot.fetch_channel(channel_id)
        except (discord.HTTPException, discord.InvalidData) as exc:
            log.warning("could not fetch channel %s: %s", channel_id, exc)
            return None
    if isinstance(found, discord.Thread):
        return await _text_channel(bot, found.parent_id) if found.parent_id else None
    return found if isinstance(found, discord.TextChannel) else None


async def _thread_parent(bot: MentorBot, programme: Programme, near: int | None) -> discord.TextChannel | None:
    """Where a person's private thread lives: the channel of their space (a pod's channel; a thread space's
    parent), else the programme's onboarding channel (where a closed-DM interview happens too)."""
    found = await _text_channel(bot, near) if near is not None else None
    if found is not None:
        return found
    onboarding = await guild_text_channel(bot, programme.guild_id, programme.config.onboarding_channel)
    if isinstance(onboarding, discord.TextChannel) or onboarding is None:
        return onboarding
    return await _text_channel(bot, getattr(onboarding, "id", 0))


async def in_server(bot: MentorBot, guild_id: int, user_id: int) -> bool:
    """Whether the person is a member of the server (the member cache; asked over REST when they are not in it —
    a process that does not hold the guild, or a cache not filled yet)."""
    guild = bot.get_guild(guild_id)
    if guild is not None and guild.get_member(user_id) is not None:
        return True
    try:
        await bot.http.get_member(guild_id, user_id)
    except discord.NotFound:
        return False
    return True


async def private_thread(bot: MentorBot, programme: Programme, person_id: int, user_id: int, near: int | None,
                         *, create: bool) -> discord.abc.Messageable | None:
    """The person's own private thread (name ending ``#u<person id>``): only they, the bot and the organisers
    (Manage Threads) see it. Found again over REST — also from a process that does not hold the guild, and once
    archived — before one is made; ``create`` makes it when missing (the person added), else None. None too for
    someone who is not (or no longer) a member of the server: no thread can reach them."""
    parent = await _thread_parent(bot, programme, near)
    if parent is None:
        return None
    if create and not await in_server(bot, parent.guild.id, user_id):
        return None
    tag = _private_tag(person_id)
    active = await bot.http.get_active_threads(parent.guild.id)
    for data in active.get("threads", []):
        if str(data.get("parent_id")) == str(parent.id) and str(data.get("name", "")).endswith(tag):
            return bot.get_partial_messageable(int(data["id"]), guild_id=parent.guild.id)
    async for thread in parent.archived_threads(private=True, joined=True, limit=None):
        if thread.name.endswith(tag):
            return await thread.edit(archived=False) if create else thread
    if not create:
        return None
    thread = await parent.create_thread(name=f"just for you {tag}", type=discord.ChannelType.private_thread,
                                        invitable=False)
    await thread.add_user(discord.Object(id=user_id))
    return thread


async def send_privately(bot: MentorBot, programme: Programme, person_id: int, user_id: int, known_dm: int | None,
                         dms_closed: bool, near: int | None, *, dms_marked: bool, about: str | None = None,
                         **kwargs: Any) -> tuple[discord.Message | None, bool]:
    """A one-off message only the person may see (:func:`reach_privately`), and what it learnt about their DMs
    remembered (:class:`bot.services.dm_reach.DmReach`): a refused DM marks them closed, a DM that got through
    clears a closed mark; the organisers hear of either change once. ``dms_closed``: the reach rule's answer
    (:func:`bot.services.dm_reach.dms_closed_now`) — True goes straight to the thread. ``dms_marked``: whether the
    person's row carried the closed mark when the caller read it (``Person.dms_closed``, also when the mark is old
    enough to try the DM again): a DM that gets through to someone unmarked has nothing to clear, so it costs no
    database write. ``about``: what the message was for, told to the organisers when nothing could reach the
    person (no DM, no private thread); None: the caller reports it. Returns the message (None: unreachable) and
    whether it had to go to the thread. Raises other HTTP errors."""
    msg, fell_back = await reach_privately(bot, programme, person_id, user_id, known_dm, dms_closed, near, **kwargs)
    # someone who left the server: Discord refuses their DM for that alone (no server in common), not a closed DM
    gone = msg is None and not await in_server(bot, programme.guild_id, user_id)
    if not dms_closed and (fell_back or dms_marked) and not gone:
        await remember_reach(bot, programme, person_id, user_id, reached=not fell_back)
    if msg is None and about is not None:
        await tell_organisers(bot, programme, unreachable_notice(user_id, about, left=gone))
    return msg, fell_back


async def send_privately_to(bot: MentorBot, programme: Programme, who: Recipient, near: int | None, *,
                            about: str | None = None, **kwargs: Any) -> tuple[discord.Message | None, bool]:
    """:func:`send_privately` to a person as a service read them (:class:`bot.services.dm_reach.Recipient`)."""
    return await send_privately(bot, programme, who.person_id, who.discord_user_id, who.dm_channel_id,
                                who.dms_closed, near, dms_marked=who.dms_marked, about=about, **kwargs)


def unreachable_notice(user_id: int, about: str, *, left: bool = False) -> str:
    """What the organisers are told when a message for one person reached them nowhere (``about``: what it was
    for, e.g. "with a survey"; ``left``: they are not in the server, where their private thread would be)."""
    if left:
        return (f"⚠️ I can't reach <@{user_id}> {about}: they are not in the server, so neither a DM nor a private "
                "thread reaches them.")
    return (f"⚠️ I can't reach <@{user_id}> {about}: their DMs are closed and I could not open a private thread "
            "for them.")


async def remember_reach(bot: MentorBot, programme: Programme, person_id: int, user_id: int, *, reached: bool) -> None:
    """A DM was tried outside the scheduled dispatcher: remember whether it got through (refused: marked closed;
    through: a closed mark cleared) and tell the organisers of a change, once."""
    reach = bot.services.dm_reach
    notice = await (reach.reached if reached else reach.refused)(programme, person_id, user_id)
    if notice is not None:
        await tell_organisers(bot, programme, notice)


async def reach_privately(bot: MentorBot, programme: Programme, person_id: int, user_id: int, known_dm: int | None,
                          dms_closed: bool, near: int | None, **kwargs: Any) -> tuple[discord.Message | None, bool]:
    """DM ``user_id`` (paced); on closed DMs post in their own private thread (see :func:`private_thread`) with a
    mention, so nobody else in a shared space sees it. Returns the message (None: unreachable) and whether it
    had to go to the thread. Raises other HTTP errors. Remembers nothing: for the scheduled messages, whose
    dispatcher records what the send learnt (:mod:`bot.services.scheduled_dms`); others use
    :func:`send_privately`."""
    if not dms_closed:
        msg = await send_to_person(bot, user_id, known_dm, False, None, **kwargs)
        if msg is not None:
            return msg, False
    thread = await private_thread(bot, programme, person_id, user_id, near, create=True)
    if thread is None:
        return None, True
    content = f"<@{user_id}> (your DMs are closed, so here it is in a thread only you can see)\n" \
              f"{kwargs.pop('content', '')}"
    kwargs["allowed_mentions"] = mention_user(user_id)
    return await bot.pacer_send(thread, content=content[:2000], **kwargs), True


async def find_by_markers(bot: MentorBot, channels: list[discord.abc.Messageable], markers: dict[str, int],
                          limit: int = 50) -> Posted | None:
    """The bot's recent message in ``channels`` carrying any of ``markers`` (marker -> row id), with every row
    it carries; None when there is none (or a channel cannot be read: logged)."""
    me = bot.user.id if bot.user else 0
    for channel in channels:
        try:
            async for msg in channel.history(limit=limit):
                found = {markers[word] for word in msg.content.split() if word in markers}
                if msg.author.id == me and found:
                    return Posted(msg.channel.id, msg.id, frozenset(found))
        except discord.HTTPException as exc:
            log.warning("could not search %s for %s: %s", getattr(channel, "id", "?"), list(markers), exc)
    return None


class PersonalDelivery(Protocol):
    """A scheduled message for one person that only they may see (a survey, an event message)."""

    @property
    def programme(self) -> Programme: ...
    @property
    def person_id(self) -> int: ...
    @property
    def discord_user_id(self) -> int | None: ...
    @property
    def dm_channel_id(self) -> int | None: ...
    @property
    def dms_closed(self) -> bool: ...
    @property
    def space_id(self) -> int | None: ...


async def send_personal(bot: MentorBot, d: PersonalDelivery, about: str, **kwargs: Any) -> SendOutcome:
    """Send by DM, or with DMs closed to the person's private thread (:func:`send_privately`): what happened,
    for the shared dispatcher (``about``: what the organisers hear it was when nothing could reach them)."""
    if d.discord_user_id is None:
        return SendOutcome(None, "no Discord account")
    msg, fell_back = await reach_privately(bot, d.programme, d.person_id, d.discord_user_id, d.dm_channel_id,
                                           d.dms_closed, d.space_id, **kwargs)
    closed_now = not d.dms_closed and fell_back
    if msg is None:
        return SendOutcome(None, "DMs closed and no private thread", dms_found_closed=closed_now,
                           organisers_notice=unreachable_notice(d.discord_user_id, about))
    return SendOutcome(Posted(msg.channel.id, msg.id), dms_found_closed=closed_now, reached_by_dm=not fell_back)


async def find_personal(bot: MentorBot, d: PersonalDelivery, markers: dict[str, int],
                        limit: int = 50) -> Posted | None:
    """A personal message sent before (a crash, a lost answer), looked for in the DMs and the private thread."""
    if d.discord_user_id is None:
        return None
    candidates: list[discord.abc.Messageable] = []
    try:
        if not d.dms_closed:
            candidates.append(await open_dm(bot, d.discord_user_id, d.dm_channel_id))
        thread = await private_thread(bot, d.programme, d.person_id, d.discord_user_id, d.space_id, create=False)
    except discord.HTTPException as exc:
        log.warning("could not look for %s: %s", list(markers), exc)
        return None
    candidates += [thread] if thread is not None else []
    return await find_by_markers(bot, candidates, markers, limit)


async def tell_waiting(bot: MentorBot, programme: Programme) -> None:
    """Tell everyone left out of the round just matched why (once each), by DM or — DMs closed — in their own
    private thread (:func:`send_privately`: what the DM learnt is remembered, the organisers hear of closed DMs
    once and of anyone nothing could reach). After ``/match confirm`` and the dashboard's *Confirm*."""
    for notice in await bot.services.rounds.untold(programme):
        try:
            await send_privately(bot, programme, notice.person_id, notice.discord_user_id, notice.dm_channel_id,
                                 notice.dms_closed, None, dms_marked=notice.dms_marked,
                                 about="to say why they are not in the round just matched",
                                 content=notice.text[:2000], allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("could not tell person %s why they are not in round %s", notice.person_id, notice.round_id)
            continue
        await bot.services.rounds.told(programme, notice)
