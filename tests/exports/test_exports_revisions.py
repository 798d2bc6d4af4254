"""Slot edits after publishing are noted when the slot changes; calendars reading never write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import Server, make_event, start_server
from tests.web.pagekit import FUTURE_DAY, setup_day


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """Its own SQLite file, so the test can look at the stored revisions themselves."""
    db = tmp_path / "revisions.sqlite"
    srv = start_server(f"sqlite:///{db}", tmp_path)
    yield srv, db
    srv.stop()


def revisions(db: Path) -> list[tuple[int, int, str, str, int, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT proposal, slot, starts_at, ends_at, extra, changed_at FROM session_revision ORDER BY proposal"
        )
        return list(rows)


def test_reads_write_nothing_and_slot_edits_are_noted_at_once(sqlite_server: tuple[Server, Path]) -> None:
    server, db = sqlite_server
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=1)
    ev.phase("proposals")
    for title in ("One", "Two"):
        author, _ = ev.join(f"Author of {title}")
        assert author.post(ev.url("/proposals"), json={"title": title}).status_code == 201
    ev.phase("voting")
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    noted = revisions(db)
    assert len(noted) == 2 and all(row[4] == 0 for row in noted)  # the baseline, written by publishing

    with server.client() as anon:
        for path in ("/agenda.ics", "/schedule.xml", "/schedule.json"):
            assert anon.get(f"/e/{ev.slug}{path}").status_code == 200
    assert revisions(db) == noted

    slot = ev.organizer.get(ev.url("/slots")).json()[0]
    later = {
        "starts_at": (datetime.fromisoformat(slot["starts_at"]) + timedelta(minutes=15)).isoformat(),
        "ends_at": (datetime.fromisoformat(slot["ends_at"]) + timedelta(minutes=15)).isoformat(),
    }
    assert ev.organizer.patch(ev.url(f"/slots/{slot['id']}"), json=later).status_code == 200
    edited = revisions(db)
    assert [row[4] for row in edited] == [1, 1]  # noted by the edit itself, before any calendar asked
    with server.client() as anon:
        body = anon.get(f"/e/{ev.slug}/agenda.ics").text
    assert body.count("SEQUENCE:1") == 2
    assert revisions(db) == edited
