"""``/programme setup``: a guided flow (selects, buttons, one modal) that creates or edits a programme.

Page 1 picks (or creates) the places: onboarding channel, organisers' channel, pairs category, organiser
role. Page 2 picks the question preset and nudge plan; "Details…" opens a modal for the name, key,
hashtags and cohort dates. "Save" writes everything to the database (what organisers set wins over the
config file) and the programme is live at once.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

import discord
from pydantic import ValidationError

from bot.config import check_details
from bot.onboarding.questions import PRESETS
from bot.onboarding.safe_text import safe_text
from bot.services.organisers import NUDGE_PLANS, SetupDraft, plan_name
from bot.services.programmes import Programme
from cogs._common import is_organiser
from cogs.kit.interactions import KitModal, KitView, bot_of
from cogs.kit.messaging import NO_PINGS, find_text_channel, slug

log = logging.getLogger(__name__)

#: What the bot needs in the guild to run a programme, with the names Discord shows.
REQUIRED_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channels"),
    ("send_messages", "Send Messages"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("create_private_threads", "Create Private Threads"),
    ("manage_threads", "Manage Threads"),
    ("manage_channels", "Manage Channels"),
    ("manage_roles", "Manage Roles"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
    ("read_message_history", "Read Message History"),
)
PRESET_LABELS = {"edumentoring": "#EduMentoring (teachers)", "libraries": "Libraries Connected (leaders)",
                 "runtogether": "RunTogether (run leaders)"}
DEFAULT_NAMES = {"onboarding": "onboarding", "organisers": "organisers", "category": "Mentoring pairs",
                 "role": "Organisers"}


def missing_permissions(guild: discord.Guild) -> list[str]:
    """The permissions the bot lacks in ``guild``, by their Discord names (empty when all is well)."""
    perms = guild.me.guild_permissions
    if perms.administrator:
        return []
    return [label for attr, label in REQUIRED_PERMISSIONS if not getattr(perms, attr)]


def _parse_date(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label} must be a date like 2026-09-14") from None


class SetupView(KitView):
    """The whole flow, for one organiser, on one ephemeral message."""

    def __init__(self, owner_id: int, guild: discord.Guild, existing: Programme | None) -> None:
        super().__init__(timeout=900)
        self.owner_id = owner_id
        self.guild = guild
        self.existing = existing
        self.draft = SetupDraft()
        self.page = 1
        self.notice = ""
        self.render_page()

    # ---- what the message says ------------------------------------------------------------------------
    def _current(self, field: str) -> str | None:
        value = getattr(self.draft, field)
        if value is not None:
            return str(value)
        if self.existing is None:
            return None
        cfg = self.existing.config
        return {"onboarding_channel": cfg.onboarding_channel, "organisers_channel": cfg.leads_channel,
                "pairs_category": cfg.spaces.category, "organiser_role": cfg.organiser_role,
                "name": cfg.name, "key": cfg.key, "preset": cfg.questions.preset,
                "nudge_plan": plan_name(cfg.nudges)}.get(field)

    def _channel_text(self, value: str | None) -> str:
        if not value:
            return "not set"
        return f"<#{value}>" if value.isdigit() else f"#{safe_text(value, 100)}"

    def _role_text(self, value: str | None) -> str:
        if not value:
            return "not set"
        return f"<@&{value}>" if value.isdigit() else f"@{safe_text(value, 100)}"

    def content(self) -> str:
        title = (f"Setting up **{safe_text(self.existing.config.name, 100)}**" if self.existing
                 else "Setting up a new mentoring programme")
        tags = self.draft.hashtags if self.draft.hashtags is not None else (
            self.existing.config.intake.hashtags if self.existing else [])
        start = self.draft.cohort_start or (self.existing.config.cohort_start if self.existing else None)
        end = self.draft.cohort_end or (self.existing.config.cohort_end if self.existing else None)
        lines = [
            f"{title} — step {self.page} of 2.",
            f"• Name: {safe_text(self._current('name') or 'not set', 100)} (key `{self._current('key') or '—'}`)",
            f"• Onboarding channel: {self._channel_text(self._current('onboarding_channel'))}",
            f"• Organisers' channel: {self._channel_text(self._current('organisers_channel'))}",
            f"• Pairs category: {safe_text(self._category_name(), 100)}",
            f"• Organiser role: {self._role_text(self._current('organiser_role'))}",
            f"• Hashtags: {', '.join('#' + t for t in tags) or 'none'}",
            f"• Questions: {PRESET_LABELS.get(self._current('preset') or 'edumentoring', '—')}",
            f"• Nudge plan: {self._current('nudge_plan') or 'standard'}",
            f"• Cohort: {start or '—'} to {end or '—'}",
        ]
        missing = missing_permissions(self.guild)
        if missing:
            lines.append(f"⚠️ I'm missing these permissions in this server: **{', '.join(missing)}**. "
                         "Give my role them in Server Settings → Roles, then run the setup again.")
        if self.notice:
            lines.append(self.notice)
        return "\n".join(lines)[:2000]

    def _category_name(self) -> str:
        value = self._current("pairs_category") or "not set"
        if value.isdigit():
            channel = self.guild.get_channel(int(value))
            return channel.name if channel else value
        return value

    # ---- components -----------------------------------------------------------------------------------
    def render_page(self) -> None:
        self.clear_items()
        if self.page == 1:
            for placeholder, kind, field in (
                ("Onboarding channel…", discord.ChannelType.text, "onboarding_channel"),
                ("Organisers' channel…", discord.ChannelType.text, "organisers_channel"),
                ("Pairs category…", discord.ChannelType.category, "pairs_category"),
            ):
                select: discord.ui.ChannelSelect[SetupView] = discord.ui.ChannelSelect(
                    placeholder=placeholder, channel_types=[kind], min_values=1, max_values=1)
                select.callback = self._picked(field)  # type: ignore[method-assign]
                self.add_item(select)
            role: discord.ui.RoleSelect[SetupView] = discord.ui.RoleSelect(placeholder="Organiser role…")
            role.callback = self._picked("organiser_role")  # type: ignore[method-assign]
            self.add_item(role)
            self._button("Create what's missing", discord.ButtonStyle.secondary, self._create_missing)
            self._button("Next", discord.ButtonStyle.primary, self._next)
        else:
            preset: discord.ui.Select[SetupView] = discord.ui.Select(placeholder="Question preset…", options=[
                discord.SelectOption(label=PRESET_LABELS.get(p, p), value=p) for p in PRESETS])
            preset.callback = self._picked("preset")  # type: ignore[method-assign]
            self.add_item(preset)
            plan: discord.ui.Select[SetupView] = discord.ui.Select(placeholder="Nudge plan…", options=[
                discord.SelectOption(label=name.capitalize(), value=name, description=text[:100])
                for name, text in NUDGE_PLANS.items()])
            plan.callback = self._picked("nudge_plan")  # type: ignore[method-assign]
            self.add_item(plan)
            self._button("Back", discord.ButtonStyle.secondary, self._back)
            self._button("Details…", discord.ButtonStyle.secondary, self._details)
            self._button("Save", discord.ButtonStyle.success, self._save)

    def _button(self, label: str, style: discord.ButtonStyle, handler: Any) -> None:
        button: discord.ui.Button[SetupView] = discord.ui.Button(label=label, style=style)
        button.callback = handler  # type: ignore[method-assign]
        self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        member = interaction.user
        allowed = interaction.user.id == self.owner_id and isinstance(member, discord.Member) and (
            member.guild_permissions.manage_guild
            or any(is_organiser(member, p) for p in bot_of(interaction).services.programmes.in_guild(self.guild.id)))
        if not allowed:
            await interaction.response.send_message("This set-up belongs to the organiser who started it.",
                                                    ephemeral=True)
        return allowed

    async def refresh(self, interaction: discord.Interaction[Any]) -> None:
        self.render_page()
        if interaction.response.is_done():
            await interaction.edit_original_response(content=self.content(), view=self, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.edit_message(content=self.content(), view=self, allowed_mentions=NO_PINGS)

    def _picked(self, field: str) -> Any:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            values = [str(v) for v in data.get("values", [])]
            if values:
                setattr(self.draft, field, values[0])
            self.notice = ""
            await self.refresh(interaction)
        return callback

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        self.page, self.notice = 2, ""
        await self.refresh(interaction)

    async def _back(self, interaction: discord.Interaction[Any]) -> None:
        self.page, self.notice = 1, ""
        await self.refresh(interaction)

    async def _create_missing(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()
        try:
            made = await self.create_missing()
            self.notice = f"✅ Created {', '.join(made)}." if made else "Everything is already in place."
        except discord.Forbidden:
            self.notice = ("⚠️ Discord refused: I need **Manage Channels** and **Manage Roles** to create "
                           "channels and roles.")
        self.render_page()
        await interaction.edit_original_response(content=self.content(), view=self, allowed_mentions=NO_PINGS)

    async def create_missing(self) -> list[str]:
        """Create (or find by name) the role, category and channels not picked yet."""
        guild, made = self.guild, []
        role_id = self._current("organiser_role")
        role = None
        if role_id:
            role = guild.get_role(int(role_id)) if role_id.isdigit() else discord.utils.get(guild.roles, name=role_id)
        if role is None:
            role = discord.utils.get(guild.roles, name=DEFAULT_NAMES["role"])
            if role is None:
                role = await guild.create_role(name=DEFAULT_NAMES["role"], reason="mentoring programme set-up")
                made.append(f"the role @{role.name}")
            self.draft.organiser_role = str(role.id)
        private: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            role: discord.PermissionOverwrite(view_channel=True),
            guild.me: discord.PermissionOverwrite(view_channel=True, manage_channels=True),
        }
        if not self._found("pairs_category", category=True):
            category = discord.utils.get(guild.categories, name=DEFAULT_NAMES["category"])
            if category is None:
                category = await guild.create_category(DEFAULT_NAMES["category"], overwrites=private)
                made.append(f"the category {category.name}")
            self.draft.pairs_category = category.name
        if not self._found("onboarding_channel"):
            channel = find_text_channel(guild, DEFAULT_NAMES["onboarding"])
            if channel is None:
                channel = await guild.create_text_channel(DEFAULT_NAMES["onboarding"])
                made.append(f"#{channel.name}")
            self.draft.onboarding_channel = str(channel.id)
        if not self._found("organisers_channel"):
            channel = find_text_channel(guild, DEFAULT_NAMES["organisers"])
            if channel is None:
                channel = await guild.create_text_channel(DEFAULT_NAMES["organisers"], overwrites=private)
                made.append(f"#{channel.name} (organisers only)")
            self.draft.organisers_channel = str(channel.id)
        return made

    def _found(self, field: str, *, category: bool = False) -> bool:
        value = self._current(field)
        if not value:
            return False
        if category:
            return value.isdigit() and self.guild.get_channel(int(value)) is not None or \
                discord.utils.get(self.guild.categories, name=value) is not None
        return find_text_channel(self.guild, value) is not None

    async def _details(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(DetailsModal(self))

    async def _save(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()  # before the database: the answer edits this message
        bot = bot_of(interaction)
        draft = self.draft
        if self.existing is None:
            if not draft.name:
                self.notice = "⚠️ Give the programme a name first: press **Details…**."
                await self.refresh(interaction)
                return
            base = slug(draft.name)
            draft.key = draft.key or _free_key(bot.services.programmes.get, base if len(base) >= 2 else "programme")
            draft.preset = draft.preset or "edumentoring"
            draft.nudge_plan = draft.nudge_plan or "standard"
        if draft.pairs_category and draft.pairs_category.isdigit():
            channel = self.guild.get_channel(int(draft.pairs_category))
            draft.pairs_category = channel.name if channel else draft.pairs_category
        try:
            programme = await bot.services.organisers.apply_setup(self.guild.id, draft, existing=self.existing,
                                                                actor=interaction.user.id)
        except (ValueError, ValidationError) as exc:
            self.notice = f"⚠️ Not saved: {safe_text(_first_error(exc), 300)}"
            await self.refresh(interaction)
            return
        self.existing, self.draft, self.notice = programme, SetupDraft(), ""
        missing = missing_permissions(self.guild)
        warn = f"\n⚠️ Still missing permissions: **{', '.join(missing)}**." if missing else ""
        self.stop()
        await interaction.edit_original_response(
            content=f"✅ Saved **{safe_text(programme.config.name, 100)}** (key `{programme.key}`). New members "
                    f"will be welcomed and interviewed; members can also use `/join`.{warn}",
            view=None, allowed_mentions=NO_PINGS)


class DetailsModal(KitModal):
    ack = "none"  # the answer edits the set-up message at once (no database)

    def __init__(self, view: SetupView) -> None:
        super().__init__(title="Programme details", timeout=900)
        self.view = view
        current = view.existing.config if view.existing else None
        draft = view.draft
        self.name: discord.ui.TextInput[DetailsModal] = discord.ui.TextInput(
            label="Name", max_length=100, required=current is None, default=draft.name or (current.name if current else None))
        self.key: discord.ui.TextInput[DetailsModal] = discord.ui.TextInput(
            label="Key (short id, e.g. edu-2026)", max_length=40, required=False,
            default=draft.key or (current.key if current else None))
        tags = draft.hashtags if draft.hashtags is not None else (current.intake.hashtags if current else [])
        self.hashtags: discord.ui.TextInput[DetailsModal] = discord.ui.TextInput(
            label="Hashtags (space or comma separated)", max_length=200, required=False,
            default=" ".join("#" + t for t in tags) or None)
        self.start: discord.ui.TextInput[DetailsModal] = discord.ui.TextInput(
            label="Cohort start (YYYY-MM-DD)", max_length=10, required=False,
            default=str(draft.cohort_start or (current.cohort_start if current and current.cohort_start else "")) or None)
        self.end: discord.ui.TextInput[DetailsModal] = discord.ui.TextInput(
            label="Cohort end (YYYY-MM-DD)", max_length=10, required=False,
            default=str(draft.cohort_end or (current.cohort_end if current and current.cohort_end else "")) or None)
        for item in (self.name, self.key, self.hashtags, self.start, self.end):
            self.add_item(item)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        view, draft = self.view, self.view.draft
        try:
            details = check_details(
                key=self.key.value.strip().lower() if view.existing is None and self.key.value.strip() else None,
                hashtags=[t for t in re.split(r"[\s,]+", self.hashtags.value) if t.lstrip("#")],
                cohort_start=_parse_date(self.start.value, "Cohort start"),
                cohort_end=_parse_date(self.end.value, "Cohort end"))
            draft.key = details.key or draft.key
            if self.name.value.strip():
                draft.name = self.name.value.strip()
            draft.hashtags, draft.cohort_start, draft.cohort_end = \
                details.hashtags, details.cohort_start, details.cohort_end
            view.notice = "✅ Details noted — press **Save** when ready."
        except ValueError as exc:
            view.notice = f"⚠️ {safe_text(_first_error(exc), 200)}"
        await view.refresh(interaction)


def _free_key(taken: Any, base: str) -> str:
    key, n = base[:36], 2
    while taken(key) is not None:
        key, n = f"{base[:36]}-{n}", n + 1
    return key


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"{where}: {err.get('msg', '')}" if where else str(err.get("msg", ""))
    return str(exc)
