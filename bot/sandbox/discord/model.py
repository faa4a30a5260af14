"""The objects the local Discord holds: plain dataclasses, serialised by :mod:`.payloads`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12

    THREADS = (11, 12)


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


EPHEMERAL_FLAG = 1 << 6


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False


@dataclass
class Member:
    user_id: int
    guild_id: int
    joined_at: datetime
    roles: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    id: int
    type: int
    guild_id: int | None = None
    name: str = ""
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipients: list[int] = field(default_factory=list)  # DM channels: the non-bot user(s)
    owner_id: int | None = None  # threads
    thread_members: set[int] = field(default_factory=set)
    thread_joined: dict[int, datetime] = field(default_factory=dict)
    created_at: datetime | None = None
    last_message_id: int | None = None
    message_count: int = 0
    archived: bool = False
    invitable: bool = True
    locked: bool = False
    auto_archive_duration: int = 4320  # minutes of inactivity before a thread archives itself (60/1440/4320/10080)
    archive_timestamp: datetime | None = None  # when archived last changed
    last_activity: datetime | None = None  # threads: creation, the last message, the last unarchive


class EventStatus:
    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


class EntityType:
    STAGE_INSTANCE = 1
    VOICE = 2
    EXTERNAL = 3


@dataclass
class ScheduledEvent:
    """A guild scheduled event and the people who marked it "Interested" (user id -> when)."""

    id: int
    guild_id: int
    name: str
    scheduled_start_time: datetime
    entity_type: int
    creator_id: int | None = None
    description: str | None = None
    scheduled_end_time: datetime | None = None
    channel_id: int | None = None
    location: str | None = None  # entity_metadata.location (EXTERNAL)
    status: int = EventStatus.SCHEDULED
    privacy_level: int = 2
    interested: dict[int, datetime] = field(default_factory=dict)


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    created_at: datetime
    roles: list[int] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)  # guild channels incl. categories (not threads)
    threads: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)


@dataclass
class Attachment:
    id: int
    filename: str
    size: int
    content_type: str | None
    data: bytes = b""
    description: str | None = None


@dataclass
class Message:
    id: int
    channel_id: int
    author_id: int
    timestamp: datetime
    guild_id: int | None = None
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    edited_timestamp: datetime | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None  # the interaction this message answers
    visible_to: int | None = None  # ephemeral: only this user sees it
    message_reference: JSON | None = None
    type: int = 0
    deleted: bool = False
    nonce: str | None = None  # as the author sent it (Discord echoes it in the create's answer and event)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)


@dataclass
class Command:
    id: int
    application_id: int
    name: str
    guild_id: int | None
    raw: JSON
    version: int


@dataclass
class Interaction:
    """One interaction a person started; the sandbox holds its acknowledgement state."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: JSON
    created_mono: float
    created_at: datetime
    message_id: int | None = None  # the message whose component was used
    response_type: int | None = None  # first callback type
    responded_mono: float | None = None  # time.monotonic() when the first callback arrived
    late_mono: float | None = None  # when a first callback arrived too late (refused: Unknown interaction)
    answered_mono: float | None = None  # when the bot's answer came after the callback (a follow-up or an edit)
    response: JSON | None = None  # the callback body the bot sent
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    edits: int = 0  # edits of the original response (or, after a deferred update, of the message used)
    modal: JSON | None = None  # the modal the bot opened (callback type 9)
    triggered_by: int | None = None  # a modal submit: the interaction whose callback opened the modal
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    def touch(self) -> None:
        """Wake whoever waits for this interaction's response, follow-ups or edits."""
        self.changed.set()
