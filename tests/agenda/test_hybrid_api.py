"""A hybrid event through the API: people say they are remote, a room has video, the build uses both."""

from __future__ import annotations

from tests.helpers import Server, make_event


def test_remote_crowd_gets_the_video_room(server: Server) -> None:
    ev = make_event(server)
    hall = ev.organizer.post(ev.url("/rooms"), json={"name": "Hall", "capacity": 12}).json()
    r = ev.organizer.post(ev.url("/rooms"), json={"name": "Studio", "capacity": 6, "video_equipped": True})
    assert r.status_code == 201 and r.json()["video_equipped"] is True, r.text
    studio = r.json()
    assert hall["video_equipped"] is False
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T09:45"})
    assert r.status_code == 201, r.text
    ev.phase("proposals")
    maker_client, _ = ev.join("Maker")
    remote_client, _ = ev.join("Remote host")
    makers = maker_client.post(ev.url("/proposals"), json={"title": "Maker kits", "description": "Hands on."}).json()
    remote = remote_client.post(ev.url("/proposals"), json={"title": "Teaching online", "description": "Far."}).json()
    ev.phase("voting")
    for i in range(10):  # ten in the room want the makers' session
        client, _ = ev.join(f"In room {i}")
        assert client.post(ev.url("/votes"), json={"proposal_id": makers["id"], "dots": 1}).status_code == 201
    for i in range(12):  # twelve remote and two in the room want the online one: 14 > 12 seats
        client, _ = ev.join(f"Remote {i}")
        r = client.put(ev.url("/me/attendance"), json={"attendance": "remote"})
        assert r.status_code == 200 and r.json() == {"attendance": "remote"}, r.text
        assert client.get(ev.url("/me/attendance")).json() == {"attendance": "remote"}
        assert client.post(ev.url("/votes"), json={"proposal_id": remote["id"], "dots": 1}).status_code == 201
    for i in range(2):
        client, _ = ev.join(f"Curious {i}")
        assert client.get(ev.url("/me/attendance")).json() == {"attendance": "in_room"}
        assert client.post(ev.url("/votes"), json={"proposal_id": remote["id"], "dots": 1}).status_code == 201

    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    rooms = {s["proposal_id"]: s["room_id"] for s in r.json()["sessions"]}
    # Counting every voter, 14 would take the hall; counting kinds, 2 seats and video suffice.
    assert rooms == {makers["id"]: hall["id"], remote["id"]: studio["id"]}
    assert r.json()["score"] == 10 * (10 + 14 + 2)  # everyone sees their session, nobody overflows


def test_attendance_rejects_anything_else(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    client, _ = ev.join("Someone")
    r = client.put(ev.url("/me/attendance"), json={"attendance": "on the moon"})
    assert r.status_code == 400 and r.json()["field"] == "attendance", r.text
    r = ev.organizer.post(ev.url("/rooms"), json={"name": "X", "capacity": 5, "video_equipped": "yes"})
    assert r.status_code == 400, r.text
    with server.client() as anon:
        assert anon.put(ev.url("/me/attendance"), json={"attendance": "remote"}).status_code == 401
