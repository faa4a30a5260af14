"""Intake beyond X, end to end: the real bot polls the local X, Bluesky and Mastodon through tweepy, the atproto
SDK and Mastodon.py; one lead and at most one reply per person (platform + account); organisers merge two
accounts of one person; a 429 or a revoked token on one platform leaves the others running."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.cli.config import credential_warnings
from bot.config import parse_config
from bot.config_errors import ConfigError
from bot.sandbox.world import MASTODON_INSTANCE, SandboxWorld, programme_table
from storage.models import Lead
from storage.queries import people
from tests.support.database import drop_test_schema
from tests.support.intake import CODE, TAG, joined, leads_of, organiser_posts, replies_per_author
from tests.support.world import make_world

pytestmark = pytest.mark.e2e

JOBS = ("poll-x-edu", "poll-bluesky-edu", "poll-mastodon-edu")
SOURCES = [
    {"platform": "bluesky", "tag": "EduMentoring"},
    {"platform": "mastodon", "tag": "EduMentoring", "instance": MASTODON_INSTANCE},
    {"platform": "mastodon", "tag": "MentorMatch", "instance": MASTODON_INSTANCE},
]
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500, "sources": SOURCES}}  # the scenarios reply to many leads an hour
BOT_BSKY = "mentorbot.bsky.social"
BSKY_SEARCH = "/xrpc/app.bsky.feed.searchPosts"
MASTO_TIMELINE = "/api/v1/timelines/tag/"


async def poll_all(world: SandboxWorld) -> None:
    await world.bot.tick(*JOBS)


def report(world: SandboxWorld, platform: str) -> Any:
    cog = world.bot.get_cog("Intake")
    assert cog is not None
    return cog.last_reports[f"edu:{platform}"]  # type: ignore[attr-defined]


def bsky_replies(world: SandboxWorld) -> Counter[str]:
    """Replies the bot posted on Bluesky, per author of the post replied to."""
    out: Counter[str] = Counter()
    for post in world.bluesky.replies:
        parent = post.record["reply"]["parent"]["uri"]
        out[world.bluesky.post(parent).author.handle] += 1
    return out


def masto_replies(world: SandboxWorld) -> Counter[str]:
    out: Counter[str] = Counter()
    for status in world.mastodon.replies:
        assert status.in_reply_to is not None
        account = status.in_reply_to.account
        out[f"{account.username}@{account.domain or MASTODON_INSTANCE}".lower()] += 1
    return out


async def prove(world: SandboxWorld, persona: Any, ref: str, platform: str, author: str) -> None:
    """``/link ref`` on Discord, then the private code posted from ``author``'s account on ``platform``."""
    answer = await persona.slash("link", options={"handle": ref})
    found = CODE.search(answer.content)
    assert found, answer.content
    text = f"It's me {TAG} {found.group(0)}"
    {"x": world.x, "bluesky": world.bluesky, "mastodon": world.mastodon}[platform].add_post(text, author)
    world.clock.advance(timedelta(minutes=5))
    await poll_all(world)


def by_platform(leads: list[Lead]) -> Counter[str]:
    return Counter(lead.platform for lead in leads)


def add_mixed_scenario(world: SandboxWorld) -> dict[str, Any]:
    """150 posts: 50 on X, 50 on Bluesky, 50 on Mastodon. Returns the expected leads, replies and queue."""
    x, bsky, masto = world.x, world.bluesky, world.mastodon
    masto.tag_timeline_boosts = True  # boosts reach the timeline too (some servers do that): never leads
    start = world.clock.now() - timedelta(hours=6)
    n = 0

    def at() -> Any:
        nonlocal n
        n += 1
        return start + timedelta(minutes=n)

    # X: 20 people who mention the bot (Ana among them), 5 who post twice, 2 who don't mention it (queued),
    # 3 posts by the bot, 5 replies, 5 quotes, 5 retweets
    firsts = [x.add_post(f"Looking for a mentor in maths @MentorBot {TAG}", h, created_at=at())
              for h in ["ana_teach"] + [f"xuser{i}" for i in range(19)]]
    for i in range(5):
        x.add_post(f"Happy to mentor science {TAG}", f"xtwice{i}", created_at=at())
        x.add_post(f"Still keen to mentor @MentorBot {TAG}", f"xtwice{i}", created_at=at())
    for h in ("xquiet0", "xquiet1"):
        x.add_post(f"Looking for a mentor {TAG}", h, created_at=at())
    for i in range(3):
        x.add_post(f"Our cohort opens soon {i} {TAG}", "MentorBot", created_at=at())
    for i in range(5):
        x.add_post(f"Great idea! {TAG}", f"xreplier{i}", reply_to=firsts[i], created_at=at())
        x.add_post(f"This! {TAG}", f"xquoter{i}", quote_of=firsts[i], created_at=at())
        x.add_post("", f"xretweeter{i}", retweet_of=firsts[i], created_at=at())

    # Bluesky: 25 people (Ana and Ben among them; one has a threadgate), 5 who post twice, 5 replies,
    # 3 quotes, 2 posts by the bot, 5 reposts (records that search never returns)
    handles = ["ana-teach", "ben-sci", "gated"] + [f"bsky{i}" for i in range(22)]
    bfirsts = [bsky.add_post(f"Looking for a mentor in English {TAG}", h, created_at=at(),
                             replies_disabled=h == "gated") for h in handles]
    for i in range(5):
        bsky.add_post(f"Happy to mentor history {TAG}", f"btwice{i}", created_at=at())
        bsky.add_post(f"Anyone? Happy to mentor history {TAG}", f"btwice{i}", created_at=at())
    for i in range(5):
        bsky.add_post(f"Great idea! {TAG}", f"breplier{i}", reply_to=bfirsts[i], created_at=at())
        bsky.add_repost(bfirsts[i], f"breposter{i}")
    for i in range(3):
        bsky.add_post(f"This! {TAG}", f"bquoter{i}", quote_of=bfirsts[i], created_at=at())
    for i in range(2):
        bsky.add_post(f"Sign up for mentoring {i} {TAG}", BOT_BSKY, created_at=at())

    # Mastodon: 20 local people (Ben among them), 5 remote, 5 with both tags (read by two feeds: stored once),
    # 5 who post twice, 5 boosts, 5 replies
    mfirsts = [masto.add_post(f"Looking for a mentor in art {TAG}", h, created_at=at())
               for h in ["ben_sci"] + [f"masto{i}" for i in range(19)]]
    for i in range(5):
        masto.add_post(f"Happy to mentor music {TAG}", f"remote{i}@other.social", created_at=at())
        masto.add_post(f"Looking for a mentor {TAG} #MentorMatch", f"both{i}", created_at=at())
    for i in range(5):
        masto.add_post(f"Happy to mentor drama {TAG}", f"mtwice{i}", created_at=at())
        masto.add_post(f"Still happy to mentor drama #MentorMatch {TAG}", f"mtwice{i}", created_at=at())
    for i in range(5):
        masto.add_post("", f"booster{i}", boost_of=mfirsts[i], created_at=at())
        masto.add_post(f"Great idea! {TAG}", f"mreplier{i}", reply_to=mfirsts[i], created_at=at())

    assert len(x.posts) == 50 and len(bsky.posts) + len(bsky.store.reposts) == 50 and len(masto.statuses) == 50
    return {"leads": {"x": 27, "bluesky": 30, "mastodon": 35}, "replies": {"x": 25, "bluesky": 29, "mastodon": 35},
            "queued": 3}


async def test_150_posts_on_three_platforms_give_one_lead_and_reply_per_person_and_links_across_platforms(
    world: SandboxWorld,
) -> None:
    expected = add_mixed_scenario(world)
    await poll_all(world)
    assert [report(world, p).status for p in ("x", "bluesky", "mastodon")] == ["done", "done", "done"]
    assert report(world, "mastodon").new_posts == 50, "a status read by both tag feeds is stored once"

    leads = await leads_of(world)
    assert by_platform(leads) == expected["leads"]
    assert len({(lead.platform, lead.author_id) for lead in leads}) == len(leads)
    handles = {lead.author_handle.lower() for lead in leads}
    assert not {"mentorbot", BOT_BSKY} & handles
    assert not any(h.startswith(("xreplier", "xquoter", "xretweeter", "breplier", "bquoter", "breposter",
                                 "booster", "mreplier")) for h in handles)
    assert "remote0@other.social" in handles and "ben_sci@mastodon.sandbox" in handles

    per = {"x": replies_per_author(world.x), "bluesky": bsky_replies(world), "mastodon": masto_replies(world)}
    assert {p: sum(c.values()) for p, c in per.items()} == expected["replies"]
    assert all(max(c.values()) == 1 for c in per.values()), "at most one reply per person"
    assert "gated.bsky.social" not in per["bluesky"]
    assert all(r.text.startswith("@") and not CODE.search(r.text) for r in world.mastodon.replies)
    queued = organiser_posts(world)
    assert len(queued) == expected["queued"]
    assert any("New lead from Bluesky: @gated.bsky.social" in m and "threadgate" in m
               and "https://bsky.app/profile/gated.bsky.social/post/" in m for m in queued)
    assert sum("New lead from X" in m for m in queued) == 2

    # polling again: nothing new, nothing twice
    world.bluesky.add_post(f"Still looking for a mentor {TAG}", "bsky0", created_at=world.clock.now())
    world.mastodon.add_post(f"Me too {TAG}", "latecomer", created_at=world.clock.now())
    world.clock.advance(timedelta(minutes=5))
    await poll_all(world)
    leads = await leads_of(world)
    assert by_platform(leads) == {**expected["leads"], "mastodon": 36}
    assert bsky_replies(world)["bsky0.bsky.social"] == 1 and masto_replies(world)["latecomer@mastodon.sandbox"] == 1
    assert len(organiser_posts(world)) == expected["queued"]

    # Ana posted on X and Bluesky: she links her X code, an organiser merges the Bluesky lead into it
    olu = world.organiser
    assert olu is not None
    ana = await joined(world, "Ana")
    await prove(world, ana, "@ana_teach", "x", "ana_teach")
    merged = await olu.slash("leads", "merge", options={"lead_a": "x:ana_teach", "lead_b": "bluesky:ana-teach.bsky.social"})
    assert "now linked to the same member" in merged.content
    # Ben posted on Bluesky and Mastodon: merged first, then either code links both
    merged = await olu.slash("leads", "merge", options={"lead_a": "mastodon:ben_sci@mastodon.sandbox",
                                                        "lead_b": "ben-sci.bsky.social"})
    assert "is merged into" in merged.content and "(Mastodon)" in merged.content
    ben = await joined(world, "Ben")
    await prove(world, ben, "bluesky:ben-sci.bsky.social", "bluesky", "ben-sci")

    leads = await leads_of(world)
    ana_leads = [lead for lead in leads if lead.author_handle in ("ana_teach", "ana-teach.bsky.social")]
    ben_leads = [lead for lead in leads if lead.author_handle in ("ben_sci@mastodon.sandbox", "ben-sci.bsky.social")]
    for pair, persona in ((ana_leads, ana), (ben_leads, ben)):
        assert len(pair) == 2 and {lead.status for lead in pair} == {"linked"}
        programme = world.bot.services.programmes.all()[0]
        async with world.bot.sessions() as s:
            person = await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                        discord_user_id=persona.id)
        assert person is not None and {lead.person_id for lead in pair} == {person.id}
        assert person.x_handle == ("ana_teach" if persona is ana else None)
    assert "already linked to someone else" in \
        (await ana.slash("link", options={"handle": "bluesky:ben-sci.bsky.social"})).content

    # organisers see the platform of every lead, in /leads list and /programme stats
    listing = (await olu.slash("leads", "list")).content
    assert "Open leads (" in listing and "Bluesky 28" in listing and "Mastodon 35" in listing and "X 26" in listing
    assert "**Bluesky** · " in listing or "**Mastodon** · " in listing or "**X** · " in listing
    stats = await olu.slash("programme", "stats", guild=world.guild)
    embed = stats.messages[0].embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Leads by platform"] == "X: 27 · Bluesky: 30 · Mastodon: 36"
    assert "Leads: 91" in embed["description"], "a person on two platforms is one person in the funnel"


async def test_a_429_on_one_platform_pauses_only_that_platform(world: SandboxWorld) -> None:
    for i in range(4):
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", f"xp{i}")
        world.bluesky.add_post(f"Looking for a mentor {TAG}", f"bp{i}")
        world.mastodon.add_post(f"Looking for a mentor {TAG}", f"mp{i}")
    world.bluesky.faults.inject("429", 1, path=BSKY_SEARCH)  # Bluesky's search is rate limited ...
    world.mastodon.faults.inject("429", 1, path="/api/v1/statuses")  # ... and so are Mastodon's replies
    await poll_all(world)
    assert report(world, "bluesky").status == "paused" and report(world, "x").status == "done"
    assert report(world, "mastodon").status == "done"
    leads = await leads_of(world)
    assert by_platform(leads) == {"x": 4, "mastodon": 4}
    assert sum(replies_per_author(world.x).values()) == 4, "X goes on"
    assert not world.mastodon.replies and {lead.status for lead in leads if lead.platform == "mastodon"} == {"new"}
    posts = len([r for r in world.mastodon.log if r.method == "POST"])
    assert posts == 1, "after a 429 the other replies wait: no request is wasted"

    searches = sum(r.path.startswith(BSKY_SEARCH) for r in world.bluesky.log)
    world.clock.advance(timedelta(minutes=2))
    await poll_all(world)
    assert sum(r.path.startswith(BSKY_SEARCH) for r in world.bluesky.log) == searches, "no search before the reset"
    world.clock.advance(timedelta(hours=3, minutes=5))  # past Bluesky's and Mastodon's reset times
    await poll_all(world)
    assert [report(world, p).status for p in ("x", "bluesky", "mastodon")] == ["done", "done", "done"]
    leads = await leads_of(world)
    assert by_platform(leads) == {"x": 4, "bluesky": 4, "mastodon": 4}
    assert {lead.status for lead in leads} == {"replied"}
    assert sum(bsky_replies(world).values()) == 4 and sum(masto_replies(world).values()) == 4
    assert not organiser_posts(world)


async def test_a_revoked_mastodon_token_is_told_once_and_the_other_platforms_go_on(world: SandboxWorld) -> None:
    await poll_all(world)  # the bot knows its accounts
    world.mastodon.revoke_token()
    for i in range(2):
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", f"xr{i}")
        world.bluesky.add_post(f"Looking for a mentor {TAG}", f"br{i}")
        world.mastodon.add_post(f"Looking for a mentor {TAG}", f"mr{i}")
    await poll_all(world)
    assert report(world, "mastodon").status == "disabled" and "401" in (report(world, "mastodon").reason or "")
    notices = organiser_posts(world)
    assert len(notices) == 2  # one per Mastodon tag feed, each once
    assert all("stopped reading #" in m and "on Mastodon (mastodon.sandbox)" in m and "/leads resume" in m
               for m in notices)

    timeline = sum(r.path.startswith(MASTO_TIMELINE) for r in world.mastodon.log)
    await poll_all(world)
    await world.restart()
    await poll_all(world)
    assert sum(r.path.startswith(MASTO_TIMELINE) for r in world.mastodon.log) == timeline, "stopped means stopped"
    assert len(organiser_posts(world)) == 2, "organisers are told once"
    assert by_platform(await leads_of(world)) == {"x": 2, "bluesky": 2}
    assert len(world.x.replies) == 2 and len(world.bluesky.replies) == 2

    world.mastodon.tokens[world.mastodon.access_token] = world.mastodon.bot_account  # the token is fixed
    assert world.organiser is not None
    resumed = (await world.organiser.slash("leads", "resume")).content
    assert "Polling Mastodon again" in resumed and "Polling X was not stopped" in resumed
    assert by_platform(await leads_of(world)) == {"x": 2, "bluesky": 2, "mastodon": 2}
    assert sum(masto_replies(world).values()) == 2


async def test_a_merge_never_causes_a_second_reply_and_refuses_two_different_members(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(tmp_path_factory,
                                     programme_overrides={"intake": {"replies_per_hour": 1, "sources": SOURCES}})
    try:
        now = world.clock.now()  # X search reads newest first: the newest post is the first lead and reply
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", "early_bird", created_at=now - timedelta(minutes=1))
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", "cy_x",  # over this hour's budget: waits
                         created_at=now - timedelta(minutes=2))
        world.bluesky.add_post(f"Looking for a mentor {TAG}", "cy")
        await poll_all(world)
        assert set(replies_per_author(world.x)) == {"early_bird"} and set(bsky_replies(world)) == {"cy.bsky.social"}
        olu = world.organiser
        assert olu is not None
        merged = await olu.slash("leads", "merge", options={"lead_a": "cy_x", "lead_b": "bluesky:cy.bsky.social"})
        assert "They already had the bot's reply on Bluesky: no second one." in merged.content
        world.clock.advance(timedelta(hours=2))
        await poll_all(world)
        assert "cy_x" not in replies_per_author(world.x), "one person, one reply"
        assert not organiser_posts(world)

        # two members who each linked a lead are not merged
        early = await joined(world, "Early")
        cy = await joined(world, "Cy")
        await prove(world, early, "@early_bird", "x", "early_bird")
        await prove(world, cy, "bluesky:cy.bsky.social", "bluesky", "cy")
        refused = await olu.slash("leads", "merge", options={"lead_a": "early_bird", "lead_b": "cy_x"})
        assert "linked to different members; nothing changed" in refused.content
        statuses = {lead.author_handle: lead.status for lead in await leads_of(world)}
        assert statuses == {"early_bird": "linked", "cy_x": "linked", "cy.bsky.social": "linked"}
    finally:
        await world.stop()
        await drop_test_schema(schema)


def test_sources_are_validated_and_check_config_names_the_missing_credentials() -> None:
    def settings(**intake: Any) -> Any:
        return parse_config({"programme": [programme_table("edu", 1, "edumentoring", intake=intake)]})

    good = settings(sources=[{"platform": "bluesky", "tag": "#EduMentoring"},
                             {"platform": "mastodon", "tag": "EduMentoring", "instance": "Mastodon.Social"}])
    sources = good.config.programme[0].intake.all_sources()
    assert [(s.platform, s.tag, s.instance) for s in sources] == [
        ("x", "EduMentoring", None), ("bluesky", "EduMentoring", None), ("mastodon", "EduMentoring", "mastodon.social")]
    for bad, says in (({"platform": "mastodon", "tag": "Edu"}, "needs instance"),
                      ({"platform": "bluesky", "tag": "Edu", "instance": "a.b"}, "only for mastodon"),
                      ({"platform": "threads", "tag": "Edu"}, "platform"),
                      ({"platform": "x", "tag": "Edu Mentoring"}, "not a hashtag")):
        with pytest.raises(ConfigError) as err:
            settings(sources=[bad])
        assert any("programme[0].intake.sources[0]" in p and says in p for p in err.value.problems), err.value.problems

    warnings = credential_warnings(good, env={})
    assert any("#EduMentoring: X_BEARER_TOKEN is not set" in w for w in warnings) or good.secrets.x_bearer_token
    assert any("Bluesky hashtags #EduMentoring: BLUESKY_HANDLE/BLUESKY_APP_PASSWORD are not set" in w for w in warnings)
    assert any("Mastodon source #EduMentoring on mastodon.social: MASTODON_ACCESS_TOKEN is not set" in w
               for w in warnings)
    ready = credential_warnings(good, env={"BLUESKY_HANDLE": "bot.bsky.social", "BLUESKY_APP_PASSWORD": "x",
                                            "MASTODON_ACCESS_TOKEN": "t"})
    assert not any("Bluesky" in w or "Mastodon" in w for w in ready)
