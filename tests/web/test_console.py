"""Starting an Edcamp and running it from the console, in Chromium at 360 px and 1920x1080 (axe clean).

One setup form (its date and time zone from the browser), the start page, and a console with every
setting, every printable and export, people, rooms saved in one form, and times on the event's clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import Server, make_event
from tests.web.pagekit import BOARD, PHONE, artifacts, browser, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000
SHOTS = Path("/tmp/shots-14b")

__all__ = ["artifacts", "browser"]  # fixtures used by name below


@pytest.fixture(scope="module")
def axe() -> Path:
    from tests.helpers import npm_package

    return npm_package("axe-core", "4.10.2")


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls sideways"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / name, full_page=True)


def test_start_page_setup_form_and_result(server: Server, browser: Any, axe: Path) -> None:
    """A Chicago organizer's browser fills in Chicago and their own today; one form, one result page."""
    listed = make_event(server, title="Edcamp Listed", start_date="2099-05-04", settings={"listed": True})
    listed.phase("proposals")
    hidden = make_event(server, title="Edcamp Unlisted", start_date="2099-05-04")
    hidden.phase("proposals")
    ctx = browser.new_context(viewport=PHONE, timezone_id="America/Chicago", bypass_csp=True)
    page = ctx.new_page()
    try:
        assert page.goto(f"{server.base_url}/").status == 200
        expect(page.get_by_role("heading", name="Edcamps, made on the day")).to_be_visible()
        expect(page.get_by_role("link", name="Edcamp Listed")).to_be_visible()
        expect(page.get_by_text("Edcamp Unlisted")).to_have_count(0)  # private unless the organizer lists it
        check_a11y(page, axe, "start page")
        shot(page, "start-360.png")

        # A wrong code comes back in the field, to fix.
        page.get_by_label("Join code").fill("NOPE42")
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_role("alert")).to_contain_text("No event has the join code NOPE42")
        expect(page.get_by_label("Join code")).to_have_value("NOPE42")
        expect(page.get_by_label("Join code")).to_have_attribute("aria-invalid", "true")
        check_a11y(page, axe, "start page with a wrong code")
        page.get_by_label("Join code").fill(listed.join_code.lower())
        page.get_by_role("button", name="Join").click()
        expect(page).to_have_url(re.compile(rf"/e/{listed.slug}/join\?code={listed.join_code}$"))

        page.goto(f"{server.base_url}/")
        page.get_by_role("link", name="Start an Edcamp").click()
        expect(page).to_have_url(re.compile(r"/new$"))
        chicago_today = datetime.now(ZoneInfo("America/Chicago")).date().isoformat()
        expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
        expect(page.get_by_label("Date")).to_have_value(chicago_today)
        check_a11y(page, axe, "setup form")
        shot(page, "setup-360.png")
        page.get_by_label("Event name").fill("Edcamp Lakeside")
        page.get_by_label("Your name").fill("Olga")
        page.get_by_label("Date").fill("2099-05-04")
        page.get_by_label("Breakout rooms").fill("3")
        page.get_by_role("button", name="Create my Edcamp").click()
        expect(page.get_by_role("heading", name="Edcamp Lakeside is ready")).to_be_visible()
        expect(page.get_by_text("2099-05-04 · America/Chicago")).to_be_visible()
        expect(page.get_by_text("Main room (200 seats; opening, closing and the main video)")).to_be_visible()
        check_a11y(page, axe, "created page")
        shot(page, "created-360.png")
        page.get_by_role("link", name="Open the organizer console").click()
        expect(page.get_by_role("heading", name="Organizer console")).to_be_visible()
    finally:
        ctx.close()
        listed.organizer.close()
        hidden.organizer.close()


def test_a_missing_page_never_links_back_to_itself(server: Server) -> None:
    with server.client() as anon:
        r = anon.get("/e/no-such-event/agenda", headers={"accept": "text/html"})
        assert r.status_code == 404 and "text/html" in r.headers["content-type"]
        assert 'href="/e/no-such-event' not in r.text and 'href="/"' in r.text
        home = anon.get("/")
        assert home.status_code == 200 and "text/html" in home.headers["content-type"]
        assert 'action="/join"' in home.text and 'href="/new"' in home.text


def test_console_has_everything_and_saves_it(server: Server, browser: Any, axe: Path) -> None:
    """Settings, video, autopilot, people, rooms in one form, proposals, agenda words and every link."""
    ev = make_event(server, title="Edcamp Chicago", start_date="2099-05-04", timezone="America/Chicago")
    api = ev.organizer
    main = api.post(ev.url("/rooms"), json={"name": "Main room", "capacity": 200, "hosts_breakouts": False}).json()
    for name in ("Room 1", "Room 2"):
        assert api.post(ev.url("/rooms"), json={"name": name, "capacity": 20}).status_code == 201
    for hour in (9, 10):
        day = "2099-05-04"
        body = {"starts_at": f"{day}T{hour:02d}:00", "ends_at": f"{day}T{hour:02d}:45"}
        assert api.post(ev.url("/slots"), json=body).status_code == 201
    r = api.post(ev.url("/phase"), json={"phase": "proposals", "ends_at": "2099-05-04T08:45"})
    assert r.status_code == 200, r.text
    pat, pat_me = ev.join("Pat")
    sam, sam_me = ev.join("Sam")
    merged_into = pat.post(ev.url("/proposals"), json={"title": "Makerspace on a budget"}).json()
    assert sam.post(ev.url("/proposals"), json={"title": "Makerspaces on a budget"}).status_code == 201

    ctx = browser.new_context(viewport=BOARD, bypass_csp=True)
    page = ctx.new_page()
    try:
        page.goto(f"{server.base_url}/e/{ev.slug}/organize")
        page.get_by_label("Organizer key").fill(ev.organizer_key)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".flash")).to_contain_text("Signed in")

        # Times on the event's clock, phase buttons that can succeed, plurals.
        expect(page.locator("#phase")).to_contain_text("Countdown ends Monday, May 4, 8:45\u202fAM (America/Chicago)")
        expect(page.locator("#phase")).not_to_contain_text("+00:00")
        expect(page.get_by_role("button", name="Move to Voting")).to_be_visible()
        expect(page.get_by_role("button", name="Back to Getting ready")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Agenda published"))).to_have_count(0)
        expect(page.locator("#people-h")).to_have_text("People (3 people)")
        expect(page.get_by_label("Close proposals at")).to_have_value("")

        # Every printable, QR code and export is one click away.
        for label in (
            "Printable agenda",
            "join the event",
            "check in to Room 1",
            "The digest: sessions and their notes",
        ):
            expect(page.get_by_role("link", name=label, exact=True)).to_be_visible()
        expect(page.locator("#print").get_by_role("link", name="Main room", exact=True)).to_have_attribute(
            "href", f"/e/{ev.slug}/print/rooms/{main['id']}"
        )
        exports = page.locator("#print li a[href*='/export/']")
        assert exports.count() >= 10
        expect(page.get_by_text("Video usage reports come with the paid tier.")).to_be_visible()
        check_a11y(page, axe, "console at 1920")
        shot(page, "console-1920.png")

        # Event settings, through the same service as the API.
        page.get_by_label("Title", exact=True).fill("Edcamp Chicago 2099")
        page.get_by_label("Dots per person").fill("4")
        page.get_by_label(re.compile("Allow stacking")).check()
        page.get_by_label(re.compile("Late proposals")).check()
        page.get_by_label(re.compile("List this event")).check()
        page.get_by_role("button", name="Save the settings").click()
        expect(page.locator(".flash")).to_contain_text("Saved the settings of Edcamp Chicago 2099")
        settings = api.get(ev.url()).json()
        assert settings["title"] == "Edcamp Chicago 2099"
        assert settings["settings"] == {
            "dots_per_participant": 4,
            "allow_stacking": True,
            "late_proposals": True,
            "listed": True,
        }

        # Video: fixed links from a template, and the main room.
        page.get_by_label("Fixed links").check()
        page.get_by_label("Template", exact=True).fill("https://meet.example.org/{event}-{room}")
        page.locator("#vp-main").select_option(label="Main room")
        page.get_by_role("button", name="Save the video settings").click()
        expect(page.locator(".flash")).to_contain_text("Saved the video settings: Fixed links")
        video = api.get(ev.url("/video")).json()
        assert video["provider"] == "static" and video["main_room_id"] == main["id"]
        assert video["config"]["template"] == "https://meet.example.org/{event}-{room}"

        # The autopilot's timeline, typed on the event's clock.
        page.get_by_label("Close proposals at").fill("2099-05-04T08:40")
        page.get_by_label("Close voting and build at").fill("2099-05-04T08:55")
        page.get_by_role("button", name="Save the timeline").click()
        expect(page.locator(".flash")).to_contain_text("Saved the timeline")
        pilot = api.get(ev.url("/autopilot")).json()
        assert pilot["proposals_until"].startswith("2099-05-04T08:40:00-05:00"), pilot
        expect(page.get_by_label("Close proposals at")).to_have_value("2099-05-04T08:40")

        # Rooms: two rows edited, one save, both kept; the main room becomes a breakout room too.
        page.get_by_label("Name of room 2").fill("Library")
        page.get_by_label("Seats in Room 2").fill("25")
        page.get_by_label("Breakout sessions may be placed in Main room").check()
        page.get_by_role("button", name="Save all rooms").click()
        expect(page.locator(".flash")).to_contain_text("Saved 3 rooms")
        rooms = {r["name"]: r for r in api.get(ev.url("/rooms")).json()}
        assert rooms["Library"]["capacity"] == 20 and rooms["Room 2"]["capacity"] == 25
        assert rooms["Main room"]["hosts_breakouts"] is True

        # Slots: both rows in one save.
        page.get_by_label("Start of slot 1").fill("09:05")
        page.get_by_label("Label of slot 2").fill("Second round")
        page.get_by_role("button", name="Save all slots").click()
        expect(page.locator(".flash")).to_contain_text("2 slots changed")
        slots = api.get(ev.url("/slots")).json()
        assert slots[0]["starts_at"].startswith("2099-05-04T09:05:00-05:00") and slots[1]["label"] == "Second round"

        # Proposals: merge the twins, rename the one kept, add a sticky-note topic for Sam.
        page.get_by_role("button", name=re.compile("Merge into")).first.click()
        expect(page.locator(".flash")).to_contain_text("Merged into")
        kept = page.get_by_label(f"Title of proposal #{merged_into['id']}")
        kept.fill("Makerspaces on a shoestring")
        page.get_by_role("button", name=f"Rename #{merged_into['id']}").click()
        expect(page.locator(".flash")).to_contain_text("Renamed")
        assert api.get(ev.url(f"/proposals/{merged_into['id']}")).json()["title"] == "Makerspaces on a shoestring"
        page.get_by_text("Add a walk-up or sticky-note topic").click()
        page.get_by_label("Topic", exact=True).fill("Podcasting with students")
        page.get_by_label(re.compile("Who facilitates")).select_option(label="Sam")
        page.get_by_role("button", name="Add the topic").click()
        expect(page.locator(".flash")).to_contain_text("Added “Podcasting with students”")
        walk_up = next(p for p in api.get(ev.url("/proposals")).json() if p["title"] == "Podcasting with students")
        invites = sam.get(ev.url("/proposals/invitations")).json()
        assert any(i["proposal_id"] == walk_up["id"] for i in invites), invites

        # People: remove Pat; rotate the join code.
        page.get_by_label("Pat", exact=True).check()
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Remove the ticked people").click()
        expect(page.locator(".flash")).to_contain_text("Removed 1 person")
        assert pat.get(ev.url("/me")).status_code == 401
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Make a new join code").click()
        expect(page.locator(".flash")).to_contain_text("New join code")
        fresh_code = api.get(ev.url()).json()["join_code"]
        assert fresh_code != ev.join_code
        expect(page.locator(".flash")).to_contain_text(fresh_code)

        # Voting, then a draft whose score is explained in words.
        page.get_by_role("button", name="Move to Voting").click()
        expect(page.locator(".flash")).to_contain_text("Moved to Voting")
        expect(page.get_by_role("button", name=re.compile("Agenda published"))).to_have_count(0)
        expect(page.get_by_text("“Agenda published” comes once an agenda is published")).to_be_visible()
        assert sam.post(ev.url("/votes"), json={"proposal_id": merged_into["id"], "dots": 1}).status_code == 201
        page.get_by_role("button", name="Build the agenda from the votes").click()
        expect(page.locator(".flash")).to_contain_text("Built a draft: 2 sessions placed", timeout=WAIT)
        page.get_by_text("What the score means").click()
        words = page.locator(".score-words")
        expect(words).to_contain_text("10 points for each time a person gets a session they voted for: 1 time.")
        expect(words).to_contain_text("every room has enough seats")
        check_a11y(page, axe, "console with a draft at 1920")
        shot(page, "console-draft-1920.png")

        page.set_viewport_size(PHONE)
        page.goto(f"{server.base_url}/e/{ev.slug}/organize")
        expect(page.get_by_role("heading", name="Organizer console")).to_be_visible()
        check_a11y(page, axe, "console at 360")
        shot(page, "console-360.png")
    finally:
        ctx.close()
        for client in (pat, sam, api):
            client.close()
    assert pat_me["id"] != sam_me["id"]


def test_a_wrong_join_code_can_be_fixed(server: Server, browser: Any, axe: Path) -> None:
    ev = make_event(server, start_date="2099-05-04")
    ev.phase("proposals")
    ctx = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = ctx.new_page()
    try:
        page.goto(f"{server.base_url}/e/{ev.slug}/join?code=WRONG1")
        page.get_by_label("Your name").fill("Kim")
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_role("alert")).to_contain_text("join code is not right")
        code = page.get_by_label("Join code")
        expect(code).to_have_value("WRONG1")
        expect(code).to_have_attribute("aria-invalid", "true")
        check_a11y(page, axe, "join page with a wrong code")
        code.fill(ev.join_code)
        page.get_by_role("button", name="Join").click()
        expect(page.locator(".flash")).to_contain_text("Welcome, Kim!")
    finally:
        ctx.close()
        ev.organizer.close()


def test_api_docs_work_without_the_internet(server: Server, browser: Any) -> None:
    """Swagger UI and ReDoc load only from this server: every other request is refused, and none is tried."""
    ctx = browser.new_context(viewport=BOARD, bypass_csp=True)
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", route.request.url)
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_loopback)
    page = ctx.new_page()
    try:
        page.goto(f"{server.base_url}/schema/swagger")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("unconf", timeout=WAIT)
        # A large schema renders as a virtual list (no tag sections): the operations are what matters.
        expect(page.locator(".opblock-tag").first).to_be_visible(timeout=WAIT)
        expect(page.locator(".opblock").first).to_be_visible(timeout=WAIT)
        page.goto(f"{server.base_url}/schema/redoc")
        expect(page.locator("h1").first).to_contain_text("unconf", timeout=WAIT)
        expect(page.locator("[data-section-id]").first).to_be_attached(timeout=WAIT)
    finally:
        ctx.close()
    assert outside == [], f"the API docs asked the internet for: {outside}"
