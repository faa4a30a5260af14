"""The Bot subclass: receives its dependencies, loads every cog, owns the periodic jobs."""

from __future__ import annotations

import asyncio
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot.ack_first import AckFirst
from bot.clock import Clock
from bot.config import Settings
from bot.heap import QUIET_S, SETTLE_EVERY_S, Heap
from bot.nudges.pacing import Pacer
from bot.services import Services
from bot.services.erasure_work import JOB_NAME as ERASURE_JOB
from bot.services.erasure_work import RUN_SECONDS as ERASURE_EVERY_S
from bot.voice import ErrorWords
from cogs.kit import first_response
from cogs.kit.callback_wire import CallbackWire
from storage.db import SessionFactory

log = logging.getLogger(__name__)

PeriodicJob = Callable[[], Awaitable[None]]
KIT = "kit"  # cogs/kit: the shared Discord kit, a library rather than an extension
#: Keep-alive connections per host for REST, follow-ups and edits (first responses have their own,
#: :mod:`cogs.kit.first_response`). discord.py's default (no limit) opens a new connection for every concurrent
#: request: 1,000 clicks at once meant 1,000 TCP handshakes on the bot's one event loop.
REST_CONNECTIONS = 16
GLOBAL_RELEASE_S = 2.0  # a global 429's wait is a second or two: requests go on that long after a cancelled one


class UserFacingError(Exception):
    """An error whose message is meant for the person who ran the command."""


class NotOrganiser(app_commands.CheckFailure):
    """The command is for the programme's organisers."""


class MentorTree(app_commands.CommandTree["MentorBot"]):
    """Every failure of a slash command becomes one ephemeral, human answer; the rest goes to the log."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await answer_failure(interaction, error)


UNKNOWN_INTERACTION = 10062  # Discord's code: the interaction expired (no first response within 3 s) or is unknown
#: the answer to an unexpected failure, in the neutral words (a programme may word it: ``[errors] went_wrong``)
SOMETHING_WENT_WRONG = str(ErrorWords.model_fields["went_wrong"].default)


def expired(error: Exception) -> bool:
    """The interaction can no longer be answered: Discord refused it as unknown (its first response came after
    the 3-second window, or it never existed). Nothing can reach the person through it any more."""
    original = getattr(error, "original", error)
    return isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION


def error_words(interaction: discord.Interaction[Any]) -> ErrorWords:
    """The words of the programme the interaction belongs to: its server's one programme (in DMs, the bot's one
    programme); with several, or none, the neutral ones."""
    services = getattr(interaction.client, "services", None)
    if not isinstance(services, Services):
        return ErrorWords()
    registry = services.programmes
    running = registry.in_guild(interaction.guild_id) if interaction.guild_id is not None else registry.all()
    return running[0].config.messages().errors if len(running) == 1 else ErrorWords()


def failure_message(interaction: discord.Interaction[Any], error: Exception) -> str:
    """What the person is told when their command, button, select or modal failed (logged when unexpected), in
    the programme's words."""
    original = getattr(error, "original", error)
    if isinstance(original, UserFacingError):
        return str(original)
    words = error_words(interaction)
    if isinstance(error, NotOrganiser) or isinstance(original, NotOrganiser):
        return words.organisers_only
    if isinstance(error, app_commands.CommandOnCooldown):
        return words.say("cooldown", seconds=f"{error.retry_after:.0f}")
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return words.not_here
    if isinstance(error, app_commands.TransformerError):
        return words.say("not_understood", value=repr(error.value))
    data: dict[str, Any] = dict(interaction.data or {})
    what = interaction.command.qualified_name if interaction.command else data.get("custom_id", "?")
    log.error("interaction %s (%s) of user %s failed", interaction.id, what, interaction.user.id, exc_info=original)
    return words.went_wrong


async def answer_failure(interaction: discord.Interaction[Any], error: Exception) -> None:
    """The one error path of every interaction: one short, human, ephemeral answer and a log line. An interaction
    that expired before its first response gets one log line and no answer: every request through it is refused,
    and under a flood of late clicks a traceback and two refused requests each would only make the rest later."""
    if expired(error):
        data: dict[str, Any] = dict(interaction.data or {})
        what = interaction.command.qualified_name if interaction.command else data.get("custom_id", "?")
        log.warning("interaction %s (%s) of user %s expired before its first response; the person saw "
                    "\"This interaction failed\"", interaction.id, what, interaction.user.id)
        return
    await send_ephemeral(interaction, failure_message(interaction, error))


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Answer the interaction once, whether or not it was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)


@dataclass
class BotDeps:
    """Everything the bot and its cogs need, built by the caller (CLI, sandbox, tests)."""

    settings: Settings
    sessions: SessionFactory
    clock: Clock
    scheduler: AsyncIOScheduler
    services: Services | None = None
    extensions: list[str] | None = None
    sync_commands: bool = True
    #: alone in its OS process (production, a sandbox bot process): it may settle the process's heap
    owns_process: bool = False


def default_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True  # joins trigger onboarding
    intents.message_content = True  # typed answers in DMs
    return intents


def all_extensions() -> list[str]:
    """Every cog module under cogs/ (a package or a module per feature)."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__)
                  if not m.name.startswith("_") and m.name != KIT)


class MentorBot(commands.AutoShardedBot):
    """The bot. Works unsharded (``shard_count=None``) and as one process of a sharded cluster."""

    rest_connections = REST_CONNECTIONS
    #: first responses' own connections (their most at once; 0: no limit), or ``None``: they share the REST
    #: ones (discord.py's default)
    interaction_connections: int | None = first_response.INTERACTION_CONNECTIONS

    def __init__(self, deps: BotDeps, **options: Any) -> None:
        #: seconds between the IDENTIFYs of this process's shards (``None``: discord.py's 5 s, Discord's limit)
        self.identify_spacing_s: float | None = options.pop("identify_spacing_s", None)
        options.setdefault("intents", default_intents())
        # user text is never allowed to ping; pair introductions mention their two members explicitly
        options.setdefault("allowed_mentions", discord.AllowedMentions(everyone=False, roles=False, users=True))
        super().__init__(command_prefix=commands.when_mentioned, tree_cls=MentorTree, help_command=None, **options)
        self.deps = deps
        self.settings = deps.settings
        self.sessions = deps.sessions
        self.clock = deps.clock
        self.scheduler = deps.scheduler
        assert deps.services is not None, "the bot needs its services"
        self.services: Services = deps.services
        self.periodic: dict[str, PeriodicJob] = {}
        self.periodic_every: dict[str, timedelta] = {}
        self.periodic_last: dict[str, datetime] = {}
        self.pacer = Pacer(deps.settings.config.bot.pacing)
        self.failed_extensions: dict[str, str] = {}
        #: acknowledgements before work: a handler's database work waits until every interaction that
        #: arrived before it has had its first response (see :mod:`bot.ack_first`)
        self.acks = AckFirst()
        #: full garbage collections out of bursts: the heap is settled while no interaction is arriving
        self.heap = Heap()
        #: first responses on their own connections (made at login, on the event loop)
        self.interaction_session: aiohttp.ClientSession | None = None
        #: clicks acknowledged from the raw gateway event, before discord.py builds anything for them
        self.early_acks = first_response.EarlyAcks(self)
        parsers = self._connection.parsers
        parse_interaction = parsers["INTERACTION_CREATE"]
        after_the_acks = first_response.AfterTheAcks(parse_interaction)

        def interaction_create(data: Any) -> None:
            if self.early_acks.on_raw(data):  # acknowledged now; the rest once a burst's acks are on their way
                after_the_acks.defer(data)
            else:
                parse_interaction(data)

        parsers["INTERACTION_CREATE"] = interaction_create

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "interaction" and args:  # as the gateway event is parsed, before any handler runs
            interaction = args[0]
            first_response.install(interaction, self.interaction_session, self.early_acks)  # one, whoever asks
            self.acks.arrived(interaction.id, interaction.response.is_done)
        super().dispatch(event_name, *args, **kwargs)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register persistent components; those that declare how they acknowledge (``ack``) are acknowledged
        as their click arrives (:class:`cogs.kit.first_response.EarlyAcks`)."""
        super().add_dynamic_items(*items)
        for item in items:
            ack = getattr(item, "ack", None)
            if isinstance(ack, str):
                self.early_acks.declare(item.__discord_ui_compiled_template__, ack)

    async def login(self, token: str) -> None:
        if self.http.connector is discord.utils.MISSING:
            # the gateway's websockets hold connections too (on the same host as REST only in the sandbox)
            shards = len(self.shard_ids) if self.shard_ids else (self.shard_count or 1)
            per_host = self.rest_connections + shards if self.rest_connections else 0  # 0: discord.py's unlimited
            self.http.connector = aiohttp.TCPConnector(limit=0, limit_per_host=per_host)
        if self.interaction_session is None and self.interaction_connections is not None:
            self.interaction_session = first_response.interaction_session(self.interaction_connections)
        await super().login(token)
        if self.early_acks.wire is None and self.interaction_connections is not None and self.http.proxy is None:
            self.early_acks.wire = CallbackWire(discord.http.Route.BASE, user_agent=self.http.user_agent,
                                                connections=self.interaction_connections)
            await self.early_acks.wire.start()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord allows one IDENTIFY per 5 s: discord.py waits that long before every one but the first. A
        local Discord, which does not limit them, sets its own spacing (``identify_spacing_s``)."""
        if self.identify_spacing_s is None:
            await super().before_identify_hook(shard_id, initial=initial)
        elif not initial:
            await asyncio.sleep(self.identify_spacing_s)

    async def setup_hook(self) -> None:
        from cogs.matching._ending import DiscordMatchSpaces

        self._pace_every_request()
        if self.deps.owns_process:  # freezing objects in a shared process (tests) would keep others' garbage
            self.add_periodic("settle-heap", self._settle_heap, seconds=SETTLE_EVERY_S)
        self.services.ending.spaces = DiscordMatchSpaces(self)
        # what /leave queued, whichever cogs load: run as the bot starts (a process that stopped left some), when
        # /leave kicks it, and every minute for the retries
        self.add_periodic(ERASURE_JOB, self._erasure_work, seconds=ERASURE_EVERY_S, at_start=True)
        self.services.erasure_work.on_queued = lambda: self.kick(ERASURE_JOB)
        await self.services.programmes.load()
        for name in self.deps.extensions if self.deps.extensions is not None else all_extensions():
            try:
                await self.load_extension(name)
            except Exception as exc:  # a broken cog is logged, not fatal
                log.exception("could not load %s", name)
                self.failed_extensions[name] = f"{type(exc).__name__}: {exc}"
        if not self.scheduler.running:
            self.scheduler.start()
        if self.deps.sync_commands:
            await self.tree.sync()

    async def _settle_heap(self) -> None:
        took = self.heap.when_idle(busy=self.acks.busy(QUIET_S))
        if took > 0.05:
            log.info("settled the heap in %.0f ms", took * 1000)

    def _pace_every_request(self) -> None:
        """One limiter for every REST request the bot makes (interaction callbacks and follow-ups, which
        Discord does not count against the global limit, go straight through)."""
        http = self.http
        original = http.request

        async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
            if not route.path.startswith(("/interactions/", "/webhooks/")):
                await self.pacer.acquire("message")
            try:
                return await original(route, **kwargs)
            except asyncio.CancelledError:
                _release_global_limit_later(http)
                raise

        http.request = paced  # type: ignore[method-assign]

    async def pacer_send(self, channel: discord.abc.Messageable, **kwargs: Any) -> discord.Message:
        """Send a message (paced like every request); a 429 pauses every sender."""
        try:
            return await channel.send(**kwargs)
        except discord.HTTPException as exc:
            if exc.status == 429:
                retry = float(getattr(exc, "retry_after", 1.0) or 1.0)
                self.pacer.penalise(retry)
            raise

    async def pacer_create_dm(self, user: discord.User | discord.Member) -> discord.DMChannel:
        """Open a DM channel, paced: Discord quarantines bots that open many DMs quickly."""
        if user.dm_channel is not None:
            return user.dm_channel
        await self.pacer.acquire("new_dm")  # the cap on new DM channels per minute (the request is paced too)
        return await user.create_dm()

    def add_periodic(self, name: str, job: PeriodicJob, seconds: float, *, at_start: bool = False) -> None:
        """Run ``job`` every ``seconds`` (APScheduler), and let tests/the demo run it on demand (``tick``).
        ``at_start``: its first run is as the scheduler starts (work a stopped process left), not ``seconds``
        later."""
        self.periodic[name] = job
        self.periodic_every[name] = timedelta(seconds=seconds)
        first = {"next_run_time": datetime.now(UTC)} if at_start else {}
        self.scheduler.add_job(
            job, "interval", seconds=seconds, id=name, replace_existing=True, max_instances=1, coalesce=True,
            misfire_grace_time=max(1, int(seconds)), **first,
        )

    def kick(self, name: str) -> None:
        """Run periodic job ``name`` as soon as the scheduler can, without waiting for it (its interval goes
        on from then)."""
        job = self.scheduler.get_job(name)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    async def tick(self, *names: str) -> None:
        """Run periodic jobs now, in registration order: the named ones unconditionally, or (none named) every
        job whose interval has passed on the bot's clock — how the sandbox drives the schedule when its clock
        jumps forward."""
        now = self.clock.now()
        for name, job in list(self.periodic.items()):
            if names and name not in names:
                continue
            last = self.periodic_last.get(name)
            if not names and last is not None and now - last < self.periodic_every[name]:
                continue
            self.periodic_last[name] = now
            try:
                await job()
            except Exception:
                log.exception("periodic job %s failed", name)

    async def _erasure_work(self) -> None:
        """The files rewritten and the public replies deleted after a /leave (organisers told of any left)."""
        await self.services.erasure_work.run()

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.services.erasure_work.stop()  # a run under way ends, or hands its work back
        await super().close()
        if self.early_acks.wire is not None:
            await self.early_acks.wire.close()
        if self.interaction_session is not None:
            await self.interaction_session.close()


def _release_global_limit_later(http: discord.http.HTTPClient) -> None:
    """A request cancelled while discord.py slept out a *global* 429 leaves its "global limit over" flag
    cleared for good (discord.py 2.x clears it before the sleep and sets it after, without ``finally``): every
    later request of the process would wait on it forever. A cancelled request (a scheduled DM past its share of
    the claim's lease) sets it again after :data:`GLOBAL_RELEASE_S`; setting it early while another request still
    sleeps out the same limit costs at most one more 429, which discord.py waits out again."""
    over = getattr(http, "_global_over", None)
    if isinstance(over, asyncio.Event) and not over.is_set():
        log.warning("a request was cancelled during a global rate limit; requests go on in %.0f s", GLOBAL_RELEASE_S)
        asyncio.get_running_loop().call_later(GLOBAL_RELEASE_S, over.set)

