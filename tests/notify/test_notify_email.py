"""From an Eventbrite export to invited people, emails and a Slack channel that hears about the agenda.

Everything runs against real servers on loopback: the app (uvicorn), an SMTP server (aiosmtpd)
and an HTTP receiver standing in for Slack.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.helpers import Server, make_event
from tests.notify.loopback import Receiver, SmtpSink, around_now, link_in, ok, schedule_soon, text_of, upload, wait_for

# The loopback SMTP/HTTP servers and the app server wired to them (session fixtures, shared).
pytest_plugins = ["tests.notify.fixtures"]

EVENTBRITE = (
    b"Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,Attendee Status\r\n"
    b"1,2026-10-01,Ada,Lovelace,ada@school.example,1,General,501,Attending\r\n"
    b"2,2026-10-01,Grace,Hopper,grace@school.example,1,General,502,Attending\r\n"
    b"3,2026-10-01,Katherine,Johnson,kj@school.example,1,General,503,Attending\r\n"
    b"4,2026-10-02,Dorothy,Vaughan,dv@school.example,1,General,504,Attending\r\n"
)


def redeem_from_email(server: Server, slug: str, message: Any) -> httpx.Client:
    """Open the invitation email's link and press its button, as a browser would."""
    link = link_in(text_of(message), rf"{server.base_url}/e/{slug}/invite\?code=[A-Za-z0-9_-]+")
    assert link in text_of(message, "html"), "the HTML part carries the same link"
    code = parse_qs(urlsplit(link).query)["code"][0]
    with httpx.Client(base_url=server.base_url, timeout=30) as browser:
        page = browser.get(link)
        assert page.status_code == 200 and code in page.text
        done = browser.post(
            f"/e/{slug}/invite",
            data={"code": code},
            headers={"Origin": server.base_url, "Sec-Fetch-Site": "same-origin"},
        )
        assert done.status_code == 303, done.text
        token = done.cookies[f"unconf_t_{slug}"]
    return server.client(token)


def test_from_eventbrite_to_invited_people_emails_and_slack(
    notify_server: Server, smtp_sink: SmtpSink, receiver: Receiver
) -> None:
    ev = make_event(notify_server, title="Edcamp Riverside", venue="Riverside High", **around_now())
    receiver.routes["/slack"] = ok
    r = ev.organizer.post(ev.url("/webhooks"), json={"url": receiver.url("/slack"), "format": "slack"})
    assert r.status_code == 201, r.text

    imported = upload(ev, "import", EVENTBRITE)
    assert imported.status_code == 201 and len(imported.json()["new"]) == 4, imported.text
    sent = ev.organizer.post(ev.url("/invitations/send"), json={})
    assert sent.status_code == 202 and sent.json()["queued"] == 4, sent.text

    invitations = wait_for(
        "four invitations", lambda: len(smtp_sink.for_event(ev.slug)) >= 4 and smtp_sink.for_event(ev.slug)
    )
    by_person = {m["To"].addresses[0].addr_spec: m for m in invitations}
    assert set(by_person) == {"ada@school.example", "grace@school.example", "kj@school.example", "dv@school.example"}
    ada_mail = by_person["ada@school.example"]
    assert ada_mail["Subject"] == "Your invitation to Edcamp Riverside"
    assert ada_mail["From"].addresses[0].addr_spec == "edcamp@example.org"
    assert ada_mail.get_content_type() == "multipart/alternative"
    assert "Hello Ada Lovelace" in text_of(ada_mail)

    ev.phase("proposals")
    # Dorothy does not open her invitation; the others do.
    people = [
        redeem_from_email(notify_server, ev.slug, by_person[a]) for a in sorted(by_person) if a != "dv@school.example"
    ]
    names = [p.get(ev.url("/me")).json()["participant"]["display_name"] for p in people]
    assert names == ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
    statuses = {s["email"]: s for s in ev.organizer.get(ev.url("/invitations")).json()}
    assert [e for e, s in statuses.items() if not s["redeemed_at"]] == ["dv@school.example"]

    proposal = schedule_soon(ev, people, minutes=3)
    pid = proposal["id"]

    voting = wait_for(
        "the 'voting is open' emails",
        lambda: [m for m in smtp_sink.for_event(ev.slug) if m["Subject"].startswith("Voting is open")],
    )
    assert f"{notify_server.base_url}/e/{ev.slug}/vote" in text_of(voting[0])
    # Someone who never used their invitation gets a fresh personal link with "voting is open".
    to_dorothy = wait_for(
        "Dorothy's 'voting is open' email",
        lambda: [
            m
            for m in smtp_sink.for_event(ev.slug)
            if m["Subject"].startswith("Voting is open") and m["To"].addresses[0].addr_spec == "dv@school.example"
        ],
    )[0]
    assert "Sign in first" in text_of(to_dorothy)
    dorothy = redeem_from_email(notify_server, ev.slug, to_dorothy)
    assert dorothy.get(ev.url("/me")).json()["participant"]["display_name"] == "Dorothy Vaughan"
    assert all(
        "Sign in first" not in text_of(m)
        for m in voting
        if m is not to_dorothy and m["To"].addresses[0].addr_spec != "dv@school.example"
    )

    agenda_mails = wait_for(
        "the agenda emails",
        lambda: len(found := [m for m in smtp_sink.for_event(ev.slug) if "agenda" in m["Subject"]]) >= 4 and found,
    )
    to_ada = next(m for m in agenda_mails if m["To"].addresses[0].addr_spec == "ada@school.example")
    plain = text_of(to_ada)
    assert "Makerspaces on a budget" in plain and "Library" in plain and "you facilitate it" in plain
    assert f"{notify_server.base_url}/e/{ev.slug}/s/{pid}.ics" in plain
    assert f"{notify_server.base_url}/e/{ev.slug}/agenda.ics" in plain
    assert f"/e/{ev.slug}/s/{pid}.ics" in text_of(to_ada, "html")
    with notify_server.client() as anon:
        assert anon.get(f"/e/{ev.slug}/s/{pid}.ics").status_code == 200
    to_organizer = [m for m in agenda_mails if m["To"].addresses[0].addr_spec not in by_person]
    assert to_organizer == [], "the organizer has no email address here"
    to_dorothy_agenda = next(m for m in agenda_mails if m["To"].addresses[0].addr_spec == "dv@school.example")
    assert "None of your sessions is on it" in text_of(to_dorothy_agenda)

    slack = wait_for(
        "Slack to hear about the agenda",
        lambda: [h.json()["text"] for h in receiver.at("/slack") if "agenda" in h.json()["text"]],
    )
    assert "The agenda for *Edcamp Riverside* is published" in slack[0]
    assert "Library: Makerspaces on a budget" in slack[0]
    starting = wait_for(
        "the 'starting in 5 minutes' notice",
        lambda: [h.json()["text"] for h in receiver.at("/slack") if "Starting in" in h.json()["text"]],
    )
    assert "*Library*" in starting[0] and "Makerspaces on a budget" in starting[0]

    def email_log() -> list[dict[str, Any]]:
        return ev.organizer.get(ev.url("/notifications/deliveries"), params={"channel": "email"}).json()

    # The sink has every message; the log says so once each send has been recorded.
    log = wait_for("every email logged as delivered", lambda: all(d["status"] == "delivered" for d in email_log()))
    log = email_log()
    assert {d["kind"] for d in log} == {"invitation", "voting.open", "agenda.published"}
    assert len(log) == 12 and all(d["log"][-1]["code"] == 250 for d in log), log

    ev.phase("running")
    ev.phase("closed")
    digests = wait_for(
        "the post-event digest",
        lambda: len(found := [m for m in smtp_sink.for_event(ev.slug) if "digest" in m["Subject"]]) >= 4 and found,
    )
    assert len(digests) == 4 and "Makerspaces on a budget" in text_of(digests[0])
    # Organizers can send a broadcast again (here: the digest, to everyone with an address).
    again = ev.organizer.post(ev.url("/notifications/email"), json={"message": "digest"})
    assert again.status_code == 202, again.text
    wait_for(
        "the digest a second time", lambda: sum("digest" in m["Subject"] for m in smtp_sink.for_event(ev.slug)) >= 8
    )
    bad = ev.organizer.post(ev.url("/notifications/email"), json={"message": "spam"})
    assert bad.status_code == 400 and bad.json()["field"] == "message", bad.text
    assert "Makerspaces on a budget" in text_of(digests[0], "html")
    wait_for(
        "Slack to hear that it is over", lambda: [h for h in receiver.at("/slack") if "is over" in h.json()["text"]]
    )


def test_dry_run_writes_eml_files_and_private_addresses_are_refused(
    guarded_server: tuple[Server, Path], receiver: Receiver
) -> None:
    server, outbox = guarded_server
    ev = make_event(server, title="Dry Run Camp")
    csv = b"Name,Email\nMo Salah,mo@club.example\n"
    assert upload(ev, "import", csv, mapping='{"email": "Email", "name": "Name"}').status_code == 201
    r = ev.organizer.post(ev.url("/invitations/send"), json={})
    assert r.status_code == 202 and r.json()["queued"] == 1, r.text
    files = wait_for("an .eml file", lambda: sorted(outbox.glob("*-invitation.eml")))
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "mo@club.example"  # type: ignore[union-attr]
    assert f"{server.base_url}/e/{ev.slug}/invite?code=" in text_of(message)  # type: ignore[arg-type]
    log = wait_for(
        "the dry run in the log",
        lambda: [d for d in ev.organizer.get(ev.url("/notifications/deliveries")).json() if d["status"] == "delivered"],
    )
    assert "dry run" in log[0]["log"][0]["error"]

    # Without UNCONF_FETCH_ALLOW_PRIVATE, loopback and private addresses are off limits.
    receiver.routes["/x.csv"] = ok
    for url in (receiver.url("/x.csv"), "http://10.0.0.1/x.csv", "http://[::1]/x.csv", "http://169.254.169.254/latest"):
        r = ev.organizer.post(ev.url("/registrants/preview"), files={"url": (None, url)})
        assert r.status_code == 400 and r.json()["error"] == "address_not_allowed", (url, r.text)
        w = ev.organizer.post(ev.url("/webhooks"), json={"url": url})
        assert w.status_code == 400 and w.json()["field"] == "url", (url, w.text)
    assert receiver.hits == []
    nothing = ev.organizer.post(ev.url("/notifications/email"), json={"message": "agenda_published"})
    assert nothing.status_code == 404 and nothing.json()["field"] == "message", nothing.text


def test_email_needs_configuration(server: Server) -> None:
    ev = make_event(server)
    r = ev.organizer.post(ev.url("/invitations/send"), json={})
    assert r.status_code == 409 and r.json()["error"] == "mail_not_configured", r.text
    r = ev.organizer.post(ev.url("/notifications/email"), json={"message": "digest"})
    assert r.status_code == 409 and r.json()["field"] == "email", r.text
