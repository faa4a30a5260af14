"""Helpers shared by the cogs: which programme a command means, and the organiser check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.app import NotOrganiser, UserFacingError
from bot.onboarding.safe_text import safe_text
from bot.services.programmes import Programme

if TYPE_CHECKING:
    from bot.app import MentorBot

T = TypeVar("T")
ORGANISER_EXTRA = "organiser"


def bot_of(interaction: discord.Interaction[Any]) -> MentorBot:
    return cast("MentorBot", interaction.client)


def pick_programme(bot: MentorBot, guild_id: int | None, key: str | None = None) -> Programme:
    """The programme a command means: the named one, or the only one in this guild."""
    progs = bot.services.programmes.in_guild(guild_id) if guild_id else bot.services.programmes.all()
    if key:
        found = next((p for p in progs if p.key == key), None)
        if found is None:
            raise UserFacingError(f"There is no programme called '{safe_text(key, 40)}' here.")
        return found
    if not progs:
        raise UserFacingError("There is no mentoring programme in this server yet — an organiser can run "
                              "`/programme setup`.")
    if len(progs) > 1:
        names = ", ".join(p.key for p in progs)
        raise UserFacingError(f"This server runs several programmes ({names}) — say which one.")
    return progs[0]


def is_organiser(member: discord.abc.User, programme: Programme) -> bool:
    """The programme's organiser role (by name or id), or Manage Server."""
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return True
    wanted = programme.config.organiser_role
    return any(str(role.id) == wanted or role.name.lower() == wanted.lower() for role in member.roles)


def organiser_programme(interaction: discord.Interaction[Any], key: str | None = None) -> Programme:
    """The programme of this organiser command, after checking the caller is one of its organisers."""
    bot = bot_of(interaction)
    if interaction.guild_id is None:
        raise NotOrganiser("organiser commands run in the programme's server")
    progs = bot.services.programmes.in_guild(interaction.guild_id)
    if progs and not any(is_organiser(interaction.user, p) for p in progs):
        raise NotOrganiser("not an organiser")
    programme = pick_programme(bot, interaction.guild_id, key)
    if not is_organiser(interaction.user, programme):
        raise NotOrganiser("not an organiser of this programme")
    return programme


def component_programme(interaction: discord.Interaction[Any], pid: int) -> Programme:
    """For a button/select of an organiser message: the programme, after re-checking the clicker is one of
    its organisers in its own guild (:class:`NotOrganiser` otherwise: the error path refuses)."""
    programme = bot_of(interaction).services.programmes.by_id(pid)
    if programme is None or interaction.guild_id != programme.guild_id or not is_organiser(interaction.user, programme):
        raise NotOrganiser("not an organiser of this programme")
    return programme


def organiser_only() -> Callable[[T], T]:
    """Check on every call that the caller organises a programme in this guild (role or Manage Server).

    Marks the command with ``extras["organiser"]`` so the test that walks the tree can find it.
    """

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        bot = bot_of(interaction)
        if interaction.guild_id is None:
            raise NotOrganiser("organiser commands run in the programme's server")
        progs = bot.services.programmes.in_guild(interaction.guild_id)
        if not progs:
            if isinstance(interaction.user, discord.Member) and interaction.user.guild_permissions.manage_guild:
                return True
            raise NotOrganiser("no programme here")
        if not any(is_organiser(interaction.user, p) for p in progs):
            raise NotOrganiser("not an organiser")
        return True

    check = app_commands.check(predicate)

    def decorator(func: T) -> T:
        """Use above ``@app_commands.command`` (or on a Group) so the mark lands on the command."""
        func = check(func)
        if isinstance(func, app_commands.Command | app_commands.Group):
            func.extras[ORGANISER_EXTRA] = True
        return func

    return decorator


def programmes_of(bot: MentorBot, user: discord.abc.User, guild_id: int | None) -> list[Programme]:
    """The programmes a member's lookup may search: the guild's, or in a DM the programmes of the guilds the
    member is in (never every programme the bot runs)."""
    registry = bot.services.programmes
    if guild_id:
        return registry.in_guild(guild_id)
    out = []
    for prog in registry.all():
        guild = bot.get_guild(prog.guild_id)
        if guild is not None and guild.get_member(user.id) is not None:
            out.append(prog)
    return out


def circle_marker(programme: Programme) -> str:
    """The reference in the topic of a programme's mentor circle (how it is found again after a restart)."""
    return f"ref circle-{programme.id}"


def find_circle(guild: discord.Guild, programme: Programme) -> discord.TextChannel | None:
    """The programme's mentor circle channel, if it exists."""
    ref = circle_marker(programme)
    return next((c for c in guild.text_channels if c.topic and ref in c.topic), None)
