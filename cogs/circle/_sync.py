"""Writing a programme's circle to Discord: the channel (found by the marker in its topic, or created), the
managed role when the programme names one, and only the difference between who is in and who should be."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.community.config import CircleConfig
from bot.services.programmes import Programme
from cogs._common import circle_marker, find_circle
from cogs.kit.messaging import NO_PINGS

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)

ALLOW = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True,
                                    embed_links=True, attach_files=True)


@dataclass(frozen=True)
class CircleResult:
    channel_id: int
    added: int
    removed: int


def _role_named(guild: discord.Guild, wanted: str) -> discord.Role | None:
    if not wanted:
        return None
    return next((r for r in guild.roles if str(r.id) == wanted or r.name.lower() == wanted.lower()), None)


class DiscordCircle:
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def reconcile(self, programme: Programme, wanted: set[int]) -> CircleResult | None:
        """Make the circle admit exactly ``wanted`` (members of the server), the organisers and the coach role."""
        cfg = programme.config.mentor_circle()
        guild = self.bot.get_guild(programme.guild_id)
        if not cfg.enabled or guild is None:
            return None
        present = {uid for uid in wanted if guild.get_member(uid) is not None}
        role = await self._role(guild, cfg) if cfg.role else None
        channel = await self._channel(guild, programme, cfg, role)
        if role is not None:
            return await self._by_role(guild, channel, role, present)
        return await self._by_overwrites(guild, channel, present)

    async def _role(self, guild: discord.Guild, cfg: CircleConfig) -> discord.Role:
        role = _role_named(guild, cfg.role or "")
        if role is None:
            role = await guild.create_role(name=cfg.role or "Mentors", mentionable=True,
                                           reason="the mentor circle's role (managed by the bot)")
        return role

    async def _channel(self, guild: discord.Guild, programme: Programme, cfg: CircleConfig,
                       role: discord.Role | None) -> discord.TextChannel:
        channel = find_circle(guild, programme)
        if channel is not None:
            return channel
        overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True,
                                                  embed_links=True, attach_files=True),
        }
        for wanted in (programme.config.organiser_role, cfg.coach_role or ""):
            extra = _role_named(guild, wanted)
            if extra is not None:
                overwrites[extra] = ALLOW
        if role is not None:
            overwrites[role] = ALLOW
        channel = await guild.create_text_channel(
            cfg.channel[:90], overwrites=overwrites, topic=f"{cfg.topic} · {circle_marker(programme)}"[:1024],
            reason="the mentor circle")
        await self.bot.pacer_send(channel, content=programme.config.messages().say(
            "circle_welcome", programme=programme.config.name), allowed_mentions=NO_PINGS)
        return channel

    async def _by_role(self, guild: discord.Guild, channel: discord.TextChannel, role: discord.Role,
                       wanted: set[int]) -> CircleResult:
        have = {m.id for m in role.members}
        added = removed = 0
        for uid in sorted(wanted - have):
            member = guild.get_member(uid)
            if member is not None:
                await member.add_roles(role, reason="joined the mentor circle")
                added += 1
        for uid in sorted(have - wanted):
            member = guild.get_member(uid)
            if member is not None:
                await member.remove_roles(role, reason="left the mentor circle")
                removed += 1
        return CircleResult(channel.id, added, removed)

    async def _by_overwrites(self, guild: discord.Guild, channel: discord.TextChannel,
                             wanted: set[int]) -> CircleResult:
        me = guild.me.id
        have = {target.id for target in channel.overwrites
                if isinstance(target, discord.Member | discord.Object) and not isinstance(target, discord.Role)
                and target.id != me}
        added = removed = 0
        for uid in sorted(wanted - have):
            member = guild.get_member(uid)
            if member is not None:
                await channel.set_permissions(member, overwrite=ALLOW, reason="joined the mentor circle")
                added += 1
        for uid in sorted(have - wanted):
            member = guild.get_member(uid)
            if member is not None:
                await channel.set_permissions(member, overwrite=None, reason="left the mentor circle")
            else:  # no longer in the server: its overwrite is removed by id
                await self.bot.http.delete_channel_permissions(channel.id, uid, reason="left the mentor circle")
            removed += 1
        return CircleResult(channel.id, added, removed)
