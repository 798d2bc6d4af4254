"""The rhythm's pages in Chromium at 360 px, axe-clean: Edcamps near me, the console's Series section
(set the rule, plan the next event in one click) and the proposer's "bring it again?" answer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, chromium_path, npm_package
from tests.rhythm.world import community_with_day, expected_next, propose, set_series, vote
from tests.web.pagekit import CHROMIUM_ARGS, PHONE
from unconf.i18n import format_date

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
FUTURE = "2099-06-06"


@pytest.fixture(scope="module")
def browser() -> Any:
    """This module's own Chromium, closed when the module is done (Playwright's sync API holds a loop)."""
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def phone(browser: Any, server: Server, cookies: dict[str, str] | None = None) -> Any:
    # bypass_csp: axe is injected as an inline script (the pages themselves run only their own files).
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True)
    if cookies:
        ctx.add_cookies([{"name": k, "value": v, "url": server.base_url} for k, v in cookies.items()])
    return ctx.new_page()


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    page.add_script_tag(path=str(axe_dir / "axe.min.js"))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.html)}));
        }"""
    )
    assert found == [], f"{what}: serious accessibility problems: {found}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{what} scrolls sideways"


def test_near_me_page(server: Server, browser: Any, axe: Path) -> None:
    near_ev, near_c = community_with_day(server, "Edcamp Annecy", day=FUTURE, listed=True)
    far_ev, far_c = community_with_day(server, "Edcamp Brest", day=FUTURE, listed=True)
    assert set_series(near_ev, near_c, city="Annecy").status_code == 200
    assert set_series(far_ev, far_c, city="Brest").status_code == 200

    page = phone(browser, server)
    page.goto(f"{server.base_url}/near")
    expect(page.get_by_role("heading", name="Edcamps near you", level=1)).to_be_visible()
    check_a11y(page, axe, "the near-me form")
    page.get_by_label(re.compile("^City")).fill("Geneva")
    page.get_by_role("button", name="Find events").click()
    results = page.locator(".near-events li")
    expect(page.get_by_role("heading", name="Near Geneva, CH")).to_be_visible()
    titles = [t for t in results.locator("a").all_inner_texts() if t in ("Edcamp Annecy 2026", "Edcamp Brest 2026")]
    assert titles == ["Edcamp Annecy 2026", "Edcamp Brest 2026"]
    expect(results.filter(has_text="Edcamp Annecy 2026")).to_contain_text(re.compile(r"\b3\d km away"))
    webcal = page.get_by_role("link", name="Subscribe to this search")
    expect(webcal).to_have_attribute("href", re.compile(r"^webcal://127\.0\.0\.1:\d+/near\.ics\?city=Geneva$"))
    check_a11y(page, axe, "near-me results")

    page.get_by_label(re.compile("^City")).fill("Atlantis-under-the-sea")
    page.get_by_role("button", name="Find events").click()
    expect(page.get_by_role("alert")).to_contain_text("No city called")
    expect(page.get_by_label(re.compile("^City"))).to_have_attribute("aria-invalid", "true")
    check_a11y(page, axe, "near-me with an unknown city")
    page.context.close()


def test_console_series_section_plans_the_next_event(server: Server, browser: Any, axe: Path) -> None:
    ev, _community = community_with_day(server, "Edcamp Console")
    page = phone(browser, server, {f"unconf_t_{ev.slug}": ev.organizer_key})
    page.goto(f"{server.base_url}/e/{ev.slug}/organize#series")
    series = page.locator("#series")
    expect(series.get_by_role("heading", name="Series")).to_be_visible()
    series.get_by_label(re.compile("^How often")).fill("FREQ=YEARLY;BYMONTH=3,10;BYDAY=+3SA")
    series.get_by_label(re.compile("^City")).fill("Lyon")
    series.get_by_role("button", name="Save the series").click()
    expect(page.locator(".flash")).to_have_text("Series saved.")
    next_day = expected_next()
    plan = page.locator("#series").get_by_role("button", name=re.compile("^Plan the next one"))
    expect(plan).to_contain_text(format_date(next_day))  # as the English page writes it (Babel)
    check_a11y(page, axe, "the console's series section")

    plan.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edcamp Console {next_day.year} is planned")
    expect(page.locator("main")).to_contain_text("2 rooms, 3 time slots")
    check_a11y(page, axe, "the planned event")
    page.get_by_role("link", name="Open its organizer console").click()
    expect(page).to_have_url(re.compile(r"/e/[\w-]+/organize$"))
    expect(page.locator("#series")).to_contain_text("Edcamp Console")

    # A second click on the first event's console: the date is planned already, and the page says so.
    page.goto(f"{server.base_url}/e/{ev.slug}/organize")
    page.locator("#series").get_by_role("button", name=re.compile("^Plan the next one")).click()
    expect(page.locator(".flash-error")).to_contain_text("is already planned")
    # The community's organizer page (members per step, the newsletter) is one link away.
    page.locator("#series").get_by_role("link", name=re.compile("^Members, the newsletter")).click()
    expect(page).to_have_url(re.compile(rf"/e/{ev.slug}/organize/community$"))
    page.context.close()


def test_the_proposer_brings_a_topic_again(server: Server, browser: Any, axe: Path) -> None:
    ev, community = community_with_day(server, "Edcamp Answers", capacity=5)
    rooms = ev.organizer.get(ev.url("/rooms")).json()
    assert ev.organizer.delete(ev.url(f"/rooms/{rooms[1]['id']}")).status_code == 204
    slots = ev.organizer.get(ev.url("/slots")).json()
    assert ev.organizer.delete(ev.url(f"/slots/{slots[-1]['id']}")).status_code == 204
    ev.phase("proposals")
    ann, _ = ev.join("Ann")
    ben, _ = ev.join("Ben")
    runs = propose(ann, ev, "Makerspaces on a budget")
    waits = propose(ben, ev, "Feedback that works")
    ev.phase("voting")
    vote(ann, ev, runs, waits)
    vote(ben, ev, runs, waits)
    vote(ev.join("Cy")[0], ev, runs)
    r = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    assert ev.organizer.post(ev.url("/agenda/publish")).status_code == 201
    ev.phase("running")
    ev.phase("closed")
    assert set_series(ev, community).status_code == 200
    planned = ev.organizer.post(f"/api/v1/communities/{community}/plan-next")
    assert planned.status_code == 201, planned.text
    nxt = planned.json()["event"]["slug"]

    token = str(ben.headers["authorization"]).removeprefix("Bearer ")
    page = phone(browser, server, {f"unconf_t_{ev.slug}": token})
    # The closed event's agenda (where the phone lands) asks first.
    page.goto(f"{server.base_url}/e/{ev.slug}/agenda")
    page.get_by_role("link", name=re.compile("of your topics can come again")).click()
    expect(page).to_have_url(re.compile(rf"/e/{ev.slug}/carry$"))
    offer = page.locator(".carry-offers li", has_text="Feedback that works")
    expect(offer).to_contain_text("It did not make the agenda. 2 people wanted it.")
    expect(page.locator(".carry-offers li")).to_have_count(1)
    check_a11y(page, axe, "the carry question")
    offer.get_by_role("button", name="Yes, bring it again").click()
    expect(page.locator(".flash")).to_contain_text(f"comes again in {nxt}")
    expect(offer).to_contain_text("It is on the proposals of the next event.")
    check_a11y(page, axe, "the carry answer")
    page.context.close()

    # Its card says how many wanted it, on the next event's proposals.
    key = planned.json()["organizer_key"]
    with server.client(key) as organizer:
        assert organizer.post(f"/api/v1/events/{nxt}/phase", json={"phase": "proposals"}).status_code == 200
    page = phone(browser, server, {f"unconf_t_{nxt}": key})
    page.goto(f"{server.base_url}/e/{nxt}/proposals")
    expect(page.locator(".carried")).to_have_text("2 people wanted this last time")
    check_a11y(page, axe, "proposals with a carried topic")
    page.context.close()
