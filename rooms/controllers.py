"""HTTP for video settings, check-ins, occupancy, usage and tiers: thin, the rules live in the services."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody

from agenda.schemas import AgendaOut
from events import tiers
from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from rooms import hallway, links, metering, presence, rebalance
from rooms.edcamp import EdcampCreate, EdcampCreated, create_edcamp
from rooms.schemas import (
    HallwayOut,
    OccupancyOut,
    PresenceOut,
    TableJoined,
    UsageOut,
    VideoSettingsIn,
    VideoSettingsOut,
)
from unconf import ratelimit
from unconf.auth import client_address
from unconf.errors import ErrorBody
from unconf.guards import requires_organizer, requires_participant
from unconf.security import NO_STORE

PAID_ONLY = {
    402: ResponseSpec(
        data_container=ErrorBody,
        description="The event's tier does not include this (`field` names the feature or provider)",
    )
}


class VideoController(Controller):
    path = "/api/v1/events/{slug:str}/video"
    tags = ["video"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The event's video provider (organizers; secrets are never shown)", guards=[requires_organizer])
    async def read_video(self, event: NamedDependency[Event]) -> VideoSettingsOut:
        return await links.read_settings(event)

    @put(
        "/",
        summary="Choose the video provider and its settings (organizers)",
        responses=PAID_ONLY,
        guards=[requires_organizer],
    )
    async def update_video(self, event: NamedDependency[Event], data: JSONBody[VideoSettingsIn]) -> VideoSettingsOut:
        return await links.update_settings(event, data)

    @get("/links", summary="Public join URLs per session (they redirect each person to their own link)")
    async def video_links(self, event: NamedDependency[Event]) -> dict[str, str]:
        return {str(k): v for k, v in (await links.session_links(event.id)).items()}


class PresenceController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["presence"]
    dependencies = EVENT_DEPENDENCIES

    @get("/occupancy", summary="Who is in which room now, against capacity; joins per session")
    async def read_occupancy(self, event: NamedDependency[Event]) -> OccupancyOut:
        return await presence.occupancy(event)

    @post(
        "/sessions/{proposal_id:int}/checkin",
        status_code=200,
        summary="Check into a session (moves you there)",
        guards=[requires_participant],
    )
    async def check_in_session(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> PresenceOut:
        return await presence.check_in(event, participant, proposal_id)

    @post("/main/checkin", status_code=200, summary="Check into the main room", guards=[requires_participant])
    async def check_in_main(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> PresenceOut:
        return await presence.check_in(event, participant, None)

    @get("/presence", summary="Where I am checked in or joined now (null: nowhere)", guards=[requires_participant])
    async def read_presence(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> PresenceOut | None:
        return await presence.where_am_i(event, participant)

    @get("/hallway", summary="The main table and the breakouts running now and next, with who is there")
    async def read_hallway(
        self, event: NamedDependency[Event], viewer: NamedDependency[Participant | None]
    ) -> HallwayOut:
        return await hallway.hallway(event, viewer)

    @post(
        "/hallway/main/join",
        status_code=200,
        cache_control=NO_STORE,
        summary="Join the main table's video (moves you there); your own link, or what to embed",
        guards=[requires_participant],
    )
    async def join_main_table(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> TableJoined:
        return await hallway.join_table(event, participant, None)

    @post(
        "/hallway/sessions/{proposal_id:int}/join",
        status_code=200,
        cache_control=NO_STORE,
        summary="Join a breakout table's video (moves you there); your own link, or what to embed",
        guards=[requires_participant],
    )
    async def join_session_table(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
    ) -> TableJoined:
        return await hallway.join_table(event, participant, proposal_id)

    @delete("/presence", status_code=204, summary="Check out", guards=[requires_participant])
    async def check_out(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> None:
        await presence.check_out(event, participant)


class UsageController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["usage"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get(
        "/usage",
        summary="Video person-minutes per session and their price (organizers, paid tier)",
        responses=PAID_ONLY,
    )
    async def read_usage(self, event: NamedDependency[Event]) -> UsageOut:
        return await metering.usage(event)

    @get(
        "/usage.csv",
        summary="The usage report as CSV (organizers, paid tier)",
        media_type="text/csv",
        responses=PAID_ONLY,
    )
    async def usage_csv(self, event: NamedDependency[Event]) -> Response[str]:
        report = await metering.usage(event)
        return Response(
            metering.usage_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{event.slug}-usage.csv"',
                "Cache-Control": "no-store",
            },
        )


@get("/api/v1/tiers", tags=["tiers"], summary="What each tier includes (tiers are data)", media_type=MediaType.JSON)
async def list_tiers() -> list[dict[str, Any]]:
    return [msgspec.to_builtins(t) for t in tiers.tiers_out()]


class RebalanceController(Controller):
    """On the day: one proposed change for the next slot from check-ins; applied to the draft on request."""

    path = "/api/v1/events/{slug:str}/agenda/rebalance"
    tags = ["agenda"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get("/", summary="The smallest change the next slot needs, from check-ins (organizers; changes nothing)")
    async def read_rebalance(self, event: NamedDependency[Event]) -> rebalance.RebalanceOut:
        return await rebalance.propose(event)

    @post("/", status_code=200, summary="Apply the proposed change to the draft (organizers; publish to share it)")
    async def apply_rebalance(
        self, event: NamedDependency[Event], data: JSONBody[rebalance.RebalanceApply]
    ) -> AgendaOut:
        return await rebalance.apply_rebalance(event, data)


ROOM_API_HANDLERS: list[Any] = [VideoController, PresenceController, UsageController, list_tiers, RebalanceController]


class EdcampController(Controller):
    path = "/api/v1/edcamps"
    tags = ["events"]

    @post(
        "/",
        status_code=201,
        cache_control=NO_STORE,
        summary="One-step free Edcamp: rooms, a morning of slots, dots, open for proposals",
    )
    async def new_edcamp(self, request: Request[Any, Any, Any], data: JSONBody[EdcampCreate]) -> EdcampCreated:
        await ratelimit.check("create_event", address=client_address(request))
        return await create_edcamp(data)
