"""X-Forwarded-For is believed only from the proxies in UNCONF_TRUSTED_PROXIES (none by default).

The attack: from one address, a fresh X-Forwarded-For on every join made each request look like a new
client, so the per-address join limit never bit and the event filled to its cap.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import EventHandle, Server, make_event, run_cli, stack_database_url, start_server

# A twenty-fifth of the real limits: 1 new event and 24 joins per address a minute.
SCALE = {"UNCONF_RATE_LIMIT_SCALE": "0.04"}
JOIN_LIMIT = 24
# The stack's database, with the counters in the server's memory: Redis keys count per address across every
# server on this machine (the suite's and others'), so a shared 127.0.0.1 budget would be spent already.


def joins_with_rotating_forwarded_for(srv: Server, ev: EventHandle, attempts: int) -> list[int]:
    statuses = []
    with srv.client() as attacker:
        for i in range(attempts):
            r = attacker.post(
                ev.url("/join"),
                json={"display_name": f"Bot {i}", "join_code": ev.join_code},
                headers={"X-Forwarded-For": f"203.0.113.{i % 250 + 1}", "X-Real-IP": f"198.51.100.{i % 250 + 1}"},
            )
            statuses.append(r.status_code)
            if r.status_code == 429:
                body = r.json()
                assert body["error"] == "rate_limited" and set(body) >= {"error", "detail", "field"}, body
                assert int(r.headers["retry-after"]) >= 1
            else:
                assert r.status_code == 201, r.text
    return statuses


def event_for_joins(srv: Server) -> EventHandle:
    ev = make_event(srv)
    ev.phase("proposals")
    return ev


def test_a_made_up_forwarded_for_does_not_make_a_new_client(tmp_path: Path) -> None:
    srv = start_server(stack_database_url(tmp_path), tmp_path, SCALE)
    try:
        ev = event_for_joins(srv)
        attempts = 3 * JOIN_LIMIT
        statuses = joins_with_rotating_forwarded_for(srv, ev, attempts)
        joined = statuses.count(201)
        # Fixed one-minute windows: the run may straddle one boundary, never more.
        assert 429 in statuses and joined <= 2 * JOIN_LIMIT, statuses
        people = ev.organizer.get(ev.url("/participants")).json()
        assert len(people) == 1 + joined, "every refused join wrote nothing"
    finally:
        srv.stop()


def test_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    """With the proxy configured, the header it sets is believed: each forwarded client has its own budget."""
    env = {**SCALE, "UNCONF_TRUSTED_PROXIES": "127.0.0.1, ::1"}
    srv = start_server(stack_database_url(tmp_path), tmp_path, env)
    try:
        ev = event_for_joins(srv)
        statuses = joins_with_rotating_forwarded_for(srv, ev, 3 * JOIN_LIMIT)
        assert statuses == [201] * (3 * JOIN_LIMIT)
    finally:
        srv.stop()


def test_a_bad_trusted_proxies_setting_stops_serve(tmp_path: Path) -> None:
    result = run_cli(
        "serve",
        env={"UNCONF_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "UNCONF_TRUSTED_PROXIES": "10.0.0.1, proxy"},
    )
    assert result.returncode == 2
    assert b"UNCONF_TRUSTED_PROXIES" in result.stderr and b"'proxy'" in result.stderr
