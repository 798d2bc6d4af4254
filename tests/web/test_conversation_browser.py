"""People talking, in Chromium at 360 px: two voters chat live on a session page, a note and its reply."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from community.services import member_cookie_name
from tests.conversation.support import community_event, make_greeter
from tests.helpers import Server, database_rows, make_event, npm_package
from tests.web.pagekit import PHONE, artifacts, browser, serious_violations

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

__all__ = ["artifacts", "browser"]  # fixtures used by name below


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{what} scrolls sideways"


def phone_joins(browser: Any, server: Server, slug: str, code: str, name: str) -> Any:
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = ctx.new_page()
    page.goto(f"{server.base_url}/e/{slug}/join?code={code}")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.locator(".who")).to_contain_text(name)
    return page


def test_two_voters_chat_live_and_a_note_gets_a_reply(server: Server, browser: Any, artifacts: Path, axe: Path) -> None:
    ev = make_event(server, title="Edcamp Riverside")
    ev.phase("proposals")
    proposer, _ = ev.join("Ola")
    pid = proposer.post(ev.url("/proposals"), json={"title": "Makerspaces on a budget"}).json()["id"]
    ev.phase("voting")
    ana = phone_joins(browser, server, ev.slug, ev.join_code, "Ana")
    ben = phone_joins(browser, server, ev.slug, ev.join_code, "Ben")

    for page in (ana, ben):
        page.goto(f"{server.base_url}/e/{ev.slug}/s/{pid}")
        expect(page.get_by_role("heading", name="Talk about it")).to_be_visible()
    check_a11y(ana, axe, "session page with its chat")

    ana.get_by_label("Your message").fill("Who has a laser cutter? Plans: https://example.org/plans.")
    ana.get_by_role("button", name="Send").click()
    heard = ben.locator(".chat-lines li").filter(has_text="laser cutter")
    expect(heard).to_be_visible(timeout=WAIT)  # live: Ben did not reload
    expect(heard.locator("strong")).to_have_text("Ana")
    link = heard.get_by_role("link", name="https://example.org/plans")
    expect(link).to_have_attribute("rel", "noopener nofollow ugc")
    expect(ana.get_by_label("Your message")).to_have_value("")

    ben.get_by_label("Your message").fill("Our library has one <b>free</b>")
    ben.get_by_role("button", name="Send").click()
    answer = ana.locator(".chat-lines li").filter(has_text="Our library has one <b>free</b>")
    expect(answer).to_be_visible(timeout=WAIT)
    expect(answer.locator("b")).to_have_count(0)
    ana.screenshot(path=artifacts / "conversation-1-chat.png", full_page=True)

    # Mallory blocks Ana: what either writes never reaches the other, live included, while Ben sees both.
    mallory, _ = ev.join("Mallory")
    ana_id = ana.request.get(f"{server.base_url}/api/v1/events/{ev.slug}/me").json()["participant"]["id"]
    assert mallory.post(ev.url("/blocks"), json={"participant_id": ana_id}).status_code == 201
    ana.reload()
    expect(ana.locator(".chat-lines li")).to_have_count(2)
    assert mallory.post(ev.url(f"/proposals/{pid}/chat"), json={"text": "Mallory was here"}).status_code == 201
    expect(ben.locator(".chat-lines li").filter(has_text="Mallory was here")).to_be_visible(timeout=WAIT)
    ben.get_by_label("Your message").fill("After Mallory")
    ben.get_by_role("button", name="Send").click()
    # Lines of one chat arrive in order: once Ben's later line is on Ana's phone, Mallory's would have been too.
    expect(ana.locator(".chat-lines li").filter(has_text="After Mallory")).to_be_visible(timeout=WAIT)
    expect(ana.locator(".chat-lines li").filter(has_text="Mallory was here")).to_have_count(0)

    # The chat is kept: the notes page shows it too, and it is there after a reload.
    ben.goto(f"{server.base_url}/e/{ev.slug}/s/{pid}/notes")
    expect(ben.locator(".chat-lines li")).to_have_count(4)

    # Ana says hi to Ben with a note; Ben's inbox tells him live, he reads it and answers.
    ben_id = ben.request.get(f"{server.base_url}/api/v1/events/{ev.slug}/me").json()["participant"]["id"]
    ben.goto(f"{server.base_url}/e/{ev.slug}/inbox")
    expect(ben.get_by_text("No notes yet.")).to_be_visible()
    check_a11y(ben, axe, "empty inbox")

    ana.goto(f"{server.base_url}/e/{ev.slug}/people/{ben_id}/note")
    check_a11y(ana, axe, "note form")
    ana.get_by_label(re.compile("Your note")).fill("Hi Ben! Want to build something together?")
    ana.get_by_role("button", name="Send the note").click()
    expect(ana.get_by_text("Your note is on its way.")).to_be_visible()

    expect(ben.locator("#live-note")).to_contain_text("New note from Ana", timeout=WAIT)
    ben.locator("#live-note").get_by_role("link", name="Read it").click()
    thread = ben.locator(".thread").filter(has_text="Want to build something together?")
    expect(thread).to_be_visible()
    check_a11y(ben, axe, "inbox with a note")
    thread.get_by_label("Answer Ana").fill("Yes! Saturday at the makerspace?")
    thread.get_by_role("button", name="Send").click()
    expect(ben.get_by_text("Sent.")).to_be_visible()

    ana.reload()
    expect(ana.locator(".notes-list li")).to_have_count(2)
    expect(ana.locator(".notes-list li").nth(1)).to_contain_text("Saturday at the makerspace?")
    ana.screenshot(path=artifacts / "conversation-2-note.png", full_page=True)
    for page in (ana, ben):
        page.context.close()


def test_a_newcomer_is_welcomed_on_the_phone_and_followed_up_a_week_later(
    server: Server, browser: Any, artifacts: Path, axe: Path
) -> None:
    ev, community = community_event(server, name="Edcamp Lakeside")
    ev.phase("proposals")
    _, _, gina = make_greeter(server, ev, community, "Gina", "Gina G.", "gina@example.org")

    # Gina's page (her member sign-in in the community's cookie): she approves the suggested words.
    greeter_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    token = gina.headers["authorization"].removeprefix("Bearer ")
    greeter_ctx.add_cookies([{"name": member_cookie_name(community), "value": token, "url": server.base_url}])
    greeter = greeter_ctx.new_page()
    greeter.goto(f"{server.base_url}/c/{community}/greeter")
    expect(greeter.get_by_text("No newcomers yet.")).to_be_visible()
    check_a11y(greeter, axe, "greeter page, no newcomers")
    greeter.get_by_label("Welcome").fill("Hi {name}! I'm {greeter}. Welcome to {event} :) Ask me anything.")
    greeter.get_by_label("Send these in my name").check()
    greeter.get_by_role("button", name="Save").click()
    expect(greeter.get_by_text("Saved: newcomers get these words in your name.")).to_be_visible()

    # Nia joins on her phone: Gina's welcome is in her inbox, in Gina's name.
    nia = phone_joins(browser, server, ev.slug, ev.join_code, "Nia")
    nia.goto(f"{server.base_url}/e/{ev.slug}/inbox")
    welcome = nia.locator(".thread").filter(has_text="Hi Nia! I'm Gina G.")
    for _ in range(100):  # the outbox worker sends it a moment after joining: reload until it is there
        if welcome.count():
            break
        nia.wait_for_timeout(300)
        nia.reload()
    expect(welcome).to_be_visible()
    expect(welcome.get_by_role("heading", name=re.compile("Gina G."))).to_be_visible()
    check_a11y(nia, axe, "inbox with a welcome")
    welcome.get_by_label("Answer Gina G.").fill("Thanks Gina! Is there coffee?")
    welcome.get_by_role("button", name="Send").click()
    expect(nia.get_by_text("Sent.")).to_be_visible()

    greeter.reload()
    newcomer = greeter.locator(".thread").filter(has_text="Nia")
    expect(newcomer).to_contain_text("Thanks Gina! Is there coffee?")
    check_a11y(greeter, axe, "greeter page with a newcomer")
    newcomer.get_by_label("Answer Nia").fill("Yes, in the hall!")
    newcomer.get_by_role("button", name="Send").click()
    expect(greeter.get_by_text("Sent.")).to_be_visible()

    # A week on: the follow-up's not-before time is moved into the past, as the clock would; it arrives.
    ((row_id,),) = database_rows(server.database_url, "SELECT id FROM outbox WHERE kind = 'greeter.follow_up'"
                                 " AND payload LIKE ?", f'%"participant":{nia_id(nia, server, ev.slug)}%')  # fmt: skip
    past = datetime.now(UTC) - timedelta(seconds=1)
    stored: Any = str(past) if server.database_url.startswith("sqlite") else past
    database_rows(
        server.database_url, "UPDATE outbox SET next_attempt_at = ? WHERE id = ? RETURNING id", stored, row_id
    )
    follow_up = nia.locator(".notes-list li").filter(has_text="It's been a week since")
    for _ in range(100):
        nia.reload()
        if follow_up.count():
            break
        nia.wait_for_timeout(300)
    expect(follow_up).to_contain_text("Hi Nia, Gina G. again.")
    expect(nia.locator(".thread .notes-list li")).to_have_count(4)
    nia.screenshot(path=artifacts / "conversation-3-welcome.png", full_page=True)
    for page in (nia, greeter):
        page.context.close()


def nia_id(page: Any, server: Server, slug: str) -> int:
    return int(page.request.get(f"{server.base_url}/api/v1/events/{slug}/me").json()["participant"]["id"])
