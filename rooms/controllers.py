"""HTTP for rooms: thin, the rules live in services."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from rooms import services
from rooms.schemas import RoomCreate, RoomOut, RoomPatch
from unconf.auth import EVENT_DEPENDENCIES
from unconf.cache import read_cache
from unconf.tables import Event, Participant


class RoomController(Controller):
    path = "/api/v1/events/{slug:str}/rooms"
    tags = ["rooms"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The event's rooms")
    async def list_rooms(self, event: NamedDependency[Event]) -> list[RoomOut]:
        return await read_cache.through(event.slug, "rooms", lambda: services.list_rooms(event))

    @post("/", status_code=201, summary="Add a room (organizers)")
    async def create_room(
        self, event: NamedDependency[Event], organizer: NamedDependency[Participant], data: JSONBody[RoomCreate]
    ) -> RoomOut:
        return await services.create_room(event, data)

    @patch("/{room_id:int}", summary="Change a room (organizers)")
    async def update_room(
        self,
        event: NamedDependency[Event],
        organizer: NamedDependency[Participant],
        room_id: FromPath[int],
        data: JSONBody[RoomPatch],
    ) -> RoomOut:
        return await services.update_room(event, room_id, data)

    @delete("/{room_id:int}", status_code=204, summary="Remove a room no published agenda uses (organizers)")
    async def delete_room(
        self, event: NamedDependency[Event], organizer: NamedDependency[Participant], room_id: FromPath[int]
    ) -> None:
        await services.delete_room(event, room_id)
