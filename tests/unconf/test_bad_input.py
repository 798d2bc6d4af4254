"""A table of bad inputs and the 4xx each gets: never a 500, always the error shape naming the field."""

from __future__ import annotations

import json

import pytest

from tests.helpers import EventHandle, Server, make_event

LONG = "x" * 121


@pytest.fixture(scope="module")
def ev(server: Server) -> EventHandle:
    handle = make_event(server)
    handle.phase("proposals")
    return handle


# (what, path, raw body or JSON, expected status, expected field or None)
PROPOSAL_CASES = [
    ("empty body", b"", 400, "body"),
    ("not JSON", b"title=hello", 400, "body"),
    ("non-UTF-8", b'{"title": "caf\xe9"}', 400, "body"),
    ("JSON array", [], 400, None),
    ("JSON null", None, 400, None),
    ("missing title", {}, 400, "title"),
    ("empty title", {"title": ""}, 400, "title"),
    ("blank title", {"title": "   "}, 400, "title"),
    ("title 121 chars", {"title": LONG}, 400, "title"),
    ("title as number", {"title": 42}, 400, "title"),
    ("title as list", {"title": ["a"]}, 400, "title"),
    ("NUL in title", {"title": "a\u0000b"}, 400, "title"),
    ("bell in title", {"title": "ring\u0007"}, 400, "title"),
    ("unknown field", {"title": "ok", "votes": 99}, 400, "votes"),
    ("description too long", {"title": "ok", "description": "d" * 2001}, 400, "description"),
    ("tags not a list", {"title": "ok", "tags": "math"}, 400, "tags"),
    ("too many tags", {"title": "ok", "tags": [f"t{i}" for i in range(11)]}, 400, "tags"),
    ("odd tag", {"title": "ok", "tags": ["<script>"]}, 400, "tags"),
    ("facilitator not in event", {"title": "ok", "facilitator_ids": [999999]}, 400, "facilitator_ids"),
    ("facilitator id huge", {"title": "ok", "facilitator_ids": [2**63]}, 400, "facilitator_ids[0]"),
]


@pytest.mark.parametrize(("what", "body", "status", "field"), PROPOSAL_CASES, ids=[c[0] for c in PROPOSAL_CASES])
def test_bad_proposals(ev: EventHandle, what: str, body: object, status: int, field: str | None) -> None:
    client, _ = ev.join(f"Tester {what}")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = client.post(ev.url("/proposals"), content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    err = r.json()
    assert err["error"] and err["detail"], err
    if field is not None:
        assert err["field"] == field, err
    # Nothing half-written: the proposal list does not grow.
    assert all(p["title"] != "ok" for p in client.get(ev.url("/proposals")).json())


@pytest.mark.parametrize(
    ("title", "stored"),
    [
        ("Emoji 🎉 are fine 👩🏽‍🏫", "Emoji 🎉 are fine 👩🏽‍🏫"),
        ("<b>HTML</b> & <script>alert(1)</script>", "<b>HTML</b> & <script>alert(1)</script>"),
        ("  padded  ", "padded"),
        ("x" * 120, "x" * 120),
        ("Ünïcödé façade naïve", "Ünïcödé façade naïve"),
    ],
)
def test_accepted_odd_titles_are_stored_verbatim(ev: EventHandle, title: str, stored: str) -> None:
    client, _ = ev.join("Odd")
    r = client.post(ev.url("/proposals"), json={"title": title})
    assert r.status_code == 201, r.text
    assert client.get(ev.url(f"/proposals/{r.json()['id']}")).json()["title"] == stored


def test_oversized_body_is_413(ev: EventHandle) -> None:
    client, _ = ev.join("Big")
    r = client.post(
        ev.url("/proposals"),
        content=b'{"title": "' + b"a" * 2_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["field"] == "body"


EVENT_CASES = [
    ("bad timezone", {"timezone": "Mars/Olympus"}, 400, "timezone"),
    ("path timezone", {"timezone": "../../etc/passwd"}, 400, "timezone"),
    ("bad slug", {"slug": "Not A Slug!"}, 400, "slug"),
    ("slug with dash end", {"slug": "abc-"}, 400, "slug"),
    ("bad date", {"start_date": "2026-02-30"}, 400, "start_date"),
    ("end before start", {"end_date": "2026-11-01"}, 400, "end_date"),
    ("dots zero", {"settings": {"dots_per_participant": 0}}, 400, "settings.dots_per_participant"),
    ("dots huge", {"settings": {"dots_per_participant": 10**30}}, 400, "settings.dots_per_participant"),
    ("unknown setting", {"settings": {"dots": 3}}, 400, "dots"),
    ("bad email", {"organizer_email": "not-an-email"}, 400, "organizer_email"),
    ("tier unknown", {"tier": "platinum"}, 400, "tier"),
    ("missing organizer", {"organizer_name": None}, 400, "organizer_name"),
]


@pytest.mark.parametrize(("what", "changes", "status", "field"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_bad_events(server: Server, what: str, changes: dict, status: int, field: str) -> None:
    body = {"title": "Edcamp", "start_date": "2026-11-21", "organizer_name": "O", **changes}
    body = {k: v for k, v in body.items() if v is not None}
    with server.client() as anon:
        r = anon.post("/api/v1/events", json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field, r.json()


def test_slug_taken_is_409(server: Server) -> None:
    first = make_event(server)
    with server.client() as anon:
        r = anon.post(
            "/api/v1/events",
            json={"title": "Dup", "slug": first.slug, "start_date": "2026-11-21", "organizer_name": "O"},
        )
    assert r.status_code == 409 and r.json()["field"] == "slug"


ROOM_AND_SLOT_CASES = [
    ("/rooms", {"name": "R", "capacity": 0}, 400, "capacity"),
    ("/rooms", {"name": "R", "capacity": "ten"}, 400, "capacity"),
    ("/rooms", {"name": "R", "capacity": 10, "kind": "spaceship"}, 400, "kind"),
    ("/rooms", {"name": "R", "capacity": 10, "video_link": "javascript:alert(1)"}, 400, "video_link"),
    ("/rooms", {"name": "", "capacity": 10}, 400, "name"),
    ("/slots", {"starts_at": "09:00", "ends_at": "10:00"}, 400, "starts_at"),
    ("/slots", {"starts_at": "2026-11-21T10:00", "ends_at": "2026-11-21T09:00"}, 400, "ends_at"),
    ("/slots", {"starts_at": "2026-11-21T10:00", "ends_at": "2026-11-23T10:00"}, 400, "ends_at"),
    ("/slots", {"starts_at": "2026-11-21T10:00", "ends_at": "2026-11-21T11:00", "kind": "nap"}, 400, "kind"),
    ("/slots", {"starts_at": "9999-12-31T23:59", "ends_at": "9999-12-31T23:59:30"}, 400, "starts_at"),
    ("/slots", {"starts_at": "2026-11-22T09:00", "ends_at": "2026-11-22T10:00"}, 400, "starts_at"),
]


@pytest.mark.parametrize(("path", "body", "status", "field"), ROOM_AND_SLOT_CASES)
def test_bad_rooms_and_slots(ev: EventHandle, path: str, body: dict, status: int, field: str | None) -> None:
    r = ev.organizer.post(ev.url(path), json=body)
    assert r.status_code == status, r.text
    if field:
        assert r.json()["field"] == field, r.json()


def test_overlapping_slots_and_duplicate_rooms(server: Server) -> None:
    ev = make_event(server)
    ok = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T10:00"})
    assert ok.status_code == 201
    clash = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-11-21T09:30", "ends_at": "2026-11-21T10:30"})
    assert clash.status_code == 409 and clash.json()["field"] == "starts_at"
    assert ev.organizer.post(ev.url("/rooms"), json={"name": "Library", "capacity": 5}).status_code == 201
    dup = ev.organizer.post(ev.url("/rooms"), json={"name": "Library", "capacity": 9})
    assert dup.status_code == 409 and dup.json()["field"] == "name"


VOTE_CASES = [
    ({"proposal_id": "one"}, 400, "proposal_id"),
    ({"proposal_id": 1.5}, 400, "proposal_id"),
    ({"proposal_id": 0}, 400, "proposal_id"),
    ({"proposal_id": 2**40}, 400, "proposal_id"),
    ({"proposal_id": 999999}, 404, "proposal_id"),
    ({"proposal_id": 1, "dots": -1}, 400, "dots"),
    ({"proposal_id": 1, "dots": True}, 400, "dots"),
    ({"dots": 1}, 400, "proposal_id"),
]


@pytest.mark.parametrize(("body", "status", "field"), VOTE_CASES)
def test_bad_votes(server: Server, body: dict, status: int, field: str) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    client, _ = ev.join("Voter")
    client.post(ev.url("/proposals"), json={"title": "Something"})
    ev.phase("voting")
    r = client.post(ev.url("/votes"), json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field, r.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/" + "a" * 300,
        "/api/v1/events/%00",
        "/api/v1/events/x/proposals/99999999999999999999",
        "/api/v1/events/x/proposals/-1",
        "/api/v1/events/%F0%9F%8E%89/agenda",
    ],
)
def test_odd_paths_are_4xx(server: Server, path: str) -> None:
    with server.client() as anon:
        r = anon.get(path)
    assert 400 <= r.status_code < 500, r.text
    assert "error" in r.json()
