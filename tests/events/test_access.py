"""Phases and permissions: each refusal with its status and the one error shape."""

from __future__ import annotations

import pytest

from tests.helpers import EventHandle, Server, make_event


def error_of(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "detail", "field"}, body
    if code is not None:
        assert body["error"] == code, body
    return body


def test_phase_errors_name_the_phase(event: EventHandle) -> None:
    # draft: nobody joins yet
    with event.server.client() as anon:
        r = anon.post(event.url("/join"), json={"display_name": "Early", "join_code": event.join_code})
    assert error_of(r, 409, "wrong_phase")["phase"] == "draft"
    event.phase("proposals")
    client, _ = event.join("Ann")
    r = client.post(event.url("/votes"), json={"proposal_id": 1})
    body = error_of(r, 409, "wrong_phase")
    assert body["phase"] == "proposals" and "voting" in body["detail"]
    proposal = client.post(event.url("/proposals"), json={"title": "Outdoor classrooms"}).json()
    event.phase("voting")
    r = client.post(event.url("/proposals"), json={"title": "Late idea"})
    assert error_of(r, 409, "wrong_phase")["phase"] == "voting"
    # Skipping ahead or publishing nothing is refused.
    r = event.organizer.post(event.url("/phase"), json={"phase": "running"})
    error_of(r, 409, "wrong_phase")
    r = event.organizer.post(event.url("/phase"), json={"phase": "scheduled"})
    assert "publish" in error_of(r, 409, "wrong_phase")["detail"]
    # One step back is allowed (a mistake undone).
    event.phase("proposals")
    event.phase("voting")
    assert client.post(event.url("/votes"), json={"proposal_id": proposal["id"]}).status_code == 201


def test_late_proposals_when_allowed(server: Server) -> None:
    ev = make_event(server, settings={"late_proposals": True})
    ev.phase("proposals")
    ev.phase("voting")
    client, _ = ev.join("Latecomer")
    assert client.post(ev.url("/proposals"), json={"title": "Late but welcome"}).status_code == 201


def test_missing_wrong_and_foreign_tokens(event: EventHandle, server: Server) -> None:
    event.phase("proposals")
    with server.client() as anon:
        error_of(anon.post(event.url("/proposals"), json={"title": "x"}), 401, "unauthorized")
        error_of(anon.get(event.url("/me")), 401)
    with server.client("not-a-real-token") as bad:
        error_of(bad.get(event.url("/me")), 401, "unauthorized")
    with server.client() as weird:
        r = weird.get(event.url("/me"), headers={"Authorization": "Basic abc"})
        assert error_of(r, 401)["field"] == "authorization"
    other = make_event(server)
    with server.client(other.organizer_key) as foreign:
        error_of(foreign.get(event.url("/me")), 403, "forbidden")
        error_of(foreign.post(event.url("/rooms"), json={"name": "Hijack", "capacity": 5}), 403)


def test_roles(event: EventHandle) -> None:
    event.phase("proposals")
    alice, _ = event.join("Alice")
    bob, _ = event.join("Bob")
    p = alice.post(event.url("/proposals"), json={"title": "Ungrading"}).json()
    for method, path, body in [
        ("post", "/rooms", {"name": "R", "capacity": 10}),
        ("post", "/slots", {"starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T10:00"}),
        ("post", "/phase", {"phase": "voting"}),
        ("patch", "", {"title": "Mine now"}),
        ("post", "/agenda/build", {}),
        ("post", "/agenda/publish", None),
        ("get", "/participants", None),
        ("post", f"/proposals/{p['id']}/merge", {"into": p["id"]}),
    ]:
        r = getattr(bob, method)(event.url(path), **({"json": body} if body is not None else {}))
        error_of(r, 403, "organizers_only")
    error_of(bob.patch(event.url(f"/proposals/{p['id']}"), json={"title": "Bob's now"}), 403, "not_facilitator")
    error_of(bob.post(event.url(f"/proposals/{p['id']}/withdraw")), 403)
    assert alice.patch(event.url(f"/proposals/{p['id']}"), json={"title": "Ungrading, honestly"}).status_code == 200
    assert event.organizer.patch(event.url(f"/proposals/{p['id']}"), json={"tags": ["assessment"]}).status_code == 200
    withdrawn = alice.post(event.url(f"/proposals/{p['id']}/withdraw"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    error_of(alice.post(event.url(f"/proposals/{p['id']}/withdraw")), 409)


def test_no_response_leaks_tokens_or_emails(server: Server) -> None:
    ev = make_event(server, organizer_email="olga@example.org")
    ev.phase("proposals")
    with server.client() as anon:
        r = anon.post(
            ev.url("/join"), json={"display_name": "Eve", "join_code": ev.join_code, "email": "eve@example.org"}
        )
    eve_token = r.json()["token"]
    eve = server.client(eve_token)
    eve.post(ev.url("/proposals"), json={"title": "Privacy matters"})
    with server.client() as anon:
        public = [anon.get(ev.url()).text, anon.get(ev.url("/proposals")).text]
    public.append(eve.get(ev.url("/proposals")).text)
    for text in public:
        assert "@example.org" not in text and eve_token not in text and ev.organizer_key not in text
    # Organizers see emails; an attendee sees their own.
    assert "eve@example.org" in ev.organizer.get(ev.url("/participants")).text
    assert eve.get(ev.url("/me")).json()["participant"]["email"] == "eve@example.org"
    # The join code is for people in the event only.
    with server.client() as anon:
        assert anon.get(ev.url()).json()["join_code"] is None
    assert eve.get(ev.url()).json()["join_code"] == ev.join_code


def test_wrong_join_code(event: EventHandle) -> None:
    event.phase("proposals")
    with event.server.client() as anon:
        r = anon.post(event.url("/join"), json={"display_name": "X", "join_code": "WRONG1"})
    assert error_of(r, 403, "bad_join_code")["field"] == "join_code"


def test_cookie_auth_and_cross_site_refusal(event: EventHandle) -> None:
    event.phase("proposals")
    with event.server.client() as browser:
        r = browser.post(event.url("/join"), json={"display_name": "Cookie", "join_code": event.join_code})
        assert r.status_code == 201
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        assert browser.get(event.url("/me")).status_code == 200
        same_site = browser.post(
            event.url("/proposals"), json={"title": "From our page"}, headers={"Sec-Fetch-Site": "same-origin"}
        )
        assert same_site.status_code == 201
        cross = browser.post(
            event.url("/proposals"), json={"title": "From evil.example"}, headers={"Origin": "https://evil.example"}
        )
        error_of(cross, 403, "csrf_refused")


@pytest.mark.parametrize("unknown", ["/proposals/999999", "/rooms/999999", "/slots/999999", "/agenda/versions/7"])
def test_unknown_ids_are_404(event: EventHandle, unknown: str) -> None:
    method = "get" if "rooms" not in unknown and "slots" not in unknown else "patch"
    kwargs = {"json": {}} if method == "patch" else {}
    error_of(getattr(event.organizer, method)(event.url(unknown), **kwargs), 404, "not_found")


def test_deleting_published_room_is_refused(server: Server) -> None:
    from tests.helpers import setup_rooms_and_slots

    ev = make_event(server)
    setup_rooms_and_slots(ev, [20], breakouts=1)
    ev.phase("proposals")
    client, _ = ev.join("Z")
    client.post(ev.url("/proposals"), json={"title": "Only session"})
    ev.phase("voting")
    ev.organizer.post(ev.url("/agenda/build"), json={})
    agenda = ev.organizer.post(ev.url("/agenda/publish")).json()
    room_id = agenda["rooms"][0]["id"]
    error_of(ev.organizer.delete(ev.url(f"/rooms/{room_id}")), 409)
    assert ev.organizer.get(ev.url("/agenda")).json()["sessions"][0]["room_id"] == room_id


def test_countdown_can_be_extended_without_a_phase_change(event: EventHandle) -> None:
    event.phase("proposals")
    r = event.organizer.post(event.url("/phase"), json={"phase": "proposals", "ends_at": "2026-11-21T09:30"})
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "proposals" and r.json()["phase_ends_at"].startswith("2026-11-21T09:30")
    error_of(event.organizer.post(event.url("/phase"), json={"phase": "proposals"}), 409, "wrong_phase")


def test_unknown_page_paths_answer_people_in_html(server: Server) -> None:
    with server.client() as browser:
        page = browser.get("/e/no-such-event/nowhere", headers={"Accept": "text/html"})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        api = browser.get("/api/v1/nowhere", headers={"Accept": "text/html"})
        assert api.status_code == 404 and api.json()["error"] == "not_found"
