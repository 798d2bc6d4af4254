"""Preferences reach other domains' messages: a member who turns off notes in the app gets no live notice
of a note (it still waits in their inbox); turned on again, the next one arrives."""

from __future__ import annotations

from pathlib import Path

from tests.conversation.support import live_socket, next_frame
from tests.helpers import stack_database_url, stack_env
from tests.newsletter.support import WEEK_50, community_event, json_of, member_at_event, start, stop


def test_notes_in_the_app_follow_the_members_choice(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    server = start(stack_database_url(tmp_path), tmp_path, mail, WEEK_50, stack_env())
    try:
        ev, slug = community_event(server, "Edcamp Quiet")
        token, ana, ana_id = member_at_event(server, ev, slug, mail, "Ana")
        ben, _ = ev.join("Ben")
        prefs = f"/api/v1/communities/{slug}/me/preferences"
        with server.client(token) as me:
            off = json_of(me.put(prefs, json={"kinds": [{"kind": "notes", "email": True, "in_app": False}]}))
            assert {k["kind"]: k["in_app"] for k in off["kinds"]}["notes"] is False
            with live_socket(server, ev, ana, "person") as ws:
                quiet = json_of(ben.post(ev.url(f"/notes-to/{ana_id}"), json={"text": "quietly"}))
                json_of(me.put(prefs, json={"kinds": [{"kind": "notes", "email": True, "in_app": True}]}))
                loud = json_of(ben.post(ev.url(f"/notes-to/{ana_id}"), json={"text": "and now out loud"}))
                arrived = next_frame(ws, "note.arrived")
                assert arrived["data"]["id"] == loud["id"], "the note sent while in-app notices were off made none"
        inbox = json_of(ana.get(ev.url("/inbox")))
        assert inbox["unread"] >= 1 and quiet["id"] != loud["id"]
        ana.close()
        ben.close()
    finally:
        stop(server)
