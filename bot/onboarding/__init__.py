"""Onboarding domain core: questions as data, answer validation, the conversation state machine, profiles.

No discord import and no storage here — the cog stores :class:`~bot.onboarding.flow.FlowState` as JSON.
"""

from __future__ import annotations
