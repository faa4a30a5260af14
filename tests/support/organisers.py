"""Helpers for the organiser/profile tests: seeding the database directly, slash commands with a file
option, and timing how fast the bot acknowledges a command."""

from __future__ import annotations

import io
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.sandbox.discord import Guild, actors, payloads
from bot.sandbox.discord.messages import UploadedFile, post_message
from bot.sandbox.discord.model import InteractionType
from bot.sandbox.people import InteractionResult, Persona
from storage.db import SessionFactory, transaction
from storage.models import Person, Profile

REFUSAL = "This command is for the programme's organisers."

MENTOR: dict[str, Any] = {
    "role": "mentor", "phase": ["secondary"], "subjects": ["maths", "physics"], "stage": "senior-leader",
    "timezone": "Europe/London", "availability": ["weekday-evenings"], "goals": ["behaviour", "planning"],
    "capacity": 2, "organisation": "Hill School", "consent": True,
}
MENTEE: dict[str, Any] = {
    "role": "mentee", "phase": ["secondary"], "subjects": ["maths"], "stage": "early-career",
    "timezone": "Europe/London", "availability": ["weekday-evenings", "weekends"], "goals": ["behaviour"],
    "organisation": "Vale Academy", "consent": True,
}
#: The same, as a person answers the interview (a city for the time zone).
MENTOR_INTERVIEW = {**MENTOR, "timezone": "London"}
MENTEE_INTERVIEW = {**MENTEE, "timezone": "London"}


async def bulk_people(
    sessions: SessionFactory, programme_id: int,
    people: Sequence[tuple[str, int | None, Mapping[str, Any] | None]],
    *, now: datetime, status: str = "active",
) -> list[int]:
    """Insert people (name, discord id, answers or None) with one statement per table; their ids in order."""
    async with transaction(sessions) as session:
        conn = await session.connection()
        rows = [{"programme_id": programme_id, "discord_user_id": did, "display_name": name, "status": status,
                 "dms_closed": False, "created_at": now, "updated_at": now} for name, did, _a in people]
        await conn.execute(Person.__table__.insert(), rows)  # type: ignore[attr-defined]
        found = (await conn.execute(
            select(Person.__table__.c.id, Person.__table__.c.display_name)  # type: ignore[attr-defined]
            .where(Person.__table__.c.programme_id == programme_id)  # type: ignore[attr-defined]
            .order_by(Person.__table__.c.id)  # type: ignore[attr-defined]
        )).all()
        ids = [int(r[0]) for r in found][-len(people):]
        profiles = [{"person_id": pid, "programme_id": programme_id, "answers": answers, "version": 1,
                     "created_at": now, "updated_at": now, "consent_at": now}
                    for pid, (_n, _d, answers) in zip(ids, people, strict=True) if answers is not None]
        if profiles:
            await conn.execute(Profile.__table__.insert(), profiles)  # type: ignore[attr-defined]
    return ids


def _channel_for(persona: Persona, guild: Guild) -> Any:
    channel = actors.guild_text_channel_for(persona.sandbox.state, persona.id, guild.id)
    assert channel is not None, f"{persona.name} sees no channel"
    return channel


def command_interaction(persona: Persona, guild: Guild, name: str, *path: str,
                        options: Mapping[str, Any] | None = None,
                        file: tuple[str, str, bytes] | None = None) -> Any:
    """Start ``/name path… options`` as ``persona`` (``file`` = (option name, filename, bytes) for an
    attachment option, uploaded the way a Discord client does) and return the sandbox interaction."""
    state = persona.sandbox.state
    channel = _channel_for(persona, guild)
    cmd = state.find_command(name, guild.id)
    assert cmd is not None, f"/{name} is not registered"
    opts = dict(options or {})
    attachment = None
    if file is not None:
        option, filename, data = file
        carrier = post_message(state, channel, persona.id, {"content": "upload"},
                               [UploadedFile("files[0]", filename, "text/csv", data)], check=False)
        carrier.deleted = True
        attachment = carrier.attachments[0]
        opts[option] = attachment.id
    data_ = actors.command_data(state, cmd, path, opts)
    if attachment is not None:
        data_.setdefault("resolved", {})["attachments"] = {
            str(attachment.id): payloads.attachment(state.cdn_base, channel.id, attachment)}
    return actors.start_interaction(state, persona.user, InteractionType.APPLICATION_COMMAND, channel, data_)


async def timed_slash(persona: Persona, guild: Guild, name: str, *path: str,
                      options: Mapping[str, Any] | None = None, file: tuple[str, str, bytes] | None = None,
                      answer_timeout: float = 30.0) -> tuple[float, InteractionResult]:
    """Run a command; (seconds until the bot acknowledged it, the result once answered)."""
    state = persona.sandbox.state
    inter = command_interaction(persona, guild, name, *path, options=options, file=file)
    await state.wait_for(lambda: inter.acknowledged, 3.0)
    ack = time.monotonic() - inter.created_mono
    result = InteractionResult(persona.sandbox, inter)
    persona.interactions.append(result)
    if result.deferred:
        await result.wait_answer(answer_timeout)
    return ack, result


async def slash(persona: Persona, guild: Guild, name: str, *path: str, options: Mapping[str, Any] | None = None,
                file: tuple[str, str, bytes] | None = None) -> InteractionResult:
    return (await timed_slash(persona, guild, name, *path, options=options, file=file))[1]


def attachment_text(result: InteractionResult, suffix: str) -> str:
    """The text of the file ending in ``suffix`` that the bot sent with its answer."""
    for message in result.messages:
        for a in message.attachments:
            if a.filename.endswith(suffix):
                return a.data.decode("utf-8")
    raise AssertionError(f"no attachment *{suffix} in {[a.filename for m in result.messages for a in m.attachments]}")


def attachment_bytes(result: InteractionResult, suffix: str) -> io.BytesIO:
    for message in result.messages:
        for a in message.attachments:
            if a.filename.endswith(suffix):
                return io.BytesIO(a.data)
    raise AssertionError(f"no attachment *{suffix}")
