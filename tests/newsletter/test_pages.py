"""The community page's ladder, newsletter and preferences, the unsubscribe page, and the organizers' view,
in Chromium at 360 px; axe-clean at every step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, chromium_path, npm_package, stack_database_url, stack_env
from tests.newsletter.support import WEEK_50, community_event, mails, member, start, stop, unsubscribe_path
from tests.notify.loopback import wait_for
from tests.web.pagekit import CHROMIUM_ARGS, PHONE, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """This module's own Chromium (Playwright's sync API holds an event loop while it runs)."""
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("newsletter-pages")
    mail = tmp / "mail"
    server = start(stack_database_url(tmp), tmp, mail, WEEK_50, stack_env())
    yield server, mail
    stop(server)


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{what} scrolls sideways"


def phone(browser: Any) -> Any:
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True)


def test_member_climbs_the_ladder_writes_the_newsletter_and_chooses_what_to_get(
    world: tuple[Server, Path], browser: Any, axe: Path
) -> None:
    server, mail = world
    ev, slug = community_event(server, "Edcamp Pages")
    token = member(server, ev, slug, mail, "Pia")
    ctx = phone(browser)
    ctx.add_cookies([{"name": f"unconf_m_{slug}", "value": token, "url": server.base_url}])
    page = ctx.new_page()
    page.goto(f"{server.base_url}/c/{slug}")
    ladder = page.locator("#ladder")
    expect(ladder.get_by_role("heading", name="Your next step")).to_be_visible()
    expect(ladder).to_contain_text("Complete your profile")
    check_a11y(page, axe, "community page with the ladder")

    page.get_by_label("Your announcement for this week").fill("Robotics club needs mentors")
    page.get_by_role("button", name="Add to the newsletter").click()
    expect(page.get_by_role("status")).to_contain_text("Your announcement is in this week's newsletter")
    expect(page.locator("#newsletter")).to_contain_text("Robotics club needs mentors")
    expect(page.get_by_label("Your announcement for this week")).to_have_count(0)
    check_a11y(page, axe, "community page after adding an announcement")

    prefs = page.locator("#preferences")
    prefs.get_by_label("Daily").check()
    prefs.get_by_role("group", name="Notes people send you").get_by_label("By email").uncheck()
    prefs.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_role("status")).to_contain_text("Your preferences are saved")
    expect(page.locator("#preferences").get_by_label("Daily")).to_be_checked()
    expect(
        page.locator("#preferences").get_by_role("group", name="Notes people send you").get_by_label("By email")
    ).not_to_be_checked()
    check_a11y(page, axe, "community page with preferences saved")

    page.goto(f"{server.base_url}/c/{slug}/directory")
    page.goto(f"{server.base_url}/c/{slug}")
    expect(page.locator("#ladder li", has_text="Browse the members")).to_contain_text("(done)")

    # The daily digest comes (the choice holds), and its link unsubscribes without signing in.
    def daily() -> list[Any]:
        return [m for m in mails(mail, "member.digest") if str(m["X-Unconf-Digest"]).endswith(":2026-12-09")]

    digest = wait_for("Pia's daily digest (keyed by the day)", daily)
    assert digest[0]["To"] == "pia@school.example"
    stranger = phone(browser)
    out = stranger.new_page()
    out.goto(f"{server.base_url}{unsubscribe_path(digest[0])}")
    expect(out.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    check_a11y(out, axe, "unsubscribe page")
    out.get_by_role("button", name="Unsubscribe").click()
    expect(out.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    check_a11y(out, axe, "unsubscribed page")
    out.goto(f"{server.base_url}/unsubscribe/not-a-token")
    expect(out.get_by_role("heading", level=1)).to_be_visible()
    stranger.close()
    page.reload()
    expect(page.locator("#preferences").get_by_label("No digest")).to_be_checked()

    # The organizers see members per rung and edit this week's newsletter.
    organizer = phone(browser)
    organizer.add_cookies([{"name": f"unconf_t_{ev.slug}", "value": ev.organizer_key, "url": server.base_url}])
    org = organizer.new_page()
    org.goto(f"{server.base_url}/e/{ev.slug}/organize/community")
    expect(org.get_by_role("heading", name="Members on each step")).to_be_visible()
    expect(org.locator("table.rungs tr", has_text="Complete your profile")).to_contain_text("1")
    check_a11y(org, axe, "organizers' community page")
    org.get_by_label("From Pia").fill("Robotics club needs mentors (Thursdays)")
    org.get_by_role("button", name="Save").click()
    expect(org.get_by_role("status")).to_contain_text("The announcement is saved")
    org.get_by_role("button", name="Remove").click()
    expect(org.get_by_role("status")).to_contain_text("The announcement is removed")
    expect(org.locator("#newsletter")).to_contain_text("No announcements yet this week")
    check_a11y(org, axe, "organizers' community page after removing")
    organizer.close()
    ctx.close()
