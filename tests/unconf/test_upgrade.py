"""An installation of release 0.1.0 upgrades without losing a byte, on SQLite and on PostgreSQL.

The fixtures (tests/fixtures/legacy/) were made by release 0.1.0's own migrations and HTTP API
(``make_legacy_fixture.py``): every table holds rows. Here today's ``unconf migrate`` runs on a
copy; then every row of every table must be exactly as it was, the schema must equal a fresh
installation's, a second run must change nothing, and the served API must read every event back.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import IN_CI, Server, fresh_postgres_database, run_cli, start_server

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"

# What Piccolo's bookkeeping must say after the upgrade: (app, migration id) for every migration.
EXPECTED_MIGRATIONS = {
    ("events", "2026-11-21T14:04:59:684050"),
    ("agenda", "2026-11-21T14:05:01:323801"),
    ("sessions", "2026-11-21T14:05:02:846323"),
    ("voting", "2026-11-21T14:05:04:621813"),
    ("agenda", "2026-11-21T14:05:06:164346"),
    ("sessions", "2026-11-21T14:06:00:000000"),
    ("voting", "2026-11-21T14:06:01:000000"),
    ("agenda", "2026-11-21T14:06:02:000000"),
    ("agenda", "2026-11-21T14:16:30:792564"),
    ("rooms", "2026-11-21T14:21:16:953152"),
    ("rooms", "2026-11-21T14:21:17:000000"),
    ("sessions", "2026-11-21T14:21:17:673649"),
    ("sessions", "2026-11-21T14:21:18:000000"),
    ("exports", "2026-11-21T14:22:30:950109"),
    ("sessions", "2026-11-21T14:22:30:950110"),
    ("sessions", "2026-11-21T14:22:31:000000"),
    ("people", "2026-11-21T14:22:47:824588"),
    ("notify", "2026-11-21T14:22:49:127536"),
    ("people", "2026-11-21T14:23:00:000000"),
    ("notify", "2026-11-21T14:23:00:000000"),
    ("sessions", "2026-12-01T04:26:25:496258"),
    ("sessions", "2026-12-01T04:26:26:000000"),
    ("events", "2026-12-01T06:05:00:000000"),
    ("agenda", "2026-12-01T06:15:00:000000"),
    ("community", "2026-12-01T06:01:56:560152"),
    ("community", "2026-12-01T06:02:00:000000"),
    ("conversation", "2026-12-01T06:02:20:860843"),
    ("agenda", "2026-12-01T06:20:00:000000"),
    ("events", "2026-12-01T06:25:00:000000"),
    ("agenda", "2026-12-01T06:25:01:000000"),
    ("sessions", "2026-12-01T06:32:54:111140"),
    ("sessions", "2026-12-01T06:32:55:000000"),
    ("events", "2026-12-01T06:00:00:000000"),
    ("instance", "2026-12-01T06:00:01:000000"),
    ("events", "2026-12-02T05:30:00:000000"),
    ("newsletter", "2026-12-02T04:58:05:453846"),
    ("newsletter", "2026-12-02T04:58:06:000000"),
    ("rhythm", "2026-12-02T05:00:21:818144"),
    ("agenda", "2026-12-02T05:00:00:000000"),
    ("agenda", "2026-12-02T05:00:02:000000"),
    ("sessions", "2026-12-02T05:00:01:000000"),
    ("events", "2026-12-02T09:45:00:000000"),
    ("community", "2026-12-02T09:45:00:000000"),
}

# Tables that migrations after release 0.1 create: an upgraded database has them, empty.
NEW_TABLES = {"facilitator_invite", "volunteer", "lease"}
NEW_TABLES |= {"community", "community_event", "member", "attendance", "profile", "block", "greeting"}
NEW_TABLES |= {
    "chat_message",
    "personal_note",
    "conversation_report",
    "conversation_mute",
    "conversation_choice",
    "greeter_message",
}
NEW_TABLES |= {"notification_preference", "newsletter_item", "newsletter_issue", "signing_key", "ladder_mark"}
NEW_TABLES |= {"community_rhythm", "event_rhythm", "carry_offer"}


# Columns that migrations after release 0.1 add at the end of a table, with the value old rows get.
NEW_COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    # the operator's limits and suspension, then "listed": not on the start page unless the organizer says so
    # and the event's language ("en", as every page was before languages came)
    "event": (
        ("max_participants", None),
        ("max_rooms", None),
        ("suspended_at", None),
        ("listed", False),
        ("language", "en"),
    ),
    "room": (("hosts_breakouts", True), ("video_equipped", False)),  # old rooms keep taking breakouts
    "agenda_version": (("bound", None),),
    "participant": (("attendance", "in_room"), ("language", None)),  # a person's language: none chosen yet
    "proposal": (("learning", False), ("repeatable", False)),
    "placement": (("run", 1),),  # old placements are first runs
}


def old_tables(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the tables release 0.1 had, as they were; the tables added since must be there and
    empty, and the columns added since hold their default in every old row."""
    assert {t: rows.get(t) for t in NEW_TABLES} == {t: [] for t in NEW_TABLES}
    out = {t: r for t, r in rows.items() if t not in NEW_TABLES}
    for table, added in NEW_COLUMNS.items():
        defaults = tuple(value for _, value in added)
        assert all(tuple(row[-len(added) :]) == defaults for row in out[table]), f"{table}: {added}"
        out[table] = [tuple(row[: -len(added)]) for row in out[table]]
    return out


def manifest(stack: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"legacy-0.1.0.{stack}.json").read_text())


def migrate(url: str) -> None:
    done = run_cli("migrate", "--database", url)
    assert done.returncode == 0, done.stderr.decode()


# --- reading a database as plain data ------------------------------------------------------------


def sqlite_contents(path: Path) -> tuple[dict[str, list[tuple[Any, ...]]], set[tuple[str, str]]]:
    """Every row of every table (bar Piccolo's bookkeeping), and the (app, id) rows of that bookkeeping."""
    with sqlite3.connect(path) as db:
        tables = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        rows = {t: db.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables if t != "migration"}
        migrations = {(a, n) for a, n in db.execute("SELECT app_name, name FROM migration")}
    return rows, migrations


def sqlite_schema(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as db:
        tables = sorted(
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
        columns = {t: db.execute(f'PRAGMA table_info("{t}")').fetchall() for t in tables}
        foreign = {t: sorted(db.execute(f'PRAGMA foreign_key_list("{t}")').fetchall()) for t in tables}
        indexes = sorted(
            (r[0], r[1]) for r in db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
        )
    return {"columns": columns, "foreign": foreign, "indexes": indexes}


def _pg(url: str, work: Any) -> Any:
    import asyncpg

    async def run() -> Any:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            return await work(conn)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def pg_contents(url: str) -> tuple[dict[str, list[tuple[Any, ...]]], set[tuple[str, str]]]:
    async def work(conn: Any) -> Any:
        tables = [
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        rows = {}
        for t in tables:
            if t != "migration":
                rows[t] = [tuple(r) for r in await conn.fetch(f'SELECT * FROM "{t}" ORDER BY id')]
        migrations = {(r["app_name"], r["name"]) for r in await conn.fetch("SELECT app_name, name FROM migration")}
        return rows, migrations

    return _pg(url, work)  # type: ignore[no-any-return]


def pg_schema(url: str) -> dict[str, Any]:
    async def work(conn: Any) -> Any:
        columns = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length "
                "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name"
            )
        ]
        indexes = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "ORDER BY tablename, indexname"
            )
        ]
        constraints = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
            )
        ]
        return {"columns": columns, "indexes": indexes, "constraints": constraints}

    return _pg(url, work)  # type: ignore[no-any-return]


# --- the API reads every event back --------------------------------------------------------------


def read_every_event_back(server: Server, stack: str) -> None:
    events = {e["slug"]: e for e in manifest(stack)["events"]}
    riverside, hillside = events["legacy-riverside"], events["legacy-hillside"]
    for ev in events.values():
        org = server.client(ev["organizer_key"])
        base = f"/api/v1/events/{ev['slug']}"
        event = org.get(base).json()
        assert event["title"] == ev["title"] and event["join_code"] == ev["join_code"]
        me = org.get(f"{base}/me")
        assert me.status_code == 200 and me.json()["participant"]["role"] == "organizer"
        for name, token in ev["attendee_tokens"].items():
            mine = server.client(token).get(f"{base}/me")
            assert mine.status_code == 200, (name, mine.text)
            assert mine.json()["participant"]["display_name"] == name
        assert org.get(f"{base}/video").status_code == 200
    org = server.client(riverside["organizer_key"])
    base = "/api/v1/events/legacy-riverside"
    assert len(org.get(f"{base}/participants").json()) == 8
    proposals = org.get(f"{base}/proposals").json()
    assert len(proposals) == 6 and sum(p["votes"] for p in proposals) > 0
    assert [p["status"] for p in proposals].count("merged") == 1
    assert len(org.get(f"{base}/rooms").json()) == 3
    assert len(org.get(f"{base}/slots").json()) == 4
    assert [v["version"] for v in org.get(f"{base}/agenda/versions").json()] == [1, 2]
    agenda = org.get(f"{base}/agenda").json()
    assert agenda["version"] == 2 and len(agenda["sessions"]) == 5
    assert all(s["video_link"].endswith("/join") for s in agenda["sessions"])
    assert len(org.get(f"{base}/agenda/versions/1").json()["sessions"]) == 4
    assert [i["source"] for i in org.get(f"{base}/invitations").json()].count("csv") == 3
    assert len(org.get(f"{base}/webhooks").json()) == 3
    assert org.get(f"{base}/occupancy").status_code == 200
    notes = org.get(f"{base}/sessions/{agenda['sessions'][0]['proposal_id']}/notes")
    assert notes.status_code == 200
    ics = server.client().get("/e/legacy-riverside/agenda.ics")
    assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") >= 5
    hill = server.client(hillside["organizer_key"])
    hproposals = hill.get("/api/v1/events/legacy-hillside/proposals").json()
    assert sorted(p["status"] for p in hproposals) == ["proposed", "proposed", "withdrawn"]
    assert hill.get("/api/v1/events/legacy-hillside/autopilot").json()["hold_for_review"] is True


# --- the tests -----------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[list[Server]]:
    servers: list[Server] = []
    yield servers
    for s in servers:
        s.stop()


def test_sqlite_installation_upgrades_without_losing_a_byte(tmp_path: Path, served: list[Server]) -> None:
    db = tmp_path / "legacy.sqlite"
    shutil.copyfile(FIXTURES / "legacy-0.1.0.sqlite", db)
    before, old_migrations = sqlite_contents(db)
    assert ("unconf", "2026-11-21T14:04:59:684050") in old_migrations  # really the old layout
    assert all(before[t] for t in before), [t for t in before if not before[t]]  # every table has rows

    migrate(f"sqlite:///{db}")
    after, migrations = sqlite_contents(db)
    assert old_tables(after) == before
    assert migrations == EXPECTED_MIGRATIONS

    migrate(f"sqlite:///{db}")  # a second run changes nothing
    again, migrations = sqlite_contents(db)
    assert (old_tables(again), migrations) == (before, EXPECTED_MIGRATIONS)

    fresh = tmp_path / "fresh.sqlite"
    migrate(f"sqlite:///{fresh}")
    assert sqlite_schema(db) == sqlite_schema(fresh)
    assert sqlite_contents(fresh)[1] == EXPECTED_MIGRATIONS

    served.append(start_server(f"sqlite:///{db}", tmp_path))
    read_every_event_back(served[0], "sqlite")


@pytest.mark.postgres
def test_postgres_installation_upgrades_without_losing_a_byte(tmp_path: Path, served: list[Server]) -> None:
    if shutil.which("psql") is None:
        if IN_CI:
            pytest.fail("psql is needed to load the PostgreSQL fixture")
        pytest.skip("psql is not installed: it loads the PostgreSQL fixture")
    url = fresh_postgres_database()
    loaded = subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(FIXTURES / "legacy-0.1.0.postgres.sql")],
        capture_output=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr.decode()
    before, old_migrations = pg_contents(url)
    assert ("unconf", "2026-11-21T14:04:59:684050") in old_migrations
    assert all(before[t] for t in before), [t for t in before if not before[t]]

    migrate(url)
    after, migrations = pg_contents(url)
    assert old_tables(after) == before
    assert migrations == EXPECTED_MIGRATIONS
    migrate(url)
    again, migrations = pg_contents(url)
    assert (old_tables(again), migrations) == (before, EXPECTED_MIGRATIONS)

    fresh = fresh_postgres_database()
    migrate(fresh)
    assert pg_schema(url) == pg_schema(fresh)

    served.append(start_server(url, tmp_path))
    read_every_event_back(served[0], "postgres")
