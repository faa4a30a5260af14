"""The organisers' one-click rematch: the notice about an ended match carries "Find a new partner" for each person
left without one; it proposes a pair (the engine's one-person match, same rules, existing pairs untouched) with
its reasons and a Confirm button, or says kindly why nobody fits."""

from __future__ import annotations

from typing import Any

import discord

from bot.onboarding.safe_text import safe_text
from bot.services.match_end import Party
from bot.services.matching import Proposal
from cogs._common import component_programme, is_organiser
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, reply
from cogs.kit.messaging import NO_PINGS

SIDE = r"mentor|mentee"


async def _organisers_only(interaction: discord.Interaction[Any], programme_id: int) -> bool:
    programme = bot_of(interaction).services.programmes.by_id(programme_id)
    if programme is not None and interaction.guild_id == programme.guild_id and is_organiser(interaction.user,
                                                                                                programme):
        return True
    await interaction.response.send_message("Only this programme's organisers can use this button.", ephemeral=True)
    return False


class FindPartnerButton(PersistentItem[discord.ui.Button[Any]], prefix="rematch:find",
                        fields={"pid": INTEGER, "person": INTEGER, "side": SIDE}):
    """Propose a new partner for someone whose match ended."""

    def __init__(self, pid: int, person: int, side: str, label: str = "Find a new partner") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary,
                                           custom_id=self.build_id(pid, person, side)))
        self.pid, self.person, self.side = pid, person, side

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> FindPartnerButton:
        return cls(int(fields["pid"]), int(fields["person"]), fields["side"], getattr(item, "label", None)
                   or "Find a new partner")

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _organisers_only(interaction, self.pid)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = component_programme(interaction, self.pid)
        proposal = await bot_of(interaction).services.matching.propose_partner(programme, self.person, self.side)
        if proposal.mentor_id is None or proposal.mentee_id is None:
            await reply(interaction, f"Nobody fits right now, I'm afraid: {safe_text(proposal.why_not, 300)}. "
                        "They stay in the pool, so the next matching will look for a partner for them again.",
                        allowed_mentions=NO_PINGS)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(ConfirmRematchButton(self.pid, self.person, proposal.mentor_id, proposal.mentee_id))
        await reply(interaction, proposal_words(proposal), view=view, allowed_mentions=NO_PINGS)


def proposal_words(proposal: Proposal) -> str:
    assert proposal.mentor_id is not None and proposal.mentee_id is not None
    mentor = safe_text(proposal.names.get(proposal.mentor_id, "the mentor"), 60)
    mentee = safe_text(proposal.names.get(proposal.mentee_id, "the mentee"), 60)
    return (f"Proposed: **{mentor} → {mentee}** (score {proposal.score:.0f}).\nWhy: {safe_text(proposal.reasons, 900)}"
            "\nNo existing pair is changed. Confirm to pair them and introduce them to each other.")


class ConfirmRematchButton(PersistentItem[discord.ui.Button[Any]], prefix="rematch:ok",
                           fields={"pid": INTEGER, "person": INTEGER, "mentor": INTEGER, "mentee": INTEGER}):
    """Make the proposed pair (if the engine still proposes it)."""

    def __init__(self, pid: int, person: int, mentor: int, mentee: int, label: str = "Confirm") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.success,
                                           custom_id=self.build_id(pid, person, mentor, mentee)))
        self.pid, self.person, self.mentor, self.mentee = pid, person, mentor, mentee

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ConfirmRematchButton:
        return cls(int(fields["pid"]), int(fields["person"]), int(fields["mentor"]), int(fields["mentee"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _organisers_only(interaction, self.pid)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = component_programme(interaction, self.pid)
        bot = bot_of(interaction)
        proposal = Proposal(self.person, self.mentor, self.mentee)
        try:
            match_id = await bot.services.matching.create_proposed(programme, proposal, interaction.user.id)
        except ValueError as exc:
            await reply(interaction, f"Not paired: {safe_text(str(exc), 300)}.", allowed_mentions=NO_PINGS)
            return
        await reply(interaction, f"✅ Paired (match {match_id}); I'm introducing them now.")
        cog = bot.get_cog("Matching")
        announcer = getattr(cog, "announcer", None)
        if announcer is not None:
            await announcer.run()


def rematch_view(programme_id: int, parties: tuple[Party, ...]) -> discord.ui.View | None:
    """The buttons under the organisers' notice: one per person left without a partner."""
    if not parties:
        return None
    view = discord.ui.View(timeout=None)
    for party in parties:
        label = "Find a new partner" if len(parties) == 1 else f"Find a new partner for {party.name}"
        view.add_item(FindPartnerButton(programme_id, party.person_id, party.role, label))
    return view


ITEMS = (FindPartnerButton, ConfirmRematchButton)
