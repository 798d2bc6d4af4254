"""Calendars where people look: plenaries in agenda.ics and on paper, venue in LOCATION, a 15-minute feed,
the subscribe button on My agenda (no JavaScript), and a page, not JSON, for me.ics without a sign-in."""

from __future__ import annotations

import re
from typing import Any

import httpx
from icalendar import Calendar
from lxml import etree

from tests.helpers import Server
from tests.web.daykit import running_day

VENUE = "Riverside Middle School"


def events_of(body: bytes) -> list[Any]:
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def test_agenda_ics_and_the_printed_agenda_carry_the_plenaries(server: Server) -> None:
    day = running_day(server, rooms=2, breakouts=3, empty_rooms=1)
    try:
        slug = day.ev.slug
        with server.client() as anon:
            r = anon.get(f"/e/{slug}/agenda.ics")
            assert r.status_code == 200, r.text
            events = events_of(r.content)
            by_title = {str(e["summary"]): e for e in events}
            for label, category in (("Opening", "PLENARY"), ("Lunch", "BREAK"), ("Closing", "PLENARY")):
                plenary = by_title[label]
                assert str(plenary["location"]) == VENUE
                assert category in [str(c) for c in plenary["categories"].cats]
                slot = next(s for s in day.slots if s["label"] == label)
                assert plenary.decoded("dtstart").isoformat()[:16] == slot["starts_at"][:16]
            sessions = [e for e in events if str(e["summary"]) not in ("Opening", "Lunch", "Closing")]
            assert len(sessions) == len(day.agenda["sessions"]) == 6
            for e in sessions:
                placed = next(s for s in day.agenda["sessions"] if s["title"] == str(e["summary"]))
                assert str(e["location"]) == f"{placed['room_name']}, {VENUE}"
            assert len({str(e["uid"]) for e in events}) == len(events) == 9

            page = anon.get(f"/e/{slug}/print/agenda")
            assert page.status_code == 200
            tree = etree.HTML(page.text)
            # One table per day (a day that runs past midnight prints two); every room keeps its
            # column in each, the one with nothing in it too.
            tables = tree.findall(".//table")
            assert tables
            for table in tables:
                heads = [th.text for th in table.findall(".//thead//th")]
                assert heads == ["Time", *(r["name"] for r in day.rooms)]
            plenaries = tree.findall(".//tr[@class='plenary']")
            assert [p.findtext(".//div[@class='title']") for p in plenaries] == ["Opening", "Lunch", "Closing"]
            assert all(p.find(".//td").get("colspan") == str(len(day.rooms)) for p in plenaries)
            assert "Plenary: everyone together" in page.text and "Break, for everyone" in page.text

            sign = anon.get(f"/e/{slug}/print/rooms/{day.rooms[0]['id']}")
            assert sign.status_code == 200
            for s in (s for s in day.agenda["sessions"] if s["room_id"] == day.rooms[0]["id"]):
                assert f"/e/{slug}/s/{s['proposal_id']}/checkin" in sign.text  # the door sign's code checks you in
    finally:
        day.close()


def test_subscribe_from_my_agenda_without_javascript(server: Server) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        slug = day.ev.slug
        token = day.token_of(0)
        origin = {"origin": server.base_url}
        with httpx.Client(base_url=server.base_url, cookies={f"unconf_t_{slug}": token}, timeout=60) as phone:
            agenda = phone.get(f"/e/{slug}/agenda")
            assert agenda.status_code == 200
            assert f'action="/e/{slug}/agenda/subscribe"' in agenda.text
            assert "Subscribe in your calendar" in agenda.text and "Download .ics" in agenda.text
            assert f'href="/e/{slug}/me.ics"' in agenda.text
            assert phone.get(f"/api/v1/events/{slug}/feed").json()["active"] is False

            made = phone.post(f"/e/{slug}/agenda/subscribe", headers=origin)
            assert made.status_code == 200, made.text
            assert made.headers["cache-control"] == "no-store"
            webcal = re.search(r'href="(webcal://[^"]+)"', made.text)
            https = re.search(r'value="(http://[^"]+/feed/[^"]+\.ics)"', made.text)
            assert webcal and https, made.text
            assert webcal.group(1).removeprefix("webcal://") == https.group(1).removeprefix("http://")
            assert phone.get(f"/api/v1/events/{slug}/feed").json()["active"] is True
            again = phone.get(f"/e/{slug}/agenda")
            assert "Subscribe again (new link)" in again.text

            with httpx.Client(timeout=60) as calendar_app:  # no cookie: the secret address is the credential
                feed = calendar_app.get(https.group(1))
                assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
                text = feed.text.replace("\r\n ", "")
                assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in text and "X-PUBLISHED-TTL:PT15M" in text
                mine = [str(e["summary"]) for e in events_of(feed.content)]
                own = next(p for p in day.agenda["sessions"] if p["facilitators"][0]["id"] == day.people[0][1]["id"])
                assert own["title"] in mine

                renewed = phone.post(f"/e/{slug}/agenda/subscribe", headers=origin)
                new_https = re.search(r'value="(http://[^"]+/feed/[^"]+\.ics)"', renewed.text)
                assert new_https and new_https.group(1) != https.group(1)
                assert calendar_app.get(https.group(1)).status_code == 404  # a new link stops the old one
                assert calendar_app.get(new_https.group(1)).status_code == 200

            refused = phone.post(f"/e/{slug}/agenda/subscribe", headers={"origin": "https://evil.example"})
            assert refused.status_code == 403
        with httpx.Client(base_url=server.base_url, timeout=60) as stranger:
            r = stranger.post(f"/e/{slug}/agenda/subscribe", headers=origin)
            assert r.status_code == 401
    finally:
        day.close()


def test_me_ics_without_a_sign_in_explains_how_to_get_one(server: Server) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        slug = day.ev.slug
        with server.client() as anon:
            page = anon.get(f"/e/{slug}/me.ics", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
            assert page.status_code == 401
            assert page.headers["content-type"].startswith("text/html")
            assert f'href="/e/{slug}/join"' in page.text and f'href="/e/{slug}/agenda"' in page.text
            assert "Subscribe in your calendar" in page.text and 'lang="en"' in page.text
            api = anon.get(f"/e/{slug}/me.ics", headers={"accept": "application/json"})
            assert api.status_code == 401 and api.json()["field"] == "authorization"
            plain = anon.get(f"/e/{slug}/me.ics")
            assert plain.status_code == 401 and plain.json()["error"]
        with server.client("not-a-token") as bad:
            assert bad.get(f"/e/{slug}/me.ics", headers={"accept": "text/html"}).status_code == 401
        signed = day.people[0][0].get(f"/e/{slug}/me.ics")
        assert signed.status_code == 200 and signed.headers["content-type"].startswith("text/calendar")
    finally:
        day.close()
