"""The chat is kept with the session (notes export, digest) with each person's choice of name; erasure anonymises."""

from __future__ import annotations

from tests.helpers import Server
from tests.rooms.rooms_support import published


def test_the_chat_is_kept_in_the_notes_export_and_digest_with_opt_outs_and_erasure(server: Server) -> None:
    sc = published(server, sessions=2)
    ev = sc.ev
    pid = sc.agenda["sessions"][0]["proposal_id"]
    (alice, alice_me), (bob, bob_me) = sc.people[0], sc.people[1]
    chat = ev.url(f"/proposals/{pid}/chat")
    assert alice.post(chat, json={"text": "Slides: https://example.org/s"}).status_code == 201
    assert bob.post(chat, json={"text": "I'd rather not be named"}).status_code == 201
    assert bob.patch(ev.url("/inbox/choices"), json={"anonymous_in_record": True}).status_code == 200
    removed = alice.post(chat, json={"text": "oops, wrong chat"}).json()
    assert ev.organizer.delete(ev.url(f"/chat/messages/{removed['id']}")).status_code == 204

    with server.client() as anon:
        r = anon.get(f"/e/{ev.slug}/s/{pid}/notes.md")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
        kept = r.text
        digest = anon.get(f"/e/{ev.slug}/export/digest.md").text
        digest_html = anon.get(f"/e/{ev.slug}/export/digest.html").text
    for text in (kept, digest):
        assert "## Conversation" in text or "#### Conversation" in text
        assert "Teacher 0: Slides: https://example.org/s" in text
        assert "a participant: I'd rather not be named" in text and "Teacher 1:" not in text
        assert "wrong chat" not in text, "removed messages are not kept"
    assert "<strong>a participant</strong>: I&#39;d rather not be named" in digest_html
    # Live, in the chat itself, names stay (the choice is about the kept record).
    assert [m["author"] for m in bob.get(chat).json()["messages"]] == ["Teacher 0", "Teacher 1"]

    # Alice sends Bob a note, then erases herself: her words stay, from "a participant".
    assert alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": "see you next time"}).status_code == 201
    mine = alice.get(ev.url("/me/data")).json()
    assert [c["text"] for c in mine["conversation"]["chat"]] == ["Slides: https://example.org/s", "oops, wrong chat"]
    assert [n["text"] for n in mine["conversation"]["notes_sent"]] == ["see you next time"]
    r = alice.post(ev.url("/me/erase"), json={"confirm": "erase"})
    assert r.status_code == 200, r.text
    assert [m["author"] for m in bob.get(chat).json()["messages"]] == ["a participant", "Teacher 1"]
    assert bob.get(chat).json()["messages"][0]["author_id"] is None
    (thread,) = bob.get(ev.url("/inbox")).json()["threads"]
    assert thread["with_name"] == "a participant" and thread["notes"][0]["text"] == "see you next time"
    assert thread["with_id"] is None
    with server.client() as anon:
        assert "Teacher 0" not in anon.get(f"/e/{ev.slug}/s/{pid}/notes.md").text
    assert alice_me["id"] != bob_me["id"]
