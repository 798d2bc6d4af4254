"""What the server itself writes (API error details, notices after a form, errors re-shown on a page) follows
the reader's language, by Accept-Language or the switcher's cookie, while the API's ``error`` and ``field``
stay the same in every language.

Each expected text is the catalogue's own translation of the English message (``i18n.use_locale`` and
``gettext``), and it must differ from the English: a message left untranslated fails here.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import Server, make_event, stack_database_url, stack_env
from tests.newsletter.support import WEEK_50, community_event, member, start, stop
from tests.rhythm.world import community_with_day, plan_next, set_series
from tests.web.test_page_rules import browser_client
from unconf import i18n

LANGUAGES = ("es", "ar")


def said(language: str, message: str, **values: Any) -> str:
    """``message`` as the server writes it in ``language``; it must not be the English."""
    with i18n.use_locale(language):
        text = i18n.gettext(message)
        english_text = message
        if values:
            text = text.format(**values)
            english_text = message.format(**values)
    assert text != english_text, f"{message!r} is not translated into {language}"
    return text


def shown(language: str, message: str, **values: Any) -> str:
    """A domain error re-shown on a page: its sentence, capitalised, with a full stop (as pages show them)."""
    text = said(language, message, **values)
    return text[:1].upper() + text[1:] + "."


def as_header(language: str) -> dict[str, str]:
    return {"Accept-Language": i18n.html_lang(language)}


def page_text(r: httpx.Response) -> str:
    return html.unescape(r.text)


def same_problem(english: httpx.Response, translated: httpx.Response) -> None:
    """One status, one ``error`` code, one ``field``: only the words differ."""
    assert translated.status_code == english.status_code, translated.text
    a, b = english.json(), translated.json()
    assert (b["error"], b.get("field")) == (a["error"], a.get("field")), (a, b)
    assert b["detail"] != a["detail"]


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A server that writes its mail to a folder (members sign in with the mailed link)."""
    tmp = tmp_path_factory.mktemp("strings")
    mail = tmp / "mail"
    server = start(stack_database_url(tmp), tmp, mail, WEEK_50, stack_env())
    yield server, mail
    stop(server)


# --- the API: details in the reader's language, codes and fields as they are --------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_errors_of_community_and_conversation_speak_the_readers_language(server: Server, language: str) -> None:
    ev = make_event(server)
    r = ev.organizer.post(ev.url("/community"), json={"name": "Edcamp Strings"})
    assert r.status_code == 201, r.text
    community = r.json()["slug"]
    ev.phase("proposals")
    api, me = ev.join("Rosa")
    with server.client() as anon:
        redeem = f"/api/v1/communities/{community}/signin/redeem"
        english = anon.post(redeem, json={"code": "not-a-code"}, headers={"Accept-Language": "en"})
        assert english.status_code == 401 and english.json()["field"] == "code"
        translated = anon.post(redeem, json={"code": "not-a-code"}, headers=as_header(language))
        same_problem(english, translated)
        assert translated.json()["detail"] == said(language, "this sign-in link is not valid, or was used already")

        missing = f"/api/v1/communities/{community}-gone"
        translated = anon.get(missing, headers=as_header(language))
        same_problem(anon.get(missing), translated)
        assert translated.json()["detail"] == said(language, "no community {slug!r}", slug=f"{community}-gone")

    # A note to oneself: the same refusal, in the reader's words (here by the switcher's cookie).
    to_me = ev.url(f"/notes-to/{me['id']}")
    english = api.post(to_me, json={"text": "hello me"})
    assert english.status_code == 403 and english.json()["field"] == "participant_id"
    api.cookies.set(i18n.LANGUAGE_COOKIE, language)
    translated = api.post(to_me, json={"text": "hello me"}, headers={"Accept-Language": "en"})
    same_problem(english, translated)
    assert translated.json()["detail"] == said(language, "you cannot send a note to yourself")
    api.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_second_plan_of_the_same_date_is_refused_in_the_readers_language(server: Server, language: str) -> None:
    ev, community = community_with_day(server, "Edcamp Rhythm Words")
    assert set_series(ev, community).status_code == 200
    first = plan_next(ev, community)
    assert first.status_code == 201, first.text
    planned = first.json()["event"]
    english = plan_next(ev, community)
    assert english.status_code == 409 and english.json()["error"] == "already_planned"
    ev.organizer.headers["Accept-Language"] = i18n.html_lang(language)
    translated = plan_next(ev, community)
    same_problem(english, translated)
    day = date.fromisoformat(planned["start_date"])
    with i18n.use_locale(language):
        when = i18n.format_date(day)
    expected = said(
        language,
        "the next date ({day}) is already planned: {title} ({slug}) on {date}",
        day=when,
        title=planned["title"],
        slug=planned["slug"],
        date=when,
    )
    assert translated.json()["detail"] == expected
    assert planned["title"] in translated.json()["detail"], "an event's title is its organizers' words"


def test_a_second_announcement_of_the_week_is_refused_in_the_readers_language(
    mail_server: tuple[Server, Path],
) -> None:
    server, mail = mail_server
    ev, community = community_event(server, "Edcamp Letters in Every Language")
    token = member(server, ev, community, mail, "Amal")
    items = f"/api/v1/communities/{community}/newsletter"
    with server.client(token) as amal:
        assert amal.post(items, json={"text": "Book swap on Friday"}).status_code == 201
        english = amal.post(items, json={"text": "And another thing"})
        assert english.status_code == 409 and english.json()["error"] == "newsletter_item_exists"
        assert english.json()["field"] == "text"
        message = "you have added an announcement to this week's newsletter already: one per member per week"
        for language in LANGUAGES:
            translated = amal.post(items, json={"text": "And another thing"}, headers=as_header(language))
            same_problem(english, translated)
            assert translated.json()["detail"] == said(language, message)
        # The ladder's rungs and the kinds of message are labels the server writes: the reader's words too.
        ladder = amal.get(f"/api/v1/communities/{community}/me/ladder", headers=as_header("ar")).json()
        assert ladder["rungs"][0]["label"] == said("ar", "Complete your profile")
        assert ladder["rungs"][0]["rung"] == "profile"


# --- pages: notices and errors re-shown in the reader's language ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_error_is_shown_again_in_the_readers_language(server: Server, language: str) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    with browser_client(server) as browser:
        r = browser.post(
            f"/e/{ev.slug}/join",
            data={"display_name": "", "code": ev.join_code},
            headers=as_header(language),
        )
        assert r.status_code == 400
        assert said(language, "Please type a name so others know who proposed what.") in page_text(r)
        assert "Please type a name" not in r.text

        browser.cookies.set(i18n.LANGUAGE_COOKIE, language)
        r = browser.post("/join", data={"code": "NOPE42"}, headers={"Accept-Language": "en"})
        assert r.status_code == 404
        expected = said(
            language, "No event has the join code {code}. Check it on the board and try again.", code="NOPE42"
        )
        assert expected in page_text(r)


@pytest.mark.parametrize("language", LANGUAGES)
def test_community_pages_answer_in_the_readers_language(mail_server: tuple[Server, Path], language: str) -> None:
    server, _mail = mail_server
    _ev, community = community_event(server, f"Edcamp Pages {language}")
    with browser_client(server) as browser:
        browser.cookies.set(i18n.LANGUAGE_COOKIE, language)
        # A sign-in link that does not work: the community page says why, in the reader's words.
        r = browser.post(f"/c/{community}/signin/redeem", data={"code": "not-a-code"})
        assert r.status_code == 303
        page = browser.get(f"/c/{community}")
        assert shown(language, "this sign-in link is not valid, or was used already") in page_text(page)
        # Asking for a link: the same answer for any address, in the reader's words.
        r = browser.post(f"/c/{community}/signin", data={"email": "someone@school.example"})
        assert r.status_code == 303
        page = browser.get(f"/c/{community}")
        assert said(language, "If this address is a member's, a sign-in link is on its way.") in page_text(page)
        # A community that does not exist: the error page's title and its sentence.
        gone = browser.get(f"/c/{community}-gone")
        assert gone.status_code == 404
        assert said(language, "Not found") in page_text(gone)
        assert shown(language, "no community {slug!r}", slug=f"{community}-gone") in page_text(gone)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_notice_after_a_form_and_the_phase_read_in_the_readers_language(server: Server, language: str) -> None:
    ev = make_event(server)
    ev.phase("proposals")
    api, _me = ev.join("Noor")
    token = api.headers["Authorization"].removeprefix("Bearer ")
    with browser_client(server) as phone:
        phone.cookies.set(f"unconf_t_{ev.slug}", token)
        r = phone.post(
            f"/e/{ev.slug}/proposals",
            data={"title": "Robots in the library", "description": "", "tags": ""},
            headers=as_header(language),
        )
        assert r.status_code == 303
        page = phone.get(f"/e/{ev.slug}/proposals", headers=as_header(language))
        text = page_text(page)
        assert said(language, "Proposed: {title}", title="Robots in the library") in text
        assert "Robots in the library" in text, "proposal titles are people's own words"
        # The phase in plain words, written by the server for every phone page.
        assert said(language, "Propose a session you would like to lead or join. Voting comes next.") in text
    api.close()
