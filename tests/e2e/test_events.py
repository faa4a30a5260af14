"""Programme events end to end: an organiser creates a mentors' development day with /event create, it appears
as a Discord Scheduled Event, people mark "Interested" in Discord or answer a reminder; reminders go out once
each, in each person's daytime, to those interested and to the audience who have not answered (never to others);
the link is posted when it starts; the organiser marks attendance and attendees are asked one question."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.discord.model import EventStatus as DiscordStatus
from bot.sandbox.discord.model import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.models import EventMessage
from storage.queries import events as q
from tests.support.community import add_with_role, events_world_fixture  # noqa: F401  (the world fixture)

pytestmark = pytest.mark.e2e

T = datetime  # shorthand for the instants the test steps through


def reminders(p: Persona) -> list[Message]:
    return [m for m in p.dms() if "ref:ev" in m.content and "Coming up" in m.content]


def local_hour(m: Message, zone: str) -> int:
    return m.timestamp.astimezone(ZoneInfo(zone)).hour


async def at(world: SandboxWorld, when: datetime) -> None:
    """The sandbox clock reaches ``when`` and the events job runs (twice: a second run must change nothing)."""
    world.clock.advance_to(when)
    await world.bot.tick("event-run")
    await world.bot.tick("event-run")


async def create_dev_day(world: SandboxWorld) -> int:
    assert world.organiser is not None
    result = await world.organiser.slash("event", "create", options={
        "title": "Mentors' development day", "kind": "development_day", "date": "2026-09-19", "time": "10:00",
        "hours": 6, "link": "https://meet.example/dev-day", "audience": "mentors", "timezone": "Europe/London"})
    await result.wait_answer()
    assert "Created **Mentors' development day**" in result.content, result.content
    assert world.guild is not None
    (event,) = world.guild.scheduled_events.values()
    return event.id


async def test_development_day_reminds_the_right_people_once_each_in_their_daytime(world: SandboxWorld) -> None:
    assert world.guild is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")  # marks Interested in Discord
    bo = await add_with_role(world, "Bo Mentor", "mentor", zone="Pacific/Auckland")  # never answers
    cy = await add_with_role(world, "Cy Mentor", "mentor")  # "Can't make it" on the first reminder
    dee = await add_with_role(world, "Dee Leader", "mentee")  # not the audience, not interested
    eve = await add_with_role(world, "Eve Leader", "mentee")  # not the audience, but interested
    await world.bot.tick("circle-sync")

    discord_id = await create_dev_day(world)
    discord_event = world.guild.scheduled_events[discord_id]
    assert discord_event.name == "Mentors' development day"
    assert discord_event.scheduled_start_time == T(2026, 9, 19, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)
    assert discord_event.location == "https://meet.example/dev-day"

    ana.persona.mark_interested(discord_id)
    await world.discord.state.wait_for(lambda: True, 0.01)
    # Eve's mark is a gateway event the bot never saw (it was away): the run reads the list from Discord
    discord_event.interested[eve.persona.id] = world.clock.now()

    # 7 days before: 09:00 UTC = 10:00 in London; 21:00 in Auckland, so Bo's waits for his morning
    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))
    assert [len(reminders(p.persona)) for p in (ana, bo, cy, dee, eve)] == [1, 0, 1, 0, 1]
    first = reminders(ana.persona)[0]
    assert [c["label"] for row in first.components for c in row["components"]] == ["I'll be there 🏃", "Can't make it"], \
        "RunTogether's own buttons"
    assert "(Run Leader Mentor Development Day)" in first.content and "Join online: https://meet.example/dev-day" \
        in first.content, first.content
    declined = await cy.persona.click("Can't make it", message=reminders(cy.persona)[0])
    assert declined.content == "No worries — thanks for letting us know. No more reminders about this one.", \
        declined.content
    await at(world, T(2026, 9, 12, 19, 59, tzinfo=UTC))
    assert len(reminders(bo.persona)) == 0
    await at(world, T(2026, 9, 12, 20, 0, tzinfo=UTC))  # 08:00 on Sunday in Auckland
    assert len(reminders(bo.persona)) == 1

    # 1 day before; then 1 hour before (Bo's would land after the start in his night: none)
    await at(world, T(2026, 9, 18, 9, 0, tzinfo=UTC))
    await at(world, T(2026, 9, 18, 20, 0, tzinfo=UTC))
    await at(world, T(2026, 9, 19, 8, 0, tzinfo=UTC))
    counts = {p.persona.name: len(reminders(p.persona)) for p in (ana, bo, cy, dee, eve)}
    assert counts == {"Ana Mentor": 3, "Bo Mentor": 2, "Cy Mentor": 1, "Dee Leader": 0, "Eve Leader": 3}
    for p in (ana, bo, cy, eve):
        for m in reminders(p.persona):
            assert 8 <= local_hour(m, p.zone) < 20, f"{p.persona.name} got a reminder at night"
    assert "Saturday 19 September, 10:00" in reminders(ana.persona)[0].content
    assert "Saturday 19 September, 21:00" in reminders(bo.persona)[0].content  # in his own time

    # it starts: Discord's event goes live, the link is posted in the circle and sent to those interested
    await at(world, T(2026, 9, 19, 9, 0, tzinfo=UTC))
    assert discord_event.status == DiscordStatus.ACTIVE
    circle = next(c for c in world.discord.state.channels.values() if (c.topic or "").endswith("ref circle-1"))
    posted = [m.content for m in world.discord.state.messages.values() if m.channel_id == circle.id]
    assert any("starting now" in t and "https://meet.example/dev-day" in t for t in posted)
    for p, told in ((ana, True), (eve, True), (bo, False), (cy, False), (dee, False)):
        assert any("starting now" in m.content for m in p.persona.dms()) is told, p.persona.name

    # it ends; the organiser marks who came; attendees get one question, in their daytime
    await at(world, T(2026, 9, 19, 15, 0, tzinfo=UTC))
    assert discord_event.status == DiscordStatus.COMPLETED
    assert world.organiser is not None
    for p in (ana, bo):
        marked = await world.organiser.slash("event", "attendance", options={"event": 1, "member": p.persona.user})
        await marked.wait_answer()
        assert "attended" in marked.content
    await at(world, T(2026, 9, 19, 16, 0, tzinfo=UTC))
    question = [m for m in ana.persona.dms() if "One quick question" in m.content]
    assert len(question) == 1
    assert not any("One quick question" in m.content for m in bo.persona.dms()), "04:00 in Auckland: not yet"
    await at(world, T(2026, 9, 19, 20, 0, tzinfo=UTC))
    assert len([m for m in bo.persona.dms() if "One quick question" in m.content]) == 1
    assert [c["label"] for row in question[0].components for c in row["components"]] == [
        "Really useful", "Quite useful", "Not very useful"], "RunTogether's own answers"
    answered = await ana.persona.click("Really useful", message=question[0])
    assert answered.content == "Cheers — that helps us plan the next one.", answered.content
    again = await ana.persona.click("Quite useful", message=question[0])
    assert again.content == "Thanks — I've updated your answer.", again.content
    await ana.persona.click("Really useful", message=question[0])
    assert not any("One quick question" in m.content for p in (cy, dee, eve) for m in p.persona.dms())

    async with world.bot.sessions() as s:
        rows = await q.messages_of_event(session=s, event_id=1)
        rsvps = {r.person_id: r for r in await q.rsvps_of_event(session=s, event_id=1)}
    keys = [(m.person_id, m.kind, m.point) for m in rows]
    assert len(keys) == len(set(keys))
    assert all(isinstance(m, EventMessage) for m in rows)
    assert rsvps[ana.person_id].feedback == "very" and rsvps[cy.person_id].response == "declined"


async def test_cancelling_tells_those_interested_and_stops_reminders(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    bo = await add_with_role(world, "Bo Mentor", "mentor")
    discord_id = await create_dev_day(world)
    ana.persona.mark_interested(discord_id)
    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))
    assert len(reminders(ana.persona)) == 1 and len(reminders(bo.persona)) == 1

    listed = await world.organiser.slash("event", "list")
    await listed.wait_answer()
    assert "1 interested" in listed.content and "2 reminders sent" in listed.content
    cancelled = await world.organiser.slash("event", "cancel", options={"event": 1})
    await cancelled.wait_answer()
    assert "1 interested people will be told" in cancelled.content
    assert world.guild.scheduled_events[discord_id].status == DiscordStatus.CANCELED
    await at(world, T(2026, 9, 18, 9, 0, tzinfo=UTC))
    assert any("has been cancelled" in m.content for m in ana.persona.dms())
    assert not any("has been cancelled" in m.content for m in bo.persona.dms())
    assert len(reminders(ana.persona)) == 1 and len(reminders(bo.persona)) == 1


async def test_bad_input_is_answered_clearly(world: SandboxWorld) -> None:
    assert world.organiser is not None
    past = await world.organiser.slash("event", "create", options={
        "title": "Old news", "kind": "webinar", "date": "2026-09-01", "time": "10:00", "link": "https://x.example"})
    await past.wait_answer()
    assert "already passed" in past.content
    garbled = await world.organiser.slash("event", "create", options={
        "title": "Soon", "kind": "webinar", "date": "19/09/2026", "time": "10am", "place": "Leeds"})
    await garbled.wait_answer()
    assert "2026-11-14" in garbled.content
    assert world.guild is not None and not world.guild.scheduled_events


async def test_a_persons_events_are_in_mydata_and_erased_by_leave(world: SandboxWorld) -> None:
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    discord_id = await create_dev_day(world)
    ana.persona.mark_interested(discord_id)
    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))
    programme = world.bot.services.programmes.all()[0]
    data = await world.bot.services.people.export(programme, ana.persona.id)
    assert data is not None
    answers = data["events"]["answers"]
    assert answers[0]["event"] == "Mentors' development day" and answers[0]["response"] == "interested"
    assert [m["point"] for m in data["events"]["messages"]] == ["7d"]

    await world.bot.services.people.leave(programme, ana.persona.id)
    async with world.bot.sessions() as s:
        assert await q.rsvps_of_person(session=s, person_id=ana.person_id) == []
        assert await q.messages_of_person(session=s, person_id=ana.person_id) == []
    await at(world, T(2026, 9, 18, 9, 0, tzinfo=UTC))
    assert len(reminders(ana.persona)) == 1, "no reminder after leaving"


async def test_a_webinar_in_a_voice_channel_is_a_voice_scheduled_event_for_everyone(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    lounge = world.discord.create_voice_channel(world.guild, "Webinar lounge")
    mentor = await add_with_role(world, "Ana Mentor", "mentor")
    leader = await add_with_role(world, "Lee Leader", "mentee")
    created = await world.organiser.slash("event", "create", options={
        "title": "Winter running webinar", "kind": "webinar", "date": "2026-09-10", "time": "18:00", "hours": 1,
        "voice": lounge, "timezone": "Europe/London"})
    await created.wait_answer()
    assert "Created **Winter running webinar**" in created.content, created.content
    (event,) = world.guild.scheduled_events.values()
    assert event.entity_type == 2 and event.channel_id == lounge.id
    await at(world, T(2026, 9, 9, 17, 0, tzinfo=UTC))  # 1 day before: everyone is the audience
    for p in (mentor, leader):
        (reminder,) = reminders(p.persona)
        assert f"<#{lounge.id}>" in reminder.content


async def test_deleting_the_event_in_discord_cancels_it_here_too(world: SandboxWorld) -> None:
    assert world.guild is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    discord_id = await create_dev_day(world)
    ana.persona.mark_interested(discord_id)
    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))
    state = world.discord.state
    state.delete_scheduled_event(world.guild, world.guild.scheduled_events[discord_id])  # an admin, in the client
    for _ in range(100):  # the bot hears of it over the gateway
        async with world.bot.sessions() as s:
            event = await q.get_event(session=s, event_id=1)
        if event is not None and event.status == "cancelled":
            break
        await asyncio.sleep(0.05)
    await at(world, T(2026, 9, 12, 10, 0, tzinfo=UTC))
    assert any("has been cancelled" in m.content for m in ana.persona.dms())
    await at(world, T(2026, 9, 18, 9, 0, tzinfo=UTC))
    assert len(reminders(ana.persona)) == 1, "no reminder for a deleted event"
