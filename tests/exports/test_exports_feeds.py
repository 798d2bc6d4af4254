"""Subscription feeds follow re-publishing: same UID, SEQUENCE+1, new place; removed sessions are CANCELLED."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import vobject

from tests.helpers import Server, make_event

if TYPE_CHECKING:
    from tests.exports.export_support import Scenario

# The fixtures (scenario, berlin, fresh, make_scenario, icaljs, libical) live in export_support.
pytest_plugins = ["tests.exports.export_support"]


def events_by_title(text: str) -> dict[str, Any]:
    cal = vobject.readOne(text)
    return {v.summary.value: v for v in cal.contents.get("vevent", [])}


def read_feed(sc: Scenario, path: str) -> dict[str, Any]:
    with sc.handle.server.client() as anon:  # no login: the secret is the credential
        r = anon.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in r.text and "X-PUBLISHED-TTL:PT15M" in r.text
    return events_by_title(r.text)


def publish(sc: Scenario) -> dict[str, Any]:
    r = sc.org.post(sc.handle.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    return r.json()


def stored_feed_hashes(database_url: str, participant_id: int) -> list[str]:
    """Read the feed table straight from the database the server uses (SQLite or PostgreSQL)."""
    query = "SELECT secret_hash FROM calendar_feed WHERE participant = {}"
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return [row[0] for row in db.execute(query.format("?"), (participant_id,))]

    import asyncpg

    async def read() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            return [row[0] for row in await conn.fetch(query.format("$1"), participant_id)]
        finally:
            await conn.close()

    return asyncio.run(read())


def move_somewhere(sc: Scenario, session: dict[str, Any]) -> tuple[int, int]:
    """Move the session to another slot and room, preferring an empty place; the API refuses facilitator clashes."""
    taken = {(s["slot_id"], s["room_id"]) for s in sc.agenda["sessions"]}
    places = [(slot["id"], room["id"]) for slot in sc.slots for room in sc.rooms.values()]
    others = [p for p in places if p[0] != session["slot_id"] and p[1] != session["room_id"]]
    for slot_id, room_id in sorted(others, key=lambda p: p in taken):
        r = sc.org.put(
            sc.handle.url(f"/agenda/draft/sessions/{session['proposal_id']}"),
            json={"slot_id": slot_id, "room_id": room_id},
        )
        if r.status_code == 200:
            return slot_id, room_id
        assert r.status_code == 409, r.text
    raise AssertionError("no place to move the session to")


def test_republishing_moves_cancels_and_keeps_uids(fresh: Scenario, icaljs: Any, libical: Any) -> None:
    sc = fresh
    client, _ = sc.people["Alice Ärger"]
    placed = [s["proposal_id"] for s in sc.agenda["sessions"]]
    for pid in placed:
        assert client.put(sc.handle.url(f"/stars/{pid}")).status_code == 200
    r = client.post(sc.handle.url("/feed"))
    assert r.status_code == 201, r.text
    feed = r.json()
    https_path = urlparse(feed["https_url"]).path
    assert feed["webcal_url"] == "webcal://" + feed["https_url"].split("://", 1)[1]
    assert https_path.endswith(".ics") and feed["secret"] in https_path

    before = read_feed(sc, https_path)
    assert {s["title"] for s in sc.agenda["sessions"]} <= set(before)
    assert all(v.sequence.value == "0" and v.status.value == "CONFIRMED" for v in before.values())

    moved, withdrawn, dropped = (sc.session(pid) for pid in placed[:3])
    old_agenda = sc.agenda
    slot_id, room_id = move_somewhere(sc, moved)
    publish(sc)
    agenda = sc.refresh()
    now = sc.session(moved["proposal_id"])
    assert (now["slot_id"], now["room_id"]) == (slot_id, room_id)
    version_2 = sc.org.get(sc.handle.url("/agenda/versions")).json()[-1]
    assert version_2["version"] == 2

    after = read_feed(sc, https_path)
    old, new = before[moved["title"]], after[moved["title"]]
    assert new.uid.value == old.uid.value
    assert int(new.sequence.value) == int(old.sequence.value) + 1
    assert new.location.value == f"{now['room_name']}, Riverside School" != old.location.value
    assert new.dtstart.value == datetime.fromisoformat(now["starts_at"]) != old.dtstart.value
    assert new.last_modified.value == datetime.fromisoformat(version_2["published_at"]).replace(microsecond=0)
    assert new.last_modified.value >= old.last_modified.value
    # Every other session keeps its SEQUENCE unless it moved too (a swapped occupant).
    old_places = {x["proposal_id"]: (x["slot_id"], x["room_id"]) for x in old_agenda["sessions"]}
    for x in agenda["sessions"]:
        bump = 1 if old_places[x["proposal_id"]] != (x["slot_id"], x["room_id"]) else 0
        assert int(after[x["title"]].sequence.value) == int(before[x["title"]].sequence.value) + bump, x["title"]

    # Withdrawn after publishing: cancelled at once, before any new publication.
    r = sc.org.post(sc.handle.url(f"/proposals/{withdrawn['proposal_id']}/withdraw"))
    assert r.status_code == 200, r.text
    later = read_feed(sc, https_path)
    gone = later[withdrawn["title"]]
    assert gone.status.value == "CANCELLED"
    assert gone.uid.value == before[withdrawn["title"]].uid.value
    assert int(gone.sequence.value) == int(after[withdrawn["title"]].sequence.value) + 1

    # Dropped from a newer published version: cancelled too, with the place it had.
    r = sc.org.delete(sc.handle.url(f"/agenda/draft/sessions/{dropped['proposal_id']}"))
    assert r.status_code == 200, r.text
    publish(sc)
    last_text = sc.handle.server.client().get(https_path).content
    final = events_by_title(last_text.decode())
    ev = final[dropped["title"]]
    assert ev.status.value == "CANCELLED"
    assert ev.uid.value == before[dropped["title"]].uid.value
    assert int(ev.sequence.value) == int(later[dropped["title"]].sequence.value) + 1
    assert ev.location.value == later[dropped["title"]].location.value
    assert final[withdrawn["title"]].status.value == "CANCELLED"
    assert int(final[withdrawn["title"]].sequence.value) >= int(gone.sequence.value)
    # Parsers accept cancelled events as well.
    statuses = {e["status"] for e in icaljs(last_text)["events"]}
    assert statuses == {"CONFIRMED", "CANCELLED"}
    assert {e["status"] for e in libical(last_text)["events"]} == {"CONFIRMED", "CANCELLED"}
    # The public calendar carries the cancellations as well.
    with sc.handle.server.client() as anon:
        public = events_by_title(anon.get(f"/e/{sc.slug}/agenda.ics").text)
    assert public[dropped["title"]].status.value == "CANCELLED"
    assert public[moved["title"]].sequence.value == "1"


def test_feed_secret_rotate_and_revoke(berlin: Scenario) -> None:
    sc = berlin
    client, me = sc.people['Carol "CJ" Jones']
    assert client.get(sc.handle.url("/feed")).json() == {"active": False, "created_at": None}
    first = client.post(sc.handle.url("/feed")).json()
    secret = first["secret"]
    assert len(secret) >= 22  # >= 128 bits in URL-safe base64
    status = client.get(sc.handle.url("/feed")).json()
    assert status["active"] is True and "secret" not in status
    path_1 = urlparse(first["https_url"]).path
    with sc.handle.server.client() as anon:
        assert anon.get(path_1).status_code == 200
        # Only the hash is stored.
        stored = stored_feed_hashes(sc.handle.server.database_url, me["id"])
        assert stored == [hashlib.sha256(secret.encode()).hexdigest()]
        second = client.post(sc.handle.url("/feed")).json()
        assert second["secret"] != secret
        r = anon.get(path_1)
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        path_2 = urlparse(second["https_url"]).path
        assert anon.get(path_2).status_code == 200
        # Someone else's event slug with a valid secret: nothing.
        other = make_event(sc.handle.server)
        assert anon.get(path_2.replace(f"/e/{sc.slug}/", f"/e/{other.slug}/")).status_code == 404
        other.organizer.close()
        assert client.delete(sc.handle.url("/feed")).status_code == 204
        assert anon.get(path_2).status_code == 404
        assert anon.get(f"/e/{sc.slug}/feed/short.ics").status_code == 404
        assert anon.get(f"/e/{sc.slug}/feed/{'x' * 500}").status_code == 404
        assert anon.post(sc.handle.url("/feed")).status_code == 401
    assert client.get(sc.handle.url("/feed")).json()["active"] is False


def test_feed_before_publishing_is_an_empty_calendar(server: Server) -> None:
    handle = make_event(server, start_date="2026-03-08", timezone="America/New_York")
    r = handle.organizer.post(handle.url("/feed"))
    assert r.status_code == 201
    with server.client() as anon:
        feed = anon.get(urlparse(r.json()["https_url"]).path)
        assert feed.status_code == 200
        assert "BEGIN:VEVENT" not in feed.text and "X-WR-TIMEZONE:America/New_York" in feed.text
        r = anon.get(f"/e/{handle.slug}/agenda.ics")
        assert r.status_code == 404
        assert r.json() == {
            "error": "not_found",
            "detail": "the agenda is not published yet: there is nothing to export",
            "field": "agenda",
        }
    handle.organizer.close()


def test_slot_times_edited_after_publishing_bump_sequence(fresh: Scenario, libical: Any) -> None:
    """Lunch ran long: the organizer shifts a slot without re-publishing; calendars still see a new revision."""
    sc = fresh
    session = sc.agenda["sessions"][-1]
    path = f"/e/{sc.slug}/s/{session['proposal_id']}.ics"
    with sc.handle.server.client() as anon:
        before = events_by_title(anon.get(path).text)[session["title"]]
        slot = next(s for s in sc.slots if s["id"] == session["slot_id"])
        starts = datetime.fromisoformat(slot["starts_at"])
        ends = datetime.fromisoformat(slot["ends_at"])
        later = {
            "starts_at": (starts + timedelta(minutes=10)).isoformat(),
            "ends_at": (ends + timedelta(minutes=10)).isoformat(),
        }
        r = sc.org.patch(sc.handle.url(f"/slots/{slot['id']}"), json=later)
        assert r.status_code == 200, r.text
        body = anon.get(path).content
        after = events_by_title(body.decode())[session["title"]]
        assert after.uid.value == before.uid.value
        assert int(after.sequence.value) == int(before.sequence.value) + 1
        assert after.dtstart.value == starts + timedelta(minutes=10)
        assert after.last_modified.value >= before.last_modified.value
        assert after.dtstamp.value == after.last_modified.value
        assert libical(body)["events"][0]["start"] == int((starts + timedelta(minutes=10)).timestamp())
        # Reading again changes nothing: the revision is counted once.
        again = events_by_title(anon.get(path).text)[session["title"]]
        assert again.sequence.value == after.sequence.value
