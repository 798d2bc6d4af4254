"""Building blocks for the rhythm tests: a community with a full day, a series rule, a closed event."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from dateutil.rrule import rrulestr

from tests.helpers import EventHandle, Server, make_event

RULE = "FREQ=YEARLY;BYMONTH=3,10;BYDAY=+3SA"  # the third Saturday of March and October
DAY = "2026-11-21"


def expected_next(rule: str = RULE, anchor: str = DAY) -> date:
    """What the rule gives after today, computed here independently of the service."""
    start = datetime.combine(date.fromisoformat(anchor), time())
    today = datetime.combine(datetime.now(UTC).date(), time())
    found = rrulestr(rule, dtstart=start).after(today, inc=False)
    assert found is not None
    return found.date()


def community_with_day(
    server: Server, name: str = "Edcamp Riverside", *, day: str = DAY, listed: bool = False, capacity: int = 30
) -> tuple[EventHandle, str]:
    """An event in a new community with two rooms, an opening and two breakout slots."""
    ev = make_event(
        server, title=f"{name} 2026", start_date=day, settings={"listed": listed, "dots_per_participant": 7}
    )
    r = ev.organizer.post(ev.url("/community"), json={"name": name, "slug": f"c-{uuid.uuid4().hex[:10]}"})
    assert r.status_code == 201, r.text
    community = str(r.json()["slug"])
    for room in ("Library", "Lab"):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": room, "capacity": capacity})
        assert r.status_code == 201, r.text
    for starts, ends, kind in (
        ("08:30", "09:00", "plenary"),
        ("09:15", "10:00", "breakout"),
        ("10:15", "11:00", "breakout"),
    ):
        r = ev.organizer.post(
            ev.url("/slots"), json={"starts_at": f"{day}T{starts}", "ends_at": f"{day}T{ends}", "kind": kind}
        )
        assert r.status_code == 201, r.text
    return ev, community


def set_series(ev: EventHandle, community: str, **body: Any) -> httpx.Response:
    return ev.organizer.put(f"/api/v1/communities/{community}/series", json={"rule": RULE, **body})


def plan_next(ev: EventHandle, community: str) -> httpx.Response:
    return ev.organizer.post(f"/api/v1/communities/{community}/plan-next")


def propose(client: httpx.Client, ev: EventHandle, title: str) -> int:
    r = client.post(ev.url("/proposals"), json={"title": title, "tags": ["carry"]})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def vote(client: httpx.Client, ev: EventHandle, *proposal_ids: int) -> None:
    for pid in proposal_ids:
        r = client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})
        assert r.status_code in (200, 201), r.text


def build_publish_close(ev: EventHandle) -> None:
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    r = ev.organizer.post(ev.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    for phase in ("running", "closed"):  # publishing moved it to scheduled
        ev.phase(phase)
