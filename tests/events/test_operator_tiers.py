"""Tiers are set by the instance operator (``UNCONF_ADMIN_TOKEN``, ``unconf tier``), never by an event's creator."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.helpers import Server, make_event, run_cli, set_tier, stack_database_url, stack_env, start_server

BBB = {
    "provider": "bbb",
    "config": {"base_url": "https://bbb.example.org/bigbluebutton/api"},
    "secrets": {"shared_secret": "0123456789abcdef"},
}


def event_body(**more: object) -> dict[str, object]:
    return {
        "title": "Edcamp Paid For Nothing",
        "slug": f"t-{uuid.uuid4().hex[:10]}",
        "start_date": "2026-11-21",
        "organizer_name": "Mallory",
        **more,
    }


def test_a_creator_cannot_make_their_event_paid(server: Server) -> None:
    """The attack: POST /api/v1/events {"tier": "paid"} used to answer 201 with a paid event."""
    body = event_body(tier="paid")
    with server.client() as anon:
        r = anon.post("/api/v1/events", json=body)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "tier_set_by_operator" and r.json()["field"] == "tier"
        assert "operator" in r.json()["detail"]
        assert anon.get(f"/api/v1/events/{body['slug']}").status_code == 404, "nothing half-written"
        # Asking for the default tier is what every creator gets anyway.
        made = anon.post("/api/v1/events", json=event_body(tier="free"))
        assert made.status_code == 201 and made.json()["event"]["tier"] == "free", made.text


def test_only_the_operator_key_sets_a_tier(server: Server) -> None:
    ev = make_event(server)
    url = f"/api/v1/operator/events/{ev.slug}/tier"
    try:
        r = ev.organizer.put(url, json={"tier": "paid"})
        assert r.status_code == 403 and r.json()["error"] == "operator_only", "an organizer is not the operator"
        with server.client() as anon:
            r = anon.put(url, json={"tier": "paid"})
            assert r.status_code == 401 and r.json()["field"] == "authorization"
        with server.client("not-the-operator-key-" + "x" * 40) as guess:
            assert guess.put(url, json={"tier": "paid"}).status_code == 403
        r = ev.organizer.put(ev.url("/video"), json=BBB)
        assert r.status_code == 402, "still on the free tier"

        assert set_tier(server, ev.slug, "paid")["tier"] == "paid"
        assert ev.organizer.put(ev.url("/video"), json=BBB).status_code == 200
        assert ev.organizer.get(ev.url()).json()["tier"] == "paid"
        with server.client(server.env["UNCONF_ADMIN_TOKEN"]) as operator:
            r = operator.put(url, json={"tier": "platinum"})
            assert r.status_code == 400 and r.json()["field"] == "tier"
            r = operator.put("/api/v1/operator/events/no-such-event/tier", json={"tier": "paid"})
            assert r.status_code == 404 and r.json()["error"] == "not_found"
    finally:
        ev.organizer.close()


def test_without_an_operator_key_there_is_no_operator_api(tmp_path: Path) -> None:
    srv = start_server(
        stack_database_url(tmp_path), tmp_path, {**stack_env(), "UNCONF_ADMIN_TOKEN": "", "UNCONF_OPERATOR_KEY": ""}
    )
    try:
        ev = make_event(srv)
        with srv.client("") as anon, srv.client(ev.organizer_key) as organizer:
            for client in (anon, organizer):
                r = client.put(f"/api/v1/operator/events/{ev.slug}/tier", json={"tier": "paid"})
                assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
            assert organizer.get(f"/api/v1/events/{ev.slug}").json()["tier"] == "free"
        ev.organizer.close()
    finally:
        srv.stop()
    assert "Traceback" not in srv.log()


def test_the_tier_command_works_on_the_configured_database(server: Server) -> None:
    ev = make_event(server)
    env = {"UNCONF_DATABASE_URL": server.database_url}
    try:
        wrong = run_cli("tier", ev.slug, "platinum", env=env)
        assert wrong.returncode == 2 and b"unknown tier" in wrong.stderr
        missing = run_cli("tier", "no-such-event", "paid", env=env)
        assert missing.returncode == 2
        done = run_cli("tier", ev.slug, "paid", env=env)
        assert done.returncode == 0, done.stderr.decode()
        assert b"'paid'" in done.stderr
        assert ev.organizer.put(ev.url("/video"), json=BBB).status_code == 200, "the paid provider now fits"
        assert run_cli("tier", ev.slug, "free", env=env).returncode == 0
        assert ev.organizer.put(ev.url("/video"), json=BBB).status_code == 402, "back on the free tier"
    finally:
        ev.organizer.close()
