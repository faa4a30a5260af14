"""``/programme stats``: the numbers as an embed, and the funnel + weekly activity as a PNG."""

from __future__ import annotations

import asyncio
import io

import discord

from bot import plural
from bot.goals import PROGRESS, progress_label
from bot.intake.source import platform_name
from bot.onboarding.safe_text import safe_text
from bot.services.stats import ProgrammeStats
from bot.stats import render_stats_png
from cogs.organisers._tools import percent, who

CHART_NAME = "stats.png"
LISTED = 8


def stats_embed(stats: ProgrammeStats) -> discord.Embed:
    """One line per funnel stage (``Label: n``) in the description; the rest as fields."""
    lines = ["**Funnel** (people)"]
    before: int | None = None
    for label, count in stats.funnel.stages():
        share = f" ({percent(count, before)} of the stage before)" if before is not None else ""
        lines.append(f"{label}: {count}{share}")
        before = count
    embed = discord.Embed(title=f"{stats.programme_name} — programme stats", description="\n".join(lines),
                          colour=discord.Colour.blurple(), timestamp=stats.generated_at)
    order = {"x": 0, "bluesky": 1, "mastodon": 2}
    platforms = sorted(stats.leads_by_platform.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))
    embed.add_field(name="Leads by platform",
                    value=" · ".join(f"{platform_name(p)}: {n}" for p, n in platforms) if platforms
                    else "No leads from the hashtags yet.", inline=False)
    risky = [f"{who(p.mentor_discord_id, p.mentor_name)} & {who(p.mentee_discord_id, p.mentee_name)}"
             for p in stats.at_risk[:LISTED]]
    more = f"\n… and {len(stats.at_risk) - LISTED} more" if len(stats.at_risk) > LISTED else ""
    embed.add_field(name=f"Pairs at risk: {len(stats.at_risk)}",
                    value=("\n".join(risky) + more) if risky else "None — every pair answered a recent check-in.",
                    inline=False)
    stalled = [f"{who(s.discord_user_id, s.name)} — {s.idle_hours} h idle, "
               f"{plural.count(s.reminders_sent, 'reminder')}"
               for s in stats.stalled[:LISTED]]
    more = f"\n… and {stats.stalled_count - len(stalled)} more (see `/onboarding stalled`)" \
        if stats.stalled_count > len(stalled) else ""
    embed.add_field(name=f"Stalled onboarding: {stats.stalled_count}",
                    value=("\n".join(stalled) + more) if stalled else "Nobody is stuck.", inline=False)
    rates = [f"{r.label}: {r.answered}/{r.sent} answered ({percent(r.answered, r.sent)})"
             for r in stats.answer_rates[:15]]
    overall = stats.overall_answer_rate
    embed.add_field(
        name="Check-in answer rate: " + ("—" if overall is None else f"{overall:.0%}"),
        value="\n".join(rates) if rates else "No check-ins sent yet.", inline=False)
    embed.add_field(name=f"Matches so far: {stats.matches_total}",
                    value=f"{stats.matches_total - stats.matches_ended} active, {stats.matches_ended} ended "
                          "(people who left still count, anonymously).", inline=False)
    goals = sum(stats.goals.values())
    embed.add_field(
        name=f"Goals: {goals}",
        value=(f"In {plural.count(stats.pairs_with_goals, 'pair')}: " + " · ".join(
            f"{progress_label(p)} {stats.goals.get(p, 0)}" for p in PROGRESS) + " (per pair: `/goals overview`)."
            if goals else "No pair has set goals yet.")
        + f"\nStories shared on the hashtag: {stats.stories_posted}.", inline=False)
    if stats.rounds:
        embed.add_field(name=f"Rounds: {len(stats.rounds)}", value="\n".join(
            f"{safe_text(r.name, 60)} ({r.status}): {plural.count(r.people, 'person', 'people')}, {r.matched} matched "
            f"in {plural.count(r.pairs, 'pair')}, {r.not_ready} not ready, {r.not_eligible} not eligible"
            for r in stats.rounds[-LISTED:])[:1024], inline=False)
    if stats.left_posts:  # the erasure work gave up on them: the organisers were told once, and see them here
        posts = [f"{platform_name(p.platform)} {safe_text(p.post_id, 60)} ({safe_text(p.why or 'no answer', 80)})"
                 for p in stats.left_posts[:LISTED]]
        more = f"\n… and {len(stats.left_posts) - LISTED} more" if len(stats.left_posts) > LISTED else ""
        embed.add_field(name=f"Public replies to delete by hand: {len(stats.left_posts)}",
                        value=("The platform did not delete these replies naming someone who left; please delete "
                               "them from the bot's account:\n" + "\n".join(posts) + more)[:1024], inline=False)
    cap = stats.capacity
    embed.add_field(name=f"Mentor capacity left: {cap.left}",
                    value=f"{plural.count(cap.total, 'place')} across "
                          f"{plural.count(cap.mentors, 'available mentor')}; {cap.used} in use.",
                    inline=False)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    embed.set_footer(text="Funnel: leads → joined → onboarded → matched → met (a check-in answered “we've met”) "
                          "→ in an active pair.")
    return embed


async def stats_chart(stats: ProgrammeStats) -> discord.File:
    """The PNG, rendered in a worker thread (matplotlib blocks)."""
    png = await asyncio.to_thread(render_stats_png, stats.funnel, stats.weekly, stats.programme_name)
    return discord.File(io.BytesIO(png), filename=CHART_NAME)
