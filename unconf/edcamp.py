"""One-step Edcamp: a free event with a main room, breakout rooms, a morning of slots and dots, open for proposals.

The same service backs ``unconf new-edcamp``, ``POST /api/v1/edcamps`` and the ``/new-edcamp`` page,
so an organizer is live in five minutes whichever way they start.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody
from msgspec import Meta

from unconf import ratelimit, tiers
from unconf.auth import client_address
from unconf.errors import DomainError, ValidationFailed

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

    add(30, "plenary", "Opening and session board")
    for i in range(1, data.breakout_slots + 1):
        if data.break_minutes:
            t += timedelta(minutes=data.break_minutes)
        add(data.slot_minutes, "breakout", f"Sessions {i}")
    t += timedelta(minutes=data.break_minutes)
    add(30, "plenary", "Closing: smackdown and thanks")
    last_day = datetime.fromisoformat(out[-1][1]).date()
    if last_day != data.start_date:
        raise ValidationFailed("the morning runs past midnight: start earlier or plan fewer slots", field="starts_at")
    return out


async def create_edcamp(data: EdcampCreate) -> EdcampCreated:
    """Create the free event and everything it needs; if a step fails, nothing stays behind."""
    from agenda.schemas import SlotCreate
    from agenda.slots import create_slot
    from rooms.links import ensure_settings, read_settings
    from rooms.schemas import RoomCreate
    from rooms.services import create_room
    from unconf.events import services as events
    from unconf.events.controllers import links
    from unconf.events.schemas import EventCreate, EventSettings, PhaseChange
    from unconf.settings import get_settings
    from unconf.tables import Event

    tiers.check_count_for(tiers.FREE, "max_rooms", 0, data.breakout_rooms + 1)
    plan = plan_morning(data)
    config: dict[str, Any] = {}
    if data.video_provider == "static":
        if not data.video_template:
            raise ValidationFailed(
                "static video links need video_template, e.g. https://meet.example.org/{event}-{room}",
                field="video_template",
            )
        config = {"template": data.video_template}
    event, organizer, key = await events.create_event(
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
        )
    )
    try:
        main = await create_room(
            event,
            RoomCreate(name="Main room", capacity=data.main_room_capacity, kind="hybrid", position=0),
        )
        rooms = [main]
        for i in range(1, data.breakout_rooms + 1):
            rooms.append(
                await create_room(
                    event, RoomCreate(name=f"Room {i}", capacity=data.room_capacity, kind="hybrid", position=i)
                )
            )
        slots = [
            await create_slot(event, SlotCreate(starts_at=s, ends_at=e, kind=kind, label=label))  # type: ignore[arg-type]
            for s, e, kind, label in plan
        ]
        await ensure_settings(event, data.video_provider, config, main.id)
        event = await events.change_phase(event, PhaseChange(phase="proposals"))
    except BaseException:
        await Event.delete().where(Event.id == event.id)
        raise
    join_link, board_url = links(event.slug, event.join_code)
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
            f"Project the board: {board_url}",
            f"Share the join link (or its QR code on the board): {join_link}",
            "Proposals are open now; move to voting when the board is full, then build and publish the agenda.",
            "Publishing gives every session its video link; people join with the agenda's 'Join video' buttons.",
            *video.notes,
        ],
    )


class EdcampController(Controller):
    path = "/api/v1/edcamps"
    tags = ["events"]

    @post("/", status_code=201, summary="One-step free Edcamp: rooms, a morning of slots, dots, open for proposals")
    async def new_edcamp(self, request: Request[Any, Any, Any], data: JSONBody[EdcampCreate]) -> EdcampCreated:
        await ratelimit.check("create_event", address=client_address(request))
        return await create_edcamp(data)


# --- the command ---------------------------------------------------------------------------------


def _time(text: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 09:00")
    return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="unconf new-edcamp",
        description="Create a free Edcamp (rooms, a morning of slots, dots) and print its links and organizer key.",
    )
    p.add_argument("title", help="the event's title, e.g. 'Edcamp Riverside'")
    p.add_argument("--date", type=date.fromisoformat, default=None, help="the day (YYYY-MM-DD, default today)")
    p.add_argument("--organizer", default="Organizer", help="your display name")
    p.add_argument("--email", default=None)
    p.add_argument("--slug")
    p.add_argument("--timezone", default="UTC", help="IANA timezone such as Europe/Berlin")
    p.add_argument("--venue", default="")
    p.add_argument("--rooms", type=int, default=4, help="breakout rooms (besides the main room)")
    p.add_argument("--capacity", type=int, default=30, help="people per breakout room")
    p.add_argument("--start", type=_time, default="09:00", help="when the opening starts (HH:MM)")
    p.add_argument("--slots", type=int, default=3, help="breakout slots")
    p.add_argument("--slot-minutes", type=int, default=45)
    p.add_argument("--dots", type=int, default=3, help="dots per participant")
    p.add_argument("--provider", choices=["jitsi", "static"], default="jitsi")
    p.add_argument("--template", default="", help="URL template for static links, e.g. https://meet.example.org/{room}")
    p.add_argument("--database", help="database URL (default: UNCONF_DATABASE_URL or sqlite:///unconf.sqlite)")
    return p


async def _run(data: EdcampCreate) -> EdcampCreated:
    """Migrate, create, and close the database connections so the command can exit."""
    from unconf.cli import _migrate
    from unconf.database import close_connection_pool

    try:
        await _migrate(quiet=True)
        return await create_edcamp(data)
    finally:
        await close_connection_pool()


def main(argv: Sequence[str] | None = None) -> int:
    """``unconf new-edcamp TITLE [options]``: exit 0 with the links printed, 2 with the reason on stderr."""
    args = build_parser().parse_args(argv)
    from unconf.cli import _use_database

    _use_database(args.database)
    try:
        data = msgspec.convert(
            {
                "title": args.title,
                "start_date": (args.date or date.today()).isoformat(),
                "organizer_name": args.organizer,
                "organizer_email": args.email,
                "slug": args.slug,
                "timezone": args.timezone,
                "venue": args.venue,
                "breakout_rooms": args.rooms,
                "room_capacity": args.capacity,
                "starts_at": args.start,
                "breakout_slots": args.slots,
                "slot_minutes": args.slot_minutes,
                "dots_per_participant": args.dots,
                "video_provider": args.provider,
                "video_template": args.template,
            },
            EdcampCreate,
        )
    except msgspec.ValidationError as exc:
        print(f"unconf new-edcamp: {exc}", file=sys.stderr)
        return 2
    try:
        created = asyncio.run(_run(data))
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"unconf new-edcamp: {exc.detail}{where}", file=sys.stderr)
        return 2
    event = created.event
    lines = [
        f"Edcamp created: {event.title} ({event.start_date}, {event.timezone}), open for proposals",
        f"  board (project it):  {created.board_url}",
        f"  join link (phones):  {created.join_link}",
        f"  join code:           {event.join_code}",
        f"  organizer console:   {created.organize_url}",
        f"  organizer key:       {created.organizer_key}   (shown once: keep it safe)",
        f"  rooms:               {', '.join(r.name for r in created.rooms)}",
        "  morning:             " + ", ".join(f"{s.starts_at:%H:%M} {s.label}" for s in created.slots),
    ]
    lines += [f"  note: {note}" for note in created.video.notes]
    print("\n".join(lines))
    return 0
