"""Request and response bodies for webhooks, email broadcasts and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

WebhookFormat = Literal["slack", "generic"]
# Notice types receivers can subscribe to; the generic payload carries the type and PAYLOAD_VERSION.
NoticeType = Literal[
    "proposals.open",
    "voting.open",
    "agenda.published",
    "agenda.changed",
    "session.starting",
    "event.closed",
    "webhook.test",
]
NOTICE_TYPES: tuple[str, ...] = NoticeType.__args__  # type: ignore[attr-defined]
Broadcast = Literal["voting_open", "agenda_published", "digest"]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``slack`` posts ``{"text": ...}`` (Slack, Mattermost, Discord's ``/slack`` URLs); ``generic`` signed JSON."""

    url: Annotated[str, Meta(min_length=8, max_length=2000)]
    format: WebhookFormat = "generic"
    types: Annotated[list[NoticeType], Meta(max_length=20)] = msgspec.field(default_factory=list)
    description: Annotated[str, Meta(max_length=200)] = ""


class WebhookPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    active: bool | None = None
    types: Annotated[list[NoticeType], Meta(max_length=20)] | None = None
    description: Annotated[str, Meta(max_length=200)] | None = None


class WebhookOut(msgspec.Struct, kw_only=True):
    id: int
    url: str
    format: WebhookFormat
    types: list[str]
    description: str
    active: bool
    secret_hint: str | None
    created_at: datetime


class WebhookCreated(msgspec.Struct, kw_only=True):
    """The signing secret is shown only here (and when rotated)."""

    webhook: WebhookOut
    secret: str | None


class AttemptOut(msgspec.Struct, kw_only=True):
    number: int
    at: datetime
    ok: bool
    code: int | None
    error: str
    duration_ms: int


class DeliveryOut(msgspec.Struct, kw_only=True):
    id: int
    channel: str
    kind: str
    endpoint_id: int | None
    participant_id: int | None
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_code: int | None
    last_error: str
    created_at: datetime
    finished_at: datetime | None
    log: list[AttemptOut] = msgspec.field(default_factory=list)


class BroadcastRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    message: Broadcast


class Queued(msgspec.Struct, kw_only=True):
    id: int
    status: str
