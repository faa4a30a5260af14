"""Turning a flow step into a Discord message: text, embed and persistent components."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.onboarding.flow import AskQuestion, Done, Notice, ShowSummary, Step
from bot.onboarding.questions import Question
from bot.onboarding.safe_text import safe_text
from bot.onboarding.validate import expectation
from bot.voice import Voice

MAX_BUTTONS = 5
NO_PINGS = discord.AllowedMentions.none()


@dataclass
class Rendered:
    content: str
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None


def _button(custom_id: str, label: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> discord.ui.Button[discord.ui.View]:
    return discord.ui.Button(label=label[:80], custom_id=custom_id, style=style)


def question_view(pid: int, step: AskQuestion) -> discord.ui.View | None:
    """Buttons up to 5 options, a select menu beyond; typed answers need no components."""
    q: Question = step.question
    view = discord.ui.View(timeout=None)
    if step.choices:  # ambiguous time zone: offer the candidates
        select: discord.ui.Select[discord.ui.View] = discord.ui.Select(
            custom_id=f"onbsel:{pid}:{q.key}", placeholder="Pick your time zone",
            options=[discord.SelectOption(label=z[:100], value=z[:100]) for z in step.choices[:25]],
        )
        view.add_item(select)
    elif q.kind == "single" and len(q.options) <= MAX_BUTTONS:
        for opt in q.options:
            view.add_item(_button(f"onb:{pid}:{q.key}:{opt.value}", opt.label, discord.ButtonStyle.primary))
    elif q.kind in ("single", "multi"):
        lo, hi = q.choice_range if q.kind == "multi" else (1, 1)
        select = discord.ui.Select(
            custom_id=f"onbsel:{pid}:{q.key}",
            placeholder="Choose…" if q.kind == "single" else f"Choose {lo}–{hi}…" if lo != hi else f"Choose {lo}…",
            min_values=max(1, lo), max_values=min(hi, len(q.options)),
            options=[
                discord.SelectOption(label=o.label, value=o.value, description=o.description) for o in q.options[:25]
            ],
        )
        view.add_item(select)
        if q.kind == "multi" and lo == 0:
            view.add_item(_button(f"onb:{pid}:{q.key}:none", "None of these"))
    elif q.kind == "consent":
        view.add_item(_button(f"onb:{pid}:{q.key}:yes", "Yes, I agree", discord.ButtonStyle.success))
        view.add_item(_button(f"onb:{pid}:{q.key}:no", "No", discord.ButtonStyle.danger))
    elif q.kind == "number" and q.min_value is not None and q.max_value is not None \
            and q.max_value - q.min_value < MAX_BUTTONS:
        for n in range(q.min_value, q.max_value + 1):
            view.add_item(_button(f"onb:{pid}:{q.key}:{n}", str(n), discord.ButtonStyle.primary))
    elif q.kind == "text":
        view.add_item(_button(f"onbtxt:{pid}:{q.key}", "Write my answer", discord.ButtonStyle.primary))
        if not q.required:
            view.add_item(_button(f"onb:{pid}:{q.key}:skip", "Skip"))
    if step.suggestion_raw is not None and step.suggestion_shown:
        view.add_item(_button(f"onbsug:{pid}:{q.key}", f"Use: {step.suggestion_shown}"[:80], discord.ButtonStyle.success))
    return view if view.children else None


def question_count_phrase(step: AskQuestion) -> str:
    """The promise the welcome makes; it matches the "Question n of N" lines that follow."""
    left = step.total - step.number + 1
    noun = "short question" if left == 1 else "short questions"
    more = "more " if step.number > 1 else ""
    return f"I'll ask you {'up to ' if step.total_may_shrink else ''}{left} {more}{noun}"


def render_guess(pid: int, step: AskQuestion) -> Rendered:
    """A guess from a linked post for the question already on screen: the guess and a "Use" button only,
    so the question itself is not asked a second time."""
    q = step.question
    view = discord.ui.View(timeout=None)
    view.add_item(_button(f"onbsug:{pid}:{q.key}", f"Use: {step.suggestion_shown}"[:80], discord.ButtonStyle.success))
    return Rendered(
        f"From your post I guessed: **{step.suggestion_shown}** for “{safe_text(q.display_label, 80)}” — "
        "press “Use”, or answer the question above.", view=view)


def render_step(pid: int, step: Step, *, programme_name: str, voice: Voice, intro: bool = False) -> Rendered:
    if isinstance(step, AskQuestion):
        q = step.question
        lines = []
        if intro:
            lines.append(voice.say("welcome", programme=safe_text(programme_name, 100),
                                   questions=question_count_phrase(step)))
        if step.ack:
            lines.append(f"✅ {step.ack}")
        if step.reask_reason:
            lines.append(f"⚠️ {step.reask_reason}")
        lines.append(f"**Question {step.number} of {step.total}** — {q.prompt}")
        if step.current_shown:
            lines.append(f"Your current answer: {step.current_shown}")
        if step.suggestion_shown:
            lines.append(f"From your post I guessed: **{step.suggestion_shown}** — press “Use” or answer differently.")
        hint = q.help or ("" if q.kind == "timezone" else expectation(q))  # its prompt gives the examples
        if q.kind == "number" and q.min_value is not None and q.max_value is not None \
                and q.max_value - q.min_value < MAX_BUTTONS:
            lines.append("Tap a number below, or type it here.")
        elif q.kind in ("number", "timezone", "text") and not step.choices:
            lines.append(f"_{hint}_ Type your answer here." if hint else "Type your answer here.")
        return Rendered("\n".join(lines)[:2000], view=question_view(pid, step))
    if isinstance(step, ShowSummary):
        embed = discord.Embed(title="Your answers", colour=discord.Colour.blurple())
        for label, shown in step.lines[:25]:
            embed.add_field(name=label[:256], value=(shown or "—")[:1024], inline=False)
        view = discord.ui.View(timeout=None)
        if step.can_confirm:
            view.add_item(_button(f"onbok:{pid}", "Confirm", discord.ButtonStyle.success))
        view.add_item(discord.ui.Select(
            custom_id=f"onbchg:{pid}", placeholder="Change an answer…",
            options=[discord.SelectOption(label=label[:100], value=key)
                     for (label, _), key in list(zip(step.lines, step.keys, strict=False))[:25]],
        ))
        text = "Here's everything you told me. Press **Confirm** if it's right, or pick an answer to change."
        if step.ack:
            text = f"✅ {step.ack}\n{text}"
        if step.blocked_reason:
            text += f"\n⚠️ {step.blocked_reason}"
        return Rendered(text, embed=embed, view=view)
    if isinstance(step, Done):
        return Rendered(voice.say("saved", programme=safe_text(programme_name, 100)))
    assert isinstance(step, Notice)
    return Rendered(step.message)
