"""The interview as Discord messages: a flow step rendered with its persistent components, delivered where
the person's conversation lives (their DMs, else a private thread in the onboarding channel).

Onboarding runs the interview; profiles (change an answer), organisers (re-nudge) and intake (continue after a
claim code) show its next step too — all through :func:`start`, :func:`show` and :func:`deliver` here.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.intake.outcomes import ClaimResult
from bot.onboarding.flow import AskQuestion, Done, Notice, ShowSummary, Step
from bot.onboarding.safe_text import safe_text
from bot.onboarding.validate import expectation
from bot.services.onboarding import Action, Conversation
from bot.services.programmes import Programme
from bot.voice import InterviewWords
from cogs.kit.interactions import INTEGER, KEY, KitModal, PersistentItem, bot_of, label_of, selected
from cogs.kit.messaging import (
    DMS_CLOSED,
    NO_PINGS,
    Outgoing,
    find_text_channel,
    in_server,
    mention_user,
    tell_organisers,
    unreachable_notice,
)

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
MAX_BUTTONS = 5


_INTERVIEW_ID = re.compile(r"^onb(?:sel|sug|txt|ok|chg)?:(\d+)(?::|$)")


def interview_of(message: discord.Message) -> int | None:
    """The programme whose interview a bot message belongs to, from its components' custom_ids (None: not an
    interview message, or one without components)."""
    for row in message.components:
        for item in getattr(row, "children", [row]):
            found = _INTERVIEW_ID.match(str(getattr(item, "custom_id", None) or ""))
            if found:
                return int(found.group(1))
    return None


def no_interview(programme: Programme) -> str:
    """The answer to someone with no interview in ``programme`` (any more), in its voice."""
    return programme.config.messages().interview.say("no_interview", programme=safe_text(programme.config.name, 100))


async def shares_channel(bot: MentorBot, user_id: int, channel_id: int | None) -> bool:
    """Whether another programme's unfinished interview runs where this one is shown (then each message of
    the interview names its programme)."""
    if channel_id is None or len(bot.services.programmes.all()) < 2:
        return False
    here = await bot.services.onboarding.find_open(user_id, channel_id)
    return here is not None and here.shared


# ---- components: each builds and parses its own custom_id ------------------------------------------------
def _button(custom_id: str, label: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=label[:80], custom_id=custom_id, style=style)


async def run_action(interaction: discord.Interaction[Any], pid: int, action: Action, raw: object = None,
                     key: str | None = None) -> None:
    """Apply a click/select/modal (already acknowledged) to the person's conversation; show what comes next."""
    bot = bot_of(interaction)
    programme = bot.services.programmes.by_id(pid)
    if programme is None:
        await interaction.followup.send(bot.services.programmes.gone_text(), ephemeral=True)
        return
    conv = await bot.services.onboarding.act(programme, interaction.user.id, action, raw=raw, key=key)
    if conv is None:
        await interaction.followup.send(no_interview(programme), ephemeral=True)
        return
    rendered = render_step(programme, conv.step,
                           named=await shares_channel(bot, interaction.user.id, interaction.channel_id))
    shown = await interaction.edit_original_response(content=rendered.content, embed=rendered.embed,
                                                     view=rendered.view, allowed_mentions=NO_PINGS)
    await bot.services.onboarding.asked(conv.session_id, shown.id)


class AnswerButton(PersistentItem[discord.ui.Button[Any]], prefix="onb",
                   fields={"pid": INTEGER, "key": KEY, "value": r"[a-z0-9_\-]+"}):
    ack = "visible"

    def __init__(self, pid: int, key: str, value: str, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.primary) -> None:
        super().__init__(_button(self.build_id(pid, key, value), label, style))
        self.pid, self.key, self.value = pid, key, value

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> AnswerButton:
        return cls(int(fields["pid"]), fields["key"], fields["value"], label_of(item, "…"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "answer", raw=self.value, key=self.key)


class AnswerSelect(PersistentItem[discord.ui.Select[Any]], prefix="onbsel", fields={"pid": INTEGER, "key": KEY}):
    ack = "visible"

    def __init__(self, pid: int, key: str, **select: Any) -> None:
        select.setdefault("options", [discord.SelectOption(label="-")])
        super().__init__(discord.ui.Select(custom_id=self.build_id(pid, key), **select))
        self.pid, self.key = pid, key

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> AnswerSelect:
        return cls(int(fields["pid"]), fields["key"])

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        values = selected(interaction)
        programme = bot_of(interaction).services.programmes.by_id(self.pid)
        question = programme.question(self.key) if programme else None
        raw: object = values if question is not None and question.kind == "multi" else (values[0] if values else "")
        await run_action(interaction, self.pid, "answer", raw=raw, key=self.key)


class SuggestionButton(PersistentItem[discord.ui.Button[Any]], prefix="onbsug", fields={"pid": INTEGER, "key": KEY}):
    """"Use: …" — the answer guessed from the person's hashtag post (read from their interview when pressed)."""

    ack = "visible"

    def __init__(self, pid: int, key: str, label: str = "Use") -> None:
        super().__init__(_button(self.build_id(pid, key), label, discord.ButtonStyle.success))
        self.pid, self.key = pid, key

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SuggestionButton:
        return cls(int(fields["pid"]), fields["key"])

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        conv = await bot.services.onboarding.act(programme, interaction.user.id, "show") if programme else None
        step = conv.step if conv else None
        raw = step.suggestion_raw if isinstance(step, AskQuestion) and step.question.key == self.key else None
        await run_action(interaction, self.pid, "answer", raw="" if raw is None else raw, key=self.key)


class TextAnswerModal(KitModal):
    ack = "visible"

    def __init__(self, pid: int, key: str, label: str, max_length: int, required: bool,
                 title: str = "Your answer") -> None:
        super().__init__(title=title[:45], custom_id=f"onbmodal:{pid}:{key}", timeout=900)
        self.pid, self.key = pid, key
        self.answer: discord.ui.TextInput[TextAnswerModal] = discord.ui.TextInput(
            label=label[:45], max_length=min(max_length, 4000), required=required,
            style=discord.TextStyle.paragraph if max_length > 100 else discord.TextStyle.short,
        )
        self.add_item(self.answer)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "answer", raw=self.answer.value or "", key=self.key)


class TextAnswerButton(PersistentItem[discord.ui.Button[Any]], prefix="onbtxt", fields={"pid": INTEGER, "key": KEY}):
    """Opens the modal for a typed answer (a modal is a first response: no deferral, no database)."""

    ack = "none"

    def __init__(self, pid: int, key: str, label: str = "Write my answer") -> None:
        super().__init__(_button(self.build_id(pid, key), label, discord.ButtonStyle.primary))
        self.pid, self.key = pid, key

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> TextAnswerButton:
        return cls(int(fields["pid"]), fields["key"], label_of(item, "Write my answer"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = bot_of(interaction).services.programmes.by_id(self.pid)
        question = programme.question(self.key) if programme else None
        words = programme.config.messages().interview if programme else InterviewWords()
        if question is None:
            await interaction.response.send_message(words.question_gone, ephemeral=True)
            return
        await interaction.response.send_modal(TextAnswerModal(
            self.pid, self.key, question.display_label, question.max_length, question.required, words.answer_title))


class ConfirmButton(PersistentItem[discord.ui.Button[Any]], prefix="onbok", fields={"pid": INTEGER}):
    ack = "visible"

    def __init__(self, pid: int, label: str = "Confirm") -> None:
        super().__init__(_button(self.build_id(pid), label, discord.ButtonStyle.success))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ConfirmButton:
        return cls(int(fields["pid"]), label_of(item, "Confirm"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "confirm")


class ChangeSelect(PersistentItem[discord.ui.Select[Any]], prefix="onbchg", fields={"pid": INTEGER}):
    ack = "visible"

    def __init__(self, pid: int, **select: Any) -> None:
        select.setdefault("options", [discord.SelectOption(label="-")])
        super().__init__(discord.ui.Select(custom_id=self.build_id(pid), **select))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ChangeSelect:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        values = selected(interaction)
        await run_action(interaction, self.pid, "change", key=values[0] if values else "")


ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AnswerButton, AnswerSelect, SuggestionButton, TextAnswerButton, ConfirmButton, ChangeSelect,
)


# ---- rendering ---------------------------------------------------------------------------------------------
def question_view(pid: int, step: AskQuestion, words: InterviewWords | None = None) -> discord.ui.View | None:
    """Buttons up to 5 options, a select menu beyond; typed answers need no components."""
    q, words = step.question, words or InterviewWords()
    view = discord.ui.View(timeout=None)
    if step.choices:  # ambiguous time zone: offer the candidates
        view.add_item(AnswerSelect(pid, q.key, placeholder=words.zone_menu,
                                   options=[discord.SelectOption(label=z[:100], value=z[:100]) for z in step.choices[:25]]))
    elif q.kind == "single" and len(q.options) <= MAX_BUTTONS:
        for opt in q.options:
            view.add_item(AnswerButton(pid, q.key, opt.value, opt.label))
    elif q.kind in ("single", "multi"):
        lo, hi = q.choice_range if q.kind == "multi" else (1, 1)
        view.add_item(AnswerSelect(
            pid, q.key,
            placeholder=words.choose_menu if q.kind == "single" else words.say("choose_range", low=lo, high=hi)
            if lo != hi else words.say("choose_count", count=lo),
            min_values=max(1, lo), max_values=min(hi, len(q.options)),
            options=[discord.SelectOption(label=o.label, value=o.value, description=o.description)
                     for o in q.options[:25]],
        ))
        if q.kind == "multi" and lo == 0:
            view.add_item(AnswerButton(pid, q.key, "none", words.none_button, discord.ButtonStyle.secondary))
    elif q.kind == "consent":
        view.add_item(AnswerButton(pid, q.key, "yes", words.consent_yes, discord.ButtonStyle.success))
        view.add_item(AnswerButton(pid, q.key, "no", words.consent_no, discord.ButtonStyle.danger))
    elif q.kind == "number" and q.min_value is not None and q.max_value is not None \
            and q.max_value - q.min_value < MAX_BUTTONS:
        for n in range(q.min_value, q.max_value + 1):
            view.add_item(AnswerButton(pid, q.key, str(n), str(n)))
    elif q.kind == "text":
        view.add_item(TextAnswerButton(pid, q.key, words.write_button))
        if not q.required:
            view.add_item(AnswerButton(pid, q.key, "skip", words.skip_button, discord.ButtonStyle.secondary))
    if step.suggestion_raw is not None and step.suggestion_shown:
        view.add_item(SuggestionButton(pid, q.key, words.say("use_button", answer=step.suggestion_shown)[:80]))
    view.stop()  # nothing to keep in memory: clicks are routed by custom_id
    return view if view.children else None


def question_count_phrase(step: AskQuestion, words: InterviewWords) -> str:
    """The promise the welcome makes, in the programme's words; it matches the "Question n of N" lines that
    follow."""
    return words.will_ask_count(step.total - step.number + 1, more=step.number > 1, up_to=step.total_may_shrink)


def render_guess(programme: Programme, step: AskQuestion, *, named: bool = False) -> Outgoing:
    """A guess from a linked post for the question already on screen: the guess and a "Use" button only,
    so the question itself is not asked a second time. ``named``: as in :func:`render_step`."""
    q, words = step.question, programme.config.messages().interview
    view = discord.ui.View(timeout=None)
    view.add_item(SuggestionButton(programme.id, q.key, words.say("use_button", answer=step.suggestion_shown)[:80]))
    view.stop()
    text = words.say(
        "post_guess_above", answer=step.suggestion_shown, question=safe_text(q.display_label, 80))
    if named:
        text = f"-# {safe_text(programme.config.name, 100)}\n{text}"
    return Outgoing(text[:2000], view=view)


def render_step(programme: Programme, step: Step, *, intro: bool = False, named: bool = False) -> Outgoing:
    """One step of ``programme``'s interview as a message, in the programme's voice. ``named``: another
    interview runs in the same DM, so the message says which programme it is for."""
    pid, programme_name, voice = programme.id, programme.config.name, programme.config.messages()
    if named and not intro:
        plain = render_step(programme, step)
        plain.content = f"-# {safe_text(programme_name, 100)}\n{plain.content}"[:2000]
        return plain
    if isinstance(step, AskQuestion):
        q = step.question
        lines = []
        if intro:
            lines.append(voice.say("welcome", programme=safe_text(programme_name, 100),
                                   questions=question_count_phrase(step, voice.interview)))
        if step.ack:
            lines.append(f"✅ {step.ack}")
        if step.reask_reason:
            lines.append(f"⚠️ {step.reask_reason}")
        lines.append(f"{voice.interview.say('progress', number=step.number, total=step.total)} — {q.prompt}")
        if step.current_shown:
            lines.append(voice.interview.say("current_answer", answer=step.current_shown))
        if step.suggestion_shown:
            lines.append(voice.interview.say("records_say" if step.suggestion_from == "import" else "post_guess",
                                             answer=step.suggestion_shown))
        hint = q.help or ("" if q.kind == "timezone" else expectation(q, voice.answers))  # its prompt gives the examples
        if q.kind == "number" and q.min_value is not None and q.max_value is not None \
                and q.max_value - q.min_value < MAX_BUTTONS:
            lines.append(voice.interview.tap_number)
        elif q.kind in ("number", "timezone", "text") and not step.choices:
            lines.append(f"_{hint}_ {voice.interview.type_here}" if hint else voice.interview.type_here)
        return Outgoing("\n".join(lines)[:2000], view=question_view(pid, step, voice.interview))
    if isinstance(step, ShowSummary):
        embed = discord.Embed(title=voice.interview.summary_title, colour=discord.Colour.blurple())
        for label, shown in step.lines[:25]:
            embed.add_field(name=label[:256], value=(shown or "—")[:1024], inline=False)
        view = discord.ui.View(timeout=None)
        if step.can_confirm:
            view.add_item(ConfirmButton(pid, voice.interview.confirm_button))
        view.add_item(ChangeSelect(pid, placeholder=voice.interview.change_menu, options=[
            discord.SelectOption(label=label[:100], value=key)
            for (label, _), key in list(zip(step.lines, step.keys, strict=False))[:25]]))
        view.stop()
        text = voice.interview.summary
        if step.ack:
            text = f"✅ {step.ack}\n{text}"
        if step.consent_refused:
            text += "\n⚠️ " + voice.interview.say("consent_refused", label=step.consent_refused)
        if step.blocked_reason:
            text += f"\n⚠️ {step.blocked_reason}"
        return Outgoing(text, embed=embed, view=view)
    if isinstance(step, Done):
        return Outgoing(voice.say("saved", programme=safe_text(programme_name, 100)))
    assert isinstance(step, Notice)
    return Outgoing(step.message)


# ---- delivery ----------------------------------------------------------------------------------------------
async def _open_thread(bot: MentorBot, programme: Programme, user_id: int, name: str) -> discord.Thread | None:
    guild = bot.get_guild(programme.guild_id)
    if guild is None:
        return None
    parent = find_text_channel(guild, programme.config.onboarding_channel)
    if parent is None:
        log.warning("programme %s has no onboarding channel %r", programme.key, programme.config.onboarding_channel)
        return None
    thread = await parent.create_thread(
        name=f"onboarding – {name}"[:100], type=discord.ChannelType.private_thread, invitable=False
    )
    await thread.add_user(discord.Object(id=user_id))
    return thread


async def deliver(bot: MentorBot, conv: Conversation, message: Outgoing, user_id: int, name: str) -> bool:
    """Send ``message`` where this conversation lives; open it (DM, else private thread) when new (``conv``
    then says where).

    Returns ``False`` when the person could not be reached at all (organisers are told).
    """
    services = bot.services
    kwargs = message.kwargs()
    if conv.channel_id is not None:
        channel = bot.get_channel(conv.channel_id)
        try:
            if channel is None:
                fetched = await bot.fetch_channel(conv.channel_id)
                channel = fetched if isinstance(fetched, discord.abc.Messageable) else None
            if isinstance(channel, discord.abc.Messageable):
                sent = await bot.pacer_send(channel, **kwargs)
                await services.onboarding.asked(conv.session_id, sent.id)
                return True
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
        except discord.NotFound:
            pass
    person_dms_closed = False
    if (conv.channel_id is None or not conv.in_thread) and not conv.dms_closed:  # known closed: the thread
        try:
            user = bot.get_user(user_id) or await bot.fetch_user(user_id)
            dm = user.dm_channel or await bot.pacer_create_dm(user)
            sent = await bot.pacer_send(dm, **kwargs)
            await services.onboarding.set_channel(conv.session_id, dm.id, in_thread=False, prompt_message_id=sent.id)
            conv.channel_id, conv.in_thread = dm.id, False
            return True
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                log.warning("cannot DM %s: %s", user_id, exc)
            person_dms_closed = True
    if not await in_server(bot, conv.programme.guild_id, user_id):
        # someone who left: Discord refused their DM for that alone (not closed DMs), and a private thread would be
        # one nobody is in — the organisers hear they are gone instead
        await tell_organisers(bot, conv.programme, unreachable_notice(user_id, "for onboarding", left=True))
        return False
    if person_dms_closed:
        await services.onboarding.mark_dms_closed(conv.person_id)
    thread = await _open_thread(bot, conv.programme, user_id, name)
    if thread is None:
        await tell_organisers(bot, conv.programme,
                              f"⚠️ I can't reach <@{user_id}> for onboarding: their DMs are closed and the "
                              f"onboarding channel '{conv.programme.config.onboarding_channel}' is missing.")
        return False
    words = conv.programme.config.messages().interview
    await bot.pacer_send(thread, content=words.say("thread_intro", person=f"<@{user_id}>"),
                         allowed_mentions=mention_user(user_id))
    sent = await bot.pacer_send(thread, **kwargs)
    await services.onboarding.set_channel(conv.session_id, thread.id, in_thread=True, prompt_message_id=sent.id)
    conv.channel_id, conv.in_thread = thread.id, True
    await tell_organisers(bot, conv.programme,
                          f"🔒 <@{user_id}> has DMs closed; their onboarding continues in {thread.mention}.")
    return True


async def start(bot: MentorBot, programme: Programme, user: discord.abc.User,
                suggestions: dict[str, Any] | None = None) -> Conversation:
    """Start or resume the person's interview and send whatever comes next."""
    conv = await bot.services.onboarding.begin(programme, user.id, user.display_name, suggestions=suggestions,
                                               username=user.name)
    named = not conv.created and await shares_channel(bot, user.id, conv.channel_id)
    rendered = render_step(programme, conv.step, intro=conv.created, named=named)
    await deliver(bot, conv, rendered, user.id, user.display_name)
    return conv


async def welcome(bot: MentorBot, programme: Programme, member: discord.Member) -> Conversation | None:
    """Welcome a member who joined (live, or caught up by a pass): start their interview, or continue it when
    they come back. ``None``: their conversation was created since they joined by another welcome of this join
    (a catch-up pass and the live join, or two processes): that one sends it, this one sends nothing."""
    conv = await bot.services.onboarding.begin(programme, member.id, member.display_name, username=member.name)
    joined = member.joined_at
    if not conv.created and joined is not None and conv.began_at is not None and conv.began_at >= joined:
        return None
    named = not conv.created and await shares_channel(bot, member.id, conv.channel_id)
    await deliver(bot, conv, render_step(programme, conv.step, intro=conv.created, named=named), member.id,
                  member.display_name)
    return conv


async def show(bot: MentorBot, programme: Programme, user_id: int, name: str, *, action: Action = "show",
               key: str | None = None, preface: str = "") -> bool | None:
    """Send the person their current step (after ``action``, e.g. re-opening an answer), with ``preface``
    above it. ``None``: they have no interview here; ``False``: they could not be reached."""
    conv = await bot.services.onboarding.act(programme, user_id, action, key=key)
    if conv is None:
        return None
    rendered = render_step(programme, conv.step, named=await shares_channel(bot, user_id, conv.channel_id))
    if preface:
        rendered.content = f"{preface}\n\n{rendered.content}"[:2000]
    return await deliver(bot, conv, rendered, user_id, name)


async def continue_after_claim(bot: MentorBot, result: ClaimResult, user: discord.abc.User) -> None:
    """After a post was linked (``/link`` or a typed code): the interview starts (pre-filled with what the post
    suggested), or the guess is offered for the question already on screen. ``begin`` keeps the suggestions
    unless a concurrent answer already moved the interview on (it re-reads and tries again itself)."""
    programme = bot.services.programmes.by_id(result.programme_id) \
        if result.ok and result.programme_id is not None else None
    if programme is None:
        return
    conv = await bot.services.onboarding.begin(programme, user.id, user.display_name, suggestions=result.suggestions)
    step = conv.step
    try:
        if conv.created or conv.channel_id is None:
            rendered = render_step(programme, step, intro=conv.created)
            await deliver(bot, conv, rendered, user.id, user.display_name)
        elif isinstance(step, AskQuestion) and step.suggestion_shown is not None:
            # the question is on screen already: add the guess, don't ask it again
            named = await shares_channel(bot, user.id, conv.channel_id)
            await deliver(bot, conv, render_guess(programme, step, named=named), user.id, user.display_name)
    except discord.HTTPException:
        log.exception("could not continue the interview of %s after linking", user.id)
