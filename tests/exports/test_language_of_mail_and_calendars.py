"""Mail and calendars in the recipient's language; shared calendars and printed material in the event's.

Everything runs against real servers on loopback: the app (uvicorn) with its outbox worker, and an SMTP
server (aiosmtpd) that keeps what it is handed. Calendars are read back with the ``icalendar`` library.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from tests.helpers import EventHandle, Server, make_event
from tests.notify.loopback import SmtpSink, text_of, wait_for

# The loopback SMTP server and the app wired to it (session fixtures, shared with tests/notify).
pytest_plugins = ["tests.notify.fixtures"]

DAY = "2026-11-21"  # a Saturday: "sábado" in Spanish


@dataclass
class Person:
    name: str
    email: str | None
    token: str
    client: httpx.Client


@dataclass
class Ribera:
    """A Spanish event with a published agenda, and people who speak different languages."""

    event: EventHandle
    sofia: Person  # her browser asks for Spanish
    eve: Person  # her browser asks for English
    ana: Person  # asked for nothing (so the event's Spanish), then chose English with the switcher


def join(ev: EventHandle, server: Server, name: str, email: str | None, accept_language: str | None) -> Person:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    body: dict[str, Any] = {"display_name": name, "join_code": ev.join_code}
    if email:
        body["email"] = email
    with server.client() as anon:
        r = anon.post(f"/api/v1/events/{ev.slug}/join", json=body, headers=headers)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    return Person(name, email, token, server.client(token))


def mails_to(sink: SmtpSink, slug: str, address: str, subject_has: str) -> list[EmailMessage]:
    return [
        m for m in sink.for_event(slug) if m["To"].addresses[0].addr_spec == address and subject_has in m["Subject"]
    ]


@pytest.fixture(scope="module")
def ribera(notify_server: Server) -> Iterator[Ribera]:
    ev = make_event(
        notify_server,
        title="Edcamp Ribera",
        start_date=DAY,
        timezone="Europe/Madrid",
        venue="Instituto Ribera",
        language="es",
    )
    org = ev.organizer
    r = org.post(ev.url("/rooms"), json={"name": "Aula 1", "capacity": 30})
    assert r.status_code == 201, r.text
    for start, end, kind in (
        (f"{DAY}T10:00", f"{DAY}T11:00", "breakout"),
        (f"{DAY}T11:00", f"{DAY}T11:30", "break"),
        (f"{DAY}T11:30", f"{DAY}T12:30", "breakout"),
    ):
        r = org.post(ev.url("/slots"), json={"starts_at": start, "ends_at": end, "kind": kind})
        assert r.status_code == 201, r.text
    ev.phase("proposals")
    sofia = join(ev, notify_server, "Sofía", "sofia@school.example", "es-ES,es;q=0.9")
    eve = join(ev, notify_server, "Eve", "eve@school.example", "en-GB,en;q=0.8")
    ana = join(ev, notify_server, "Ana", None, None)
    for person, title in ((sofia, "Huertos escolares"), (eve, "Robots in class"), (ana, "Podcasts")):
        r = person.client.post(ev.url("/proposals"), json={"title": title})
        assert r.status_code == 201, r.text
    ev.phase("voting")  # the voting email goes to everyone with an address
    ids = [p["id"] for p in org.get(ev.url("/proposals")).json()]
    for person in (sofia, eve, ana):
        for pid in ids[:2]:
            r = person.client.post(ev.url("/votes"), json={"proposal_id": pid, "dots": 1})
            assert r.status_code == 201, r.text
    r = org.post(ev.url("/agenda/build"), json={"time_limit": 1.0})
    assert r.status_code == 201, r.text
    r = org.post(ev.url("/agenda/publish"))
    assert r.status_code == 201, r.text
    yield Ribera(ev, sofia, eve, ana)
    for person in (sofia, eve, ana):
        person.client.close()
    org.close()


def calendar_of(response: httpx.Response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def descriptions(cal: Calendar) -> str:
    return "\n".join(str(ev.get("description", "")) for ev in cal.walk("VEVENT"))


def test_a_spanish_participants_calendar_is_in_spanish_and_an_english_ones_in_english(ribera: Ribera) -> None:
    ev = ribera.event
    spanish = calendar_of(ribera.sofia.client.get(f"/e/{ev.slug}/me.ics"))
    assert str(spanish["X-WR-CALNAME"]) == "Edcamp Ribera: mis sesiones"
    assert "versión 1 de la agenda" in str(spanish["X-WR-CALDESC"])
    text = descriptions(spanish)
    assert "Sala: Aula 1" in text and "Página de la sesión: " in text and "Notas: " in text
    assert "Room:" not in text and "Session page:" not in text
    assert any(str(e["SUMMARY"]) == "Huertos escolares" for e in spanish.walk("VEVENT")), "titles stay as written"

    english = calendar_of(ribera.eve.client.get(f"/e/{ev.slug}/me.ics"))
    assert str(english["X-WR-CALNAME"]) == "Edcamp Ribera: my sessions"
    assert str(english["X-WR-CALDESC"]) == "Edcamp Ribera: agenda version 1"
    text = descriptions(english)
    assert "Room: Aula 1" in text and "Session page: " in text and "Sala:" not in text


def test_the_personal_feed_is_in_the_persons_language_without_a_browser(ribera: Ribera, notify_server: Server) -> None:
    ev = ribera.event
    r = ribera.sofia.client.post(ev.url("/feed"))
    assert r.status_code == 201, r.text
    feed_path = "/" + r.json()["https_url"].split("/", 3)[3]
    with notify_server.client() as calendar_app:  # no Accept-Language, no cookie: only the secret
        feed = calendar_of(calendar_app.get(feed_path))
    assert str(feed["X-WR-CALNAME"]) == "Edcamp Ribera: mis sesiones"
    assert "Sala: Aula 1" in descriptions(feed)


def test_the_switcher_changes_the_language_of_a_signed_in_persons_calendar(
    ribera: Ribera, notify_server: Server
) -> None:
    ev = ribera.event
    before = calendar_of(ribera.ana.client.get(f"/e/{ev.slug}/me.ics"))
    assert str(before["X-WR-CALNAME"]) == "Edcamp Ribera: mis sesiones", "no choice: the event's language"
    with httpx.Client(base_url=notify_server.base_url, timeout=30) as browser:
        browser.cookies.set(f"unconf_t_{ev.slug}", ribera.ana.token)
        r = browser.post("/language", data={"language": "en", "next": f"/e/{ev.slug}/agenda"})
        assert r.status_code == 303, r.text
    after = calendar_of(ribera.ana.client.get(f"/e/{ev.slug}/me.ics"))
    assert str(after["X-WR-CALNAME"]) == "Edcamp Ribera: my sessions"
    assert "Room: Aula 1" in descriptions(after)


def test_the_whole_agenda_calendar_is_in_the_events_language_whoever_asks(ribera: Ribera) -> None:
    ev = ribera.event
    for asking in ("en-US,en;q=0.9", "de", None):
        headers = {"Accept-Language": asking} if asking else {}
        cal = calendar_of(ribera.eve.client.get(f"/e/{ev.slug}/agenda.ics", headers=headers))
        assert str(cal["X-WR-CALDESC"]) == "Edcamp Ribera: versión 1 de la agenda"
        events = list(cal.walk("VEVENT"))
        breaks = [e for e in events if "CATEGORIES" in e and b"BREAK" in e["CATEGORIES"].to_ical()]
        assert len(breaks) == 1 and str(breaks[0]["DESCRIPTION"]).startswith("Un descanso para todos.")
        assert "Sala: Aula 1" in descriptions(cal) and "Room:" not in descriptions(cal)


def test_an_email_is_in_the_language_its_recipient_chose(ribera: Ribera, smtp_sink: SmtpSink) -> None:
    slug = ribera.event.slug
    voting_es = wait_for(
        "Sofía's voting email",
        lambda: mails_to(smtp_sink, slug, "sofia@school.example", "votación"),
    )[0]
    assert voting_es["Subject"] == "La votación está abierta: Edcamp Ribera"
    assert voting_es["Content-Language"] == "es"
    plain, rich = text_of(voting_es), text_of(voting_es, "html")
    assert "Hola, Sofía:" in plain and "Pon tus puntos en las sesiones" in plain
    assert "Voting is open" not in plain and "Hello" not in plain
    # The event's date, as Spanish writes it, under the title of the HTML part.
    assert "lang='es'" in rich and "sábado, 21 de noviembre de 2026" in rich and "Saturday" not in rich

    voting_en = wait_for(
        "Eve's voting email",
        lambda: mails_to(smtp_sink, slug, "eve@school.example", "Voting"),
    )[0]
    assert voting_en["Subject"] == "Voting is open: Edcamp Ribera"
    plain, rich = text_of(voting_en), text_of(voting_en, "html")
    assert "Hello Eve," in plain and "Put your dots on the sessions" in plain
    assert "lang='en'" in rich and "Saturday, November 21, 2026" in rich and "sábado" not in rich

    # The agenda mail lists her sessions with their times on the event's clock, in her language.
    agenda_es = wait_for(
        "Sofía's agenda email",
        lambda: mails_to(smtp_sink, slug, "sofia@school.example", "agenda"),
    )[0]
    assert agenda_es["Subject"] == "La agenda de Edcamp Ribera está publicada"
    plain = text_of(agenda_es)
    assert "Tus sesiones:" in plain and re.search(r"sábado, 21 de noviembre, (10:00|11:30)-1[12]:[03]0", plain), plain
    assert "Recibes este correo porque estás inscrito en este evento." in plain


def test_the_printed_agenda_of_a_spanish_event_is_in_spanish_with_spanish_day_names(
    ribera: Ribera, notify_server: Server
) -> None:
    ev = ribera.event
    with notify_server.client() as browser:
        page = browser.get(f"/e/{ev.slug}/print/agenda", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    html = page.text
    assert '<html lang="es" dir="ltr">' in html
    assert "sábado, 21 de noviembre de 2026" in html and "Saturday" not in html
    assert "Descanso, para todos" in html and "Hora" in html
    assert "10:00" in html and "12:30" in html  # Europe/Madrid's clock, as Spanish writes times
    with notify_server.client() as browser:
        room_id = ev.organizer.get(ev.url("/rooms")).json()[0]["id"]
        sign = browser.get(f"/e/{ev.slug}/print/rooms/{room_id}")
    assert sign.status_code == 200, sign.text
    assert "sábado, 21 de noviembre" in sign.text and "Escanea para registrar tu llegada" in sign.text
