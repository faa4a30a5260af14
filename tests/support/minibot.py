"""A small commands.Bot used by the sandbox tests (the project's own bot class plugs in later)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.sandbox.connect import sandbox_bot_kwargs


class GoalsModal(discord.ui.Modal, title="Your goals"):
    goals: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Goals", custom_id="goals", style=discord.TextStyle.long
    )
    hours: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Hours a month", custom_id="hours", required=False)

    def __init__(self, bot: MiniBot) -> None:
        super().__init__(custom_id="onboard:goals")
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.seen.append(("modal", interaction.user.id, (self.goals.value, self.hours.value)))
        await interaction.response.send_message(f"Saved your goals: {self.goals.value}")


class OnboardView(discord.ui.View):
    def __init__(self, bot: MiniBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Mentee", custom_id="onboard:role:mentee", style=discord.ButtonStyle.primary)
    async def mentee(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.bot.seen.append(("role", interaction.user.id, "mentee"))
        await interaction.response.send_message("You chose mentee. Which phases?")

    @discord.ui.button(label="Mentor", custom_id="onboard:role:mentor")
    async def mentor(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.bot.seen.append(("role", interaction.user.id, "mentor"))
        await interaction.response.edit_message(content="Mentor it is.", view=None)

    @discord.ui.select(
        custom_id="onboard:phase",
        min_values=1,
        max_values=2,
        options=[discord.SelectOption(label=p.title(), value=p) for p in ("primary", "secondary", "further")],
    )
    async def phase(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        self.bot.seen.append(("phase", interaction.user.id, tuple(select.values)))
        await interaction.response.defer()

    @discord.ui.button(label="Tell us more", custom_id="onboard:more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(GoalsModal(self.bot))


admin = app_commands.Group(name="admin", description="Organiser tools", default_permissions=discord.Permissions(manage_guild=True))
programme = app_commands.Group(name="programme", description="Programme settings", parent=admin)
match = app_commands.Group(name="match", description="Matching rounds")


@programme.command(name="setup", description="Set up a programme")
async def programme_setup(interaction: discord.Interaction, name: str, cohort_size: int = 10) -> None:
    await interaction.response.send_message(f"Programme {name} set up for {cohort_size}.")


@match.command(name="preview", description="Preview a round")
async def match_preview(interaction: discord.Interaction, size: int, person: discord.Member | None = None) -> None:
    await interaction.response.defer(thinking=True)
    who = person.display_name if person is not None else "everyone"
    await interaction.followup.send(f"Preview of {size} pairs for {who}")


class MiniBot(commands.Bot):
    def __init__(self, **kwargs: Any) -> None:
        intents = discord.Intents.default()
        intents.members = True
        intents.message_content = True
        options: dict[str, Any] = {"command_prefix": "!", "intents": intents, **sandbox_bot_kwargs()}
        options.update(kwargs)
        super().__init__(**options)
        self.seen: list[tuple[str, int, Any]] = []
        self.errors: list[BaseException] = []
        self.joined = asyncio.Event()

    async def setup_hook(self) -> None:
        self.add_view(OnboardView(self))
        self.tree.add_command(admin)
        self.tree.add_command(match)

        @self.tree.command(name="ping", description="Is the bot alive?")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="slow", description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(3.3)
            try:
                await interaction.response.send_message("too late")
            except discord.NotFound as exc:
                self.errors.append(exc)

        @self.tree.command(name="progress", description="Defers, then edits the original response")
        async def progress(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content="Step 1 of 2")
            await interaction.edit_original_response(content="Done: 2 of 2")
            await interaction.followup.send("Only you can see this", ephemeral=True)

        @self.tree.command(name="report", description="Defers privately, then answers with follow-ups")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("Report ready")
            await interaction.followup.send("And one more note", ephemeral=True)

        @self.tree.command(name="goals", description="Opens a modal")
        async def goals(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(GoalsModal(self))

        await self.tree.sync()

    async def on_member_join(self, member: discord.Member) -> None:
        self.seen.append(("join", member.id, member.guild.id))
        try:
            await member.send(f"Welcome {member.display_name}! Mentee or mentor?", view=OnboardView(self))
        except discord.Forbidden as exc:
            self.errors.append(exc)
        finally:
            self.joined.set()

    async def on_member_remove(self, member: discord.Member) -> None:
        self.seen.append(("leave", member.id, member.guild.id))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(("message", message.author.id, message.content))
        if message.guild is None:
            await message.channel.send(f"Noted: {message.content}")
