"""Ten organizer tabs press "publish" at once: one version, one set of side effects, the rest refused.

On PostgreSQL the test holds the event's row from a session of its own until all ten publishes have
read the same draft and queue on it: each of the nine that lose gets 409 naming version 1. On SQLite
the engine's write lock serialises them; a tab whose request only arrives after the winner finished
finds no draft left (404, naming the published version).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.helpers import (
    FUTURE_DAY,
    EventHandle,
    Server,
    database_rows,
    fresh_postgres_database,
    make_event,
    redis_url,
    setup_rooms_and_slots,
    start_server,
)
from tests.rooms.rooms_support import FakeWhereby

WHEREBY_KEY = "whereby-test-key-for-concurrent-publishes"
PUBLISHES = 10


def serve(tmp_path: Path, database_url: str, extra: dict[str, str] | None = None) -> Server:
    # The Whereby stand-in listens on loopback.
    return start_server(database_url, tmp_path, {"UNCONF_FETCH_ALLOW_PRIVATE": "true", **(extra or {})})


class EventRowHeld:
    """Another PostgreSQL session holding the event's row (SELECT ... FOR UPDATE) until ``release``.

    Every publish that reaches its lock then waits, so the test can see all ten read the same draft
    and queue up, from ``pg_stat_activity``, before letting them through together.
    """

    def __init__(self, database_url: str, slug: str) -> None:
        self.database_url, self.slug = database_url, slug
        self.locked, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._hold()), daemon=True)

    async def _hold(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.database_url, timeout=5)
        try:
            async with conn.transaction():
                await conn.fetch("SELECT id FROM event WHERE slug = $1 FOR UPDATE", self.slug)
                self.locked.set()
                await asyncio.to_thread(self.done.wait, 300)
        finally:
            await conn.close()

    def __enter__(self) -> EventRowHeld:
        self.thread.start()
        assert self.locked.wait(60), "the test could not take the event's row"
        return self

    def release(self) -> None:
        self.done.set()
        self.thread.join(60)

    def __exit__(self, *exc: object) -> None:
        self.release()


def waiting_publishes(database_url: str) -> int:
    rows = database_rows(
        database_url,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' "
        "AND datname = current_database()",
    )
    return int(rows[0][0])


def prepared_event(srv: Server, whereby: FakeWhereby) -> EventHandle:
    """Rooms, slots, four proposals, Whereby for video, and a draft ready to publish."""
    ev = make_event(srv, tier="paid", start_date=FUTURE_DAY)
    setup_rooms_and_slots(ev, [30, 20], breakouts=2, day=FUTURE_DAY)
    video = {"provider": "whereby", "config": {"api_url": whereby.api_url}, "secrets": {"api_key": WHEREBY_KEY}}
    assert ev.organizer.put(ev.url("/video"), json=video).status_code == 200
    ev.phase("proposals")
    people = [ev.join(f"Teacher {i}")[0] for i in range(4)]
    for i, person in enumerate(people):
        assert person.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).status_code == 201
        person.close()
    ev.phase("voting")
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5, "seed": 1})
    assert r.status_code == 201, r.text
    return ev


def publish_ten_at_once(
    srv: Server, ev: EventHandle, while_queued: Callable[[], None] | None = None
) -> tuple[list[httpx.Response], list[str]]:
    """Ten organizer tabs press publish together; the answers, and every live frame they caused."""
    with connect(srv.base_url.replace("http://", "ws://") + ev.url("/live")) as ws:
        assert json.loads(ws.recv(timeout=60))["type"] == "hello"
        tabs = [srv.client(ev.organizer_key) for _ in range(PUBLISHES)]
        for tab in tabs:  # connected and signed in before the race starts
            assert tab.get(ev.url("/agenda/draft")).status_code == 200
        start = threading.Barrier(PUBLISHES)
        answers: list[httpx.Response] = []

        def publish(tab: httpx.Client) -> None:
            start.wait()
            answers.append(tab.post(ev.url("/agenda/publish")))

        threads = [threading.Thread(target=publish, args=(tab,)) for tab in tabs]
        for t in threads:
            t.start()
        if while_queued is not None:
            while_queued()
        for t in threads:
            t.join()
        for tab in tabs:
            tab.close()
        # A change made after every answer came back: its frame closes the count.
        assert ev.organizer.post(ev.url("/rooms"), json={"name": "Marker", "capacity": 5}).status_code == 201
        frames: list[str] = []
        while not frames or frames[-1] != "room.changed":
            frames.append(json.loads(ws.recv(timeout=60))["type"])
    return answers, frames


def check_published_once(srv: Server, ev: EventHandle, whereby: FakeWhereby, frames: list[str]) -> None:
    """One version, one ``agenda.published`` and one ``phase.changed``, one set of meetings, one notice."""
    assert frames.count("agenda.published") == 1, frames
    assert frames.count("phase.changed") == 1, frames
    with srv.client() as anon:
        assert [v["version"] for v in anon.get(ev.url("/agenda/versions")).json()] == [1]
        agenda = anon.get(ev.url("/agenda")).json()
        assert anon.get(ev.url("")).json()["phase"] == "scheduled"
    sessions = len(agenda["sessions"])
    assert sessions > 0
    # Video links: one meeting per placed session and one for the main room, made once.
    assert len(whereby.created) == sessions + 1, whereby.created
    links = database_rows(
        srv.database_url, "SELECT COUNT(*) FROM video_link v JOIN event e ON e.id = v.event WHERE e.slug = ?", ev.slug
    )
    assert links == [(sessions + 1,)]
    versions = database_rows(
        srv.database_url,
        "SELECT a.status, a.version FROM agenda_version a JOIN event e ON e.id = a.event WHERE e.slug = ?",
        ev.slug,
    )
    assert versions == [("published", 1)]
    notices = database_rows(
        srv.database_url,
        "SELECT o.kind FROM outbox o JOIN event e ON e.id = o.event WHERE e.slug = ? AND o.channel = 'notice'",
        ev.slug,
    )
    assert [kind for (kind,) in notices if kind.startswith("agenda.")] == ["agenda.published"]


def assert_lost_to_version_1(answer: httpx.Response) -> None:
    body = answer.json()
    assert answer.status_code == 409, body
    assert set(body) == {"error", "detail", "field", "version"}, body
    assert (body["error"], body["field"], body["version"]) == ("already_published", "agenda", 1), body
    assert "version 1" in body["detail"]


def test_ten_simultaneous_publishes_on_postgresql_one_wins_nine_get_409(tmp_path: Path) -> None:
    srv = serve(tmp_path, fresh_postgres_database(), {"UNCONF_REDIS_URL": redis_url()})
    whereby = FakeWhereby(WHEREBY_KEY)
    try:
        ev = prepared_event(srv, whereby)
        with EventRowHeld(srv.database_url, ev.slug) as held:

            def all_ten_queued() -> None:
                deadline = time.monotonic() + 120  # only bounds a broken run
                while waiting_publishes(srv.database_url) < PUBLISHES:
                    assert time.monotonic() < deadline, "the ten publishes never queued on the event's row"
                    time.sleep(0.05)
                held.release()

            answers, frames = publish_ten_at_once(srv, ev, all_ten_queued)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [409] * (PUBLISHES - 1), [a.text for a in answers]
        assert next(a for a in answers if a.status_code == 201).json()["version"] == 1
        for lost in (a for a in answers if a.status_code != 201):
            assert_lost_to_version_1(lost)
        check_published_once(srv, ev, whereby, frames)
        ev.organizer.close()
    finally:
        whereby.stop()
        srv.stop()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]


def test_ten_simultaneous_publishes_on_sqlite_one_wins_the_rest_are_refused(tmp_path: Path) -> None:
    srv = serve(tmp_path, f"sqlite:///{tmp_path / 'publish.sqlite'}")
    whereby = FakeWhereby(WHEREBY_KEY)
    try:
        ev = prepared_event(srv, whereby)
        answers, frames = publish_ten_at_once(srv, ev)
        statuses = sorted(a.status_code for a in answers)
        assert len(statuses) == PUBLISHES and statuses.count(201) == 1, [a.text for a in answers]
        assert next(a for a in answers if a.status_code == 201).json()["version"] == 1
        for lost in (a for a in answers if a.status_code != 201):
            if lost.status_code == 404:
                # This tab's request came in after the winner had finished: there was no draft left to race for.
                body = lost.json()
                assert (body["error"], body["field"]) == ("not_found", "agenda") and "version 1 is published" in (
                    body["detail"]
                ), body
            else:
                assert_lost_to_version_1(lost)
        check_published_once(srv, ev, whereby, frames)
        ev.organizer.close()
    finally:
        whereby.stop()
        srv.stop()
    assert "Traceback" not in srv.log(), srv.log()[-5000:]
