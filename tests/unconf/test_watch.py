"""``unconf watch`` follows the same live stream as the board, in a terminal."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.helpers import REPO, EventHandle, Server, make_event
from unconf.watch import describe, live_url


def test_live_url_from_a_base_url() -> None:
    assert live_url("http://127.0.0.1:8000", "ed") == "ws://127.0.0.1:8000/api/v1/events/ed/live"
    assert live_url("https://x.org/unconf/", "a b") == "wss://x.org/unconf/api/v1/events/a%20b/live"


def test_lines_are_terminal_safe() -> None:
    message = {"type": "proposal.created", "at": "2026-11-21T09:00:00+00:00", "data": {"id": 3, "title": "a\x1b[2Jb"}}
    line = describe(message)
    assert "\x1b" not in line and "proposal #3 created" in line


@dataclass
class Watch:
    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    event: EventHandle

    def wait_for(self, text: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        seen: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not in the output:\n{''.join(seen)}")


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unconf.watch", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def watch(server: Server) -> Iterator[Watch]:
    ev = make_event(server)
    proc = spawn(ev.slug, "--url", server.base_url)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    yield Watch(proc, lines, ev)
    proc.terminate()
    proc.wait(timeout=10)
    ev.organizer.close()


def test_watch_prints_each_change(watch: Watch) -> None:
    ev = watch.event
    watch.wait_for("live on")
    ev.phase("proposals")
    watch.wait_for("phase is now proposals")
    pid = ev.organizer.post(ev.url("/proposals"), json={"title": "Watching <the> stream"}).json()["id"]
    watch.wait_for(f"proposal #{pid} created: Watching <the> stream")
    voter, _ = ev.join("Vic")
    watch.wait_for("Vic joined")
    ev.phase("voting")
    voter.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})
    watch.wait_for(f"vote: proposal #{pid} now has 1 dots from 1 people")
    voter.close()


def test_watch_an_unknown_event_exits_1(server: Server) -> None:
    proc = spawn("no-such-event", "--url", server.base_url)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "no such event" in out
