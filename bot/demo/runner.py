"""Plays a whole programme against the local Discord, X, Bluesky and Mastodon: intake, joins, interviews, matching, six
weeks of nudges with answers, an ended and re-made match, a person leaving."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.demo.checkins import answer_batched
from bot.demo.events import DevDayScene
from bot.demo.goals import DemoGoals
from bot.demo.population import DemoPerson
from bot.demo.surveys import DemoSurveys
from bot.sandbox.discord import Message
from bot.sandbox.discord.actors import walk_components
from bot.sandbox.interview import conversation_channel, run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld

log = logging.getLogger(__name__)
CODE = re.compile(r"\b[A-Z]{2,6}-[A-Z0-9]{4}\b")
STEP = timedelta(hours=8)


@dataclass
class DemoState:
    phase: str = "starting"
    counts: Counter[str] = field(default_factory=Counter)
    organiser_notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Demo:
    def __init__(self, world: SandboxWorld, people: list[DemoPerson], seed: int, hashtag: str) -> None:
        self.world = world
        self.people = people
        self.rng = random.Random(seed * 7919 + 1)
        self.seed = seed
        self._clicking = asyncio.Semaphore(16)
        self.hashtag = hashtag
        self.state = DemoState()
        self.personas: dict[str, Persona] = {}
        self.codes: dict[str, str] = {}
        self.seen_nudges: set[int] = set()
        self.ended_once = False
        self.scan_cursor = 0
        self.community = DevDayScene(self) if world.preset == "runtogether" else None  # bot/demo/events.py
        self.goals = DemoGoals(self, world.preset)
        self.surveys = DemoSurveys(self, world.preset)  # bot/demo/surveys.py

    # ---- helpers ----------------------------------------------------------------------------------
    def persona(self, p: DemoPerson) -> Persona:
        if p.id not in self.personas:
            self.personas[p.id] = self.world.person(p.name, dms_open=p.dms_open, behaviours=(p.behaviour,))
        return self.personas[p.id]

    def has_command(self, name: str) -> bool:
        guild = self.world.guild
        return self.world.discord.state.find_command(name, guild.id if guild else None) is not None

    async def tick(self) -> None:
        await self.world.bot.tick()

    # ---- phases -----------------------------------------------------------------------------------
    async def intake(self) -> None:
        """Hashtag posts on X, Bluesky and the local Mastodon (with reposts, boosts and replies that must not
        become leads, and a few people posting on two platforms, whom an organiser merges); every poller runs;
        each author finds their code in the bot's reply or in the organisers' queue."""
        self.state.phase = "hashtag posts on X, Bluesky and Mastodon"
        x, bsky, masto = self.world.x, self.world.bluesky, self.world.mastodon
        bot_handle = x.bot_account.username
        handles: dict[str, list[tuple[str, str]]] = {}  # person id → [(platform, handle)]
        for i, p in enumerate(self.people):
            if not p.x_handle:
                continue
            want = "Happy to mentor" if p.role in ("mentor", "both") else "Looking for a mentor"
            subject = ", ".join(p.answers.get("subjects", [])[:1]) if isinstance(p.answers.get("subjects"), list) else ""
            text = f"{want}{' in ' + subject if subject else ''}! #{self.hashtag}"
            roll = self.rng.random()
            platforms = ["x"] if roll < 0.5 else ["bluesky"] if roll < 0.75 else ["mastodon"]
            if i % 9 == 4:  # some people post on two platforms: two leads, one person
                platforms.append("bluesky" if platforms[0] != "bluesky" else "mastodon")
            for platform in platforms:
                noise = self.rng.random() < 0.2
                fan, friend = f"fan{self.rng.randint(1, 99)}", f"friend{self.rng.randint(1, 99)}"
                if platform == "x":
                    post_id = x.add_post(text + (f" @{bot_handle}" if p.mentions_bot else ""), p.x_handle, p.name)
                    if noise:  # a retweet and a reply
                        x.add_post(f"RT @{p.x_handle}: {text}", fan, retweet_of=post_id)
                        x.add_post(f"Great idea! #{self.hashtag}", friend, reply_to=post_id)
                    handle = p.x_handle
                elif platform == "bluesky":
                    handle = f"{p.x_handle.replace('_', '-')}.bsky.social"
                    post_id = bsky.add_post(text, handle, p.name)
                    if noise:  # a repost and a reply
                        bsky.add_repost(post_id, fan)
                        bsky.add_post(f"Great idea! #{self.hashtag}", friend, reply_to=post_id)
                else:
                    handle = f"{p.x_handle}@{masto.domain}"
                    post_id = masto.add_post(text, p.x_handle, p.name)
                    if noise:  # a boost and a reply
                        masto.add_post("", fan, boost_of=post_id)
                        masto.add_post(f"Great idea! #{self.hashtag}", friend, reply_to=post_id)
                handles.setdefault(p.id, []).append((platform, handle))
                self.state.counts["posts"] += 1
                self.state.counts[f"posts on {platform}"] += 1
        for name in [n for n in self.world.bot.periodic if n.startswith("poll-")]:
            await self.world.bot.tick(name)
        await self._merge_two_platform_people(handles)
        # each author finds their code: in the bot's reply, or organisers pass on the queued invite
        found = self._codes_by_handle()
        for p in self.people:
            for _platform, handle in handles.get(p.id, []):
                code = found.get(handle.lower())
                if code:
                    self.codes[p.id] = code
                    break
        self.state.counts["codes"] = len(self.codes)

    def _codes_by_handle(self) -> dict[str, str]:
        """Claim codes by the (lower-case) handle they were given to: the bot's replies on each platform,
        then the organisers' queue ("@handle" in the message)."""
        x, bsky, masto = self.world.x, self.world.bluesky, self.world.mastodon
        out: dict[str, str] = {}
        for reply in x.replies:
            code = CODE.search(reply.text)
            if code and reply.ref("replied_to"):
                out.setdefault(x.post(reply.ref("replied_to") or "").author.username.lower(), code.group(0))
        for post in bsky.replies:
            code = CODE.search(post.text)
            parent = ((post.record.get("reply") or {}).get("parent") or {}).get("uri")
            if code and parent:
                out.setdefault(bsky.post(parent).author.handle.lower(), code.group(0))
        for status in masto.replies:
            code = CODE.search(status.text)
            if code and status.in_reply_to is not None:
                account = status.in_reply_to.account
                out.setdefault(f"{account.username}@{account.domain or masto.domain}".lower(), code.group(0))
        organisers = self.world.organisers_channel
        for m in self.world.discord.state.messages.values():
            if organisers is None or m.channel_id != organisers.id:
                continue
            code = CODE.search(m.content)
            handle = re.search(r"\(@([^)\s]+)\)|New lead from \w+: @(\S+)", m.content)
            if code and handle:
                out.setdefault((handle.group(1) or handle.group(2)).lower(), code.group(0))
        return out

    async def _merge_two_platform_people(self, handles: dict[str, list[tuple[str, str]]]) -> None:
        """An organiser tells the bot that two accounts are one person (``/leads merge``)."""
        olu, guild = self.world.organiser, self.world.guild
        if olu is None or guild is None or not self.has_command("leads"):
            return
        for accounts in handles.values():
            if len(accounts) < 2:
                continue
            (pa, ha), (pb, hb) = accounts[:2]
            try:
                answer = await olu.slash("leads", "merge", options={"lead_a": f"{pa}:{ha}", "lead_b": f"{pb}:{hb}"},
                                         guild=guild, timeout=20)
            except Exception as exc:  # the demo goes on without the merge
                log.info("could not merge %s and %s: %s", ha, hb, exc)
                continue
            self.state.counts["leads merged"] += 1
            if len(self.state.organiser_notes) < 3:
                self.state.organiser_notes.append(f"/leads merge: {answer.content[:160]}")

    async def onboard(self) -> None:
        self.state.phase = "joining and interviews"
        assert self.world.guild is not None
        questions = self.world.bot.services.programmes.all()[0].questions
        sem = asyncio.Semaphore(24)

        async def interview(p: DemoPerson) -> None:
            async with sem:
                persona = self.persona(p)
                stop = len(questions) // 2 if p.behaviour == "abandons" else None
                try:
                    result = await run_interview(persona, questions, p.answers, wrong_answers=p.wrong,
                                                 stop_after=stop, timeout=60)
                except (TimeoutError, AssertionError) as exc:
                    log.warning("%s's interview stalled: %s", p.name, exc)
                    return
                if "profile is saved" in result.last:
                    self.state.counts["onboarded"] += 1

        # people join one after another (so everyone's records are made in the same order for the same seed)
        # and start answering at once, at their own pace
        tasks = []
        for p in (p for p in self.people if p.joins):
            persona = self.persona(p)
            await persona.join(self.world.guild)
            self.state.counts["joined"] += 1
            for _ in range(1000):
                if conversation_channel(persona) is not None:
                    break
                await asyncio.sleep(0.01)
            code = self.codes.get(p.id)
            if code and self.has_command("link"):
                try:
                    await persona.slash("link", options={"code": code}, guild=self.world.guild)
                    self.state.counts["linked"] += 1
                except Exception as exc:  # a demo person who fumbles the code carries on
                    log.info("%s could not link: %s", p.name, exc)
            tasks.append(asyncio.create_task(interview(p)))
        await asyncio.gather(*tasks)

    async def open_round(self) -> None:
        """Libraries Connected runs cohorts: the organiser opens a round that asks for training first."""
        self.state.phase = "opening the round"
        olu, guild = self.world.organiser, self.world.guild
        assert olu is not None and guild is not None
        opened = await olu.slash("programme", "round", "open", guild=guild, timeout=20,
                                 options={"name": "Round 2", "prerequisites": "training"})
        self.state.organiser_notes.append(f"/programme round open: {opened.content[:160]}")

    async def training_then_close(self) -> None:
        """Most people complete the training (some confirm it themselves, the coach marks others); a few have
        not by the close, and wait for the next round."""
        self.state.phase = "training, then closing the round"
        olu, guild = self.world.organiser, self.world.guild
        assert olu is not None and guild is not None
        for p in self.people:
            persona = self.world.discord.people.get(p.name)
            if persona is None or not p.joins:
                continue
            dice = random.Random(f"{self.seed}:training:{p.id}").random()
            try:
                if dice < 0.45:
                    await persona.slash("profile", "ready", guild=guild, options={"prerequisite": "training"})
                elif dice < 0.85:
                    await olu.slash("programme", "round", "ready", guild=guild,
                                    options={"member": persona.id, "prerequisite": "training"})
                else:
                    continue
                self.state.counts["trained"] += 1
            except Exception as exc:  # someone who left meanwhile
                log.info("%s: no training recorded: %s", p.name, exc)
        closed = await olu.slash("programme", "round", "close", guild=guild, timeout=20)
        self.state.organiser_notes.append(f"/programme round close: {closed.content[:160]}")

    async def match_round(self, label: str) -> None:
        self.state.phase = f"matching ({label})"
        olu, guild = self.world.organiser, self.world.guild
        assert olu is not None and guild is not None
        preview = await olu.slash("match", "preview", guild=guild, timeout=60)
        self.state.organiser_notes.append(f"/match preview ({label}): {preview.content.splitlines()[0][:120]}")
        confirm = await olu.slash("match", "confirm", guild=guild, timeout=60)
        self.state.organiser_notes.append(f"/match confirm ({label}): {confirm.content[:160]}")
        await self.world.bot.tick("announce-pairs")
        await self.goals.set_goals()  # mentees answer their goals invitation

    def _nudge_buttons(self, msg: Message) -> list[dict[str, Any]]:
        return [c for c in walk_components(msg.components) if str(c.get("custom_id", "")).startswith("nudge:")]

    def _new_nudges(self) -> list[tuple[Persona, Message]]:
        """Bot messages with check-in buttons that arrived since the last look, and who should answer."""
        state = self.world.discord.state
        bot_id = state.bot_user.id
        by_user = {persona.id: persona for persona in self.personas.values()}
        found: list[tuple[Persona, Message]] = []
        newest = self.scan_cursor
        for mid in reversed(list(state.messages)):
            if mid <= self.scan_cursor:
                break
            newest = max(newest, mid)
            msg = state.messages[mid]
            if msg.author_id != bot_id or msg.deleted or not self._nudge_buttons(msg):
                continue
            channel = state.channels[msg.channel_id]
            if channel.guild_id is None:
                targets = [by_user[u] for u in channel.recipients if u in by_user]
            else:
                targets = [p for uid, p in by_user.items() if f"<@{uid}>" in msg.content]
            found.extend((t, msg) for t in targets[:1])
        self.scan_cursor = newest
        return sorted(found, key=lambda pm: pm[1].id)

    async def answer_nudges(self, day: int) -> None:
        by_name = {p.name: p for p in self.people}
        clicks = []
        for persona, msg in self._new_nudges():
            p = by_name.get(persona.name)
            if p is None or p.behaviour == "ignores_nudges" or p.leaves and day > 35:
                continue
            buttons = self._nudge_buttons(msg)
            ids = {str(b["custom_id"]).split(":")[1]: str(b["custom_id"]) for b in buttons}
            choice = None
            if "confirm_end" in ids:
                choice = ids["confirm_end"]
            elif p.behaviour == "ends_match" and day >= 14 and "end" in ids and not self.ended_once:
                choice, self.ended_once = ids["end"], True
            elif "met" in ids:
                # each person's own dice, so the order in which answers happen cannot change the run
                dice = random.Random(f"{self.seed}:{p.id}:{day}:{msg.content[-12:]}").random()
                choice = ids["not_yet"] if day < 5 and "not_yet" in ids and dice < 0.3 else ids["met"]
            if choice is None:
                continue
            clicks.append(self._click(persona, choice, msg))
        await asyncio.gather(*clicks)  # people answer at the same time, each their own message

    async def _click(self, persona: Persona, custom_id: str, msg: Message) -> None:
        async with self._clicking:
            try:
                await persona.click(custom_id, message=msg, timeout=10)
                self.state.counts["nudge answers"] += 1
            except Exception as exc:
                log.info("%s could not answer a nudge: %s", persona.name, exc)

    async def leave(self) -> None:
        leaver = next((p for p in self.people if p.leaves and p.id in self.personas), None)
        if leaver is None or not self.has_command("leave"):
            return
        persona = self.personas[leaver.id]
        try:
            result = await persona.slash("leave", guild=self.world.guild, timeout=20)
            buttons = [c for m in result.messages for c in walk_components(m.components) if c.get("type") == 2]
            confirm = next((b for b in buttons if "leave" in str(b.get("label", "")).lower()
                            or "delete" in str(b.get("label", "")).lower() or "yes" in str(b.get("label", "")).lower()),
                           None)
            if confirm is not None:
                await persona.click(str(confirm["custom_id"]), timeout=20)
            self.state.counts["left"] += 1
        except Exception as exc:
            log.warning("the leaver could not leave: %s", exc)

    async def weeks(self, days: int = 42) -> None:
        for day in range(1, days + 1):
            self.state.phase = f"nudges: day {day} of {days}"
            for _ in range(3):
                self.world.clock.advance(STEP)
                await self.tick()
                await self.answer_nudges(day)
                await answer_batched(self, day)  # mentors with several leaders: one check-in each (bot/demo/checkins.py)
                await self.goals.progress(day)
                await self.surveys.answer()
            if self.community is not None:
                await self.community.on_day(day)
            if day == 21 and self.ended_once:
                await self.match_round("re-match")
            if day == 35:
                await self.leave()
