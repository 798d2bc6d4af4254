"""Browser fixtures for the page tests: Debian's Chromium driven by Playwright, never a downloaded build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, chromium_path

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
BOARD = {"width": 1920, "height": 1080}
SMALL_BOARD = {"width": 1280, "height": 720}


_SHARED: dict[str, Any] = {}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run: each test module that imports this fixture gets its own
    session fixture, and Playwright's sync API allows only one at a time in a thread."""
    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    if not _SHARED:
        pw = sync_api.sync_playwright().start()
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        _SHARED.update(playwright=pw, browser=chromium, users=0)
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            _SHARED["browser"].close()
            _SHARED["playwright"].stop()
            _SHARED.clear()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


FUTURE_DAY = "2030-05-04"


def setup_day(ev: Any, rooms: int = 3, slots: int = 3, day: str = FUTURE_DAY) -> None:
    """Rooms and breakout slots through the API, on a day in the future (no slot has started)."""
    for i in range(rooms):
        r = ev.organizer.post(ev.url("/rooms"), json={"name": f"Room {i + 1}", "capacity": 30})
        assert r.status_code == 201, r.text
    for i in range(slots):
        hour = 9 + i
        r = ev.organizer.post(
            ev.url("/slots"), json={"starts_at": f"{day}T{hour:02d}:00", "ends_at": f"{day}T{hour:02d}:45"}
        )
        assert r.status_code == 201, r.text


def serious_violations(page: Any, axe_dir: Path) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the current page."""
    page.add_script_tag(path=str(axe_dir / "axe.min.js"))
    result: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.html)}));
        }"""
    )
    return result


def resize(page: Any, viewport: dict[str, int]) -> None:
    """Set the viewport and return once the page has run its resize handlers.

    The browser delivers `resize` with its next rendering frame, after `set_viewport_size` has
    returned; the resize event fires before that frame's animation callbacks, so two frames later the
    board's refit has run.
    """
    page.set_viewport_size(viewport)
    page.wait_for_function(
        "([w, h]) => window.innerWidth === w && window.innerHeight === h", arg=[viewport["width"], viewport["height"]]
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")


def overflow(page: Any) -> dict[str, int]:
    return page.evaluate(
        """() => ({
            scrollHeight: document.documentElement.scrollHeight,
            scrollWidth: document.documentElement.scrollWidth,
            innerHeight: window.innerHeight,
            innerWidth: window.innerWidth,
            bodyBottom: Math.ceil(Math.max(...[...document.querySelectorAll('.board-grid *')]
                .filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
                .map(e => e.getBoundingClientRect().bottom))),
        })"""
    )
