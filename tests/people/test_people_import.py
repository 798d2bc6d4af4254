"""Registrant import from Eventbrite, Google Sheets/Forms and any CSV, against a real server on loopback."""

from __future__ import annotations

from typing import Any

from tests.helpers import Server, make_event
from tests.notify.loopback import Receiver, always, from_url, redirect, serve_file, upload

# The loopback SMTP/HTTP servers and the app server wired to them (session fixtures, shared).
pytest_plugins = ["tests.notify.fixtures"]

EVENTBRITE = (
    "\ufeffOrder #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,Barcode #,Attendee Status\r\n"
    "9001,2026-10-01 09:12:00,Ada,Lovelace,ada@school.example,1,General Admission,70001,111,Attending\r\n"
    "9002,2026-10-01 10:00:00,Grace,Hopper,Grace.Hopper@school.example,1,General Admission,70002,112,Attending\r\n"
    '9003,2026-10-02 11:00:00,"Ruth ""Ru""\r\nAnn",Teach,ruth@school.example,1,General Admission,70003,113,'
    "Attending\r\n"
    "9004,2026-10-02 12:00:00,Bob,NoMail,,1,General Admission,70004,114,Attending\r\n"
    "9005,2026-10-02 12:30:00,Grace,Hopper,grace.hopper@SCHOOL.example,1,General Admission,70005,115,Attending\r\n"
    "9006,2026-10-03 08:00:00,Carl,Refund,carl@school.example,1,General Admission,70006,116,Refunded\r\n"
    "9007,2026-10-03 08:05:00,Dana,Typo,dana@school,1,General Admission,70007,117,Attending\r\n"
    ",,,,,,,,,\r\n"
).encode()


def accounted(report: dict[str, Any]) -> int:
    """Rows that ended up somewhere: nothing may be dropped silently."""
    later_duplicates = sum(len(d["lines"]) - 1 for d in report["duplicates"])
    return len(report["new"]) + len(report["existing"]) + len(report["problems"]) + later_duplicates


def participants(ev: Any) -> list[dict[str, Any]]:
    r = ev.organizer.get(ev.url("/participants"))
    assert r.status_code == 200, r.text
    return r.json()


def test_eventbrite_preview_import_and_reimport(notify_server: Server) -> None:
    ev = make_event(notify_server)
    preview = upload(ev, "preview", EVENTBRITE)
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["format"] == "eventbrite" and report["mapping_needed"] is False
    assert report["mapping"]["email"] == "Email" and report["mapping"]["external_id"] == "Attendee #"
    assert report["rows"] == 7 and report["blank_rows"] == 1 and accounted(report) == report["rows"]
    assert [p["email"] for p in report["new"]] == [
        "ada@school.example",
        "Grace.Hopper@school.example",
        "ruth@school.example",
    ]
    # The quoted name spans two physical lines; the next record's line number says so.
    assert report["duplicates"] == [{"email": "Grace.Hopper@school.example", "lines": [3, 7], "kept_line": 3}]
    problems = {p["line"]: p for p in report["problems"]}
    assert set(problems) == {6, 8, 9}, problems
    assert problems[6]["field"] == "email" and "empty" in problems[6]["reason"]
    assert "Refunded" in problems[8]["reason"]
    assert problems[9]["field"] == "email" and "dana@school" in problems[9]["reason"]
    assert len(participants(ev)) == 1, "a preview changes nothing"

    first = upload(ev, "import", EVENTBRITE)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["imported"] is True and len(body["new"]) == 3 and all(p["participant_id"] for p in body["new"])
    people = {p["email"]: p for p in participants(ev)}
    assert people["ada@school.example"]["display_name"] == "Ada Lovelace"
    assert people["ada@school.example"]["role"] == "attendee"
    assert people["ruth@school.example"]["display_name"] == 'Ruth "Ru" Ann Teach'

    again = upload(ev, "import", EVENTBRITE)
    assert again.status_code == 201, again.text
    second = again.json()
    assert second["new"] == [] and len(second["existing"]) == 3
    assert {p["participant_id"] for p in second["existing"]} == {p["participant_id"] for p in body["new"]}
    assert len(participants(ev)) == 4, "re-importing the same file changes nothing"


def test_any_csv_needs_the_organizer_to_confirm_the_mapping(notify_server: Server) -> None:
    ev = make_event(notify_server)
    sheet = (
        "Full name;E-mail address;School\nMia Chen;mia@district.example;North\nLeo Park;LEO@district.example;South\n"
    )
    preview = upload(ev, "preview", sheet.encode())
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["format"] == "csv" and report["mapping_needed"] is True
    assert report["mapping"] == {
        "email": "E-mail address",
        "name": "Full name",
        "first_name": None,
        "last_name": None,
        "external_id": None,
    }
    refused = upload(ev, "import", sheet.encode())
    assert refused.status_code == 400 and refused.json()["field"] == "mapping", refused.text
    wrong = upload(ev, "import", sheet.encode(), mapping='{"email": "E-mail address", "name": "Name"}')
    assert wrong.status_code == 400 and wrong.json()["field"] == "mapping.name", wrong.text
    garbled = upload(ev, "import", sheet.encode(), mapping="{email: nope")
    assert garbled.status_code == 400 and garbled.json()["field"] == "mapping", garbled.text
    unknown = upload(ev, "import", sheet.encode(), mapping='{"email": "E-mail address", "phone": "x"}')
    assert unknown.status_code == 400 and unknown.json()["field"] == "mapping", unknown.text
    done = upload(ev, "import", sheet.encode(), mapping='{"email": "E-mail address", "name": "Full name"}')
    assert done.status_code == 201, done.text
    assert sorted(p["display_name"] for p in done.json()["new"]) == ["Leo Park", "Mia Chen"]
    assert len(participants(ev)) == 3


def test_google_forms_sheet_fetched_by_url(notify_server: Server, receiver: Receiver) -> None:
    ev = make_event(notify_server)
    csv = (
        b"Timestamp,Email Address,Your name,What do you teach?\r\n"
        b"2026/10/01 9:00:00 AM GMT+2,sam@uni.example,Sam Okafor,Physics\r\n"
        b"2026/10/01 9:05:00 AM GMT+2,,Nameless,Art\r\n"
    )
    receiver.routes["/spreadsheets/d/e/abc/pub"] = serve_file(csv)
    # Google answers a "publish to web" link with a redirect to its content host.
    receiver.routes["/sheet"] = redirect(receiver.url("/spreadsheets/d/e/abc/pub?output=csv"))
    preview = from_url(ev, "preview", receiver.url("/sheet"))
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["format"] == "google_forms" and report["mapping_needed"] is False
    assert [p["display_name"] for p in report["new"]] == ["Sam Okafor"]
    assert report["problems"] == [{"line": 3, "reason": "the email is empty", "field": "email", "email": None}]
    done = from_url(ev, "import", receiver.url("/sheet"))
    assert done.status_code == 201 and len(done.json()["new"]) == 1, done.text

    receiver.routes["/gone"] = always(404)
    receiver.routes["/page"] = serve_file(b"<!doctype html><title>Sign in</title>", "text/html; charset=utf-8")
    receiver.routes["/huge"] = serve_file(b"Email\r\n" + b"x@y.example\r\n" * 600_000)
    for path, words in (("/gone", "answered 404"), ("/page", "web page"), ("/huge", "larger than")):
        r = from_url(ev, "preview", receiver.url(path))
        assert r.status_code == 400, r.text
        assert r.json()["field"] == "url" and words in r.json()["detail"], r.text
    for url in ("ftp://127.0.0.1/x.csv", "file:///etc/passwd", "http://user:pw@127.0.0.1/x", "not a url"):
        r = from_url(ev, "preview", url)
        assert r.status_code == 400 and r.json()["field"] == "url", (url, r.text)
    closed_port = from_url(ev, "preview", "http://127.0.0.1:9/nothing.csv")
    assert closed_port.status_code == 400 and closed_port.json()["error"] == "fetch_failed", closed_port.text


def test_unreadable_files_are_a_400_on_file_and_bad_rows_never_500(notify_server: Server) -> None:
    ev = make_event(notify_server)
    for content in (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary spreadsheet",
        "Name,Email\nJosé,jose@x.example\n".encode("latin-1"),
        b"",
        b"\n\n  \n",
    ):
        r = upload(ev, "preview", content)
        assert r.status_code == 400, r.text
        assert r.json()["field"] == "file", r.text
    neither = ev.organizer.post(ev.url("/registrants/preview"), files={"source": (None, "auto")})
    assert neither.status_code == 400 and neither.json()["field"] == "file", neither.text
    both = ev.organizer.post(
        ev.url("/registrants/preview"),
        files={"file": ("a.csv", b"Email\na@b.example\n", "text/csv"), "url": (None, "http://127.0.0.1:9/x")},
    )
    assert both.status_code == 400 and both.json()["field"] == "file", both.text
    bad_source = upload(ev, "preview", b"Email\na@b.example\n", source="meetup")
    assert bad_source.status_code == 400 and bad_source.json()["field"] == "source", bad_source.text
    not_eventbrite = upload(ev, "preview", b"Email\na@b.example\n", source="eventbrite")
    assert not_eventbrite.status_code == 400 and not_eventbrite.json()["field"] == "source", not_eventbrite.text

    nasty = b'Name,Email\n"unterminated,a@b.example\n'  # a quote that never closes swallows the rest: one bad row
    r = upload(ev, "preview", nasty, mapping='{"email": "Email", "name": "Name"}')
    assert r.status_code in (200, 400), r.text
    rows = (
        "Name,Email\n"
        "Ok Person,ok@x.example\n"
        "Too,many@x.example,cells,here\n"
        f"{'L' * 300},long@x.example\n"
        '=HYPERLINK("http://evil"),formula@x.example\n'
        "Tab\tName,tab@x.example\n"
        "\x00Nul,nul@x.example\n"
        ",\n"
        "Only Name,\n"
    ).encode()
    r = upload(ev, "preview", rows, mapping='{"email": "Email", "name": "Name"}')
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        report = r.json()
        assert accounted(report) == report["rows"]


def test_upload_size_and_organizer_only(notify_server: Server) -> None:
    ev = make_event(notify_server)
    ev.phase("proposals")
    attendee, _ = ev.join("Curious Attendee")
    r = attendee.post(ev.url("/registrants/preview"), files={"file": ("a.csv", b"Email\na@b.example\n", "text/csv")})
    assert r.status_code == 403 and r.json()["error"] == "organizers_only", r.text
    with notify_server.client() as anon:
        r = anon.post(ev.url("/registrants/import"), files={"file": ("a.csv", b"Email\na@b.example\n", "text/csv")})
    assert r.status_code == 401, r.text
    big = b"Email\n" + b"someone@example.org\n" * 80_000
    r = upload(ev, "preview", big)
    assert r.status_code == 413 and r.json()["field"] == "body", r.text
    json_body = ev.organizer.post(ev.url("/registrants/preview"), json={"url": "http://example.org"})
    assert json_body.status_code == 400, json_body.text
