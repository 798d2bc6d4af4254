"""Notifications through a durable outbox. No HTTP handling here.

Requests (and ``dispatch``, called from ``realtime.publish``) only insert outbox rows; the
worker (``notify.worker``) fans a notice out to webhook endpoints and people, builds each
message when it sends it, retries with exponential backoff and keeps a log of every attempt. A
dead or slow receiver therefore costs a worker slot, never a request or the live board.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import smtplib
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import msgspec

from agenda.services import my_agenda, read_agenda
from agenda.tables import TimeSlot
from agenda.versions import has_published_agenda
from events.tables import Event, Participant
from notify import formats, messages
from notify.schemas import (
    AttemptOut,
    BroadcastRequest,
    DeliveryOut,
    Queued,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookPatch,
)
from notify.tables import Outbox, OutboxAttempt, WebhookEndpoint
from unconf.errors import Conflict, DomainError, NotFound, ValidationFailed
from unconf.http import client, guard_url
from unconf.ports import Port
from unconf.settings import get_settings
from unconf.validation import aware as _aware
from unconf.validation import check_timezone, clean_text, in_timezone, utcnow

log = logging.getLogger("notify")

MAX_ENDPOINTS = 10
MAX_ATTEMPTS = 10
BACKOFF_BASE = 2.0  # seconds before the 2nd attempt; doubled each time
BACKOFF_CAP = 1800.0
WEBHOOK_TIMEOUT = 10.0
SMTP_TIMEOUT = 30.0
STARTING_SOON = timedelta(minutes=5)
# Phase changes that become notices; everything else publish() announces is ignored at once.
PHASE_NOTICES = {"proposals": "proposals.open", "voting": "voting.open", "closed": "event.closed"}
# Notice type -> email message kind (only these notices reach people's inboxes).
EMAIL_FOR_NOTICE = {"voting.open": "voting.open", "agenda.published": "agenda.published", "event.closed": "digest"}
BROADCASTS = {"voting_open": "voting.open", "agenda_published": "agenda.published", "digest": "event.closed"}


class PersonalLinks(Protocol):
    async def __call__(self, event: Event, person: Participant, *, invitation: bool) -> str | None: ...


PERSONAL_LINKS: Port[PersonalLinks] = Port("notify's personal sign-in links")
"""A fresh personal link for an imported person (people answers): for an invitation, None cancels
the mail (revoked, or no longer a registrant); otherwise "" when they have signed in already."""

DIGEST: Port[Callable[[Event], Awaitable[tuple[str, str]]]] = Port("notify's post-event digest")
"""The digest of an event as (Markdown, HTML); the exports domain answers it."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# -- the hook realtime.publish calls --------------------------------------------------------------------------------


def notice_for(kind: str, data: Any) -> tuple[str, dict[str, Any], str] | None:
    """Which notice (type, payload, dedupe suffix) a live update becomes, if any. No I/O."""
    if kind not in ("phase.changed", "agenda.published"):
        return None
    body = msgspec.to_builtins(data) if data is not None else {}
    if not isinstance(body, dict):
        return None
    if kind == "phase.changed":
        notice = PHASE_NOTICES.get(str(body.get("phase")))
        if notice is None:
            return None
        # Once per event: undoing and redoing a phase does not announce it twice.
        return notice, {"ends_at": body.get("phase_ends_at")}, notice
    version = body.get("version")
    if not isinstance(version, int) or version < 1:
        return None
    if version == 1:
        return "agenda.published", {"version": 1}, "agenda.published"
    return "agenda.changed", {"version": version}, f"agenda.changed:{version}"


async def dispatch(slug: str, kind: str, data: Any) -> None:
    """Turn a change announced by ``realtime.publish`` into one outbox row. Fast, and never raises."""
    try:
        notice = notice_for(kind, data)
        if notice is None:
            return
        notice_type, payload, suffix = notice
        row = await Event.select(Event.id).where(Event.slug == slug).first()
        if row is None:
            return
        await _insert([_notice_row(row["id"], notice_type, payload, dedupe_key=f"notice:{row['id']}:{suffix}")])
    except Exception:  # a notification must never undo or fail the change that caused it
        log.exception("could not queue a notice for %s %s", kind, slug)


def _notice_row(event_id: int, kind: str, payload: dict[str, Any], *, dedupe_key: str | None) -> Outbox:
    now = utcnow()
    return Outbox(
        event=event_id,
        channel="notice",
        kind=kind,
        payload=_dumps(payload),
        status="pending",
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        dedupe_key=dedupe_key,
        created_at=now,
    )


async def _insert(rows: list[Outbox]) -> int:
    """Insert, skipping rows whose dedupe key is already there (fan-out and scans may repeat)."""
    if not rows:
        return 0
    inserted = await (
        Outbox.insert(*rows).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING").returning(Outbox.id)
    )
    return len(inserted)


# -- email requests -------------------------------------------------------------------------------------------------


def require_mail() -> None:
    if not get_settings().mail_enabled:
        raise Conflict(
            "email is not configured on this server: set UNCONF_SMTP_HOST (or UNCONF_MAIL_DRY_RUN_DIR)",
            field="email",
            code="mail_not_configured",
        )


async def enqueue_invitation(event: Event, participant: Participant) -> bool:
    """One invitation email; False when one is already waiting for this person."""
    waiting = await Outbox.exists().where(
        (Outbox.participant == participant.id)
        & (Outbox.kind == "invitation")
        & (Outbox.channel == "email")
        & (Outbox.status == "pending")
    )
    if waiting:
        return False
    now = utcnow()
    await Outbox(
        event=event.id,
        channel="email",
        kind="invitation",
        participant=participant.id,
        recipient=participant.email or "",
        subject=f"Your invitation to {event.title}"[:300],
        payload="{}",
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    ).save()
    return True


async def cancel_invitations(participant_id: int) -> None:
    await Outbox.update({Outbox.status: "cancelled", Outbox.finished_at: utcnow()}).where(
        (Outbox.participant == participant_id) & (Outbox.kind == "invitation") & (Outbox.status == "pending")
    )


async def broadcast(event: Event, request: BroadcastRequest) -> Queued:
    """An organizer sends (or re-sends) one of the broadcast emails to everyone with an address."""
    require_mail()
    kind = BROADCASTS[request.message]
    payload: dict[str, Any] = {"email_only": True}
    if kind in ("agenda.published", "event.closed") and not await has_published_agenda(event.id):
        raise NotFound("the agenda is not published yet: there is nothing to send", field="message")
    if kind == "agenda.published":
        payload["version"] = (await read_agenda(event)).version
    if kind == "voting.open":
        if event.phase != "voting":
            raise Conflict("voting is not open", field="message", code="wrong_phase")
        ends = _aware(event.phase_ends_at)
        payload["ends_at"] = ends.isoformat() if ends else None
    row = _notice_row(event.id, kind, payload, dedupe_key=None)
    await row.save()
    return Queued(id=row.id, status="pending")


# -- webhook endpoints ----------------------------------------------------------------------------------------------


def _mask(url: str, fmt: str) -> str:
    """Slack-style URLs are themselves the credential: show where they go, not all of it."""
    if fmt != "slack" or len(url) <= 40:
        return url
    return url[:36] + "…"


def webhook_out(row: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=_mask(row.url, row.format),
        format=row.format,  # type: ignore[arg-type]
        types=list(row.types or []),
        description=row.description,
        active=row.active,
        secret_hint=(row.secret[:10] + "…") if row.secret else None,
        created_at=_aware(row.created_at) or utcnow(),
    )


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def create_webhook(event: Event, data: WebhookCreate) -> WebhookCreated:
    await guard_url(data.url, "url")
    description = clean_text(data.description, "description", max_length=200, required=False)
    if await WebhookEndpoint.count().where(WebhookEndpoint.event == event.id) >= MAX_ENDPOINTS:
        raise Conflict(f"an event can have at most {MAX_ENDPOINTS} webhooks", field="url", code="limit_exceeded")
    secret = _new_secret() if data.format == "generic" else ""
    row = WebhookEndpoint(
        event=event.id,
        url=data.url.strip(),
        format=data.format,
        secret=secret,
        types=sorted(set(data.types)),
        description=description,
        active=True,
        created_at=utcnow(),
    )
    await row.save()
    return WebhookCreated(webhook=webhook_out(row), secret=secret or None)


async def get_webhook(event: Event, webhook_id: int) -> WebhookEndpoint:
    row = None
    if 0 < webhook_id <= 2**31 - 1:
        row = (
            await WebhookEndpoint.objects()
            .where((WebhookEndpoint.id == webhook_id) & (WebhookEndpoint.event == event.id))
            .first()
        )
    if row is None:
        raise NotFound(f"no webhook {webhook_id} in this event", field="webhook_id")
    return row


async def list_webhooks(event: Event) -> list[WebhookOut]:
    rows = await WebhookEndpoint.objects().where(WebhookEndpoint.event == event.id).order_by(WebhookEndpoint.id)
    return [webhook_out(r) for r in rows]


async def update_webhook(event: Event, webhook_id: int, data: WebhookPatch) -> WebhookOut:
    row = await get_webhook(event, webhook_id)
    values: dict[Any, Any] = {}
    if data.active is not None:
        values[WebhookEndpoint.active] = data.active
    if data.types is not None:
        values[WebhookEndpoint.types] = sorted(set(data.types))
    if data.description is not None:
        values[WebhookEndpoint.description] = clean_text(
            data.description, "description", max_length=200, required=False
        )
    if values:
        await WebhookEndpoint.update(values).where(WebhookEndpoint.id == row.id)
    return webhook_out(await get_webhook(event, webhook_id))


async def delete_webhook(event: Event, webhook_id: int) -> None:
    row = await get_webhook(event, webhook_id)
    await WebhookEndpoint.delete().where(WebhookEndpoint.id == row.id)


async def rotate_secret(event: Event, webhook_id: int) -> WebhookCreated:
    row = await get_webhook(event, webhook_id)
    if row.format != "generic":
        raise ValidationFailed("only generic webhooks are signed", field="format")
    secret = _new_secret()
    await WebhookEndpoint.update({WebhookEndpoint.secret: secret}).where(WebhookEndpoint.id == row.id)
    return WebhookCreated(webhook=webhook_out(await get_webhook(event, webhook_id)), secret=secret)


async def send_test(event: Event, webhook_id: int) -> DeliveryOut:
    """Queue a test message to one endpoint; the answer is the log entry to watch."""
    endpoint = await get_webhook(event, webhook_id)
    body = _render(endpoint, "webhook.test", event_dict(event), {"message": "this webhook works"}, utcnow())
    now = utcnow()
    row = Outbox(
        event=event.id,
        channel="webhook",
        kind="webhook.test",
        endpoint=endpoint.id,
        recipient=_mask(endpoint.url, endpoint.format)[:254],
        subject="test message",
        payload=body,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    )
    await row.save()
    return (await _deliveries(Outbox.id == row.id))[0]


# -- delivery log ---------------------------------------------------------------------------------------------------


async def _deliveries(condition: Any, limit: int = 200) -> list[DeliveryOut]:
    rows = await Outbox.objects().where(condition).order_by(Outbox.id, ascending=False).limit(limit)
    attempts: dict[int, list[AttemptOut]] = {}
    if rows:
        for a in (
            await OutboxAttempt.objects()
            .where(OutboxAttempt.outbox.is_in([r.id for r in rows]))
            .order_by(OutboxAttempt.id)
        ):
            attempts.setdefault(a.outbox, []).append(
                AttemptOut(
                    number=a.number,
                    at=_aware(a.at) or utcnow(),
                    ok=a.ok,
                    code=a.code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
            )
    return [
        DeliveryOut(
            id=r.id,
            channel=r.channel,
            kind=r.kind,
            endpoint_id=r.endpoint,
            participant_id=r.participant,
            recipient=r.recipient,
            subject=r.subject,
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=_aware(r.next_attempt_at) if r.status == "pending" else None,
            last_code=r.last_code,
            last_error=r.last_error,
            created_at=_aware(r.created_at) or utcnow(),
            finished_at=_aware(r.finished_at),
            log=attempts.get(r.id, []),
        )
        for r in rows
    ]


async def webhook_deliveries(event: Event, webhook_id: int) -> list[DeliveryOut]:
    endpoint = await get_webhook(event, webhook_id)
    return await _deliveries((Outbox.event == event.id) & (Outbox.endpoint == endpoint.id))


async def deliveries(event: Event, channel: str | None) -> list[DeliveryOut]:
    condition: Any = Outbox.event == event.id
    if channel is not None:
        condition = condition & (Outbox.channel == channel)
    return await _deliveries(condition)


# -- building what is sent ------------------------------------------------------------------------------------------


def _url(slug: str, tail: str = "") -> str:
    return f"{get_settings().public_url}/e/{slug}{tail}"


def event_dict(event: Event) -> dict[str, Any]:
    return {"slug": event.slug, "title": event.title, "url": _url(event.slug), "timezone": event.timezone}


def event_info(event: Event) -> messages.EventInfo:
    when = f"{event.start_date:%a %d %b %Y}"
    if event.end_date and event.end_date != event.start_date:
        when += f" - {event.end_date:%a %d %b %Y}"
    return messages.EventInfo(
        slug=event.slug, title=event.title, venue=event.venue, when=when, base_url=get_settings().public_url
    )


def session_dict(slug: str, s: Any) -> dict[str, Any]:
    return {
        "proposal_id": s.proposal_id,
        "title": s.title,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "room": s.room_name,
        "room_id": s.room_id,
        "facilitators": [f.display_name for f in s.facilitators],
        "ics_url": _url(slug, f"/s/{s.proposal_id}.ics"),
    }


def _local_iso(value: Any, event: Event) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return in_timezone(moment, check_timezone(event.timezone)).isoformat()


async def notice_data(event: Event, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of a notice, read from the database when the worker fans it out."""
    if kind == "proposals.open":
        return {"ends_at": _local_iso(payload.get("ends_at"), event), "proposals_url": _url(event.slug, "/proposals")}
    if kind == "voting.open":
        return {"ends_at": _local_iso(payload.get("ends_at"), event), "vote_url": _url(event.slug, "/vote")}
    if kind in ("agenda.published", "agenda.changed"):
        version = int(payload["version"])
        agenda = await read_agenda(event, version=version)
        data: dict[str, Any] = {
            "version": version,
            "agenda_url": _url(event.slug, "/agenda"),
            "ics_url": _url(event.slug, "/agenda.ics"),
            "sessions": [session_dict(event.slug, s) for s in agenda.sessions],
        }
        if kind == "agenda.changed":
            data["changes"] = await _changes(event, version, agenda)
        return data
    if kind == "event.closed":
        return {"digest_url": _url(event.slug, "/export/digest.html")}
    if kind == "session.starting":
        return dict(payload)
    return dict(payload)


async def _changes(event: Event, version: int, agenda: Any) -> list[dict[str, Any]]:
    """What moved, appeared or disappeared since the previous published version."""
    try:
        before = {s.proposal_id: s for s in (await read_agenda(event, version=version - 1)).sessions}
    except NotFound:
        before = {}
    after = {s.proposal_id: s for s in agenda.sessions}
    changes: list[dict[str, Any]] = []
    for pid, s in after.items():
        old = before.get(pid)
        if old is None:
            changes.append(
                {
                    "proposal_id": pid,
                    "change": "added",
                    "text": f"added: {s.title} at {s.starts_at:%H:%M} in {s.room_name}",
                }
            )
        elif (old.slot_id, old.room_id) != (s.slot_id, s.room_id):
            changes.append(
                {
                    "proposal_id": pid,
                    "change": "moved",
                    "text": f"moved: {s.title} from {old.starts_at:%H:%M} {old.room_name} "
                    f"to {s.starts_at:%H:%M} {s.room_name}",
                }
            )
    for pid, old in before.items():
        if pid not in after:
            changes.append({"proposal_id": pid, "change": "removed", "text": f"removed: {old.title}"})
    return changes


def _render(endpoint: WebhookEndpoint, kind: str, event: dict[str, Any], data: dict[str, Any], at: datetime) -> str:
    if endpoint.format == "slack":
        return formats.slack_body(kind, event, data).decode()
    return formats.envelope(str(uuid.uuid4()), kind, event, data, at).decode()


async def fan_out(row: Outbox) -> str:
    """A notice becomes one webhook row per subscribed endpoint and one email row per person."""
    event = await Event.objects().where(Event.id == row.event).first()
    if event is None:
        return "the event is gone"
    payload = json.loads(row.payload or "{}")
    children: list[Outbox] = []
    now = utcnow()
    if not payload.get("email_only"):
        endpoints = await WebhookEndpoint.objects().where(
            (WebhookEndpoint.event == event.id) & (WebhookEndpoint.active == True)  # noqa: E712
        )
        wanted = [e for e in endpoints if not e.types or row.kind in e.types]
        if wanted:
            data = await notice_data(event, row.kind, payload)
            for endpoint in wanted:
                children.append(
                    Outbox(
                        event=event.id,
                        channel="webhook",
                        kind=row.kind,
                        endpoint=endpoint.id,
                        recipient=_mask(endpoint.url, endpoint.format)[:254],
                        subject=row.kind,
                        payload=_render(endpoint, row.kind, event_dict(event), data, now),
                        max_attempts=MAX_ATTEMPTS,
                        next_attempt_at=now,
                        dedupe_key=f"{row.id}:w{endpoint.id}",
                        created_at=now,
                    )
                )
    message = EMAIL_FOR_NOTICE.get(row.kind)
    if message == "digest" and not await has_published_agenda(event.id):
        message = None  # no agenda, no digest to send
    if message is not None and get_settings().mail_enabled:
        seen: set[str] = set()
        people = (
            await Participant.objects()
            .where((Participant.event == event.id) & Participant.email.is_not_null())
            .order_by(Participant.id)
        )
        for p in people:
            address = (p.email or "").strip()
            if not address or address.lower() in seen:
                continue
            seen.add(address.lower())
            children.append(
                Outbox(
                    event=event.id,
                    channel="email",
                    kind=message,
                    participant=p.id,
                    recipient=address,
                    subject=message,
                    payload=_dumps(payload),
                    max_attempts=MAX_ATTEMPTS,
                    next_attempt_at=now,
                    dedupe_key=f"{row.id}:p{p.id}",
                    created_at=now,
                )
            )
    created = 0
    for start in range(0, len(children), 200):
        created += await _insert(children[start : start + 200])
    return f"fanned out to {created} deliveries"


# -- sending --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None = None
    note: str = ""
    permanent: bool = False
    cancelled: bool = False


async def post_webhook(row: Outbox) -> Outcome:
    endpoint = await WebhookEndpoint.objects().where(WebhookEndpoint.id == row.endpoint).first()
    if endpoint is None or not endpoint.active:
        return Outcome(False, note="the webhook was removed or disabled", cancelled=True)
    try:
        await guard_url(endpoint.url, "url")
    except DomainError as exc:
        return Outcome(False, note=exc.detail, permanent=exc.code in ("invalid_url", "address_not_allowed"))
    body = row.payload.encode()
    headers = {"Content-Type": "application/json", formats.TYPE_HEADER: row.kind}
    if endpoint.format == "generic":
        stamp = int(time.time())
        headers[formats.TIMESTAMP_HEADER] = str(stamp)
        headers[formats.SIGNATURE_HEADER] = formats.sign(endpoint.secret, stamp, body)
        headers[formats.ID_HEADER] = str(json.loads(row.payload).get("id", row.id))
    try:
        async with asyncio.timeout(WEBHOOK_TIMEOUT + 2), client(WEBHOOK_TIMEOUT) as http:
            response = await http.post(endpoint.url, content=body, headers=headers)
    except TimeoutError:
        return Outcome(False, note=f"no answer within {WEBHOOK_TIMEOUT:.0f} seconds")
    except Exception as exc:  # a receiver that drops the connection can trip the HTTP client itself: a failed try
        return Outcome(False, note=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(True, code=response.status_code)
    return Outcome(False, code=response.status_code, note=f"HTTP {response.status_code}: {response.text[:300]}")


async def build_email(row: Outbox) -> EmailMessage | None:
    """The message for one person, built at send time (fresh agenda, fresh invitation code); None cancels it."""
    event = await Event.objects().where(Event.id == row.event).first()
    person = await Participant.objects().where(Participant.id == row.participant).first()
    if event is None or person is None or not (person.email or "").strip():
        return None
    settings = get_settings()
    sender = settings.smtp_from or "unconf@localhost"
    info = event_info(event)
    name, address = person.display_name, (person.email or "").strip()
    payload = json.loads(row.payload or "{}")
    if row.kind == "invitation":
        link = await PERSONAL_LINKS.call(event, person, invitation=True)
        if link is None:
            return None
        return messages.invitation(sender, info, name, address, link)
    if row.kind == "voting.open":
        ends = _local_iso(payload.get("ends_at"), event)
        return messages.voting_open(
            sender, info, name, address, ends[11:16] if ends else "", await _sign_in_link(event, person)
        )
    if row.kind == "agenda.published":
        mine: list[messages.SessionLine] = []
        for slot in await my_agenda(event, person.id):
            picked = next((s for s in slot.sessions if s.proposal_id == slot.pick), slot.sessions[0])
            mine.append(
                messages.SessionLine(
                    proposal_id=picked.proposal_id,
                    title=picked.title,
                    room=picked.room_name,
                    starts_at=picked.starts_at,
                    ends_at=picked.ends_at,
                    reason=slot.reasons.get(picked.proposal_id, ""),
                    alternatives=[f"{s.title} ({s.room_name})" for s in slot.sessions if s is not picked],
                )
            )
        return messages.agenda_published(sender, info, name, address, mine, int(payload.get("version") or 1))
    if row.kind == "digest":
        plain, rich = await DIGEST.call(event)
        return messages.digest(sender, info, name, address, plain, rich)
    raise ValueError(f"unknown email kind {row.kind!r}")


async def _sign_in_link(event: Event, person: Participant) -> str:
    """Imported people who never used their invitation cannot vote yet: give them a fresh personal link."""
    return await PERSONAL_LINKS.call(event, person, invitation=False) or ""


def _smtp_send(message: EmailMessage) -> None:
    settings = get_settings()
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
    with smtp:
        smtp.ehlo()
        if settings.smtp_starttls and settings.smtp_port != 465:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def _write_eml(directory: str, row: Outbox, message: EmailMessage) -> Path:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{row.id:08d}-{row.kind}.eml"
    partial = target.with_suffix(".eml.part")
    partial.write_bytes(message.as_bytes())
    partial.replace(target)  # readers never see half a message
    return target


async def send_email(row: Outbox) -> Outcome:
    settings = get_settings()
    if not settings.mail_enabled:
        return Outcome(False, note="email is not configured on this server", permanent=True)
    message = await build_email(row)
    if message is None:
        return Outcome(False, note="not sent: the person, their email or their invitation is gone", cancelled=True)
    await Outbox.update({Outbox.subject: str(message["Subject"])[:300]}).where(Outbox.id == row.id)
    if settings.mail_dry_run_dir:
        path = await asyncio.to_thread(_write_eml, settings.mail_dry_run_dir, row, message)
        return Outcome(True, note=f"dry run: written to {path.name}")
    try:
        await asyncio.to_thread(_smtp_send, message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return Outcome(
            False,
            code=codes[0] if codes else None,
            note=f"recipient refused: {exc.recipients}"[:500],
            permanent=all(c >= 500 for c in codes),
        )
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return Outcome(
            False, code=exc.smtp_code, note=f"SMTP {exc.smtp_code}: {text}"[:500], permanent=exc.smtp_code >= 500
        )
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, note=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True, code=250)


async def deliver(row: Outbox) -> Outcome:
    try:
        if row.channel == "notice":
            return Outcome(True, note=await fan_out(row))
        if row.channel == "webhook":
            return await post_webhook(row)
        if row.channel == "email":
            return await send_email(row)
    except DomainError as exc:  # e.g. the agenda version or the event is gone: retrying will not help
        return Outcome(False, note=exc.detail, permanent=True)
    return Outcome(False, note=f"unknown channel {row.channel!r}", permanent=True)


def backoff(attempt: int) -> float:
    """2 s, 4 s, 8 s ... capped at 30 minutes, with jitter so retries from many rows do not stampede."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.9, 1.1)


async def record(row: Outbox, outcome: Outcome, duration_ms: int) -> None:
    """Log the attempt and decide: delivered, retry later, or give up."""
    now = utcnow()
    await OutboxAttempt(
        outbox=row.id,
        number=row.attempts,
        at=now,
        ok=outcome.ok,
        code=outcome.code,
        error=outcome.note[:2000],
        duration_ms=duration_ms,
    ).save()
    values: dict[Any, Any] = {Outbox.last_code: outcome.code, Outbox.last_error: outcome.note[:2000]}
    if outcome.ok:
        values |= {Outbox.status: "delivered", Outbox.finished_at: now}
    elif outcome.cancelled:
        values |= {Outbox.status: "cancelled", Outbox.finished_at: now}
    elif outcome.permanent or row.attempts >= row.max_attempts:
        values |= {Outbox.status: "failed", Outbox.finished_at: now}
    else:
        values[Outbox.next_attempt_at] = now + timedelta(seconds=backoff(row.attempts))
    await Outbox.update(values).where((Outbox.id == row.id) & (Outbox.status == "pending"))


# -- sessions starting soon -----------------------------------------------------------------------------------------


async def scan_starting_sessions(now: datetime | None = None) -> int:
    """Queue a notice for each published session whose slot starts within five minutes; once per session."""
    now = now or utcnow()
    slots = await TimeSlot.select(TimeSlot.id, TimeSlot.event, TimeSlot.starts_at).where(
        (TimeSlot.starts_at > now) & (TimeSlot.starts_at <= now + STARTING_SOON)
    )
    by_event: dict[int, dict[int, datetime]] = {}
    for slot in slots:
        by_event.setdefault(slot["event"], {})[slot["id"]] = _aware(slot["starts_at"]) or now
    queued = 0
    for event_id, starts in by_event.items():
        listening = [
            e
            for e in await WebhookEndpoint.objects().where(
                (WebhookEndpoint.event == event_id) & (WebhookEndpoint.active == True)  # noqa: E712
            )
            if not e.types or "session.starting" in e.types
        ]
        if not listening:
            continue
        event = await Event.objects().where(Event.id == event_id).first()
        if event is None or event.phase not in ("scheduled", "running"):
            continue
        try:
            agenda = await read_agenda(event)
        except NotFound:
            continue
        rows = []
        for s in agenda.sessions:
            if s.slot_id not in starts:
                continue
            minutes = max(1, round((starts[s.slot_id] - now).total_seconds() / 60))
            data = session_dict(event.slug, s) | {
                "room": {"id": s.room_id, "name": s.room_name, "video_link": s.video_link},
                "minutes": minutes,
                "session_url": _url(event.slug, f"/s/{s.proposal_id}"),
            }
            key = f"starting:{event.id}:{s.proposal_id}:{s.slot_id}:{s.room_id}:{starts[s.slot_id].isoformat()}"
            rows.append(_notice_row(event.id, "session.starting", data, dedupe_key=key))
        queued += await _insert(rows)
    return queued
