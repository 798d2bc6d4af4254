"""Personal invitation links (single use, revocable) and the mailing-tool export, against a real server."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.helpers import EventHandle, Server, make_event
from tests.notify.loopback import upload

# The loopback SMTP/HTTP servers and the app server wired to them (session fixtures, shared).
pytest_plugins = ["tests.notify.fixtures"]

PEOPLE = (
    b"Name,Email\n"
    b"Ada Lovelace,ada@school.example\n"
    b"Grace Hopper,grace@school.example\n"
    b"\"=cmd|' /C calc'!A0\",formula@school.example\n"
)


def imported(ev: EventHandle) -> dict[str, dict[str, Any]]:
    r = upload(ev, "import", PEOPLE, mapping='{"email": "Email", "name": "Name"}')
    assert r.status_code == 201, r.text
    return {p["email"]: p for p in r.json()["new"]}


def code_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["code"][0]


def test_links_sign_people_in_once_and_can_be_revoked(notify_server: Server) -> None:
    ev = make_event(notify_server)
    ev.phase("proposals")
    people = imported(ev)
    ada = people["ada@school.example"]["participant_id"]
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [ada]})
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    (link,) = r.json()["links"]
    assert link["participant_id"] == ada and link["link"].startswith(
        f"{notify_server.base_url}/e/{ev.slug}/invite?code="
    )
    code = code_of(link["link"])
    assert len(code) >= 32, "at least 128 random bits"

    with notify_server.client() as anon:
        page = anon.get(f"/e/{ev.slug}/invite", params={"code": code})
        assert page.status_code == 200 and "<form method='post'" in page.text and code in page.text
        redeemed = anon.post(ev.url("/invitations/redeem"), json={"code": code})
        assert redeemed.status_code == 201, redeemed.text
        token = redeemed.json()["token"]
        assert redeemed.json()["participant"]["id"] == ada
        again = anon.post(ev.url("/invitations/redeem"), json={"code": code})
        assert again.status_code == 403 and again.json()["error"] == "invalid_invitation", again.text
        assert again.json()["field"] == "code"
        wrong = anon.post(ev.url("/invitations/redeem"), json={"code": "x" * 32})
        assert wrong.status_code == 403 and wrong.json()["field"] == "code"
        empty = anon.post(ev.url("/invitations/redeem"), json={"code": ""})
        assert empty.status_code == 400 and empty.json()["field"] == "code"
    with notify_server.client(token) as ada_client:
        me = ada_client.get(ev.url("/me"))
        assert me.status_code == 200 and me.json()["participant"]["email"] == "ada@school.example"
        assert ada_client.post(ev.url("/proposals"), json={"title": "Coding clubs"}).status_code == 201

    statuses = {s["participant_id"]: s for s in ev.organizer.get(ev.url("/invitations")).json()}
    assert statuses[ada]["redeemed_at"] is not None and statuses[ada]["link_active"] is False
    assert statuses[ada]["source"] == "csv"

    # The browser path: the page's button posts the form, which sets the cookie and goes to the board.
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [ada]})
    browser_code = code_of(r.json()["links"][0]["link"])
    with httpx.Client(base_url=notify_server.base_url, timeout=30) as browser:
        cross = browser.post(
            f"/e/{ev.slug}/invite", data={"code": browser_code}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert cross.status_code == 403
        done = browser.post(
            f"/e/{ev.slug}/invite",
            data={"code": browser_code},
            headers={"Origin": notify_server.base_url, "Sec-Fetch-Site": "same-origin"},
        )
        assert done.status_code == 303 and done.headers["location"] == f"/e/{ev.slug}/board", done.text
        assert f"unconf_t_{ev.slug}" in done.cookies
        cookie_token = done.cookies[f"unconf_t_{ev.slug}"]
    with notify_server.client(cookie_token) as second_device:
        assert second_device.get(ev.url("/me")).json()["participant"]["id"] == ada

    # Revoking: an unused link stops working; sign_out also ends the sessions the links started.
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [ada]})
    unused = code_of(r.json()["links"][0]["link"])
    revoked = ev.organizer.post(ev.url(f"/invitations/{ada}/revoke"), json={"sign_out": True})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None, revoked.text
    with notify_server.client() as anon:
        r = anon.post(ev.url("/invitations/redeem"), json={"code": unused})
        assert r.status_code == 403, r.text
    with notify_server.client(cookie_token) as second_device:
        assert second_device.get(ev.url("/me")).status_code == 401


def test_invitations_are_for_organizers_to_hand_out(notify_server: Server) -> None:
    ev = make_event(notify_server)
    ev.phase("proposals")
    imported(ev)
    attendee, me = ev.join("Walk In")
    for method, path, body in (
        ("GET", "/invitations", None),
        ("POST", "/invitations/links", {}),
        ("POST", "/invitations/send", {}),
        ("POST", f"/invitations/{me['id']}/revoke", {}),
        ("GET", "/mailing-list.csv", None),
    ):
        r = attendee.request(method, ev.url(path), json=body)
        assert r.status_code == 403 and r.json()["error"] == "organizers_only", (path, r.text)
    organizer_id = ev.organizer.get(ev.url("/me")).json()["participant"]["id"]
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [organizer_id]})
    assert r.status_code == 201 and r.json()["links"] == [], r.text
    assert r.json()["skipped"][0]["participant_id"] == organizer_id
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [2_000_000_000]})
    assert r.status_code == 404 and r.json()["field"] == "participant_ids", r.text
    r = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [0]})
    assert r.status_code == 400 and r.json()["field"].startswith("participant_ids"), r.text
    r = ev.organizer.post(ev.url("/invitations/999999/revoke"))
    assert r.status_code == 404, r.text
    for body in (None, {"sign_out": True}):
        r = ev.organizer.post(ev.url(f"/invitations/{organizer_id}/revoke"), json=body)
        assert r.status_code == 403 and r.json()["field"] == "participant_id", r.text
    # Everyone not yet signed in through a link (the walk-in joined with the code, so they get one too).
    r = ev.organizer.post(ev.url("/invitations/links"), json={})
    assert r.status_code == 201 and len(r.json()["links"]) == 4, r.text


def test_mailing_list_export_for_mailchimp_and_constant_contact(notify_server: Server) -> None:
    ev = make_event(notify_server, organizer_email="olga@school.example")
    ev.phase("proposals")
    imported(ev)
    ev.join("No Email Person")
    r = ev.organizer.get(ev.url("/mailing-list.csv"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.headers["x-left-out"] == "1"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["Email Address", "First Name", "Last Name", "Tags"]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["ada@school.example"][1:3] == ["Ada", "Lovelace"]
    assert by_email["olga@school.example"][3] == f"unconf-{ev.slug},organizer"
    assert by_email["formula@school.example"][1].startswith("'="), "formulas are neutralised"
    cc = ev.organizer.get(ev.url("/mailing-list.csv"), params={"format": "constant_contact"})
    assert cc.status_code == 200
    assert next(csv.reader(io.StringIO(cc.text))) == ["Email address", "First name", "Last name", "Tags"]
    bad = ev.organizer.get(ev.url("/mailing-list.csv"), params={"format": "excel"})
    assert bad.status_code == 400 and bad.json()["field"] == "format", bad.text


def test_the_language_an_invitation_is_opened_in_is_remembered_for_mail_and_calendars(notify_server: Server) -> None:
    ev = make_event(notify_server)
    ev.phase("proposals")
    people = imported(ev)
    ada = people["ada@school.example"]["participant_id"]
    (link,) = ev.organizer.post(ev.url("/invitations/links"), json={"participant_ids": [ada]}).json()["links"]
    with notify_server.client() as anon:
        redeemed = anon.post(
            ev.url("/invitations/redeem"), json={"code": code_of(link["link"])}, headers={"Accept-Language": "es"}
        )
    assert redeemed.status_code == 201, redeemed.text
    with notify_server.client(redeemed.json()["token"]) as ada_api:
        data = ada_api.get(ev.url("/me/data")).json()

    def rows(value: object) -> list[dict[str, object]]:
        if isinstance(value, dict):
            return ([value] if value.get("id") == ada and "language" in value else []) + [
                row for item in value.values() for row in rows(item)
            ]
        if isinstance(value, list):
            return [row for item in value for row in rows(item)]
        return []

    assert [row["language"] for row in rows(data)] == ["es"]
