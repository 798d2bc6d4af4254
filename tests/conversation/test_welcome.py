"""A welcome from someone like you: the greeter writes to a newcomer, and again a week later via the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conversation.support import community_event, make_greeter, wait_for
from tests.helpers import Server, database_rows


def outbox_rows(server: Server, kind: str) -> list[tuple[Any, ...]]:
    return database_rows(
        server.database_url,
        "SELECT id, status, next_attempt_at, payload, last_error FROM outbox WHERE kind = ? ORDER BY id",
        kind,
    )


def when(value: Any) -> datetime:
    """A timestamp as SQLite (text) or PostgreSQL (datetime) hands it back, made aware."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_newcomer_is_welcomed_answers_and_is_followed_up_a_week_later(server: Server) -> None:
    ev, community = community_event(server)
    ev.phase("proposals")
    _, gina_member, gina = make_greeter(server, ev, community, "Gina", "Gina G.", "gina@example.org")

    # Nothing goes out in Gina's name until she approves words: she sees the template first.
    page = gina.get(f"/api/v1/communities/{community}/greeter").json()
    assert page["message"]["template"] is True and page["message"]["approved"] is False
    assert "{name}" in page["message"]["welcome"] and page["newcomers"] == []
    r = gina.put(
        f"/api/v1/communities/{community}/greeter/message",
        json={"welcome": "Hi {name}, welcome from {greeter}! {x}", "follow_up": "How did {event} go, {name}?",
              "approved": True},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    bad = gina.put(f"/api/v1/communities/{community}/greeter/message", json={"welcome": "", "follow_up": "x",
                                                                                "approved": True})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "welcome"

    nia, nia_me = ev.join("Nia")
    inbox = wait_for(lambda: nia.get(ev.url("/inbox")).json()["threads"], "the welcome reaches Nia")
    (thread,) = inbox
    assert thread["with_name"] == "Gina G." and thread["with_id"] is None, "a greeter, never an address"
    (welcome,) = thread["notes"]
    assert welcome["kind"] == "welcome" and welcome["text"] == "Hi Nia, welcome from Gina G.! {x}"

    # The follow-up waits in the outbox, not before a week from now.
    ((row_id, status, not_before, _, _),) = outbox_rows(server, "greeter.follow_up")
    assert status == "pending"
    assert when(not_before) > datetime.now(UTC) + timedelta(days=6, hours=23)

    # Nia answers the welcome; Gina sees her newcomer and the answer, and answers back.
    r = nia.post(ev.url(f"/inbox/{thread['id']}"), json={"text": "Thank you! Where is the coffee?"})
    assert r.status_code == 201, r.text
    page = gina.get(f"/api/v1/communities/{community}/greeter").json()
    (newcomer,) = page["newcomers"]
    assert newcomer["name"] == "Nia" and newcomer["event"] == ev.slug and newcomer["thread"] == thread["id"]
    assert [(n["sender"], n["text"]) for n in newcomer["notes"]] == [
        ("You", "Hi Nia, welcome from Gina G.! {x}"),
        ("the newcomer", "Thank you! Where is the coffee?"),
    ]
    assert "email" not in str(newcomer).lower()
    r = gina.post(f"/api/v1/communities/{community}/greeter/threads/{thread['id']}", json={"text": "Second floor!"})
    assert r.status_code == 201, r.text
    assert gina.post(f"/api/v1/communities/{community}/greeter/threads/999999", json={"text": "x"}).status_code == 404

    # A week passes: the row's not-before time is moved into the past, as the clock would; the worker sends it.
    past = datetime.now(UTC) - timedelta(seconds=1)
    stored: Any = str(past) if server.database_url.startswith("sqlite") else past  # as each database keeps times
    database_rows(
        server.database_url, "UPDATE outbox SET next_attempt_at = ? WHERE id = ? RETURNING id", stored, row_id
    )
    notes = wait_for(
        lambda: [n for n in nia.get(ev.url(f"/inbox/{thread['id']}")).json()["notes"] if n["kind"] == "follow_up"],
        "the follow-up reaches Nia",
    )
    assert notes[0]["text"] == "How did Edcamp Riverside Spring go, Nia?"
    texts = [n["text"] for n in nia.get(ev.url(f"/inbox/{thread['id']}")).json()["notes"]]
    assert texts[-2:] == ["Second floor!", "How did Edcamp Riverside Spring go, Nia?"]
    r = nia.post(ev.url(f"/inbox/{thread['id']}"), json={"text": "Great, I'm coming back!"})
    assert r.status_code == 201
    answers = gina.get(f"/api/v1/communities/{community}/greeter").json()["newcomers"][0]["notes"]
    assert answers[-1]["text"] == "Great, I'm coming back!"
    assert nia_me["id"] and gina_member

    # Others may not use the greeter's side.
    with server.client() as anon:
        assert anon.get(f"/api/v1/communities/{community}/greeter").status_code == 401


def test_the_daily_cap_turning_welcomes_off_and_no_greeters_mean_nothing_is_sent(server: Server) -> None:
    ev, community = community_event(server, name="Edcamp Hills")
    ev.phase("proposals")
    # No greeters: joining queues nothing.
    before = len(outbox_rows(server, "greeter.welcome"))
    ev.join("Early")
    assert len(outbox_rows(server, "greeter.welcome")) == before

    _, _, gus = make_greeter(server, ev, community, "Gus", "Gus", "gus@example.org")
    template = gus.get(f"/api/v1/communities/{community}/greeter").json()["message"]
    approved = {"welcome": template["welcome"], "follow_up": template["follow_up"], "approved": True}
    r = gus.put(f"/api/v1/communities/{community}/greeter/message", json=approved)
    assert r.status_code == 200
    r = ev.organizer.patch(f"/api/v1/communities/{community}", json={"greeter_daily_cap": 1})
    assert r.status_code == 200, r.text

    first, _ = ev.join("First")
    wait_for(lambda: first.get(ev.url("/inbox")).json()["threads"], "the first newcomer is welcomed")
    assert "Hi First, I'm Gus" in first.get(ev.url("/inbox")).json()["threads"][0]["notes"][0]["text"]
    second, second_me = ev.join("Second")

    def settled() -> Any:
        rows = [r for r in outbox_rows(server, "greeter.welcome") if f'"participant":{second_me["id"]}' in str(r[3])]
        return rows and rows[0][1] != "pending" and rows[0]

    row = wait_for(settled, "the second newcomer's welcome is decided")
    assert row[1] == "cancelled" and "daily cap" in row[4]
    assert second.get(ev.url("/inbox")).json()["threads"] == []

    r = ev.organizer.patch(f"/api/v1/communities/{community}", json={"welcomes_enabled": False})
    assert r.status_code == 200
    before = len(outbox_rows(server, "greeter.welcome"))
    ev.join("Third")
    assert len(outbox_rows(server, "greeter.welcome")) == before, "turned off: nothing is queued"
