"""Building blocks for the newsletter tests: servers with dry-run mail and a fixed clock, members, mail files."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import EventHandle, Server, make_event, start_server
from tests.notify.loopback import wait_for

# Wednesday of ISO week 2026-W50; the next week's Wednesday; the week after.
WEEK_50 = "2026-12-09T08:00:00Z"
WEEK_51 = "2026-12-16T08:00:00Z"
WEEK_52 = "2026-12-23T08:00:00Z"


def start(database_url: str, tmp: Path, mail: Path, clock: str, extra: dict[str, str] | None = None) -> Server:
    """A worker whose digest loop looks every second, on the fixed clock, writing mail as .eml files."""
    env = {
        "UNCONF_MAIL_DRY_RUN_DIR": str(mail),
        "UNCONF_DIGEST_CLOCK": clock,
        "UNCONF_DIGEST_INTERVAL_SECONDS": "1",
        **(extra or {}),
    }
    return start_server(database_url, tmp, env)


def stop(server: Server) -> None:
    server.stop()
    log = server.log()
    assert "Traceback" not in log, f"the server logged an exception:\n{log[-5000:]}"


def mails(folder: Path, kind: str) -> list[EmailMessage]:
    """Every mail of one outbox kind written to the dry-run folder (file names end in ``-<kind>.eml``)."""
    if not folder.exists():
        return []
    out = []
    for path in sorted(folder.glob(f"*-{kind}.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        out.append(message)
    return out


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def community_event(server: Server, name: str) -> tuple[EventHandle, str]:
    ev = make_event(server, start_date="2026-12-12")
    r = ev.organizer.post(ev.url("/community"), json={"name": name})
    assert r.status_code == 201, r.text
    ev.phase("proposals")
    return ev, str(r.json()["slug"])


def member(server: Server, ev: EventHandle, community: str, mail: Path, name: str) -> str:
    """Someone joins the event, stays as a member, and signs in with the link they were mailed: their token."""
    token, client, _ = member_at_event(server, ev, community, mail, name)
    client.close()
    return token


def member_at_event(
    server: Server, ev: EventHandle, community: str, mail: Path, name: str
) -> tuple[str, httpx.Client, int]:
    """A member's token, and their client and participant id at the event."""
    client, me = ev.join(name)
    address = f"{name.lower()}@school.example"
    r = client.post(ev.url("/me/membership"), json={"email": address})
    assert r.status_code == 201, r.text

    def link() -> str | None:
        for m in mails(mail, "community.signin"):
            if m["To"] == address:
                found = re.search(rf"http://\S+/c/{community}/signin\?code=(\S+)", text_of(m))
                if found:
                    return found.group(1)
        return None

    code = wait_for(f"{name}'s sign-in mail", link)
    anon = server.client()
    signed = anon.post(f"/api/v1/communities/{community}/signin/redeem", json={"code": code})
    assert signed.status_code == 201, signed.text
    anon.close()
    return str(signed.json()["token"]), client, int(me["id"])


def digests_to(folder: Path, address: str) -> list[EmailMessage]:
    return [m for m in mails(folder, "member.digest") if m["To"] == address]


def digest_periods(folder: Path) -> list[tuple[str, str]]:
    return sorted((str(m["To"]), str(m["X-Unconf-Digest"]).split(":", 1)[1]) for m in mails(folder, "member.digest"))


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"]).strip()
    found = re.fullmatch(r"<http://127\.0\.0\.1:\d+(/unsubscribe/\S+)>", header)
    assert found, header
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert found.group(1) in text_of(message), "the footer carries the same link"
    return found.group(1)


def json_of(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json()


def on(ev: EventHandle, server: Server) -> EventHandle:
    """The same event, reached through another worker (or the same database after a restart)."""
    return EventHandle(
        server=server,
        slug=ev.slug,
        join_code=ev.join_code,
        organizer_key=ev.organizer_key,
        organizer=server.client(ev.organizer_key),
    )
