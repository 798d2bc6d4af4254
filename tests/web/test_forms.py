"""The pages over plain HTTP, as a phone without JavaScript would use them: forms, redirects, cookies."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event
from tests.web.pagekit import FUTURE_DAY, setup_day


def browser_client(server: Server) -> httpx.Client:
    """A cookie jar that posts like a same-origin form (browsers send Origin on POST)."""
    return httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60)


def join(server: Server, ev: EventHandle, name: str) -> httpx.Client:
    phone = browser_client(server)
    r = phone.get(f"/e/{ev.slug}/join", params={"code": ev.join_code})
    assert r.status_code == 200
    assert 'name="display_name"' in r.text and 'type="hidden" name="code"' in r.text
    r = phone.post(f"/e/{ev.slug}/join", data={"display_name": name, "code": ev.join_code})
    assert r.status_code == 303, r.text
    assert f"unconf_t_{ev.slug}" in phone.cookies
    return phone


@pytest.fixture
def open_event(server: Server) -> EventHandle:
    ev = make_event(server)
    ev.phase("proposals")
    return ev


def test_join_is_one_field_and_the_cookie_keeps_you_in(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    phone = join(server, ev, "Pat")
    cookie = phone.cookies.jar
    set_cookie = next(c for c in cookie if c.name == f"unconf_t_{ev.slug}")
    assert set_cookie.has_nonstandard_attr("HttpOnly")
    r = phone.get(f"/e/{ev.slug}/join", params={"code": ev.join_code})
    assert r.status_code == 303 and r.headers["location"] == f"/e/{ev.slug}/proposals"
    page = phone.get(f"/e/{ev.slug}/proposals")
    assert "You are <strong>Pat</strong>" in page.text
    assert '<html lang="en" dir="ltr">' in page.text and 'href="#main"' in page.text


def test_join_with_a_wrong_code_explains_itself(server: Server, open_event: EventHandle) -> None:
    with browser_client(server) as phone:
        r = phone.post(f"/e/{open_event.slug}/join", data={"display_name": "Pat", "code": "WRONG1"})
        assert r.status_code == 403
        assert "text/html" in r.headers["content-type"]
        assert "join code is not right" in r.text
        r = phone.post(f"/e/{open_event.slug}/join", data={"display_name": "  ", "code": open_event.join_code})
        assert r.status_code == 400 and "Please type a name" in r.text


def test_propose_edit_withdraw_with_plain_forms(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    phone = join(server, ev, "Pat")
    r = phone.post(
        f"/e/{ev.slug}/proposals",
        data={"title": "<script>alert(1)</script> Games in math", "description": "Bring dice", "tags": "math, games"},
    )
    assert r.status_code == 303
    pid = int(re.search(r"#p(\d+)$", r.headers["location"]).group(1))
    page = phone.get(f"/e/{ev.slug}/proposals").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Games in math" in page
    assert f"/e/{ev.slug}/proposals/{pid}/edit" in page and "Withdraw" in page
    api = ev.organizer.get(ev.url(f"/proposals/{pid}")).json()
    assert api["tags"] == ["math", "games"] and api["description"] == "Bring dice"

    r = phone.post(
        f"/e/{ev.slug}/proposals/{pid}/edit", data={"title": "Games in math class", "description": "", "tags": ""}
    )
    assert r.status_code == 303
    assert ev.organizer.get(ev.url(f"/proposals/{pid}")).json()["title"] == "Games in math class"

    other = join(server, ev, "Quinn")
    assert other.get(f"/e/{ev.slug}/proposals/{pid}/edit").status_code == 403
    r = other.post(f"/e/{ev.slug}/proposals/{pid}/withdraw")
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]

    r = phone.post(f"/e/{ev.slug}/proposals/{pid}/withdraw")
    assert r.status_code == 303
    assert ev.organizer.get(ev.url(f"/proposals/{pid}")).json()["status"] == "withdrawn"


def test_a_too_long_title_comes_back_with_the_text_kept(server: Server, open_event: EventHandle) -> None:
    phone = join(server, open_event, "Pat")
    r = phone.post(f"/e/{open_event.slug}/proposals", data={"title": "x" * 121, "description": "keep me"})
    assert r.status_code == 400
    assert "1 to 120 characters" in r.text and "keep me" in r.text


def test_near_duplicates_are_offered(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    phone = join(server, ev, "Pat")
    for title in ("Makerspace on a budget", "Grading for learning", "Podcasting with students"):
        assert phone.post(f"/e/{ev.slug}/proposals", data={"title": title}).status_code == 303
    found = phone.get(f"/e/{ev.slug}/similar", params={"title": "makerspaces on a small budget"}).json()
    assert [f["title"] for f in found] == ["Makerspace on a budget"]
    assert phone.get(f"/e/{ev.slug}/similar", params={"title": "Chess club"}).json() == []


def test_cross_site_form_posts_are_refused(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    phone = join(server, ev, "Pat")
    r = phone.post(f"/e/{ev.slug}/proposals", data={"title": "Sneaky"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert "cross-site" in r.text.lower() and "text/html" in r.headers["content-type"]
    r = phone.post(f"/e/{ev.slug}/proposals", data={"title": "Sneaky"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert all(p["title"] != "Sneaky" for p in ev.organizer.get(ev.url("/proposals")).json())
    # Joining or signing in from another site must not swap the identity this phone holds.
    r = phone.post(
        f"/e/{ev.slug}/join",
        data={"display_name": "Mallory", "code": ev.join_code},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403 and "Pat" in phone.get(f"/e/{ev.slug}/proposals").text
    r = phone.post(
        f"/e/{ev.slug}/organize/signin", data={"key": ev.organizer_key}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert r.status_code == 403


def test_voting_with_plain_forms_counts_dots_left(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    phone = join(server, ev, "Pat")
    ids = []
    for title in ("One", "Two", "Three"):
        r = phone.post(f"/e/{ev.slug}/proposals", data={"title": f"Topic {title}"})
        ids.append(int(r.headers["location"].rsplit("#p", 1)[1]))
    page = phone.get(f"/e/{ev.slug}/vote").text
    assert "Voting has not started yet" in page and 'name="action"' not in page
    r = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(ids[0]), "action": "add"})
    assert r.status_code == 303  # refused, with the reason shown on the next page
    assert "Cannot vote" in phone.get(f"/e/{ev.slug}/vote").text

    ev.phase("voting")
    page = phone.get(f"/e/{ev.slug}/vote").text
    assert "5 of 5 dots left" in page
    for pid in ids[:2]:
        r = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid), "action": "add"})
        assert r.status_code == 303 and r.headers["location"] == f"/e/{ev.slug}/vote#p{pid}"
    page = phone.get(f"/e/{ev.slug}/vote").text
    assert "3 of 5 dots left" in page
    assert re.search(rf'data-count-for="{ids[0]}" aria-live="polite">1<', page)
    phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(ids[0]), "action": "remove"})
    assert "4 of 5 dots left" in phone.get(f"/e/{ev.slug}/vote").text
    tallies = {p["id"]: p["votes"] for p in ev.organizer.get(ev.url("/proposals")).json()}
    assert tallies[ids[0]] == 0 and tallies[ids[1]] == 1

    r = phone.post(
        f"/e/{ev.slug}/vote", data={"proposal_id": str(ids[2]), "action": "add"}, headers={"X-Unconf-Fetch": "1"}
    )
    assert r.status_code == 200
    assert r.json() == {"proposal_id": ids[2], "dots": 1, "dots_left": 3, "budget": 5, "votes": 1}


def test_pages_never_answer_json_or_500(server: Server, open_event: EventHandle) -> None:
    ev = open_event
    with browser_client(server) as anon:
        for path in (
            "/e/no-such-event",
            "/e/no-such-event/board",
            f"/e/{ev.slug}/proposals/999999/edit",
            f"/e/{ev.slug}/proposals/99999999999999/edit",
            "/e/" + "x" * 300 + "/vote",
        ):
            r = anon.get(path)
            assert r.status_code in (303, 404), (path, r.status_code)
            if r.status_code == 404:
                assert "text/html" in r.headers["content-type"], path
        r = anon.post(f"/e/{ev.slug}/vote", data={"proposal_id": "1"})
        assert r.status_code == 401 and "Join the event" in r.text
        r = anon.post(f"/e/{ev.slug}/proposals", content=b"\xff\xfe", headers={"Content-Type": "text/plain"})
        assert r.status_code < 500
    phone = join(server, ev, "Pat")
    r = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": "abc"})
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


def test_my_agenda_picks_between_two_of_mine(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=1)
    ev.phase("proposals")
    phone = join(server, ev, "Pat")
    ids = []
    others, _ = ev.join("Ola")
    for name, title in (("Ben", "Robots"), ("Cy", "Poetry")):
        author, _ = ev.join(name)
        ids.append(author.post(ev.url("/proposals"), json={"title": title}).json()["id"])
    ev.phase("voting")
    for pid in ids:
        assert phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid)}).status_code == 303
    others.post(ev.url("/votes"), json={"proposal_id": ids[1], "dots": 1})
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    slot = ev.organizer.get(ev.url("/slots")).json()[0]["id"]
    rooms = [r["id"] for r in ev.organizer.get(ev.url("/rooms")).json()]
    for pid, room in zip(ids, rooms, strict=True):  # both of Pat's picks at the same time, by hand
        r = ev.organizer.put(ev.url(f"/agenda/draft/sessions/{pid}"), json={"slot_id": slot, "room_id": room})
        assert r.status_code == 200, r.text
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    page = phone.get(f"/e/{ev.slug}/agenda").text
    assert "My agenda" in page and "Your pick" in page and "Also at this time" in page
    pick = page.index("Your pick")
    assert page.index("Poetry", pick) < page.index("Also at this time")  # more votes wins the tie on my dots
    assert f"/e/{ev.slug}/agenda.ics" in page and f"/e/{ev.slug}/s/{ids[0]}.ics" in page
    assert "Room 1" in page and "9:00\u202fAM" in page  # the English clock (Babel, en)


def test_organizer_sets_up_an_edcamp_in_one_form(server: Server) -> None:
    with browser_client(server) as org:
        r = org.post(
            "/new",
            data={
                "title": "Edcamp <Riverside>",
                "organizer_name": "Olga",
                "start_date": "2030-05-04",
                "timezone": "Europe/Berlin",
                "breakout_rooms": "4",
                "dots_per_participant": "3",
                "starts_at": "08:30",
                "breakout_slots": "3",
                "slot_minutes": "45",
            },
        )
        assert r.status_code == 201, r.text
        assert "Edcamp &lt;Riverside&gt; is ready" in r.text
        slug = re.search(r"/e/([a-z0-9-]+)/organize", r.text).group(1)
        key = re.search(r'class="key" readonly value="([^"]+)"', r.text).group(1)
        api = server.client(key)
        event = api.get(f"/api/v1/events/{slug}").json()
        assert event["phase"] == "proposals" and event["settings"]["dots_per_participant"] == 3
        rooms = api.get(f"/api/v1/events/{slug}/rooms").json()
        assert [r["name"] for r in rooms] == ["Main room", "Room 1", "Room 2", "Room 3", "Room 4"]
        assert [r["hosts_breakouts"] for r in rooms] == [False, True, True, True, True]
        slots = api.get(f"/api/v1/events/{slug}/slots").json()
        assert [s["kind"] for s in slots] == ["plenary", "breakout", "breakout", "breakout", "plenary"]
        assert slots[0]["starts_at"].startswith("2030-05-04T08:30:00+02:00")

        console = org.get(f"/e/{slug}/organize")
        assert console.status_code == 200 and "Organizer console" in console.text

        r = org.post(f"/e/{slug}/organize/phase", data={"phase": "voting", "ends_at": "2030-05-04T09:10"})
        assert r.status_code == 303
        event = api.get(f"/api/v1/events/{slug}").json()
        assert event["phase"] == "voting" and event["phase_ends_at"].startswith("2030-05-04T09:10:00+02:00")

        r = org.post(f"/e/{slug}/organize/rooms", data={"name": "Library", "capacity": "12"})
        assert r.status_code == 303
        assert any(room["name"] == "Library" for room in api.get(f"/api/v1/events/{slug}/rooms").json())

        base = {"title": "X", "organizer_name": "O", "start_date": "2030-05-04", "timezone": "UTC"}
        bad = org.post("/new", data={**base, "starts_at": "22:30", "breakout_slots": "8"})
        assert bad.status_code == 400 and "past midnight" in bad.text and 'id="starts_at"' in bad.text
        bad = org.post("/new", data={**base, "title": "Tab\there", "timezone": "Mars/Base"})
        assert bad.status_code == 400 and "IANA timezone" in bad.text and 'value="Tab' in bad.text
        bad = org.post("/new", data={**base, "title": "Tab\there"})
        assert bad.status_code == 400 and "control character" in bad.text
        bad = org.post("/new", data={**base, "breakout_rooms": "many"})
        assert bad.status_code == 400 and "whole number" in bad.text
        assert (
            'id="breakout_rooms" name="breakout_rooms" type="number" min="1" max="39" required value="many"' in bad.text
        )
        bad = org.post("/new", data={**base, "breakout_rooms": "0"})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text

    with browser_client(server) as stranger:
        r = stranger.get(f"/e/{slug}/organize")
        assert "Organizer key" in r.text and "Phase:" not in r.text
        r = stranger.post(f"/e/{slug}/organize/signin", data={"key": "not-a-key"})
        assert r.status_code == 303 and f"unconf_t_{slug}" not in stranger.cookies
        r = stranger.post(f"/e/{slug}/organize/phase", data={"phase": "proposals"})
        assert r.status_code == 401
        r = stranger.post(f"/e/{slug}/organize/signin", data={"key": key})
        assert r.status_code == 303 and f"unconf_t_{slug}" in stranger.cookies
        assert "Phase: Voting" in stranger.get(f"/e/{slug}/organize").text


def test_console_merges_builds_and_warns_before_publishing_over_a_running_day(server: Server) -> None:
    ev = make_event(server, start_date="2020-01-06")
    setup_day(ev, rooms=2, slots=2, day="2020-01-06")  # a day in the past: every slot has started
    ev.phase("proposals")
    org = browser_client(server)
    assert org.post(f"/e/{ev.slug}/organize/signin", data={"key": ev.organizer_key}).status_code == 303
    pids = [
        ev.organizer.post(ev.url("/proposals"), json={"title": t}).json()["id"]
        for t in ("Coding club ideas", "Coding club idea", "Outdoor learning")
    ]
    console = org.get(f"/e/{ev.slug}/organize").text
    assert "Look like twins" in console
    r = org.post(f"/e/{ev.slug}/organize/merge", data={"proposal_id": str(pids[1]), "into": str(pids[0])})
    assert r.status_code == 303
    assert ev.organizer.get(ev.url(f"/proposals/{pids[1]}")).json()["status"] == "merged"

    ev.phase("voting")
    assert org.post(f"/e/{ev.slug}/organize/build").status_code == 303
    console = org.get(f"/e/{ev.slug}/organize").text
    assert "Draft" in console and "Publish this draft" in console and "No clashes" in console
    slots = ev.organizer.get(ev.url("/slots")).json()
    rooms = ev.organizer.get(ev.url("/rooms")).json()
    r = org.post(
        f"/e/{ev.slug}/organize/place",
        data={
            "proposal_id": str(pids[2]),
            "slot_id": str(slots[1]["id"]),
            "room_id": str(rooms[1]["id"]),
            "pinned": "on",
        },
    )
    assert r.status_code == 303
    draft = ev.organizer.get(ev.url("/agenda/draft")).json()
    placed = {s["proposal_id"]: s for s in draft["sessions"]}
    assert placed[pids[2]]["slot_id"] == slots[1]["id"] and placed[pids[2]]["pinned"]
    assert org.post(f"/e/{ev.slug}/organize/build").status_code == 303  # re-build keeps the pin
    draft = ev.organizer.get(ev.url("/agenda/draft")).json()
    assert {s["proposal_id"]: s for s in draft["sessions"]}[pids[2]]["room_id"] == rooms[1]["id"]

    assert org.post(f"/e/{ev.slug}/organize/publish").status_code == 303
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 1
    ev.phase("running")
    org.post(f"/e/{ev.slug}/organize/unschedule", data={"proposal_id": str(pids[0])})
    console = org.get(f"/e/{ev.slug}/organize").text
    assert "Warning: the day is running" in console and "confirm_running" in console
    r = org.post(f"/e/{ev.slug}/organize/publish")
    assert r.status_code == 303 and ev.organizer.get(ev.url("/agenda")).json()["version"] == 1
    assert "Not published" in org.get(f"/e/{ev.slug}/organize").text
    org.post(f"/e/{ev.slug}/organize/publish", data={"confirm_running": "yes"})
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 2
