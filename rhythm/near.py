"""Edcamps near me: the instance's upcoming public events, nearest first, from a city or coordinates.

An event is public when its organizers listed it; its place is its community's city (set with the
series). Distances are great-circle kilometres; the city lookup is offline (``rhythm.geo``).
"""

from __future__ import annotations

from datetime import date

from community.tables import Community, CommunityEvent
from events.tables import Event
from rhythm import geo
from rhythm.schemas import NearOut, UpcomingEvent
from rhythm.services import OPEN_PHASES, upcoming_out
from rhythm.tables import CommunityRhythm
from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import utcnow

MAX_RESULTS = 50


def place_from(city: str | None, lat: float | None, lon: float | None) -> tuple[str, float, float]:
    """Where "near" is: a city's name, or coordinates (the browser's location); one of the two."""
    if city is not None and city.strip():
        found = geo.find_city(city)
        return found.label, found.latitude, found.longitude
    if lat is not None and lon is not None:
        latitude, longitude = geo.check_coordinates(lat, lon)
        return f"{latitude:.3f}, {longitude:.3f}", latitude, longitude
    if lat is not None or lon is not None:
        raise ValidationFailed(_("send both lat and lon, or a city"), field="lon" if lat is not None else "lat")
    raise ValidationFailed(_("name a city (or share your location)"), field="city")


async def public_upcoming(today: date) -> list[tuple[Event, Community, CommunityRhythm]]:
    """Every listed, not yet over event of a community that says where it meets."""
    places = {r.community: r for r in await CommunityRhythm.objects().where(CommunityRhythm.latitude.is_not_null())}
    if not places:
        return []
    links = {
        r["event"]: r["community"]
        for r in await CommunityEvent.select(CommunityEvent.event, CommunityEvent.community).where(
            CommunityEvent.community.is_in(list(places))
        )
    }
    if not links:
        return []
    events = await Event.objects().where(
        Event.id.is_in(list(links))
        & (Event.listed == True)  # noqa: E712 (a Piccolo query)
        & (Event.end_date >= today)
        & Event.phase.is_in(list(OPEN_PHASES))
        & Event.suspended_at.is_null()
    )
    communities = {c.id: c for c in await Community.objects().where(Community.id.is_in(list(places)))}
    return [(e, communities[links[e.id]], places[links[e.id]]) for e in events if links[e.id] in communities]


async def near(
    city: str | None = None, lat: float | None = None, lon: float | None = None, *, limit: int = MAX_RESULTS
) -> NearOut:
    place, latitude, longitude = place_from(city, lat, lon)
    found: list[UpcomingEvent] = []
    for event, community, rhythm in await public_upcoming(utcnow().date()):
        if rhythm.latitude is None or rhythm.longitude is None:
            continue
        out = upcoming_out(event, community, rhythm)
        out.distance_km = round(geo.haversine_km(latitude, longitude, rhythm.latitude, rhythm.longitude), 1)
        found.append(out)
    found.sort(key=lambda e: (e.distance_km or 0.0, e.start_date, e.slug))
    return NearOut(place=place, latitude=latitude, longitude=longitude, events=found[: max(1, min(limit, MAX_RESULTS))])
