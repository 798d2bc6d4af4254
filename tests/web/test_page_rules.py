"""Pages and the API share one rule each: what the API refuses the page refuses, on a real server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event, stack_database_url, start_server
from tests.web.pagekit import FUTURE_DAY, setup_day

FETCH = {"X-Unconf-Fetch": "1"}


def browser_client(server: Server) -> httpx.Client:
    """A cookie jar that posts like a same-origin form (browsers send Origin on POST)."""
    return httpx.Client(base_url=server.base_url, headers={"Origin": server.base_url}, timeout=60)


def phone_for(server: Server, ev: EventHandle, name: str) -> tuple[httpx.Client, httpx.Client]:
    """One person, joined through the API: their API client and a browser carrying the same token."""
    api, _ = ev.join(name)
    token = api.headers["Authorization"].removeprefix("Bearer ")
    phone = browser_client(server)
    phone.cookies.set(f"unconf_t_{ev.slug}", token)
    return api, phone


# --- who may propose and edit ------------------------------------------------------------------


def test_proposing_during_voting_is_refused_by_api_and_page_alike(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")
    ev.phase("voting")  # late proposals are off by default
    refused = api.post(ev.url("/proposals"), json={"title": "Robots"})
    assert refused.status_code == 409 and refused.json()["error"] == "wrong_phase"
    page = phone.get(f"/e/{ev.slug}/proposals")
    assert page.status_code == 200 and 'name="title"' not in page.text  # no form to fill in
    assert phone.post(f"/e/{ev.slug}/proposals", data={"title": "Robots"}).status_code == 409
    # Organizers may still add a session, through either door.
    assert ev.organizer.post(ev.url("/proposals"), json={"title": "From the API"}).status_code == 201
    org = browser_client(server)
    org.cookies.set(f"unconf_t_{ev.slug}", ev.organizer_key)
    assert 'name="title"' in org.get(f"/e/{ev.slug}/proposals").text
    assert org.post(f"/e/{ev.slug}/proposals", data={"title": "From the page"}).status_code == 303
    titles = {p["title"] for p in ev.organizer.get(ev.url("/proposals")).json()}
    assert {"From the API", "From the page"} <= titles


def test_late_proposals_open_both_doors(server: Server) -> None:
    ev = make_event(server, settings={"late_proposals": True})
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")
    ev.phase("voting")
    assert api.post(ev.url("/proposals"), json={"title": "Late from the API"}).status_code == 201
    assert 'name="title"' in phone.get(f"/e/{ev.slug}/proposals").text
    assert phone.post(f"/e/{ev.slug}/proposals", data={"title": "Late from the page"}).status_code == 303


def test_editing_after_voting_is_refused_by_api_and_page_alike(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=1, slots=1)
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")
    pid = api.post(ev.url("/proposals"), json={"title": "Robots"}).json()["id"]
    assert phone.get(f"/e/{ev.slug}/proposals/{pid}/edit").status_code == 200
    ev.phase("voting")
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201  # phase: scheduled
    refused = api.patch(ev.url(f"/proposals/{pid}"), json={"title": "Robots!"})
    assert refused.status_code == 409 and refused.json()["error"] == "wrong_phase"
    form = phone.get(f"/e/{ev.slug}/proposals/{pid}/edit")
    same_words = refused.json()["detail"].split(" while ")[0]  # "cannot edit a proposal"
    assert form.status_code == 409 and same_words[1:] in form.text
    r = phone.post(f"/e/{ev.slug}/proposals/{pid}/edit", data={"title": "Robots!", "description": "", "tags": ""})
    assert r.status_code == 409
    assert "Edit" not in phone.get(f"/e/{ev.slug}/proposals").text.split(f'id="p{pid}"', 1)[1].split("</li>", 1)[0]
    assert api.get(ev.url(f"/proposals/{pid}")).json()["title"] == "Robots"


def test_only_facilitators_see_the_edit_form(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    author, _ = ev.join("Pat")
    pid = author.post(ev.url("/proposals"), json={"title": "Robots"}).json()["id"]
    api, phone = phone_for(server, ev, "Sam")
    refused = api.patch(ev.url(f"/proposals/{pid}"), json={"title": "Mine now"})
    assert refused.status_code == 403 and refused.json()["error"] == "not_facilitator"
    assert phone.get(f"/e/{ev.slug}/proposals/{pid}/edit").status_code == 403
    assert phone.post(f"/e/{ev.slug}/proposals/{pid}/edit", data={"title": "Mine now"}).status_code == 403


# --- stepping dots -------------------------------------------------------------------------------


def test_page_steps_dots_within_the_rules_the_api_enforces(server: Server) -> None:
    ev = make_event(server, settings={"dots_per_participant": 2, "allow_stacking": False})
    ev.phase("proposals")
    author, _ = ev.join("Author")
    ids = [author.post(ev.url("/proposals"), json={"title": t}).json()["id"] for t in ("One", "Two", "Three")]
    ev.phase("voting")
    api, phone = phone_for(server, ev, "Pat")
    vote = f"/e/{ev.slug}/vote"

    # Without stacking a proposal holds one dot: the API refuses two, the page's second tap changes nothing.
    refused = api.post(ev.url("/votes"), json={"proposal_id": ids[0], "dots": 2})
    assert refused.status_code == 400 and refused.json()["field"] == "dots"
    first = phone.post(vote, data={"proposal_id": str(ids[0])}, headers=FETCH).json()
    assert first["dots"] == 1 and first["dots_left"] == 1
    again = phone.post(vote, data={"proposal_id": str(ids[0])}, headers=FETCH).json()
    assert again["dots"] == 1 and again["dots_left"] == 1
    r = phone.post(vote, data={"proposal_id": str(ids[0])})
    assert r.status_code == 303 and "No change" in phone.get(vote).text

    # The budget: the API and the page both refuse the third dot, with the same error.
    assert api.post(ev.url("/votes"), json={"proposal_id": ids[1], "dots": 1}).status_code == 201
    by_api = api.post(ev.url("/votes"), json={"proposal_id": ids[2], "dots": 1})
    by_page = phone.post(vote, data={"proposal_id": str(ids[2])}, headers=FETCH)
    assert by_api.status_code == by_page.status_code == 409
    assert by_api.json()["error"] == by_page.json()["error"] == "dots_exhausted"

    # Taking back never goes below zero.
    for _ in range(2):
        back = phone.post(vote, data={"proposal_id": str(ids[1]), "action": "remove"}, headers=FETCH).json()
        assert back["dots"] == 0 and back["dots_left"] == 1
    assert api.get(ev.url("/votes/me")).json()["votes"] == [{"proposal_id": ids[0], "dots": 1}]

    # Outside voting both doors answer with the same phase error.
    ev.phase("proposals")
    by_api = api.post(ev.url("/votes"), json={"proposal_id": ids[0], "dots": 0})
    by_page = phone.post(vote, data={"proposal_id": str(ids[0]), "action": "remove"}, headers=FETCH)
    assert by_api.status_code == by_page.status_code == 409
    assert by_api.json()["error"] == by_page.json()["error"] == "wrong_phase"


def test_page_stacks_dots_where_the_event_allows_it(server: Server) -> None:
    ev = make_event(server, settings={"dots_per_participant": 3, "allow_stacking": True})
    ev.phase("proposals")
    author, _ = ev.join("Author")
    pid = author.post(ev.url("/proposals"), json={"title": "One"}).json()["id"]
    ev.phase("voting")
    api, phone = phone_for(server, ev, "Pat")
    for expected in (1, 2, 3):
        body = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid)}, headers=FETCH).json()
        assert body["dots"] == expected and body["votes"] == expected
    refused = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid)}, headers=FETCH)
    assert refused.status_code == 409 and refused.json()["error"] == "dots_exhausted"
    assert api.get(ev.url("/votes/me")).json()["dots_left"] == 0


# --- publishing over a running day ---------------------------------------------------------------


def test_publishing_over_a_running_day_needs_a_yes_through_api_and_console(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=2)
    ev.phase("proposals")
    author, _ = ev.join("Author")
    ids = [author.post(ev.url("/proposals"), json={"title": t}).json()["id"] for t in ("One", "Two")]
    ev.phase("voting")
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    # Before the day runs, asking for the check changes nothing.
    assert ev.organizer.post(ev.url("/agenda/publish"), params={"confirm": "false"}).json()["version"] == 1
    ev.phase("running")
    assert ev.organizer.delete(ev.url(f"/agenda/draft/sessions/{ids[0]}")).status_code == 200

    refused = ev.organizer.post(ev.url("/agenda/publish"), params={"confirm": "false"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "day_running" and refused.json()["field"] == "confirm"
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 1
    bad = ev.organizer.post(ev.url("/agenda/publish"), params={"confirm": "perhaps"})
    assert bad.status_code == 400 and set(bad.json()) == {"error", "detail", "field"}

    org = browser_client(server)
    org.cookies.set(f"unconf_t_{ev.slug}", ev.organizer_key)
    assert org.post(f"/e/{ev.slug}/organize/publish").status_code == 303
    assert "Not published" in org.get(f"/e/{ev.slug}/organize").text
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 1

    assert ev.organizer.post(ev.url("/agenda/publish"), params={"confirm": "true"}).json()["version"] == 2
    assert ev.organizer.put(ev.url(f"/agenda/draft/sessions/{ids[0]}"), json=_first_free(ev)).status_code == 200
    assert org.post(f"/e/{ev.slug}/organize/publish", data={"confirm_running": "yes"}).status_code == 303
    assert ev.organizer.get(ev.url("/agenda")).json()["version"] == 3
    # Clients that never send the flag publish as they always did.
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 404  # no draft left: nothing to publish
    assert ev.organizer.delete(ev.url(f"/agenda/draft/sessions/{ids[0]}")).status_code == 200
    assert ev.organizer.post(ev.url("/agenda/publish")).json()["version"] == 4


def _first_free(ev: EventHandle) -> dict[str, int]:
    published = ev.organizer.get(ev.url("/agenda")).json()
    taken = {(s["slot_id"], s["room_id"]) for s in published["sessions"]}
    for slot in ev.organizer.get(ev.url("/slots")).json():
        for room in ev.organizer.get(ev.url("/rooms")).json():
            if (slot["id"], room["id"]) not in taken:
                return {"slot_id": slot["id"], "room_id": room["id"]}
    raise AssertionError("no free place in the draft")


# --- creating events -----------------------------------------------------------------------------


def test_a_failed_new_event_form_leaves_no_event_behind(server: Server) -> None:
    """The free tier has 40 rooms: a setup asking for more is refused, and no event is left behind."""
    marker = uuid.uuid4().hex[:8]
    with browser_client(server) as org:
        r = org.post(
            "/new",
            data={
                "title": f"Too big {marker}",
                "organizer_name": "Olga",
                "start_date": "2030-05-04",
                "timezone": "UTC",
                "breakout_rooms": "45",
            },
        )
        assert r.status_code == 403 and "max_rooms" in r.text and 'value="45"' in r.text
    with server.client() as anon:
        gone = anon.get(f"/api/v1/events/too-big-{marker}")
        assert gone.status_code == 404 and gone.json()["error"] == "not_found"


# --- one definition of "my sessions" -------------------------------------------------------------


def test_my_agenda_and_my_calendar_list_the_same_sessions(server: Server) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=3)  # Ben runs three sessions: one per slot
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")
    ben, ben_info = ev.join("Ben")
    proposed = ev.organizer.post(
        ev.url("/proposals"), json={"title": "Proposed for Ben", "facilitator_ids": [ben_info["id"]]}
    ).json()["id"]
    facilitated = api.post(ev.url("/proposals"), json={"title": "Pat runs this"}).json()["id"]
    starred = ben.post(ev.url("/proposals"), json={"title": "Starred by Pat"}).json()["id"]
    voted = ben.post(ev.url("/proposals"), json={"title": "Voted by Pat"}).json()["id"]
    assert api.put(ev.url(f"/stars/{starred}")).status_code == 200
    ev.phase("voting")
    assert api.post(ev.url("/votes"), json={"proposal_id": voted, "dots": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201

    pat_page = phone.get(f"/e/{ev.slug}/agenda").text.split("My agenda", 1)[1].split("</section>", 1)[0]
    pat_calendar = api.get(f"/e/{ev.slug}/me.ics").text
    for title in ("Pat runs this", "Starred by Pat", "Voted by Pat"):
        assert title in pat_page and title in pat_calendar
    assert "Proposed for Ben" not in pat_page and "Proposed for Ben" not in pat_calendar

    org = browser_client(server)
    org.cookies.set(f"unconf_t_{ev.slug}", ev.organizer_key)
    org_page = org.get(f"/e/{ev.slug}/agenda").text.split("My agenda", 1)[1]
    assert "Proposed for Ben" in org_page.split("</section>", 1)[0]
    org_calendar = ev.organizer.get(f"/e/{ev.slug}/me.ics").text
    assert "Proposed for Ben" in org_calendar and "Pat runs this" not in org_calendar
    assert proposed and facilitated


# --- the pages' posts count against the API's rate limits ----------------------------------------


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[Server]:
    """Limits at a twentieth: 1 new event, 30 joins per address, 1 proposal and 12 votes per person a minute.

    Counters stay in this server's memory even on the Redis stack: in Redis every test server (and
    every other run on the machine) counts against the same loopback address in the same minute.
    """
    srv = start_server(stack_database_url(tmp_path), tmp_path, {"UNCONF_RATE_LIMIT_SCALE": "0.05"})
    yield srv
    srv.stop()


def _fresh_window() -> int:
    """Start in a fresh one-minute window (limits count per minute), so a count cannot straddle two."""
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)
    return int(time.time() // 60)


def test_page_posts_share_the_api_rate_limits(strict_server: Server) -> None:
    server = strict_server
    window = _fresh_window()
    ev = make_event(server, settings={"dots_per_participant": 100, "allow_stacking": True})
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")  # join 1 of 30

    # Joining: 30 per address a minute, whichever door.
    for i in range(29):
        if i % 2:
            ev.join(f"Api {i}")
        else:
            with browser_client(server) as stranger:
                r = stranger.post(f"/e/{ev.slug}/join", data={"display_name": f"Page {i}", "code": ev.join_code})
                assert r.status_code == 303, r.text
    with browser_client(server) as stranger:
        join_page = stranger.post(f"/e/{ev.slug}/join", data={"display_name": "One more", "code": ev.join_code})
    with server.client() as anon:
        join_api = anon.post(ev.url("/join"), json={"display_name": "Also", "join_code": ev.join_code})

    # Proposing: one per person a minute; the page counts for the API and the other way round.
    assert api.post(ev.url("/proposals"), json={"title": "By API"}).status_code == 201
    propose_page = phone.post(f"/e/{ev.slug}/proposals", data={"title": "By page"})
    org = browser_client(server)
    org.cookies.set(f"unconf_t_{ev.slug}", ev.organizer_key)
    assert org.post(f"/e/{ev.slug}/proposals", data={"title": "Organizer's page"}).status_code == 303
    propose_api = ev.organizer.post(ev.url("/proposals"), json={"title": "Organizer's API"})

    # Voting: twelve per person a minute.
    ev.phase("voting")
    pid = ev.organizer.get(ev.url("/proposals")).json()[0]["id"]
    for dots in range(1, 7):
        assert api.post(ev.url("/votes"), json={"proposal_id": pid, "dots": dots * 2 - 1}).status_code == 201
        voted = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid)}, headers=FETCH)
        assert voted.status_code == 200 and voted.json()["dots"] == dots * 2
    vote_page = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid)}, headers=FETCH)
    vote_api = api.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})

    if int(time.time() // 60) != window:
        pytest.skip("the counts straddled two one-minute windows; nothing to conclude")
    assert join_page.status_code == 429 and "text/html" in join_page.headers["content-type"]
    assert join_api.status_code == 429 and join_api.json()["error"] == "rate_limited"
    assert propose_page.status_code == 429 and propose_api.status_code == 429
    assert vote_page.status_code == 429 and vote_page.json()["error"] == "rate_limited"
    assert vote_api.status_code == 429
    assert len(api.get(ev.url("/proposals")).json()) == 2
    assert api.get(ev.url("/votes/me")).json()["votes"] == [{"proposal_id": pid, "dots": 12}]
