"""The member flow and the peers list in a real browser at 360 px: vote, see your peers, stay as a member,
sign in from the emailed link, and join the community's next event in one tap. axe-clean at every step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.community.test_members import signin_code
from tests.community.world import community_event, person, propose, vote
from tests.helpers import Server, chromium_path, npm_package
from tests.notify.loopback import SmtpSink, link_in, text_of
from tests.web.pagekit import CHROMIUM_ARGS, PHONE, artifacts, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

pytest_plugins = ["tests.notify.fixtures"]
__all__ = ["artifacts"]  # fixtures used by name below


@pytest.fixture(scope="module")
def browser() -> Any:
    """This module's own Chromium, closed when the module is done: Playwright's sync API holds an event
    loop while it runs, and later tests (and tests/web's own browser) need theirs."""
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{what} scrolls sideways"


def test_peers_and_the_member_flow_on_a_phone(
    notify_server: Server, smtp_sink: SmtpSink, browser: Any, artifacts: Path, axe: Path
) -> None:
    ev, community = community_event(notify_server, "Edcamp Seaside")
    slug = community["slug"]
    ev.phase("proposals")
    ben, ben_id = person(ev, "Ben", {"display_name": "Ben <B>", "can_help": ["robotics"], "suggest_as_peer": True})
    _, hidden_id = person(ev, "Hidden", {"suggest_as_peer": False})
    topic = propose(ben, ev, "Thinking Classrooms")
    ev.phase("voting")
    vote(ben, ev, topic)

    ctx = notify_server_context(browser, notify_server)
    phone = ctx.new_page()
    phone.goto(f"{notify_server.base_url}/e/{ev.slug}/join?code={ev.join_code}")
    expect(phone.get_by_label(re.compile("^Email"))).to_be_visible()
    check_a11y(phone, axe, "join page with the member offer")
    phone.get_by_label("Your name").fill("Pat")
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(re.compile(rf"/e/{ev.slug}/vote$"))
    phone.locator(f"#p{topic}").get_by_role("button", name=re.compile("Add a dot")).click()
    expect(phone.locator("#dots-left-text")).to_have_text("4 of 5 dots left", timeout=WAIT)
    phone.reload()
    peers = phone.locator("#peers")
    expect(peers).to_contain_text("People who share your interests")
    expect(peers).to_contain_text("Ben <B>: You both voted for Thinking Classrooms")
    say_hi = peers.get_by_role("link", name="Say hi to Ben <B>")
    expect(say_hi).to_have_attribute("href", f"/e/{ev.slug}/people/{ben_id}/note")
    check_a11y(phone, axe, "vote page with peers")

    phone.get_by_role("link", name="People", exact=True).click()
    expect(phone.get_by_role("heading", name="People who share your interests")).to_be_visible()
    expect(phone.locator("#peers li")).to_have_count(1)
    expect(phone.locator("#peers")).not_to_contain_text("Hidden")
    assert f"/people/{hidden_id}/note" not in phone.locator("#peers").inner_html()
    phone.screenshot(path=artifacts / "community-1-peers.png", full_page=True)
    check_a11y(phone, axe, "people page")

    phone.get_by_role("link", name="Your profile, membership and data").click()
    phone.get_by_label("Name others see").fill("Pat P.")
    phone.get_by_label("I'm looking for").fill("robotics, coding")
    phone.get_by_label("Suggest me to people who share my interests").check()
    phone.get_by_role("button", name="Save my profile").click()
    expect(phone.locator(".flash")).to_have_text("Your profile is saved.")
    expect(phone.get_by_label("I'm looking for")).to_have_value("robotics, coding")
    check_a11y(phone, axe, "you page")
    phone.get_by_label("Your email").fill("pat@school.example")
    phone.get_by_role("button", name="Stay as a member").click()
    expect(phone.locator(".flash")).to_contain_text("A sign-in link is on its way to pat@school.example")
    expect(phone.locator("#membership")).to_contain_text("You are a member")
    phone.screenshot(path=artifacts / "community-2-you.png", full_page=True)

    # Ben now also sees Pat, who can be helped with robotics.
    assert any(p["display_name"] == "Pat P." for p in ben.get(ev.url("/peers")).json())

    code = signin_code(smtp_sink, ev.slug, slug)
    link = link_in(text_of(smtp_sink.for_event(ev.slug)[-1]), rf"http://\S+/c/{slug}/signin\?code=\S+")
    assert code in link
    phone.goto(link)
    check_a11y(phone, axe, "sign-in page")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator(".flash")).to_have_text("You are signed in.")
    expect(phone.get_by_label("Name others see")).to_have_value("Pat P.")

    nxt = ev.organizer.post(
        f"/api/v1/communities/{slug}/events",
        json={"title": "Edcamp Seaside Spring", "start_date": "2030-03-01", "organizer_name": "Olga"},
    )
    assert nxt.status_code == 201, nxt.text
    spring = nxt.json()["event"]["slug"]
    with notify_server.client(nxt.json()["organizer_key"]) as spring_organizer:
        assert spring_organizer.post(f"/api/v1/events/{spring}/phase", json={"phase": "proposals"}).status_code == 200
    phone.reload()
    check_a11y(phone, axe, "community page")
    phone.get_by_role("button", name="Join Edcamp Seaside Spring").click()
    expect(phone).to_have_url(re.compile(rf"/e/{spring}/proposals$"))
    expect(phone.locator(".who")).to_contain_text("Pat P.")
    expect(phone.locator(".flash")).to_contain_text("Welcome to Edcamp Seaside Spring")
    phone.screenshot(path=artifacts / "community-3-next-event.png", full_page=True)

    phone.goto(f"{notify_server.base_url}/c/{slug}/directory")
    expect(phone.locator("#directory")).to_contain_text("Pat P.")
    check_a11y(phone, axe, "member directory")
    ctx.close()


def notify_server_context(browser: Any, server: Server) -> Any:
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True)
