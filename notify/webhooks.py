"""Webhook endpoints of an event: adding, pausing, signing secrets, and posting one delivery. No HTTP handling here.

What a body looks like (Slack text or the signed generic envelope) is in ``notify.formats``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

from events.tables import Event
from notify import formats
from notify.outbox import MAX_ATTEMPTS, Outcome, delivery_log
from notify.schemas import DeliveryOut, WebhookCreate, WebhookCreated, WebhookOut, WebhookPatch
from notify.tables import Outbox, WebhookEndpoint
from unconf import i18n
from unconf.errors import Conflict, DomainError, NotFound, ValidationFailed
from unconf.http import AddressNotAllowed, client, guard_url, log_remote_answer
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import aware as _aware
from unconf.validation import clean_text, utcnow

MAX_ENDPOINTS = 10
WEBHOOK_TIMEOUT = 10.0


def mask(url: str, fmt: str) -> str:
    """Slack-style URLs are themselves the credential: show where they go, not all of it."""
    if fmt != "slack" or len(url) <= 40:
        return url
    return url[:36] + "…"


def webhook_out(row: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=mask(row.url, row.format),
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
        raise Conflict(
            _("an event can have at most {limit} webhooks").format(limit=MAX_ENDPOINTS),
            field="url",
            code="limit_exceeded",
        )
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
        raise NotFound(_("no webhook {webhook_id} in this event").format(webhook_id=webhook_id), field="webhook_id")
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
        raise ValidationFailed(_("only generic webhooks are signed"), field="format")
    secret = _new_secret()
    await WebhookEndpoint.update({WebhookEndpoint.secret: secret}).where(WebhookEndpoint.id == row.id)
    return WebhookCreated(webhook=webhook_out(await get_webhook(event, webhook_id)), secret=secret)


async def send_test(event: Event, webhook_id: int) -> DeliveryOut:
    """Queue a test message to one endpoint; the answer is the log entry to watch."""
    endpoint = await get_webhook(event, webhook_id)
    with i18n.use_locale(event.language):
        body = render(endpoint, "webhook.test", event_dict(event), {"message": "this webhook works"}, utcnow())
    now = utcnow()
    row = Outbox(
        event=event.id,
        channel="webhook",
        kind="webhook.test",
        endpoint=endpoint.id,
        recipient=mask(endpoint.url, endpoint.format)[:254],
        subject="test message",
        payload=body,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    )
    await row.save()
    return (await delivery_log(Outbox.id == row.id))[0]


async def webhook_deliveries(event: Event, webhook_id: int) -> list[DeliveryOut]:
    endpoint = await get_webhook(event, webhook_id)
    return await delivery_log((Outbox.event == event.id) & (Outbox.endpoint == endpoint.id))


async def listening(event_id: int, kind: str) -> list[WebhookEndpoint]:
    """The event's active endpoints that want this notice type (no types chosen: every type)."""
    endpoints = await WebhookEndpoint.objects().where(
        (WebhookEndpoint.event == event_id) & (WebhookEndpoint.active == True)  # noqa: E712
    )
    return [e for e in endpoints if not e.types or kind in e.types]


# -- building and posting a body --------------------------------------------------------------------------------------


def page_url(slug: str, tail: str = "") -> str:
    """A public link to one of the event's pages, as notices and emails carry it."""
    return f"{get_settings().public_url}/e/{slug}{tail}"


def event_dict(event: Event) -> dict[str, Any]:
    """The ``event`` of every webhook body."""
    return {"slug": event.slug, "title": event.title, "url": page_url(event.slug), "timezone": event.timezone}


def render(endpoint: WebhookEndpoint, kind: str, event: dict[str, Any], data: dict[str, Any], at: datetime) -> str:
    if endpoint.format == "slack":
        return formats.slack_body(kind, event, data).decode()
    return formats.envelope(str(uuid.uuid4()), kind, event, data, at).decode()


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
    except AddressNotAllowed:  # the host's address changed since it was checked (DNS rebinding)
        return Outcome(False, note="the URL now points at a private, loopback or reserved address", permanent=True)
    except Exception as exc:  # a receiver that drops the connection can trip the HTTP client itself: a failed try
        return Outcome(False, note=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(True, code=response.status_code)
    log_remote_answer(f"webhook {endpoint.id}", endpoint.url, response)  # the body is for the operator's log only
    return Outcome(False, code=response.status_code, note=f"HTTP {response.status_code}")
