"""The conversation pages work without JavaScript: forms post, come back, and use the same rules as the API."""

from __future__ import annotations

import httpx

from tests.helpers import Server, make_event


def page_client(server: Server, token: str) -> httpx.Client:
    """A phone without JavaScript: the token in a Bearer header, posts from the event's own pages."""
    return httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {token}", "Origin": server.base_url},
        follow_redirects=False,
    )


def test_chat_notes_reports_and_moderation_through_the_forms(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    alice_api, alice_me = ev.join("Alice")
    bob_api, bob_me = ev.join("Bob")
    pid = alice_api.post(ev.url("/proposals"), json={"title": "Gardens"}).json()["id"]
    alice = page_client(server, alice_api.headers["authorization"].removeprefix("Bearer "))
    bob = page_client(server, bob_api.headers["authorization"].removeprefix("Bearer "))
    organizer = page_client(server, ev.organizer_key)

    session = f"/e/{ev.slug}/s/{pid}"
    r = alice.post(f"/e/{ev.slug}/chat/{pid}", data={"text": "Seeds: https://example.org <i>", "back": session})
    assert r.status_code == 303 and r.headers["location"] == f"{session}#chat"
    r = alice.post(f"/e/{ev.slug}/chat/main", data={"text": "hello room", "back": "https://evil.example/"})
    assert r.headers["location"] == f"/e/{ev.slug}#chat", "only this event's pages to go back to"
    page = bob.get(session).text
    assert "Talk about it" in page and 'rel="noopener nofollow ugc"' in page and "&lt;i&gt;" in page
    assert "hello room" in bob.get(f"/e/{ev.slug}/chat").text
    assert bob.post(f"/e/{ev.slug}/chat/{pid}", data={"text": "x" * 1001, "back": session}).status_code == 400
    assert bob.post(f"/e/{ev.slug}/chat/nope", data={"text": "hi"}).status_code == 400
    with httpx.Client(base_url=server.base_url) as anon:
        assert "Talk about it" not in anon.get(session).text, "no chat for people who have not joined"

    # A note through the form, answered from the inbox, reported, removed and its author muted by organizers.
    r = bob.post(f"/e/{ev.slug}/people/{alice_me['id']}/note", data={"text": "Hi Alice, want to swap seeds?"})
    assert r.status_code == 303
    inbox = alice.get(f"/e/{ev.slug}/inbox").text
    assert "Hi Alice, want to swap seeds?" in inbox and "Answer Bob" in inbox
    thread = alice_api.get(ev.url("/inbox")).json()["threads"][0]
    r = alice.post(f"/e/{ev.slug}/inbox/{thread['id']}", data={"text": "Sure!"})
    assert r.status_code == 303 and "Sure!" in bob.get(f"/e/{ev.slug}/people/{alice_me['id']}/note").text
    note_id = thread["notes"][0]["id"]
    assert alice.post(f"/e/{ev.slug}/inbox/notes/{note_id}/report", data={"reason": "spam"}).status_code == 303
    assert alice.get(f"/e/{ev.slug}/organize/conversation").status_code == 403
    moderation = organizer.get(f"/e/{ev.slug}/organize/conversation").text
    assert "Hi Alice, want to swap seeds?" in moderation and "Mute Bob" in moderation
    r = organizer.post(f"/e/{ev.slug}/organize/conversation/notes/{note_id}/remove")
    assert r.status_code == 303
    r = organizer.post(f"/e/{ev.slug}/organize/conversation/mutes", data={"participant_id": str(bob_me["id"])})
    assert r.status_code == 303
    assert "Bob is muted" in organizer.get(f"/e/{ev.slug}/organize/conversation").text
    assert "muted you" in bob.get(session).text
    assert bob.post(f"/e/{ev.slug}/chat/{pid}", data={"text": "let me"}).status_code == 403
    r = organizer.post(
        f"/e/{ev.slug}/organize/conversation/mutes", data={"participant_id": str(bob_me["id"]), "unmute": "1"}
    )
    assert r.status_code == 303 and bob.post(f"/e/{ev.slug}/chat/{pid}", data={"text": "ok"}).status_code == 303

    # Choices through the form; a note page for someone of another event is not found.
    assert alice.post(f"/e/{ev.slug}/inbox/choices", data={"anonymous": "on"}).status_code == 303
    assert alice_api.get(ev.url("/inbox/choices")).json() == {"email_notes": False, "anonymous_in_record": True}
    assert alice.get(f"/e/{ev.slug}/people/999999/note").status_code == 404
    for client in (alice, bob, organizer):
        client.close()
