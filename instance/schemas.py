"""Bodies of the instance operator's API (also what the operator page and ``unconf admin`` show)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from events.schemas import Phase, Tier

Limit = Annotated[int, Meta(ge=0, le=1_000_000)]


class EventRow(msgspec.Struct, kw_only=True):
    """One event as the operator sees it: no join code, no person."""

    slug: str
    title: str
    tier: str
    phase: Phase
    start_date: date
    participants: int
    rooms: int
    max_participants: int
    max_rooms: int
    limits_set_by_operator: bool
    suspended: bool
    last_activity: datetime


class LimitsChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An event's tier and its own limits; a limit of ``null`` goes back to the tier's, an absent one is kept."""

    tier: Tier | None = None
    max_participants: Limit | msgspec.UnsetType | None = msgspec.UNSET
    max_rooms: Limit | msgspec.UnsetType | None = msgspec.UNSET


class UsageRow(msgspec.Struct, kw_only=True):
    """Video and check-in person-minutes of one event (the metering rooms keeps), for billing and capacity."""

    slug: str
    title: str
    tier: str
    video_joins: int
    checkins: int
    video_person_minutes: int
    checkin_person_minutes: int
    price_cents: int


class UsageTotals(msgspec.Struct, kw_only=True):
    events: list[UsageRow]
    video_person_minutes: int
    checkin_person_minutes: int
    price_cents: int


class Deleted(msgspec.Struct, kw_only=True):
    slug: str
    participants: int
