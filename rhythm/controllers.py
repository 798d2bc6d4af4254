"""HTTP for a community's rhythm: its series and "plan the next one", carried topics, events near a place.

Community routes belong to no event: an organizer key of one of the community's events (checked in
community's services) lets a caller change the series or plan the next event. Carried topics are an
event's: the proposer answers with their personal token.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from community import services as community_services
from community.controllers import bearer
from community.tables import Community
from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from exports.ical import MEDIA_TYPE as ICS
from exports.openapi import file_operation
from rhythm import carry, feeds, near, services
from rhythm.schemas import CarryAnswer, CarryOfferOut, NearOut, PlannedEvent, SeriesIn, SeriesOut
from unconf import i18n, ratelimit
from unconf.auth import client_address
from unconf.errors import NotFound
from unconf.guards import requires_organizer, requires_participant
from unconf.i18n import gettext as _
from unconf.security import NO_STORE
from unconf.validation import SLUG_PATTERN

FEED_HEADERS = {"Cache-Control": "public, max-age=600"}
FEED_OPERATION = file_operation(ICS, description="An iCalendar feed of upcoming events (subscribe with webcal://)")


async def _community(slug: str) -> Community:
    """The community; a name no slug can have is a 404 without asking the database (a NUL byte upsets PostgreSQL)."""
    if not SLUG_PATTERN.match(slug):
        raise NotFound(_("no community {slug!r}").format(slug=slug[:64]), field="community")
    return await community_services.get_community(slug)


class SeriesController(Controller):
    path = "/api/v1/communities/{community:str}"
    tags = ["rhythm"]

    @get("/series", summary="The community's series: its rule, city, next dates and upcoming events")
    async def read(self, community: FromPath[str]) -> SeriesOut:
        return await services.series_out(await _community(community))

    @put("/series", summary="Set how often and where the community meets (its organizers)")
    async def update(
        self, request: Request[Any, Any, Any], community: FromPath[str], data: JSONBody[SeriesIn]
    ) -> SeriesOut:
        found = await _community(community)
        await community_services.community_organizer(found, bearer(request))
        return await services.set_series(found, data)

    @post(
        "/plan-next",
        status_code=201,
        cache_control=NO_STORE,
        summary="Plan the series' next event from its latest one (its organizers); 409 if that date is planned",
    )
    async def plan_next(self, request: Request[Any, Any, Any], community: FromPath[str]) -> PlannedEvent:
        found = await _community(community)
        organizer = await community_services.community_organizer(found, bearer(request))
        await ratelimit.check("create_event", address=client_address(request))
        return await services.plan_next(found, organizer)


class CarryController(Controller):
    path = "/api/v1/events/{slug:str}/carry-offers"
    tags = ["rhythm"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", guards=[requires_participant], summary="Your topics of this event offered to the next one")
    async def mine(
        self, event: NamedDependency[Event], participant: NamedDependency[Participant]
    ) -> list[CarryOfferOut]:
        return await carry.my_offers(event, participant)

    @get("/all", guards=[requires_organizer], summary="Every topic of this event offered to the next one (organizers)")
    async def every(self, event: NamedDependency[Event]) -> list[CarryOfferOut]:
        return await carry.event_offers(event)

    @post(
        "/{offer_id:int}", status_code=200, guards=[requires_participant], summary="Bring your topic again: yes or no"
    )
    async def answer(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        offer_id: FromPath[int],
        data: JSONBody[CarryAnswer],
    ) -> CarryOfferOut:
        return await carry.answer_offer(event, participant, offer_id, data.answer)


@get("/api/v1/near", tags=["rhythm"], summary="Upcoming public events of every community, nearest first")
async def near_api(
    city: FromQuery[str | None] = None,
    lat: FromQuery[float | None] = None,
    lon: FromQuery[float | None] = None,
    limit: FromQuery[int] = near.MAX_RESULTS,
) -> NearOut:
    return await near.near(city, lat, lon, limit=limit)


@get(
    "/c/{community:str}/events.ics",
    operation_class=FEED_OPERATION,
    tags=["rhythm"],
    summary="The community's upcoming events (webcal)",
)
async def community_feed(community: FromPath[str]) -> Response[bytes]:
    found = await _community(community)
    series = await services.series_out(found)
    events = await community_services.community_events(found.id)
    with i18n.use_locale(events[-1].language if events else None):  # the community's latest event's language
        about = _("Upcoming events of {community}").format(community=found.name)
        body = feeds.events_calendar(found.name, series.upcoming, description=about)
    return Response(body, media_type=ICS, headers=FEED_HEADERS)


@get(
    "/near.ics",
    operation_class=FEED_OPERATION,
    tags=["rhythm"],
    summary="A saved 'near me' search (webcal): upcoming public events near a place",
)
async def near_feed(
    city: FromQuery[str | None] = None, lat: FromQuery[float | None] = None, lon: FromQuery[float | None] = None
) -> Response[bytes]:
    found = await near.near(city, lat, lon)
    body = feeds.events_calendar(_("Edcamps near {place}").format(place=found.place), found.events)
    return Response(body, media_type=ICS, headers=FEED_HEADERS)


RHYTHM_HANDLERS: list[Any] = [SeriesController, CarryController, near_api, community_feed, near_feed]
