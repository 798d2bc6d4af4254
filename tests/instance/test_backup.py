"""Backups: taken during a vote storm, restored into a fresh database, every acknowledged vote is there."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import (
    TEST_STACK,
    Server,
    fresh_postgres_database,
    make_event,
    run_cli,
    stack_env,
    start_server,
)


def fresh_database(tmp_path: Path) -> str:
    return fresh_postgres_database() if TEST_STACK == "postgres" else f"sqlite:///{tmp_path / 'restored.sqlite'}"


def test_a_backup_during_a_vote_storm_restores_every_acknowledged_vote(server: Server, tmp_path: Path) -> None:
    ev = make_event(server, settings={"dots_per_participant": 12})
    ev.phase("proposals")
    voters = [ev.join(f"Voter {i}") for i in range(10)]
    proposals = []
    for i in range(12):
        r = voters[i % len(voters)][0].post(ev.url("/proposals"), json={"title": f"Storm topic {i}"})
        assert r.status_code == 201, r.text
        proposals.append(r.json()["id"])
    ev.phase("voting")

    acknowledged: list[tuple[str, int]] = []  # (voter token, proposal) answered 201
    lock = threading.Lock()
    started = threading.Event()

    def storm(client: httpx.Client) -> None:
        token = client.headers["authorization"].removeprefix("Bearer ")
        for proposal in proposals:
            r = client.post(ev.url("/votes"), json={"proposal_id": proposal, "dots": 1})
            assert r.status_code == 201, r.text
            with lock:
                acknowledged.append((token, proposal))
                if len(acknowledged) >= 15:
                    started.set()

    threads = [threading.Thread(target=storm, args=(client,)) for client, _ in voters]
    for t in threads:
        t.start()
    assert started.wait(timeout=120), "the storm is under way"
    with lock:
        before_backup = list(acknowledged)
    backup = tmp_path / "during-the-storm.backup"
    env = {"UNCONF_DATABASE_URL": server.database_url}
    made = run_cli("backup", str(backup), env=env)
    for t in threads:
        t.join(timeout=120)
    assert made.returncode == 0, made.stderr.decode()
    assert len(acknowledged) == len(voters) * len(proposals), "the storm went on while the backup ran"

    # Restore into a fresh database, serve it, and ask each voter for their dots there.
    target = fresh_database(tmp_path)
    restored = run_cli("restore", str(backup), "--database", target)
    assert restored.returncode == 0, restored.stderr.decode()
    again = run_cli("restore", str(backup), "--database", target)
    assert again.returncode == 2 and b"already holds events" in again.stderr, "a restore never overwrites by accident"
    srv = start_server(target, tmp_path, stack_env())
    try:
        found: dict[str, set[int]] = {}
        for client, _ in voters:
            token = client.headers["authorization"].removeprefix("Bearer ")
            with srv.client(token) as there:
                mine: dict[str, Any] = there.get(ev.url("/votes/me")).json()
            found[token] = {vote["proposal_id"] for vote in mine["votes"] if vote["dots"] > 0}
            assert mine["dots_left"] == 12 - len(found[token]), "the dots add up in the restored database"
        missing = [(token[:6], proposal) for token, proposal in before_backup if proposal not in found[token]]
        assert missing == [], f"acknowledged before the backup but not restored: {missing}"
        with srv.client(ev.organizer_key) as organizer:
            assert organizer.get(ev.url()).json()["slug"] == ev.slug, "the organizer's key works in the copy"
    finally:
        srv.stop()
        for client, _ in voters:
            client.close()
        ev.organizer.close()


def test_restore_refuses_the_wrong_kind_of_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    done = run_cli("restore", str(junk), "--database", fresh_database(tmp_path))
    assert done.returncode == 2 and b"is not a" in done.stderr
    missing = run_cli("restore", str(tmp_path / "nope"), "--database", fresh_database(tmp_path))
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
