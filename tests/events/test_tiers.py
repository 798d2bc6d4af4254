"""Tiers are data; their limits are enforced on the server with an error that names the limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from events.tiers import FREE, PAID, TIERS, check_count_for
from tests.conftest import Server, make_event, stack_database_url, stack_env, start_server
from unconf.errors import LimitExceeded, PaymentRequired


def test_tiers_are_data_served_to_anyone(server: Server) -> None:
    with server.client() as anon:
        r = anon.get("/api/v1/tiers")
    assert r.status_code == 200
    tiers = {t["name"]: t for t in r.json()}
    assert tiers["free"]["max_participants"] == 1000 and tiers["free"]["max_rooms"] == 40
    assert set(tiers["free"]["video_providers"]) == {"jitsi", "static"}
    assert {"bbb", "whereby"} <= set(tiers["paid"]["video_providers"])
    assert tiers["paid"]["max_participants"] > tiers["free"]["max_participants"]
    assert tiers["paid"]["usage_reports"] and tiers["paid"]["branding"] and not tiers["free"]["usage_reports"]
    assert set(TIERS) == {"free", "paid"}


def test_limit_check_names_the_limit() -> None:
    check_count_for(FREE, "max_rooms", 39, 1)
    with pytest.raises(LimitExceeded) as caught:
        check_count_for(FREE, "max_rooms", 40, 1)
    assert caught.value.status_code == 403 and caught.value.field == "max_rooms"
    assert "40" in caught.value.detail and "max_rooms" in caught.value.detail
    check_count_for(PAID, "max_participants", 5_000, 1)
    assert PaymentRequired("x").status_code == 402


def test_free_tier_room_limit_is_enforced(server: Server) -> None:
    ev = make_event(server)
    try:
        for i in range(FREE.max_rooms):
            r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {i}", "capacity": 10})
            assert r.status_code == 201, r.text
        r = ev.organizer.post(ev.url("/rooms"), json={"name": "One too many", "capacity": 10})
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["error"] == "limit_exceeded" and body["field"] == "max_rooms" and "40" in body["detail"]
        assert len(ev.organizer.get(ev.url("/rooms")).json()) == FREE.max_rooms
    finally:
        ev.organizer.close()


def test_paid_tier_goes_past_the_free_room_limit(server: Server) -> None:
    ev = make_event(server, tier="paid")
    try:
        for i in range(FREE.max_rooms + 1):
            r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {i}", "capacity": 10})
            assert r.status_code == 201, r.text
    finally:
        ev.organizer.close()


@pytest.fixture(scope="module")
def unthrottled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Our own server with join rate limiting off: a thousand joins from one address are the point here."""
    tmp: Path = tmp_path_factory.mktemp("tiers")
    srv = start_server(stack_database_url(tmp), tmp, {**stack_env(), "UNCONF_RATE_LIMIT_SCALE": "0"})
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log()


def test_free_tier_participant_limit_is_enforced(unthrottled: Server) -> None:
    server = unthrottled
    ev = make_event(server)
    try:
        ev.phase("proposals")
        body = {"join_code": ev.join_code}
        with server.client() as anon:
            # The organizer counts: 999 more people fill the free tier's 1,000.
            for i in range(FREE.max_participants - 1):
                r = anon.post(ev.url("/join"), json={**body, "display_name": f"P{i}"})
                assert r.status_code == 201, r.text
            r = anon.post(ev.url("/join"), json={**body, "display_name": "One too many"})
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "limit_exceeded" and r.json()["field"] == "max_participants"
        assert "1000" in r.json()["detail"]
        assert len(ev.organizer.get(ev.url("/participants")).json()) == FREE.max_participants
    finally:
        ev.organizer.close()


def test_paid_providers_need_the_paid_tier(server: Server) -> None:
    free = make_event(server)
    paid = make_event(server, tier="paid")
    try:
        bbb = {
            "provider": "bbb",
            "config": {"base_url": "https://bbb.example.org/bigbluebutton/api"},
            "secrets": {"shared_secret": "0123456789abcdef"},
        }
        r = free.organizer.put(free.url("/video"), json=bbb)
        assert r.status_code == 402 and r.json()["error"] == "payment_required" and r.json()["field"] == "provider"
        assert "paid" in r.json()["detail"]
        r = paid.organizer.put(paid.url("/video"), json=bbb)
        assert r.status_code == 200, r.text
        assert "0123456789abcdef" not in r.text and r.json()["secrets_set"] == ["shared_secret"]
        providers = {p["name"]: p["in_tier"] for p in free.organizer.get(free.url("/video")).json()["providers"]}
        assert providers == {"bbb": False, "jitsi": True, "static": True, "whereby": False}
    finally:
        free.organizer.close()
        paid.organizer.close()
