"""Request and response bodies for events and participants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Phase = Literal["draft", "proposals", "voting", "scheduled", "running", "closed"]
PHASES: tuple[Phase, ...] = ("draft", "proposals", "voting", "scheduled", "running", "closed")
Role = Literal["organizer", "attendee"]
Tier = Literal["free", "paid"]
Language = Literal["en", "es", "fr", "de", "pt_BR", "ar"]
"""The languages unconf ships (``unconf.i18n.LANGUAGES``): an event's default for its pages and board."""

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Email = Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class EventSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    dots_per_participant: Annotated[int, Meta(ge=1, le=100)] = 5
    allow_stacking: bool = False
    late_proposals: bool = False
    listed: bool = False


class EventSettingsPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    dots_per_participant: Annotated[int, Meta(ge=1, le=100)] | None = None
    allow_stacking: bool | None = None
    late_proposals: bool | None = None
    listed: bool | None = None


class EventCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    start_date: date
    organizer_name: Name
    slug: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    description: Annotated[str, Meta(max_length=5000)] = ""
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] = "UTC"
    end_date: date | None = None
    venue: Annotated[str, Meta(max_length=200)] = ""
    language: Language = "en"
    tier: Tier = "free"
    organizer_email: Email | None = None
    settings: EventSettings = msgspec.field(default_factory=EventSettings)


class EventPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    description: Annotated[str, Meta(max_length=5000)] | None = None
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    start_date: date | None = None
    end_date: date | None = None
    venue: Annotated[str, Meta(max_length=200)] | None = None
    language: Language | None = None
    settings: EventSettingsPatch | None = None


class TierChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The instance operator's choice of an event's tier."""

    tier: Tier


class PhaseChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    phase: Phase
    ends_at: (
        Annotated[
            str,
            Meta(max_length=40, description="when this phase is planned to end (ISO 8601, local time if no offset)"),
        ]
        | None
    ) = None


class EventOut(msgspec.Struct, kw_only=True):
    slug: str
    title: str
    description: str
    timezone: str
    start_date: date
    end_date: date
    venue: str
    language: Language
    tier: Tier
    phase: Phase
    phase_ends_at: datetime | None
    settings: EventSettings
    join_code: str | None = None


class JoinRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    display_name: Name
    join_code: Annotated[str, Meta(min_length=1, max_length=16)]
    email: Email | None = None


class RemoveParticipants(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant_ids: Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(min_length=1, max_length=1000)]


class ParticipantsRemoved(msgspec.Struct, kw_only=True):
    removed: list[int]


class ParticipantOut(msgspec.Struct, kw_only=True):
    """What anyone in the event may see of a person: never a token, never an email."""

    id: int
    display_name: str
    role: Role


class ParticipantPrivate(msgspec.Struct, kw_only=True):
    """What the person themself and organizers see."""

    id: int
    display_name: str
    role: Role
    email: str | None


class Joined(msgspec.Struct, kw_only=True):
    participant: ParticipantPrivate
    token: str


class EventCreated(msgspec.Struct, kw_only=True):
    event: EventOut
    organizer: ParticipantPrivate
    organizer_key: str
    join_link: str
    board_url: str


class Me(msgspec.Struct, kw_only=True):
    participant: ParticipantPrivate
    event: EventOut
    dots_left: int
