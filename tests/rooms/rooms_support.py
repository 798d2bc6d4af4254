"""Helpers for the rooms tests: a published agenda through the HTTP API, and small provider-compatible servers.

The BigBlueButton and Whereby stand-ins are real HTTP servers on loopback that check what the real
services check (BigBlueButton: the checksum of every call with the shared secret; Whereby: the
API key), so the tests exercise our real requests and URLs end to end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.conftest import EventHandle, Server, make_event

# --- a published agenda --------------------------------------------------------------------------


@dataclass
class Scenario:
    ev: EventHandle
    rooms: list[dict[str, Any]]
    slots: list[dict[str, Any]]
    people: list[tuple[httpx.Client, dict[str, Any]]]
    proposals: list[dict[str, Any]]
    agenda: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for client, _ in self.people:
            client.close()
        self.ev.organizer.close()

    def session(self, proposal_id: int) -> dict[str, Any]:
        return next(s for s in self.agenda["sessions"] if s["proposal_id"] == proposal_id)

    def facilitator_of(self, proposal_id: int) -> httpx.Client:
        p = next(p for p in self.proposals if p["id"] == proposal_id)
        fid = p["facilitators"][0]["id"]
        return next(c for c, me in self.people if me["id"] == fid)

    def attendee_for(self, proposal_id: int) -> httpx.Client:
        """Someone who does not facilitate this session."""
        p = next(p for p in self.proposals if p["id"] == proposal_id)
        fids = {f["id"] for f in p["facilitators"]}
        return next(c for c, me in self.people if me["id"] not in fids)


def now_slots() -> tuple[list[tuple[str, str, str]], str, str]:
    """A slot running now and one after it, in UTC; the event's dates cover both."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = (now - timedelta(minutes=30), now + timedelta(minutes=60), "breakout")
    second = (now + timedelta(minutes=70), now + timedelta(minutes=130), "breakout")
    slots = [(a.strftime("%Y-%m-%dT%H:%M"), b.strftime("%Y-%m-%dT%H:%M"), kind) for a, b, kind in (first, second)]
    return slots, first[0].date().isoformat(), second[1].date().isoformat()


def published(
    server: Server,
    *,
    tier: str = "free",
    capacities: tuple[int, ...] = (30, 20),
    sessions: int = 4,
    video: dict[str, Any] | None = None,
) -> Scenario:
    """An event with rooms, a slot running now and one after, proposals, votes and a published agenda."""
    slots_plan, start, end = now_slots()
    ev = make_event(server, tier=tier, timezone="UTC", start_date=start, end_date=end)
    rooms = []
    for i, cap in enumerate(capacities):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {chr(65 + i)}", "capacity": cap, "kind": "hybrid"})
        assert r.status_code == 201, r.text
        rooms.append(r.json())
    slots = []
    for starts, ends, kind in slots_plan:
        r = ev.organizer.post(ev.url("/slots"), json={"starts_at": starts, "ends_at": ends, "kind": kind})
        assert r.status_code == 201, r.text
        slots.append(r.json())
    if video is not None:
        r = ev.organizer.put(ev.url("/video"), json=video)
        assert r.status_code == 200, r.text
    ev.phase("proposals")
    people = [ev.join(f"Teacher {i}") for i in range(sessions + 2)]
    proposals = []
    for i, (client, _me) in enumerate(people[:sessions]):
        r = client.post(ev.url("/proposals"), json={"title": f"Topic {i}"})
        assert r.status_code == 201, r.text
        proposals.append(r.json())
    ev.phase("voting")
    for client, _me in people:
        for p in proposals[:2]:
            client.post(ev.url("/votes"), json={"proposal_id": p["id"]})
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5, "seed": 1})
    assert r.status_code == 201, r.text
    # Lay the sessions out by hand so tests know where each one is: room by room, the running slot first.
    for i, p in enumerate(proposals[: len(rooms) * len(slots)]):
        place = {"slot_id": slots[i // len(rooms)]["id"], "room_id": rooms[i % len(rooms)]["id"], "pinned": False}
        r = ev.organizer.put(ev.url(f"/agenda/draft/sessions/{p['id']}"), json=place)
        assert r.status_code == 200, r.text
    r = ev.organizer.post(ev.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    scenario = Scenario(ev, rooms, slots, people, proposals)
    scenario.agenda = ev.organizer.get(ev.url("/agenda")).json()
    return scenario


def join_location(client: httpx.Client, path: str) -> str:
    """Where our join redirect sends this person (not followed: providers are not on loopback)."""
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    assert r.headers["cache-control"] == "no-store"
    return r.headers["location"]


# --- provider-compatible servers -----------------------------------------------------------------


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Running:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.fake = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeBigBlueButton(_Running):
    """Checks every call's checksum like BigBlueButton does: hash(call + query without checksum + secret)."""

    def __init__(self, secret: str, algorithm: str = "sha1") -> None:
        self.secret = secret
        self.algorithm = algorithm
        self.meetings: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, dict[str, str], bool]] = []
        super().__init__(_BBBHandler)

    @property
    def api_url(self) -> str:
        return f"{self.origin}/bigbluebutton/api"

    def verify(self, call: str, raw_query: str) -> tuple[dict[str, str], bool]:
        query, _, given = raw_query.rpartition("&checksum=")
        expected = hashlib.new(self.algorithm, f"{call}{query}{self.secret}".encode()).hexdigest()
        params = dict(parse_qsl(query, keep_blank_values=True))
        return params, bool(given) and hmac.compare_digest(given, expected)


def _xml(**items: str) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in items.items())
    return f"<response>{inner}</response>".encode()


class _BBBHandler(_Quiet):
    def do_GET(self) -> None:
        fake: FakeBigBlueButton = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        call = parts.path.rsplit("/", 1)[-1]
        params, valid = fake.verify(call, parts.query)
        fake.calls.append((call, params, valid))
        if not valid:
            self.reply(200, _xml(returncode="FAILED", messageKey="checksumError"), "text/xml")
            return
        if call == "create":
            mid = params["meetingID"]
            existed = mid in fake.meetings
            fake.meetings.setdefault(mid, {"attendeePW": params["attendeePW"], "moderatorPW": params["moderatorPW"]})
            extra = {"messageKey": "duplicateWarning"} if existed else {}
            self.reply(200, _xml(returncode="SUCCESS", meetingID=mid, **extra), "text/xml")
        elif call == "join":
            meeting = fake.meetings.get(params.get("meetingID", ""))
            if meeting is None:
                self.reply(200, _xml(returncode="FAILED", messageKey="notFound"), "text/xml")
                return
            password = params.get("password", "")
            role = "MODERATOR" if password == meeting["moderatorPW"] else "VIEWER"
            if password not in (meeting["moderatorPW"], meeting["attendeePW"]) or params.get("role") != role:
                self.reply(200, _xml(returncode="FAILED", messageKey="invalidPassword"), "text/xml")
                return
            body = {"meetingID": params["meetingID"], "role": role, "fullName": params.get("fullName")}
            self.reply(200, json.dumps(body).encode(), "application/json")
        else:
            self.reply(404, _xml(returncode="FAILED", messageKey="unsupportedRequest"), "text/xml")


class FakeWhereby(_Running):
    """``POST /v1/meetings`` with a Bearer API key, answering like Whereby's REST API."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.created: list[dict[str, Any]] = []
        super().__init__(_WherebyHandler)

    @property
    def api_url(self) -> str:
        return f"{self.origin}/v1"


class _WherebyHandler(_Quiet):
    def do_POST(self) -> None:
        fake: FakeWhereby = self.server.fake  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if not hmac.compare_digest(self.headers.get("Authorization", ""), f"Bearer {fake.api_key}"):
            self.reply(401, b'{"error":"Unauthorized"}', "application/json")
            return
        if self.path != "/v1/meetings" or "endDate" not in body:
            self.reply(400, b'{"error":"Bad request"}', "application/json")
            return
        fake.created.append(body)
        name = f"/{body.get('roomNamePrefix', '')}{secrets.token_hex(8)}"
        out: dict[str, Any] = {
            "meetingId": str(len(fake.created)),
            "roomUrl": f"{fake.origin}{name}",
            "startDate": datetime.now(UTC).isoformat(),
            "endDate": body["endDate"],
        }
        if "hostRoomUrl" in body.get("fields", []):
            out["hostRoomUrl"] = f"{fake.origin}{name}?roomKey={secrets.token_hex(8)}"
        self.reply(201, json.dumps(out).encode(), "application/json")

    def do_GET(self) -> None:
        self.reply(200, b"<!doctype html><title>room</title>", "text/html")
