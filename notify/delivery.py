"""What happens to one due outbox row: a notice fans out, a webhook is posted, an email is sent."""

from __future__ import annotations

import json

from agenda.versions import has_published_agenda
from events.tables import Event, Participant
from notify.mail import EMAIL_FOR_NOTICE, send_email
from notify.notices import notice_data
from notify.outbox import MAX_ATTEMPTS, TASKS, Outcome, dumps, insert_new
from notify.tables import Outbox
from notify.webhooks import event_dict, listening, mask, post_webhook, render
from unconf import i18n
from unconf.errors import DomainError
from unconf.settings import get_settings
from unconf.validation import utcnow


async def fan_out(row: Outbox) -> str:
    """A notice becomes one webhook row per subscribed endpoint and one email row per person."""
    event = await Event.objects().where(Event.id == row.event).first()
    if event is None:
        return "the event is gone"
    payload = json.loads(row.payload or "{}")
    children: list[Outbox] = []
    now = utcnow()
    if not payload.get("email_only"):
        wanted = await listening(event.id, row.kind)
        if wanted:
            # A channel is read by everyone at the event: its text is in the event's language.
            with i18n.use_locale(event.language):
                data = await notice_data(event, row.kind, payload)
                bodies = [render(endpoint, row.kind, event_dict(event), data, now) for endpoint in wanted]
            for endpoint, body in zip(wanted, bodies, strict=True):
                children.append(
                    Outbox(
                        event=event.id,
                        channel="webhook",
                        kind=row.kind,
                        endpoint=endpoint.id,
                        recipient=mask(endpoint.url, endpoint.format)[:254],
                        subject=row.kind,
                        payload=body,
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
                    payload=dumps(payload),
                    max_attempts=MAX_ATTEMPTS,
                    next_attempt_at=now,
                    dedupe_key=f"{row.id}:p{p.id}",
                    created_at=now,
                )
            )
    created = 0
    for start in range(0, len(children), 200):
        created += await insert_new(children[start : start + 200])
    return f"fanned out to {created} deliveries"


async def deliver(row: Outbox) -> Outcome:
    try:
        if row.channel == "notice":
            return Outcome(True, note=await fan_out(row))
        if row.channel == "webhook":
            return await post_webhook(row)
        if row.channel == "email":
            return await send_email(row)
        if row.channel == "task":
            handler = TASKS.get(row.kind)
            if handler is None:
                return Outcome(False, note=f"no handler for task {row.kind!r} in this process")
            return await handler(row)
    except DomainError as exc:  # e.g. the agenda version or the event is gone: retrying will not help
        return Outcome(False, note=exc.detail, permanent=True)
    return Outcome(False, note=f"unknown channel {row.channel!r}", permanent=True)
