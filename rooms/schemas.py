"""Request and response bodies for rooms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

ProviderName = Annotated[str, Meta(min_length=1, max_length=32)]


class VideoSettingsIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``secrets`` left out keeps the stored ones (so a form need not show them again)."""

    provider: ProviderName
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    secrets: dict[str, Any] | None = None
    main_room_id: Annotated[int, Meta(ge=1, le=2**31 - 1)] | None = None


class ProviderInfo(msgspec.Struct, kw_only=True):
    name: str
    label: str
    in_tier: bool
    notes: list[str]


class VideoSettingsOut(msgspec.Struct, kw_only=True):
    """Never carries a secret: only the names of the secrets that are set."""

    provider: str
    config: dict[str, Any]
    secrets_set: list[str]
    main_room_id: int | None
    notes: list[str]
    last_error: str
    providers: list[ProviderInfo]


class PresenceOut(msgspec.Struct, kw_only=True):
    proposal_id: int | None
    room_id: int | None
    room_name: str
    how: Literal["video", "checkin"]
    since: datetime
    ends_by: datetime | None


class SessionRef(msgspec.Struct, kw_only=True):
    proposal_id: int
    title: str
    join_url: str
    notes_url: str


class RoomOccupancy(msgspec.Struct, kw_only=True):
    room_id: int | None
    name: str
    capacity: int | None
    kind: str
    main: bool
    present: int
    checked_in: int
    in_video: int
    full: bool
    session: SessionRef | None


class SessionAttendance(msgspec.Struct, kw_only=True):
    proposal_id: int
    title: str
    room_id: int | None
    present: int
    video_joins: int
    checkins: int


class OccupancyOut(msgspec.Struct, kw_only=True):
    event: str
    at: datetime
    rooms: list[RoomOccupancy]
    sessions: list[SessionAttendance]


class UsageLine(msgspec.Struct, kw_only=True):
    proposal_id: int | None
    title: str
    room_name: str
    video_joins: int
    checkins: int
    video_person_minutes: int
    checkin_person_minutes: int
    price_cents: int


class UsageOut(msgspec.Struct, kw_only=True):
    event: str
    tier: str
    price_per_person_minute_cents: int
    lines: list[UsageLine]
    video_person_minutes: int
    price_cents: int


class EmbedOut(msgspec.Struct, kw_only=True):
    """What a page needs to show a meeting in place (Jitsi's IFrame API); absent: open ``url`` in a new tab."""

    kind: str
    domain: str
    script_url: str
    room: str
    jwt: str
    display_name: str


class TableJoined(msgspec.Struct, kw_only=True):
    """After joining a table: where you are now and how to open its video (your own link)."""

    presence: PresenceOut
    url: str
    embed: EmbedOut | None


class HallwayTable(msgspec.Struct, kw_only=True):
    """The main table or a breakout, with who is there: in the room and remote counted apart."""

    key: str
    proposal_id: int | None
    title: str
    room_name: str
    when: Literal["main", "now", "next"]
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None
    present: int
    in_room: int
    remote: int
    full: bool
    facilitators: list[str]
    join_path: str
    here: bool


class HallwayOut(msgspec.Struct, kw_only=True):
    event: str
    at: datetime
    provider: str
    embeddable: bool
    embed_origin: str | None
    you: PresenceOut | None
    tables: list[HallwayTable]
