"""Members' digests: exactly one per member per period across two workers and a restart, on SQLite and
PostgreSQL (each worker's digest loop queues them; the outbox's unique key keeps them to one); unsubscribing
from the mail's link stops the next one; a member's choice of no digest is honoured."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fresh_postgres_database
from tests.newsletter.support import (
    WEEK_50,
    WEEK_51,
    community_event,
    digest_periods,
    digests_to,
    json_of,
    member,
    on,
    start,
    stop,
    text_of,
    unsubscribe_path,
)
from tests.notify.loopback import wait_for


@pytest.mark.parametrize("stack", ["sqlite", "postgres"])
def test_one_weekly_digest_per_member_across_two_workers_and_a_restart(stack: str, tmp_path: Path) -> None:
    database = fresh_postgres_database() if stack == "postgres" else f"sqlite:///{tmp_path / 'unconf.sqlite'}"
    mail = tmp_path / "mail"
    first = start(database, tmp_path, mail, WEEK_50)
    second = start(database, tmp_path, mail, WEEK_50)
    try:
        ev, slug = community_event(first, "Edcamp Digest " + stack.title())
        ana = member(first, ev, slug, mail, "Ana")
        ben = member(second, on(ev, second), slug, mail, "Ben")
        topic, _ = ev.join("Proposer")
        assert topic.post(ev.url("/proposals"), json={"title": "Feedback that helps"}).status_code == 201
        wait_for("both members' digests", lambda: len(digest_periods(mail)) >= 2)
        with first.client(ana) as client:
            assert json_of(client.get(f"/api/v1/communities/{slug}/me/preferences"))["digest"] == "weekly"
        # Both workers keep looking every second; the restart below gives them more chances still.
    finally:
        stop(second)
        stop(first)
    again = start(database, tmp_path, mail, WEEK_50)
    try:
        # A newcomer's digest proves the restarted worker's loop ran after the others' digests were sent.
        member(again, on(ev, again), slug, mail, "Cleo")
        wait_for("the newcomer's digest", lambda: digests_to(mail, "cleo@school.example"))
        expected = [(f"{n}@school.example", "2026-W50") for n in ("ana", "ben", "cleo")]
        assert digest_periods(mail) == expected, "exactly one weekly digest per member"
        body = text_of(digests_to(mail, "cleo@school.example")[0])  # built after the topic was proposed
        assert "Edcamp Test" in body and "Feedback that helps" in body, body

        # Ana unsubscribes with the mail's one-click POST, as a mail client does; Ben chooses no digest.
        link = unsubscribe_path(digests_to(mail, "ana@school.example")[0])
        with again.client() as mail_client:
            done = mail_client.post(link, content=b"List-Unsubscribe=One-Click")
            assert done.status_code == 200 and "unsubscribed" in done.text, done.text
        with again.client(ana) as client:
            assert json_of(client.get(f"/api/v1/communities/{slug}/me/preferences"))["digest"] == "none"
        with again.client(ben) as client:
            chosen = client.put(f"/api/v1/communities/{slug}/me/preferences", json={"digest": "none"})
            assert json_of(chosen)["digest"] == "none"
    finally:
        stop(again)
    next_week = start(database, tmp_path, mail, WEEK_51)
    try:
        member(next_week, on(ev, next_week), slug, mail, "Dan")
        wait_for("next week's digests", lambda: digests_to(mail, "dan@school.example"))
        wait_for("Cleo's second digest", lambda: len(digests_to(mail, "cleo@school.example")) == 2)
        periods = digest_periods(mail)
        assert ("ana@school.example", "2026-W51") not in periods, "Ana unsubscribed"
        assert ("ben@school.example", "2026-W51") not in periods, "Ben chose no digest"
        assert periods.count(("cleo@school.example", "2026-W51")) == 1
    finally:
        stop(next_week)
