"""A local Discord (REST v10 + Gateway over aiohttp on 127.0.0.1) that the real discord.py client talks to.

Product code, not a test mock: the demo and organisers' rehearsals run the bot against it.
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
