"""The day in a real browser: a 360 px phone joins, proposes and votes while a 1920x1080 board follows live.

Chromium is Debian's (/usr/bin/chromium); assertions auto-wait (no sleeps, no timing claims).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, make_event, npm_package, stack_database_url, stack_env, start_server
from tests.web.pagekit import (
    BOARD,
    FUTURE_DAY,
    PHONE,
    SMALL_BOARD,
    artifacts,
    browser,
    overflow,
    resize,
    serious_violations,
    setup_day,
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

__all__ = ["artifacts", "browser"]  # fixtures used by name below


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls sideways"


def test_phone_flow_and_live_board(server: Server, browser: Any, artifacts: Path, axe: Path) -> None:
    ev = make_event(server, title="Edcamp <Riverside>", start_date=FUTURE_DAY, timezone="UTC")
    setup_day(ev, rooms=3, slots=3)
    r = ev.organizer.post(ev.url("/phase"), json={"phase": "proposals", "ends_at": "2030-05-04T08:45"})
    assert r.status_code == 200, r.text
    other, _ = ev.join("Ola")
    twin = other.post(ev.url("/proposals"), json={"title": "Robots in kindergarten"}).json()

    board_ctx = browser.new_context(viewport=BOARD, bypass_csp=True)
    board = board_ctx.new_page()
    board.goto(f"{server.base_url}/e/{ev.slug}/board")
    expect(board.locator(".board-title")).to_have_text("Edcamp <Riverside>")
    expect(board.locator(".countdown")).to_have_text("ends at 8:45\u202fAM")  # far away: the time, not a countdown
    expect(board.locator(".qr svg")).to_be_visible()
    expect(board.get_by_text("Robots in kindergarten")).to_be_visible()

    phone_ctx = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True
    )
    phone = phone_ctx.new_page()
    phone.goto(f"{server.base_url}/e/{ev.slug}/join?code={ev.join_code}")
    expect(phone.get_by_label("Your name")).to_be_focused()
    phone.screenshot(path=artifacts / "phone-1-join.png", full_page=True)
    check_a11y(phone, axe, "join page")
    phone.get_by_label("Your name").fill("Pat <Teacher>")
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(re.compile(rf"/e/{ev.slug}/proposals$"))
    expect(phone.locator(".who")).to_contain_text("Pat <Teacher>")

    title = "Robots in kindergarten <b>class</b>"
    phone.get_by_label("Title").fill(title)
    expect(phone.locator("#similar-box")).to_contain_text("Robots in kindergarten", timeout=WAIT)
    phone.get_by_label("Short description").fill("Bee-Bots, Cubetto & friends.")
    phone.get_by_label("Tags").fill("robots, k-2")
    phone.screenshot(path=artifacts / "phone-2-propose.png", full_page=True)
    check_a11y(phone, axe, "propose form")
    phone.get_by_role("button", name="Propose").click()
    expect(phone.locator(".flash")).to_contain_text("Proposed")
    expect(board.get_by_text(title)).to_be_visible(timeout=WAIT)  # no reload on the board
    mine = next(p for p in ev.organizer.get(ev.url("/proposals")).json() if p["title"] == title)

    soon = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    assert ev.organizer.post(ev.url("/phase"), json={"phase": "voting", "ends_at": soon}).status_code == 200
    expect(board.locator("#board-phase")).to_have_text("Voting", timeout=WAIT)
    expect(board.locator(".countdown")).to_contain_text(re.compile(r"^\d+:\d\d left$"), timeout=WAIT)
    expect(phone.locator("#live-note")).to_contain_text("The event moved to: Voting.", timeout=WAIT)
    phone.get_by_role("link", name="Vote").click()
    expect(phone.locator("#dots-left-text")).to_have_text("5 of 5 dots left")
    card = phone.locator(f"#p{mine['id']}")
    card.get_by_role("button", name=re.compile("Add a dot")).click()
    expect(phone.locator("#dots-left-text")).to_have_text("4 of 5 dots left", timeout=WAIT)
    expect(card.locator(f'[data-count-for="{mine["id"]}"]')).to_have_text("1")
    expect(board.locator(f'[data-count-for="{mine["id"]}"]')).to_have_text("1", timeout=WAIT)

    other.post(ev.url("/votes"), json={"proposal_id": mine["id"], "dots": 1})  # someone else votes
    expect(card.locator(f'[data-count-for="{mine["id"]}"]')).to_have_text("2", timeout=WAIT)
    expect(board.locator(f'[data-count-for="{mine["id"]}"]')).to_have_text("2", timeout=WAIT)

    card.get_by_role("button", name=re.compile("Remove my dot")).click()
    expect(phone.locator("#dots-left-text")).to_have_text("5 of 5 dots left", timeout=WAIT)
    expect(board.locator(f'[data-count-for="{mine["id"]}"]')).to_have_text("1", timeout=WAIT)
    card.get_by_role("button", name=re.compile("Add a dot")).click()
    phone.locator(f"#p{twin['id']}").get_by_role("button", name=re.compile("Add a dot")).click()
    expect(phone.locator("#dots-left-text")).to_have_text("3 of 5 dots left", timeout=WAIT)
    expect(board.locator(f'[data-count-for="{twin["id"]}"]')).to_have_text("1", timeout=WAIT)
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=artifacts / "phone-3-vote.png", full_page=True)
    check_a11y(phone, axe, "vote page")
    board.screenshot(path=artifacts / "board-1-voting-1920.png")
    check_a11y(board, axe, "board while voting")

    # The organizer signs in with the key, builds and publishes: the board turns into the grid.
    org_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    org = org_ctx.new_page()
    org.goto(f"{server.base_url}/e/{ev.slug}/organize")
    org.get_by_label("Organizer key").fill(ev.organizer_key)
    org.get_by_role("button", name="Sign in").click()
    expect(org.locator(".flash")).to_contain_text("Signed in")
    org.get_by_role("button", name="Build the agenda from the votes").click()
    expect(org.locator(".flash")).to_contain_text("Built a draft", timeout=WAIT)
    org.screenshot(path=artifacts / "console-draft.png", full_page=True)
    check_a11y(org, axe, "organizer console")
    org.get_by_role("button", name="Publish this draft").click()
    expect(org.locator(".flash")).to_contain_text("Published version 1")
    org.set_viewport_size(PHONE)  # organizers run the day from a phone too
    assert org.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    org.goto(f"{server.base_url}/new")
    check_a11y(org, axe, "new event form")
    assert org.goto(f"{server.base_url}/e/{ev.slug}/proposals/999999/edit").status == 404
    expect(org.get_by_role("heading", name="Not found")).to_be_visible()
    check_a11y(org, axe, "error page")

    expect(board.locator("table.agenda-grid")).to_be_visible(timeout=WAIT)
    expect(board.locator("#board-phase")).to_have_text("Agenda published")
    expect(board.locator("table.agenda-grid")).to_contain_text(title)
    expect(board.locator("thead th.next")).to_contain_text("Next")
    board.screenshot(path=artifacts / "board-2-agenda-1920.png")
    check_a11y(board, axe, "board with the agenda")

    expect(phone.locator("#live-note")).to_contain_text(re.compile("agenda", re.I), timeout=WAIT)
    phone.get_by_role("link", name="Agenda").click()
    expect(phone.get_by_role("heading", name="My agenda")).to_be_visible()
    expect(phone.locator(".my-slot").first).to_contain_text("Room")
    expect(phone.get_by_role("link", name=re.compile("Add the whole agenda"))).to_have_attribute(
        "href", f"/e/{ev.slug}/agenda.ics"
    )
    phone.screenshot(path=artifacts / "phone-4-agenda.png", full_page=True)
    check_a11y(phone, axe, "agenda page")

    # Coming back on the same phone keeps the person in.
    phone.goto(f"{server.base_url}/e/{ev.slug}/join?code={ev.join_code}")
    expect(phone).to_have_url(re.compile(rf"/e/{ev.slug}/agenda$"))
    for ctx in (board_ctx, phone_ctx, org_ctx):
        ctx.close()


def test_board_survives_a_server_restart(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    db = stack_database_url(tmp_path)
    first = start_server(db, tmp_path, stack_env())
    port = int(first.base_url.rsplit(":", 1)[1])
    second: Server | None = None
    ctx = browser.new_context(viewport=SMALL_BOARD)
    try:
        ev = make_event(first, start_date=FUTURE_DAY)
        ev.phase("proposals")
        ev.organizer.post(ev.url("/proposals"), json={"title": "Before the restart"})
        board = ctx.new_page()
        board.goto(f"{first.base_url}/e/{ev.slug}/board")
        expect(board.get_by_text("Before the restart")).to_be_visible()

        ev.organizer.close()
        first.stop()
        expect(board.locator(".offline")).to_be_visible(timeout=WAIT)

        second = start_server(db, tmp_path, stack_env(), port=port)
        with second.client(ev.organizer_key) as org:
            # Changed before the board is back: it must catch up from a fresh snapshot on reconnect.
            assert org.post(ev.url("/proposals"), json={"title": "After the restart"}).status_code == 201
            expect(board.get_by_text("After the restart")).to_be_visible(timeout=WAIT)
            expect(board.locator(".offline")).to_have_count(0, timeout=WAIT)
            # And it is live again, not just refreshed once.
            assert org.post(ev.url("/phase"), json={"phase": "voting"}).status_code == 200
            expect(board.locator("#board-phase")).to_have_text("Voting", timeout=WAIT)
            voter, _ = ev.join("Vic")
            pid = next(p["id"] for p in org.get(ev.url("/proposals")).json() if p["title"] == "After the restart")
            assert voter.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1}).status_code == 201
            voter.close()
            expect(board.locator(f'[data-count-for="{pid}"]')).to_have_text("1", timeout=WAIT)
        board.screenshot(path=artifacts / "board-3-after-restart-1280.png")
    finally:
        ctx.close()
        first.stop()
        if second is not None:
            second.stop()
            assert "Traceback" not in second.log(), second.log()[-3000:]


def test_board_fits_60_proposals_and_a_12_by_6_grid(server: Server, browser: Any, artifacts: Path, axe: Path) -> None:
    ev = make_event(server, title="Edcamp Megacity: the very big unconference day", start_date=FUTURE_DAY)
    setup_day(ev, rooms=12, slots=6)
    ev.phase("proposals")
    people = [ev.join(f"Person {i}") for i in range(12)]
    ids = []
    for i in range(60):
        client, _ = people[i % 12]
        title = f"#{i + 1} Project-based learning in middle school science, with long titles that wrap twice"
        r = client.post(ev.url("/proposals"), json={"title": title[:120]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    ev.phase("voting")
    for n, (client, _) in enumerate(people):
        for pid in ids[n : n + 5]:
            client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})

    ctx = browser.new_context(viewport=SMALL_BOARD, bypass_csp=True)  # axe is injected inline
    board = ctx.new_page()
    board.goto(f"{server.base_url}/e/{ev.slug}/board")
    expect(board.locator(".pager")).to_contain_text("of 5")
    expect(board.locator(".board-page:not([hidden]) .bp")).to_have_count(12)
    sizes = overflow(board)
    assert sizes["scrollHeight"] <= sizes["innerHeight"] and sizes["scrollWidth"] <= sizes["innerWidth"], sizes
    assert sizes["bodyBottom"] <= sizes["innerHeight"], sizes
    board.screenshot(path=artifacts / "board-4-60-proposals-1280.png")
    resize(board, BOARD)
    sizes = overflow(board)
    assert sizes["bodyBottom"] <= sizes["innerHeight"] and sizes["scrollHeight"] <= sizes["innerHeight"], sizes

    assert ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 2}).status_code == 201
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    expect(board.locator("table.agenda-grid:not([hidden])")).to_be_visible(timeout=WAIT)
    expect(board.locator("table.agenda-grid:not([hidden]) tbody tr")).to_have_count(6)
    expect(board.locator(".pager")).to_contain_text("Rooms page 1 of 2")
    for viewport in (SMALL_BOARD, BOARD):
        resize(board, viewport)
        sizes = overflow(board)
        assert sizes["scrollHeight"] <= sizes["innerHeight"] and sizes["scrollWidth"] <= sizes["innerWidth"], sizes
        assert sizes["bodyBottom"] <= sizes["innerHeight"], (viewport, sizes)
        board.screenshot(path=artifacts / f"board-5-12x6-grid-{viewport['width']}.png")
    check_a11y(board, axe, "12x6 agenda board")
    ctx.close()


# --- the instance operator's page (web/operator.py) ----------------------------------------------


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 900)])
def test_the_operator_signs_in_and_suspends_an_event(
    server: Server, browser: Any, axe: Path, width: int, height: int
) -> None:
    ev = make_event(server, title="Edcamp <Operator>")
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)  # axe is injected
    page = context.new_page()
    try:
        page.goto(f"{server.base_url}/operator")
        check_a11y(page, axe, "operator sign-in")
        page.get_by_label("Operator token").fill("not-the-token-" + "x" * 30)
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_role("alert")).to_contain_text("not the operator token")
        page.get_by_label("Operator token").fill(server.env["UNCONF_ADMIN_TOKEN"])
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_role("heading", name="Events")).to_be_visible()
        events = page.get_by_role("table", name="Every event, most recently active first")
        row = events.get_by_role("row").filter(has_text=ev.slug)
        sync_api.expect(row).to_contain_text("Edcamp <Operator>")
        check_a11y(page, axe, "operator page")
        row.get_by_role("button", name=f"Suspend {ev.slug}").click()
        sync_api.expect(page.get_by_role("status").first).to_contain_text("suspended")
        assert ev.organizer.patch(ev.url(), json={"title": "x"}).json()["error"] == "event_suspended"
        events.get_by_role("row").filter(has_text=ev.slug).get_by_role("button", name=f"Resume {ev.slug}").click()
        sync_api.expect(page.get_by_role("status").first).to_contain_text("running again")
    finally:
        context.close()
        ev.organizer.close()
