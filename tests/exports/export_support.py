"""Shared by the export tests: events with a published agenda built over HTTP, and the parsers
that calendar apps use (Mozilla's ical.js in node, libical through a small C checker).

Test modules load the fixtures with ``pytest_plugins = ["tests.exports.export_support"]`` (as
tests/notify does) and import ``Scenario`` for type hints only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import IN_CI, EventHandle, Server, make_event, npm_package


@dataclass
class Scenario:
    """A published agenda: who is in it and what the API says it holds."""

    handle: EventHandle
    timezone: str
    rooms: dict[str, dict[str, Any]]
    slots: list[dict[str, Any]]
    people: dict[str, tuple[httpx.Client, dict[str, Any]]]
    proposals: dict[str, dict[str, Any]]
    agenda: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.handle.slug

    @property
    def org(self) -> httpx.Client:
        return self.handle.organizer

    def refresh(self) -> dict[str, Any]:
        r = self.org.get(self.handle.url("/agenda"))
        assert r.status_code == 200, r.text
        self.agenda = r.json()
        return self.agenda

    def session(self, proposal_id: int) -> dict[str, Any]:
        return next(s for s in self.agenda["sessions"] if s["proposal_id"] == proposal_id)

    def close(self) -> None:
        for client, _ in self.people.values():
            client.close()
        self.handle.organizer.close()


# Slots per timezone: the first crosses the daylight-saving change of that day.
DST_DAYS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "Europe/Berlin": (
        "2026-10-25",
        [("2026-10-25T01:30", "2026-10-25T03:30"), ("2026-10-25T10:00", "2026-10-25T11:00"),
         ("2026-10-25T11:15", "2026-10-25T12:15")],
    ),
    "America/New_York": (
        "2026-03-08",
        [("2026-03-08T01:30", "2026-03-08T03:30"), ("2026-03-08T10:00", "2026-03-08T11:00"),
         ("2026-03-08T11:15", "2026-03-08T12:15")],
    ),
    "UTC": (
        "2026-11-21",
        [("2026-11-21T09:00", "2026-11-21T10:00"), ("2026-11-21T10:15", "2026-11-21T11:15"),
         ("2026-11-21T11:30", "2026-11-21T12:30")],
    ),
}  # fmt: skip


def build_scenario(server: Server, timezone: str = "Europe/Berlin") -> Scenario:
    """Rooms, slots, people, proposals and votes made over HTTP, then built and published."""
    day, slot_times = DST_DAYS[timezone]
    handle = make_event(server, title="Edcamp Export Test", start_date=day, timezone=timezone, venue="Riverside School")
    org = handle.organizer
    rooms: dict[str, dict[str, Any]] = {}
    for name, video in (
        ("Aula", "https://meet.example.org/aula?x=1&y=2"),
        ("Raum 2 \u2013 Grün", ""),
        ("Lab; Floor 1", "https://video.example.net/lab"),
    ):
        r = org.post(handle.url("/rooms"), json={"name": name, "capacity": 30, "video_link": video})
        assert r.status_code == 201, r.text
        rooms[name] = r.json()
    slots = []
    for start, end in slot_times:
        r = org.post(handle.url("/slots"), json={"starts_at": start, "ends_at": end})
        assert r.status_code == 201, r.text
        slots.append(r.json())
    handle.phase("proposals")
    people = {name: handle.join(name) for name in ("Alice Ärger", "Bob, the Builder", 'Carol "CJ" Jones', "Dan")}
    proposals: dict[str, dict[str, Any]] = {}
    titles = {
        "Alice Ärger": ["Makerspaces: a start", "Grading; less, better"],
        "Bob, the Builder": ["Robots in class", "Podcasts with kids"],
        'Carol "CJ" Jones': ["Escape rooms \\ puzzles, ideas", "Outdoor learning"],
        "Dan": ["Very long title " + "x" * 80],
    }
    for name, own in titles.items():
        client, _ = people[name]
        for title in own:
            r = client.post(
                handle.url("/proposals"),
                json={"title": title, "description": f"About {title}.\nSecond line, with commas; and semicolons."},
            )
            assert r.status_code == 201, r.text
            proposals[title] = r.json()
    handle.phase("voting")
    ids = [p["id"] for p in proposals.values()]
    for i, (client, _) in enumerate(people.values()):
        for pid in ids[i : i + 3]:
            r = client.post(handle.url("/votes"), json={"proposal_id": pid, "dots": 1})
            assert r.status_code == 201, r.text
    r = org.post(handle.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    r = org.post(handle.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    scenario = Scenario(handle, timezone, rooms, slots, people, proposals)
    scenario.refresh()
    assert scenario.agenda["sessions"], "the optimizer placed nothing"
    return scenario


HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module", params=["Europe/Berlin", "America/New_York"])
def scenario(request: pytest.FixtureRequest, server: Server) -> Iterator[Scenario]:
    built = build_scenario(server, request.param)
    yield built
    built.close()


@pytest.fixture(scope="module")
def berlin(server: Server) -> Iterator[Scenario]:
    built = build_scenario(server, "Europe/Berlin")
    yield built
    built.close()


@pytest.fixture
def make_scenario(server: Server) -> Iterator[Callable[[str], Scenario]]:
    """Build more scenarios inside a test (closed at its end)."""
    made: list[Scenario] = []

    def make(timezone: str) -> Scenario:
        made.append(build_scenario(server, timezone))
        return made[-1]

    yield make
    for built in made:
        built.close()


@pytest.fixture
def fresh(server: Server) -> Iterator[Scenario]:
    """A scenario of one's own, for tests that change and re-publish the agenda."""
    built = build_scenario(server, "Europe/Berlin")
    yield built
    built.close()


# -- parsers that calendar apps use -------------------------------------------------------------------------------


ICALJS_SCRIPT = r"""
const path = process.argv[2];
const file = process.argv[3];
const ICAL = require(path);
const text = require('fs').readFileSync(file, 'utf8');
const jcal = ICAL.parse(text);  // throws on any syntax error
const cal = new ICAL.Component(jcal);
for (const vtz of cal.getAllSubcomponents('vtimezone')) {
  ICAL.TimezoneService.register(vtz);
}
const out = {calname: cal.getFirstPropertyValue('x-wr-calname'), events: []};
for (const ve of cal.getAllSubcomponents('vevent')) {
  const ev = new ICAL.Event(ve);
  const start = ev.startDate;
  out.events.push({
    uid: ev.uid,
    start: start.toJSDate().toISOString(),
    end: ev.endDate.toJSDate().toISOString(),
    tzid: start.zone ? start.zone.tzid : null,
    location: ev.location,
    url: ve.getFirstPropertyValue('url'),
    sequence: ev.sequence,
    status: ve.getFirstPropertyValue('status'),
    summary: ev.summary,
  });
}
console.log(JSON.stringify(out));
"""


def icaljs_entry() -> Path:
    package = npm_package("ical.js", "2.1.0")
    manifest = json.loads((package / "package.json").read_text())
    exports = manifest.get("exports", {})
    candidates = []
    if isinstance(exports, dict):
        dot = exports.get(".", exports)
        if isinstance(dot, dict):
            candidates += [dot.get("require"), dot.get("default")]
    candidates += [manifest.get("main"), "dist/ical.min.cjs", "dist/ical.js"]
    for rel in candidates:
        if isinstance(rel, dict):
            rel = rel.get("default")
        if isinstance(rel, str) and (package / rel).exists() and rel.endswith((".cjs", ".js")):
            return package / rel
    raise AssertionError(f"cannot find ical.js's CommonJS entry in {manifest.get('exports')}")


@pytest.fixture(scope="session")
def icaljs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run Mozilla's ical.js (Thunderbird's parser) on a calendar; returns what it read."""
    if shutil.which("node") is None:
        if IN_CI:
            pytest.fail("node is required in CI for the ical.js check")
        pytest.skip("node not found: cannot run ical.js")
    entry = icaljs_entry()
    folder = tmp_path_factory.mktemp("icaljs")
    script = folder / "check.cjs"
    script.write_text(ICALJS_SCRIPT)

    def run(text: bytes) -> dict[str, Any]:
        target = folder / "input.ics"
        target.write_bytes(text)
        result = subprocess.run(
            ["node", str(script), str(entry), str(target)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, f"ical.js rejected the calendar:\n{result.stderr}\n{text.decode()[:3000]}"
        return json.loads(result.stdout)

    return run


@pytest.fixture(scope="session")
def libical(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small C checker on libical (Evolution's and KDE's parser): errors, restrictions and UTC times."""
    missing = [tool for tool in ("gcc", "pkg-config") if shutil.which(tool) is None]
    flags = None
    if not missing:
        probe = subprocess.run(["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True)
        flags = probe.stdout.split() if probe.returncode == 0 else None
    if missing or flags is None:
        reason = (
            f"libical headers not available (missing: {missing or 'pkg-config libical'}); apt-get install libical-dev"
        )
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("libical")
    binary = folder / "check_ical"
    result = subprocess.run(
        ["gcc", "-O0", "-o", str(binary), str(HERE / "check_ical.c"), *flags], capture_output=True, text=True
    )
    assert result.returncode == 0, f"compiling the libical checker failed:\n{result.stderr}"

    def run(text: bytes) -> dict[str, Any]:
        target = folder / "input.ics"
        target.write_bytes(text)
        done = subprocess.run([str(binary), str(target)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"libical reported errors:\n{done.stdout}\n{done.stderr}\n{text.decode()[:3000]}"
        return json.loads(done.stdout)

    return run
