"""A published session is reachable everywhere people look: page, video join, notes, calendar, door sign, digest."""

from __future__ import annotations

from tests.helpers import FUTURE_DAY, Server, make_event, setup_rooms_and_slots


def test_session_links_across_pages_calendars_and_digest(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_rooms_and_slots(ev, [30, 20], breakouts=1, day=FUTURE_DAY)
    ev.phase("proposals")
    client, _ = ev.join("Nora Notes")
    proposal = client.post(ev.url("/proposals"), json={"title": "Notes & links"}).json()
    ev.phase("voting")
    client.post(ev.url("/votes"), json={"proposal_id": proposal["id"]})
    ev.organizer.post(ev.url("/agenda/build"), json={})
    agenda = ev.organizer.post(ev.url("/agenda/publish")).json()
    session = agenda["sessions"][0]
    pid = session["proposal_id"]
    # The agenda's video link is the session's own join route (a provider link is made at publishing).
    assert session["video_link"].endswith(f"/e/{ev.slug}/s/{pid}/join")
    saved = client.put(ev.url(f"/sessions/{pid}/notes"), json={"base_revision": 0, "text": "Key idea: *pair up*."})
    assert saved.status_code == 200, saved.text

    with server.client() as anon:
        page = anon.get(f"/e/{ev.slug}/s/{pid}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Notes &amp; links" in page.text
        assert f"/e/{ev.slug}/s/{pid}/notes" in page.text and f"/e/{ev.slug}/s/{pid}.ics" in page.text
        missing = anon.get(f"/e/{ev.slug}/s/999999", headers={"Accept": "text/html"})
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        ics = anon.get(f"/e/{ev.slug}/s/{pid}.ics").text.replace("\r\n ", "")
        assert f"URL:{session['video_link']}" in ics
        assert f"/e/{ev.slug}/s/{pid}/notes" in ics
        sign = anon.get(f"/e/{ev.slug}/print/rooms/{session['room_id']}").text
        assert f"/e/{ev.slug}/s/{pid}/notes" in sign
        digest = anon.get(f"/e/{ev.slug}/export/digest.md").text
        assert "Key idea" in digest
