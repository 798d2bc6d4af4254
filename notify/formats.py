"""What goes over the wire to webhooks: Slack-compatible text and the signed generic envelope. Pure functions.

Chat text is written in the language in force (the event's: ``notify.delivery`` sets it); the generic
envelope's keys and values stay data, apart from the human ``text`` of agenda changes.

The signing scheme (documented for receivers in docs/webhooks.md)::

    Unconf-Webhook-Timestamp: <unix seconds>
    Unconf-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from unconf import i18n
from unconf.i18n import gettext as _
from unconf.i18n import ngettext

PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "Unconf-Webhook-Signature"
TIMESTAMP_HEADER = "Unconf-Webhook-Timestamp"
ID_HEADER = "Unconf-Webhook-Id"
TYPE_HEADER = "Unconf-Webhook-Type"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (see docs/webhooks.md); constant-time, any of several ``v1=`` values may match."""
    if not timestamp.isdigit():
        return False
    expected = sign(secret, int(timestamp), body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


def envelope(delivery_id: str, kind: str, event: dict[str, Any], data: dict[str, Any], at: datetime) -> bytes:
    """The generic JSON body: stable keys, a type and a version so receivers can evolve safely."""
    body = {
        "id": delivery_id,
        "type": kind,
        "version": PAYLOAD_VERSION,
        "created_at": at.isoformat(),
        "event": event,
        "data": data,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def slack_escape(text: str) -> str:
    """Slack's three control characters; Mattermost and Discord render the entities as text too."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hm(iso: str | None) -> str:
    """A clock time as the language in force writes it, on the clock the time was given in (the event's)."""
    if not iso:
        return ""
    try:
        return i18n.format_time(datetime.fromisoformat(iso))
    except ValueError:
        return ""


def slack_text(kind: str, event: dict[str, Any], data: dict[str, Any]) -> str:
    """What a chat channel reads, in the language in force (the caller sets the event's)."""
    title = f"*{slack_escape(event['title'])}*"
    url = event["url"]
    if kind == "proposals.open":
        link = data["proposals_url"]
        if data.get("ends_at"):
            text = _("Session proposals are open for {event} until {time}. Propose a session: {link}")
            return ":memo: " + text.format(event=title, time=_hm(data.get("ends_at")), link=link)
        return ":memo: " + _("Session proposals are open for {event}. Propose a session: {link}").format(
            event=title, link=link
        )
    if kind == "voting.open":
        link = data["vote_url"]
        if data.get("ends_at"):
            text = _("Voting is open for {event} until {time}. Put your dots on: {link}")
            return ":ballot_box_with_ballot: " + text.format(event=title, time=_hm(data.get("ends_at")), link=link)
        return ":ballot_box_with_ballot: " + _("Voting is open for {event}. Put your dots on: {link}").format(
            event=title, link=link
        )
    if kind == "agenda.published":
        lines = [":calendar: " + _("The agenda for {event} is published:").format(event=title)]
        lines += [
            f"• {_hm(s['starts_at'])} {slack_escape(s['room'])}: {slack_escape(s['title'])}" for s in data["sessions"]
        ]
        lines.append(
            _("Agenda: {agenda} · Calendar: {calendar}").format(agenda=data["agenda_url"], calendar=data["ics_url"])
        )
        return "\n".join(lines)
    if kind == "agenda.changed":
        changed = _("The agenda for {event} changed (version {version}):").format(event=title, version=data["version"])
        lines = [f":arrows_counterclockwise: {changed}"]
        lines += [f"• {slack_escape(c['text'])}" for c in data["changes"]] or ["• " + _("sessions were re-published")]
        lines.append(_("Agenda: {link}").format(link=data["agenda_url"]))
        return "\n".join(lines)
    if kind == "session.starting":
        room = slack_escape(data["room"]["name"])
        when = f"{_hm(data['starts_at'])}-{_hm(data['ends_at'])}"
        video = (
            " " + _("Video: {link}").format(link=data["room"]["video_link"]) if data["room"].get("video_link") else ""
        )
        session = slack_escape(data["title"])
        starting = ngettext(
            "Starting in {minutes} minute in {room}: {session} ({when}).",
            "Starting in {minutes} minutes in {room}: {session} ({when}).",
            int(data["minutes"]),
        )
        text = starting.format(minutes=data["minutes"], room=f"*{room}*", session=f"*{session}*", when=when)
        return f":bell: {text}{video}"
    if kind == "event.closed":
        return ":wave: " + _("{event} is over. Thank you all! The digest: {link}").format(
            event=title, link=data["digest_url"]
        )
    if kind == "webhook.test":
        return ":white_check_mark: " + _("Test message from unconf for {event}: this webhook works.").format(
            event=title
        )
    return f"{title}: {slack_escape(kind)} {url}"


def slack_body(kind: str, event: dict[str, Any], data: dict[str, Any]) -> bytes:
    return json.dumps({"text": slack_text(kind, event, data)}, ensure_ascii=False).encode()
