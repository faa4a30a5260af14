"""The demo's transcript: every message as the person saw it, in Markdown — text, embeds (title,
description, fields, footer), attachments, buttons and menus, and what the person then clicked or chose."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from bot.sandbox.discord.actors import walk_components
from bot.sandbox.discord.model import Interaction, InteractionType, Message
from bot.sandbox.world import SandboxWorld

BUTTON, SELECTS = 2, {3, 5, 6, 7, 8}
#: an interview question's own components: its answer buttons, its menu, its "write my answer" (custom_ids
#: ``onb:<programme>:<question key>:<value>``, ``onbsel:…``, ``onbtxt:…``; not a suggestion's "Use" alone)
ASKS_ID = re.compile(r"^onb(?:sel|txt)?:(\d+):([a-z][a-z0-9_]*)")
#: the structured note each interview question carries in the transcript (a Markdown comment: not shown)
ASKS_NOTE = "<!-- asks: {key} -->"
#: the note a reminder to finish the interview carries beside it (the question it asks again): found from the
#: programme's own reminder text (``[programme.onboarding_reminders] text``, else its voice's
#: ``onboarding_reminder``), never from fixed words
REMINDS_NOTE = "<!-- reminds: {key} -->"
LOADING = 1 << 7  # a deferred "thinking…" answer not yet replaced
MENTION = re.compile(r"<(@[!&]?|#)(\d{5,25})>")
#: a field shown on one line with its name when its value is this short and has no line break
SHORT_FIELD = 80


def readable(text: str, state: Any, users: dict[int, str]) -> str:
    """Mentions as Discord shows them: ``<@id>`` → @Name, ``<#id>`` → #channel, ``<@&id>`` → @role."""
    roles = {r.id: r.name for r in state.roles.values()}

    def one(found: re.Match[str]) -> str:
        kind, ident = found.group(1), int(found.group(2))
        if kind == "#":
            channel = state.channels.get(ident)
            return f"#{channel.name}" if channel is not None and channel.name else "#unknown-channel"
        if kind == "@&":
            return f"@{roles.get(ident, 'role')}"
        return f"@{users.get(ident, 'unknown-user')}"

    return MENTION.sub(one, text)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def render_embed(embed: dict[str, Any]) -> list[str]:
    """An embed as lines marked with a bar, the way Discord sets it apart: title, text, fields, footer."""
    out: list[str] = []
    if embed.get("title"):
        out.append(f"**{embed['title']}**")
    if embed.get("description"):
        out += str(embed["description"]).split("\n")
    for field in embed.get("fields") or []:
        value = str(field.get("value", ""))
        if "\n" not in value and len(value) <= SHORT_FIELD:
            out.append(f"**{field.get('name', '')}:** {value}")
        else:
            out.append(f"**{field.get('name', '')}**")
            out += value.split("\n")
    if (embed.get("image") or {}).get("url"):
        out.append(f"[image: {str(embed['image']['url']).removeprefix('attachment://')}]")
    if (embed.get("footer") or {}).get("text"):
        out.append(f"_{embed['footer']['text']}_")
    return [f"▌ {line}" for line in out]


def render_components(components: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    buttons = [f"[{c.get('label') or c.get('emoji', {}).get('name', '?')}]" + (" (disabled)" if c.get("disabled") else "")
               for c in walk_components(components) if c.get("type") == BUTTON]
    if buttons:
        out.append("Buttons: " + " ".join(buttons))
    for c in walk_components(components):
        if c.get("type") in SELECTS:
            options = ", ".join(str(o.get("label", "")) for o in c.get("options") or [])
            placeholder = c.get("placeholder") or "Choose…"
            out.append(f"Menu “{placeholder}”" + (f": {options}" if options else ""))
    return out


def _label_of(message: Message | None, custom_id: str, values: list[str]) -> str:
    """What the person clicked or picked, in the words they saw."""
    comps = list(walk_components(message.components)) if message is not None else []
    comp = next((c for c in comps if c.get("custom_id") == custom_id), None)
    if comp is None:
        return ", ".join(values) if values else "a button"
    if comp.get("type") == BUTTON:
        return f"[{comp.get('label', '?')}]"
    labels = {str(o.get("value")): str(o.get("label")) for o in comp.get("options") or []}
    return ", ".join(labels.get(v, v) for v in values) or "nothing"


def _action(inter: Interaction, name: str, message: Message | None) -> str | None:
    data = inter.data or {}
    if inter.type == InteractionType.MESSAGE_COMPONENT:
        values = [str(v) for v in data.get("values") or []]
        what = _label_of(message, str(data.get("custom_id", "")), values)
        verb = "chose" if values else "clicked"
        return f"↳ _{name} {verb} {what}_"
    if inter.type == InteractionType.MODAL_SUBMIT:
        return f"↳ _{name} filled in the form_"
    return None


def _command(inter: Interaction) -> str:
    data = inter.data or {}
    parts = [str(data.get("name", "?"))]
    options = list(data.get("options") or [])
    while options and options[0].get("type") in (1, 2):  # sub-command (group)
        parts.append(str(options[0].get("name")))
        options = list(options[0].get("options") or [])
    shown = " ".join(f"{o.get('name')}:{o.get('value')}" for o in options if "value" in o)
    return "/" + " ".join(parts) + (f" {shown}" if shown else "")


def asked_question(message: Message, prompts: dict[str, str]) -> str | None:
    """The interview question ``message`` asks, from structured data rather than its wording: the question key
    in its components' custom_ids; a typed question (no components) by its prompt, as configured (``prompts``:
    prompt → key). None: not a question (the wording of the "Question n of N" line never counts)."""
    for comp in walk_components(message.components):
        found = ASKS_ID.match(str(comp.get("custom_id", "")))
        if found:
            return found.group(2)
    return next((key for prompt, key in prompts.items() if prompt and prompt in message.content), None)


def _prompts(world: SandboxWorld) -> dict[str, str]:
    """Every programme's typed questions: prompt → key (a question answered with components is found by them)."""
    bot = world.runner.bot if world.runner is not None else None
    if bot is None:
        return {}
    return {q.prompt: q.key for p in bot.services.programmes.all() for q in p.questions}


def reminder_pattern(template: str) -> re.Pattern[str]:
    """A reminder text as sent, whatever fills its placeholders: its own words, anything in place of each
    ``{placeholder}``, at the start of the message (the question follows)."""
    parts = [re.escape(literal) + (".*?" if field is not None else "")
             for literal, field, _spec, _conv in string.Formatter().parse(template)]
    return re.compile("".join(parts), re.DOTALL)


def _reminders(world: SandboxWorld) -> list[re.Pattern[str]]:
    """Every programme's reminder to finish the interview, as a pattern."""
    bot = world.runner.bot if world.runner is not None else None
    if bot is None:
        return []
    return [reminder_pattern(p.config.onboarding_reminder()) for p in bot.services.programmes.all()]


def write_transcript(world: SandboxWorld, path: Path) -> int:
    """Every DM and channel message, grouped by conversation, oldest first (Markdown)."""
    state = world.discord.state
    users = {u.id: u.global_name or u.username for u in state.users.values()}
    by_channel: dict[int, list[Message]] = {}
    for msg in sorted(state.messages.values(), key=lambda m: m.id):
        if not msg.deleted:
            by_channel.setdefault(msg.channel_id, []).append(msg)
    used_on: dict[int, list[Interaction]] = {}
    for inter in sorted(state.interactions.values(), key=lambda i: i.id):
        if inter.message_id is not None:
            used_on.setdefault(inter.message_id, []).append(inter)
    lines = ["# Demo transcript", ""]
    prompts = _prompts(world)
    reminders = _reminders(world)
    for cid, msgs in by_channel.items():
        channel = state.channels[cid]
        if channel.guild_id is None:
            title = f"DM with {', '.join(users.get(u, str(u)) for u in channel.recipients) or cid}"
        else:
            title = f"#{channel.name}"
        lines += [f"## {title}", ""]
        for m in msgs:
            lines.append(f"- **{users.get(m.author_id, str(m.author_id))}** · {m.timestamp:%a %d %b %H:%M} UTC"
                         + _context(state, m, users))
            body: list[str] = [m.content] if m.content else []
            for embed in m.embeds:
                body += render_embed(embed)
            body += [f"[attachment: {a.filename}]" for a in m.attachments]
            body += render_components(m.components)
            if not body:
                body = ["_MentorBot is thinking…_ (no answer came)" if m.flags & LOADING else "(empty message)"]
            lines.append(_quote(readable("\n".join(body), state, users)))
            asked = asked_question(m, prompts) if m.author_id == state.bot_user.id else None
            if asked is not None:
                lines.append("  " + ASKS_NOTE.format(key=asked))
                if any(r.match(m.content) for r in reminders):
                    lines.append("  " + REMINDS_NOTE.format(key=asked))
            for inter in used_on.get(m.id, []):
                action = _action(inter, users.get(inter.user_id, str(inter.user_id)), m)
                if action:
                    lines.append(f"  {action}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(state.messages)


def _context(state: Any, m: Message, users: dict[int, str]) -> str:
    """Who else could see it: an ephemeral reply is seen by one person only, in answer to their command."""
    notes = []
    if m.visible_to is not None:
        notes.append(f"only {users.get(m.visible_to, str(m.visible_to))} sees this")
    inter = state.interactions.get(m.interaction_id) if m.interaction_id else None
    if inter is not None and inter.type == InteractionType.APPLICATION_COMMAND:
        notes.append(f"reply to {_command(inter)}")
    return f" · _{'; '.join(notes)}_" if notes else ""
