"""A community's series: set its rule and city, plan the next event from the latest one (API and CLI),
refuse a date already planned, and publish the upcoming events as a webcal feed."""

from __future__ import annotations

import re
import uuid

from icalendar import Calendar

from tests.helpers import Server, make_event, run_cli
from tests.rhythm.world import RULE, community_with_day, expected_next, plan_next, set_series


def test_plan_the_next_event_from_the_template(server: Server) -> None:
    ev, community = community_with_day(server)
    r = ev.organizer.put(
        ev.url("/video"), json={"provider": "static", "config": {"template": "https://meet.example.org/{event}-{room}"}}
    )
    assert r.status_code == 200, r.text
    assert ev.organizer.patch(ev.url(), json={"language": "fr"}).status_code == 200

    r = set_series(ev, community, city="Lyon")
    assert r.status_code == 200, r.text
    series = r.json()
    assert series["rule"] == RULE
    assert series["city"] == "Lyon, FR"
    assert round(series["latitude"], 1) == 45.7
    next_day = expected_next()
    assert series["next_date"] == next_day.isoformat()
    assert series["template"] == ev.slug

    r = plan_next(ev, community)
    assert r.status_code == 201, r.text
    planned = r.json()
    new = planned["event"]
    assert new["start_date"] == next_day.isoformat()
    assert new["title"] == f"Edcamp Riverside {next_day.year}"
    assert new["phase"] == "draft"
    assert new["timezone"] == "Europe/Berlin"
    assert new["settings"]["dots_per_participant"] == 7
    assert new["language"] == "fr"  # the series keeps speaking its language
    assert planned["template"] == ev.slug
    assert (planned["rooms"], planned["slots"], planned["video_provider"]) == (2, 3, "static")

    with server.client(planned["organizer_key"]) as new_organizer:
        rooms = new_organizer.get(f"/api/v1/events/{new['slug']}/rooms").json()
        assert [(room["name"], room["capacity"]) for room in rooms] == [("Library", 30), ("Lab", 30)]
        slots = new_organizer.get(f"/api/v1/events/{new['slug']}/slots").json()
        # Same wall-clock times on the event's clock, on the new date.
        assert [(s["starts_at"][:16], s["kind"]) for s in slots] == [
            (f"{next_day}T08:30", "plenary"),
            (f"{next_day}T09:15", "breakout"),
            (f"{next_day}T10:15", "breakout"),
        ]
        video = new_organizer.get(f"/api/v1/events/{new['slug']}/video").json()
        assert video["provider"] == "static"
    community_out = server.client().get(f"/api/v1/communities/{community}").json()
    assert new["slug"] in [e["slug"] for e in community_out["events"]]

    # The next date is planned now: a second click is a 409 that names it, and nothing is made.
    again = plan_next(ev, community)
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "community"
    assert "already planned" in again.json()["detail"]
    assert len(server.client().get(f"/api/v1/communities/{community}").json()["events"]) == 2

    # The command line says the same, with the reason.
    done = run_cli("plan-next", community, env={"UNCONF_DATABASE_URL": server.database_url})
    assert done.returncode == 2, done.stdout.decode() + done.stderr.decode()
    assert "already planned" in done.stderr.decode()

    # Members subscribe to the upcoming events.
    feed = server.client().get(f"/c/{community}/events.ics")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = [(str(c["summary"]), c.decoded("dtstart")) for c in calendar.walk("VEVENT")]
    assert events == [(new["title"], next_day)]


def test_plan_next_from_the_command_line(server: Server) -> None:
    ev, community = community_with_day(server, "Edcamp Hillside")
    assert set_series(ev, community).status_code == 200
    done = run_cli("plan-next", community, env={"UNCONF_DATABASE_URL": server.database_url})
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert f"on {expected_next()}" in out
    assert re.search(r"organizer key:\s+\S{20,}", out)
    assert "rooms: 2, slots: 3" in out
    events = server.client().get(f"/api/v1/communities/{community}").json()["events"]
    assert [e["start_date"] for e in events][-1] == expected_next().isoformat()


def test_series_input_is_checked(server: Server) -> None:
    ev, community = community_with_day(server, "Edcamp Checks")
    for rule, field in (("FREQ=HOURLY", "rule"), ("FREQ=YEARLY;BYMONTH=13", "rule"), ("nonsense", "rule")):
        r = set_series(ev, community, **{"rule": rule})
        assert r.status_code == 400, (rule, r.text)
        assert r.json()["field"] == field
    r = set_series(ev, community, city="Nowhere-on-earth-ville")
    assert r.status_code == 400
    assert r.json()["field"] == "city"
    # Nothing half-written: the series is still unset, so planning is refused.
    assert server.client().get(f"/api/v1/communities/{community}/series").json()["rule"] == ""
    r = plan_next(ev, community)
    assert r.status_code == 409
    assert r.json()["error"] == "no_series"


def test_only_the_communitys_organizers_plan(server: Server) -> None:
    ev, community = community_with_day(server, "Edcamp Guarded")
    assert set_series(ev, community).status_code == 200
    with server.client() as anonymous:
        assert anonymous.post(f"/api/v1/communities/{community}/plan-next").status_code == 401
        assert anonymous.put(f"/api/v1/communities/{community}/series", json={"rule": RULE}).status_code == 401
    other = make_event(server)
    assert other.organizer.post(f"/api/v1/communities/{community}/plan-next").status_code == 403
    ev.phase("proposals")
    attendee, _ = ev.join("Ada")
    assert attendee.post(f"/api/v1/communities/{community}/plan-next").status_code == 403
    missing = ev.organizer.post(f"/api/v1/communities/no-such-{uuid.uuid4().hex[:6]}/plan-next")
    assert missing.status_code == 404
