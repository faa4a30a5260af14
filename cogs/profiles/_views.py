"""Persistent components of the member commands: pick an answer to change, confirm leaving."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.intake.source import platform_name
from bot.onboarding.safe_text import safe_text
from bot.redaction import Redactor
from bot.services.people import LeaveResult
from bot.services.programmes import Programme
from bot.voice import ProfileWords
from cogs.kit import interview
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, label_of, reply, selected
from cogs.kit.messaging import guild_text_channel

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


async def start_change(bot: MentorBot, programme: Programme, user: discord.abc.User, key: str) -> str:
    """Re-open one answer in the person's interview and send the question where it lives (their DMs)."""
    reached = await interview.show(bot, programme, user.id, user.display_name, action="change", key=key)
    if reached is None:
        return interview.no_interview(programme)
    words = programme.config.messages().profile
    return words.change_sent if reached else words.change_unreachable


async def joined_guild(bot: MentorBot, guild_id: int, user: discord.abc.User) -> tuple[bool, datetime | None]:
    """Whether ``user`` is a member of the guild and when they joined it (``None``: Discord could not say). From
    the interaction when it came from that guild, else the cache, else Discord (a DM, or another shard's guild)."""
    if isinstance(user, discord.Member) and user.guild.id == guild_id:
        return True, user.joined_at
    guild = bot.get_guild(guild_id)
    member = guild.get_member(user.id) if guild is not None else None
    if member is not None:
        return True, member.joined_at
    try:
        data = await bot.http.get_member(guild_id, user.id)
    except discord.NotFound:
        return False, None
    except discord.HTTPException as exc:
        log.warning("could not ask when %s joined guild %s: %s", user.id, guild_id, exc)
        return True, None
    return True, discord.utils.parse_time(data.get("joined_at"))


class ChangeAnswerSelect(PersistentItem[discord.ui.Select[Any]], prefix="profedit", fields={"pid": INTEGER}):
    def __init__(self, pid: int, options: list[discord.SelectOption] | None = None,
                 placeholder: str = "Which answer?") -> None:
        super().__init__(discord.ui.Select(custom_id=self.build_id(pid), placeholder=placeholder,
                                           options=options or [discord.SelectOption(label="-")]))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ChangeAnswerSelect:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        values = selected(interaction)
        if programme is None or not values:
            await reply(interaction, bot.services.programmes.gone_text())
            return
        await reply(interaction, await start_change(bot, programme, interaction.user, values[0]))


class LeaveButton(PersistentItem[discord.ui.Button[Any]], prefix="leave", fields={"pid": INTEGER}):
    """Deletes the data of whoever presses it (the button sits on an ephemeral message only they see)."""

    def __init__(self, pid: int, label: str = "Yes, delete my data") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.danger,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> LeaveButton:
        return cls(int(fields["pid"]), label_of(item, "Yes, delete my data"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        if programme is None:
            await reply(interaction, bot.services.programmes.gone_text())
            return
        member, joined_at = await joined_guild(bot, programme.guild_id, interaction.user)
        result = await bot.services.people.leave(programme, interaction.user.id, joined_at=joined_at, member=member)
        if result.found:
            await redact_notices(bot, programme, result)
            await redact_traces(bot, result)
            bot.dispatch("programme_leave", programme)  # features that give access by membership (the circle)
        words = programme.config.messages().profile
        if not result.found:
            await reply(interaction, words.left_nothing)
            return
        ended = ("" if not result.ended else
                 f" {words.left_ended_one if len(result.ended) == 1 else words.left_ended_many}")
        await reply(interaction,
                    f"{words.say('left', programme=safe_text(programme.config.name, 100))}{ended}"
                    f"{stories_words(result)}{replies_words(result, words)} {words.left_thanks}")


def replies_words(result: LeaveResult, words: ProfileWords) -> str:
    """What becomes of the bot's public replies that named them: deleted by the background work, minutes
    later at most (the organisers are asked to when a platform refuses)."""
    n = len(result.public_replies)
    if not n:
        return ""
    return f" {words.left_replies_one if n == 1 else words.say('left_replies_many', count=n)}"


def stories_words(result: LeaveResult) -> str:
    """What became of their stories: unposted ones deleted; public ones said plainly (they stay where they
    were posted, as the programme's post)."""
    out = ""
    if result.stories_deleted:
        out += " Your story that was not posted has been deleted." if result.stories_deleted == 1 else \
            f" Your {result.stories_deleted} stories that were not posted have been deleted."
    if result.public_stories:
        where = ", ".join(f"{platform_name(p)}{f' ({url})' if url else ''}" for p, url in result.public_stories)
        out += (f" Already public, and not deleted by leaving: the story you chose to share on {where}. It is the "
                "programme's post; ask an organiser if you'd like it taken down.")
    return out


REDACT_LIMIT = 5_000  # messages searched per channel since the person was first known


async def redact_notices(bot: Any, programme: Programme, result: LeaveResult) -> int:
    """Edit the bot's own messages in the organisers' channel that name someone who left (their mention,
    name, handle, notes), from when they were first known. Returns how many were edited."""
    if not result.names or result.known_since is None:
        return 0
    channel = await guild_text_channel(bot, programme.guild_id, programme.config.leads_channel)
    return await _redact_in(bot, channel, result) if channel is not None else 0


async def redact_traces(bot: Any, result: LeaveResult) -> int:
    """Everywhere else the bot's own messages named the person who left: the pair spaces of their matches
    (the introduction, goals, nudges), their partners' DMs ("You've been paired with …", goals, surveys), their
    private onboarding thread (deleted: it was theirs; when Discord refuses, the bot's messages there are) and
    their own DMs (the bot's messages there that hold their answers, goals or name are deleted). Returns how many
    messages were edited or deleted."""
    if not result.names or result.known_since is None:
        return 0
    done = 0
    for thread_id in result.onboarding_threads:
        channel = await _fetch(bot, thread_id)
        if channel is not None:
            done += await _delete_thread(bot, channel, result)
    for channel_id in result.message_channels:  # their check-ins, surveys, event messages: DMs or their thread
        channel = await _fetch(bot, channel_id)
        if isinstance(channel, discord.Thread):
            done += await _delete_thread(bot, channel, result)
        elif isinstance(channel, discord.DMChannel | discord.PartialMessageable):
            done += await _redact_in(bot, channel, result, delete=True, every=True)
    for space_id in result.spaces:
        channel = await _fetch(bot, space_id)
        if channel is not None:
            done += await _redact_in(bot, channel, result)
    for user_id, dm_channel_id in result.partner_dms:
        dm = await _dm(bot, user_id, dm_channel_id)
        if dm is not None:
            done += await _redact_in(bot, dm, result)
    if result.own_dm is not None:  # all of it was about them (their answers, goals, markers with their id)
        dm = await _dm(bot, *result.own_dm)
        if dm is not None:
            done += await _redact_in(bot, dm, result, delete=True, every=True)
    return done


async def _delete_thread(bot: Any, channel: Any, result: LeaveResult) -> int:
    """Their own private thread (onboarding, or messages while their DMs were closed): deleted; when Discord
    refuses, the bot's messages in it are."""
    try:
        await channel.delete(reason="the member left and their data was deleted")
        return 1
    except (discord.HTTPException, AttributeError) as exc:
        log.warning("could not delete the private thread of a member who left: %s", exc)
    return await _redact_in(bot, channel, result, delete=True, every=True)


async def _dm(bot: Any, user_id: int, dm_channel_id: int | None) -> Any:
    dm: Any = await _fetch(bot, dm_channel_id) if dm_channel_id is not None else None
    if dm is None:
        try:
            user = bot.get_user(user_id) or await bot.fetch_user(user_id)
            dm = await bot.pacer_create_dm(user)
        except discord.HTTPException as exc:
            log.warning("could not open a DM channel to redact a member who left: %s", exc)
            return None
    return dm


async def _fetch(bot: Any, channel_id: int) -> Any:
    try:
        return bot.get_channel(channel_id) or await bot.fetch_channel(channel_id)
    except discord.HTTPException:
        return None  # gone (an organiser deleted it) or out of reach: nothing of the bot's there to edit


async def _redact_in(bot: Any, channel: Any, result: LeaveResult, *, delete: bool = False,
                     every: bool = False) -> int:
    """Edit (or delete) the bot's messages in ``channel`` since the person was first known that name them, in
    their text or in any text of their embeds (title, description, fields, footer, author); with ``every``,
    delete every message of the bot's there from then until they left."""
    assert result.known_since is not None
    me = bot.user.id if bot.user else 0
    since = discord.Object(id=discord.utils.time_snowflake(result.known_since))
    # every message: only those from before they left (the answer to /leave itself may be in their DMs)
    until = discord.Object(id=discord.utils.time_snowflake(result.left_at)) if every and result.left_at else None
    redactor = Redactor(result.names)
    done = 0
    try:
        async for msg in channel.history(limit=REDACT_LIMIT, after=since, before=until, oldest_first=True):
            if msg.author.id != me:
                continue
            embeds = [e.to_dict() for e in msg.embeds]
            redacted = [redactor.embed(e) for e in embeds]
            if not every and not redactor.names_in(msg.content) and redacted == embeds:
                continue
            try:
                if delete or every:
                    await msg.delete()
                else:
                    # embeds only when one changed, and only the bot's own (rich) ones: a link preview sent back
                    # would become an embed of the bot's; Discord makes previews again from the text's links
                    changed = {"embeds": [discord.Embed.from_dict(e) for e in redacted if e.get("type", "rich") == "rich"]
                               } if redacted != embeds else {}
                    await msg.edit(content=redactor.text(msg.content), allowed_mentions=discord.AllowedMentions.none(),
                                   **changed)
                done += 1
            except discord.HTTPException as exc:  # one message refused: the others are still redacted
                log.warning("could not redact a message of the bot's about a member who left: %s", exc)
    except discord.HTTPException as exc:
        log.warning("could not redact the bot's messages about a member who left: %s", exc)
    return done


class KeepButton(PersistentItem[discord.ui.Button[Any]], prefix="leaveno", fields={"pid": INTEGER}):
    ack = "none"  # the answer needs no database

    def __init__(self, pid: int, label: str = "No, keep it") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> KeepButton:
        return cls(int(fields["pid"]), label_of(item, "No, keep it"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = bot_of(interaction).services.programmes.by_id(self.pid)
        kept = programme.config.messages().profile.kept if programme else ProfileWords().kept
        await interaction.response.edit_message(content=kept, view=None)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ChangeAnswerSelect, LeaveButton, KeepButton)
