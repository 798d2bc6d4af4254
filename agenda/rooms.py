"""Rooms of an event: sizes and features the agenda is built around. No HTTP here."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlparse

import msgspec

from agenda.schemas import RoomCreate, RoomOut, RoomPatch
from agenda.tables import Room
from agenda.versions import used_in_published_agenda
from events import tiers
from events.services import require_phase
from events.tables import Event
from unconf import live, realtime
from unconf.database import write_transaction
from unconf.errors import Conflict, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import check_id, clean_tags, clean_text

EDITABLE_PHASES = ("draft", "proposals", "voting", "scheduled", "running")


def room_out(room: Room) -> RoomOut:
    return RoomOut(
        id=room.id,
        name=room.name,
        capacity=room.capacity,
        kind=cast(Any, room.kind),
        accessibility_notes=room.accessibility_notes,
        video_link=room.video_link,
        features=list(room.features),
        position=room.position,
        hosts_breakouts=room.hosts_breakouts,
        video_equipped=bool(room.video_equipped),
    )


def room_data(out: RoomOut) -> live.RoomData:
    """A room as the live messages carry it (the same keys as the API's)."""
    return msgspec.convert(out, live.RoomData, from_attributes=True)


def clean_link(value: str, field: str = "video_link") -> str:
    link = clean_text(value, field, max_length=500, required=False)
    if not link:
        return ""
    parsed = urlparse(link)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ValidationFailed(_("{field} must be an http(s) URL").format(field=field), field=field)
    return link


async def list_rooms(event: Event) -> list[RoomOut]:
    rooms = await Room.objects().where(Room.event == event.id).order_by(Room.position).order_by(Room.id)
    return [room_out(r) for r in rooms]


async def get_room(event: Event, room_id: int) -> Room:
    check_id(room_id, "room_id")
    room = await Room.objects().where((Room.id == room_id) & (Room.event == event.id)).first()
    if room is None:
        raise NotFound(_("no room {room_id} in this event").format(room_id=room_id), field="room_id")
    return room


async def _name_taken(event: Event, name: str, except_id: int | None = None) -> bool:
    query = Room.exists().where((Room.event == event.id) & (Room.name == name))
    if except_id is not None:
        query = Room.exists().where((Room.event == event.id) & (Room.name == name) & (Room.id != except_id))
    return await query


async def create_room(event: Event, data: RoomCreate) -> RoomOut:
    require_phase(event, *EDITABLE_PHASES, action="add rooms")
    name = clean_text(data.name, "name", max_length=80)
    async with write_transaction():
        if await _name_taken(event, name):
            raise Conflict(_("a room named {name!r} exists already").format(name=name), field="name")
        await tiers.check_row_limit(event, "max_rooms", Room)
        position = data.position
        if position is None:
            position = await Room.count().where(Room.event == event.id)
        room = Room(
            event=event.id,
            name=name,
            capacity=data.capacity,
            kind=data.kind,
            accessibility_notes=clean_text(
                data.accessibility_notes, "accessibility_notes", max_length=1000, multiline=True, required=False
            ),
            video_link=clean_link(data.video_link),
            features=clean_tags(data.features, "features"),
            position=position,
            hosts_breakouts=data.hosts_breakouts,
            video_equipped=data.video_equipped,
        )
        await room.save()
    out = room_out(room)
    await realtime.publish(event.slug, live.RoomChanged(data=room_data(out)))
    return out


async def update_room(event: Event, room_id: int, data: RoomPatch) -> RoomOut:
    require_phase(event, *EDITABLE_PHASES, action="change rooms")
    room = await get_room(event, room_id)
    changes: dict[Any, Any] = {}
    if data.name is not None:
        name = clean_text(data.name, "name", max_length=80)
        if await _name_taken(event, name, except_id=room.id):
            raise Conflict(_("a room named {name!r} exists already").format(name=name), field="name")
        changes[Room.name] = name
    if data.capacity is not None:
        changes[Room.capacity] = data.capacity
    if data.kind is not None:
        changes[Room.kind] = data.kind
    if data.accessibility_notes is not None:
        changes[Room.accessibility_notes] = clean_text(
            data.accessibility_notes, "accessibility_notes", max_length=1000, multiline=True, required=False
        )
    if data.video_link is not None:
        changes[Room.video_link] = clean_link(data.video_link)
    if data.features is not None:
        changes[Room.features] = clean_tags(data.features, "features")
    if data.position is not None:
        changes[Room.position] = data.position
    if data.hosts_breakouts is not None:
        changes[Room.hosts_breakouts] = data.hosts_breakouts
    if data.video_equipped is not None:
        changes[Room.video_equipped] = data.video_equipped
    if changes:
        await Room.update(changes).where(Room.id == room.id)
    out = room_out(await get_room(event, room.id))
    await realtime.publish(event.slug, live.RoomChanged(data=room_data(out)))
    return out


async def delete_room(event: Event, room_id: int) -> None:
    """A room that a published agenda uses stays: deleting it would rewrite history."""
    require_phase(event, *EDITABLE_PHASES, action="remove rooms")
    room = await get_room(event, room_id)
    if await used_in_published_agenda(room=room.id):
        raise Conflict(
            _("room {name!r} is used by a published agenda; move its sessions and publish first").format(
                name=room.name
            ),
            field="room_id",
        )
    await Room.delete().where(Room.id == room.id)
    await realtime.publish(event.slug, live.RoomDeleted(data=live.Removed(id=room.id)))
