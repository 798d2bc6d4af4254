"""The board read from the back of the room: whole titles, live occupancy, live votes without asking again.

Chromium is Debian's (/usr/bin/chromium); assertions auto-wait (no sleeps, no timing claims).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, make_event, npm_package
from tests.web.daykit import running_day
from tests.web.pagekit import (
    BOARD,
    FUTURE_DAY,
    PHONE,
    SMALL_BOARD,
    artifacts,
    browser,
    resize,
    serious_violations,
    setup_day,
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

__all__ = ["artifacts", "browser"]  # fixtures used by name below

# Every visible title: shown whole (nothing clipped) and no word split over two lines.
TITLES_WHOLE = """() => {
  const problems = [];
  const table = document.querySelector('table.agenda-grid:not([hidden])');
  for (const cell of table.querySelectorAll('td:not(.pause) .cell, .room-name')) {
    const td = cell.closest('td, th');
    const below = cell.getBoundingClientRect().bottom > td.getBoundingClientRect().bottom + 1;
    if (cell.scrollWidth > cell.clientWidth + 1 || below)
      problems.push('clipped: ' + cell.textContent);
    const text = cell.firstChild;
    if (!text || text.nodeType !== 3) continue;
    const words = text.textContent.split(' ');
    let at = 0;
    for (const word of words) {
      if (word) {
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + word.length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) problems.push('broken word: ' + word);
      }
      at += word.length + 1;
    }
  }
  const rect = table.getBoundingClientRect();
  if (rect.bottom > window.innerHeight || rect.right > window.innerWidth) problems.push('grid off screen');
  return {problems, font: parseFloat(getComputedStyle(table.querySelector('td .cell')).fontSize)};
}"""

JOIN_URL_UNBROKEN = """() => {
  const url = document.querySelector('.join-url');
  const problems = [];
  for (const part of url.querySelectorAll('.url-part')) {
    const tops = new Set([...part.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > 1) problems.push(part.textContent);
  }
  if (url.scrollWidth > url.clientWidth + 1) problems.push('overflows');
  return problems;
}"""


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], f"{what} scrolls"


def board_state_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url) if "/board/state" in req.url else None)
    return seen


def test_eight_rooms_by_six_slots_of_sixty_character_titles(
    server: Server, browser: Any, artifacts: Path, axe: Path
) -> None:
    day = running_day(server, rooms=8, breakouts=6, empty_rooms=2)
    try:
        titles = {s["title"] for s in day.agenda["sessions"]}
        assert max(len(t) for t in titles) == 60 and len(titles) == 48
        ctx = browser.new_context(viewport=BOARD, bypass_csp=True)
        board = ctx.new_page()
        board.goto(f"{server.base_url}/e/{day.ev.slug}/board")
        grid = board.locator("table.agenda-grid:not([hidden])")
        expect(grid).to_be_visible()
        # Rooms with nothing in the visible slots are left out; the 8 with sessions share one page.
        expect(grid.locator("tbody tr")).to_have_count(8)
        expect(board.locator(".pager")).to_have_text("Agenda version 1")
        for room in day.rooms[8:]:
            expect(grid).not_to_contain_text(room["name"])
        for viewport, name in ((BOARD, "1920"), (SMALL_BOARD, "1280")):
            resize(board, viewport)
            board.screenshot(path=artifacts / f"board-day-8x6-{name}.png")
            found = board.evaluate(TITLES_WHOLE)
            assert found["problems"] == [], (name, found)
            # The worst case (8 rooms, 6 breakouts and lunch, every title 60 characters) still gets
            # 1.8% of the screen's height (19 px on a 1080p projector); fewer or shorter titles get more.
            assert found["font"] >= viewport["height"] * 0.018, f"text too small to read from the back: {found}"
            assert board.evaluate(JOIN_URL_UNBROKEN) == [], name
        board.set_viewport_size(BOARD)
        for title in titles:
            expect(grid).to_contain_text(title)
        board.screenshot(path=artifacts / "board-day-scheduled-1920.png")
        check_a11y(board, axe, "8x6 board")
        ctx.close()
    finally:
        day.close()


def test_running_board_shows_live_occupancy_without_asking_again(
    server: Server, browser: Any, artifacts: Path, axe: Path
) -> None:
    day = running_day(server, rooms=3, breakouts=3)
    try:
        slug = day.ev.slug
        ctx = browser.new_context(viewport=BOARD, bypass_csp=True)
        board = ctx.new_page()
        board.goto(f"{server.base_url}/e/{slug}/board")
        expect(board.locator("table.agenda-grid")).to_be_visible()
        expect(board.locator(".occ")).to_have_count(0)  # published, not running yet: no occupancy
        board.screenshot(path=artifacts / "board-day-scheduled-3-rooms-1920.png")
        day.ev.phase("running")
        first = next(r for r in day.rooms if r["capacity"] == 2)
        cell = board.locator(f'tbody [data-occ-room="{first["id"]}"]')
        expect(cell).to_be_visible(timeout=WAIT)
        expect(cell.locator(".occ-present")).to_have_text("0")
        expect(cell.locator(".occ-capacity")).to_have_text("2")
        expect(cell.locator(".occ-full")).to_be_hidden()
        fetched = board_state_requests(board)

        session = next(s for s in day.running_now() if s["room_id"] == first["id"])
        a, b = day.people[0][0], day.people[1][0]
        assert a.post(day.ev.url(f"/sessions/{session['proposal_id']}/checkin")).status_code == 200
        expect(cell.locator(".occ-present")).to_have_text("1", timeout=WAIT)
        expect(cell.locator(".occ-in-room")).to_have_text("1")
        expect(cell.locator(".occ-remote")).to_have_text("0")
        r = b.post(day.ev.url(f"/hallway/sessions/{session['proposal_id']}/join"))  # remote, over video
        assert r.status_code == 200, r.text
        expect(cell.locator(".occ-present")).to_have_text("2", timeout=WAIT)
        expect(cell.locator(".occ-remote")).to_have_text("1")
        expect(cell.locator(".occ-full")).to_be_visible()
        expect(cell.locator(".occ-full")).to_have_text("Full")
        main = board.locator(".main-occ")
        assert b.post(day.ev.url("/hallway/main/join")).status_code == 200  # moving on empties the seat
        expect(cell.locator(".occ-present")).to_have_text("1", timeout=WAIT)
        expect(cell.locator(".occ-full")).to_be_hidden()
        expect(main.locator(".occ-remote")).to_have_text("1", timeout=WAIT)
        assert fetched == [], f"the board asked the server again for occupancy: {fetched}"
        assert board.evaluate(TITLES_WHOLE)["problems"] == []
        board.screenshot(path=artifacts / "board-day-running-1920.png")
        check_a11y(board, axe, "running board with occupancy")
        resize(board, SMALL_BOARD)
        # The board refits on the resize event, which the browser delivers with its next frame.
        board.wait_for_function(f"() => ({TITLES_WHOLE})().problems.length === 0", timeout=WAIT)
        assert board.evaluate(TITLES_WHOLE)["problems"] == []
        board.screenshot(path=artifacts / "board-day-running-1280.png")

        # The day is over: no slot is "Next" any more, and no "Now".
        day.ev.phase("closed")
        expect(board.locator("#board-phase")).to_have_text("Closed", timeout=WAIT)
        expect(board.locator(".tag-next")).to_have_count(0)
        expect(board.locator(".tag-now")).to_have_count(0)
        expect(board.locator("th.next, td.next")).to_have_count(0)
        ctx.close()
    finally:
        day.close()


def test_votes_are_applied_in_place(server: Server, browser: Any) -> None:
    ev = make_event(server, start_date=FUTURE_DAY)
    setup_day(ev, rooms=2, slots=2)
    ev.phase("proposals")
    p = ev.organizer.post(ev.url("/proposals"), json={"title": "Thinking Classrooms, year two"}).json()
    ev.phase("voting")
    voters = [ev.join(f"Voter {i}")[0] for i in range(3)]
    ctx = browser.new_context(viewport=SMALL_BOARD)
    board = ctx.new_page()
    with board.expect_response(lambda r: "/board/state" in r.url):  # the snapshot every (re)connect reads
        board.goto(f"{server.base_url}/e/{ev.slug}/board")
    count = board.locator(f'[data-count-for="{p["id"]}"]')
    expect(count).to_have_text("0")
    fetched = board_state_requests(board)
    for n, voter in enumerate(voters, start=1):
        assert voter.post(ev.url("/votes"), json={"proposal_id": p["id"], "dots": 1}).status_code == 201
        expect(count).to_have_text(str(n), timeout=WAIT)
        voter.close()
    assert fetched == [], f"the board fetched its state on a vote: {fetched}"
    ctx.close()
    ev.organizer.close()


def test_phone_tabs_fit_360(server: Server, browser: Any) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        ctx.add_cookies([{"name": f"unconf_t_{day.ev.slug}", "value": day.ev.organizer_key, "url": server.base_url}])
        phone = ctx.new_page()
        session = day.running_now()[0]
        for path in ("/agenda", "/hallway", f"/s/{session['proposal_id']}", f"/s/{session['proposal_id']}/notes"):
            phone.goto(f"{server.base_url}/e/{day.ev.slug}{path}")
            tabs = phone.locator("nav.tabs a")
            names = tabs.all_inner_texts()
            assert "Where am I" in names and "Hallway" in names, (path, names)
            for i in range(tabs.count()):
                box = tabs.nth(i).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, names[i])
                assert tabs.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth"), (path, names[i])
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        # Check-in from every session page.
        phone.goto(f"{server.base_url}/e/{day.ev.slug}/s/{session['proposal_id']}")
        phone.get_by_role("link", name=re.compile("Check in")).click()
        phone.get_by_role("button", name="I'm here").click()
        expect(phone.locator(".flash")).to_contain_text("checked in")
        ctx.close()
    finally:
        day.close()
