"""The instance operator's API (``UNCONF_ADMIN_TOKEN`` as a Bearer token): thin, the rules live in services."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, Parameter
from prometheus_client import CollectorRegistry, Gauge

from events import services as events
from events.schemas import EventOut, TierChange
from instance import services
from instance.schemas import Deleted, EventRow, LimitsChange, UsageTotals
from notify.outbox import outbox_state
from unconf import metrics
from unconf.guards import requires_metrics_reader, requires_operator
from unconf.security import NO_STORE


class OperatorController(Controller):
    """No event's organizer may call these; without ``UNCONF_ADMIN_TOKEN`` they are all 404."""

    path = "/api/v1/operator"
    tags = ["operator"]
    guards = [requires_operator]
    cache_control = NO_STORE

    @get("/events", summary="Every event with its tier, size, limits and last activity (the operator only)")
    async def list_events(self) -> list[EventRow]:
        return await services.list_events()

    @get("/events/{slug:str}", summary="One event as the operator sees it (the operator only)")
    async def read_event(self, slug: FromPath[str]) -> EventRow:
        return await services.event_row(slug)

    @put("/events/{slug:str}/tier", summary="Set an event's tier (the operator only)")
    async def set_tier(self, slug: FromPath[str], data: JSONBody[TierChange]) -> EventOut:
        await services.change_limits(slug, LimitsChange(tier=data.tier))
        return events.event_out(await events.get_event_even_suspended(slug), with_join_code=False)

    @patch("/events/{slug:str}", summary="Set an event's tier and its own limits (the operator only)")
    async def change_limits(self, slug: FromPath[str], data: JSONBody[LimitsChange]) -> EventRow:
        return await services.change_limits(slug, data)

    @post("/events/{slug:str}/suspend", status_code=200, summary="Suspend an event (the operator only)")
    async def suspend(self, slug: FromPath[str]) -> EventRow:
        return await services.set_suspended(slug, True)

    @post("/events/{slug:str}/resume", status_code=200, summary="Resume a suspended event (the operator only)")
    async def resume(self, slug: FromPath[str]) -> EventRow:
        return await services.set_suspended(slug, False)

    @delete(
        "/events/{slug:str}",
        status_code=200,
        summary="Delete an event and all its data; ?confirm=<slug> (the operator only)",
    )
    async def delete_event(
        self, slug: FromPath[str], confirm: str = Parameter(query="confirm", default="", max_length=64)
    ) -> Deleted:
        return await services.delete_event(slug, confirm=confirm)

    @get("/usage", summary="Metered usage across every event (the operator only)")
    async def usage(self) -> UsageTotals:
        return await services.usage_across()

    @get("/usage.csv", summary="Metered usage across every event, as CSV (the operator only)", media_type="text/csv")
    async def usage_csv(self) -> Response[str]:
        return Response(
            services.usage_csv(await services.usage_across()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
        )


def _outbox_gauges(registry: CollectorRegistry, state: dict[str, int]) -> None:
    for name, help_text in (
        ("pending", "Outbox rows waiting to be delivered (the backlog)"),
        ("retrying", "Outbox rows waiting for a retry after a failed attempt"),
        ("retries", "Delivery attempts beyond the first, over the rows kept"),
        ("failed", "Outbox rows given up after their last attempt"),
    ):
        Gauge(f"unconf_outbox_{name}", help_text, registry=registry).set(state[name])


@get(
    "/metrics",
    include_in_schema=False,
    guards=[requires_metrics_reader],
    cache_control=NO_STORE,
    media_type="text/plain",
)
async def metrics_endpoint() -> Response[bytes]:
    """Prometheus text format: every worker's counters, and the outbox as it stands in the database."""
    state = await outbox_state()
    body, content_type = metrics.exposition(lambda registry: _outbox_gauges(registry, state))
    return Response(body, media_type=content_type)
