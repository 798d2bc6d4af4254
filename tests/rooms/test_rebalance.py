"""A running day whose check-ins suggest a swap: proposed from occupancy, applied to the draft only on request."""

from __future__ import annotations

from typing import Any

from rooms_support import Scenario, published

from tests.conftest import Server


def places(agenda: dict[str, Any]) -> set[tuple[int, int, int]]:
    return {(s["proposal_id"], s["slot_id"], s["room_id"]) for s in agenda["sessions"]}


def crowded_next_slot(server: Server) -> Scenario:
    """Room A seats 10, room B 2. Now: Topic 0 in A, Topic 1 in B. Next: Topic 2 in A, Topic 3 in B.

    Everyone votes for Topic 3 as well, and everyone is checked in now: 4 in Topic 0 and 2 in
    Topic 1, so 6 people came for 12 votes. Topic 3 should expect 3 people in its 2 seats.
    """
    sc = published(server, capacities=(10, 2), sessions=4)
    ev = sc.ev
    topic = {p["title"]: p["id"] for p in sc.proposals}
    assert sc.session(topic["Topic 3"])["room_id"] == sc.rooms[1]["id"]
    assert sc.session(topic["Topic 2"])["room_id"] == sc.rooms[0]["id"]
    # Before anyone checks in, turnout is taken as one person per vote; Topic 3 has no votes: fine.
    r = ev.organizer.get(ev.url("/agenda/rebalance"))
    assert r.status_code == 200, r.text
    assert r.json()["kind"] is None and r.json()["next_slot_id"] == sc.slots[1]["id"]
    ev.phase("voting")
    for client, _me in sc.people:
        assert client.post(ev.url("/votes"), json={"proposal_id": topic["Topic 3"]}).status_code == 201
    ev.phase("scheduled")
    for i, (client, _me) in enumerate(sc.people):
        target = topic["Topic 0"] if i < 4 else topic["Topic 1"]
        assert client.post(ev.url(f"/sessions/{target}/checkin")).status_code == 200
    return sc


def test_check_ins_suggest_a_swap_for_the_next_slot_and_nothing_moves_without_a_click(server: Server) -> None:
    sc = crowded_next_slot(server)
    try:
        ev = sc.ev
        topic = {p["title"]: p["id"] for p in sc.proposals}
        now_slot, next_slot = sc.slots[0]["id"], sc.slots[1]["id"]
        room_a, room_b = sc.rooms[0]["id"], sc.rooms[1]["id"]

        r = ev.organizer.get(ev.url("/agenda/rebalance"))
        assert r.status_code == 200, r.text
        proposal = r.json()
        assert proposal["kind"] == "swap" and proposal["turnout"] == 0.5
        assert proposal["predicted"] == {str(topic["Topic 2"]): 0, str(topic["Topic 3"]): 3}
        assert proposal["seats"] == 1  # 3 people for 2 seats: 1 short, none once swapped
        moves = [(m["proposal_id"], m["to_slot_id"], m["to_room_id"]) for m in proposal["moves"]]
        assert moves == [(topic["Topic 3"], next_slot, room_a), (topic["Topic 2"], next_slot, room_b)]
        assert "Swap rooms" in proposal["text"]

        # Nothing has moved: the published agenda is as it was.
        assert places(ev.organizer.get(ev.url("/agenda")).json()) == places(sc.agenda)
        # A stale proposal is refused, naming the field.
        r = ev.organizer.post(ev.url("/agenda/rebalance"), json={"moves": [[topic["Topic 2"], next_slot, room_a]]})
        assert r.status_code == 409 and r.json()["field"] == "moves", r.text
        # Attendees cannot even look.
        assert sc.people[0][0].get(ev.url("/agenda/rebalance")).status_code == 403

        # The organizer's click applies it to the draft; people see it only once published.
        r = ev.organizer.post(ev.url("/agenda/rebalance"), json={"moves": moves})
        assert r.status_code == 200, r.text
        draft = {s["proposal_id"]: (s["slot_id"], s["room_id"]) for s in r.json()["sessions"]}
        assert draft[topic["Topic 3"]] == (next_slot, room_a) and draft[topic["Topic 2"]] == (next_slot, room_b)
        assert draft[topic["Topic 0"]][0] == now_slot  # the running slot is untouched
        assert places(ev.organizer.get(ev.url("/agenda")).json()) == places(sc.agenda)
        r = ev.organizer.post(ev.url("/agenda/publish"), json={"confirm_running": True})
        assert r.status_code == 201, r.text
        live = {s["proposal_id"]: s["room_id"] for s in ev.organizer.get(ev.url("/agenda")).json()["sessions"]}
        assert live[topic["Topic 3"]] == room_a
        # and with rooms that fit, nothing more is proposed
        assert ev.organizer.get(ev.url("/agenda/rebalance")).json()["kind"] is None
    finally:
        sc.close()


def test_an_overflowing_repeatable_session_gets_a_repeat_next_slot_on_a_click(server: Server) -> None:
    """Room B seats 2 and all 5 people check into Topic 1 there; Topic 1 may repeat and the next slot has
    a free room: the proposal is a repeat, and the click places it as the session's second run."""
    sc = published(server, capacities=(10, 2), sessions=3)
    try:
        ev = sc.ev
        topic = {p["title"]: p["id"] for p in sc.proposals}
        next_slot, room_b = sc.slots[1]["id"], sc.rooms[1]["id"]
        r = ev.organizer.put(ev.url("/agenda/repeatable"), json={"proposal_id": topic["Topic 1"], "repeatable": True})
        assert r.status_code == 200, r.text
        for client, _me in sc.people:
            assert client.post(ev.url(f"/sessions/{topic['Topic 1']}/checkin")).status_code == 200
        proposal = ev.organizer.get(ev.url("/agenda/rebalance")).json()
        assert proposal["kind"] == "repeat", proposal
        moves = [(m["proposal_id"], m["to_slot_id"], m["to_room_id"]) for m in proposal["moves"]]
        assert moves == [(topic["Topic 1"], next_slot, room_b)]
        r = ev.organizer.post(ev.url("/agenda/rebalance"), json={"moves": moves})
        assert r.status_code == 200, r.text
        runs = sorted(
            (s["run"], s["slot_id"], s["room_id"], s["pinned"])
            for s in r.json()["sessions"]
            if s["proposal_id"] == topic["Topic 1"]
        )
        assert runs[1] == (2, next_slot, room_b, True) and runs[0][0] == 1
        # It repeats now: no third run is proposed.
        assert ev.organizer.get(ev.url("/agenda/rebalance")).json()["kind"] != "repeat"
    finally:
        sc.close()
