"""Test helpers: a real uvicorn on loopback over a temporary SQLite file (or PostgreSQL), and its clients."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shared_dir(*parts: str) -> Path:
    """A path under ../shared; skipped with a reason where it is absent, failed in CI."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing; CI runs with ../shared beside the project")
        pytest.skip(f"{path} not found: these checks need the team's shared/ folder beside the project")
    return path


@dataclass
class Server:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "unconf.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        timeout=300,
    )


def start_server(
    database_url: str, tmp: Path, extra_env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    port = port or free_port()
    operator_token = f"test-operator-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "UNCONF_DATABASE_URL": database_url,
        "UNCONF_HOST": "127.0.0.1",
        "UNCONF_PORT": str(port),
        "UNCONF_BASE_URL": f"http://127.0.0.1:{port}",
        # The suite creates hundreds of events from one loopback address: limits stay on, fifty times higher.
        "UNCONF_RATE_LIMIT_SCALE": "50",
        # The instance operator's token, so tests can set tiers the way an operator does.
        "UNCONF_ADMIN_TOKEN": operator_token,
        # Its deprecated name, with the same value (tests that read it keep working).
        "UNCONF_OPERATOR_KEY": operator_token,
        **(extra_env or {}),
    }
    log_path = tmp / f"server-{port}-{uuid.uuid4().hex[:6]}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "unconf.cli", "serve"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/schema/openapi.json", timeout=2).status_code == 200:
                return Server(base, database_url, process, log_path, env)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start:\n{log_path.read_text()}")


POSTGRES_ADMIN = os.environ.get("UNCONF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("UNCONF_TEST_REDIS", "redis://127.0.0.1:6379/0")
# Which stack the shared `server` fixture runs on: "sqlite" (the embedded default) or "postgres".
TEST_STACK = os.environ.get("UNCONF_TEST_STACK", "sqlite")


def _unavailable(what: str, why: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} must be reachable in CI: {why}")
    pytest.skip(f"{what} not reachable ({why}); these tests need it on loopback")


def fresh_postgres_database() -> str:
    """A new, empty PostgreSQL database for one test run; its URL."""
    import asyncio

    import asyncpg

    name = f"unconf_t_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        # In a thread of its own: the caller may already run an event loop (Playwright's sync API does).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, create()).result()
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        _unavailable("PostgreSQL at " + POSTGRES_ADMIN.rsplit("@", 1)[-1], str(exc))
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable("Redis at " + REDIS_URL, str(exc))
    return REDIS_URL


def stack_database_url(tmp: Path) -> str:
    if TEST_STACK == "postgres":
        return fresh_postgres_database()
    return f"sqlite:///{tmp / 'unconf.sqlite'}"


def stack_env() -> dict[str, str]:
    return {"UNCONF_REDIS_URL": redis_url()} if TEST_STACK == "postgres" else {}


@dataclass
class EventHandle:
    """An event made through the API, with its organizer's client."""

    server: Server
    slug: str
    join_code: str
    organizer_key: str
    organizer: httpx.Client

    def join(self, name: str) -> tuple[httpx.Client, dict[str, Any]]:
        with self.server.client() as anon:
            r = anon.post(f"/api/v1/events/{self.slug}/join", json={"display_name": name, "join_code": self.join_code})
        assert r.status_code == 201, r.text
        body = r.json()
        return self.server.client(body["token"]), body["participant"]

    def phase(self, phase: str) -> None:
        r = self.organizer.post(f"/api/v1/events/{self.slug}/phase", json={"phase": phase})
        assert r.status_code == 200, r.text

    def url(self, tail: str = "") -> str:
        return f"/api/v1/events/{self.slug}{tail}"


def set_tier(server: Server, slug: str, tier: str) -> dict[str, Any]:
    """What the instance operator does: only they set an event's tier (``UNCONF_ADMIN_TOKEN``)."""
    with server.client(server.env["UNCONF_ADMIN_TOKEN"]) as operator:
        r = operator.put(f"/api/v1/operator/events/{slug}/tier", json={"tier": tier})
    assert r.status_code == 200, r.text
    event: dict[str, Any] = r.json()
    return event


def make_event(server: Server, **overrides: Any) -> EventHandle:
    """An event made through the API; a ``tier`` other than free is then set by the operator."""
    tier = overrides.pop("tier", "free")
    body = {
        "title": "Edcamp Test",
        "slug": f"t-{uuid.uuid4().hex[:10]}",
        "start_date": "2026-11-21",
        "timezone": "Europe/Berlin",
        "organizer_name": "Olga Organizer",
        **overrides,
    }
    with server.client() as anon:
        r = anon.post("/api/v1/events", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    if tier != "free":
        set_tier(server, data["event"]["slug"], tier)
    return EventHandle(
        server=server,
        slug=data["event"]["slug"],
        join_code=data["event"]["join_code"],
        organizer_key=data["organizer_key"],
        organizer=server.client(data["organizer_key"]),
    )


NODE_CACHE = REPO / ".cache" / "node"


def npm_package(name: str, version: str) -> Path:
    """A package from the npm registry for checks run in node or injected into a page.

    Installed once into .cache/node; skipped (with the reason) where npm is missing,
    failed in CI where it must be there.
    """
    import shutil

    target = NODE_CACHE / "node_modules" / name
    if target.exists():
        return target
    if shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm is required in CI for this check")
        pytest.skip(f"npm not found: cannot fetch {name} for this check")
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(NODE_CACHE), f"{name}@{version}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 or not target.exists():
        message = f"npm install {name}@{version} failed: {result.stderr[-500:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return target


CHROMIUM = Path("/usr/bin/chromium")


def chromium_path() -> str:
    """Debian's Chromium (never a downloaded browser build); skipped where it is not installed."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("/usr/bin/chromium is required in CI (.ci/run installs it)")
        pytest.skip("Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    return str(CHROMIUM)


FUTURE_DAY = "2099-06-06"  # nothing has started yet: re-solving may move anything


def setup_rooms_and_slots(ev: EventHandle, capacities: list[int], breakouts: int = 3, day: str = "2026-11-21") -> None:
    for i, cap in enumerate(capacities):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {chr(65 + i)}", "capacity": cap})
        assert r.status_code == 201, r.text
    r = ev.organizer.post(
        ev.url("/slots"),
        json={"starts_at": f"{day}T08:30", "ends_at": f"{day}T09:00", "kind": "plenary", "label": "Opening"},
    )
    assert r.status_code == 201, r.text
    for i in range(breakouts):
        hour = 9 + i
        r = ev.organizer.post(
            ev.url("/slots"),
            json={"starts_at": f"{day}T{hour:02d}:15", "ends_at": f"{day}T{hour + 1:02d}:00"},
        )
        assert r.status_code == 201, r.text


def database_rows(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows read straight from a server's database (its SQLite file or PostgreSQL), with ``?`` placeholders."""
    if database_url.startswith("sqlite:"):
        import sqlite3

        with sqlite3.connect(database_url.split("///", 1)[1]) as conn:
            return list(conn.execute(sql, args).fetchall())
    import asyncio

    import asyncpg

    numbered = sql
    for i in range(len(args)):
        numbered = numbered.replace("?", f"${i + 1}", 1)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(database_url, timeout=5)
        try:
            return [tuple(r) for r in await conn.fetch(numbered, *args)]
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:  # the caller may already run an event loop
        return pool.submit(asyncio.run, run()).result()


SCENARIO_ERRORS = r"""
import logging
errors = []

class KeepErrors(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.ERROR:
            errors.append(record.getMessage())

logging.getLogger().addHandler(KeepErrors())
"""
"""Put first in a scenario: ``errors`` then holds every message logged at ERROR or above."""


def run_scenario(script: str, database_url: str) -> dict[str, Any]:
    """Run ``script`` in a Python process of its own on ``database_url`` (no Redis); its last line is JSON.

    For service-level scenarios that need a whole event loop and a real database of their own.
    """
    env = {**os.environ, "UNCONF_DATABASE_URL": database_url, "UNCONF_RATE_LIMIT_SCALE": "0"}
    env.pop("UNCONF_REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
