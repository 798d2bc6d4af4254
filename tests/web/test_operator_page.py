"""The operator page in Chromium: sign in with the token, act on an event, accessible at 360 px and on a desktop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, make_event, npm_package
from tests.web.pagekit import browser, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
__all__ = ["browser"]  # the fixture, used by name


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def no_serious_problems(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls sideways"


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 900)])
def test_the_operator_signs_in_and_suspends_an_event(
    server: Server, browser: Any, axe: Path, width: int, height: int
) -> None:
    ev = make_event(server, title="Edcamp <Operator>")
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)  # axe is injected
    page = context.new_page()
    try:
        page.goto(f"{server.base_url}/operator")
        no_serious_problems(page, axe, "operator sign-in")
        page.get_by_label("Operator token").fill("not-the-token-" + "x" * 30)
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_role("alert")).to_contain_text("not the operator token")
        page.get_by_label("Operator token").fill(server.env["UNCONF_ADMIN_TOKEN"])
        page.get_by_role("button", name="Sign in").click()
        sync_api.expect(page.get_by_role("heading", name="Events")).to_be_visible()
        events = page.get_by_role("table", name="Every event, most recently active first")
        row = events.get_by_role("row").filter(has_text=ev.slug)
        sync_api.expect(row).to_contain_text("Edcamp <Operator>")
        no_serious_problems(page, axe, "operator page")
        row.get_by_role("button", name=f"Suspend {ev.slug}").click()
        sync_api.expect(page.get_by_role("status").first).to_contain_text("suspended")
        assert ev.organizer.patch(ev.url(), json={"title": "x"}).json()["error"] == "event_suspended"
        events.get_by_role("row").filter(has_text=ev.slug).get_by_role("button", name=f"Resume {ev.slug}").click()
        sync_api.expect(page.get_by_role("status").first).to_contain_text("running again")
    finally:
        context.close()
        ev.organizer.close()
