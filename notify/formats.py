"""What goes over the wire to webhooks: Slack-compatible text and the signed generic envelope. Pure functions.

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
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M")
    except ValueError:
        return ""


def slack_text(kind: str, event: dict[str, Any], data: dict[str, Any]) -> str:
    title = f"*{slack_escape(event['title'])}*"
    url = event["url"]
    if kind == "proposals.open":
        until = f" until {_hm(data.get('ends_at'))}" if data.get("ends_at") else ""
        return f":memo: Session proposals are open for {title}{until}. Propose a session: {data['proposals_url']}"
    if kind == "voting.open":
        until = f" until {_hm(data.get('ends_at'))}" if data.get("ends_at") else ""
        return f":ballot_box_with_ballot: Voting is open for {title}{until}. Put your dots on: {data['vote_url']}"
    if kind == "agenda.published":
        lines = [f":calendar: The agenda for {title} is published:"]
        lines += [
            f"• {_hm(s['starts_at'])} {slack_escape(s['room'])}: {slack_escape(s['title'])}" for s in data["sessions"]
        ]
        lines.append(f"Agenda: {data['agenda_url']} · Calendar: {data['ics_url']}")
        return "\n".join(lines)
    if kind == "agenda.changed":
        lines = [f":arrows_counterclockwise: The agenda for {title} changed (version {data['version']}):"]
        lines += [f"• {slack_escape(c['text'])}" for c in data["changes"]] or ["• sessions were re-published"]
        lines.append(f"Agenda: {data['agenda_url']}")
        return "\n".join(lines)
    if kind == "session.starting":
        room = slack_escape(data["room"]["name"])
        when = f"{_hm(data['starts_at'])}-{_hm(data['ends_at'])}"
        video = f" Video: {data['room']['video_link']}" if data["room"].get("video_link") else ""
        session = slack_escape(data["title"])
        return f":bell: Starting in {data['minutes']} minutes in *{room}*: *{session}* ({when}).{video}"
    if kind == "event.closed":
        return f":wave: {title} is over. Thank you all! The digest: {data['digest_url']}"
    if kind == "webhook.test":
        return f":white_check_mark: Test message from unconf for {title}: this webhook works."
    return f"{title}: {slack_escape(kind)} {url}"


def slack_body(kind: str, event: dict[str, Any], data: dict[str, Any]) -> bytes:
    return json.dumps({"text": slack_text(kind, event, data)}, ensure_ascii=False).encode()
