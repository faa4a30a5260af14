"""``/audit``: the programme's audit log, newest first, ten events a page, with Previous/Next buttons."""

from __future__ import annotations

import json
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.plural import count
from bot.services.organisers import AuditPage
from bot.services.programmes import Programme
from cogs._common import component_programme, organiser_only, organiser_programme
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, label_of
from cogs.kit.messaging import NO_PINGS

PER_PAGE = 10


def audit_embed(programme: Programme, page: AuditPage) -> discord.Embed:
    lines = []
    for event in page.events:
        when = f"<t:{int(event.created_at.timestamp())}:f>"
        actor = f"<@{event.actor_discord_id}>" if event.actor_discord_id else "the bot / a member who left"
        detail = json.dumps(event.detail, separators=(",", ":"), default=str) if event.detail else ""
        lines.append(f"{when} {actor} **{event.action}** {safe_text(detail, 150)}".rstrip())
    embed = discord.Embed(title=f"Audit log — {programme.config.name}",
                          description="\n".join(lines)[:4000] or "Nothing recorded yet.",
                          colour=discord.Colour.dark_grey())
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages} · {count(page.total, 'event')}")
    return embed


def audit_view(programme: Programme, page: AuditPage) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AuditPageButton(programme.id, page.page - 1, "Previous", disabled=page.page <= 0))
    view.add_item(AuditPageButton(programme.id, page.page + 1, "Next", disabled=page.page + 1 >= page.pages))
    return view


class AuditPageButton(PersistentItem[discord.ui.Button[Any]], prefix="audit",
                      fields={"pid": INTEGER, "page": "-?" + INTEGER}):
    ack = "update"

    def __init__(self, pid: int, page: int, label: str = "Page", disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=self.build_id(pid, page), disabled=disabled,
                                           style=discord.ButtonStyle.secondary))
        self.pid, self.page = pid, page

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> AuditPageButton:
        return cls(int(fields["pid"]), int(fields["page"]), label_of(item, "Page"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = component_programme(interaction, self.pid)
        page = await bot_of(interaction).services.organisers.audit_page(programme, self.page, PER_PAGE)
        await interaction.edit_original_response(embed=audit_embed(programme, page),
                                                 view=audit_view(programme, page), allowed_mentions=NO_PINGS)


class AuditCommands(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @organiser_only()
    @app_commands.command(name="audit", description="Who did what, when (organisers)")
    @app_commands.guild_only()
    @app_commands.describe(page="page number (1 = newest)", programme="which programme, when there are several")
    async def audit(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 100_000] = 1,
                    programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.bot.services.organisers.audit_page(prog, page - 1, PER_PAGE)
        await interaction.followup.send(embed=audit_embed(prog, found), view=audit_view(prog, found), ephemeral=True,
                                        allowed_mentions=NO_PINGS)
