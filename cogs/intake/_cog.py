"""Intake: a poller job per programme and platform (``poll-x-KEY``, ``poll-bluesky-KEY``, ``poll-mastodon-KEY``),
/leads for organisers, /link for members (proof of control: a private code posted from the account)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, PeriodicJob
from bot.intake.outcomes import ClaimResult, LeadView, PollReport
from bot.intake.source import platform_name
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import Recipient
from cogs._common import organiser_only, organiser_programme, programmes_of
from cogs.intake._notify import OrganiserQueue
from cogs.kit import interview
from cogs.kit.messaging import NO_PINGS, send_privately_to

log = logging.getLogger(__name__)
LIST_LIMIT = 1900


def _lead_line(lead: LeadView) -> str:
    name = f"{safe_text(lead.name, 40)} " if lead.name and lead.name != lead.handle else ""
    text = safe_text(lead.text, 90)
    return (f"• **{lead.platform_name}** · {name}@{safe_text(lead.handle, 40)} — {lead.status} — "
            f"`{lead.claim_code}` — <{lead.post_url}>" + (f"\n  > {text}" if text else ""))


def lead_list(leads: list[LeadView]) -> str:
    if not leads:
        return "No open leads."
    per = Counter(lead.platform_name for lead in leads)
    lines = [f"**Open leads ({len(leads)}: " + ", ".join(f"{name} {n}" for name, n in sorted(per.items())) + ")**"]
    for i, lead in enumerate(leads):
        line = _lead_line(lead)
        if sum(len(x) + 1 for x in lines) + len(line) > LIST_LIMIT:
            lines.append(f"… and {len(leads) - i} more.")
            break
        lines.append(line)
    return "\n".join(lines)


class Intake(commands.Cog):
    leads = app_commands.Group(name="leads", description="Leads from the programme's hashtags on X, Bluesky and "
                               "Mastodon", guild_only=True)

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.queue = OrganiserQueue(bot, on_proven=self._proven)
        self.last_reports: dict[str, PollReport] = {}  # by programme key (the latest) and "key:platform"

    async def cog_load(self) -> None:
        intake = self.bot.services.intake
        for programme in self.bot.services.programmes.all():
            for platform in intake.platforms(programme):
                self.bot.add_periodic(f"poll-{platform}-{programme.key}", self._job(programme.key, platform),
                                      seconds=programme.config.intake.poll_interval_seconds)
            missing = [platform_name(p) for p in ("x", "bluesky", "mastodon")
                       if programme.config.intake.sources_on(p) and not intake.clients.can_poll_on(p)]
            if missing:
                log.info("%s: no credentials for %s: those hashtags are not read", programme.key, ", ".join(missing))

    def _job(self, key: str, platform: str) -> PeriodicJob:
        async def job() -> None:
            programme = self.bot.services.programmes.get(key)
            if programme is not None:  # a poll lost to a database outage is tried again within the interval
                await self.poll(key, platform, retry_for=programme.config.intake.poll_interval_seconds * 0.8)

        return job

    async def poll(self, key: str, platform: str = "x", *, retry_for: float = 0.0) -> PollReport | None:
        """Poll one programme's sources on one platform now (the periodic job; ``bot.tick(f"poll-x-{key}")``
        runs it on demand); ``retry_for``: seconds to keep trying while the database is unreachable."""
        programme = self.bot.services.programmes.get(key)
        if programme is None:
            return None
        report = await self.bot.services.intake.poll_retrying(
            programme, self.queue, platform, within=retry_for)
        self.last_reports[key] = self.last_reports[f"{key}:{platform}"] = report
        if report.status in ("failed", "disabled"):
            log.warning("%s poll of %s: %s (%s)", platform_name(platform), key, report.status, report.reason)
        return report

    # organisers ------------------------------------------------------------------------------------------
    @organiser_only()
    @leads.command(name="list", description="List the open leads from the programme's hashtags")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def leads_list(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        leads = await self.bot.services.intake.leads.open_leads(prog)
        await interaction.followup.send(lead_list(leads), ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @leads.command(name="dismiss", description="Close a lead without linking it")
    @app_commands.describe(lead="the person's @handle (or platform:handle, e.g. bluesky:ana.bsky.social), "
                                "or their claim code",
                           programme="which programme, when this server runs several")
    async def leads_dismiss(self, interaction: discord.Interaction, lead: str, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.bot.services.intake.leads.dismiss(prog, lead, interaction.user.id)
        text = (f"Dismissed the lead @{safe_text(done.handle, 40)} on {done.platform_name} (`{done.claim_code}`)."
                if done else f"There is no open lead {safe_text(lead, 40)!r} — `/leads list` shows them.")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @leads.command(name="merge", description="Two leads are one person (e.g. on X and Bluesky): close the second "
                                             "into the first")
    @app_commands.describe(lead_a="the lead to keep: @handle, platform:handle or claim code",
                           lead_b="the same person's other lead, closed into the first",
                           programme="which programme, when this server runs several")
    async def leads_merge(self, interaction: discord.Interaction, lead_a: str, lead_b: str,
                          programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.services.intake.leads.merge(prog, lead_a, lead_b, interaction.user.id)
        await interaction.followup.send(result.message[:1900], ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @leads.command(name="resume", description="Start reading the hashtags again after polling stopped")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def leads_resume(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        intake = self.bot.services.intake
        platforms = intake.platforms(prog) or ["x"]
        said, polls = [], []
        for platform in platforms:
            was = await intake.resume(prog, platform)
            report = await self.poll(prog.key, platform)
            name = platform_name(platform)
            said.append(f"Polling {name} again." if was else f"Polling {name} was not stopped.")
            status = report.status if report else "skipped"
            reason = f" — {safe_text(report.reason, 300)}" if report is not None and report.reason else ""
            polls.append((name, status, reason))
        if len(polls) == 1:
            text = f"{said[0]} This poll: {polls[0][1]}{polls[0][2]}"
        else:
            text = " ".join(said) + " This poll: " + "; ".join(f"{n} {st}{why}" for n, st, why in polls)
        await interaction.followup.send(text[:1900], ephemeral=True, allowed_mentions=NO_PINGS)

    # members ---------------------------------------------------------------------------------------------
    @app_commands.command(name="link", description="Link your X, Bluesky or Mastodon account to you (you'll "
                                                   "post a private code from it)")
    @app_commands.describe(handle="the account you posted from, e.g. @your_handle or bluesky:you.bsky.social")
    async def link(self, interaction: discord.Interaction, handle: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        progs = programmes_of(self.bot, interaction.user, interaction.guild_id)
        result = await self.bot.services.intake.leads.claim(interaction.user.id, interaction.user.display_name, handle,
                                                      programmes=progs)
        await interaction.followup.send(result.message, ephemeral=True, allowed_mentions=NO_PINGS)
        await interview.continue_after_claim(self.bot, result, interaction.user)

    async def _proven(self, programme: Any, discord_user_id: int, result: ClaimResult, who: Recipient | None) -> None:
        """The poller saw a member's private code posted from their account: tell them — by DM, or with DMs
        closed in their own private thread; someone who has left the server has none, so the organisers hear that
        nothing reached them — and continue onboarding (not for someone nothing reached: it would not reach them
        either, and would open an onboarding thread nobody is in)."""
        try:
            if who is not None:
                sent, _ = await send_privately_to(self.bot, programme, who, None, about="to say their account is linked",
                                                  content=result.message, allowed_mentions=NO_PINGS)
                if sent is None:
                    return
        except discord.HTTPException:
            log.warning("could not tell %s that their account is linked", discord_user_id)
        user = self.bot.get_user(discord_user_id) or await self.bot.fetch_user(discord_user_id)
        await interview.continue_after_claim(self.bot, result, user)
