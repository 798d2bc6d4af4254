"""Who is where: video joins and phone check-ins, one open visit per person (the rule of two feet).

A visit ends when the person joins or checks in somewhere else, checks out, or the session's slot
ends (``ends_by``). Occupancy is the open visits per room, shown against the room's capacity.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import msgspec

from agenda.schemas import RoomOut
from agenda.tables import Room
from events.services import require_phase
from events.tables import Event, Participant
from rooms.links import MAIN_KEY, day_end, join_path, notes_path, placed_sessions, public, settings_row
from rooms.schemas import OccupancyOut, PresenceOut, RoomOccupancy, SessionAttendance, SessionRef
from rooms.tables import RoomVisit
from unconf import live, realtime
from unconf.database import lock_row, write_transaction
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.validation import aware, check_id, utcnow

PRESENCE_PHASES = ("scheduled", "running")
HOW = ("video", "checkin")


def is_open(visit: RoomVisit, now: datetime) -> bool:
    ends_by = aware(visit.ends_by)
    return visit.ended_at is None and (ends_by is None or ends_by > now)


async def record_visit(
    event: Event,
    who: Participant,
    *,
    proposal_id: int | None,
    room_id: int | None,
    how: str,
    ends_by: datetime | None,
    now: datetime | None = None,
) -> RoomVisit:
    """Close this person's open visit and open the new one; the same place again keeps the open visit."""
    now = now or utcnow()
    async with write_transaction():
        await lock_row(Participant, who.id)  # PostgreSQL: one person's two taps cannot both stay open
        open_visits = await RoomVisit.objects().where(
            (RoomVisit.event == event.id) & (RoomVisit.participant == who.id) & RoomVisit.ended_at.is_null()
        )
        for visit in open_visits:
            same = visit.proposal == proposal_id and visit.room == room_id and visit.how == how
            if same and is_open(visit, now):
                return visit
        if open_visits:
            await RoomVisit.update({RoomVisit.ended_at: now}).where(RoomVisit.id.is_in([v.id for v in open_visits]))
        visit = RoomVisit(
            event=event.id,
            participant=who.id,
            proposal=proposal_id,
            room=room_id,
            how=how,
            started_at=now,
            ended_at=None,
            ends_by=ends_by,
        )
        await visit.save()
    await announce(event)
    return visit


async def check_in(event: Event, who: Participant, proposal_id: int | None) -> PresenceOut:
    """Check into a session (or the main room) from a phone; moving on is just checking in elsewhere."""
    require_phase(event, *PRESENCE_PHASES, action="check in")
    now = utcnow()
    room: Room | RoomOut | None
    if proposal_id is None:
        row = await settings_row(event)
        room = None
        if row is not None and row.main_room is not None:
            room = await Room.objects().where(Room.id == row.main_room).first()
        ends_by = await day_end(event.id)
        if ends_by is None or ends_by <= now:
            ends_by = now + timedelta(hours=1)
    else:
        check_id(proposal_id, "session")
        spot = (await placed_sessions(event)).get(proposal_id)
        if spot is None:
            raise NotFound(
                _("session {proposal_id} is not on the published agenda").format(proposal_id=proposal_id),
                field="session",
            )
        if spot.ends_at <= now:
            raise Conflict(
                _("session {proposal_id} ended at {ended} UTC").format(
                    proposal_id=proposal_id, ended=f"{spot.ends_at:%H:%M}"
                ),
                field="session",
                code="session_over",
            )
        room, ends_by = spot.room, spot.ends_at
    visit = await record_visit(
        event,
        who,
        proposal_id=proposal_id,
        room_id=room.id if room else None,
        how="checkin",
        ends_by=ends_by,
        now=now,
    )
    return presence_out(visit, room)


def presence_out(visit: RoomVisit, room: Room | RoomOut | None) -> PresenceOut:
    since = aware(visit.started_at)
    assert since is not None
    return PresenceOut(
        proposal_id=visit.proposal,
        room_id=visit.room,
        room_name=room.name if room else _("Main room"),
        how="video" if visit.how == "video" else "checkin",
        since=since,
        ends_by=aware(visit.ends_by),
    )


async def where_am_i(event: Event, who: Participant) -> PresenceOut | None:
    now = utcnow()
    visits = await RoomVisit.objects().where(
        (RoomVisit.event == event.id) & (RoomVisit.participant == who.id) & RoomVisit.ended_at.is_null()
    )
    for visit in visits:
        if is_open(visit, now):
            room = await Room.objects().where(Room.id == visit.room).first() if visit.room else None
            return presence_out(visit, room)
    return None


async def check_out(event: Event, who: Participant) -> None:
    await RoomVisit.update({RoomVisit.ended_at: utcnow()}).where(
        (RoomVisit.event == event.id) & (RoomVisit.participant == who.id) & RoomVisit.ended_at.is_null()
    )
    await announce(event)


async def occupancy(event: Event, now: datetime | None = None) -> OccupancyOut:
    """Present people per room against capacity, the session in each room now, and joins per session."""
    now = now or utcnow()
    rooms = list(await Room.objects().where(Room.event == event.id).order_by(Room.position).order_by(Room.id))
    row = await settings_row(event)
    main_id = row.main_room if row is not None else None
    placed = await placed_sessions(event, now=now)
    visits = await RoomVisit.objects().where(RoomVisit.event == event.id)
    present: dict[int | None, set[int]] = defaultdict(set)
    in_video: dict[int | None, set[int]] = defaultdict(set)
    checked_in: dict[int | None, set[int]] = defaultdict(set)
    session_present: dict[int, set[int]] = defaultdict(set)
    joins: dict[int, set[int]] = defaultdict(set)
    checkins: dict[int, set[int]] = defaultdict(set)
    for v in visits:
        person = v.participant
        if person is None:
            continue
        if v.proposal is not None:
            (joins if v.how == "video" else checkins)[v.proposal].add(person)
        if not is_open(v, now):
            continue
        if v.proposal is not None:
            session_present[v.proposal].add(person)
            if v.room is None:
                continue  # its room was deleted: the session still counts, no room does
        room_key = v.room if v.proposal is not None else (v.room if v.room is not None else main_id)
        present[room_key].add(person)
        (in_video if v.how == "video" else checked_in)[room_key].add(person)
    now_in_room = {spot.room.id: spot for spot in placed.values() if spot.starts_at <= now < spot.ends_at}
    out_rooms: list[RoomOccupancy] = []
    for room in rooms:
        spot = now_in_room.get(room.id)
        count = len(present.get(room.id, ()))
        out_rooms.append(
            RoomOccupancy(
                room_id=room.id,
                name=room.name,
                capacity=room.capacity,
                kind=room.kind,
                main=room.id == main_id,
                present=count,
                checked_in=len(checked_in.get(room.id, ())),
                in_video=len(in_video.get(room.id, ())),
                full=count >= room.capacity,
                session=_ref(event, spot.proposal_id, spot.title) if spot else None,
            )
        )
    if main_id is None:
        out_rooms.insert(
            0,
            RoomOccupancy(
                room_id=None,
                name=_("Main room"),
                capacity=None,
                kind="virtual",
                main=True,
                present=len(present.get(None, ())),
                checked_in=len(checked_in.get(None, ())),
                in_video=len(in_video.get(None, ())),
                full=False,
                session=None,
            ),
        )
    sessions = [
        SessionAttendance(
            proposal_id=pid,
            title=spot.title,
            room_id=spot.room.id,
            present=len(session_present.get(pid, ())),
            video_joins=len(joins.get(pid, ())),
            checkins=len(checkins.get(pid, ())),
        )
        for pid, spot in sorted(placed.items(), key=lambda kv: (kv[1].starts_at, kv[1].room.position, kv[0]))
    ]
    return OccupancyOut(event=event.slug, at=now, rooms=out_rooms, sessions=sessions)


def _ref(event: Event, proposal_id: int, title: str) -> SessionRef:
    return SessionRef(
        proposal_id=proposal_id,
        title=title,
        join_url=public(join_path(event.slug, proposal_id)),
        notes_url=public(notes_path(event.slug, proposal_id)),
    )


async def announce(event: Event) -> None:
    """``occupancy.changed`` carries the whole picture, so a board never has to ask again."""
    present = msgspec.convert(await occupancy(event), live.OccupancyData, from_attributes=True)
    await realtime.publish(event.slug, live.OccupancyChanged(data=present))


__all__ = ["HOW", "MAIN_KEY", "announce", "check_in", "check_out", "occupancy", "record_visit", "where_am_i"]
