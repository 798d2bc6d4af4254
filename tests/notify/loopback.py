"""Real servers on loopback for the people/notify tests: an SMTP sink (aiosmtpd) and scriptable HTTP receivers."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EventHandle, Server, free_port, stack_database_url, stack_env, start_server


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll until ``check`` returns something truthy; fail with ``what`` after a bounded wait."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


# -- SMTP -----------------------------------------------------------------------------------------------------------


class SmtpSink:
    """An aiosmtpd server that keeps every message it is handed."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def for_event(self, slug: str) -> list[EmailMessage]:
        with self._lock:
            return [m for _, _, m in self.messages if m["X-Unconf-Event"] == slug]

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def text_of(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content()  # type: ignore[no-any-return]


def link_in(text: str, pattern: str) -> str:
    m = re.search(pattern, text)
    assert m, f"no link matching {pattern!r} in:\n{text}"
    return m.group(0)


# -- HTTP -----------------------------------------------------------------------------------------------------------


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Route = Callable[["Hit"], tuple[int, dict[str, str], bytes]]


@dataclass
class Receiver:
    """A threaded HTTP server; each path answers with a route function and every request is kept."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                hit = Hit(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                receiver.hits.append(hit)
                route = receiver.routes.get(self.path.split("?", 1)[0])
                status, headers, body = route(hit) if route else (404, {}, b"no such path")
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path.split("?", 1)[0] == path]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def ok(_: Hit) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/plain"}, b"ok"


def fails_then_ok(times: int) -> Route:
    count = {"n": 0}

    def route(_: Hit) -> tuple[int, dict[str, str], bytes]:
        count["n"] += 1
        return (503, {}, b"try later") if count["n"] <= times else (200, {}, b"ok")

    return route


def always(status: int) -> Route:
    return lambda _: (status, {}, b"no")


def slow(receiver: Receiver) -> Route:
    """Hold the request until the test ends (longer than the sender's timeout)."""

    def route(_: Hit) -> tuple[int, dict[str, str], bytes]:
        receiver.release.wait(60)
        return 200, {}, b"late"

    return route


def serve_file(body: bytes, content_type: str = "text/csv; charset=utf-8") -> Route:
    return lambda _: (200, {"Content-Type": content_type}, body)


def redirect(to: str) -> Route:
    return lambda _: (307, {"Location": to}, b"")


# -- fixtures' building blocks ----------------------------------------------------------------------------------------


def start_notify_server(tmp: Path, extra: dict[str, str]) -> Server:
    return start_server(stack_database_url(tmp), tmp, {**stack_env(), **extra})


def stop_and_check(server: Server) -> None:
    server.stop()
    log = server.log()
    assert "Traceback" not in log, f"the server logged an exception:\n{log[-5000:]}"


def upload(ev: EventHandle, action: str, body: bytes, **fields: str) -> Any:
    """POST a CSV to the preview or import endpoint as multipart/form-data."""
    files: dict[str, Any] = {"file": ("registrants.csv", body, "text/csv")}
    files.update({k: (None, v) for k, v in fields.items()})
    return ev.organizer.post(ev.url(f"/registrants/{action}"), files=files)


def from_url(ev: EventHandle, action: str, url: str, **fields: str) -> Any:
    files: dict[str, Any] = {"url": (None, url)}
    files.update({k: (None, v) for k, v in fields.items()})
    return ev.organizer.post(ev.url(f"/registrants/{action}"), files=files)


def local_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def around_now() -> dict[str, str]:
    """Event fields for an event happening now (slots must fall on its dates), whatever day the tests run."""
    today = datetime.now(UTC).date()
    return {"timezone": "UTC", "start_date": today.isoformat(), "end_date": (today + timedelta(days=1)).isoformat()}


def schedule_soon(ev: EventHandle, people: list[Any], *, minutes: float = 3) -> dict[str, Any]:
    """One room, one slot starting in a few minutes, one proposal, everyone's votes, and a published agenda.

    The event must be happening now (``make_event(server, **around_now())``).
    """
    r = ev.organizer.post(ev.url("/rooms"), json={"name": "Library", "capacity": 30})
    assert r.status_code == 201, r.text
    start = datetime.now(UTC) + timedelta(minutes=minutes)
    r = ev.organizer.post(
        ev.url("/slots"),
        json={"starts_at": local_iso(start), "ends_at": local_iso(start + timedelta(minutes=45))},
    )
    assert r.status_code == 201, r.text
    if ev.organizer.get(ev.url()).json()["phase"] == "draft":
        ev.phase("proposals")
    client = people[0]
    r = client.post(ev.url("/proposals"), json={"title": "Makerspaces on a budget"})
    assert r.status_code == 201, r.text
    proposal = r.json()
    ev.phase("voting")
    for voter in people:
        r = voter.post(ev.url("/votes"), json={"proposal_id": proposal["id"]})
        assert r.status_code == 201, r.text
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1})
    assert r.status_code == 201, r.text
    r = ev.organizer.post(ev.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    return proposal


def iter_json_lines(hits: list[Hit]) -> Iterator[Any]:
    for h in hits:
        yield h.json()
