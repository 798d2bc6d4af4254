"""Autopilot for the hour: phases move, the agenda is built and published on time, across a restart."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import EventHandle, Server, make_event, setup_rooms_and_slots, start_server


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def wait_for(check, what: str, limit: float = 60) -> object:
    """Poll until check() is truthy; the limit only bounds a broken run, it asserts no speed."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"gave up waiting for {what}")


def phase_of(ev: EventHandle) -> str:
    return str(ev.organizer.get(ev.url()).json()["phase"])


def prepared(server: Server) -> tuple[EventHandle, list]:
    ev = make_event(server)
    setup_rooms_and_slots(ev, [30, 20], breakouts=2)
    ev.phase("proposals")
    people = [ev.join(f"P{i}")[0] for i in range(4)]
    return ev, people


def test_the_morning_runs_itself(server: Server) -> None:
    ev, people = prepared(server)
    ids = [c.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).json()["id"] for i, c in enumerate(people)]
    r = ev.organizer.put(
        ev.url("/autopilot"), json={"proposals_until": at(1), "voting_until": at(4), "publish_at": at(5)}
    )
    assert r.status_code == 200, r.text
    assert r.json()["next_step"] == "open voting"
    assert ev.organizer.get(ev.url()).json()["phase_ends_at"] is not None, "the countdown shows the deadline"
    wait_for(lambda: phase_of(ev) == "voting", "voting to open")
    for client, pid in zip(people, ids, strict=True):
        assert client.post(ev.url("/votes"), json={"proposal_id": pid}).status_code == 201
    wait_for(lambda: phase_of(ev) == "scheduled", "the agenda to be published")
    agenda = ev.organizer.get(ev.url("/agenda")).json()
    assert agenda["version"] == 1 and len(agenda["sessions"]) == 4
    late = people[0].post(ev.url("/votes"), json={"proposal_id": ids[1]})
    assert late.status_code == 409
    state = ev.organizer.get(ev.url("/autopilot")).json()
    assert state["published_at"] and state["built_at"] and state["next_step"] is None and not state["last_error"]


def test_hold_for_review_builds_but_does_not_publish(server: Server) -> None:
    ev, people = prepared(server)
    people[0].post(ev.url("/proposals"), json={"title": "Hold me"})
    ev.phase("voting")
    r = ev.organizer.put(
        ev.url("/autopilot"), json={"voting_until": at(0.5), "publish_at": at(1), "hold_for_review": True}
    )
    assert r.status_code == 200, r.text
    wait_for(lambda: ev.organizer.get(ev.url("/agenda/draft")).status_code == 200, "the draft")
    state = wait_for(
        lambda: (s := ev.organizer.get(ev.url("/autopilot")).json())["built_at"] and s, "the build to be recorded"
    )
    assert state["next_step"] == "waiting for an organizer to publish"
    assert phase_of(ev) == "voting"
    assert ev.organizer.get(ev.url("/agenda")).status_code == 404
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201


def test_timeline_is_checked(event: EventHandle) -> None:
    r = event.organizer.put(event.url("/autopilot"), json={"proposals_until": at(600), "voting_until": at(60)})
    assert r.status_code == 400 and r.json()["field"] == "voting_until"
    r = event.organizer.put(event.url("/autopilot"), json={"publish_at": "tomorrow-ish"})
    assert r.status_code == 400 and r.json()["field"] == "publish_at"
    with event.server.client() as anon:
        assert anon.put(event.url("/autopilot"), json={}).status_code == 401
    assert event.organizer.delete(event.url("/autopilot")).status_code == 404


def test_a_problem_is_reported_not_swallowed(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    ev.phase("voting")
    ev.organizer.put(ev.url("/autopilot"), json={"voting_until": at(0.2), "publish_at": at(0.3)})
    state = wait_for(lambda: (s := ev.organizer.get(ev.url("/autopilot")).json())["last_error"] and s, "an error")
    assert "room" in state["last_error"] and phase_of(ev) == "voting"


def test_timers_survive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.sqlite'}"
    first = start_server(url, tmp_path)
    try:
        ev, people = prepared(first)
        people[0].post(ev.url("/proposals"), json={"title": "Survivor"})
        r = ev.organizer.put(ev.url("/autopilot"), json={"proposals_until": at(3)})
        assert r.status_code == 200
    finally:
        first.stop()
    time.sleep(3.5)  # the deadline passes while no server runs
    second = start_server(url, tmp_path)
    try:
        ev.server = second
        ev.organizer = second.client(ev.organizer_key)
        wait_for(lambda: phase_of(ev) == "voting", "the missed step to run after the restart")
    finally:
        second.stop()
