"""The whole Edcamp morning through HTTP against a real uvicorn and a SQLite file."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from tests.helpers import FUTURE_DAY, Server, make_event, setup_rooms_and_slots


def test_the_whole_morning(server: Server) -> None:
    rng = random.Random(42)
    ev = make_event(server, title="Edcamp Morning", timezone="America/Chicago")
    setup_rooms_and_slots(ev, [40, 25, 15, 10])
    ev.phase("proposals")

    people = [ev.join(f"Teacher {i}") for i in range(30)]
    proposals: list[dict] = []
    for i, (client, me) in enumerate(people[:12]):
        r = client.post(ev.url("/proposals"), json={"title": f"Topic {i}: reading circles", "tags": ["literacy"]})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["facilitators"] == [{"id": me["id"], "display_name": me["display_name"]}]
        proposals.append(body)

    ev.phase("voting")
    ids = [p["id"] for p in proposals]
    expected: Counter[int] = Counter()
    wanted: dict[int, set[int]] = defaultdict(set)
    for client, me in people:
        chosen = rng.sample(ids, 5)
        for pid in chosen:
            r = client.post(ev.url("/votes"), json={"proposal_id": pid})
            assert r.status_code == 201, r.text
            expected[pid] += 1
            wanted[me["id"]].add(pid)
        mine = client.get(ev.url("/votes/me")).json()
        assert mine["dots_left"] == 0
        assert sorted(v["proposal_id"] for v in mine["votes"]) == sorted(chosen)
        over = client.post(ev.url("/votes"), json={"proposal_id": next(i for i in ids if i not in chosen)})
        assert over.status_code == 409 and over.json()["error"] == "dots_exhausted"

    listed = {p["id"]: p for p in ev.organizer.get(ev.url("/proposals")).json()}
    assert {pid: listed[pid]["votes"] for pid in ids} == {pid: expected[pid] for pid in ids}

    draft = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1, "seed": 3})
    assert draft.status_code == 201, draft.text
    draft_body = draft.json()
    assert draft_body["status"] == "draft" and draft_body["version"] is None
    # 4 rooms x 3 breakout slots = 12 places for 12 proposals: everything runs.
    assert len(draft_body["sessions"]) == 12 and draft_body["unscheduled"] == []
    assert all(c["people"] > 0 and "wanted both" in c["text"] for c in draft_body["clashes"])

    published = ev.organizer.post(ev.url("/agenda/publish"))
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 1
    assert ev.organizer.get(ev.url()).json()["phase"] == "scheduled"

    with server.client() as anon:
        agenda = anon.get(ev.url("/agenda")).json()
    assert agenda["status"] == "published" and agenda["version"] == 1
    rooms = {r["id"]: r for r in agenda["rooms"]}
    slots = {s["id"]: s for s in agenda["slots"]}
    assert sorted(s["kind"] for s in slots.values()) == ["breakout"] * 3 + ["plenary"]
    places = set()
    facilitator_slots = set()
    for session in agenda["sessions"]:
        assert slots[session["slot_id"]]["kind"] == "breakout"
        assert session["room_name"] == rooms[session["room_id"]]["name"]
        assert session["facilitators"], "every session names its facilitators"
        assert session["starts_at"].endswith("-06:00"), "times are shown in the event's timezone"
        assert (session["slot_id"], session["room_id"]) not in places
        places.add((session["slot_id"], session["room_id"]))
        for f in session["facilitators"]:
            assert (f["id"], session["slot_id"]) not in facilitator_slots, "a facilitator is double-booked"
            facilitator_slots.add((f["id"], session["slot_id"]))
    # Popular sessions in big rooms: within each slot, more voters never sit in a smaller room.
    by_slot = defaultdict(list)
    for s in agenda["sessions"]:
        by_slot[s["slot_id"]].append((s["voters"], rooms[s["room_id"]]["capacity"]))
    for entries in by_slot.values():
        entries.sort()
        assert [cap for _, cap in entries] == sorted(cap for _, cap in entries)

    proposals_after = {p["id"]: p["status"] for p in ev.organizer.get(ev.url("/proposals")).json()}
    assert set(proposals_after.values()) == {"scheduled"}
    versions = ev.organizer.get(ev.url("/agenda/versions")).json()
    assert [v["version"] for v in versions] == [1]


def test_republish_keeps_old_versions_and_hand_moves(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_rooms_and_slots(ev, [30, 20], breakouts=2, day=FUTURE_DAY)
    ev.phase("proposals")
    (alice, _a), (bob, _b) = ev.join("Alice"), ev.join("Bob")
    p1 = alice.post(ev.url("/proposals"), json={"title": "Podcasting"}).json()
    p2 = bob.post(ev.url("/proposals"), json={"title": "Maker space"}).json()
    ev.phase("voting")
    alice.post(ev.url("/votes"), json={"proposal_id": p2["id"]})
    bob.post(ev.url("/votes"), json={"proposal_id": p1["id"]})
    assert ev.organizer.post(ev.url("/agenda/build"), json={}).status_code == 201
    v1 = ev.organizer.post(ev.url("/agenda/publish")).json()
    slots = [s for s in v1["slots"] if s["kind"] == "breakout"]
    rooms = v1["rooms"]
    first = next(s for s in v1["sessions"] if s["proposal_id"] == p1["id"])
    target_slot = next(s["id"] for s in slots if s["id"] != first["slot_id"])
    moved = ev.organizer.put(
        ev.url(f"/agenda/draft/sessions/{p1['id']}"), json={"slot_id": target_slot, "room_id": rooms[1]["id"]}
    )
    assert moved.status_code == 200, moved.text
    placed = next(s for s in moved.json()["sessions"] if s["proposal_id"] == p1["id"])
    assert (placed["slot_id"], placed["room_id"], placed["pinned"]) == (target_slot, rooms[1]["id"], True)
    # Re-solving keeps the pin.
    rebuilt = ev.organizer.post(ev.url("/agenda/build"), json={"seed": 9})
    assert rebuilt.status_code == 201, rebuilt.text
    again = next(s for s in rebuilt.json()["sessions"] if s["proposal_id"] == p1["id"])
    assert (again["slot_id"], again["room_id"]) == (target_slot, rooms[1]["id"])
    v2 = ev.organizer.post(ev.url("/agenda/publish")).json()
    assert v2["version"] == 2
    old = ev.organizer.get(ev.url("/agenda/versions/1")).json()
    assert next(s for s in old["sessions"] if s["proposal_id"] == p1["id"])["slot_id"] == first["slot_id"]
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 2
    assert ev.organizer.get(ev.url("/agenda/versions/3")).status_code == 404


def test_resolving_a_running_day_keeps_what_started(server: Server) -> None:
    """On a day already under way (all slots started), a re-solve keeps every started session in place."""
    ev = make_event(server, start_date="2026-01-10")
    setup_rooms_and_slots(ev, [30, 20, 10], breakouts=2, day="2026-01-10")
    ev.phase("proposals")
    people = [ev.join(f"R{i}") for i in range(6)]
    ids = [c.post(ev.url("/proposals"), json={"title": f"Session {i}"}).json()["id"] for i, (c, _) in enumerate(people)]
    ev.phase("voting")
    for i, (client, _) in enumerate(people):
        client.post(ev.url("/votes"), json={"proposal_id": ids[(i + 1) % len(ids)]})
    ev.organizer.post(ev.url("/agenda/build"), json={})
    first = ev.organizer.post(ev.url("/agenda/publish")).json()
    placed = {s["proposal_id"]: (s["slot_id"], s["room_id"]) for s in first["sessions"]}
    # Re-solving during the day must not shuffle what already started.
    assert ev.organizer.get(ev.url()).json()["phase"] == "scheduled"
    rebuilt = ev.organizer.post(ev.url("/agenda/build"), json={"seed": 5})
    assert rebuilt.status_code == 201, rebuilt.text
    again = {s["proposal_id"]: (s["slot_id"], s["room_id"]) for s in rebuilt.json()["sessions"]}
    assert again == placed
    # A hand fix in a started slot (a broken projector: swap rooms) is kept by the next re-solve.
    pid, (slot, room) = next(iter(placed.items()))
    other_room = next(r["id"] for r in first["rooms"] if r["id"] != room)
    moved = ev.organizer.put(ev.url(f"/agenda/draft/sessions/{pid}"), json={"slot_id": slot, "room_id": other_room})
    assert moved.status_code == 200, moved.text
    after = ev.organizer.post(ev.url("/agenda/build"), json={"seed": 6})
    assert after.status_code == 201, after.text
    final = {s["proposal_id"]: (s["slot_id"], s["room_id"]) for s in after.json()["sessions"]}
    assert final[pid] == (slot, other_room)
