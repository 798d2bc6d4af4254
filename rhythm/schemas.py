"""Request and response bodies of a community's rhythm: its series, carried topics, events near a place."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from events.schemas import EventOut

CarryReason = Literal["unscheduled", "crowded"]
CarryAnswerValue = Literal["pending", "yes", "no"]


class SeriesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The series' rule (RFC 5545, e.g. ``FREQ=YEARLY;BYMONTH=3,10;BYDAY=+3SA``: the third Saturday of
    March and October) and the city it meets in (for "near me"; empty: not listed by place)."""

    rule: Annotated[str, Meta(min_length=1, max_length=500)]
    city: Annotated[str, Meta(max_length=120)] = ""
    count_carried: bool = False


class UpcomingEvent(msgspec.Struct, kw_only=True):
    slug: str
    title: str
    start_date: date
    end_date: date
    venue: str
    url: str
    community: str | None = None
    community_name: str | None = None
    city: str = ""
    distance_km: float | None = None


class SeriesOut(msgspec.Struct, kw_only=True):
    community: str
    rule: str
    city: str
    latitude: float | None
    longitude: float | None
    count_carried: bool
    template: str | None
    next_date: date | None
    next_dates: list[date]
    upcoming: list[UpcomingEvent]
    feed_url: str


class PlannedEvent(msgspec.Struct, kw_only=True):
    """The next event of the series, copied from ``template``; the organizer key is shown this once."""

    event: EventOut
    template: str
    organizer_key: str
    organize_url: str
    rooms: int
    slots: int
    video_provider: str | None
    carried_offers: int


class CarryOfferOut(msgspec.Struct, kw_only=True):
    id: int
    title: str
    from_event: str
    reason: CarryReason
    interest: int
    answer: CarryAnswerValue
    to_event: str | None
    carried_proposal: int | None


class CarryAnswer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    answer: Literal["yes", "no"]


class NearOut(msgspec.Struct, kw_only=True):
    place: str
    latitude: float
    longitude: float
    events: list[UpcomingEvent]
