"""Starts and stops the dashboard's web server with the bot, and answers its questions about Discord."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.app import MentorBot
from bot.dashboard.app import Dashboard, DashboardDeps
from bot.dashboard.oauth import OAuthClient
from bot.dashboard.ports import DiscordUnavailable
from bot.services.programmes import Programme
from cogs._common import is_organiser
from cogs.kit.messaging import tell_waiting

log = logging.getLogger(__name__)
ANNOUNCE_JOB = "announce-pairs"  # the matching cog's periodic job that announces confirmed pairs


class DiscordOrganisers:
    """:class:`bot.dashboard.ports.DiscordSide` with discord.py: the member as the gateway keeps them (fetched
    when not cached), checked with the slash commands' own :func:`cogs._common.is_organiser`."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def is_organiser(self, user_id: int, programme: Programme) -> bool:
        guild = self.bot.get_guild(programme.guild_id)
        if guild is None:
            return False
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound:
                return False
            except discord.HTTPException as exc:
                raise DiscordUnavailable(str(exc)) from exc
        return is_organiser(member, programme)

    async def member_names(self, programme: Programme, user_ids: set[int]) -> dict[int, str]:
        guild = self.bot.get_guild(programme.guild_id)
        found = {uid: guild.get_member(uid) for uid in user_ids} if guild is not None else {}
        return {uid: member.display_name for uid, member in found.items() if member is not None}

    async def announce_pairs(self) -> None:
        if ANNOUNCE_JOB in self.bot.periodic:
            await self.bot.tick(ANNOUNCE_JOB)

    async def tell_waiting(self, programme: Programme) -> None:
        await tell_waiting(self.bot, programme)


class DashboardCog(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.dashboard: Dashboard | None = None

    async def cog_load(self) -> None:
        settings = self.bot.settings
        config = settings.config.dashboard
        client_secret, session_secret = settings.secrets.discord_client_secret, settings.secrets.dashboard_session_secret
        assert client_secret is not None and session_secret is not None  # start-up refuses a config without them
        client_id = config.client_id or self.bot.application_id
        assert client_id is not None, "the bot has logged in, so it knows its application id"
        oauth = OAuthClient(discord.http.Route.BASE, client_id, client_secret.get_secret_value(),
                            f"{config.public_url}/auth/callback")
        self.dashboard = Dashboard(DashboardDeps(self.bot.services, config, DiscordOrganisers(self.bot), oauth,
                                                 session_secret.get_secret_value()))
        url = await self.dashboard.start()
        log.info("organisers' dashboard at %s (listening on %s)", config.public_url, url)

    async def cog_unload(self) -> None:
        if self.dashboard is not None:
            await self.dashboard.stop()
