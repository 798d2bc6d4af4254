"""Rate limits, security headers, and no vote lost to a crash."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from tests.helpers import Server, make_event, start_server


def test_rate_limits_answer_429_with_retry_after(tmp_path: Path) -> None:
    # A twenty-fifth of the real limits: 1 new event and 24 joins per address a minute.
    srv = start_server(f"sqlite:///{tmp_path / 'rl.sqlite'}", tmp_path, {"UNCONF_RATE_LIMIT_SCALE": "0.04"})
    try:
        ev = make_event(srv)
        with srv.client() as anon:
            second = anon.post(
                "/api/v1/events", json={"title": "Again", "start_date": "2026-11-21", "organizer_name": "O"}
            )
            assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        ev.phase("proposals")
        statuses = []
        with srv.client() as anon:
            for i in range(26):
                r = anon.post(ev.url("/join"), json={"display_name": f"N{i}", "join_code": ev.join_code})
                statuses.append(r.status_code)
                if r.status_code == 429:
                    assert int(r.headers["retry-after"]) >= 1
                    assert r.json()["error"] == "rate_limited"
        assert statuses[:24] == [201] * 24 and statuses[24:] == [429, 429]
    finally:
        srv.stop()


def test_security_headers(server: Server) -> None:
    with server.client() as anon:
        api = anon.get("/api/v1/events/none")
        assert api.headers["x-content-type-options"] == "nosniff"
        assert api.headers["x-frame-options"] == "DENY"
        docs = anon.get("/schema/swagger")
        assert "content-security-policy" not in docs.headers


def test_no_acknowledged_vote_is_lost_to_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    srv = start_server(url, tmp_path)
    ev = make_event(srv, settings={"dots_per_participant": 100, "allow_stacking": True})
    ev.phase("proposals")
    author, _ = ev.join("Author")
    ids = [author.post(ev.url("/proposals"), json={"title": f"T{i}"}).json()["id"] for i in range(5)]
    ev.phase("voting")
    voters = [ev.join(f"V{i}") for i in range(8)]
    acked: dict[int, dict[int, int]] = {me["id"]: {} for _, me in voters}
    in_flight: dict[int, tuple[int, int] | None] = {}
    enough = threading.Event()

    def vote_in_turn(index: int) -> None:
        """One person votes one request at a time, so the last 201 is their last write but one."""
        client, me = voters[index]
        for n in range(200):
            pid, dots = ids[n % len(ids)], 1 + (n + index) % 3
            in_flight[me["id"]] = (pid, dots)
            try:
                r = client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": dots})
            except Exception:
                return  # the server died under this request: it stays in flight
            if r.status_code != 201:
                return
            acked[me["id"]][pid] = dots
            in_flight[me["id"]] = None
            if sum(len(v) for v in acked.values()) >= 20:
                enough.set()

    threads = [threading.Thread(target=vote_in_turn, args=(i,)) for i in range(len(voters))]
    for t in threads:
        t.start()
    enough.wait(timeout=120)
    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    for t in threads:
        t.join()
    assert enough.is_set(), "votes were acknowledged before the crash"
    again = start_server(url, tmp_path)
    try:
        for client, me in voters:
            with again.client(client.headers["authorization"].split(" ", 1)[1]) as same:
                stored = {v["proposal_id"]: v["dots"] for v in same.get(ev.url("/votes/me")).json()["votes"]}
            for pid, dots in acked[me["id"]].items():
                landed_later = in_flight.get(me["id"]) == (pid, stored.get(pid))
                assert stored.get(pid) == dots or landed_later, f"acknowledged vote {pid}={dots} of {me['id']} lost"
    finally:
        again.stop()


def test_a_failed_publish_leaves_the_published_agenda_intact(tmp_path: Path) -> None:
    import sqlite3

    from tests.helpers import FUTURE_DAY, setup_rooms_and_slots

    db = tmp_path / "publish.sqlite"
    srv = start_server(f"sqlite:///{db}", tmp_path)
    try:
        ev = make_event(srv, start_date=FUTURE_DAY)
        setup_rooms_and_slots(ev, [30, 20], breakouts=2, day=FUTURE_DAY)
        ev.phase("proposals")
        client, _ = ev.join("P")
        ids = [client.post(ev.url("/proposals"), json={"title": f"T{i}"}).json()["id"] for i in range(3)]
        ev.phase("voting")
        ev.organizer.post(ev.url("/agenda/build"), json={})
        first = ev.organizer.post(ev.url("/agenda/publish")).json()
        late = client.post(ev.url("/proposals"), json={"title": "Late"})
        assert late.status_code == 409  # proposals are closed; the organizer adds one instead
        extra = ev.organizer.post(ev.url("/proposals"), json={"title": "Added by the organizer"}).json()
        assert ev.organizer.post(ev.url("/agenda/build"), json={}).status_code == 201
        # The disk refuses part-way through publishing: the version row is already updated when
        # marking proposals as scheduled fails.
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TRIGGER refuse_publish BEFORE UPDATE OF status ON proposal "
                "WHEN NEW.status = 'scheduled' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        failed = ev.organizer.post(ev.url("/agenda/publish"))
        assert failed.status_code == 500 and failed.json()["error"] == "internal_error"
        with srv.client() as anon:
            current = anon.get(ev.url("/agenda")).json()
            assert current["version"] == 1 and current["sessions"] == first["sessions"]
            assert [v["version"] for v in anon.get(ev.url("/agenda/versions")).json()] == [1]
            statuses = {p["id"]: p["status"] for p in anon.get(ev.url("/proposals")).json()}
        # Exactly what version 1 placed is scheduled (one facilitator fits once per slot), nothing more.
        placed = {s["proposal_id"] for s in first["sessions"]}
        assert {i for i in ids if statuses[i] == "scheduled"} == placed and statuses[extra["id"]] == "proposed"
        assert ev.organizer.get(ev.url("/agenda/draft")).status_code == 200, "the draft is still there to retry"
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER refuse_publish")
        assert ev.organizer.post(ev.url("/agenda/publish")).json()["version"] == 2
    finally:
        srv.stop()
