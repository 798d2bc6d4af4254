"""Every shipped language in a real browser: the phone flow (join, propose, vote) at 360 px, the projected
board at 1920x1080 and the organizer console, each with the right ``lang`` and ``dir`` and without
English left over; Arabic mirrors (and English does not), nothing scrolls sideways, axe finds nothing
serious. The scripts' own words (the dots left after a tap) come from the page's catalogue too.

Chromium is Debian's (/usr/bin/chromium); one browser and the suite's one server for every language.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.helpers import Server, make_event, npm_package
from tests.web.pagekit import BOARD, FUTURE_DAY, PHONE, artifacts, browser, serious_violations, setup_day
from unconf import i18n

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
WAIT = 20_000

__all__ = ["artifacts", "browser"]  # fixtures used by name below

LANGUAGES = ["en", "es", "fr", "de", "pt_BR", "ar"]
LOOKED_AT = {"en", "ar"}  # screenshots, mirroring and axe: one language each way
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@cache
def english_phrases() -> frozenset[str]:
    """Every run of three or more words in the catalogue's English (between placeholders and markup)."""
    with i18n.LOCALE_DIR.joinpath("unconf.pot").open("rb") as handle:
        catalogue = read_po(handle)
    found: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            plain = re.sub(r"<[^>]+>", "\n", text).replace("%%", "%")
            for piece in PLACEHOLDER.split(plain):
                for line in piece.split("\n"):
                    phrase = " ".join(line.split()).strip(" .,:;\u2013-()\u201c\u201d\"'")
                    if len(phrase.split()) >= 3:
                        found.add(phrase)
    return frozenset(found)


def leftovers(page: Any, own_words: list[str]) -> list[str]:
    """The catalogue's English phrases in the page's visible text, people's own words taken out."""
    text = " ".join(page.evaluate("document.body.innerText").split())
    for words in own_words:
        text = text.replace(words, " ")
    return sorted(p for p in english_phrases() if p in text)


def check_language(page: Any, language: str, own_words: list[str], what: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", i18n.html_lang(language))
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    if language != "en":
        assert leftovers(page, own_words) == [], f"{what} in {language}: English left over"


def check_a11y(page: Any, axe_dir: Path, what: str) -> None:
    found = serious_violations(page, axe_dir)
    assert found == [], f"{what}: serious accessibility problems: {found}"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls sideways"


def text_box(page: Any, selector: str) -> dict[str, float]:
    """Where an element's text sits, and the element's own box (its text starts at one edge of it)."""
    box: dict[str, float] = page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const range = document.createRange();
            range.selectNodeContents(el);
            const text = range.getBoundingClientRect(), own = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return {left: text.left, right: text.right, boxLeft: own.left + parseFloat(style.paddingLeft),
                    boxRight: own.right - parseFloat(style.paddingRight)};
        }""",
        selector,
    )
    return box


def check_reading_side(page: Any, selector: str, language: str, what: str) -> None:
    """The text starts at the right edge of its box in Arabic and at the left edge in English."""
    box = text_box(page, selector)
    assert box["right"] - box["left"] < box["boxRight"] - box["boxLeft"] - 20, f"{what}: {selector} fills its line"
    if language == "ar":
        assert abs(box["right"] - box["boxRight"]) < 2 < box["left"] - box["boxLeft"], (what, selector, box)
    else:
        assert abs(box["left"] - box["boxLeft"]) < 2 < box["boxRight"] - box["right"], (what, selector, box)


@pytest.fixture(scope="module")
def axe() -> Path:
    return npm_package("axe-core", "4.10.2")


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_in_the_browser(
    server: Server, browser: Any, artifacts: Path, axe: Path, language: str, tmp_path: Path
) -> None:
    looked_at = language in LOOKED_AT
    shots = tmp_path / "screens"
    shots.mkdir()
    event_title = "Edcamp Lakeside"
    ev = make_event(server, title=event_title, start_date=FUTURE_DAY, timezone="America/Chicago", language=language)
    setup_day(ev, rooms=2, slots=2)
    ev.phase("proposals")
    other, _ = ev.join("Ola Otieno")
    theirs = "Robots in the kindergarten"
    assert other.post(ev.url("/proposals"), json={"title": theirs}).status_code == 201
    name, mine, about = "Pat Teacher", "Poetry with a green screen", "Bring a phone"
    own_words = [event_title, theirs, "Ola Otieno", name, mine, about]

    # The phone: a browser that asks for this language, at 360 px.
    locale = i18n.html_lang(language)
    phone_ctx = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1, locale=locale, bypass_csp=True
    )
    board_ctx = browser.new_context(viewport=BOARD, locale=locale, bypass_csp=True)
    try:
        phone = phone_ctx.new_page()
        phone.goto(f"{server.base_url}/e/{ev.slug}/join?code={ev.join_code}")
        check_language(phone, language, own_words, "join page")
        if looked_at:
            phone.screenshot(path=shots / f"{language}-join.png", full_page=True)
            check_a11y(phone, axe, f"join page ({language})")
            check_reading_side(phone, "label[for=display_name]", language, "join page")
        phone.locator("#display_name, input[name=display_name]").first.fill(name)
        phone.locator("main form.stack button[type=submit]").first.click()
        expect(phone).to_have_url(re.compile(rf"/e/{ev.slug}/proposals$"))

        phone.locator("#title").fill(mine)
        phone.locator("#description").fill(about)
        phone.locator("#propose-form button[type=submit]").click()
        expect(phone.locator("#proposal-list, main").first).to_contain_text(mine, timeout=WAIT)
        check_language(phone, language, own_words, "proposals page")
        if looked_at:
            phone.screenshot(path=shots / f"{language}-proposals.png", full_page=True)
            check_a11y(phone, axe, f"proposals page ({language})")

        ev.phase("voting")
        phone.goto(f"{server.base_url}/e/{ev.slug}/vote")
        budget = int(phone.locator("#dots-status").get_attribute("data-budget") or "0")
        phone.locator(".vote-form button[value=add]").first.click()
        # The script's words after a tap are the catalogue's, in this language's plural form.
        with i18n.use_locale(language):
            left = i18n.ngettext("%(num)s of %(budget)s dots left", "%(num)s of %(budget)s dots left", budget - 1)
        expected = left % {"num": budget - 1, "budget": budget}
        expect(phone.locator("#dots-left-text")).to_have_text(expected, timeout=WAIT)
        check_language(phone, language, own_words, "vote page")
        # The tabs start at the reading side: the first one's edge meets the bar's (the tabs may wrap).
        first, bar = phone.evaluate(
            "() => ['nav.tabs a', 'nav.tabs'].map(s => { const r = document.querySelector(s).getBoundingClientRect();"
            " return {left: r.left, right: r.right}; })"
        )
        if language == "ar":
            assert bar["right"] - first["right"] < first["left"] - bar["left"], ("first tab at the right", first, bar)
        else:
            assert first["left"] - bar["left"] < bar["right"] - first["right"], ("first tab at the left", first, bar)
        if looked_at:
            phone.screenshot(path=shots / f"{language}-vote.png", full_page=True)
            check_a11y(phone, axe, f"vote page ({language})")
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # The board, in the event's language.
        board = board_ctx.new_page()
        board.goto(f"{server.base_url}/e/{ev.slug}/board")
        expect(board.locator(".board-title")).to_have_text(event_title)
        expect(board.get_by_text(mine)).to_be_visible()
        check_language(board, language, own_words, "board")
        # Measured in one go: the board swaps in fresh snapshots while it is looked at.
        title_x, join_x = board.evaluate(
            "() => ['.board-title', '.board-join'].map(s => document.querySelector(s).getBoundingClientRect().x)"
        )
        if language == "ar":
            assert title_x > join_x, "the title is at the right and the join code at the left in Arabic"
        else:
            assert title_x < join_x, "the title is at the left and the join code at the right"
        if looked_at:
            board.screenshot(path=shots / f"{language}-board.png")
            found = serious_violations(board, axe)
            assert found == [], f"board ({language}): serious accessibility problems: {found}"

        # The organizer console, for an organizer whose browser asks for this language, with a draft agenda
        # built (its quality line is the server's sentence, with the locale's numbers).
        built = ev.organizer.post(ev.url("/agenda/build"), json={"time_limit": 0.5, "seed": 1})
        assert built.status_code == 201, built.text
        board_ctx.add_cookies([{"name": f"unconf_t_{ev.slug}", "value": ev.organizer_key, "url": server.base_url}])
        console = board_ctx.new_page()
        console.goto(f"{server.base_url}/e/{ev.slug}/organize")
        expect(console.locator("#phase")).to_be_visible()
        check_language(console, language, own_words, "console")
        with i18n.use_locale(language):
            draft_words = i18n.gettext("Draft agenda")
        expect(console.locator("#intelligence strong").first).to_have_text(f"{draft_words}:")
        if looked_at:
            check_reading_side(console, "main h1", language, "console")
            console.screenshot(path=shots / f"{language}-console.png", full_page=True)
            check_a11y(console, axe, f"console ({language})")
    finally:
        phone_ctx.close()
        board_ctx.close()
        ev.organizer.close()
        other.close()
