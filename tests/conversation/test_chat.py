"""Conversation by topic: a chat per proposal and one for the main room, live only to those who opened it."""

from __future__ import annotations

import json

from conversation.text import linkify
from tests.conversation.support import live_socket, next_frame
from tests.helpers import Server, make_event


def test_links_render_safely() -> None:
    html = str(linkify('see https://example.org/a?b=1&c=2. <script>x</script> javascript:alert(1) "http://q.io"'))
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener nofollow ugc" target="_blank">' in html
    assert "2</a>. &lt;script&gt;" in html, "trailing punctuation stays outside the link; markup is escaped"
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
    assert 'href="http://q.io"' in html and "&#34;" in html
    assert str(linkify("a\nb")) == "a<br>b"


def test_two_voters_chat_live_and_only_those_who_opened_the_chat_hear_it(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    alice, _ = ev.join("Alice")
    bob, bob_me = ev.join("Bob")
    carol, _ = ev.join("Carol")
    r = alice.post(ev.url("/proposals"), json={"title": "Makerspaces on a budget"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    other = alice.post(ev.url("/proposals"), json={"title": "Thinking classrooms"}).json()["id"]
    chat = ev.url(f"/proposals/{pid}/chat")

    with (
        live_socket(server, ev, bob, f"chat:{pid}") as bob_ws,
        live_socket(server, ev, carol, f"chat:{other}") as carol_ws,
        live_socket(server, ev, None) as anon_ws,
    ):
        # Someone without a token may not open a room: no confirmation, and nothing from it arrives.
        anon_ws.send(json.dumps({"open": f"chat:{pid}"}))
        anon_ws.send("not json at all")
        r = alice.post(chat, json={"text": "Who has a 3D printer? https://example.org/plans <b>"})
        assert r.status_code == 201, r.text
        line = r.json()
        assert line["author"] == "Alice" and line["topic"] == str(pid)
        assert '<a href="https://example.org/plans" rel="noopener nofollow ugc"' in line["html"]
        assert "&lt;b&gt;" in line["html"]
        heard = next_frame(bob_ws, "chat.message")
        assert heard["data"]["id"] == line["id"] and heard["data"]["author"] == "Alice"
        assert heard["data"]["text"].startswith("Who has a 3D printer?")

        assert bob.post(chat, json={"text": "We do, at the library"}).status_code == 201
        assert next_frame(bob_ws, "chat.message")["data"]["author"] == "Bob"

        # A public change after the chat: those who did not open this chat hear it, and nothing before it.
        ev.phase("voting")
        for ws in (carol_ws, anon_ws):
            frame = json.loads(ws.recv(timeout=60))
            while frame["type"] == "room.opened":
                frame = json.loads(ws.recv(timeout=60))
            assert frame["type"] == "phase.changed", frame

        # Voters keep talking while voting (and after): the chat is read back in order.
        assert bob.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code in (200, 201)
        assert carol.post(chat, json={"text": "Count me in"}).status_code == 201
        assert next_frame(bob_ws, "chat.message")["data"]["author"] == "Carol"
        read = bob.get(chat).json()
        assert read["title"] == "Makerspaces on a budget" and read["can_write"] is True
        assert [m["author"] for m in read["messages"]] == ["Alice", "Bob", "Carol"]
        assert read["messages"][1]["author_id"] == bob_me["id"]

        # Organizers remove a message: it leaves the chat for everyone who has it open.
        assert bob.delete(ev.url(f"/chat/messages/{line['id']}")).status_code == 403
        assert ev.organizer.delete(ev.url(f"/chat/messages/{line['id']}")).status_code == 204
        assert next_frame(bob_ws, "chat.removed")["data"] == {"id": line["id"], "topic": str(pid)}
        assert [m["author"] for m in bob.get(chat).json()["messages"]] == ["Bob", "Carol"]

    # The main room has its own chat.
    assert alice.post(ev.url("/chat"), json={"text": "Coffee is in the hall"}).status_code == 201
    main = bob.get(ev.url("/chat")).json()
    assert main["topic"] == "main" and [m["text"] for m in main["messages"]] == ["Coffee is in the hall"]
    assert bob.get(ev.url(f"/proposals/{other}/chat")).json()["messages"] == []


def test_chat_refuses_bad_input_strangers_and_muted_people(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    alice, alice_me = ev.join("Alice")
    bob, bob_me = ev.join("Bob")
    pid = alice.post(ev.url("/proposals"), json={"title": "Podcasts"}).json()["id"]
    chat = ev.url(f"/proposals/{pid}/chat")
    with server.client() as anon:
        assert anon.get(chat).status_code == 401
        assert anon.post(chat, json={"text": "hi"}).status_code == 401
    elsewhere = make_event(server)
    elsewhere.phase("proposals")
    stranger, _ = elsewhere.join("Stranger")
    assert stranger.get(chat).status_code == 403
    # A proposal of another event is not found here.
    foreign = elsewhere.organizer.post(elsewhere.url("/proposals"), json={"title": "Theirs"})
    if foreign.status_code == 201:
        assert alice.get(ev.url(f"/proposals/{foreign.json()['id']}/chat")).status_code == 404
    assert alice.get(ev.url("/proposals/999999/chat")).status_code == 404

    for body, field in (
        ({"text": "x" * 1001}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({}, "text"),
        ({"text": "hi", "extra": 1}, "extra"),
    ):
        r = alice.post(chat, json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"] and r.json()["field"] == field, (body, r.json())
    assert alice.get(chat).json()["messages"] == [], "nothing half-written"

    r = ev.organizer.post(ev.url("/conversation/mutes"), json={"participant_id": bob_me["id"], "reason": "spam"})
    assert r.status_code == 201, r.text
    assert alice.post(ev.url("/conversation/mutes"), json={"participant_id": bob_me["id"]}).status_code == 403
    r = bob.post(chat, json={"text": "buy now"})
    assert r.status_code == 403 and r.json()["error"] == "muted"
    assert bob.get(chat).json()["can_write"] is False
    assert [m["display_name"] for m in ev.organizer.get(ev.url("/conversation/mutes")).json()] == ["Bob"]
    assert ev.organizer.delete(ev.url(f"/conversation/mutes/{bob_me['id']}")).status_code == 204
    assert bob.post(chat, json={"text": "sorry"}).status_code == 201
    assert ev.organizer.post(ev.url("/conversation/mutes"), json={"participant_id": 999999}).status_code == 404

    # Reporting a chat message reaches the organizers, with the words and who wrote them.
    line = alice.get(chat).json()["messages"][0]
    r = alice.post(ev.url(f"/chat/messages/{line['id']}/report"), json={"reason": "off topic"})
    assert r.status_code == 201, r.text
    reports = ev.organizer.get(ev.url("/conversation/reports")).json()
    assert [(x["kind"], x["author"], x["text"], x["reporter"]) for x in reports] == [("chat", "Bob", "sorry", "Alice")]
    assert alice.get(ev.url("/conversation/reports")).status_code == 403
    assert alice_me["id"] != bob_me["id"]


def test_chat_and_notes_are_rate_limited(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import start_server

    srv = start_server(f"sqlite:///{tmp_path / 'rl.sqlite'}", tmp_path, {"UNCONF_RATE_LIMIT_SCALE": "0.2"})
    try:
        ev = make_event(srv)
        ev.phase("proposals")
        alice, _ = ev.join("Alice")
        _, bob_me = ev.join("Bob")
        codes = [alice.post(ev.url("/chat"), json={"text": f"m{i}"}).status_code for i in range(5)]
        assert codes[:4] == [201] * 4 and codes[4] == 429, codes
        codes = [alice.post(ev.url(f"/notes-to/{bob_me['id']}"), json={"text": f"n{i}"}).status_code for i in range(3)]
        assert codes == [201, 201, 429], codes
    finally:
        srv.stop()
