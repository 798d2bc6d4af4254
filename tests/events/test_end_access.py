"""Ending someone's access ends all of it: the token on every device, the cookie, and every calendar feed.

Revoking a person with ``sign_out`` and signing out on the pages (``/e/{slug}/leave``) both go
through ``events.services.end_access``; the feeds are dropped in the same transaction (exports
answers the ``PERSONAL_ACCESS`` port).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import EventHandle, Server, database_rows, make_event, start_server
from unconf.auth import cookie_name


def feeds_of(server: Server, participant_id: int) -> int:
    sql = "SELECT COUNT(*) FROM calendar_feed WHERE participant = ?"
    rows = database_rows(server.database_url, sql, participant_id)
    return int(rows[0][0])


def person_with_a_feed(ev: EventHandle, name: str) -> tuple[httpx.Client, dict[str, Any], str, str]:
    """A participant's API client, their public details, their token and their feed's path."""
    client, me = ev.join(name)
    feed = client.post(ev.url("/feed"))
    assert feed.status_code == 201, feed.text
    path = httpx.URL(feed.json()["https_url"]).path
    with ev.server.client() as anon:
        assert anon.get(path).status_code == 200
    token = client.headers["authorization"].split(" ", 1)[1]
    return client, me, token, path


def browser_with(server: Server, slug: str, token: str) -> httpx.Client:
    """A phone whose pages carry the token in the event's HttpOnly cookie."""
    browser = httpx.Client(base_url=server.base_url, timeout=60)
    browser.cookies.set(cookie_name(slug), token, domain="127.0.0.1")
    return browser


def assert_token_refused(r: httpx.Response) -> None:
    assert r.status_code == 401, r.text
    assert r.json() == {"error": "unauthorized", "detail": "the token is not valid", "field": "authorization"}


def assert_feed_gone(server: Server, path: str) -> None:
    with server.client() as anon:
        r = anon.get(path)
    assert r.status_code == 404, r.text
    body = r.json()
    assert (body["error"], body["field"]) == ("not_found", "secret") and set(body) == {"error", "detail", "field"}


def test_revoking_with_sign_out_ends_the_token_the_cookie_and_every_feed(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    ada, me, token, feed = person_with_a_feed(ev, "Ada")
    bob, bob_me, _, bob_feed = person_with_a_feed(ev, "Bob")
    phone = browser_with(server, ev.slug, token)
    try:
        assert phone.get(ev.url("/me")).status_code == 200

        r = ev.organizer.post(ev.url(f"/invitations/{me['id']}/revoke"), json={"sign_out": True})
        assert r.status_code == 200 and r.json()["revoked_at"] is not None, r.text

        # The attack: everything Ada held before keeps knocking.
        assert_token_refused(ada.get(ev.url("/me")))
        assert_token_refused(ada.post(ev.url("/feed")))  # no new feed with the old token either
        assert_token_refused(phone.get(ev.url("/me")))
        assert_feed_gone(server, feed)
        assert feeds_of(server, me["id"]) == 0
        # Only Ada: Bob's token and feed still work.
        assert bob.get(ev.url("/me")).json()["participant"]["id"] == bob_me["id"]
        with server.client() as anon:
            assert anon.get(bob_feed).status_code == 200
        assert feeds_of(server, bob_me["id"]) == 1
    finally:
        for c in (ada, bob, phone):
            c.close()
        ev.organizer.close()


def test_signing_out_on_the_pages_ends_the_token_on_every_device_and_the_feeds(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    other_device, me, token, feed = person_with_a_feed(ev, "Grace")
    phone = browser_with(server, ev.slug, token)
    try:
        page = phone.get(f"/e/{ev.slug}/proposals")
        assert page.status_code == 200 and "signs you out on your other devices too" in page.text

        # A cross-site form cannot sign anyone out.
        forged = phone.post(f"/e/{ev.slug}/leave", headers={"Origin": "https://attacker.example"})
        assert forged.status_code == 403, forged.text  # a page for the browser
        scripted = phone.post(
            f"/e/{ev.slug}/leave", headers={"Origin": "https://attacker.example", "x-unconf-fetch": "1"}
        )
        assert scripted.status_code == 403 and scripted.json()["error"] == "csrf_refused", scripted.text
        assert other_device.get(ev.url("/me")).status_code == 200

        left = phone.post(f"/e/{ev.slug}/leave", headers={"Origin": server.base_url})
        assert left.status_code == 303 and left.headers["location"] == f"/e/{ev.slug}/join", left.text
        assert cookie_name(ev.slug) not in phone.cookies, "the cookie is cleared"
        join = phone.get(left.headers["location"])
        assert "signed out, on this device and every other one" in join.text

        # The same token, from the device that did not sign out, and the feed: both ended.
        assert_token_refused(other_device.get(ev.url("/me")))
        replay = browser_with(server, ev.slug, token)
        try:
            assert_token_refused(replay.get(ev.url("/me")))
        finally:
            replay.close()
        assert_feed_gone(server, feed)
        assert feeds_of(server, me["id"]) == 0
    finally:
        other_device.close()
        phone.close()
        ev.organizer.close()


def test_an_organizer_leaving_a_device_keeps_the_organizer_key(server: Server) -> None:
    ev = make_event(server)
    phone = browser_with(server, ev.slug, ev.organizer_key)
    try:
        left = phone.post(f"/e/{ev.slug}/leave", headers={"Origin": server.base_url})
        assert left.status_code == 303 and cookie_name(ev.slug) not in phone.cookies
        assert ev.organizer.get(ev.url("/participants")).status_code == 200, "the event's only key still works"
    finally:
        phone.close()
        ev.organizer.close()


def test_a_revocation_that_fails_halfway_leaves_the_person_as_they_were(tmp_path: Path) -> None:
    db = tmp_path / "revoke.sqlite"
    srv = start_server(f"sqlite:///{db}", tmp_path)
    try:
        ev = make_event(srv)
        ev.phase("proposals")
        ada, me, _, feed = person_with_a_feed(ev, "Ada")
        # The disk refuses part-way: the token is already replaced when dropping the feed fails.
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TRIGGER refuse_feed_drop BEFORE DELETE ON calendar_feed "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        failed = ev.organizer.post(ev.url(f"/invitations/{me['id']}/revoke"), json={"sign_out": True})
        assert failed.status_code == 500 and failed.json()["error"] == "internal_error"
        assert ada.get(ev.url("/me")).status_code == 200, "the token was not half-ended"
        with srv.client() as anon:
            assert anon.get(feed).status_code == 200
        statuses = {s["participant_id"]: s for s in ev.organizer.get(ev.url("/invitations")).json()}
        assert me["id"] not in statuses or statuses[me["id"]]["revoked_at"] is None, "nor half-revoked"
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER refuse_feed_drop")
        assert ev.organizer.post(ev.url(f"/invitations/{me['id']}/revoke"), json={"sign_out": True}).status_code == 200
        assert_token_refused(ada.get(ev.url("/me")))
        assert_feed_gone(srv, feed)
        ada.close()
        ev.organizer.close()
    finally:
        srv.stop()
