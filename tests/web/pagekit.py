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


_RUNNING: dict[str, Any] = {}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the run, however many test modules import this fixture: each import is its own
    fixture to pytest, and a second Playwright in the same thread cannot start while the first runs."""
    if "chromium" in _RUNNING:
        yield _RUNNING["chromium"]
        return
    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        _RUNNING["chromium"] = chromium
        try:
            yield chromium
        finally:
            del _RUNNING["chromium"]
            chromium.close()


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
