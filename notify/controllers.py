"""HTTP for webhooks, email broadcasts and the delivery log: thin and organizer-only; nothing here sends."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event
from notify import mail, outbox, webhooks
from notify.schemas import (
    BroadcastRequest,
    DeliveryOut,
    Queued,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookPatch,
)
from unconf.guards import requires_organizer


class WebhookController(Controller):
    path = "/api/v1/events/{slug:str}/webhooks"
    tags = ["notifications"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get("/", summary="The event's webhooks (organizers)")
    async def list_webhooks(self, event: NamedDependency[Event]) -> list[WebhookOut]:
        return await webhooks.list_webhooks(event)

    @post("/", status_code=201, summary="Add a Slack-compatible or generic signed webhook; the secret is shown once")
    async def create_webhook(self, event: NamedDependency[Event], data: JSONBody[WebhookCreate]) -> WebhookCreated:
        return await webhooks.create_webhook(event, data)

    @patch("/{webhook_id:int}", summary="Pause, resume or re-subscribe a webhook (organizers)")
    async def update_webhook(
        self,
        event: NamedDependency[Event],
        webhook_id: FromPath[int],
        data: JSONBody[WebhookPatch],
    ) -> WebhookOut:
        return await webhooks.update_webhook(event, webhook_id, data)

    @delete("/{webhook_id:int}", status_code=204, summary="Remove a webhook and its delivery log (organizers)")
    async def delete_webhook(self, event: NamedDependency[Event], webhook_id: FromPath[int]) -> None:
        await webhooks.delete_webhook(event, webhook_id)

    @post("/{webhook_id:int}/test", status_code=202, summary="Queue a test message; watch its delivery log")
    async def test_webhook(self, event: NamedDependency[Event], webhook_id: FromPath[int]) -> DeliveryOut:
        return await webhooks.send_test(event, webhook_id)

    @post("/{webhook_id:int}/rotate-secret", status_code=200, summary="A new signing secret, shown once")
    async def rotate_secret(self, event: NamedDependency[Event], webhook_id: FromPath[int]) -> WebhookCreated:
        return await webhooks.rotate_secret(event, webhook_id)

    @get("/{webhook_id:int}/deliveries", summary="Delivery log of one webhook, newest first (organizers)")
    async def webhook_deliveries(self, event: NamedDependency[Event], webhook_id: FromPath[int]) -> list[DeliveryOut]:
        return await webhooks.webhook_deliveries(event, webhook_id)


class NotifyController(Controller):
    path = "/api/v1/events/{slug:str}/notifications"
    tags = ["notifications"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get("/deliveries", summary="Delivery log of emails, webhooks and notices, newest first (organizers)")
    async def list_deliveries(
        self,
        event: NamedDependency[Event],
        channel: FromQuery[Literal["email", "webhook", "notice"] | None] = None,
    ) -> list[DeliveryOut]:
        return await outbox.deliveries(event, channel)

    @post("/email", status_code=202, summary="Email everyone: voting is open, the agenda, or the digest (queued)")
    async def broadcast(self, event: NamedDependency[Event], data: JSONBody[BroadcastRequest]) -> Queued:
        return await mail.broadcast(event, data)


NOTIFY_HANDLERS: list[Any] = [WebhookController, NotifyController]
