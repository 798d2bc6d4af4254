"""The hallway in Chromium: a main table and breakout tables, joining moves you and keeps the video in the page.

Jitsi is a stand-in on loopback serving ``external_api.js`` (as a Jitsi server does); the page loads it
only when a Jitsi table is joined, under the page's own content policy (no bypass in that context).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, npm_package
from tests.web.daykit import StandInJitsi, running_day
from tests.web.pagekit import BOARD, PHONE, artifacts, browser, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

__all__ = ["artifacts", "browser"]  # fixtures used by name below


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def signed_in(browser: Any, server: Server, slug: str, token: str, *, phone: bool, bypass_csp: bool = False) -> Any:
    viewport = PHONE if phone else BOARD
    extra = {"is_mobile": True, "has_touch": True} if phone else {}
    ctx = browser.new_context(viewport=viewport, bypass_csp=bypass_csp, **extra)
    ctx.add_cookies([{"name": f"unconf_t_{slug}", "value": token, "url": server.base_url}])
    return ctx


def test_hallway_join_switch_and_live_counts(server: Server, browser: Any, artifacts: Path, axe: Path) -> None:
    jitsi = StandInJitsi()
    day = running_day(server, rooms=3, breakouts=2, video={"provider": "jitsi", "config": {"base_url": jitsi.origin}})
    try:
        slug, ev = day.ev.slug, day.ev
        ev.phase("running")
        now_a, now_b = sorted(day.running_now(), key=lambda s: s["room_id"])[:2]
        me = day.people[-1]  # not a facilitator of the running sessions
        ctx = signed_in(browser, server, slug, day.token_of(len(day.people) - 1), phone=False)
        page = ctx.new_page()
        scripts: list[str] = []
        page.on("request", lambda r: scripts.append(r.url) if r.url.endswith("external_api.js") else None)
        response = page.goto(f"{server.base_url}/e/{slug}/hallway")
        assert response is not None and response.status == 200
        policy = response.headers["content-security-policy"]
        assert f"script-src 'self' {jitsi.origin}" in policy and f"frame-src {jitsi.origin}" in policy
        expect(page.get_by_role("heading", name="Where am I")).to_be_visible()
        expect(page.locator("#where-text")).to_contain_text("not at any table")
        main = page.locator('[data-table="main"]')
        expect(main).to_contain_text("Main table")
        card_a = page.locator(f'[data-table="s:{now_a["proposal_id"]}"]')
        card_b = page.locator(f'[data-table="s:{now_b["proposal_id"]}"]')
        expect(card_a).to_contain_text(now_a["title"])
        expect(card_a).to_contain_text(now_a["facilitators"][0]["display_name"])
        expect(page.locator("#h-next")).to_be_visible()  # the breakouts starting next are listed too
        assert scripts == [], "the Jitsi script loads only when a Jitsi table is joined"

        card_a.get_by_role("link", name="Join video").click()
        frame = page.locator("#video-frame iframe")
        expect(frame).to_have_count(1, timeout=WAIT)
        expect(page.locator("#video-title")).to_have_text(f"Video: {now_a['title']}")
        expect(card_a.locator(".you-here")).to_be_visible()
        expect(card_a.locator(".occ-remote")).to_have_text("1", timeout=WAIT)
        where = me[0].get(ev.url("/presence")).json()
        assert where["proposal_id"] == now_a["proposal_id"] and where["how"] == "video"
        first_src = frame.get_attribute("src")
        assert first_src and first_src.startswith(jitsi.origin)
        page.screenshot(path=artifacts / "hallway-1920-in-video.png")

        # Switch tables without leaving the page: one video, presence moved out of the first table.
        card_b.get_by_role("link", name="Join video").click()
        expect(page.locator("#video-title")).to_have_text(f"Video: {now_b['title']}", timeout=WAIT)
        expect(page.locator("#video-frame iframe")).to_have_count(1)
        expect(page.locator("#video-frame iframe")).not_to_have_attribute("src", first_src)
        expect(card_b.locator(".you-here")).to_be_visible()
        expect(card_a.locator(".you-here")).to_be_hidden()
        expect(card_a.locator(".occ-present")).to_have_text("0", timeout=WAIT)
        assert me[0].get(ev.url("/presence")).json()["proposal_id"] == now_b["proposal_id"]
        assert len(scripts) == 1, scripts

        # Someone else checks in at table A: counted in the room, live.
        other = day.people[0][0] if day.people[0][1]["id"] != me[1]["id"] else day.people[1][0]
        assert other.post(ev.url(f"/sessions/{now_a['proposal_id']}/checkin")).status_code == 200
        expect(card_a.locator(".occ-in-room")).to_have_text("1", timeout=WAIT)
        expect(card_a.locator(".occ-remote")).to_have_text("0")

        main.get_by_role("link", name="Join video").click()
        expect(page.locator("#video-title")).to_have_text("Video: Main table", timeout=WAIT)
        expect(main.locator(".you-here")).to_be_visible()
        assert me[0].get(ev.url("/presence")).json()["proposal_id"] is None
        page.get_by_role("button", name="Close video").click()
        expect(page.locator("#video-stage")).to_be_hidden()
        ctx.close()

        # axe, at both sizes (axe is injected, so this context bypasses the page policy).
        for phone in (True, False):
            actx = signed_in(browser, server, slug, day.token_of(len(day.people) - 1), phone=phone, bypass_csp=True)
            apage = actx.new_page()
            apage.goto(f"{server.base_url}/e/{slug}/hallway")
            expect(apage.locator('[data-table="main"] .you-here')).to_be_visible()
            size = "360" if phone else "1920"
            apage.screenshot(path=artifacts / f"hallway-{size}.png", full_page=True)
            found = serious_violations(apage, axe)
            assert found == [], f"hallway at {size}: {found}"
            assert apage.evaluate("document.documentElement.scrollWidth") <= apage.viewport_size["width"]
            actx.close()
    finally:
        day.close()
        jitsi.stop()


def test_providers_that_cannot_be_embedded_open_a_new_tab(server: Server, browser: Any) -> None:
    jitsi = StandInJitsi()  # any loopback page serves as the static link's meeting
    video = {"provider": "static", "config": {"template": f"{jitsi.origin}/{{event}}-{{room_id}}"}}
    day = running_day(server, rooms=2, breakouts=2, video=video)
    try:
        slug = day.ev.slug
        ctx = signed_in(browser, server, slug, day.token_of(len(day.people) - 1), phone=True)
        page = ctx.new_page()
        response = page.goto(f"{server.base_url}/e/{slug}/hallway")
        assert response is not None and "frame-src" not in response.headers["content-security-policy"]
        session = day.running_now()[0]
        card = page.locator(f'[data-table="s:{session["proposal_id"]}"]')
        with ctx.expect_page() as opened:
            card.get_by_role("link", name="Join video").click()
        tab = opened.value
        tab.wait_for_load_state()
        assert tab.url.startswith(f"{jitsi.origin}/{slug}-{session['room_id']}")
        me = day.people[-1][0]
        assert me.get(day.ev.url("/presence")).json()["proposal_id"] == session["proposal_id"]
        expect(page.locator("#video-frame iframe")).to_have_count(0)
        ctx.close()
    finally:
        day.close()
        jitsi.stop()


def test_hallway_works_without_javascript(server: Server) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        slug = day.ev.slug
        session = day.running_now()[0]
        me = day.people[-1][0]
        token = day.token_of(len(day.people) - 1)
        origin = {"origin": server.base_url}
        import httpx

        with httpx.Client(base_url=server.base_url, cookies={f"unconf_t_{slug}": token}, timeout=60) as phone:
            page = phone.get(f"/e/{slug}/hallway")
            assert page.status_code == 200 and "Join video" in page.text and "Where am I" in page.text
            # "Join video" is a plain link to our join redirect: it moves you there and opens the video.
            assert f'href="/e/{slug}/s/{session["proposal_id"]}/join"' in page.text
            r = phone.post(f"/e/{slug}/hallway/join", data={"table": f"s:{session['proposal_id']}"}, headers=origin)
            assert r.status_code == 303 and r.headers["location"].startswith("https://meet.jit.si/")
            assert r.headers["cache-control"] == "no-store"
            assert me.get(day.ev.url("/presence")).json()["how"] == "video"
            r = phone.post(f"/e/{slug}/hallway/here", data={"table": "main"}, headers=origin)
            assert r.status_code == 303 and r.headers["location"] == f"/e/{slug}/hallway"
            here = me.get(day.ev.url("/presence")).json()
            assert here["proposal_id"] is None and here["how"] == "checkin"
            r = phone.post(f"/e/{slug}/hallway/join", data={"table": "s:abc"}, headers=origin)
            assert r.status_code == 404
            r = phone.post(
                f"/e/{slug}/hallway/join",
                data={"table": "main"},
                headers={**origin, "x-unconf-fetch": "1"},
            )
            assert r.status_code == 200 and r.json()["embed"]["kind"] == "jitsi"
            assert r.json()["presence"]["proposal_id"] is None
        with httpx.Client(base_url=server.base_url, timeout=60) as stranger:
            r = stranger.post(f"/e/{slug}/hallway/join", data={"table": "main"}, headers=origin)
            assert r.status_code == 401
    finally:
        day.close()


def test_hallway_api(server: Server) -> None:
    day = running_day(server, rooms=2, breakouts=2)
    try:
        ev = day.ev
        session = day.running_now()[0]
        with server.client() as anon:
            view = anon.get(ev.url("/hallway")).json()
        assert [t["when"] for t in view["tables"]] == ["main", "now", "now", "next", "next"]
        assert view["you"] is None and view["embeddable"] is True
        assert view["embed_origin"] == "https://meet.jit.si"
        a, b = day.people[-1][0], day.people[-2][0]
        r = a.post(ev.url(f"/hallway/sessions/{session['proposal_id']}/join"))
        assert r.status_code == 200, r.text
        joined = r.json()
        assert joined["presence"]["how"] == "video" and joined["url"].startswith("https://meet.jit.si/")
        assert joined["embed"]["domain"] == "meet.jit.si" and joined["embed"]["room"] in joined["url"]
        assert joined["embed"]["script_url"] == "https://meet.jit.si/external_api.js"
        assert r.headers["cache-control"] == "no-store"
        assert b.post(ev.url(f"/sessions/{session['proposal_id']}/checkin")).status_code == 200
        view = a.get(ev.url("/hallway")).json()
        table = next(t for t in view["tables"] if t["proposal_id"] == session["proposal_id"])
        assert (table["present"], table["in_room"], table["remote"], table["here"]) == (2, 1, 1, True)
        assert view["you"]["proposal_id"] == session["proposal_id"]
        # Joining the main table takes you out of the breakout.
        assert a.post(ev.url("/hallway/main/join")).status_code == 200
        view = a.get(ev.url("/hallway")).json()
        table = next(t for t in view["tables"] if t["proposal_id"] == session["proposal_id"])
        assert (table["present"], table["remote"]) == (1, 0)
        assert view["tables"][0]["remote"] == 1 and view["tables"][0]["here"] is True
        assert a.post(ev.url("/hallway/sessions/999999/join")).status_code == 404
        with server.client() as anon:
            assert anon.post(ev.url("/hallway/main/join")).status_code == 401
    finally:
        day.close()
