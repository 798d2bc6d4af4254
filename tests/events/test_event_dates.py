"""An event's dates hold its time slots: moving them away from a slot is refused, whole."""

from __future__ import annotations

from tests.helpers import Server, make_event


def test_moving_dates_away_from_slots_is_refused_and_nothing_changes(server: Server) -> None:
    ev = make_event(server, start_date="2026-11-21", end_date="2026-11-22", timezone="America/Chicago")
    org = ev.organizer
    first = org.post(ev.url("/slots"), json={"starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T10:00"})
    second = org.post(ev.url("/slots"), json={"starts_at": "2026-11-22T23:30", "ends_at": "2026-11-23T00:30"})
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    before = org.get(ev.url()).json()

    attacks = [
        ({"end_date": "2026-11-21"}, "end_date", "2026-11-22"),
        ({"start_date": "2026-11-22"}, "start_date", "2026-11-21"),
        ({"start_date": "2027-01-10", "end_date": "2027-01-11"}, "start_date", "2026-11-21"),
        ({"end_date": "2026-11-21", "title": "Renamed too"}, "end_date", "2026-11-22"),
    ]
    for patch, field, day in attacks:
        r = org.patch(ev.url(), json=patch)
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["error"] == "slots_outside_dates" and body["field"] == field, body
        assert day in body["detail"], body
        assert org.get(ev.url()).json() == before  # nothing half-written: not the title, not one date

    # Dates that still hold every slot are fine (a slot's day is its start on the event's clock).
    r = org.patch(ev.url(), json={"start_date": "2026-11-20"})
    assert r.status_code == 200, r.text
    assert (r.json()["start_date"], r.json()["end_date"]) == ("2026-11-20", "2026-11-22")
    assert org.delete(ev.url(f"/slots/{second.json()['id']}")).status_code in (200, 204)
    r = org.patch(ev.url(), json={"start_date": "2026-11-21", "end_date": "2026-11-21"})
    assert r.status_code == 200, r.text
    assert (r.json()["start_date"], r.json()["end_date"]) == ("2026-11-21", "2026-11-21")


def test_an_event_without_slots_moves_freely(server: Server) -> None:
    ev = make_event(server, start_date="2026-11-21")
    r = ev.organizer.patch(ev.url(), json={"start_date": "2027-02-01", "end_date": "2027-02-03"})
    assert r.status_code == 200, r.text
    assert (r.json()["start_date"], r.json()["end_date"]) == ("2027-02-01", "2027-02-03")
