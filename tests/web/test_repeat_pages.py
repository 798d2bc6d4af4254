"""A repeat in Chromium: the session page says where the other run is, the board marks the repeat;
at 360 px and on the board, axe clean."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.agenda.test_repeats_service import published_repeat, runs_of
from tests.helpers import Server, npm_package
from tests.web.pagekit import BOARD, PHONE, artifacts, browser, serious_violations
from unconf.i18n import format_time

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

__all__ = ["artifacts", "browser"]  # fixtures used by name below


def clock(iso: str) -> str:
    """A time from the API as the English page writes it (Babel's clock, on the event's offset)."""
    return format_time(datetime.fromisoformat(iso))


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def test_session_page_and_board_show_the_repeat(server: Server, browser: Any, artifacts: Path, axe: Path) -> None:
    ev, phones, agenda = published_repeat(server)
    first, again = runs_of(agenda, phones)
    ctx = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{server.base_url}/e/{ev.slug}/s/{phones}")
        also = page.locator("p.also-at")
        expect(also).to_be_visible()
        expect(also).to_contain_text(f"Also at {clock(again['starts_at'])} in {again['room_name']}")
        expect(page.locator(".when-where .time").first).to_contain_text(clock(first["starts_at"]))
        expect(page.locator(".badge.run")).to_have_text("Runs twice")
        page.screenshot(path=str(artifacts / "repeat-session-phone.png"), full_page=True)
        assert not serious_violations(page, axe)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.set_viewport_size(BOARD)
        page.goto(f"{server.base_url}/e/{ev.slug}/board")
        grid = page.locator("table.agenda-grid:not([hidden])")
        expect(grid.get_by_text("Phones in class")).to_have_count(2)
        expect(grid.locator(".repeat")).to_have_text(["(repeat)"])
        page.screenshot(path=str(artifacts / "repeat-board.png"))
        assert not serious_violations(page, axe)
    finally:
        ctx.close()
