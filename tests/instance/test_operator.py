"""The instance operator: one service behind the API, ``unconf admin`` and the operator page."""

from __future__ import annotations

import csv
import hashlib
import io
import sys
import uuid
from pathlib import Path

import httpx

from tests.helpers import REPO, Server, make_event, run_cli, stack_database_url, stack_env, start_server

sys.path.insert(0, str(REPO / "tests" / "rooms"))
from rooms_support import join_location, published


def operator(server: Server) -> httpx.Client:
    return server.client(server.env["UNCONF_ADMIN_TOKEN"])


def test_the_operator_lists_limits_suspends_and_deletes_events(server: Server) -> None:
    ev = make_event(server)
    other = make_event(server)
    try:
        ev.phase("proposals")
        guest, _ = ev.join("Gus Guest")
        with operator(server) as op:
            listed = {row["slug"]: row for row in op.get("/api/v1/operator/events").json()}
            row = listed[ev.slug]
            assert row["tier"] == "free" and row["participants"] == 2 and row["max_participants"] == 1000
            assert row["suspended"] is False and not row["limits_set_by_operator"]
            assert "join_code" not in row

            # Limits of its own: below what the event holds is a 409, nothing changes.
            r = op.patch(f"/api/v1/operator/events/{ev.slug}", json={"max_participants": 1})
            assert r.status_code == 409 and r.json()["field"] == "max_participants", r.text
            r = op.patch(f"/api/v1/operator/events/{ev.slug}", json={"max_participants": "3"})
            assert r.status_code == 400, "no coercion"
            r = op.patch(f"/api/v1/operator/events/{ev.slug}", json={"tier": "paid", "max_participants": 3})
            assert r.status_code == 200, r.text
            assert r.json()["tier"] == "paid" and r.json()["max_participants"] == 3
            assert r.json()["max_rooms"] == 400, "the paid tier's rooms"
            ev.join("Third")[0].close()
            with server.client() as anon:
                r = anon.post(ev.url("/join"), json={"display_name": "Fourth", "join_code": ev.join_code})
            assert r.status_code == 403 and r.json()["field"] == "max_participants", r.text
            r = op.patch(f"/api/v1/operator/events/{ev.slug}", json={"max_participants": None})
            assert r.json()["max_participants"] == 10_000 and not r.json()["limits_set_by_operator"]

            # Suspended: every door answers 403 event_suspended; resumed: as it was.
            assert op.post(f"/api/v1/operator/events/{ev.slug}/suspend").json()["suspended"] is True
            for client in (ev.organizer, guest):
                r = client.get(ev.url())
                assert r.status_code == 403 and r.json()["error"] == "event_suspended", r.text
            with server.client() as anon:
                assert anon.get(f"/e/{ev.slug}").status_code == 403
            assert other.organizer.get(other.url()).status_code == 200, "other events run on"
            assert op.post(f"/api/v1/operator/events/{ev.slug}/resume").json()["suspended"] is False
            assert ev.organizer.get(ev.url()).status_code == 200

            # Deletion needs the slug as confirmation, then takes every row with it.
            r = op.delete(f"/api/v1/operator/events/{ev.slug}")
            assert r.status_code == 400 and r.json()["field"] == "confirm"
            assert ev.organizer.get(ev.url()).status_code == 200, "nothing deleted without confirmation"
            r = op.delete(f"/api/v1/operator/events/{ev.slug}", params={"confirm": ev.slug})
            assert r.status_code == 200 and r.json() == {"slug": ev.slug, "participants": 3}
            assert ev.organizer.get(ev.url()).status_code == 404
            assert ev.slug not in {row["slug"] for row in op.get("/api/v1/operator/events").json()}
        # An organizer is not the operator.
        for method, url in (
            ("GET", "/api/v1/operator/events"),
            ("POST", f"/api/v1/operator/events/{other.slug}/suspend"),
        ):
            r = other.organizer.request(method, url)
            assert r.status_code == 403 and r.json()["error"] == "operator_only"
        guest.close()
    finally:
        ev.organizer.close()
        other.organizer.close()


def test_usage_across_events_as_json_csv_and_table(server: Server) -> None:
    sc = published(server, tier="paid", sessions=2)
    try:
        slug = sc.ev.slug
        pid = sc.agenda["sessions"][0]["proposal_id"]
        for client, _ in sc.people[:2]:
            join_location(client, f"/e/{slug}/s/{pid}/join")
        with operator(server) as op:
            totals = op.get("/api/v1/operator/usage").json()
            mine = next(row for row in totals["events"] if row["slug"] == slug)
            assert mine["video_joins"] == 2 and mine["tier"] == "paid"
            assert mine["price_cents"] == mine["video_person_minutes"]
            assert totals["video_person_minutes"] == sum(r["video_person_minutes"] for r in totals["events"])
            r = op.get("/api/v1/operator/usage.csv")
            assert r.headers["content-type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(r.text)))
            assert rows[0][:3] == ["event", "title", "tier"] and rows[-1][0] == "total"
            assert next(row for row in rows if row[0] == slug)[3] == "2"
        env = {"UNCONF_DATABASE_URL": server.database_url}
        table = run_cli("admin", "usage", env=env)
        assert table.returncode == 0, table.stderr.decode()
        line = next(x for x in table.stdout.decode().splitlines() if x.startswith(slug))
        assert line.split()[1:3] == ["paid", "2"]
        as_csv = run_cli("admin", "usage", "--csv", env=env)
        assert next(row for row in csv.reader(io.StringIO(as_csv.stdout.decode())) if row[0] == slug)[3] == "2"
    finally:
        sc.ev.organizer.close()


def test_admin_commands_on_the_configured_database(server: Server) -> None:
    ev = make_event(server)
    env = {"UNCONF_DATABASE_URL": server.database_url}
    try:
        listed = run_cli("admin", "events", "--csv", env=env)
        assert listed.returncode == 0, listed.stderr.decode()
        rows = {row[0]: row for row in csv.reader(io.StringIO(listed.stdout.decode()))}
        assert rows["event"][:4] == ["event", "tier", "phase", "people"] and rows[ev.slug][1:4] == [
            "free",
            "draft",
            "1",
        ]

        done = run_cli("admin", "limits", ev.slug, "--tier", "paid", "--max-rooms", "2", env=env)
        assert done.returncode == 0, done.stderr.decode()
        assert ev.organizer.post(ev.url("/rooms"), json={"name": "A", "capacity": 5}).status_code == 201
        assert ev.organizer.post(ev.url("/rooms"), json={"name": "B", "capacity": 5}).status_code == 201
        r = ev.organizer.post(ev.url("/rooms"), json={"name": "C", "capacity": 5})
        assert r.status_code == 403 and r.json()["field"] == "max_rooms", r.text
        assert run_cli("admin", "limits", ev.slug, "--max-rooms", "1", env=env).returncode == 2, "below what it holds"
        assert run_cli("admin", "limits", ev.slug, "--max-rooms", "tier", env=env).returncode == 0
        assert ev.organizer.post(ev.url("/rooms"), json={"name": "C", "capacity": 5}).status_code == 201

        # A command reaches the workers' cached reads through Redis when there is one (the postgres stack);
        # a write always reads the event fresh, on every stack.
        rename = {"title": "Still here"}
        assert run_cli("admin", "suspend", ev.slug, env=env).returncode == 0
        assert ev.organizer.patch(ev.url(), json=rename).json()["error"] == "event_suspended"
        assert run_cli("admin", "resume", ev.slug, env=env).returncode == 0
        assert ev.organizer.patch(ev.url(), json=rename).status_code == 200

        refused = run_cli("admin", "delete", ev.slug, env=env, stdin=b"something-else\n")
        assert refused.returncode == 2 and b"nothing was deleted" in refused.stderr
        assert ev.organizer.get(ev.url()).status_code == 200
        gone = run_cli("admin", "delete", ev.slug, env=env, stdin=f"{ev.slug}\n".encode())
        assert gone.returncode == 0, gone.stderr.decode()
        assert ev.organizer.patch(ev.url(), json=rename).status_code == 404
        assert run_cli("admin", "suspend", "no-such-event", env=env).returncode == 2
    finally:
        ev.organizer.close()


def test_the_operator_page_signs_in_and_acts_through_the_same_service(server: Server) -> None:
    ev = make_event(server)
    token = server.env["UNCONF_ADMIN_TOKEN"]
    own = {"Origin": server.base_url}
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as browser:
            page = browser.get("/operator")
            assert page.status_code == 200 and 'name="token"' in page.text and ev.slug not in page.text
            r = browser.post("/operator/signin", data={"token": "x" * 40}, headers=own)
            assert r.status_code == 303 and "unconf_operator" not in r.headers.get("set-cookie", "")
            r = browser.post("/operator/signin", data={"token": token}, headers={"Origin": "https://evil.example"})
            assert r.status_code == 403, "sign-in only from our own page"
            r = browser.post("/operator/signin", data={"token": token}, headers=own)
            cookie = r.headers["set-cookie"]
            assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/operator" in cookie
            page = browser.get("/operator")
            assert ev.slug in page.text and "Usage" in page.text
            assert page.headers["cache-control"] == "no-store"

            url = f"/operator/events/{ev.slug}/suspend"
            r = browser.post(url, data={"suspend": "1"}, headers={"Origin": "https://evil.example"})
            assert r.status_code == 403 and ev.organizer.get(ev.url()).status_code == 200, "CSRF refused"
            assert browser.post(url, data={"suspend": "1"}, headers=own).status_code == 303
            assert ev.organizer.get(ev.url()).json()["error"] == "event_suspended"
            browser.post(url, data={"suspend": "0"}, headers=own)
            r = browser.post(
                f"/operator/events/{ev.slug}/limits",
                data={"tier": "paid", "max_participants": "", "max_rooms": "7"},
                headers=own,
            )
            assert r.status_code == 303
            assert ev.organizer.get(ev.url()).json()["tier"] == "paid"
            assert "7" in browser.get("/operator").text
            assert browser.get("/operator/usage.csv").text.startswith("event,title,tier")
            browser.post(f"/operator/events/{ev.slug}/delete", data={"confirm": "nope"}, headers=own)
            assert "flash-error" in browser.get("/operator").text, "the page says why nothing happened"
            assert ev.organizer.get(ev.url()).status_code == 200, "the wrong slug deletes nothing"
            browser.post(f"/operator/events/{ev.slug}/delete", data={"confirm": ev.slug}, headers=own)
            assert ev.organizer.get(ev.url()).status_code == 404
            browser.post("/operator/signout", headers=own)
            assert browser.get("/operator/usage.csv").status_code == 401
    finally:
        ev.organizer.close()


def test_the_token_is_kept_hashed_and_the_old_name_still_works(tmp_path: Path) -> None:
    token = f"old-name-{uuid.uuid4().hex}"
    digest = hashlib.sha256(token.encode()).hexdigest()
    for env in (
        {"UNCONF_ADMIN_TOKEN": "", "UNCONF_OPERATOR_KEY": token},
        {"UNCONF_ADMIN_TOKEN": "", "UNCONF_ADMIN_TOKEN_SHA256": digest},
    ):
        srv = start_server(stack_database_url(tmp_path), tmp_path, {**stack_env(), **env})
        try:
            ev = make_event(srv)
            with srv.client(token) as op:
                r = op.put(f"/api/v1/operator/events/{ev.slug}/tier", json={"tier": "paid"})
                assert r.status_code == 200 and r.json()["tier"] == "paid", r.text
            with srv.client(digest) as wrong:
                assert wrong.get("/api/v1/operator/events").status_code == 403, "the digest is not the token"
            ev.organizer.close()
        finally:
            srv.stop()
    short = run_cli("admin", "events", env={"UNCONF_ADMIN_TOKEN": "short"})
    assert short.returncode != 0
