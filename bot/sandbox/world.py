"""A whole local world for the demo and the end-to-end tests: the local Discord (and X, Bluesky and a
Mastodon instance), a guild set up for a programme, a database, and the real bot connected to it —
restartable on the same database."""

from __future__ import annotations

import secrets
import socket
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import MentorBot
from bot.clock import SandboxClock
from bot.config import DashboardConfig, ProgrammeGuildConfig, Settings, parse_config
from bot.runtime import build_bot, open_database
from bot.sandbox.bluesky import SandboxBluesky
from bot.sandbox.connect import restore_discord_defaults, sandbox_mentorbot_kwargs
from bot.sandbox.discord import Channel, Guild, Limits, Overwrite, Role, RouteLimit, SandboxDiscord
from bot.sandbox.discord import permissions as perm
from bot.sandbox.discord.runner import BotRunner
from bot.sandbox.mastodon import SandboxMastodon
from bot.sandbox.people import Persona
from bot.sandbox.x import SandboxX

MASTODON_INSTANCE = "mastodon.sandbox"  # the local Mastodon's domain: use it as a source's instance
SANDBOX_PACING = {"messages_per_second": 40.0, "burst": 5, "new_dms_per_minute": 600, "new_dm_burst": 20}


def programme_table(key: str, guild_id: int, preset: str, **overrides: Any) -> dict[str, Any]:
    """A ``[[programme]]`` table for a sandbox guild."""
    names = {"edumentoring": "#EduMentoring", "libraries": "Libraries Connected", "runtogether": "RunTogether"}
    table: dict[str, Any] = {
        "key": key,
        "name": names.get(preset, key),
        "guild_id": guild_id,
        "organiser_role": "Organisers",
        "onboarding_channel": "onboarding",
        "leads_channel": "organisers",
        "invite_url": "https://discord.gg/sandbox",
        "questions": {"preset": preset},
        "intake": {"hashtags": ["EduMentoring"], "claim_code_prefix": "EDU"},
    }
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(table.get(k), dict):
            table[k] = {**table[k], **v}
        else:
            table[k] = v
    return table


def mirror_sources(table: dict[str, Any]) -> dict[str, Any]:
    """The table with its X hashtags also read on the local Bluesky and Mastodon, unless it names its own
    ``intake.sources``."""
    intake = dict(table.get("intake") or {})
    if "sources" not in intake:
        intake["sources"] = [
            {"platform": "bluesky", "tag": tag} if platform == "bluesky"
            else {"platform": "mastodon", "tag": tag, "instance": MASTODON_INSTANCE}
            for tag in intake.get("hashtags", []) for platform in ("bluesky", "mastodon")
        ]
    return {**table, "intake": intake}


def world_limits(*, window_scale: float = 1.0) -> Limits:
    """Discord's limits, except opening DM channels, whose real limit Discord does not publish: the bot's
    own pacer (new_dms_per_minute) is what keeps that rate safe. ``window_scale`` shortens the per-route
    windows (tests: same buckets and headers, less waiting)."""
    limits = Limits(window_scale=window_scale)
    limits.routes["POST /users/@me/channels"] = RouteLimit(20, 1.0)
    limits.routes["POST /guilds/{guild_id}/channels"] = RouteLimit(50, 10.0)
    return limits


class SandboxWorld:
    """``await world.start()``; ``world.person("Amara")``; ``await world.restart()``; ``await world.stop()``."""

    def __init__(
        self,
        *,
        database_url: str,
        schema: str | None = None,
        preset: str = "edumentoring",
        programme_key: str = "edu",
        clock: SandboxClock | None = None,
        programme_overrides: dict[str, Any] | None = None,
        extensions: list[str] | None = None,
        limits: Limits | None = None,
        mirror_hashtags: bool = True,
        x_client_options: dict[str, Any] | None = None,
        pacing: dict[str, Any] | None = None,
        dashboard: bool = False,
    ) -> None:
        """``mirror_hashtags``: the programme's X hashtags are read on the local Bluesky and Mastodon too
        (unless ``programme_overrides`` gives ``intake.sources``). ``x_client_options``: how the bot's X client
        is built (``{"bearer_only": True}``: only ``X_BEARER_TOKEN``; see :meth:`SandboxX.make_client`).
        ``pacing``: the bot's ``[bot.pacing]`` (default :data:`SANDBOX_PACING`)."""
        self.clock = clock or SandboxClock(datetime(2026, 9, 7, 9, 0, tzinfo=UTC))
        self.discord = SandboxDiscord(clock=self.clock, limits=limits or world_limits())
        self.x = SandboxX(self.clock)
        self.bluesky = SandboxBluesky(self.clock)
        self.mastodon = SandboxMastodon(self.clock, domain=MASTODON_INSTANCE)
        self.mastodon_instances: dict[str, SandboxMastodon] = {}  # more instances, by domain
        self.x_client_options = x_client_options or {}
        self.pacing = pacing or SANDBOX_PACING
        self.database_url = database_url
        self.schema = schema
        self.preset = preset
        self.programme_key = programme_key
        self.programme_overrides = programme_overrides or {}
        self.extensions = extensions
        self.mirror_hashtags = mirror_hashtags
        self.engine: AsyncEngine | None = None
        self.settings: Settings | None = None
        self.runner: BotRunner[MentorBot] | None = None
        self.guild: Guild | None = None
        self.organisers: Role | None = None
        self.onboarding_channel: Channel | None = None
        self.organisers_channel: Channel | None = None
        self.organiser: Persona | None = None
        #: serve the organisers' dashboard (``[dashboard]`` enabled, signed in through the local Discord)
        self.dashboard = dashboard
        self.dashboard_url = ""

    async def start(self) -> MentorBot:
        await self.discord.start()
        await self.x.start()
        await self.bluesky.start()
        await self.mastodon.start()
        guild = self.discord.create_guild("Mentoring community")
        self.guild = guild
        self.organisers = self.discord.create_role(guild, "Organisers", permissions=perm.MANAGE_GUILD)
        self.onboarding_channel = self.discord.create_text_channel(guild, "onboarding")
        self.organisers_channel = self.discord.create_text_channel(
            guild, "organisers",
            overwrites=[Overwrite(id=guild.id, type=0, deny=perm.VIEW_CHANNEL),
                        Overwrite(id=self.organisers.id, type=0, allow=perm.VIEW_CHANNEL),
                        Overwrite(id=self.discord.bot_user.id, type=1,
                                  allow=perm.VIEW_CHANNEL | perm.SEND_MESSAGES | perm.ATTACH_FILES)],
        )
        table = programme_table(self.programme_key, guild.id, self.preset, **self.programme_overrides)
        data = {
            "bot": {"log_level": "WARNING", "pacing": self.pacing, "database_url": "sqlite:///unused.db"},
            "programme": [table if not self.mirror_hashtags else mirror_sources(table)],
        }
        self.settings = parse_config(data)
        if self.dashboard:
            self._enable_dashboard(self.settings)
        self.engine = await open_database(self.database_url, schema=self.schema)
        self.organiser = self.discord.person("Olu Organiser")
        await self.organiser.join(guild, roles=[self.organisers])
        self.runner = BotRunner(self.discord, self._make_bot)
        return await self.runner.start()

    def _enable_dashboard(self, settings: Settings) -> None:
        """``[dashboard]`` on a free local port, with the local Discord's OAuth2 client secret."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.dashboard_url = f"http://127.0.0.1:{port}"
        settings.config.dashboard = DashboardConfig(enabled=True, public_url=self.dashboard_url, port=port)
        settings.secrets.discord_client_secret = SecretStr(self.discord.oauth2.client_secret)
        settings.secrets.dashboard_session_secret = SecretStr(secrets.token_urlsafe(32))

    def allow_programmes(self, guild: Guild, hashtags: tuple[str, ...] = ()) -> None:
        """The operator lets ``guild`` run programmes (on ``hashtags``): ``[[bot.programme_guilds]]``."""
        assert self.settings is not None
        self.settings.config.bot.programme_guilds.append(
            ProgrammeGuildConfig(guild_id=guild.id, hashtags=list(hashtags)))

    def _make_bot(self) -> MentorBot:
        assert self.settings is not None and self.engine is not None
        return build_bot(self.settings, self.engine, clock=self.clock, extensions=self.extensions,
                         x_client_factory=self._x_client, bluesky_client_factory=self.bluesky.make_client,
                         mastodon_client_factory=self._mastodon_client, **sandbox_mentorbot_kwargs())

    def _x_client(self) -> Any:
        return self.x.make_client(**self.x_client_options)

    async def add_mastodon_instance(self, domain: str) -> SandboxMastodon:
        """Another local Mastodon instance, started, for sources on ``domain``. The bot's client for it carries
        the main instance's token (as ``MASTODON_ACCESS_TOKEN`` without ``MASTODON_INSTANCE`` does), which
        this instance does not know."""
        server = SandboxMastodon(self.clock, domain=domain, access_token=f"{domain}-own-token")
        await server.start()
        self.mastodon_instances[domain] = server
        return server

    def _mastodon_client(self, instance: str) -> Any:
        """The local Mastodon stands in for every configured instance but those added with
        :meth:`add_mastodon_instance`."""
        from bot.intake.mastodon_parse import instance_domain

        other = self.mastodon_instances.get(instance_domain(instance))
        if other is not None:
            return other.make_client(token=self.mastodon.access_token)
        return self.mastodon.make_client()

    @property
    def bot(self) -> MentorBot:
        assert self.runner is not None and self.runner.bot is not None
        return self.runner.bot

    def person(self, name: str, *, dms_open: bool = True, behaviours: tuple[str, ...] = ()) -> Persona:
        return self.discord.person(name, dms_open=dms_open, behaviours=behaviours)

    async def restart(self, *, crash: bool = True) -> MentorBot:
        assert self.runner is not None
        return await self.runner.restart(crash=crash)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
        if self.engine is not None:
            await self.engine.dispose()
        await self.discord.stop()
        await self.x.stop()
        await self.bluesky.stop()
        await self.mastodon.stop()
        for server in self.mastodon_instances.values():
            await server.stop()
        restore_discord_defaults()
