"""`python -m bot doctor` against the local Discord, X, Bluesky and Mastodon: a correct set-up passes, and each
misconfiguration of a table, one at a time, fails with a line naming it and its fix (and exit status 1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr
from rich.console import Console

from bot.clock import SandboxClock
from bot.config import Secrets, Settings, parse_config
from bot.doctor import diagnose
from bot.doctor.console import run_doctor
from bot.doctor.permissions import (
    BOT_PERMISSIONS,
    CREATE_PRIVATE_THREADS,
    MANAGE_ROLES,
    MANAGE_THREADS,
    VIEW_CHANNEL,
)
from bot.doctor.rest import HttpDiscordRest
from bot.sandbox.bluesky import SandboxBluesky
from bot.sandbox.discord import Guild, Overwrite, Role, SandboxDiscord
from bot.sandbox.discord import permissions as perm
from bot.sandbox.discord.state import APP_GATEWAY_GUILD_MEMBERS_LIMITED, APP_GATEWAY_MESSAGE_CONTENT_LIMITED
from bot.sandbox.mastodon import SandboxMastodon
from bot.sandbox.world import MASTODON_INSTANCE, programme_table
from bot.sandbox.x import SandboxX
from bot.services.intake.feeds import XClientFactory


@dataclass
class Setup:
    """A programme's server and accounts as an organiser would prepare them, and what the doctor is given."""

    discord: SandboxDiscord
    x: SandboxX
    bluesky: SandboxBluesky
    mastodon: SandboxMastodon
    guild: Guild
    organisers: Role
    table: dict[str, Any]
    token: str = "sandbox-bot-token"
    x_factory: XClientFactory | None = None
    bluesky_password: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def channel(self, name: str) -> Any:
        found = self.discord.channel_named(self.guild, name)
        assert found is not None
        return found

    def bot_role(self) -> Role:
        return next(self.discord.state.roles[r] for r in self.guild.roles if self.discord.state.roles[r].managed)

    def deny_bot(self, channel: str, bits: int) -> None:
        bot_id = self.discord.bot_user.id
        self.channel(channel).overwrites[bot_id] = Overwrite(id=bot_id, type=1, deny=bits)

    def settings(self) -> Settings:
        return parse_config({"programme": [self.table]})

    def factories(self) -> dict[str, Any]:
        async def bluesky() -> Any:
            return await self.bluesky.login_client(password=self.bluesky_password)

        x = None if self.extra.get("no_x") else self.x_factory or self.x.make_client
        return {"x": x, "bluesky": bluesky,
                "mastodon": lambda instance: self.mastodon.make_client()}


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    clock = SandboxClock(datetime(2026, 9, 7, 9, 0, tzinfo=UTC))
    discord = await SandboxDiscord(clock=clock).start()
    x, bluesky, mastodon = SandboxX(clock), SandboxBluesky(clock), SandboxMastodon(clock, domain=MASTODON_INSTANCE)
    for server in (x, bluesky, mastodon):
        await server.start()
    guild = discord.create_guild("Mentoring community", bot_permissions=BOT_PERMISSIONS)
    organisers = discord.create_role(guild, "Organisers", permissions=perm.MANAGE_GUILD)
    discord.create_text_channel(guild, "onboarding")
    discord.create_text_channel(guild, "mentoring-pairs")
    discord.create_text_channel(guild, "organisers", overwrites=[
        Overwrite(id=guild.id, type=0, deny=perm.VIEW_CHANNEL),
        Overwrite(id=organisers.id, type=0, allow=perm.VIEW_CHANNEL),
        Overwrite(id=discord.bot_user.id, type=1, allow=perm.VIEW_CHANNEL | perm.SEND_MESSAGES)])
    table = programme_table("edu", guild.id, "edumentoring", intake={"sources": [
        {"platform": "bluesky", "tag": "EduMentoring"},
        {"platform": "mastodon", "tag": "EduMentoring", "instance": MASTODON_INSTANCE}]})
    s = Setup(discord, x, bluesky, mastodon, guild, organisers, table)
    s.bot_role().position = 10  # dragged above the organisers' role, as the README asks
    try:
        yield s
    finally:
        for server in (x, bluesky, mastodon):
            await server.stop()
        await discord.stop()


async def doctor(setup: Setup) -> tuple[int, str]:
    console = Console(width=400, record=True, color_system=None)
    settings = setup.settings()
    settings.secrets = Secrets(discord_token=SecretStr(setup.token))
    code = await run_doctor(settings, console, discord_api=setup.discord.base_url, factories=setup.factories())
    return code, console.export_text()


def _set(key: str, value: Any) -> Callable[[Setup], None]:
    def apply(s: Setup) -> None:
        s.table[key] = value

    return apply


def _bad_x_user_keys(s: Setup) -> None:
    s.x_factory = lambda: s.x.make_client(access_token_secret="revoked-secret")


def _organisers_above_bot(s: Setup) -> None:
    s.organisers.position = s.bot_role().position + 1


def _intent_off(bits: int) -> Callable[[Setup], None]:
    def apply(s: Setup) -> None:
        s.discord.state.application_flags &= ~bits

    return apply


def _mastodon_token_revoked(s: Setup) -> None:
    s.mastodon.revoke_token()


def _bluesky_wrong_password(s: Setup) -> None:
    s.bluesky_password = "old-app-password"


def _no_x(s: Setup) -> None:
    s.x_factory = None
    s.extra["no_x"] = True


MISCONFIGURATIONS: dict[str, tuple[Callable[[Setup], None], str]] = {
    "Manage Threads missing in the pairs' threads channel": (
        lambda s: s.deny_bot("mentoring-pairs", MANAGE_THREADS),
        "grant Manage Threads to MentorBot in #mentoring-pairs"),
    "the organisers' channel hidden from the bot": (
        lambda s: s.channel("organisers").overwrites.pop(s.discord.bot_user.id),
        "grant View Channel, Send Messages, Embed Links, Read Message History to MentorBot in #organisers"),
    "no private threads in the onboarding channel": (
        lambda s: s.deny_bot("onboarding", CREATE_PRIVATE_THREADS),
        "grant Create Private Threads to MentorBot in #onboarding"),
    "Manage Roles missing on the bot's role": (
        lambda s: setattr(s.bot_role(), "permissions", BOT_PERMISSIONS & ~MANAGE_ROLES),
        "grant Manage Roles to MentorBot's role in Server Settings → Roles"),
    "View Channel missing server-wide": (
        lambda s: (setattr(s.bot_role(), "permissions", BOT_PERMISSIONS & ~VIEW_CHANNEL),
                   setattr(s.discord.state.roles[s.guild.id], "permissions", 0)),
        "grant View Channel, Send Messages"),
    "Server Members Intent disabled": (
        _intent_off(APP_GATEWAY_GUILD_MEMBERS_LIMITED), "enable Server Members Intent for MentorBot"),
    "Message Content Intent disabled": (
        _intent_off(APP_GATEWAY_MESSAGE_CONTENT_LIMITED), "enable Message Content Intent for MentorBot"),
    "wrong onboarding channel id": (
        _set("onboarding_channel", "123456789012345678"),
        "no text channel '123456789012345678' in Mentoring community: set onboarding_channel"),
    "wrong leads channel name": (_set("leads_channel", "organizers"), "no text channel 'organizers'"),
    "organiser role missing": (_set("organiser_role", "Mentor Leads"), "no role 'Mentor Leads'"),
    "bot's role below the organisers' role": (
        _organisers_above_bot, "drag MentorBot's role above @Organisers in Server Settings → Roles"),
    "wrong guild id": (_set("guild_id", 42), "invite MentorBot to that server"),
    "bad Discord token": (lambda s: setattr(s, "token", "not-the-token"), "Discord refused DISCORD_TOKEN"),
    "bad X bearer token": (
        lambda s: setattr(s, "x_factory", lambda: s.x.make_client(bearer_token="revoked")),
        "X rejected X_BEARER_TOKEN (401"),
    "bearer-only X": (
        lambda s: setattr(s, "x_factory", lambda: s.x.make_client(bearer_only=True)),
        "the bot has only X_BEARER_TOKEN: it can search X but not reply"),
    "stale X user keys": (_bad_x_user_keys, "X rejected the credentials (401)"),
    "no X credentials": (_no_x, "set X_BEARER_TOKEN (search) and X_API_KEY"),
    "bad Mastodon token": (_mastodon_token_revoked, "rejected MASTODON_ACCESS_TOKEN (401)"),
    "bad Bluesky app password": (_bluesky_wrong_password, "Bluesky refused the login"),
}


def _with_x(setup: Setup) -> None:
    """The programme also reads #EduMentoring on X (the default table's hashtags)."""
    setup.table["intake"] = {**setup.table["intake"], "hashtags": ["EduMentoring"]}


async def test_a_correct_setup_passes_every_check(setup: Setup) -> None:
    _with_x(setup)
    code, text = await doctor(setup)
    assert code == 0, text
    assert "✗" not in text and "All checks passed" in text
    for line in ("DISCORD_TOKEN logs in as MentorBot", "Server Members Intent is enabled",
                 "MentorBot's role sits above @Organisers", "MentorBot can run leads and notices for the organisers "
                 "in #organisers", "X recent search works", "X replies as @MentorBot", "Bluesky login as",
                 "mastodon.sandbox's #EduMentoring timeline can be read", "replies on mastodon.sandbox"):
        assert line in text


@pytest.mark.parametrize("name", list(MISCONFIGURATIONS))
async def test_each_misconfiguration_is_named_with_its_fix(setup: Setup, name: str) -> None:
    _with_x(setup)
    breaks, expected = MISCONFIGURATIONS[name]
    breaks(setup)
    code, text = await doctor(setup)
    assert code == 1
    failed = [line for line in text.splitlines() if "✗" in line]
    assert failed and all(expected in line for line in failed), f"{name}: {failed}"
    if name != "View Channel missing server-wide":  # that one fails in every channel the bot uses
        assert len(failed) == 1, f"{name}: exactly one line fails, got {failed}"


async def test_the_checklist_covers_only_the_platforms_a_programme_reads(setup: Setup) -> None:
    setup.table["intake"] = {"hashtags": []}
    async with HttpDiscordRest(setup.token, setup.discord.base_url) as rest:
        checklist = await diagnose(setup.settings().config.programme, rest, x_client_factory=None,
                                   bluesky_client_factory=None, mastodon_client_factory=None)
    assert checklist.ok
    assert not any(c.section.startswith(("X ", "Bluesky", "Mastodon")) for c in checklist.checks)


@pytest.mark.e2e
async def test_organisers_run_the_doctor_from_discord_and_see_what_to_fix(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from tests.support.database import drop_test_schema
    from tests.support.world import make_world

    world, schema = await make_world(tmp_path_factory)
    try:
        assert world.organiser is not None and world.organisers is not None
        world.organisers.position = 50  # someone dragged the organisers' role above the bot's
        result = await world.organiser.slash("programme", "doctor", guild=world.guild)
        await result.wait_answer()
        text = result.content
        assert "✓ DISCORD_TOKEN logs in as MentorBot" in text and "✓ X recent search works" in text
        assert "✗ MentorBot's role sits above @Organisers — drag MentorBot's role above @Organisers" in text
        assert all(m.flags & 64 for m in result.followups), "only the organiser sees it"
    finally:
        await world.stop()
        await drop_test_schema(schema)
