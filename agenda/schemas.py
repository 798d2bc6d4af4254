"""Request and response bodies for time slots and agendas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from sessions.schemas import FacilitatorOut

RoomKind = Literal["physical", "virtual", "hybrid"]
Feature = Annotated[str, Meta(min_length=1, max_length=40)]
Url = Annotated[str, Meta(max_length=500)]


class RoomCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    capacity: Annotated[int, Meta(ge=1, le=100_000)]
    kind: RoomKind = "physical"
    accessibility_notes: Annotated[str, Meta(max_length=1000)] = ""
    video_link: Url = ""
    features: Annotated[list[Feature], Meta(max_length=10)] = msgspec.field(default_factory=list)
    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    hosts_breakouts: bool = True
    video_equipped: bool = False


class RoomPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)] | None = None
    capacity: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    kind: RoomKind | None = None
    accessibility_notes: Annotated[str, Meta(max_length=1000)] | None = None
    video_link: Url | None = None
    features: Annotated[list[Feature], Meta(max_length=10)] | None = None
    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    hosts_breakouts: bool | None = None
    video_equipped: bool | None = None


class RoomOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    capacity: int
    kind: RoomKind
    accessibility_notes: str
    video_link: str
    features: list[str]
    position: int
    hosts_breakouts: bool = True
    video_equipped: bool = False


# --- video, presence, usage ----------------------------------------------------------------------


SlotKind = Literal["breakout", "plenary", "break"]
Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
LocalTime = Annotated[
    str,
    Meta(
        min_length=10,
        max_length=40,
        description="ISO 8601 date and time; without an offset it is the event's local time",
        examples=["2026-11-21T09:30"],
    ),
]


class SlotCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Times without an offset are wall-clock times in the event's timezone."""

    starts_at: LocalTime
    ends_at: LocalTime
    kind: SlotKind = "breakout"
    label: Annotated[str, Meta(max_length=80)] = ""


class SlotPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    starts_at: LocalTime | None = None
    ends_at: LocalTime | None = None
    kind: SlotKind | None = None
    label: Annotated[str, Meta(max_length=80)] | None = None


class SlotOut(msgspec.Struct, kw_only=True):
    id: int
    starts_at: datetime
    ends_at: datetime
    kind: SlotKind
    label: str


class BuildRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    time_limit: Annotated[float, Meta(gt=0, le=120)] = 2.0
    seed: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


class PlacementSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Put a session at a place in the draft; whoever was there swaps to its old place."""

    slot_id: Id
    room_id: Id
    pinned: bool = True
    run: Annotated[int, Meta(ge=1, le=2)] = 1
    """2 places the session's repeat (only a repeatable session, after its first run)."""


class RepeatableSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Let the agenda run a session twice when a crowd wants it (or stop it)."""

    proposal_id: Id
    repeatable: bool


class RepeatableOut(msgspec.Struct, kw_only=True):
    proposal_id: int
    repeatable: bool


class SessionOut(msgspec.Struct, kw_only=True):
    proposal_id: int
    title: str
    facilitators: list[FacilitatorOut]
    slot_id: int
    room_id: int
    starts_at: datetime
    ends_at: datetime
    room_name: str
    video_link: str
    votes: int
    voters: int
    pinned: bool
    run: int = 1
    """1 for a session's first run, 2 for its repeat (a second run, later, for a crowd)."""
    runs: int = 1
    """How many runs the session has on this agenda: 2 when it repeats."""


class ClashOut(msgspec.Struct, kw_only=True):
    slot_id: int
    proposal_ids: tuple[int, int]
    people: int
    text: str


class AgendaOut(msgspec.Struct, kw_only=True):
    status: Literal["draft", "published"]
    version: int | None
    created_at: datetime
    published_at: datetime | None
    score: float
    slots: list[SlotOut]
    rooms: list[RoomOut]
    sessions: list[SessionOut]
    unscheduled: list[int] = msgspec.field(default_factory=list)
    clashes: list[ClashOut] = msgspec.field(default_factory=list)
    # A proven upper bound on the score (no agenda for these votes, slots and rooms can beat it),
    # how far below it the score is in percent, and that as a sentence for organizers.
    bound: float | None = None
    gap_percent: float | None = None
    quality: str = ""


class AgendaVersionOut(msgspec.Struct, kw_only=True):
    version: int
    published_at: datetime | None
    sessions: int
    score: float


class AutopilotSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The morning's timeline; any step may be left out (null) to do it by hand."""

    proposals_until: LocalTime | None = None
    voting_until: LocalTime | None = None
    publish_at: LocalTime | None = None
    hold_for_review: bool = False
    time_limit: Annotated[float, Meta(gt=0, le=60)] = 2.0


class AutopilotOut(msgspec.Struct, kw_only=True):
    proposals_until: datetime | None
    voting_until: datetime | None
    publish_at: datetime | None
    hold_for_review: bool
    time_limit: float
    voting_closed_at: datetime | None
    built_at: datetime | None
    published_at: datetime | None
    last_error: str
    next_step: str | None
