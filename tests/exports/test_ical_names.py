"""Calendar names people chose are escaped as RFC 5545 says, so no one can add a property to the file."""

from __future__ import annotations

import icalendar
import vobject

from tests.helpers import Server, make_event, setup_rooms_and_slots


def test_an_event_title_cannot_inject_calendar_properties(server: Server) -> None:
    title = 'Edcamp; X-EVIL:1, "North" \\ South'
    ev = make_event(server, title=title, timezone="UTC")
    setup_rooms_and_slots(ev, [20], breakouts=1)
    ev.phase("proposals")
    author, _ = ev.join("Author")
    assert author.post(ev.url("/proposals"), json={"title": "Robots"}).status_code == 201
    ev.phase("voting")
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    r = ev.organizer.get(f"/e/{ev.slug}/agenda.ics")
    assert r.status_code == 200, r.text
    text = r.text.replace("\r\n ", "")
    lines = text.split("\r\n")
    assert 'X-WR-CALNAME:Edcamp\\; X-EVIL:1\\, "North" \\\\ South' in lines, text
    assert any(line.startswith("X-WR-CALDESC:Edcamp\\; X-EVIL:1\\, ") for line in lines), text
    assert not any(line.startswith("X-EVIL") for line in lines)
    events = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == ["Opening", "Robots"]  # the session and the plenary
    assert vobject.readOne(r.text).contents["x-wr-calname"][0].value == title
