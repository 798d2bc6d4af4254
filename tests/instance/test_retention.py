"""Retention: old delivered outbox rows, old presence rows and long-closed events go; one pruner at a time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.helpers import REPO, TEST_STACK, run_cli

SAMPLE = REPO / "examples" / "edcamp-riverside.json"


@pytest.mark.skipif(TEST_STACK == "postgres", reason="ages rows by editing the SQLite file; the rules are plain SQL")
def test_prune_takes_what_is_old_keeps_what_is_not_and_waits_for_the_lease_holder(tmp_path: Path) -> None:
    db = tmp_path / "retention.sqlite"
    env = {
        "UNCONF_DATABASE_URL": f"sqlite:///{db}",
        "UNCONF_RETENTION_OUTBOX_DAYS": "30",
        "UNCONF_RETENTION_PRESENCE_DAYS": "90",
        "UNCONF_RETENTION_CLOSED_EVENT_MONTHS": "6",
    }
    for slug, day in (("long-ago", "2020-03-14"), ("this-year", None)):
        args = ["import", str(SAMPLE), "--slug", slug] + (["--shift-to", day] if day else ["--shift-to", "2026-11-28"])
        done = run_cli(*args, env=env)
        assert done.returncode == 0, done.stderr.decode()
    with sqlite3.connect(db) as conn:
        ids = dict(conn.execute("SELECT slug, id FROM event").fetchall())
        now_event = ids["this-year"]
        conn.execute("UPDATE event SET updated_at = '2020-03-20 10:00:00+00:00' WHERE slug = 'long-ago'")
        for status, finished in (
            ("delivered", "2026-01-01 00:00:00+00:00"),
            ("delivered", None),
            ("failed", "2026-01-01 00:00:00+00:00"),
        ):
            conn.execute(
                "INSERT INTO outbox (event, channel, kind, recipient, subject, payload, status, attempts, max_attempts,"
                " next_attempt_at, last_error, created_at, finished_at) VALUES (?, 'webhook', 'test', '', '', '{}', ?,"
                " 1, 10, '2026-01-01 00:00:00+00:00', '', '2026-01-01 00:00:00+00:00', ?)",
                (now_event, status, finished or "2099-01-01 00:00:00+00:00"),
            )
        conn.execute(
            "INSERT INTO room_visit (event, how, started_at) VALUES (?, 'checkin', '2020-03-14 09:00:00+00:00')",
            (ids["long-ago"],),
        )
        conn.execute(
            "INSERT INTO room_visit (event, how, started_at) VALUES (?, 'checkin', '2026-11-28 09:00:00+00:00')",
            (now_event,),
        )
        # Another worker holds the lease: the command waits its turn and changes nothing.
        conn.execute(
            "INSERT INTO lease (name, holder, until) VALUES ('retention', 'worker-b', '2999-01-01 00:00:00+00:00')"
        )
    held = run_cli("admin", "prune", env=env)
    assert held.returncode == 3 and b"holds the lease" in held.stderr, held.stderr.decode()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 3
        conn.execute("UPDATE lease SET until = '2020-01-01 00:00:00+00:00'")  # worker-b's lease ran out

    done = run_cli("admin", "prune", env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert b"pruned 1 outbox rows" in done.stderr and b"long-ago" in done.stderr
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT slug FROM event")] == ["this-year"]
        statuses = sorted(r[0] for r in conn.execute("SELECT status FROM outbox"))
        assert statuses == ["delivered", "failed"], "recent deliveries and failures stay for the operator"
        assert conn.execute("SELECT count(*) FROM room_visit WHERE event = ?", (now_event,)).fetchone()[0] >= 1
        assert conn.execute("SELECT count(*) FROM participant WHERE event = ?", (ids["long-ago"],)).fetchone()[0] == 0
