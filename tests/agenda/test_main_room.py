"""The main room is the plenary and main video room: the optimizer places breakouts there only when asked."""

from __future__ import annotations

from tests.helpers import Server


def test_breakouts_stay_out_of_the_main_room_unless_it_is_marked(server: Server) -> None:
    with server.client() as anon:
        made = anon.post(
            "/api/v1/edcamps",
            json={
                "title": "Edcamp Main Room",
                "start_date": "2099-05-04",
                "organizer_name": "Olga",
                "breakout_rooms": 2,
                "breakout_slots": 2,
                "room_capacity": 5,
            },
        )
    assert made.status_code == 201, made.text
    body = made.json()
    slug = body["event"]["slug"]
    with server.client(body["organizer_key"]) as org:
        rooms = org.get(f"/api/v1/events/{slug}/rooms").json()
        main = next(r for r in rooms if r["name"] == "Main room")
        assert main["hosts_breakouts"] is False
        assert all(r["hosts_breakouts"] for r in rooms if r["id"] != main["id"])
        # More proposals than breakout places (2 rooms x 2 slots), and the main room seats 200:
        # an optimizer that may use it would, to place everyone.
        code = body["event"]["join_code"]
        for i in range(6):  # six people, each proposing one topic: nobody facilitates two
            with server.client() as anon:
                joined = anon.post(f"/api/v1/events/{slug}/join", json={"display_name": f"P{i}", "join_code": code})
            with server.client(joined.json()["token"]) as person:
                r = person.post(f"/api/v1/events/{slug}/proposals", json={"title": f"Topic number {i}"})
                assert r.status_code == 201, r.text
        assert org.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"}).status_code == 200
        draft = org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 1})
        assert draft.status_code == 201, draft.text
        used = {s["room_id"] for s in draft.json()["sessions"]}
        assert main["id"] not in used and len(draft.json()["sessions"]) == 4
        assert len(draft.json()["unscheduled"]) == 2

        # A hand placement there is the organizer's choice, and a rebuild keeps a pin there.
        proposal = draft.json()["unscheduled"][0]
        breakout_slot = draft.json()["sessions"][0]["slot_id"]
        pinned = org.put(
            f"/api/v1/events/{slug}/agenda/draft/sessions/{proposal}",
            json={"slot_id": breakout_slot, "room_id": main["id"], "pinned": True},
        )
        assert pinned.status_code == 200, pinned.text
        again = org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 1}).json()
        in_main = [s["proposal_id"] for s in again["sessions"] if s["room_id"] == main["id"]]
        assert in_main == [proposal]

        # Marked as a breakout room too, the main room takes sessions like any other.
        r = org.patch(f"/api/v1/events/{slug}/rooms/{main['id']}", json={"hosts_breakouts": True})
        assert r.status_code == 200 and r.json()["hosts_breakouts"] is True
        org.put(
            f"/api/v1/events/{slug}/agenda/draft/sessions/{proposal}",
            json={"slot_id": breakout_slot, "room_id": main["id"], "pinned": False},
        )
        last = org.post(f"/api/v1/events/{slug}/agenda/build", json={"time_limit": 1}).json()
        assert len(last["sessions"]) == 6 and not last["unscheduled"]
        assert sum(s["room_id"] == main["id"] for s in last["sessions"]) == 2

        bad = org.patch(f"/api/v1/events/{slug}/rooms/{main['id']}", json={"hosts_breakouts": "yes"})
        assert bad.status_code == 400 and bad.json()["field"] == "hosts_breakouts"
