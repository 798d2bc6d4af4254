"""The production topology, on loopback: Caddy (HTTPS, its internal CA) in front of two unconf workers
started by the image's own entrypoint (deploy/entrypoint.sh), on PostgreSQL and Redis.

Addresses: Caddy reaches the workers from 127.0.0.1, the only trusted proxy. Test clients bind other
loopback addresses (127.X.Y.2 and up, new for each run), so "a client talking to a worker directly" and "a client behind
the proxy" are told apart the way they would be on a real network.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.helpers import IN_CI, REPO, chromium_path, free_port, fresh_postgres_database, redis_url
from tests.web.pagekit import CHROMIUM_ARGS

sync_api = pytest.importorskip("playwright.sync_api")

CADDY = shutil.which("caddy") or "/usr/bin/caddy"
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"


@dataclass
class Worker:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Topology:
    public: str  # https://127.0.0.1:PORT, through Caddy
    root_ca: Path
    workers: list[Worker]
    env: dict[str, str]
    prefix: str  # 127.X.Y.: this run's client addresses (rate-limit counters in Redis outlive a run)
    caddy_log: Path | None = None

    def addr(self, n: int) -> str:
        return f"{self.prefix}{n}"

    def client(self, address: str, token: str | None = None) -> httpx.Client:
        """A client on its own loopback address, trusting only Caddy's internal CA."""
        transport = httpx.HTTPTransport(local_address=address, verify=ssl.create_default_context(cafile=self.root_ca))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.public, transport=transport, headers=headers, timeout=60)

    def diagnosis(self) -> str:
        """What Caddy saw of its upstreams and what each worker logged last, for a failure message."""
        caddy = self.caddy_log.read_text(errors="replace").splitlines() if self.caddy_log else []
        notes = [line[:300] for line in caddy if '"logger":"http.log.access' not in line][-15:]
        parts = ["caddy:", *notes]
        for i, worker in enumerate(self.workers):
            parts += [f"worker {i} ({worker.url}, exit {worker.process.poll()}):", *worker.log().splitlines()[-15:]]
        return "\n".join(parts)

    def direct(self, worker: Worker, address: str) -> httpx.Client:
        return httpx.Client(base_url=worker.url, transport=httpx.HTTPTransport(local_address=address), timeout=60)


def _wait(what: str, check: object, log: Path, deadline: float = 90) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if check():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError, ssl.SSLError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up:\n{log.read_text(errors='replace')[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not os.path.exists(CADDY):
        if IN_CI:
            pytest.fail("Caddy must be installed in CI (apt-get install caddy)")
        pytest.skip("Caddy is not installed (apt-get install caddy): the proxy topology needs it")
    tmp = tmp_path_factory.mktemp("topology")
    database = fresh_postgres_database()
    redis = redis_url()
    https_port, http_port = free_port(), free_port()
    public = f"https://127.0.0.1:{https_port}"
    base_env = {
        **os.environ,
        "PATH": f"{REPO / '.venv' / 'bin'}:{Path(os.sys.executable).parent}:{os.environ.get('PATH', '')}",
        "UNCONF_DATABASE_URL": database,
        "UNCONF_REDIS_URL": redis,
        "UNCONF_HOST": "127.0.0.1",
        "UNCONF_BASE_URL": public,
        "UNCONF_WORKERS": "1",
        "UNCONF_TRUSTED_PROXIES": "127.0.0.1",
        "UNCONF_RATE_LIMIT_SCALE": "1",  # the real limits: 30 new events a minute per client address
        "UNCONF_ADMIN_TOKEN": f"topology-operator-{uuid.uuid4().hex}",
    }
    workers: list[Worker] = []
    started: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(2):  # one after the other: the second's migrate finds nothing to do
            port = free_port()
            log_path = tmp / f"worker-{i}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    ["sh", str(ENTRYPOINT)],
                    cwd=tmp,
                    env={**base_env, "UNCONF_PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            worker = Worker(f"http://127.0.0.1:{port}", process, log_path)
            _wait(f"worker {i}", lambda w=worker: httpx.get(f"{w.url}/readyz", timeout=2).status_code == 200, log_path)
            workers.append(worker)
        caddy_log = tmp / "caddy.log"
        caddy_env = {
            **os.environ,
            "XDG_DATA_HOME": str(tmp / "caddy-data"),
            "XDG_CONFIG_HOME": str(tmp / "caddy-config"),
            "UNCONF_SITE": "127.0.0.1",
            "UNCONF_BIND": "127.0.0.1",
            "UNCONF_TLS": "internal",
            "UNCONF_HTTPS_PORT": str(https_port),
            "UNCONF_HTTP_PORT": str(http_port),
            "UNCONF_UPSTREAMS": " ".join(w.url.removeprefix("http://") for w in workers),
        }
        with caddy_log.open("wb") as log:
            caddy = subprocess.Popen(
                [CADDY, "run", "--config", str(REPO / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
                cwd=tmp,
                env=caddy_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(caddy)
        root_ca = tmp / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        _wait("Caddy's internal CA", root_ca.exists, caddy_log)
        prefix = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}."
        topo = Topology(public, root_ca, workers, base_env, prefix, caddy_log)

        def through_proxy() -> bool:
            with topo.client(topo.addr(2)) as c:
                return c.get("/readyz").status_code == 200

        _wait("Caddy in front of the workers", through_proxy, caddy_log)
        yield topo
    finally:
        for process in reversed(started):
            _stop(process)


def make_event(topo: Topology) -> dict[str, object]:
    with topo.client(topo.addr(2)) as c:
        r = c.post(
            "/api/v1/events",
            json={
                "title": "Proxy camp",
                "start_date": "2026-11-21",
                "organizer_name": "O",
                "slug": f"p-{uuid.uuid4().hex[:8]}",
            },
        )
    assert r.status_code == 201, r.text
    return r.json()


def test_pages_and_the_api_over_https(topology: Topology) -> None:
    created = make_event(topology)
    slug = created["event"]["slug"]  # type: ignore[index]
    with topology.client(topology.addr(2)) as c:
        page = c.get(f"/e/{slug}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert page.http_version in ("HTTP/1.1", "HTTP/2")
        assert c.get("/static/app.css").status_code == 200
        r = c.get(f"/api/v1/events/{slug}")
        assert r.status_code == 200 and r.json()["slug"] == slug
        assert r.headers["x-request-id"], "the request id Caddy sent travels back"
    with pytest.raises(httpx.ConnectError):  # only Caddy's CA, never a plain certificate check skipped
        httpx.get(f"{topology.public}/healthz", verify=True, timeout=5)


def test_a_vote_on_one_worker_reaches_a_board_on_the_other_through_the_proxy(topology: Topology) -> None:
    created = make_event(topology)
    slug = created["event"]["slug"]  # type: ignore[index]
    key = created["organizer_key"]  # type: ignore[index]
    with topology.client(topology.addr(2), key) as organizer:
        organizer.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"}).raise_for_status()
        join_code = organizer.get(f"/api/v1/events/{slug}").json()["join_code"]
        joined = organizer.post(f"/api/v1/events/{slug}/join", json={"display_name": "V", "join_code": join_code})
        token = joined.json()["token"]
    with topology.client(topology.addr(3), token) as voter:
        proposals = []
        with topology.client(topology.addr(2), key) as organizer:
            for i in range(4):  # two each
                who = voter if i % 2 else organizer
                r = who.post(f"/api/v1/events/{slug}/proposals", json={"title": f"Topic {i}"})
                assert r.status_code == 201, r.text
                proposals.append(r.json()["id"])
            organizer.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"}).raise_for_status()
        ssl_context = ssl.create_default_context(cafile=topology.root_ca)
        wss = topology.public.replace("https://", "wss://") + f"/api/v1/events/{slug}/live"
        with connect(wss, ssl=ssl_context) as board:
            assert json.loads(board.recv(timeout=30))["type"] == "hello"
            for proposal in proposals:  # Caddy takes turns: the votes land on both workers
                r = voter.post(f"/api/v1/events/{slug}/votes", json={"proposal_id": proposal, "dots": 1})
                assert r.status_code == 201, r.text
            voted: set[int] = set()
            while voted != set(proposals):
                message = json.loads(board.recv(timeout=30))
                if message["type"] == "vote.cast":
                    voted.add(message["data"]["proposal_id"])
    board_on = [w for w in topology.workers if f'"WebSocket /api/v1/events/{slug}/live" [accepted]' in w.log()]
    assert len(board_on) == 1, "the board's socket lives on one worker"
    other = next(w for w in topology.workers if w is not board_on[0])
    assert f"POST /api/v1/events/{slug}/votes" in other.log(), "a vote was taken by the other worker"
    assert topology.addr(3) in other.log(), "the worker saw the voter's own address, not the proxy's"


def test_rate_limits_count_real_clients_and_believe_forwarded_headers_only_from_the_proxy(topology: Topology) -> None:
    def create(client: httpx.Client, forwarded: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        body = {"title": "Limit", "start_date": "2026-11-21", "organizer_name": "O"}
        return client.post("/api/v1/events", json=body, headers=headers).status_code

    # Behind the proxy, one client rotating made-up X-Forwarded-For values is still one client.
    with topology.client(topology.addr(4)) as rotating:
        answers = [create(rotating, f"198.51.100.{i}") for i in range(32)]
    assert 429 in answers, answers
    # Another real client behind the same proxy has its own allowance.
    with topology.client(topology.addr(5)) as neighbour:
        assert create(neighbour) == 201
    # Straight to a worker, X-Forwarded-For from a client that is not the proxy changes nothing.
    with topology.direct(topology.workers[0], topology.addr(6)) as sneaky:
        answers = [create(sneaky, f"203.0.113.{i}") for i in range(32)]
    assert 429 in answers, answers


def _wait_for(condition: object, what: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium for this test alone, closed when it ends: the session's browser (tests/web) starts later,
    and a Playwright left running would hold an event loop that in-process tests after this one need."""
    path = chromium_path()
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_a_rolling_restart_moves_the_board_to_the_other_worker_without_a_reload(
    topology: Topology, browser: Any
) -> None:
    """Last in this module: it stops a worker. SIGTERM closes the board's socket with "service restart";
    live.js reconnects through Caddy to the worker still up, and the next vote shows without a reload."""
    with topology.client(topology.addr(7)) as anon:
        r = anon.post("/api/v1/events", json={"title": "Rolling", "start_date": "2026-11-21", "organizer_name": "O"})
    assert r.status_code == 201, r.text
    slug, key = r.json()["event"]["slug"], r.json()["organizer_key"]
    with topology.client(topology.addr(7), key) as organizer:
        organizer.post(f"/api/v1/events/{slug}/phase", json={"phase": "proposals"}).raise_for_status()
        proposal = organizer.post(f"/api/v1/events/{slug}/proposals", json={"title": "Rolling topic"}).json()["id"]
        join_code = organizer.get(f"/api/v1/events/{slug}").json()["join_code"]
        token = organizer.post(
            f"/api/v1/events/{slug}/join", json={"display_name": "V", "join_code": join_code}
        ).json()["token"]
        organizer.post(f"/api/v1/events/{slug}/phase", json={"phase": "voting"}).raise_for_status()

    accepted = f'"WebSocket /api/v1/events/{slug}/live" [accepted]'
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        page.goto(f"{topology.public}/e/{slug}/board")
        _wait_for(lambda: any(accepted in w.log() for w in topology.workers), "the board's live socket")
        board_on = next(w for w in topology.workers if accepted in w.log())
        other = next(w for w in topology.workers if w is not board_on)
        page.evaluate("window.__sameDocument = true")

        board_on.process.send_signal(signal.SIGTERM)
        board_on.process.wait(timeout=30)
        assert "closed 1 live connections (service restart)" in board_on.log()
        _wait_for(lambda: accepted in other.log(), "the board reconnected to the other worker")

        with topology.client(topology.addr(8), token) as voter:
            # Caddy may still hold a kept-alive connection to the stopped worker (502, nothing was
            # written), or count no healthy upstream until its next check of the worker still up (503).
            # Clients retry; the point here is the board. A deadline, not a count: a 503 can take
            # Caddy's whole lb_try_duration.
            end = time.monotonic() + 90
            while True:
                r = voter.post(f"/api/v1/events/{slug}/votes", json={"proposal_id": proposal, "dots": 1})
                if r.status_code not in (502, 503) or time.monotonic() > end:
                    break
                time.sleep(0.5)
            assert r.status_code == 201, f"{r.status_code} {r.text}\n{topology.diagnosis()}"
        sync_api.expect(page.locator(f'[data-count-for="{proposal}"]')).to_have_text("1")
        assert page.evaluate("window.__sameDocument") is True, "no reload"
    finally:
        context.close()
