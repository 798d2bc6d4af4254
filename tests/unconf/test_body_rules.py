"""JSON bodies, on every route: nesting too deep is refused before decoding, and types are never coerced."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event
from unconf.bodies import MAX_JSON_DEPTH, json_too_deep


def nested(depth: int, leaf: str = '"x"') -> str:
    return "[" * depth + leaf + "]" * depth


def assert_refused(r: httpx.Response, status: int, field: str, error: str | None = None) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"error", "detail", "field"} and body["detail"], body
    assert body["field"] == field, body
    if error is not None:
        assert body["error"] == error, body
    return body


def test_a_thousand_levels_on_the_open_create_route_is_a_400_and_nothing_is_made(server: Server) -> None:
    slug = f"deep-{uuid.uuid4().hex[:8]}"
    raw = '{"title": ' + nested(1000) + f', "slug": "{slug}", "start_date": "2026-11-21", "organizer_name": "Eve"' + "}"
    with server.client() as anon:
        r = anon.post("/api/v1/events", content=raw, headers={"Content-Type": "application/json"})
        body = assert_refused(r, 400, "body", "body_too_deep")
        assert str(MAX_JSON_DEPTH) in str(body["detail"])
        assert anon.get(f"/api/v1/events/{slug}").status_code == 404


@pytest.fixture(scope="module")
def ev(server: Server) -> EventHandle:
    handle = make_event(server, settings={"dots_per_participant": 5})
    handle.phase("proposals")
    return handle


def test_too_deep_is_refused_on_every_json_route(server: Server, ev: EventHandle) -> None:
    client, _ = ev.join("Deep Diver")
    deep = '{"x": ' + nested(5000) + "}"
    routes = [
        (client, "POST", ev.url("/proposals")),
        (client, "POST", ev.url("/votes")),
        (ev.organizer, "PATCH", ev.url()),
        (ev.organizer, "POST", ev.url("/rooms")),
        (ev.organizer, "POST", ev.url("/slots")),
        (ev.organizer, "POST", ev.url("/phase")),
        (ev.organizer, "POST", ev.url("/webhooks")),
        (ev.organizer, "PUT", ev.url("/autopilot")),
    ]
    for who, method, path in routes:
        r = who.request(method, path, content=deep, headers={"Content-Type": "application/json"})
        assert_refused(r, 400, "body", "body_too_deep")
    with server.client() as anon:
        r = anon.post("/api/v1/edcamps", content=deep, headers={"Content-Type": "application/json"})
        assert_refused(r, 400, "body", "body_too_deep")
    assert client.get(ev.url("/proposals")).json() == []
    assert ev.organizer.get(ev.url("/rooms")).json() == []


def test_the_depth_limit_counts_nesting_not_brackets_in_text(ev: EventHandle) -> None:
    client, _ = ev.join("Bracket Fan")
    title = "[" * 100 + "{" * 20
    r = client.post(ev.url("/proposals"), json={"title": title[:120]})
    assert r.status_code == 201, r.text
    assert json_too_deep(nested(MAX_JSON_DEPTH + 1).encode())
    assert not json_too_deep(nested(MAX_JSON_DEPTH).encode())
    assert not json_too_deep(json.dumps({"t": "]" * 500 + "[" * 500, "u": '\\"[[[['}).encode())
    # Just inside the limit the body is read, and refused for what it is (a title must be a string).
    r = client.post(
        ev.url("/proposals"),
        content='{"title": ' + nested(MAX_JSON_DEPTH - 1) + "}",
        headers={"Content-Type": "application/json"},
    )
    assert_refused(r, 400, "title")


def test_strings_are_not_coerced_to_numbers(server: Server, ev: EventHandle) -> None:
    org = ev.organizer
    r = org.post(ev.url("/rooms"), json={"name": "Coerced", "capacity": "7"})
    assert_refused(r, 400, "capacity", "validation_failed")
    assert all(room["name"] != "Coerced" for room in org.get(ev.url("/rooms")).json())

    r = org.patch(ev.url(), json={"settings": {"dots_per_participant": "50"}})
    assert_refused(r, 400, "settings.dots_per_participant", "validation_failed")
    assert org.get(ev.url()).json()["settings"]["dots_per_participant"] == 5

    author, _ = ev.join("Author")
    pid = author.post(ev.url("/proposals"), json={"title": "Strict votes"}).json()["id"]
    ev.phase("voting")
    try:
        voter, _ = ev.join("Voter")
        r = voter.post(ev.url("/votes"), json={"proposal_id": pid, "dots": "2"})
        assert_refused(r, 400, "dots", "validation_failed")
        r = voter.post(ev.url("/votes"), json={"proposal_id": str(pid), "dots": 2})
        assert_refused(r, 400, "proposal_id", "validation_failed")
        assert voter.get(ev.url("/votes/me")).json()["votes"] == []
        assert voter.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code == 201
    finally:
        ev.phase("proposals")

    with server.client() as anon:
        slug = f"strict-{uuid.uuid4().hex[:8]}"
        body = {"title": "T", "slug": slug, "start_date": "2026-11-21", "organizer_name": "O"}
        r = anon.post("/api/v1/events", json={**body, "settings": {"allow_stacking": "true"}})
        assert_refused(r, 400, "settings.allow_stacking")
        r = anon.post("/api/v1/events", json={**body, "title": 7})
        assert_refused(r, 400, "title")
        assert anon.get(f"/api/v1/events/{slug}").status_code == 404
