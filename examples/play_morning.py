"""Play an Edcamp morning through the HTTP API against a running unconf server.

    python examples/play_morning.py --url http://127.0.0.1:8000 --attendees 60

Creates an event, its rooms and slots, opens proposals, lets the attendees join,
propose and vote with their dots, builds and publishes the agenda, and prints it.
Uses only the standard library, so it runs anywhere Python does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import urllib.error
import urllib.request
from typing import Any

TOPICS = [
    "Thinking Classrooms in grade 7",
    "AI policy for our district",
    "Restorative circles",
    "Standards-based grading",
    "Phone-free lunch",
    "Maker space on no budget",
    "Co-teaching models",
    "Podcasting with students",
    "Science of reading, middle school",
    "Teacher burnout and systems",
    "Outdoor learning in winter",
    "Student-led conferences",
]


class Api:
    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"{method} {path} -> {exc.code}: {exc.read().decode(errors='replace')}") from exc
        return json.loads(raw) if raw else None


def play(base: str, attendees: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    anon = Api(base)
    created = anon.call(
        "POST",
        "/api/v1/events",
        {
            "title": "Edcamp Playthrough",
            "start_date": "2026-11-21",
            "timezone": "Europe/Berlin",
            "organizer_name": "Pat Organizer",
        },
    )
    slug, code = created["event"]["slug"], created["event"]["join_code"]
    org = Api(base, created["organizer_key"])
    for i, cap in enumerate([40, 30, 25, 20], 1):
        org.call("POST", f"/api/v1/events/{slug}/rooms", {"name": f"Room {i}", "capacity": cap})
    for start, end, kind in [
        ("09:00", "09:30", "plenary"),
        ("09:45", "10:30", "breakout"),
        ("10:45", "11:30", "breakout"),
    ]:
        org.call(
            "POST",
            f"/api/v1/events/{slug}/slots",
            {"starts_at": f"2026-11-21T{start}", "ends_at": f"2026-11-21T{end}", "kind": kind},
        )
    org.call("POST", f"/api/v1/events/{slug}/phase", {"phase": "proposals"})
    people = []
    for i in range(attendees):
        joined = anon.call(
            "POST", f"/api/v1/events/{slug}/join", {"display_name": f"Teacher {i + 1}", "join_code": code}
        )
        people.append(Api(base, joined["token"]))
    proposal_ids = []
    for i, topic in enumerate(TOPICS):
        proposal = people[i % len(people)].call("POST", f"/api/v1/events/{slug}/proposals", {"title": topic})
        proposal_ids.append(proposal["id"])
    org.call("POST", f"/api/v1/events/{slug}/phase", {"phase": "voting"})
    for person in people:
        for pid in rng.sample(proposal_ids, 3):
            person.call("POST", f"/api/v1/events/{slug}/votes", {"proposal_id": pid, "dots": 1})
    org.call("POST", f"/api/v1/events/{slug}/agenda/build", {"time_limit": 1})
    org.call("POST", f"/api/v1/events/{slug}/agenda/publish")
    agenda: dict[str, Any] = anon.call("GET", f"/api/v1/events/{slug}/agenda")
    return agenda


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--attendees", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    agenda = play(args.url, args.attendees, args.seed)
    for session in agenda["sessions"]:
        print(
            f"{session['starts_at'][11:16]}  {session['room_name']:<8} {session['title']} ({session['voters']} votes)"
        )
    print(f"agenda version {agenda['version']} published with {len(agenda['sessions'])} sessions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
