"""A closed event asks its proposers by email too: whether to bring a topic that did not fit again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import EventHandle, Server, make_event, stack_database_url, start_server
from tests.newsletter.support import mails, stop, text_of
from tests.notify.loopback import wait_for
from tests.rhythm.world import DAY, build_publish_close, propose, vote


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    tmp = tmp_path_factory.mktemp("carry-mail")
    folder = tmp / "mail"
    server = start_server(stack_database_url(tmp), tmp, {"UNCONF_MAIL_DRY_RUN_DIR": str(folder)})
    yield server, folder
    stop(server)


def join_with_email(ev: EventHandle, name: str, address: str | None) -> httpx.Client:
    with ev.server.client() as anon:
        body = {"display_name": name, "join_code": ev.join_code} | ({"email": address} if address else {})
        r = anon.post(f"/api/v1/events/{ev.slug}/join", json=body)
    assert r.status_code == 201, r.text
    return ev.server.client(r.json()["token"])


def test_a_proposer_with_an_email_is_asked_by_mail_and_the_link_answers(mail_server: tuple[Server, Path]) -> None:
    server, folder = mail_server
    ev = make_event(server, title="Edcamp Mail 2026", start_date=DAY)
    assert ev.organizer.post(ev.url("/community"), json={"name": "Edcamp Mail"}).status_code == 201
    assert ev.organizer.post(ev.url("/rooms"), json={"name": "Library", "capacity": 2}).status_code == 201
    r = ev.organizer.post(ev.url("/slots"), json={"starts_at": f"{DAY}T09:15", "ends_at": f"{DAY}T10:00"})
    assert r.status_code == 201, r.text
    ev.phase("proposals")
    ana = join_with_email(ev, "Ana", "ana@school.example")
    ben = join_with_email(ev, "Ben", "ben@school.example")
    cy = join_with_email(ev, "Cy", None)
    runs = propose(ana, ev, "Thinking classrooms")
    waits = propose(ben, ev, "Grading for equity")
    propose(cy, ev, "Podcasts in class")
    ev.phase("voting")
    vote(ana, ev, runs, waits)
    vote(ben, ev, runs, waits)
    build_publish_close(ev)

    # Ben's topic did not run: he is asked by mail, with how many wanted it and where to answer.
    (asked,) = wait_for("the carry-over mail", lambda: mails(folder, "carry.offer"))
    assert asked["To"] == "Ben <ben@school.example>"
    assert 'Bring "Grading for equity" again?' in asked["Subject"]
    text = text_of(asked)
    assert "2 people wanted it" in text and f"{server.base_url}/e/{ev.slug}/carry" in text
    # Cy's topic did not run either, but Cy left no address: nothing is mailed; Ana's ran: nothing to ask.
    assert [m["To"] for m in mails(folder, "carry.offer")] == ["Ben <ben@school.example>"]

    # The link leads to the page that answers it, for the proposer signed in on that device.
    token = ben.headers["Authorization"].removeprefix("Bearer ")
    page = httpx.get(f"{server.base_url}/e/{ev.slug}/carry", cookies={f"unconf_t_{ev.slug}": token})
    assert page.status_code == 200 and "Grading for equity" in page.text
