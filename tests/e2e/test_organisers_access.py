"""Who may run organiser commands: the organiser role or Manage Server, checked on every call."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.config import ProgrammeConfig
from bot.sandbox.world import SandboxWorld
from storage.models import AuditEvent
from tests.support.organisers import REFUSAL, slash

pytestmark = pytest.mark.e2e

MEMBER_COMMANDS = {"join", "link", "profile", "pause", "resume", "mydata", "leave", "goals"}


def _leaves(world: SandboxWorld) -> list[app_commands.Command[Any, ..., Any]]:
    return [c for c in world.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]


def _is_organiser_only(cmd: app_commands.Command[Any, ..., Any] | app_commands.Group) -> bool:
    node: Any = cmd
    while node is not None:
        if node.extras.get("organiser"):
            return True
        node = node.parent
    return False


def _options_for(cmd: app_commands.Command[Any, ..., Any], member: Any) -> tuple[dict[str, Any], Any]:
    options: dict[str, Any] = {}
    file = None
    for p in cmd.parameters:
        if not p.required:
            continue
        if p.choices:
            options[p.name] = p.choices[0].value
        elif p.type == discord.AppCommandOptionType.user:
            options[p.name] = member
        elif p.type == discord.AppCommandOptionType.integer:
            options[p.name] = int(p.min_value or 1)
        elif p.type == discord.AppCommandOptionType.attachment:
            file = (p.name, "people.csv", b"id,name,role\n1,Ann,mentor\n")
        else:
            options[p.name] = "x"
    return options, file


async def test_every_command_is_for_organisers_or_an_allowed_member_command(world: SandboxWorld) -> None:
    unmarked = [c.qualified_name for c in _leaves(world)  # groups are not invoked; their commands are
                if not _is_organiser_only(c) and c.qualified_name.split()[0] not in MEMBER_COMMANDS]
    assert unmarked == [], f"commands with neither the organiser check nor a place in the member allow-list: {unmarked}"
    organiser_roots = {c.qualified_name.split()[0] for c in _leaves(world) if _is_organiser_only(c)}
    assert {"programme", "person", "organiser", "onboarding", "export", "import", "audit"} <= organiser_roots


async def test_a_member_gets_one_polite_refusal_from_every_organiser_command(world: SandboxWorld) -> None:
    assert world.guild is not None
    bob = world.person("Bob")
    await bob.join(world.guild)
    async with world.bot.sessions() as s:
        from sqlmodel import func, select

        audit_before = (await s.exec(select(func.count()).select_from(AuditEvent))).one()
    checked = []
    for cmd in _leaves(world):
        if not _is_organiser_only(cmd):
            continue
        options, file = _options_for(cmd, bob)
        path = cmd.qualified_name.split()
        result = await slash(bob, world.guild, path[0], *path[1:], options=options, file=file)
        assert result.content == REFUSAL, f"/{cmd.qualified_name} answered {result.content!r}"
        assert all(m.ephemeral for m in result.messages)
        checked.append(cmd.qualified_name)
    assert len(checked) >= 9
    async with world.bot.sessions() as s:
        assert (await s.exec(select(func.count()).select_from(AuditEvent))).one() == audit_before


async def test_the_organiser_role_is_enough_without_manage_server(world: SandboxWorld) -> None:
    assert world.guild is not None
    plain_role = world.discord.create_role(world.guild, "Organisers")  # same name, no permissions
    dee = world.person("Dee")
    await dee.join(world.guild, roles=[plain_role])
    result = await slash(dee, world.guild, "programme", "stats")
    assert "programme stats" in result.content


async def test_organisers_never_reach_another_guilds_programme(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    other_guild = world.discord.create_guild("Runners")
    await world.bot.services.programmes.create(ProgrammeConfig(key="run", name="RunTogether", guild_id=other_guild.id))
    result = await slash(world.organiser, world.guild, "export", options={"programme": "run"})
    assert "no programme called 'run' here" in result.content
    assert not [a for m in result.messages for a in m.attachments]
