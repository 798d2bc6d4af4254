"""Conference-app schedules against the published schemas, spreadsheets, printables, QR codes, the digest."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
import xmlschema
from lxml import etree

from tests.helpers import Server, make_event, shared_dir

SECRET_EMAIL = "dan.private@example.org"

if TYPE_CHECKING:
    from tests.exports.export_support import Scenario

# The fixtures (scenario, berlin, fresh, make_scenario, icaljs, libical) live in export_support.
pytest_plugins = ["tests.exports.export_support"]


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(shared_dir("schemas", "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads(shared_dir("schemas", "schema.json").read_text())
    validator = jsonschema.Draft6Validator(schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    # The reference example must pass, or the validator setup itself is wrong.
    example = json.loads(shared_dir("schemas", "pretalx-democon.json").read_text())
    assert not list(validator.iter_errors(example))
    return validator


def json_errors(validator: jsonschema.Draft6Validator, doc: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message[:300]}" for e in validator.iter_errors(doc)]


def get_ok(sc: Scenario, path: str, token_client: Any = None) -> Any:
    client = token_client or sc.handle.server.client()
    r = client.get(path)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:500]}"
    return r


def frab_documents(sc: Scenario) -> tuple[bytes, dict[str, Any]]:
    xml = get_ok(sc, f"/e/{sc.slug}/schedule.xml")
    assert xml.headers["content-type"] == "application/xml; charset=utf-8"
    assert 'filename="schedule.xml"' in xml.headers["content-disposition"]
    js = get_ok(sc, f"/e/{sc.slug}/schedule.json")
    assert js.headers["content-type"] == "application/json"
    return xml.content, js.json()


def json_events(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        ev["id"]: ev
        for day in doc["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for ev in events
    }


def xml_events(body: bytes) -> dict[int, Any]:
    root = etree.fromstring(body)
    return {int(ev.get("id")): ev for ev in root.iter("event")}


def test_frab_xml_and_json_validate_against_the_c3voc_schemas(
    scenario: Scenario, xsd: xmlschema.XMLSchema, json_validator: jsonschema.Draft6Validator
) -> None:
    sc = scenario
    body, doc = frab_documents(sc)
    xsd.validate(io.BytesIO(body))
    assert not json_errors(json_validator, doc)
    sessions = {s["proposal_id"]: s for s in sc.agenda["sessions"]}
    x_events, j_events = xml_events(body), json_events(doc)
    assert set(x_events) == set(j_events) == set(sessions)
    conference = doc["schedule"]["conference"]
    assert conference["time_zone_name"] == sc.timezone
    assert {r["name"] for r in conference["rooms"]} == {r["name"] for r in sc.rooms.values()}
    for pid, s in sessions.items():
        ev, xev = j_events[pid], x_events[pid]
        assert uuid.UUID(ev["guid"]).version == 5 and xev.get("guid") == ev["guid"]
        start, end = datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])
        assert datetime.fromisoformat(ev["date"]) == start
        assert datetime.fromisoformat(xev.findtext("date")) == start
        real = end.astimezone(UTC) - start.astimezone(UTC)
        hours, minutes = divmod(int(real.total_seconds()) // 60, 60)
        assert ev["duration"] == xev.findtext("duration") == f"{hours:02d}:{minutes:02d}"
        assert ev["room"] == xev.findtext("room") == s["room_name"]
        assert [p["public_name"] for p in ev["persons"]] == [f["display_name"] for f in s["facilitators"]]
        assert [p.text for p in xev.find("persons")] == [f["display_name"] for f in s["facilitators"]]
        if s["video_link"]:
            assert ev["links"][0]["url"] == s["video_link"] == xev.find("links/link").get("href")
    # The DST slot: 01:30-03:30 local lasts 3h in Berlin in autumn, 1h in New York in spring.
    dst = [ev for ev in j_events.values() if ev["start"] == "01:30"]
    expected = "03:00" if sc.timezone == "Europe/Berlin" else "01:00"
    assert dst and all(ev["duration"] == expected for ev in dst)


def test_frab_guids_survive_republishing(
    fresh: Scenario, xsd: xmlschema.XMLSchema, json_validator: jsonschema.Draft6Validator
) -> None:
    sc = fresh
    body_1, doc_1 = frab_documents(sc)
    guids_1 = {pid: ev["guid"] for pid, ev in json_events(doc_1).items()}
    session = sc.agenda["sessions"][0]
    moved = False
    for slot in sc.slots:
        for room in sc.rooms.values():
            if (slot["id"], room["id"]) == (session["slot_id"], session["room_id"]):
                continue
            r = sc.org.put(
                sc.handle.url(f"/agenda/draft/sessions/{session['proposal_id']}"),
                json={"slot_id": slot["id"], "room_id": room["id"]},
            )
            if r.status_code == 200:
                moved = True
                break
        if moved:
            break
    assert moved
    assert sc.org.post(sc.handle.url("/agenda/publish")).status_code == 201
    sc.refresh()
    body_2, doc_2 = frab_documents(sc)
    xsd.validate(io.BytesIO(body_2))
    assert not json_errors(json_validator, doc_2)
    assert doc_2["schedule"]["version"] == "v2" != doc_1["schedule"]["version"]
    guids_2 = {pid: ev["guid"] for pid, ev in json_events(doc_2).items()}
    assert guids_2 == guids_1
    now = sc.session(session["proposal_id"])
    assert json_events(doc_2)[session["proposal_id"]]["room"] == now["room_name"]
    assert xml_events(body_1)[session["proposal_id"]].get("guid") == guids_1[session["proposal_id"]]
    # The calendars use the same identity.
    ics = get_ok(sc, f"/e/{sc.slug}/s/{session['proposal_id']}.ics").text
    assert f"UID:{guids_1[session['proposal_id']]}@unconf" in ics


def test_tabular_exports_and_who_may_see_emails(server: Server, berlin: Scenario) -> None:
    sc = berlin
    with server.client() as anon:
        r = anon.post(
            sc.handle.url("/join"),
            json={"display_name": "Erin Email", "join_code": sc.handle.join_code, "email": SECRET_EMAIL},
        )
        assert r.status_code == 201
    public = {}
    for name in ("agenda.csv", "agenda.json", "proposals.csv", "proposals.json", "digest.md", "digest.html"):
        r = get_ok(sc, f"/e/{sc.slug}/export/{name}")
        assert SECRET_EMAIL not in r.text and "@example.org" not in r.text
        public[name] = r
    rows = list(csv.DictReader(io.StringIO(public["agenda.csv"].content.decode("utf-8-sig"))))
    assert public["agenda.csv"].headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="' in public["agenda.csv"].headers["content-disposition"]
    assert {int(r["proposal_id"]) for r in rows} == {s["proposal_id"] for s in sc.agenda["sessions"]}
    assert {r["room"] for r in rows} <= {room["name"] for room in sc.rooms.values()}
    as_json = public["agenda.json"].json()
    assert as_json["version"] == 1 and len(as_json["rows"]) == len(rows)
    proposals = list(csv.DictReader(io.StringIO(public["proposals.csv"].content.decode("utf-8-sig"))))
    api = {p["id"]: p for p in sc.org.get(sc.handle.url("/proposals")).json()}
    assert {int(p["proposal_id"]) for p in proposals} == set(api)
    for p in proposals:
        assert int(p["votes"]) == api[int(p["proposal_id"])]["votes"]
        assert int(p["voters"]) == api[int(p["proposal_id"])]["voters"]
    assert {p["proposal_id"]: p["votes"] for p in public["proposals.json"].json()["rows"]} == {
        i: p["votes"] for i, p in api.items()
    }
    # Participants: organizers only, and only there the emails.
    with server.client() as anon:
        r = anon.get(f"/e/{sc.slug}/export/participants.csv")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    attendee, _ = sc.people["Dan"]
    r = attendee.get(f"/e/{sc.slug}/export/participants.json")
    assert r.status_code == 403 and r.json()["error"] == "organizers_only"
    r = get_ok(sc, f"/e/{sc.slug}/export/participants.csv", sc.org)
    assert SECRET_EMAIL in r.text and r.headers["cache-control"].startswith("private")
    people = get_ok(sc, f"/e/{sc.slug}/export/participants.json", sc.org).json()["rows"]
    assert any(p["email"] == SECRET_EMAIL for p in people)
    listing = get_ok(sc, f"/api/v1/events/{sc.slug}/exports").json()
    assert {e["identifier"] for e in listing} >= {"schedule.xml", "agenda.csv", "participants.csv", "digest.md"}
    assert next(e for e in listing if e["identifier"] == "participants.csv")["access"] == "organizer"


def test_csv_cells_cannot_become_formulas(server: Server) -> None:
    handle = make_event(server)
    handle.phase("proposals")
    r = handle.organizer.post(handle.url("/proposals"), json={"title": '=HYPERLINK("http://x")'})
    assert r.status_code == 201, r.text
    text = get_ok_plain(server, f"/e/{handle.slug}/export/proposals.csv")
    assert "'=HYPERLINK" in text
    handle.organizer.close()


def get_ok_plain(server: Server, path: str) -> str:
    with server.client() as anon:
        r = anon.get(path)
    assert r.status_code == 200, r.text
    return r.content.decode("utf-8-sig")


def test_printable_pages(berlin: Scenario) -> None:
    sc = berlin
    for room in sc.rooms.values():
        r = get_ok(sc, f"/e/{sc.slug}/print/rooms/{room['id']}")
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        html = r.text
        assert "@page" in html and "size: A4" in html
        assert etree.HTML(html).findtext(".//h1") == room["name"]
        in_room = [s for s in sc.agenda["sessions"] if s["room_id"] == room["id"]]
        assert html.count("<svg") == len(in_room)
        for s in in_room:
            assert f"/e/{sc.slug}/s/{s['proposal_id']}/checkin" in html  # the door sign's code checks people in
    letter = get_ok(sc, f"/e/{sc.slug}/print/rooms/{next(iter(sc.rooms.values()))['id']}?paper=letter").text
    assert "size: letter" in letter
    page = get_ok(sc, f"/e/{sc.slug}/print/agenda?paper=letter").text
    assert "@page" in page and "size: letter" in page
    tree = etree.HTML(page)
    for s in sc.agenda["sessions"]:
        assert s["title"] in page.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    assert tree.find(".//table") is not None
    with sc.handle.server.client() as anon:
        r = anon.get(f"/e/{sc.slug}/print/agenda?paper=tabloid")
        assert r.status_code == 400 and r.json()["field"] == "paper"
        r = anon.get(f"/e/{sc.slug}/print/rooms/999999")
        assert r.status_code == 404 and r.json()["field"] == "room_id"


def test_qr_codes(berlin: Scenario) -> None:
    sc = berlin
    session = sc.agenda["sessions"][0]
    room = next(iter(sc.rooms.values()))
    with sc.handle.server.client() as anon:
        for path in (f"/e/{sc.slug}/qr/s/{session['proposal_id']}", f"/e/{sc.slug}/qr/rooms/{room['id']}"):
            r = anon.get(path)
            assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
            assert etree.fromstring(r.content).tag == "{http://www.w3.org/2000/svg}svg"
            r = anon.get(path, params={"format": "png"})
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert r.content.startswith(b"\x89PNG\r\n\x1a\n")
            r = anon.get(path, params={"format": "gif"})
            assert r.status_code == 400 and r.json()["field"] == "format"
        # The join link holds the join code: only people in the event get it.
        assert anon.get(f"/e/{sc.slug}/qr/join").status_code == 401
        assert anon.get(f"/e/{sc.slug}/qr/s/999999").status_code == 404
    r = sc.org.get(f"/e/{sc.slug}/qr/join", params={"format": "png"})
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert sc.org.get(f"/e/{sc.slug}/qr/join").headers["content-type"] == "image/svg+xml"


def test_digest_lists_sessions_and_labels_missing_notes(berlin: Scenario) -> None:
    sc = berlin
    md = get_ok(sc, f"/e/{sc.slug}/export/digest.md")
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    html = get_ok(sc, f"/e/{sc.slug}/export/digest.html").text
    assert "No notes were taken for this session" in md.text and "No notes were taken for this session" in html
    for s in sc.agenda["sessions"]:
        assert f"{s['room_name']}" in html
        assert f"check-in counts will replace this once attendance is recorded): {s['voters']}" in md.text.replace(
            "\\", ""
        )
        for person in s["facilitators"]:
            assert person["display_name"] in html.replace("&#34;", '"')


def test_errors_are_json_4xx_never_500(server: Server, berlin: Scenario) -> None:
    sc = berlin
    empty = make_event(server)
    with server.client() as anon:
        for path in (
            f"/e/{empty.slug}/agenda.ics",
            f"/e/{empty.slug}/schedule.xml",
            f"/e/{empty.slug}/schedule.json",
            f"/e/{empty.slug}/export/agenda.csv",
            f"/e/{empty.slug}/export/digest.md",
            f"/e/{empty.slug}/print/agenda",
        ):
            r = anon.get(path)
            assert r.status_code == 404, path
            assert r.json()["detail"] == "the agenda is not published yet: there is nothing to export"
        for path, field in (
            ("/e/no-such-event/agenda.ics", "slug"),
            (f"/e/{sc.slug}/rooms/999999.ics", "room_id"),
            (f"/e/{sc.slug}/rooms/abc.ics", "room_id"),
            (f"/e/{sc.slug}/rooms/1", "room_id"),
            (f"/e/{sc.slug}/s/999999.ics", "proposal_id"),
            (f"/e/{sc.slug}/s/99999999999999999999.ics", "proposal_id"),
            (f"/e/{sc.slug}/s/-1.ics", "proposal_id"),
            (f"/e/{sc.slug}/export/secrets.txt", "identifier"),
        ):
            r = anon.get(path)
            assert r.status_code == 404, path
            assert r.json()["field"] == field, (path, r.json())
        r = anon.put(sc.handle.url("/stars/1"))
        assert r.status_code == 401
    empty.organizer.close()
