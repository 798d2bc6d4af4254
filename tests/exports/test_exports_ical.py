"""iCalendar downloads as calendar apps read them: ical.js, libical and vobject, across a DST change."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
import vobject
from icalendar import vText

ICS_TYPE = "text/calendar; charset=utf-8"

if TYPE_CHECKING:
    from tests.exports.export_support import Scenario

# The fixtures (scenario, berlin, fresh, make_scenario, icaljs, libical) live in export_support.
pytest_plugins = ["tests.exports.export_support"]


def fetch(client: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    r = client.get(path, **kwargs)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:500]}"
    assert r.headers["content-type"] == ICS_TYPE
    assert re.match(r'attachment; filename="[\w.-]+\.ics"$', r.headers["content-disposition"])
    assert r.headers["etag"].startswith('"')
    parsedate_to_datetime(r.headers["last-modified"])
    return r


def unfolded(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def epoch(iso: str) -> int:
    return int(utc(iso).timestamp())


VENUE = "Riverside School"  # the scenario's venue: LOCATION names the room and the venue


def where(session: dict[str, Any]) -> str:
    return f"{session['room_name']}, {VENUE}"


def expected_events(sc: Scenario, sessions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the JSON API says, keyed by the summary (titles are unique in the scenario)."""
    return {s["title"]: s for s in sessions}


def check_with_every_parser(
    sc: Scenario, body: bytes, sessions: list[dict[str, Any]], icaljs: Any, libical: Any
) -> dict[str, Any]:
    """ical.js and libical accept the file with no error and read the same times; vobject reads it back."""
    expected = expected_events(sc, sessions)
    js = icaljs(body)
    assert len(js["events"]) == len(expected)
    for ev in js["events"]:
        s = expected[ev["summary"]]
        assert utc(ev["start"]) == utc(s["starts_at"]), ev
        assert utc(ev["end"]) == utc(s["ends_at"]), ev
        assert ev["location"] == where(s)
        assert ev["url"] == (s["video_link"] or f"{sc.handle.server.base_url}/e/{sc.slug}/s/{s['proposal_id']}")
        assert ev["status"] == "CONFIRMED"
        if sc.timezone != "UTC":
            assert ev["tzid"] == sc.timezone
    lib = libical(body)
    by_uid = {e["uid"]: e for e in js["events"]}
    assert {e["uid"] for e in lib["events"]} == set(by_uid)
    for ev in lib["events"]:
        js_ev = by_uid[ev["uid"]]
        assert ev["start"] == epoch(js_ev["start"]) and ev["end"] == epoch(js_ev["end"])
        assert ev["location"] == js_ev["location"]
        assert ev["tzid"] == sc.timezone
    cal = vobject.readOne(body.decode("utf-8"))
    assert cal.x_wr_calname.value
    assert cal.x_wr_timezone.value == sc.timezone
    read = {v.summary.value: v for v in cal.contents.get("vevent", [])}
    assert set(read) == set(expected)
    for title, v in read.items():
        s = expected[title]
        assert v.dtstart.value == datetime.fromisoformat(s["starts_at"])
        assert v.dtend.value == datetime.fromisoformat(s["ends_at"])
        assert v.dtstart.value.utcoffset() == datetime.fromisoformat(s["starts_at"]).utcoffset()
        assert v.location.value == where(s)
        assert v.dtstamp.value.tzinfo is not None
        description = v.description.value
        for person in s["facilitators"]:
            assert person["display_name"] in description
        if s["video_link"]:
            assert v.url.value == s["video_link"]
            assert s["video_link"] in description
    return js


def test_whole_agenda_calendar_is_accepted_by_every_parser(scenario: Scenario, icaljs: Any, libical: Any) -> None:
    sc = scenario
    with sc.handle.server.client() as anon:
        r = fetch(anon, f"/e/{sc.slug}/agenda.ics")
    check_with_every_parser(sc, r.content, sc.agenda["sessions"], icaljs, libical)
    text = unfolded(r.text)
    assert "X-WR-CALNAME:Edcamp Export Test" in text
    assert f"X-WR-TIMEZONE:{sc.timezone}" in text
    assert text.count("BEGIN:VEVENT") == len(sc.agenda["sessions"])
    assert text.count("DTSTAMP:") == len(sc.agenda["sessions"])


def test_the_slot_across_the_dst_change_has_its_real_length(scenario: Scenario, libical: Any) -> None:
    """01:30-03:30 local on the change day lasts 3 hours in Berlin (autumn) and 1 hour in New York (spring)."""
    sc = scenario
    first = sc.slots[0]
    real = utc(first["ends_at"]) - utc(first["starts_at"])
    assert real.total_seconds() == (3 * 3600 if sc.timezone == "Europe/Berlin" else 3600)
    with sc.handle.server.client() as anon:
        body = fetch(anon, f"/e/{sc.slug}/agenda.ics").content
    across = [s for s in sc.agenda["sessions"] if s["slot_id"] == first["id"]]
    assert across, "the optimizer left the DST slot empty"
    events = {e["uid"]: e for e in libical(body)["events"]}
    for ev in events.values():
        if ev["start"] == epoch(first["starts_at"]):
            assert ev["end"] - ev["start"] == real.total_seconds()


def test_vtimezone_is_limited_to_the_event_and_has_no_comment(scenario: Scenario) -> None:
    sc = scenario
    with sc.handle.server.client() as anon:
        text = unfolded(fetch(anon, f"/e/{sc.slug}/agenda.ics").text)
    blocks = re.findall(r"BEGIN:VTIMEZONE\r\n(.*?)END:VTIMEZONE", text, re.S)
    assert len(blocks) == 1
    block = blocks[0]
    assert f"TZID:{sc.timezone}" in block
    assert "COMMENT" not in block
    years = {int(y) for y in re.findall(r"DTSTART:(\d{4})", block)}
    assert years == {2026}, years
    # The change day itself is inside: both observances are present.
    assert "BEGIN:STANDARD" in block and "BEGIN:DAYLIGHT" in block
    assert len(re.findall(r"DTSTART:", block)) <= 3


def test_room_and_session_calendars(scenario: Scenario, icaljs: Any, libical: Any) -> None:
    sc = scenario
    with sc.handle.server.client() as anon:
        for room in sc.rooms.values():
            r = fetch(anon, f"/e/{sc.slug}/rooms/{room['id']}.ics")
            in_room = [s for s in sc.agenda["sessions"] if s["room_id"] == room["id"]]
            check_with_every_parser(sc, r.content, in_room, icaljs, libical)
            # The calendar is named after the room, escaped as RFC 5545 TEXT ("Lab; Floor 1" as "Lab\; Floor 1").
            assert vText(room["name"]).to_ical().decode() in unfolded(r.text)
        session = sc.agenda["sessions"][0]
        r = fetch(anon, f"/e/{sc.slug}/s/{session['proposal_id']}.ics")
        check_with_every_parser(sc, r.content, [session], icaljs, libical)


def test_uids_are_stable_and_shared_by_every_calendar(scenario: Scenario) -> None:
    sc = scenario
    session = sc.agenda["sessions"][0]
    with sc.handle.server.client() as anon:
        whole = vobject.readOne(fetch(anon, f"/e/{sc.slug}/agenda.ics").text)
        single = vobject.readOne(fetch(anon, f"/e/{sc.slug}/s/{session['proposal_id']}.ics").text)
    uid = single.vevent.uid.value
    assert uid in {v.uid.value for v in whole.contents["vevent"]}
    assert single.vevent.sequence.value == "0"


def test_conditional_requests_get_304(berlin: Scenario) -> None:
    sc = berlin
    path = f"/e/{sc.slug}/agenda.ics"
    with sc.handle.server.client() as anon:
        first = fetch(anon, path)
        again = fetch(anon, path)
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        r = anon.get(path, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["etag"] == etag
        r = anon.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        assert r.status_code == 304
        r = anon.get(path, headers={"If-Modified-Since": modified})
        assert r.status_code == 304
        older = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
        assert anon.get(path, headers={"If-Modified-Since": older}).status_code == 200
        assert anon.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
        assert anon.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_personal_calendar_follows_proposals_votes_and_stars(berlin: Scenario, icaljs: Any, libical: Any) -> None:
    sc = berlin
    client, _ = sc.people["Dan"]
    mine = sc.proposals[next(t for t in sc.proposals if t.startswith("Very long"))]["id"]
    votes = {v["proposal_id"] for v in client.get(sc.handle.url("/votes/me")).json()["votes"] if v["dots"] > 0}
    placed = {s["proposal_id"] for s in sc.agenda["sessions"]}
    starred = next(pid for pid in sorted(placed) if pid not in votes and pid != mine)
    r = client.put(sc.handle.url(f"/stars/{starred}"))
    assert r.status_code == 200 and r.json() == {"proposal_id": starred, "starred": True}
    assert client.put(sc.handle.url(f"/stars/{starred}")).status_code == 200  # idempotent
    assert client.get(sc.handle.url("/stars")).json() == [starred]
    r = client.get(f"/e/{sc.slug}/me.ics")
    assert r.status_code == 200 and r.headers["content-type"] == ICS_TYPE
    assert r.headers["cache-control"].startswith("private")
    wanted = [s for s in sc.agenda["sessions"] if s["proposal_id"] in (votes | {mine, starred})]
    check_with_every_parser(sc, r.content, wanted, icaljs, libical)
    etag = r.headers["etag"]
    assert client.get(f"/e/{sc.slug}/me.ics", headers={"If-None-Match": etag}).status_code == 304
    # Unstarring changes the calendar, so the old ETag no longer matches.
    r = client.delete(sc.handle.url(f"/stars/{starred}"))
    assert r.status_code == 200 and r.json()["starred"] is False
    assert client.delete(sc.handle.url(f"/stars/{starred}")).status_code == 200
    r = client.get(f"/e/{sc.slug}/me.ics", headers={"If-None-Match": etag})
    assert r.status_code == 200
    titles = {v.summary.value for v in vobject.readOne(r.text).contents.get("vevent", [])}
    assert sc.session(starred)["title"] not in titles


def test_personal_calendar_by_cookie_and_its_errors(berlin: Scenario) -> None:
    sc = berlin
    server = sc.handle.server
    with server.client() as anon:
        r = anon.get(f"/e/{sc.slug}/me.ics")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        r = anon.post(sc.handle.url("/join"), json={"display_name": "Cookie Person", "join_code": sc.handle.join_code})
        assert r.status_code == 201
        r = anon.get(f"/e/{sc.slug}/me.ics")  # the cookie from joining
        assert r.status_code == 200 and r.headers["content-type"] == ICS_TYPE
        r = anon.put(sc.handle.url("/stars/1"))  # a cookie alone cannot write from another site
        assert r.status_code == 403 and r.json()["error"] == "csrf_refused"
    with server.client("not-a-token") as bad:
        assert bad.get(f"/e/{sc.slug}/me.ics").status_code == 401
    client, _ = sc.people["Bob, the Builder"]
    r = client.put(sc.handle.url("/stars/999999"))
    assert r.status_code == 404 and r.json()["field"] == "proposal_id"
    assert client.put(sc.handle.url("/stars/0")).status_code in (400, 404)


def test_utc_event_uses_utc_times(make_scenario: Any, icaljs: Any, libical: Any) -> None:
    """A UTC event needs no VTIMEZONE: times are written with Z, and every parser reads the same instants."""
    sc = make_scenario("UTC")
    with sc.handle.server.client() as anon:
        r = fetch(anon, f"/e/{sc.slug}/agenda.ics")
    check_with_every_parser(sc, r.content, sc.agenda["sessions"], icaljs, libical)
    text = unfolded(r.text)
    assert "BEGIN:VTIMEZONE" not in text and "X-WR-TIMEZONE:UTC" in text
    assert "DTSTART:20261121T090000Z" in text


def test_concurrent_stars_do_not_collide(berlin: Scenario) -> None:
    sc = berlin
    client, _ = sc.people["Bob, the Builder"]
    pid = sc.agenda["sessions"][-1]["proposal_id"]
    url = sc.handle.url(f"/stars/{pid}")
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda i: (client.put(url) if i % 2 == 0 else client.delete(url)).status_code, range(16)))
    assert set(codes) == {200}
    assert client.put(url).json() == {"proposal_id": pid, "starred": True}
    assert pid in client.get(sc.handle.url("/stars")).json()
