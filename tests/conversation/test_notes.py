"""Notes between people: a note, a reply in one thread, the inbox live, email only when chosen, blocks, reports."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conversation.support import live_socket, next_frame
from tests.helpers import EventHandle, Server, make_event, start_server


def join_with_email(ev: EventHandle, name: str, email: str) -> tuple[httpx.Client, dict]:  # type: ignore[type-arg]
    with ev.server.client() as anon:
        r = anon.post(ev.url("/join"), json={"display_name": name, "join_code": ev.join_code, "email": email})
    assert r.status_code == 201, r.text
    return ev.server.client(r.json()["token"]), r.json()["participant"]


def test_a_note_and_its_reply_thread_live_in_the_inbox(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    alice, alice_me = ev.join("Alice")
    bob, bob_me = ev.join("Bob")
    with live_socket(server, ev, bob, "person") as bob_ws:
        r = alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": "Hi Bob! Loved your makerspace idea."})
        assert r.status_code == 201, r.text
        first = r.json()
        assert first["from_me"] is True and first["sender"] == "Alice"
        arrived = next_frame(bob_ws, "note.arrived")
        assert arrived["data"] == {"id": first["id"], "thread": first["thread"], "sender": "Alice"}

    inbox = bob.get(ev.url("/inbox")).json()
    assert inbox["unread"] == 1
    (thread,) = inbox["threads"]
    assert thread["with_name"] == "Alice" and thread["with_id"] == alice_me["id"]
    assert [n["text"] for n in thread["notes"]] == ["Hi Bob! Loved your makerspace idea."]
    assert "email" not in str(thread).lower()

    # Reading the thread marks it read; the reply joins the same thread, either way round.
    assert bob.get(ev.url(f"/inbox/{thread['id']}")).json()["unread"] == 1
    assert bob.get(ev.url("/inbox")).json()["unread"] == 0
    r = bob.post(ev.url(f"/inbox/{thread['id']}"), json={"text": "Thanks! Coffee at the break?"})
    assert r.status_code == 201, r.text
    assert r.json()["thread"] == thread["id"]
    again = alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": "Yes!"}).json()
    assert again["thread"] == thread["id"]
    mine = alice.get(ev.url(f"/notes-to/{bob_me['id']}")).json()
    assert [(n["sender"], n["from_me"]) for n in mine["notes"]] == [("Alice", True), ("Bob", False), ("Alice", True)]
    assert alice.get(ev.url("/inbox")).json()["threads"][0]["with_name"] == "Bob"

    # Nobody else can read or answer it.
    carol, carol_me = ev.join("Carol")
    assert carol.get(ev.url(f"/inbox/{thread['id']}")).status_code == 404
    assert carol.post(ev.url(f"/inbox/{thread['id']}"), json={"text": "me too"}).status_code == 404
    assert carol.get(ev.url(f"/notes-to/{alice_me['id']}")).json() is None

    for body, field in (({"text": ""}, "text"), ({"text": "x" * 2001}, "text"), ({}, "text")):
        r = carol.post(ev.url(f"/notes-to/{alice_me['id']}"), json=body)
        assert r.status_code == 400 and r.json()["field"] == field, r.text
    assert carol.post(ev.url(f"/notes-to/{carol_me['id']}"), json={"text": "me"}).status_code == 403
    assert carol.post(ev.url("/notes-to/999999"), json={"text": "hi"}).status_code == 404
    elsewhere = make_event(server)
    elsewhere.phase("proposals")
    _, stranger = elsewhere.join("Stranger")
    assert carol.post(ev.url(f"/notes-to/{stranger['id']}"), json={"text": "hi"}).status_code == 404
    with server.client() as anon:
        assert anon.get(ev.url("/inbox")).status_code == 401


def test_blocked_people_never_reach_you_and_reports_reach_organizers(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    alice, alice_me = ev.join("Alice")
    mallory, mallory_me = ev.join("Mallory")
    first = mallory.post(ev.url(f"/notes-to/{alice_me['id']}"), json={"text": "hey you"}).json()

    # Alice reports the note: organizers see it, can remove it and mute Mallory for the event.
    r = alice.post(ev.url(f"/inbox/notes/{first['id']}/report"), json={"reason": "creepy"})
    assert r.status_code == 201, r.text
    assert mallory.get(ev.url("/conversation/reports")).status_code == 403
    (report,) = ev.organizer.get(ev.url("/conversation/reports")).json()
    assert (report["kind"], report["author"], report["text"], report["reason"]) == (
        "note",
        "Mallory",
        "hey you",
        "creepy",
    )
    assert report["author_id"] == mallory_me["id"]
    assert ev.organizer.delete(ev.url(f"/conversation/notes/{first['id']}")).status_code == 204
    assert alice.get(ev.url("/inbox")).json()["threads"] == []
    assert ev.organizer.get(ev.url("/conversation/reports")).json()[0]["removed"] is True
    mute = ev.organizer.post(ev.url("/conversation/mutes"), json={"participant_id": mallory_me["id"]})
    assert mute.status_code == 201
    r = mallory.post(ev.url(f"/notes-to/{alice_me['id']}"), json={"text": "again"})
    assert r.status_code == 403 and r.json()["error"] == "muted"
    assert ev.organizer.delete(ev.url(f"/conversation/mutes/{mallory_me['id']}")).status_code == 204

    # Alice blocks Mallory: Mallory's notes and chat lines never reach her, old ones leave her inbox.
    second = mallory.post(ev.url(f"/notes-to/{alice_me['id']}"), json={"text": "still here"})
    assert second.status_code == 201
    assert mallory.post(ev.url("/chat"), json={"text": "hello room"}).status_code == 201
    assert alice.post(ev.url("/blocks"), json={"participant_id": mallory_me["id"]}).status_code == 201
    assert alice.get(ev.url("/inbox")).json()["threads"] == []
    r = mallory.post(ev.url(f"/notes-to/{alice_me['id']}"), json={"text": "let me in"})
    assert r.status_code == 403 and r.json()["error"] == "not_reachable"
    r = mallory.post(ev.url(f"/inbox/{second.json()['thread']}"), json={"text": "reply"})
    assert r.status_code == 403 and r.json()["error"] == "not_reachable"
    r = alice.post(ev.url(f"/notes-to/{mallory_me['id']}"), json={"text": "go away"})
    assert r.status_code == 403, "a block works both ways"
    assert [m["author"] for m in alice.get(ev.url("/chat")).json()["messages"]] == []
    assert [m["author"] for m in mallory.get(ev.url("/chat")).json()["messages"]] == ["Mallory"]


def test_notes_by_email_only_for_those_who_chose_it_and_never_showing_an_address(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    srv = start_server(f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path, {"UNCONF_MAIL_DRY_RUN_DIR": str(mail)})
    try:
        ev = make_event(srv)
        ev.phase("proposals")
        alice, alice_me = join_with_email(ev, "Alice", "alice@example.org")
        bob, bob_me = join_with_email(ev, "Bob", "bob@example.org")
        assert bob.get(ev.url("/inbox/choices")).json() == {"email_notes": False, "anonymous_in_record": False}
        assert alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": "first"}).status_code == 201
        r = bob.patch(ev.url("/inbox/choices"), json={"email_notes": True})
        assert r.json() == {"email_notes": True, "anonymous_in_record": False}
        assert bob.patch(ev.url("/inbox/choices"), json={"email_notes": "yes"}).status_code == 400
        sent = alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": "second <b>bold</b>"}).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(mail.glob("*.eml")):
            time.sleep(0.2)
        (eml,) = list(mail.glob("*.eml"))
        text = eml.read_text()
        assert "bob@example.org" in text and "second" in text and "first" not in text
        assert "alice@example.org" not in text, "the sender's address is never shown"
        assert f"/e/{ev.slug}/inbox" in text
        assert sent["sender"] == "Alice"
        thread = bob.get(ev.url("/inbox")).json()["threads"][0]
        assert "alice@example.org" not in str(thread)
        assert alice_me["id"] == thread["with_id"]
    finally:
        srv.stop()
