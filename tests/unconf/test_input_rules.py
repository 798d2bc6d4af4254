"""Local times the clocks skip or repeat, and text that shows nothing: refused, never silently changed."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event


def refused(r: httpx.Response, field: str, words: str) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "validation_failed" and body["field"] == field, body
    assert words in body["detail"], body


def test_a_time_in_the_spring_forward_gap_is_refused_not_moved(server: Server) -> None:
    ev = make_event(server, start_date="2026-03-08", timezone="America/Chicago")
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-03-08T02:10", "ends_at": "2026-03-08T03:30"})
    refused(r, "starts_at", "does not exist in America/Chicago")
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-03-08T01:00", "ends_at": "2026-03-08T02:59"})
    refused(r, "ends_at", "does not exist")
    assert ev.organizer.get(ev.url("/slots")).json() == []
    r = ev.organizer.post(ev.url("/phase"), json={"phase": "proposals", "ends_at": "2026-03-08T02:30"})
    refused(r, "ends_at", "does not exist")
    assert ev.organizer.get(ev.url()).json()["phase"] == "draft"
    # Either side of the gap is fine.
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-03-08T01:30", "ends_at": "2026-03-08T03:30"})
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2026-03-08T01:30:00-06:00" and r.json()["ends_at"] == "2026-03-08T03:30:00-05:00"


def test_an_ambiguous_fall_back_time_needs_an_offset(server: Server) -> None:
    ev = make_event(server, start_date="2026-11-01", timezone="America/Chicago")
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-11-01T01:30", "ends_at": "2026-11-01T03:00"})
    refused(r, "starts_at", "-05:00 or -06:00")
    assert ev.organizer.get(ev.url("/slots")).json() == []
    for offset in ("-05:00", "-06:00"):  # the first 01:30 (CDT) and the second (CST): both stored as given
        r = ev.organizer.post(
            ev.url("/slots"), json={"starts_at": f"2026-11-01T01:30{offset}", "ends_at": f"2026-11-01T01:55{offset}"}
        )
        assert r.status_code == 201, r.text
        assert r.json()["starts_at"] == f"2026-11-01T01:30:00{offset}", r.json()
        assert ev.organizer.delete(ev.url(f"/slots/{r.json()['id']}")).status_code in (200, 204)


INVISIBLE_OR_CONTROL = [
    ("zero-width joiners only", "\u200d\u200d\u200d", "only invisible characters"),
    ("joiners and variation selectors", "\u200c\ufe0f\u200d", "only invisible characters"),
    ("hangul fillers", "\u3164\u3164", "only invisible characters"),
    ("combining marks only", "\u0301\u0308", "only invisible characters"),
    ("line separator inside", "Robots\u2028in class", "line or paragraph separator"),
    ("paragraph separator inside", "Robots\u2029in class", "line or paragraph separator"),
    ("noncharacter U+FFFF", "Robots\uffff", "noncharacter"),
    ("noncharacter U+FDD0", "\ufdd0Robots", "noncharacter"),
    ("noncharacter U+10FFFE", "Robots \U0010fffe", "noncharacter"),
]


@pytest.fixture(scope="module")
def ev(server: Server) -> EventHandle:
    handle = make_event(server)
    handle.phase("proposals")
    return handle


@pytest.mark.parametrize(("what", "title", "words"), INVISIBLE_OR_CONTROL, ids=[c[0] for c in INVISIBLE_OR_CONTROL])
def test_titles_that_show_nothing_or_hold_separators_are_refused(
    server: Server, ev: EventHandle, what: str, title: str, words: str
) -> None:
    client, _ = ev.join(f"Tester {what}")
    refused(client.post(ev.url("/proposals"), json={"title": title}), "title", words)
    assert client.get(ev.url("/proposals")).json() == []
    slug = f"inv-{uuid.uuid4().hex[:8]}"
    with server.client() as anon:
        body = {"title": title, "slug": slug, "start_date": "2026-11-21", "organizer_name": "Olga"}
        refused(anon.post("/api/v1/events", json=body), "title", words)
        assert anon.get(f"/api/v1/events/{slug}").status_code == 404


def test_joiners_inside_visible_text_stay(ev: EventHandle) -> None:
    client, _ = ev.join("Emoji Fan")
    title = "Teachers \U0001f469\U0001f3fd\u200d\U0001f3eb and \u0915\u094d\u200d\u0937"
    r = client.post(ev.url("/proposals"), json={"title": title})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == title
    assert client.post(ev.url(f"/proposals/{r.json()['id']}/withdraw")).status_code == 200
