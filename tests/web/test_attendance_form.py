"""From a phone without JavaScript: say you take part remotely, and back in the room."""

from __future__ import annotations

from tests.helpers import Server, make_event
from tests.web.test_forms import join


def test_a_phone_says_remote_and_back(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    phone = join(server, ev, "Rosa Remote")
    page = phone.get(f"/e/{ev.slug}/proposals").text
    assert 'action="/e/' + ev.slug + '/me/attendance"' in page and "in the room now" in page
    r = phone.post(f"/e/{ev.slug}/me/attendance", data={"attendance": "remote"})
    assert r.status_code == 303
    assert phone.get(ev.url("/me/attendance")).json() == {"attendance": "remote"}
    page = phone.get(f"/e/{ev.slug}/proposals").text
    assert "Noted: you take part remotely." in page and "remote now" in page
    r = phone.post(f"/e/{ev.slug}/me/attendance", data={"attendance": "on a boat"})
    assert r.status_code == 303
    assert "Choose in the room or remotely." in phone.get(f"/e/{ev.slug}/proposals").text
    assert phone.get(ev.url("/me/attendance")).json() == {"attendance": "remote"}  # unchanged
    assert phone.post(f"/e/{ev.slug}/me/attendance", data={"attendance": "in_room"}).status_code == 303
    assert phone.get(ev.url("/me/attendance")).json() == {"attendance": "in_room"}
    # the organizer's own pages do not offer it (an organizer runs the room)
    assert "/me/attendance" not in ev.organizer.get(f"/e/{ev.slug}/proposals").text
