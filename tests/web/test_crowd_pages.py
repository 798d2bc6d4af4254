"""Crowd pages from memory: what they show follows every change, they answer 304, assets are immutable."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event
from tests.web.pagekit import FUTURE_DAY, setup_day
from tests.web.test_page_rules import browser_client, phone_for


def published(server: Server) -> tuple[EventHandle, list[int]]:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=2)
    ev.phase("proposals")
    ids = [ev.organizer.post(ev.url("/proposals"), json={"title": f"Topic {i}"}).json()["id"] for i in range(3)]
    ev.phase("voting")
    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    return ev, ids


def my_agenda_part(html: str) -> str:
    """The "my agenda" part of the agenda page (before everyone's agenda)."""
    return html.split('id="all-h"', 1)[0]


def test_my_agenda_follows_my_stars_and_answers_304_until_it_changes(server: Server) -> None:
    ev, ids = published(server)
    api, phone = phone_for(server, ev, "Pat")
    first = phone.get(f"/e/{ev.slug}/agenda")
    assert first.status_code == 200 and first.headers["etag"] and first.headers["last-modified"]
    assert "private" in first.headers["cache-control"]
    assert "Topic 1" in first.text and "Topic 1" not in my_agenda_part(first.text)
    same = phone.get(f"/e/{ev.slug}/agenda", headers={"If-None-Match": first.headers["etag"]})
    assert same.status_code == 304 and same.content == b""
    # A star is no live message, yet my agenda (kept in memory per person) shows it at once.
    assert api.put(ev.url(f"/stars/{ids[1]}")).status_code == 200
    after = phone.get(f"/e/{ev.slug}/agenda", headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
    assert "Topic 1" in my_agenda_part(after.text)
    # Someone else's page is their own, not mine from memory.
    _, other = phone_for(server, ev, "Sam")
    assert "Pat" in after.text and "Sam" not in after.text
    assert "Sam" in other.get(f"/e/{ev.slug}/agenda").text


def test_the_vote_page_and_board_show_each_vote_at_once(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    pid = ev.organizer.post(ev.url("/proposals"), json={"title": "Robots"}).json()["id"]
    ev.phase("voting")
    api, phone = phone_for(server, ev, "Pat")
    before = phone.get(f"/e/{ev.slug}/vote").text
    state_before = httpx.get(f"{server.base_url}/e/{ev.slug}/board/state").text
    assert api.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code == 201
    after = phone.get(f"/e/{ev.slug}/vote").text
    assert after != before
    left = re.search(r"(\d+) of (\d+) dots left|(\d+)\s*dots? left", after)
    assert left is not None
    assert httpx.get(f"{server.base_url}/e/{ev.slug}/board/state").text != state_before
    # The stored tally, the API and the board agree.
    tally = {p["id"]: p["votes"] for p in ev.organizer.get(ev.url("/proposals")).json()}
    assert tally[pid] == 1


def test_a_revoked_token_stops_working_at_once(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    api, phone = phone_for(server, ev, "Pat")
    assert api.get(ev.url("/me")).status_code == 200  # the token is now in memory
    assert phone.post(f"/e/{ev.slug}/leave").status_code == 303
    assert api.get(ev.url("/me")).status_code == 401


def test_a_revoked_feed_stops_answering_at_once(server: Server) -> None:
    ev, _ = published(server)
    api, _ = ev.join("Pat")
    url = api.post(ev.url("/feed")).json()["https_url"]
    path = "/e/" + url.split("/e/", 1)[1]
    assert httpx.get(server.base_url + path).status_code == 200  # the feed's owner is now in memory
    assert api.delete(ev.url("/feed")).status_code == 204
    assert httpx.get(server.base_url + path).status_code == 404
    rotated = "/e/" + api.post(ev.url("/feed")).json()["https_url"].split("/e/", 1)[1]
    assert httpx.get(server.base_url + rotated).status_code == 200
    assert httpx.get(server.base_url + path).status_code == 404


def test_a_one_time_message_is_shown_once_and_never_kept(server: Server) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    pid = ev.organizer.post(ev.url("/proposals"), json={"title": "Robots"}).json()["id"]
    ev.phase("voting")
    _, phone = phone_for(server, ev, "Pat")
    phone.get(f"/e/{ev.slug}/vote")  # kept in memory without a message
    done = phone.post(f"/e/{ev.slug}/vote", data={"proposal_id": str(pid), "action": "add"})
    assert done.status_code == 303
    shown = phone.get(f"/e/{ev.slug}/vote")
    assert "Added a dot" in shown.text
    assert "Added a dot" not in phone.get(f"/e/{ev.slug}/vote").text


def test_pages_link_assets_by_content_hash_and_assets_are_immutable(server: Server) -> None:
    ev = make_event(server)
    html = httpx.get(f"{server.base_url}/e/{ev.slug}/board").text
    links = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)
    assert any(re.fullmatch(r"/assets/board\.[0-9a-f]{10}\.css", link) for link in links), links
    css = next(link for link in links if link.endswith(".css"))
    plain = httpx.get(server.base_url + css, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "immutable" in plain.headers["cache-control"]
    assert "max-age=31536000" in plain.headers["cache-control"]
    assert plain.headers["content-type"].startswith("text/css")
    assert plain.content == httpx.get(f"{server.base_url}/static/board.css").content
    # Raw bytes: httpx would decode gzip on its own.
    with httpx.stream("GET", server.base_url + css, headers={"Accept-Encoding": "gzip"}) as squeezed:
        raw = b"".join(squeezed.iter_raw())
        assert squeezed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    again = httpx.get(server.base_url + css, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{server.base_url}/assets/board.0000000000.css").status_code == 404


def test_pages_go_out_compressed_to_clients_that_accept_it(server: Server) -> None:
    ev, _ = published(server)
    with httpx.stream("GET", f"{server.base_url}/e/{ev.slug}/board", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip" and "Accept-Encoding" in r.headers["vary"]
    assert b"<html" in gzip.decompress(raw)
    ics = httpx.get(f"{server.base_url}/e/{ev.slug}/agenda.ics", headers={"Accept-Encoding": "gzip"})
    assert ics.status_code == 200 and ics.headers.get("content-encoding") == "gzip"
    assert ics.text.startswith("BEGIN:VCALENDAR")


@pytest.mark.parametrize("route", ["/agenda.ics", "/schedule.json", "/print/agenda"])
def test_files_follow_a_new_publication(server: Server, route: str) -> None:
    ev, ids = published(server)
    first = httpx.get(f"{server.base_url}/e/{ev.slug}{route}")
    assert first.status_code == 200
    renamed = ev.organizer.patch(ev.url(f"/proposals/{ids[0]}"), json={"title": "Renamed topic"})
    assert renamed.status_code == 200, renamed.text
    assert "Renamed topic" not in first.text
    assert "Renamed topic" in httpx.get(f"{server.base_url}/e/{ev.slug}{route}").text


def test_the_board_of_one_event_never_shows_anothers(server: Server) -> None:
    a, b = make_event(server), make_event(server)
    for ev, title in ((a, "Only in A"), (b, "Only in B")):
        ev.phase("proposals")
        ev.organizer.post(ev.url("/proposals"), json={"title": title})
    org = browser_client(server)
    board_a = org.get(f"/e/{a.slug}/board/state").text
    board_b = org.get(f"/e/{b.slug}/board/state").text
    assert "Only in A" in board_a and "Only in B" not in board_a
    assert "Only in B" in board_b and "Only in A" not in board_b
