"""A day that is happening now, built over HTTP, for the board, hallway and calendar tests.

Sessions run now (the first breakout started half an hour ago) in UTC, so occupancy and "now"
are real; a stand-in Jitsi server on loopback serves ``external_api.js`` the way a Jitsi server does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.helpers import EventHandle, Server, make_event

# 60 characters, with words as long as teachers use ("Differentiation", "interdisciplinary").
TITLE_WORDS = [
    "Differentiation",
    "without",
    "three",
    "lesson",
    "plans",
    "interdisciplinary",
    "projects",
    "ChatGPT",
    "in",
    "the",
    "classroom",
    "assessment",
    "feedback",
    "Thinking",
    "Classrooms",
    "year",
    "two",
]


def sixty(i: int) -> str:
    """A distinct title of 55 to 60 characters made of real words."""
    words, k = [f"#{i + 1}"], i
    while True:
        word = TITLE_WORDS[k % len(TITLE_WORDS)]
        k += 3
        if len(" ".join([*words, word])) > 60:
            return " ".join(words)
        words.append(word)


@dataclass
class Day:
    ev: EventHandle
    rooms: list[dict[str, Any]]
    slots: list[dict[str, Any]]
    people: list[tuple[httpx.Client, dict[str, Any]]]
    agenda: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for client, _ in self.people:
            client.close()
        self.ev.organizer.close()

    def token_of(self, index: int) -> str:
        return str(self.people[index][0].headers["authorization"].split(" ", 1)[1])

    def running_now(self) -> list[dict[str, Any]]:
        first = min((s for s in self.slots if s["kind"] == "breakout"), key=lambda s: s["starts_at"])
        return [s for s in self.agenda["sessions"] if s["slot_id"] == first["id"]]


def running_day(
    server: Server,
    *,
    rooms: int,
    breakouts: int,
    venue: str = "Riverside Middle School",
    video: dict[str, Any] | None = None,
    empty_rooms: int = 0,
) -> Day:
    """An opening plenary, ``breakouts`` slots (the first running now), one session per room and slot."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=70)
    plan: list[tuple[datetime, datetime, str, str]] = [(start, start + timedelta(minutes=30), "plenary", "Opening")]
    t = now - timedelta(minutes=30)
    for i in range(breakouts):
        plan.append((t, t + timedelta(minutes=45), "breakout", f"Sessions {i + 1}"))
        t += timedelta(minutes=50)
        if i == 1:
            plan.append((t, t + timedelta(minutes=40), "break", "Lunch"))
            t += timedelta(minutes=45)
    plan.append((t, t + timedelta(minutes=30), "plenary", "Closing"))
    ev = make_event(
        server,
        title="Edcamp Riverside",
        timezone="UTC",
        venue=venue,
        start_date=plan[0][0].date().isoformat(),
        end_date=plan[-1][1].date().isoformat(),
        settings={"dots_per_participant": 5},
    )
    made_rooms = []
    for i in range(rooms + empty_rooms):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {101 + i}", "capacity": 2 + i, "kind": "hybrid"})
        assert r.status_code == 201, r.text
        made_rooms.append(r.json())
    slots = []
    for a, b, kind, label in plan:
        body = {"starts_at": a.strftime("%Y-%m-%dT%H:%M"), "ends_at": b.strftime("%Y-%m-%dT%H:%M"), "kind": kind}
        r = ev.organizer.post(ev.url("/slots"), json={**body, "label": label})
        assert r.status_code == 201, r.text
        slots.append(r.json())
    if video is not None:
        r = ev.organizer.put(ev.url("/video"), json=video)
        assert r.status_code == 200, r.text
    ev.phase("proposals")
    # One proposer per session, so no facilitator is ever asked to be in two rooms at once.
    people = [ev.join(f"Teacher {i}") for i in range(rooms * breakouts)]
    proposals = []
    for i in range(rooms * breakouts):
        client, _ = people[i]
        r = client.post(ev.url("/proposals"), json={"title": sixty(i)})
        assert r.status_code == 201, r.text
        proposals.append(r.json())
    ev.phase("voting")
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5, "seed": 1})
    assert r.status_code == 201, r.text
    breakout_slots = [s for s in slots if s["kind"] == "breakout"]
    for i, p in enumerate(proposals):
        place = {"slot_id": breakout_slots[i // rooms]["id"], "room_id": made_rooms[i % rooms]["id"], "pinned": False}
        r = ev.organizer.put(ev.url(f"/agenda/draft/sessions/{p['id']}"), json=place)
        assert r.status_code == 200, r.text
    r = ev.organizer.post(ev.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    day = Day(ev, made_rooms, slots, people)
    day.agenda = ev.organizer.get(ev.url("/agenda")).json()
    return day


EXTERNAL_API = b"""
// Stand-in for a Jitsi server's external_api.js: the same constructor, an iframe onto the meeting.
window.JitsiMeetExternalAPI = function (domain, options) {
  var frame = document.createElement("iframe");
  frame.src = location.protocol + "//" + domain + "/" + encodeURIComponent(options.roomName) +
    "#userInfo.displayName=" + encodeURIComponent((options.userInfo || {}).displayName || "");
  frame.setAttribute("allow", "camera; microphone; display-capture");
  frame.title = "Video meeting " + options.roomName;
  frame.className = "stand-in-jitsi";
  options.parentNode.appendChild(frame);
  this.dispose = function () { frame.remove(); };
};
"""


class _JitsiHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/external_api.js":
            body, kind = EXTERNAL_API, "application/javascript"
        else:
            body, kind = b"<!doctype html><html lang='en'><title>meeting</title><p>Meeting room</p></html>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StandInJitsi:
    """A Jitsi-like server on 127.0.0.1: the page loads its script and frames its meetings."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _JitsiHandler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
