"""My agenda's calendar buttons in Chromium at 360 px and 1920x1080, axe clean, JavaScript or not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, npm_package
from tests.web.daykit import running_day
from tests.web.pagekit import BOARD, PHONE, artifacts, browser, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

__all__ = ["artifacts", "browser"]  # fixtures used by name below


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


@pytest.mark.parametrize("javascript", [True, False])
def test_subscribe_and_download_from_my_agenda(
    server: Server, browser: Any, artifacts: Path, axe: Path, javascript: bool
) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        slug = day.ev.slug
        for viewport in (PHONE, BOARD):
            ctx = browser.new_context(viewport=viewport, bypass_csp=True, java_script_enabled=javascript)
            ctx.add_cookies([{"name": f"unconf_t_{slug}", "value": day.token_of(0), "url": server.base_url}])
            page = ctx.new_page()
            page.goto(f"{server.base_url}/e/{slug}/agenda")
            download = page.get_by_role("link", name="Download .ics")
            expect(download).to_have_attribute("href", f"/e/{slug}/me.ics")
            size = viewport["width"]
            if javascript:
                assert serious_violations(page, axe) == [], f"agenda at {size}"
            assert page.evaluate("document.documentElement.scrollWidth") <= size
            page.get_by_role("button", name=re.compile("^Subscribe")).click()
            expect(page.get_by_role("heading", name="Your calendar subscription is ready")).to_be_visible()
            expect(page.get_by_role("link", name="Open in my calendar app")).to_have_attribute(
                "href", re.compile(rf"^webcal://.+/e/{slug}/feed/[\w-]+\.ics$")
            )
            feed = page.get_by_label("Or copy this address into your calendar app")
            expect(feed).to_have_value(re.compile(rf"^http://.+/e/{slug}/feed/[\w-]+\.ics$"))
            page.screenshot(path=artifacts / f"subscribe-{size}{'' if javascript else '-nojs'}.png", full_page=True)
            if javascript:
                assert serious_violations(page, axe) == [], f"subscribe page at {size}"
            assert page.evaluate("document.documentElement.scrollWidth") <= size
            ctx.close()
        # Without a sign-in, me.ics in a browser is a page that says how to get one.
        ctx = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = ctx.new_page()
        response = page.goto(f"{server.base_url}/e/{slug}/me.ics")
        assert response is not None and response.status == 401
        expect(page.get_by_role("heading", name="Your calendar of sessions")).to_be_visible()
        expect(page.get_by_role("link", name="Join the event").first).to_be_visible()
        assert serious_violations(page, axe) == []
        ctx.close()
    finally:
        day.close()
