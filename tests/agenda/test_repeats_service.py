"""Repeats for crowds in the service: a repeatable crowded topic gets a second run from a build, and
everything that reads the published agenda (API, calendars, frab, pages) shows both runs apart.

The optimizer's side (the v3 score, the rules a repeat keeps) is tested in test_repeats.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import jsonschema
import xmlschema
from lxml import etree

from tests.helpers import FUTURE_DAY, EventHandle, Server, make_event, run_cli, setup_rooms_and_slots, shared_dir


def crowded_event(server: Server) -> tuple[EventHandle, dict[str, int]]:
    """Twelve people want "Phones in class" (rooms seat 6); half of them also want B, the others C.

    Three breakout slots of two rooms and four topics: two places stay free, so a repeat of the
    crowded topic takes no place from a session that would otherwise run.
    """
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_rooms_and_slots(ev, [6, 6], breakouts=3, day=FUTURE_DAY)
    ev.phase("proposals")
    ids: dict[str, int] = {}
    for title in ("Phones in class", "Project weeks", "Circle time", "Dice games"):
        client, _ = ev.join(f"Facilitator of {title}")
        r = client.post(ev.url("/proposals"), json={"title": title})
        assert r.status_code == 201, r.text
        ids[title] = r.json()["id"]
        client.close()
    ev.phase("voting")
    for i in range(14):
        client, _ = ev.join(f"Voter {i}")
        wanted = ["Dice games"] if i >= 12 else ["Phones in class", "Project weeks" if i < 6 else "Circle time"]
        for title in wanted:
            r = client.post(ev.url("/votes"), json={"proposal_id": ids[title], "dots": 1})
            assert r.status_code == 201, r.text
        client.close()
    return ev, ids


def published_repeat(server: Server) -> tuple[EventHandle, int, dict[str, Any]]:
    """The crowded event with its crowded topic repeatable, first run pinned first, built and published."""
    ev, ids = crowded_event(server)
    org, phones = ev.organizer, ids["Phones in class"]
    assert org.put(ev.url("/agenda/repeatable"), json={"proposal_id": phones, "repeatable": True}).status_code == 200
    draft = org.post(ev.url("/agenda/build"), json={"time_limit": 1}).json()
    first_slot = min((s for s in draft["slots"] if s["kind"] == "breakout"), key=lambda s: s["starts_at"])
    place = {"slot_id": first_slot["id"], "room_id": draft["rooms"][0]["id"]}
    assert org.put(ev.url(f"/agenda/draft/sessions/{phones}"), json=place).status_code == 200
    built = org.post(ev.url("/agenda/build"), json={"time_limit": 1}).json()
    assert [s["run"] for s in runs_of(built, phones)] == [1, 2]
    assert org.post(ev.url("/agenda/publish")).status_code == 201
    return ev, phones, org.get(ev.url("/agenda")).json()


def runs_of(agenda: dict[str, Any], proposal_id: int) -> list[dict[str, Any]]:
    return sorted((s for s in agenda["sessions"] if s["proposal_id"] == proposal_id), key=lambda s: s["run"])


def slot_order(agenda: dict[str, Any]) -> dict[int, int]:
    ordered = sorted(agenda["slots"], key=lambda s: s["starts_at"])
    return {s["id"]: i for i, s in enumerate(ordered)}


def facilitators_never_double_booked(agenda: dict[str, Any]) -> None:
    seen: set[tuple[int, int]] = set()
    for s in agenda["sessions"]:
        for f in s["facilitators"]:
            assert (s["slot_id"], f["id"]) not in seen, f"facilitator {f['id']} twice in slot {s['slot_id']}"
            seen.add((s["slot_id"], f["id"]))


def test_a_crowded_repeatable_topic_runs_twice_everywhere(server: Server) -> None:
    ev, ids = crowded_event(server)
    phones = ids["Phones in class"]
    org = ev.organizer

    # Nobody marked anything repeatable: a build places every topic once, however crowded.
    once = org.post(ev.url("/agenda/build"), json={"time_limit": 1})
    assert once.status_code == 201, once.text
    assert all(s["run"] == 1 and s["runs"] == 1 for s in once.json()["sessions"])
    assert len(once.json()["sessions"]) == 4
    refused = org.put(
        ev.url(f"/agenda/draft/sessions/{phones}"),
        json={"slot_id": once.json()["sessions"][0]["slot_id"], "room_id": once.json()["rooms"][0]["id"], "run": 2},
    )
    assert refused.status_code == 409 and refused.json()["field"] == "run"

    # The organizer marks the crowded topic repeatable (bad input is a 4xx naming the field).
    assert org.get(ev.url("/agenda/repeatable")).json() == []
    bad = org.put(ev.url("/agenda/repeatable"), json={"proposal_id": 0, "repeatable": True})
    assert bad.status_code == 400 and bad.json()["field"] == "proposal_id"
    missing = org.put(ev.url("/agenda/repeatable"), json={"proposal_id": 2**31 - 1, "repeatable": True})
    assert missing.status_code == 404
    voter, _ = ev.join("Not an organizer")
    assert voter.put(ev.url("/agenda/repeatable"), json={"proposal_id": phones, "repeatable": True}).status_code == 403
    marked = org.put(ev.url("/agenda/repeatable"), json={"proposal_id": phones, "repeatable": True})
    assert marked.status_code == 200 and marked.json() == {"proposal_id": phones, "repeatable": True}
    assert org.get(ev.url("/agenda/repeatable")).json() == [{"proposal_id": phones, "repeatable": True}]

    # Its first run pinned in the first breakout slot (so a later slot is left for a repeat); the build
    # adds the repeat because it gets the crowd seats, and nothing else loses its place.
    draft = once.json()
    first_slot = min((s for s in draft["slots"] if s["kind"] == "breakout"), key=lambda s: s["starts_at"])
    room_a = draft["rooms"][0]["id"]
    pinned = org.put(ev.url(f"/agenda/draft/sessions/{phones}"), json={"slot_id": first_slot["id"], "room_id": room_a})
    assert pinned.status_code == 200, pinned.text
    built = org.post(ev.url("/agenda/build"), json={"time_limit": 1})
    assert built.status_code == 201, built.text
    agenda = built.json()
    order = slot_order(agenda)
    first, again = runs_of(agenda, phones)
    assert (first["run"], again["run"], first["runs"], again["runs"]) == (1, 2, 2, 2)
    assert first["slot_id"] == first_slot["id"] and order[again["slot_id"]] > order[first["slot_id"]]
    assert first["facilitators"] == again["facilitators"]
    assert {s["proposal_id"] for s in agenda["sessions"]} == set(ids.values()) and not agenda["unscheduled"]
    others = [s for s in agenda["sessions"] if s["proposal_id"] != phones]
    assert all(s["run"] == 1 for s in others)  # "Project weeks" & co are not repeatable: they never repeat
    assert len({(s["slot_id"], s["room_id"]) for s in agenda["sessions"]}) == len(agenda["sessions"]) == 5
    facilitators_never_double_booked(agenda)
    # A repeat of a session that is not repeatable is refused by hand too.
    weeks = ids["Project weeks"]
    spare = next(
        (s["id"], r["id"])
        for s in agenda["slots"]
        if s["kind"] == "breakout"
        for r in agenda["rooms"]
        if not any(x["slot_id"] == s["id"] and x["room_id"] == r["id"] for x in agenda["sessions"])
    )
    no = org.put(ev.url(f"/agenda/draft/sessions/{weeks}"), json={"slot_id": spare[0], "room_id": spare[1], "run": 2})
    assert no.status_code == 409 and no.json()["field"] == "run"

    published = org.post(ev.url("/agenda/publish"))
    assert published.status_code == 201, published.text
    with server.client() as anon:
        public = anon.get(ev.url("/agenda")).json()
        assert [(s["run"], s["slot_id"], s["room_id"]) for s in runs_of(public, phones)] == [
            (1, first["slot_id"], first["room_id"]),
            (2, again["slot_id"], again["room_id"]),
        ]
        assert anon.get(ev.url("/agenda/versions")).json()[-1]["sessions"] == 5

        # Calendars: one event per run, each with its own UID; the session's calendar offers both runs.
        whole = icalendar.Calendar.from_ical(anon.get(f"/e/{ev.slug}/agenda.ics").content).walk("VEVENT")
        uids = [str(e["uid"]) for e in whole]
        assert len(uids) == len(set(uids)) == 6  # five runs and the opening plenary
        assert sum(str(e["summary"]) == "Phones in class" for e in whole) == 2
        mine = anon.get(f"/e/{ev.slug}/s/{phones}.ics")
        assert mine.status_code == 200, mine.text
        both = icalendar.Calendar.from_ical(mine.content).walk("VEVENT")
        assert len(both) == 2 and len({str(e["uid"]) for e in both}) == 2
        assert {e.decoded("dtstart").isoformat() for e in both} == {first["starts_at"], again["starts_at"]}

        # frab XML and JSON: every run an event with its own id, guid and slug, valid against the schemas.
        xml = anon.get(f"/e/{ev.slug}/schedule.xml")
        assert xml.status_code == 200
        xmlschema.XMLSchema(str(shared_dir("schemas", "schedule.xml.xsd"))).validate(io.BytesIO(xml.content))
        x_events = etree.fromstring(xml.content).iter("event")
        x_ids = [(e.get("id"), e.get("guid"), e.findtext("slug")) for e in x_events]
        doc = anon.get(f"/e/{ev.slug}/schedule.json").json()
        schema = json.loads(shared_dir("schemas", "schema.json").read_text())
        validator = jsonschema.Draft6Validator(schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
        assert not [e.message[:200] for e in validator.iter_errors(doc)]
        j_ids = [
            (str(e["id"]), e["guid"], e["slug"])
            for day in doc["schedule"]["conference"]["days"]
            for room in day["rooms"].values()
            for e in room
        ]
        assert sorted(x_ids) == sorted(j_ids) and len(j_ids) == 5
        for column in zip(*j_ids, strict=True):
            assert len(set(column)) == 5, column
        titled = [e for day in doc["schedule"]["conference"]["days"] for r in day["rooms"].values() for e in r]
        assert sum(e["title"] == "Phones in class" for e in titled) == 2

        # Pages: the session page shows the other run, the board marks the repeat.
        page = anon.get(f"/e/{ev.slug}/s/{phones}")
        assert page.status_code == 200
        assert "Also at" in page.text and again["room_name"] in page.text and "Runs twice" in page.text
        board = anon.get(f"/e/{ev.slug}/board")
        assert board.status_code == 200 and board.text.count("Phones in class") >= 2 and "(repeat)" in board.text
        printed = anon.get(f"/e/{ev.slug}/print/agenda")
        assert printed.status_code == 200 and printed.text.count('class="title" dir="auto">Phones in class') == 2
        assert 'class="title" dir="auto">Phones in class (repeat)' in printed.text
        door = anon.get(f"/e/{ev.slug}/print/rooms/{again['room_id']}")
        assert door.status_code == 200 and "Phones in class (repeat)" in door.text
        # The spreadsheet: one row per run, told apart by its run and guid.
        table = anon.get(f"/e/{ev.slug}/export/agenda.csv")
        rows = [
            r for r in csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))) if int(r["proposal_id"]) == phones
        ]
        assert sorted(r["run"] for r in rows) == ["1", "2"] and len({r["guid"] for r in rows}) == 2

    # Someone who starred it sees both runs on their agenda, once per slot, and is picked into one.
    star = voter.put(ev.url(f"/stars/{phones}"))
    assert star.status_code in (200, 201), star.text
    agenda_page = voter.get(f"/e/{ev.slug}/agenda")
    assert agenda_page.status_code == 200 and agenda_page.text.count("Phones in class") >= 2
    personal = voter.get(f"/e/{ev.slug}/me.ics")
    assert personal.status_code == 200, personal.text
    starred = icalendar.Calendar.from_ical(personal.content).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in starred) == ["Phones in class", "Phones in class"]
    assert len({str(e["uid"]) for e in starred}) == 2
    voter.close()

    # A re-solve after publishing keeps a pinned repeat where the organizer put it.
    free = [
        (s["id"], r["id"])
        for s in public["slots"]
        if s["kind"] == "breakout" and order[s["id"]] > order[first["slot_id"]]
        for r in public["rooms"]
        if not any(x["slot_id"] == s["id"] and x["room_id"] == r["id"] for x in public["sessions"])
    ]
    assert free
    moved = org.put(
        ev.url(f"/agenda/draft/sessions/{phones}"), json={"slot_id": free[0][0], "room_id": free[0][1], "run": 2}
    )
    assert moved.status_code == 200, moved.text
    rebuilt = org.post(ev.url("/agenda/build"), json={"time_limit": 1}).json()
    again_now = runs_of(rebuilt, phones)[1]
    assert (again_now["slot_id"], again_now["room_id"], again_now["pinned"]) == (free[0][0], free[0][1], True)
    facilitators_never_double_booked(rebuilt)
    # Taking off the repeat leaves the first run; a repeat before its first run is refused.
    off = org.delete(ev.url(f"/agenda/draft/sessions/{phones}?run=2"))
    assert off.status_code == 200 and [s["run"] for s in runs_of(off.json(), phones)] == [1]
    first_now = runs_of(off.json(), phones)[0]
    earlier = [
        s["id"] for s in public["slots"] if s["kind"] == "breakout" and order[s["id"]] < order[first_now["slot_id"]]
    ]
    if earlier:
        back = org.put(
            ev.url(f"/agenda/draft/sessions/{phones}"), json={"slot_id": earlier[0], "room_id": room_a, "run": 2}
        )
        assert back.status_code == 409
    later = org.put(
        ev.url(f"/agenda/draft/sessions/{phones}"), json={"slot_id": first_now["slot_id"], "room_id": room_a, "run": 2}
    )
    assert later.status_code == 409  # the same slot as its first run: never


def test_the_event_file_carries_repeats(server: Server) -> None:
    """An event moved to another instance keeps which sessions repeat and where their second runs are."""
    ev, _, agenda = published_repeat(server)
    assert sum(s["title"] == "Phones in class" for s in agenda["sessions"]) == 2
    env = {"UNCONF_DATABASE_URL": server.database_url, **server.env}
    exported = run_cli("export", ev.slug, env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    body = json.loads(exported.stdout)
    proposal = next(p for p in body["proposals"] if p["title"] == "Phones in class")
    assert proposal["repeatable"] is True
    placements = body["agendas"][-1]["placements"]
    assert sorted(p["run"] for p in placements if p["proposal"] == proposal["ref"]) == [1, 2]
    # Imported under another name, the copy's agenda has the same two runs.
    copy = f"{ev.slug}-copy"
    imported = run_cli("import", "-", "--slug", copy, env=env, stdin=exported.stdout)
    assert imported.returncode == 0, imported.stderr.decode()
    with server.client() as anon:
        again = anon.get(f"/api/v1/events/{copy}/agenda").json()
    assert [s["run"] for s in again["sessions"] if s["title"] == "Phones in class"] == [1, 2]
    # A file with a repeat but no first run is refused, naming where.
    placements[:] = [p for p in placements if not (p["proposal"] == proposal["ref"] and p["run"] == 1)]
    broken = run_cli("import", "-", "--slug", f"{ev.slug}-broken", env=env, stdin=json.dumps(body).encode())
    assert broken.returncode != 0 and b"without its first run" in broken.stderr


def test_a_repeat_under_way_stays_and_check_ins_follow_the_run_on_now(server: Server) -> None:
    """On the day: the first run is over, the repeat runs now. A re-solve keeps the repeat (its slot
    has started, pinned or not), and checking in to the session lands in the repeat's room."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    plan = [
        (now - timedelta(minutes=150), now - timedelta(minutes=90)),
        (now - timedelta(minutes=30), now + timedelta(minutes=30)),
        (now + timedelta(minutes=60), now + timedelta(minutes=120)),
    ]
    ev = make_event(
        server, timezone="UTC", start_date=plan[0][0].date().isoformat(), end_date=plan[-1][1].date().isoformat()
    )
    org = ev.organizer
    rooms = []
    for name in ("A", "B"):
        r = org.post(ev.url("/rooms"), json={"name": f"Room {name}", "capacity": 6})
        assert r.status_code == 201, r.text
        rooms.append(r.json()["id"])
    slots = []
    for starts, ends in plan:
        r = org.post(
            ev.url("/slots"), json={"starts_at": f"{starts:%Y-%m-%dT%H:%M}", "ends_at": f"{ends:%Y-%m-%dT%H:%M}"}
        )
        assert r.status_code == 201, r.text
        slots.append(r.json()["id"])
    ev.phase("proposals")
    ids = {}
    for title in ("Phones in class", "Project weeks"):
        client, _ = ev.join(f"Facilitator of {title}")
        ids[title] = client.post(ev.url("/proposals"), json={"title": title}).json()["id"]
        client.close()
    ev.phase("voting")
    phones = ids["Phones in class"]
    assert org.put(ev.url("/agenda/repeatable"), json={"proposal_id": phones, "repeatable": True}).status_code == 200
    hand = [
        (phones, slots[0], rooms[0], 1),
        (ids["Project weeks"], slots[1], rooms[0], 1),
        (phones, slots[1], rooms[1], 2),
    ]
    org.post(ev.url("/agenda/build"), json={"time_limit": 0.5})
    for pid, slot, room, run in hand:
        r = org.put(
            ev.url(f"/agenda/draft/sessions/{pid}"),
            json={"slot_id": slot, "room_id": room, "run": run, "pinned": False},
        )
        assert r.status_code == 200, r.text
    assert org.post(ev.url("/agenda/publish")).status_code == 201

    rebuilt = org.post(ev.url("/agenda/build"), json={"time_limit": 0.5})
    assert rebuilt.status_code == 201, rebuilt.text
    assert [(s["run"], s["slot_id"], s["room_id"]) for s in runs_of(rebuilt.json(), phones)] == [
        (1, slots[0], rooms[0]),
        (2, slots[1], rooms[1]),
    ]

    person, _ = ev.join("Late for phones")
    here = person.post(ev.url(f"/sessions/{phones}/checkin"))
    assert here.status_code == 200, here.text
    assert (here.json()["proposal_id"], here.json()["room_id"]) == (phones, rooms[1])
    occupancy = org.get(ev.url("/occupancy")).json()
    in_b = next(r for r in occupancy["rooms"] if r["room_id"] == rooms[1])
    assert in_b["session"]["proposal_id"] == phones and in_b["present"] == 1
    person.close()
