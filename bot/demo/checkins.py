"""The demo's mentors with several mentees: each gets ONE check-in per moment listing all their pairings, and
answers each pairing in it (a select per pairing). Counted for the report: how many such check-ins went out,
for how many pairings, to how many mentors."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from bot.sandbox.discord import Message
from bot.sandbox.discord.actors import walk_components

if TYPE_CHECKING:
    from bot.demo.runner import Demo

PREFIX = "checkin:"


def _selects(msg: Message) -> list[dict[str, Any]]:
    return [c for c in walk_components(msg.components)
            if c.get("type") == 3 and str(c.get("custom_id", "")).startswith(PREFIX)]


def batched_checkins(demo: Demo) -> list[Message]:
    """Every check-in the bot sent listing several pairings (one message per person and moment)."""
    state = demo.world.discord.state
    return [m for m in state.messages.values()
            if m.author_id == state.bot_user.id and not m.deleted and m.content.count("ref:n") > 1 and _selects(m)]


async def answer_batched(demo: Demo, day: int) -> None:
    """Each mentor answers every open pairing of their new batched check-ins (their own dice, as in the
    runner), page by page."""
    state = demo.world.discord.state
    by_user = {persona.id: persona for persona in demo.personas.values()}
    by_name = {p.name: p for p in demo.people}
    for msg in batched_checkins(demo):
        if msg.id in demo.seen_nudges:
            continue
        demo.seen_nudges.add(msg.id)
        channel = state.channels[msg.channel_id]
        persona = next((by_user[u] for u in channel.recipients if u in by_user), None)
        person = by_name.get(persona.name) if persona is not None else None
        if persona is None or person is None or person.behaviour == "ignores_nudges":
            continue
        demo.state.counts["batched check-ins"] += 1
        demo.state.counts["pairings in batched check-ins"] += msg.content.count("ref:n")
        for _page in range(20):
            current = state.messages[msg.id]
            open_ = [s for s in _selects(current) if not s.get("disabled")]
            for select in open_:
                dice = random.Random(f"{demo.seed}:{person.id}:{day}:{select['custom_id']}").random()
                choice = "not_yet" if day < 5 and dice < 0.3 else "met"
                try:
                    answered = await persona.choose(choice, custom_id=str(select["custom_id"]), message=current,
                                                    timeout=10)
                    await answered.wait_answer(10)
                    demo.state.counts["nudge answers"] += 1
                except Exception:
                    continue
            nxt = next((c for c in walk_components(state.messages[msg.id].components)
                        if str(c.get("custom_id", "")).startswith("checkinpage:") and "▶" in str(c.get("label"))),
                       None)
            if nxt is None:
                break
            turned = await persona.click(str(nxt["custom_id"]), message=state.messages[msg.id], timeout=10)
            await turned.wait_answer(10)


def summary(demo: Demo) -> dict[str, int]:
    """For the report: one check-in per mentor and moment, however many leaders they support."""
    sent = batched_checkins(demo)
    return {"messages": len(sent), "pairings": sum(m.content.count("ref:n") for m in sent),
            "people": len({m.channel_id for m in sent})}
