"""Several workers on PostgreSQL and Redis: a vote cast on one reaches live pages on another."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.helpers import Server, fresh_postgres_database, make_event, redis_url, start_server


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    tmp = tmp_path_factory.mktemp("scaleout")
    database, redis = fresh_postgres_database(), redis_url()
    first = start_server(database, tmp, {"UNCONF_REDIS_URL": redis})
    second = start_server(database, tmp, {"UNCONF_REDIS_URL": redis})
    yield first, second
    for srv in (first, second):
        srv.stop()
        assert "Traceback" not in srv.log(), srv.log()[-4000:]


def receive_until(ws, kind: str) -> dict:
    """Next message of a type; recv's timeout only bounds a broken run."""
    while True:
        message = json.loads(ws.recv(timeout=30))
        if message["type"] == kind:
            return message


def test_vote_on_one_worker_reaches_a_board_on_the_other(two_workers: tuple[Server, Server]) -> None:
    first, second = two_workers
    ev = make_event(first)
    ev.phase("proposals")
    client, _ = ev.join("Cross")
    proposal = client.post(ev.url("/proposals"), json={"title": "Across workers"}).json()
    ev.phase("voting")
    ws_url = second.base_url.replace("http://", "ws://") + ev.url("/live")
    with connect(ws_url) as ws:
        assert receive_until(ws, "hello")["data"]["phase"] == "voting"
        with second.client(client.headers["authorization"].split(" ", 1)[1]) as same_person_elsewhere:
            assert same_person_elsewhere.get(ev.url("/me")).status_code == 200
        assert client.post(ev.url("/votes"), json={"proposal_id": proposal["id"]}).status_code == 201
        message = receive_until(ws, "vote.cast")
    assert message["data"] == {"proposal_id": proposal["id"], "votes": 1, "voters": 1}
    assert message["event"] == ev.slug


def test_cached_reads_follow_changes_made_on_another_worker(two_workers: tuple[Server, Server]) -> None:
    first, second = two_workers
    ev = make_event(first)
    ev.phase("proposals")
    client, _ = ev.join("Reader")
    proposal = client.post(ev.url("/proposals"), json={"title": "Cached"}).json()
    ev.phase("voting")
    with second.client() as board:
        assert board.get(ev.url("/proposals")).json()[0]["votes"] == 0  # now cached on the second worker
        assert client.post(ev.url("/votes"), json={"proposal_id": proposal["id"]}).status_code == 201

        def tally() -> int:
            return int(board.get(ev.url("/proposals")).json()[0]["votes"])

        deadline = time.monotonic() + 30
        while tally() != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tally() == 1, "the second worker kept serving a stale tally"


def test_live_socket_for_unknown_event_closes_cleanly(two_workers: tuple[Server, Server], tmp_path: Path) -> None:
    first, _ = two_workers
    with connect(first.base_url.replace("http://", "ws://") + "/api/v1/events/no-such-event/live") as ws:
        message = json.loads(ws.recv(timeout=30))
        assert message["type"] == "error" and message["data"]["error"] == "not_found"
