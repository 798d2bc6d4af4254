"""Publishing gives every session a link for the event's provider; joins redirect per person and role."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from rooms_support import FakeBigBlueButton, FakeWhereby, join_location, published

from tests.conftest import Server
from tests.helpers import stack_database_url, stack_env, start_server

JITSI_SECRET = "a-jitsi-app-secret-that-is-long-enough-0123456789"
BBB_SECRET = "bbb-shared-secret-8d1e4a0c"
WHEREBY_KEY = "whereby-api-key-5e2f9c"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The BigBlueButton and Whereby stand-ins run on loopback, so this server may call private addresses
    (UNCONF_FETCH_ALLOW_PRIVATE=true, as an intranet install would set it); tests/rooms/test_video_hardening.py
    shows the default refusing them."""
    tmp = tmp_path_factory.mktemp("video")
    srv = start_server(stack_database_url(tmp), tmp, {**stack_env(), "UNCONF_FETCH_ALLOW_PRIVATE": "true"})
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]


def _meeting(location: str) -> str:
    """The stable part of a join URL: provider and meeting, without the per-person parts."""
    return location.split("#", 1)[0].split("?", 1)[0]


def test_publish_gives_every_session_a_jitsi_link_that_survives_republish(server: Server) -> None:
    sc = published(server)
    try:
        base = server.base_url
        assert sc.agenda["sessions"], "the optimizer placed sessions"
        meetings = {}
        for s in sc.agenda["sessions"]:
            assert s["video_link"] == f"{base}/e/{sc.ev.slug}/s/{s['proposal_id']}/join"
            loc = join_location(sc.attendee_for(s["proposal_id"]), f"/e/{sc.ev.slug}/s/{s['proposal_id']}/join")
            assert loc.startswith(f"https://meet.jit.si/{sc.ev.slug[:24]}-")
            assert "#userInfo.displayName=" in loc
            meetings[s["proposal_id"]] = _meeting(loc)
        assert len(set(meetings.values())) == len(meetings), "one meeting per session"

        # Move a session of the coming slot to the other room (swapping with whoever is there), publish again.
        moved = next(s for s in sc.agenda["sessions"] if s["slot_id"] == sc.slots[1]["id"])
        other_room = next(r["id"] for r in sc.rooms if r["id"] != moved["room_id"])
        r = sc.ev.organizer.put(
            sc.ev.url(f"/agenda/draft/sessions/{moved['proposal_id']}"),
            json={"slot_id": moved["slot_id"], "room_id": other_room},
        )
        assert r.status_code == 200, r.text
        r = sc.ev.organizer.post(sc.ev.url("/agenda/publish"))
        assert r.status_code == 201, r.text
        again = sc.ev.organizer.get(sc.ev.url("/agenda")).json()
        assert again["version"] == 2
        before = {s["proposal_id"]: s["room_id"] for s in sc.agenda["sessions"]}
        for s in again["sessions"]:
            loc = join_location(sc.attendee_for(s["proposal_id"]), f"/e/{sc.ev.slug}/s/{s['proposal_id']}/join")
            if s["room_id"] == before[s["proposal_id"]]:
                assert _meeting(loc) == meetings[s["proposal_id"]], "same room: the link survives re-publishing"
            else:
                assert _meeting(loc) != meetings[s["proposal_id"]], "a session that changed room gets a new link"
        assert any(s["room_id"] != before[s["proposal_id"]] for s in again["sessions"])
    finally:
        sc.close()


def test_self_hosted_jitsi_signs_a_jwt_per_person_and_role(server: Server) -> None:
    video = {
        "provider": "jitsi",
        "config": {"base_url": "https://meet.example.org", "token_auth": True, "app_id": "unconf-test"},
        "secrets": {"app_secret": JITSI_SECRET},
    }
    sc = published(server, video=video)
    try:
        pid = sc.agenda["sessions"][0]["proposal_id"]
        path = f"/e/{sc.ev.slug}/s/{pid}/join"
        seen = {}
        for who, client in (("facilitator", sc.facilitator_of(pid)), ("attendee", sc.attendee_for(pid))):
            loc = join_location(client, path)
            base, _, token = loc.partition("?jwt=")
            claims = jwt.decode(token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi", issuer="unconf-test")
            assert claims["sub"] == "meet.example.org" and base.endswith("/" + claims["room"])
            seen[who] = claims["moderator"]
        assert seen == {"facilitator": True, "attendee": False}
        # Organizers moderate every room, including the main room.
        loc = join_location(sc.ev.organizer, f"/e/{sc.ev.slug}/main/join")
        claims = jwt.decode(loc.partition("?jwt=")[2], JITSI_SECRET, algorithms=["HS256"], audience="jitsi")
        assert claims["moderator"] is True

        settings = sc.ev.organizer.get(sc.ev.url("/video"))
        assert settings.status_code == 200
        assert settings.json()["secrets_set"] == ["app_secret"]
        for response in (
            settings,
            sc.ev.organizer.get(sc.ev.url("/agenda")),
            sc.ev.organizer.get(sc.ev.url("/video/links")),
        ):
            assert JITSI_SECRET not in response.text
        # Saving other settings without secrets keeps the stored secret.
        video2 = {**video, "config": {**video["config"], "token_minutes": 60}}
        del video2["secrets"]
        r = sc.ev.organizer.put(sc.ev.url("/video"), json=video2)
        assert r.status_code == 200, r.text
        loc = join_location(sc.attendee_for(pid), path)
        jwt.decode(loc.partition("?jwt=")[2], JITSI_SECRET, algorithms=["HS256"], audience="jitsi")
        # Only organizers see or change the settings.
        assert sc.attendee_for(pid).get(sc.ev.url("/video")).status_code == 403
        assert sc.attendee_for(pid).put(sc.ev.url("/video"), json=video).status_code == 403
    finally:
        sc.close()


@pytest.fixture
def bbb() -> Iterator[FakeBigBlueButton]:
    fake = FakeBigBlueButton(BBB_SECRET, "sha1")
    yield fake
    fake.stop()


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_bigbluebutton_creates_then_signs_joins_per_role(server: Server, algorithm: str) -> None:
    fake = FakeBigBlueButton(BBB_SECRET, algorithm)
    try:
        video = {
            "provider": "bbb",
            "config": {"base_url": fake.api_url, "checksum": algorithm},
            "secrets": {"shared_secret": BBB_SECRET},
        }
        sc = published(server, tier="paid", video=video)
        try:
            creates = [c for c in fake.calls if c[0] == "create"]
            placed = len(sc.agenda["sessions"])
            assert len(creates) == placed + 1, "one create per session and one for the main room"
            assert all(valid for _, _, valid in fake.calls), "every call carries a valid checksum"
            pid = sc.agenda["sessions"][0]["proposal_id"]
            path = f"/e/{sc.ev.slug}/s/{pid}/join"
            for client, role in ((sc.facilitator_of(pid), "MODERATOR"), (sc.attendee_for(pid), "VIEWER")):
                loc = join_location(client, path)
                assert loc.startswith(fake.api_url + "/join?")
                params = dict(parse_qsl(urlsplit(loc).query))
                assert params["role"] == role
                joined = httpx.get(loc, timeout=10).json()  # the BBB stand-in checks checksum and password
                assert joined["role"] == role
            assert fake.calls[-1][2], "the join's checksum was valid"
            public = sc.ev.organizer.get(sc.ev.url("/video")).text + sc.ev.organizer.get(sc.ev.url("/agenda")).text
            assert BBB_SECRET not in public
            for meeting in fake.meetings.values():
                assert meeting["moderatorPW"] not in public and meeting["attendeePW"] not in public
        finally:
            sc.close()
    finally:
        fake.stop()


def test_bigbluebutton_down_keeps_the_agenda_and_answers_503_on_join(server: Server, bbb: FakeBigBlueButton) -> None:
    video = {"provider": "bbb", "config": {"base_url": bbb.api_url}, "secrets": {"shared_secret": BBB_SECRET}}
    sc = published(server, tier="paid", video=video)
    try:
        bbb.secret = "the-server-changed-its-secret"  # every call now fails the checksum
        pid = sc.agenda["sessions"][0]["proposal_id"]
        r = sc.attendee_for(pid).get(
            f"/e/{sc.ev.slug}/s/{pid}/join", follow_redirects=False, headers={"x-unconf-fetch": "1"}
        )
        assert r.status_code == 503 and r.json()["error"] == "video_unavailable"
    finally:
        sc.close()


def test_whereby_gives_hosts_the_host_room_url(server: Server) -> None:
    fake = FakeWhereby(WHEREBY_KEY)
    try:
        video = {"provider": "whereby", "config": {"api_url": fake.api_url}, "secrets": {"api_key": WHEREBY_KEY}}
        sc = published(server, tier="paid", video=video)
        try:
            assert len(fake.created) == len(sc.agenda["sessions"]) + 1
            assert all(body["fields"] == ["hostRoomUrl"] for body in fake.created)
            pid = sc.agenda["sessions"][0]["proposal_id"]
            path = f"/e/{sc.ev.slug}/s/{pid}/join"
            host = join_location(sc.facilitator_of(pid), path)
            guest = join_location(sc.attendee_for(pid), path)
            assert "roomKey=" in host and "roomKey=" not in guest
            assert _meeting(host) == _meeting(guest) and guest.startswith(fake.origin)
            assert "displayName=" in guest
            assert httpx.get(guest, timeout=10).status_code == 200
            assert WHEREBY_KEY not in sc.ev.organizer.get(sc.ev.url("/video")).text
        finally:
            sc.close()
    finally:
        fake.stop()


def test_static_links_follow_the_room(server: Server) -> None:
    video = {"provider": "static", "config": {"template": "https://meet.example.org/{event}-{room}"}}
    sc = published(server, video=video)
    try:
        rooms = {r["id"]: r["name"] for r in sc.rooms}
        for s in sc.agenda["sessions"]:
            loc = join_location(sc.attendee_for(s["proposal_id"]), f"/e/{sc.ev.slug}/s/{s['proposal_id']}/join")
            room_slug = rooms[s["room_id"]].lower().replace(" ", "-")
            assert loc == f"https://meet.example.org/{sc.ev.slug}-{room_slug}"
        main = join_location(sc.ev.organizer, f"/e/{sc.ev.slug}/main/join")
        assert main == f"https://meet.example.org/{sc.ev.slug}-main"
    finally:
        sc.close()


def test_joining_needs_a_person_and_a_placed_session(server: Server) -> None:
    sc = published(server)
    try:
        pid = sc.agenda["sessions"][0]["proposal_id"]
        with server.client() as anon:
            r = anon.get(f"/e/{sc.ev.slug}/s/{pid}/join", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == f"/e/{sc.ev.slug}/join"
        client = sc.attendee_for(pid)
        unplaced = client.post(sc.ev.url("/proposals"), json={"title": "Late idea"})
        headers = {"x-unconf-fetch": "1"}
        for path, status in (
            (f"/e/{sc.ev.slug}/s/999999/join", 404),
            (f"/e/{sc.ev.slug}/s/99999999999/join", 404),
            (f"/e/no-such-event/s/{pid}/join", 404),
        ):
            r = client.get(path, follow_redirects=False, headers=headers)
            assert r.status_code == status, (path, r.status_code, r.text)
        if unplaced.status_code == 201:
            r = client.get(f"/e/{sc.ev.slug}/s/{unplaced.json()['id']}/join", headers=headers)
            assert r.status_code == 404 and r.json()["error"] == "not_found"
        # The calendar file route beside the join route still answers.
        assert client.get(f"/e/{sc.ev.slug}/s/{pid}.ics").status_code == 200
    finally:
        sc.close()


def test_bad_video_settings_are_4xx_naming_the_field(server: Server) -> None:
    sc = published(server, sessions=2)
    try:
        org = sc.ev.organizer
        cases = [
            ({"provider": "zoom"}, 400, "provider"),
            ({"provider": "jitsi", "config": {"base_url": "javascript:alert(1)"}}, 400, "config.base_url"),
            ({"provider": "jitsi", "config": {"nope": 1}}, 400, "config.nope"),
            ({"provider": "jitsi", "main_room_id": 2_000_000_000}, 404, "main_room_id"),
            ({"provider": "jitsi", "extra": 1}, 400, "extra"),
            ({"provider": "bbb", "config": {"base_url": "https://b.example/api"}}, 402, "provider"),
            ({"provider": "whereby"}, 402, "provider"),
            ({}, 400, "provider"),
        ]
        for body, status, field in cases:
            r = org.put(sc.ev.url("/video"), json=body)
            assert r.status_code == status, (body, r.text)
            assert r.json()["field"] == field, (body, r.json())
        r = org.put(sc.ev.url("/video"), content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["field"] == "body"
        assert hashlib.sha1(b"").hexdigest() not in r.text
    finally:
        sc.close()
