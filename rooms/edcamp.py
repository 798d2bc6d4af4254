"""One-step Edcamp: a free event with a main room, breakout rooms, a morning of slots and dots, open for proposals.

The same service backs ``unconf new-edcamp``, ``POST /api/v1/edcamps`` and the ``/new-edcamp`` page,
so an organizer is live in five minutes whichever way they start; the organizer's own form (``/new``)
uses ``create_event_with_day``. Both go through ``events.create_event_with``, which removes the event
again if a step fails.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from agenda.rooms import create_room
from agenda.schemas import RoomCreate, RoomOut, SlotCreate, SlotOut
from agenda.slots import create_slot
from events import services as events
from events import tiers
from events.schemas import EventCreate, EventSettings, PhaseChange
from events.tables import Event, Participant
from rooms.links import ensure_settings, read_settings
from rooms.video.static import parse_template
from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _
from unconf.settings import get_settings

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Email = Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
ClockTime = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, local time")]


class EdcampCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Everything has a sensible default except the title, the day and the organizer's name."""

    title: Annotated[str, Meta(min_length=1, max_length=200)]
    start_date: date
    organizer_name: Name
    organizer_email: Email | None = None
    slug: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] = "UTC"
    venue: Annotated[str, Meta(max_length=200)] = ""
    breakout_rooms: Annotated[int, Meta(ge=1, le=1000)] = 4
    room_capacity: Annotated[int, Meta(ge=1, le=100_000)] = 30
    main_room_capacity: Annotated[int, Meta(ge=1, le=100_000)] = 200
    starts_at: ClockTime = "09:00"
    breakout_slots: Annotated[int, Meta(ge=1, le=8)] = 3
    slot_minutes: Annotated[int, Meta(ge=10, le=180)] = 45
    break_minutes: Annotated[int, Meta(ge=0, le=60)] = 10
    dots_per_participant: Annotated[int, Meta(ge=1, le=100)] = 3
    video_provider: Literal["jitsi", "static"] = "jitsi"
    video_template: Annotated[str, Meta(max_length=500)] = ""


class EdcampCreated(msgspec.Struct, kw_only=True):
    event: Any
    organizer: Any
    organizer_key: str
    join_link: str
    board_url: str
    organize_url: str
    rooms: list[Any]
    slots: list[Any]
    video: Any
    next_steps: list[str]


def plan_morning(data: EdcampCreate) -> list[tuple[str, str, str, str]]:
    """(starts, ends, kind, label) in local wall-clock ISO: opening, the breakouts with breaks, closing."""
    hour, minute = (int(x) for x in data.starts_at.split(":"))
    t = datetime.combine(data.start_date, datetime.min.time()).replace(hour=hour, minute=minute)
    out: list[tuple[str, str, str, str]] = []

    def add(minutes: int, kind: str, label: str) -> None:
        nonlocal t
        end = t + timedelta(minutes=minutes)
        out.append((t.isoformat(timespec="minutes"), end.isoformat(timespec="minutes"), kind, label))
        t = end

    add(30, "plenary", _("Opening and session board"))
    for i in range(1, data.breakout_slots + 1):
        if data.break_minutes:
            t += timedelta(minutes=data.break_minutes)
        add(data.slot_minutes, "breakout", _("Sessions {number}").format(number=i))
    t += timedelta(minutes=data.break_minutes)
    add(30, "plenary", _("Closing: smackdown and thanks"))
    last_day = datetime.fromisoformat(out[-1][1]).date()
    if last_day != data.start_date:
        raise ValidationFailed(
            _("the morning runs past midnight: start earlier or plan fewer slots"), field="starts_at"
        )
    return out


async def create_edcamp(data: EdcampCreate) -> EdcampCreated:
    """Create the free event and everything it needs; if a step fails, nothing stays behind."""
    tiers.check_count_for(tiers.FREE, "max_rooms", 0, data.breakout_rooms + 1)
    plan = plan_morning(data)
    config: dict[str, Any] = {}
    if data.video_provider == "static":
        if not data.video_template:
            raise ValidationFailed(
                _("static video links need video_template, e.g. {example}").format(
                    example="https://meet.example.org/{event}-{room}"
                ),
                field="video_template",
            )
        parse_template(data.video_template, "video_template")  # plain placeholders only, before anything is made
        config = {"template": data.video_template}

    async def setup(event: Event) -> tuple[Event, list[RoomOut], list[SlotOut]]:
        main = await create_room(
            event,
            RoomCreate(
                name=_("Main room"),
                capacity=data.main_room_capacity,
                kind="hybrid",
                position=0,
                hosts_breakouts=False,
            ),
        )
        rooms = [main]
        for i in range(1, data.breakout_rooms + 1):
            rooms.append(
                await create_room(
                    event,
                    RoomCreate(
                        name=_("Room {number}").format(number=i), capacity=data.room_capacity, kind="hybrid", position=i
                    ),
                )
            )
        slots = [
            await create_slot(event, SlotCreate(starts_at=s, ends_at=e, kind=kind, label=label))  # type: ignore[arg-type]
            for s, e, kind, label in plan
        ]
        await ensure_settings(event, data.video_provider, config, main.id)
        return await events.change_phase(event, PhaseChange(phase="proposals")), rooms, slots

    _created, organizer, key, (event, rooms, slots) = await events.create_event_with(
        EventCreate(
            title=data.title,
            start_date=data.start_date,
            organizer_name=data.organizer_name,
            organizer_email=data.organizer_email,
            slug=data.slug,
            timezone=data.timezone,
            venue=data.venue,
            tier="free",
            description="An Edcamp: the agenda is made on the day by the people who come.",
            settings=EventSettings(dots_per_participant=data.dots_per_participant),
        ),
        setup,
    )
    join_link, board_url = events.links(event.slug, event.join_code)
    video = await read_settings(event)
    base = get_settings().public_url
    return EdcampCreated(
        event=events.event_out(event, with_join_code=True),
        organizer=events.participant_private(organizer),
        organizer_key=key,
        join_link=join_link,
        board_url=board_url,
        organize_url=f"{base}/e/{event.slug}/organize",
        rooms=rooms,
        slots=slots,
        video=video,
        next_steps=[
            _("Project the board: {url}").format(url=board_url),
            _("Share the join link (or its QR code on the board): {url}").format(url=join_link),
            _("Proposals are open now; move to voting when the board is full, then build and publish the agenda."),
            _("Publishing gives every session its video link; people join with the agenda's 'Join video' buttons."),
            *video.notes,
        ],
    )


async def create_event_with_day(
    data: EventCreate, *, rooms: int, slots: list[SlotCreate], open_now: bool
) -> tuple[Event, Participant, str]:
    """The organizer's one form (``/new``): the event, numbered rooms, the day's slots, and proposals
    opened if asked; if any step fails, nothing stays behind (``events.create_event_with``)."""

    async def setup(event: Event) -> Event:
        for number in range(1, rooms + 1):
            await create_room(event, RoomCreate(name=_("Room {number}").format(number=number), capacity=30))
        for slot in slots:
            await create_slot(event, slot)
        return await events.change_phase(event, PhaseChange(phase="proposals")) if open_now else event

    _created, organizer, key, event = await events.create_event_with(data, setup)
    return event, organizer, key
