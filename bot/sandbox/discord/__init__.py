"""A local Discord (REST v10 + Gateway over aiohttp on 127.0.0.1) that the real discord.py client talks to.

Product code, not a test mock: the demo and organisers' rehearsals run the bot against it.

It answers as Discord's published OpenAPI document (``openapi/``, see :mod:`.spec`) says: a request that breaks
the document's schemas is refused with ``400 / 50035 Invalid Form Body`` and its ``errors`` tree, and every
exchange's differences from it are recorded (``RequestLog.findings()``, ``spec.TALLY``). Permissions follow
Discord's documentation: roles then channel overwrites (@everyone, roles, member); private threads are seen by
their members and by Manage Threads; ``locked`` and ``invitable`` need Manage Threads, and so does inviting to a
private thread that is not ``invitable``; an archived thread takes no edit but ``archived: false``; idle threads
archive themselves after ``auto_archive_duration`` minutes of the sandbox clock; a bot manages only roles below
its highest role.

Knobs for rehearsing a misconfigured server (all plain attributes, set before the bot connects):

- ``create_guild(name, bot_permissions=...)``: the bot's managed role; default ``permissions.DEFAULT_BOT``, exactly
  what the README asks an organiser to grant.
- ``state.roles[role_id].position``: role hierarchy (the bot's role is created at position 1, later roles above).
- ``create_text_channel(..., overwrites=[Overwrite(id=bot_user.id, type=1, deny=...)])`` or
  ``state.set_overwrite(channel, Overwrite(...))``: per-channel overwrites for (or against) the bot.
- ``state.application_flags``: which privileged intents the application may use (``permissions.APP_GATEWAY_*``);
  asking for one that is not allowed closes the gateway with 4014. Default: members, message content and
  presence (limited) allowed.
- ``state.large_threshold``: above this many members a guild is "large" and its members come in
  ``GUILD_MEMBERS_CHUNK`` events of up to 1,000 (the client's IDENTIFY ``large_threshold`` wins when given).
- ``strict = False`` on a ``SandboxDiscord``: stop judging by the OpenAPI document (for a rehearsal of a route
  the document lacks).
"""

from __future__ import annotations

from .errors import ApiError
from .limits import Faults, Limits, RouteLimit
from .log import GatewayRecord, RequestLog, RestRecord
from .model import Channel, ChannelType, Guild, Interaction, Member, Message, Overwrite, Role, User
from .server import SandboxDiscord

__all__ = [
    "ApiError",
    "Channel",
    "ChannelType",
    "Faults",
    "GatewayRecord",
    "Guild",
    "Interaction",
    "Limits",
    "Member",
    "Message",
    "Overwrite",
    "RequestLog",
    "RestRecord",
    "Role",
    "RouteLimit",
    "SandboxDiscord",
    "User",
]
