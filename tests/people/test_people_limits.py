"""A CSV import is a way in like joining: the tier's participant cap holds, all or nothing."""

from __future__ import annotations

from typing import Any

from events.tiers import FREE
from tests.helpers import EventHandle, Server, make_event

HEADER = "Order #,First Name,Last Name,Email,Attendee #,Attendee Status\r\n"


def eventbrite(count: int, start: int = 0) -> bytes:
    """An Eventbrite attendee export with ``count`` distinct people."""
    rows = [
        f"{9000 + i},First{i},Last{i},person{i}@school.example,{70000 + i},Attending\r\n"
        for i in range(start, start + count)
    ]
    return (HEADER + "".join(rows)).encode()


def import_csv(ev: EventHandle, raw: bytes) -> Any:
    return ev.organizer.post(ev.url("/registrants/import"), files={"file": ("attendees.csv", raw, "text/csv")})


def participant_count(ev: EventHandle) -> int:
    r = ev.organizer.get(ev.url("/participants"))
    assert r.status_code == 200, r.text
    return len(r.json())


def test_a_csv_import_past_the_free_cap_is_refused_whole(server: Server) -> None:
    """The attack: 1,200 rows into a free event (cap 1,000) used to make 1,201 participants."""
    ev = make_event(server)
    try:
        r = import_csv(ev, eventbrite(1_200))
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["error"] == "limit_exceeded" and body["field"] == "max_participants"
        assert str(FREE.max_participants) in body["detail"]
        assert participant_count(ev) == 1, "nothing half-written: only the organizer is there"
        invited = ev.organizer.get(ev.url("/invitations"))
        assert invited.status_code == 200 and invited.json() == [], "no registrant rows either"
    finally:
        ev.organizer.close()


def test_a_csv_import_counts_the_people_already_in(server: Server) -> None:
    """Up to the cap is fine; one more in a second file is refused, and the first file's people stay."""
    ev = make_event(server)
    try:
        ev.phase("proposals")
        ev.join("Walked In")[0].close()
        room = FREE.max_participants - 2  # the organizer and the person who joined count
        r = import_csv(ev, eventbrite(room))
        assert r.status_code == 201, r.text
        assert len(r.json()["new"]) == room
        assert participant_count(ev) == FREE.max_participants
        # The same file again adds nobody, so it passes; one new person does not fit.
        assert import_csv(ev, eventbrite(room)).status_code == 201
        r = import_csv(ev, eventbrite(1, start=room))
        assert r.status_code == 403 and r.json()["error"] == "limit_exceeded", r.text
        with server.client() as anon:
            r = anon.post(ev.url("/join"), json={"display_name": "Late", "join_code": ev.join_code})
        assert r.status_code == 403 and r.json()["error"] == "limit_exceeded", r.text
        assert participant_count(ev) == FREE.max_participants
    finally:
        ev.organizer.close()
