"""Running it for real: readiness, metrics across workers, request ids, graceful shutdown."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers import (
    REPO,
    TEST_STACK,
    Server,
    free_port,
    make_event,
    stack_database_url,
    stack_env,
    start_server,
)

sys.path.insert(0, str(REPO / "tests" / "rooms"))
from rooms_support import published


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, parsed by prometheus-client's own parser: (name, labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(parsed: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, found), value in parsed.items()
        if sample == name and all(dict(found).get(k) == v for k, v in labels.items())
    )


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with server.client(server.env["UNCONF_ADMIN_TOKEN"]) as operator:
        r = operator.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


def test_readyz_names_what_is_missing(tmp_path: Path) -> None:
    if TEST_STACK == "postgres":
        pytest.skip("this case edits the SQLite file's migration table; the postgres stack runs the rest")
    srv = start_server(stack_database_url(tmp_path), tmp_path, stack_env())
    try:
        with srv.client() as anon:
            r = anon.get("/readyz")
            assert r.status_code == 200 and r.json() == {"status": "ready", "checks": {"database": "ok"}}
            assert r.headers["cache-control"] == "no-store"
            assert anon.get("/healthz").text == "ok\n"
            db = srv.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(db) as conn:
                conn.execute("DELETE FROM migration WHERE app_name = 'instance'")
            r = anon.get("/readyz")
            assert r.status_code == 503 and r.json()["status"] == "not_ready", r.text
            assert "1 migrations not applied" in r.json()["checks"]["database"]
            assert anon.get("/healthz").status_code == 200, "alive, just not ready"
    finally:
        srv.stop()


def test_readyz_checks_redis_on_the_postgres_stack(server: Server) -> None:
    with server.client() as anon:
        checks = anon.get("/readyz").json()["checks"]
    expected = {"database": "ok", "redis": "ok"} if server.env.get("UNCONF_REDIS_URL") else {"database": "ok"}
    assert checks == expected


def test_metrics_are_closed_by_default_and_count_what_happened(server: Server) -> None:
    ev = make_event(server)
    try:
        with server.client() as anon:
            r = anon.get("/metrics")
            assert r.status_code == 401 and r.json()["field"] == "authorization"
        r = ev.organizer.get("/metrics")
        assert r.status_code == 403 and r.json()["error"] == "operator_only"
        before = scrape(server)
        sc = published(server, sessions=2)  # joins, votes, an optimizer run
        with connect(server.base_url.replace("http://", "ws://") + sc.ev.url("/live")) as ws:
            json.loads(ws.recv())
            during = scrape(server)
        after = scrape(server)
        people = len(sc.people)
        assert total(after, "unconf_joins_total") - total(before, "unconf_joins_total") >= people
        assert total(after, "unconf_votes_total") - total(before, "unconf_votes_total") >= people * 2
        assert total(after, "unconf_optimizer_runs_total", outcome="done") > total(
            before, "unconf_optimizer_runs_total", outcome="done"
        )
        assert total(after, "unconf_optimizer_duration_seconds_count") >= 1
        assert total(during, "unconf_live_clients") >= 1
        votes_route = total(after, "unconf_http_requests_total", route="/api/v1/events/{slug}/votes", status="201")
        assert votes_route >= people * 2
        assert total(after, "unconf_http_request_duration_seconds_count", route="/api/v1/events/{slug}/votes")
        for name in (
            "unconf_outbox_pending",
            "unconf_outbox_retrying",
            "unconf_outbox_retries",
            "unconf_outbox_failed",
        ):
            assert (name, ()) in after, name
        labels = {value for (_, found) in after for _, value in found}
        assert not any(sc.ev.slug in value for value in labels), "no slug (or anything a user sent) in a label"
        sc.ev.organizer.close()
    finally:
        ev.organizer.close()


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    """``unconf serve --workers 2`` on the test stack, with an allow-listed metrics reader and tight limits."""
    port = free_port()
    env = {
        **os.environ,
        **stack_env(),
        "UNCONF_DATABASE_URL": stack_database_url(tmp_path),
        "UNCONF_PORT": str(port),
        "UNCONF_BASE_URL": f"http://127.0.0.1:{port}",
        "UNCONF_ADMIN_TOKEN": f"test-operator-{uuid.uuid4().hex}",
        "UNCONF_METRICS_ALLOW": "127.0.0.1",
        "UNCONF_RATE_LIMIT_SCALE": "0.1",  # three events a minute from one address
    }
    log_path = tmp_path / "two-workers.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "unconf.cli", "serve", "--workers", "2"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", env["UNCONF_DATABASE_URL"], process, log_path, env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.stop()
        raise RuntimeError(f"two workers did not start:\n{log_path.read_text()}")
    yield server
    server.stop()


def test_metrics_sum_every_worker_and_an_allowed_address_reads_them(two_workers: Server) -> None:
    with httpx.Client(base_url=two_workers.base_url, timeout=30) as anon:
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            assert httpx.get(f"{two_workers.base_url}/healthz").status_code == 200
        pids = set()
        for _ in range(6):
            r = anon.get("/metrics")  # allow-listed address: no token needed
            assert r.status_code == 200, r.text
            pids.add(r.headers.get("x-request-id"))
            assert total(samples(r.text), "unconf_http_requests_total", route="/healthz", status="200") == 40
        refused = 0
        for i in range(6):
            r = anon.post("/api/v1/events", json={"title": f"E{i}", "start_date": "2026-11-21", "organizer_name": "O"})
            refused += r.status_code == 429
        assert refused >= 1
        parsed = samples(anon.get("/metrics").text)
        assert total(parsed, "unconf_rate_limit_refusals_total", bucket="create_event") == refused


def test_every_answer_carries_a_request_id(server: Server) -> None:
    with server.client() as anon:
        made = anon.get("/api/v1/events/no-such-event")
        assert len(made.headers["x-request-id"]) == 32
        assert anon.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]
        given = anon.get("/healthz", headers={"X-Request-ID": "proxy-1234-abcd"})
        assert given.headers["x-request-id"] == "proxy-1234-abcd"
        odd = anon.get("/healthz", headers={"X-Request-ID": "bad id\twith <html>"})
        assert odd.headers["x-request-id"] != "bad id\twith <html>" and len(odd.headers["x-request-id"]) == 32


def test_sigterm_finishes_requests_closes_live_sockets_with_service_restart(tmp_path: Path) -> None:
    """A rolling restart: the optimizer run in flight answers, the board hears "service restart", the process ends."""
    srv = start_server(stack_database_url(tmp_path), tmp_path, stack_env())
    sc = published(srv, sessions=4)
    answers: list[httpx.Response] = []
    try:
        with connect(srv.base_url.replace("http://", "ws://") + sc.ev.url("/live")) as ws:
            assert json.loads(ws.recv())["type"] == "hello"
            build = threading.Thread(
                target=lambda: answers.append(
                    sc.ev.organizer.post(sc.ev.url("/agenda/build"), json={"time_limit": 3.0, "seed": 2})
                )
            )
            build.start()
            while json.loads(ws.recv(timeout=30))["type"] != "agenda.progress":
                continue  # the build is running on the server now
            srv.process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1012, "service restart")
            build.join(timeout=30)
        assert [r.status_code for r in answers] == [201], "the request in flight was answered"
        # uvicorn ends by re-raising the signal it handled, after the graceful shutdown.
        assert srv.process.wait(timeout=10) in (0, -signal.SIGTERM)
    finally:
        sc.ev.organizer.close()
        srv.stop()
    assert "Traceback" not in srv.log()
    assert "closed 1 live connections (service restart)" in srv.log()
