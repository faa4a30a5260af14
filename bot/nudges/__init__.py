"""Nudges: plans, quiet hours, pacing and answer rules. Pure domain code, no discord import.

Names are imported when first used (:func:`bot.lazy_exports.lazy_exports`): reading a config needs its
``config`` module, not every module of the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from bot.nudges.answers import (
        CHECKIN_BUTTONS,
        END_CONFIRM_BUTTONS,
        Action,
        AnswerRejected,
        AskPartnerToConfirmEnd,
        ButtonAnswer,
        ClearAtRisk,
        EndMatch,
        MarkAtRisk,
        NotifyOrganisers,
        NudgeAnswer,
        NudgeRecord,
        RecordAnswer,
        at_risk,
        follow_up,
        history_summary,
        unanswered_actions,
    )
    from bot.nudges.config import (
        DigestConfig,
        NudgePlanConfig,
        NudgesConfig,
        NudgeStep,
        OnboardingRemindersConfig,
        PacingConfig,
        QuietHoursConfig,
    )
    from bot.nudges.pacing import (
        Pacer,
        PacerStats,
        send_paced,
    )
    from bot.nudges.plan import (
        ExistingNudge,
        PlannedNudge,
        replan,
        schedule_for_match,
        week_number,
    )
    from bot.nudges.quiet import (
        is_quiet,
        next_allowed,
    )
    from bot.nudges.reminders import (
        next_digest_at,
        onboarding_reminder_times,
    )
    from bot.nudges.templates import (
        TemplateError,
        check_template,
        render_template,
    )

__getattr__ = lazy_exports(__name__, {
    "bot.nudges.answers": ("CHECKIN_BUTTONS", "END_CONFIRM_BUTTONS", "Action", "AnswerRejected", "AskPartnerToConfirmEnd", "ButtonAnswer", "ClearAtRisk", "EndMatch", "MarkAtRisk", "NotifyOrganisers", "NudgeAnswer", "NudgeRecord", "RecordAnswer", "at_risk", "follow_up", "history_summary", "unanswered_actions"),
    "bot.nudges.config": ("DigestConfig", "NudgePlanConfig", "NudgesConfig", "NudgeStep", "OnboardingRemindersConfig", "PacingConfig", "QuietHoursConfig"),
    "bot.nudges.pacing": ("Pacer", "PacerStats", "send_paced"),
    "bot.nudges.plan": ("ExistingNudge", "PlannedNudge", "replan", "schedule_for_match", "week_number"),
    "bot.nudges.quiet": ("is_quiet", "next_allowed"),
    "bot.nudges.reminders": ("next_digest_at", "onboarding_reminder_times"),
    "bot.nudges.templates": ("TemplateError", "check_template", "render_template"),
})

__all__ = [
    "CHECKIN_BUTTONS",
    "END_CONFIRM_BUTTONS",
    "Action",
    "AnswerRejected",
    "AskPartnerToConfirmEnd",
    "ButtonAnswer",
    "ClearAtRisk",
    "DigestConfig",
    "EndMatch",
    "ExistingNudge",
    "MarkAtRisk",
    "NotifyOrganisers",
    "NudgeAnswer",
    "NudgePlanConfig",
    "NudgeRecord",
    "NudgeStep",
    "NudgesConfig",
    "OnboardingRemindersConfig",
    "PacerStats",
    "Pacer",
    "PacingConfig",
    "PlannedNudge",
    "QuietHoursConfig",
    "RecordAnswer",
    "TemplateError",
    "at_risk",
    "check_template",
    "follow_up",
    "history_summary",
    "is_quiet",
    "next_allowed",
    "next_digest_at",
    "onboarding_reminder_times",
    "render_template",
    "replan",
    "schedule_for_match",
    "send_paced",
    "unanswered_actions",
    "week_number",
]
