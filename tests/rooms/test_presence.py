"""The rule of two feet: check in from a phone, move, and see live occupancy per room against capacity."""

from __future__ import annotations

import json
from typing import Any

import httpx
from rooms_support import join_location, published
from websockets.sync.client import connect

from tests.conftest import Server


def receive_until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(50):
        message = json.loads(ws.recv(timeout=30))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def by_room(occupancy: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {r["room_id"]: r for r in occupancy["rooms"]}


def test_check_in_move_and_occupancy(server: Server) -> None:
    sc = published(server, capacities=(2, 1), sessions=4)
    try:
        slug = sc.ev.slug
        now_slot = sc.slots[0]["id"]
        running = [s for s in sc.agenda["sessions"] if s["slot_id"] == now_slot]
        assert len(running) == 2, "both rooms have a session in the slot running now"
        first, second = running
        (a, a_me), (b, _), (c, _) = sc.people[0], sc.people[1], sc.people[2]

        ws_url = server.base_url.replace("http://", "ws://") + f"/api/v1/events/{slug}/live"
        with connect(ws_url) as ws:
            receive_until(ws, "hello")
            r = a.post(sc.ev.url(f"/sessions/{first['proposal_id']}/checkin"))
            assert r.status_code == 200, r.text
            assert r.json()["room_id"] == first["room_id"] and r.json()["how"] == "checkin"
            message = receive_until(ws, "occupancy.changed")
        live = by_room(message["data"])
        assert live[first["room_id"]]["present"] == 1 and live[first["room_id"]]["checked_in"] == 1

        occ = sc.ev.organizer.get(sc.ev.url("/occupancy")).json()
        rooms = by_room(occ)
        assert rooms[first["room_id"]]["session"]["proposal_id"] == first["proposal_id"]
        assert rooms[first["room_id"]]["session"]["join_url"].endswith(f"/e/{slug}/s/{first['proposal_id']}/join")

        # Two feet: A moves to the other room; checking in again where you are changes nothing.
        assert a.post(sc.ev.url(f"/sessions/{second['proposal_id']}/checkin")).status_code == 200
        assert a.post(sc.ev.url(f"/sessions/{second['proposal_id']}/checkin")).status_code == 200
        # B joins the first session's video, C checks in there too.
        join_location(b, f"/e/{slug}/s/{first['proposal_id']}/join")
        assert c.post(sc.ev.url(f"/sessions/{first['proposal_id']}/checkin")).status_code == 200
        with server.client() as anon:
            rooms = by_room(anon.get(sc.ev.url("/occupancy")).json())
        assert rooms[first["room_id"]]["present"] == 2
        assert rooms[first["room_id"]]["in_video"] == 1 and rooms[first["room_id"]]["checked_in"] == 1
        assert rooms[second["room_id"]]["present"] == 1
        cap = {r["id"]: r["capacity"] for r in sc.rooms}
        for room_id, room in rooms.items():
            if room_id is not None:
                assert room["capacity"] == cap[room_id]
                assert room["full"] == (room["present"] >= cap[room_id])

        # From a breakout back to the main room works the same way.
        join_location(b, f"/e/{slug}/main/join")
        occ = sc.ev.organizer.get(sc.ev.url("/occupancy")).json()
        rooms = by_room(occ)
        main = next(r for r in occ["rooms"] if r["main"])
        assert main["present"] == 1 and main["in_video"] == 1
        assert rooms[first["room_id"]]["present"] == 1
        sessions = {s["proposal_id"]: s for s in occ["sessions"]}
        assert sessions[first["proposal_id"]]["video_joins"] == 1, "the join stays counted after B moved on"
        assert sessions[first["proposal_id"]]["checkins"] == 2, "A (who moved on) and C"
        assert sessions[second["proposal_id"]]["checkins"] == 1

        here = a.get(sc.ev.url("/presence")).json()
        assert here["proposal_id"] == second["proposal_id"] and here["room_name"]
        assert a.delete(sc.ev.url("/presence")).status_code == 204
        assert a.get(sc.ev.url("/presence")).json() is None
        assert by_room(sc.ev.organizer.get(sc.ev.url("/occupancy")).json())[second["room_id"]]["present"] == 0
        # The main room can be checked into from the phone too.
        r = a.post(sc.ev.url("/main/checkin"))
        assert r.status_code == 200 and r.json()["proposal_id"] is None
        assert a_me["id"]
    finally:
        sc.close()


def test_check_in_pages_work_without_javascript(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        slug = sc.ev.slug
        pid = sc.agenda["sessions"][0]["proposal_id"]
        client = sc.attendee_for(pid)
        page = client.get(f"/e/{slug}/s/{pid}/checkin")
        assert page.status_code == 200 and "I'm here" in page.text and 'lang="en"' in page.text
        assert f"/e/{slug}/s/{pid}/notes" in page.text and f"/e/{slug}/s/{pid}/join" in page.text
        origin = {"origin": server.base_url}
        r = client.post(f"/e/{slug}/s/{pid}/checkin", headers=origin, follow_redirects=False)
        assert r.status_code == 303
        assert client.get(sc.ev.url("/presence")).json()["proposal_id"] == pid
        r = client.post(f"/e/{slug}/main/checkin", headers=origin, follow_redirects=False)
        assert r.status_code == 303
        overview = client.get(f"/e/{slug}/checkin")
        assert overview.status_code == 200 and "main room" in overview.text.lower()
        # With the browser's cookie: same-origin posts work, a cross-site form post is refused.
        token = client.headers["authorization"].split(" ", 1)[1]
        with httpx.Client(base_url=server.base_url, cookies={f"unconf_t_{slug}": token}, timeout=60) as browser:
            r = browser.post(f"/e/{slug}/s/{pid}/checkin", headers=origin, follow_redirects=False)
            assert r.status_code == 303
            r = browser.post(f"/e/{slug}/s/{pid}/checkin", headers={"origin": "https://evil.example"})
            assert r.status_code == 403
    finally:
        sc.close()


def test_check_in_refusals_are_4xx_with_the_field(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        client = sc.people[0][0]
        r = client.post(sc.ev.url("/sessions/999999/checkin"))
        assert r.status_code == 404 and r.json()["field"] == "session"
        r = client.post(sc.ev.url("/sessions/99999999999/checkin"))
        assert r.status_code in (400, 404) and r.json()["error"]
        with server.client() as anon:
            r = anon.post(sc.ev.url(f"/sessions/{sc.proposals[0]['id']}/checkin"))
            assert r.status_code == 401 and r.json()["field"] == "authorization"
            assert anon.get("/api/v1/events/no-such-event/occupancy").status_code == 404
    finally:
        sc.close()


def test_one_person_tapping_twice_at_once_is_in_one_room(server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sc = published(server, sessions=2)
    try:
        client = sc.people[0][0]
        running = [s for s in sc.agenda["sessions"] if s["slot_id"] == sc.slots[0]["id"]]
        paths = [sc.ev.url(f"/sessions/{s['proposal_id']}/checkin") for s in running] * 3
        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(lambda p: client.post(p).status_code, paths))
        assert codes == [200] * len(paths)
        occ = sc.ev.organizer.get(sc.ev.url("/occupancy")).json()
        assert sum(r["present"] for r in occ["rooms"]) == 1
    finally:
        sc.close()
