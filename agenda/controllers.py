"""HTTP for rooms, time slots and agendas: thin, the rules live in services."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from agenda import autopilot, helpers, services, slots
from agenda import rooms as room_services
from agenda.schemas import (
    AgendaOut,
    AgendaVersionOut,
    AutopilotOut,
    AutopilotSet,
    BuildRequest,
    PlacementSet,
    RepeatableOut,
    RepeatableSet,
    RoomCreate,
    RoomOut,
    RoomPatch,
    SlotCreate,
    SlotOut,
    SlotPatch,
)
from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event
from unconf.cache import read_cache
from unconf.guards import requires_organizer


class SlotController(Controller):
    path = "/api/v1/events/{slug:str}/slots"
    tags = ["agenda"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The event's time slots, in its timezone")
    async def list_slots(self, event: NamedDependency[Event]) -> list[SlotOut]:
        return await read_cache.through(event.slug, "slots", lambda: slots.list_slots(event))

    @post("/", status_code=201, summary="Add a time slot (organizers)", guards=[requires_organizer])
    async def create_slot(self, event: NamedDependency[Event], data: JSONBody[SlotCreate]) -> SlotOut:
        return await slots.create_slot(event, data)

    @patch("/{slot_id:int}", summary="Change a time slot (organizers)", guards=[requires_organizer])
    async def update_slot(
        self,
        event: NamedDependency[Event],
        slot_id: FromPath[int],
        data: JSONBody[SlotPatch],
    ) -> SlotOut:
        return await slots.update_slot(event, slot_id, data)

    @delete(
        "/{slot_id:int}",
        status_code=204,
        summary="Remove a time slot no published agenda uses (organizers)",
        guards=[requires_organizer],
    )
    async def delete_slot(self, event: NamedDependency[Event], slot_id: FromPath[int]) -> None:
        await slots.delete_slot(event, slot_id)


class AgendaController(Controller):
    path = "/api/v1/events/{slug:str}/agenda"
    tags = ["agenda"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The latest published agenda")
    async def read_agenda(self, event: NamedDependency[Event]) -> AgendaOut:
        return await services.cached_agenda(event)

    @get("/versions", summary="Every published version")
    async def list_versions(self, event: NamedDependency[Event]) -> list[AgendaVersionOut]:
        return await services.list_versions(event)

    @get("/versions/{version:int}", summary="One published version, as it was")
    async def read_version(self, event: NamedDependency[Event], version: FromPath[int]) -> AgendaOut:
        return await services.cached_agenda(event, version=version)

    @post(
        "/build",
        status_code=201,
        summary="Build a draft from the votes with the optimizer (organizers)",
        guards=[requires_organizer],
    )
    async def build_agenda(
        self,
        event: NamedDependency[Event],
        data: JSONBody[BuildRequest | None] = None,
    ) -> AgendaOut:
        return await services.build_agenda(event, data or BuildRequest())

    @get(
        "/help",
        summary="Per session: facilitator suggestions (learners' topics, facilitators who left) and note-takers",
        guards=[requires_organizer],
    )
    async def read_help(self, event: NamedDependency[Event]) -> list[helpers.SessionHelp]:
        return await helpers.help_needed(event)

    @get("/draft", summary="The draft with its clash report (organizers)", guards=[requires_organizer])
    async def read_draft(self, event: NamedDependency[Event]) -> AgendaOut:
        return await services.read_draft(event)

    @put(
        "/draft/sessions/{proposal_id:int}",
        summary="Move and pin a session by hand (organizers)",
        guards=[requires_organizer],
    )
    async def place_session(
        self,
        event: NamedDependency[Event],
        proposal_id: FromPath[int],
        data: JSONBody[PlacementSet],
    ) -> AgendaOut:
        return await services.place_session(event, proposal_id, data)

    @delete(
        "/draft/sessions/{proposal_id:int}",
        status_code=200,
        summary="Take a session off the draft (organizers)",
        guards=[requires_organizer],
    )
    async def unschedule_session(
        self,
        event: NamedDependency[Event],
        proposal_id: FromPath[int],
        run: Annotated[int | None, Parameter(query="run", required=False, ge=1, le=2)] = None,
    ) -> AgendaOut:
        """``?run=2`` takes off only the session's repeat; without it every run of the session goes."""
        return await services.unschedule_session(event, proposal_id, run=run)

    @get(
        "/repeatable",
        summary="The sessions the agenda may run twice for a crowd (organizers)",
        guards=[requires_organizer],
    )
    async def list_repeatable(self, event: NamedDependency[Event]) -> list[RepeatableOut]:
        return await services.list_repeatable(event)

    @put(
        "/repeatable",
        summary="Let the agenda run a session twice when a crowd wants it, or stop it (organizers)",
        guards=[requires_organizer],
        description=(
            "A repeatable session may get a second run (`run` 2 in the agenda's sessions) in a later slot, with "
            "the same facilitators, when that raises the score; the next build decides. Taking the mark away "
            "keeps a repeat already placed until the next build."
        ),
    )
    async def set_repeatable(self, event: NamedDependency[Event], data: JSONBody[RepeatableSet]) -> RepeatableOut:
        return await services.set_repeatable(event, data)

    @post(
        "/publish",
        status_code=201,
        summary="Publish the draft as the next version (organizers)",
        guards=[requires_organizer],
        description=(
            "Over a running day (phase `running`, or a slot of the published agenda has begun) publishing "
            "moves people who are already in sessions. Send `?confirm=false` to be refused in that case "
            "(409 `day_running`), and `?confirm=true` to publish anyway. Without `confirm` the agenda is "
            "published as before, without the check, so existing clients keep working."
        ),
    )
    async def publish_agenda(
        self,
        event: NamedDependency[Event],
        confirm: Annotated[bool | None, Parameter(query="confirm", required=False)] = None,
    ) -> AgendaOut:
        return await services.publish_agenda(event, confirm_running=confirm)


class AutopilotController(Controller):
    path = "/api/v1/events/{slug:str}/autopilot"
    tags = ["agenda"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_organizer]

    @get("/", summary="The morning's timeline and what the autopilot does next (organizers)")
    async def read_autopilot(self, event: NamedDependency[Event]) -> AutopilotOut:
        return await autopilot.read_autopilot(event)

    @put("/", summary="Set the timeline: close proposals, close voting and build, publish (organizers)")
    async def set_autopilot(self, event: NamedDependency[Event], data: JSONBody[AutopilotSet]) -> AutopilotOut:
        return await autopilot.set_autopilot(event, data)

    @delete("/", status_code=204, summary="Turn the autopilot off (organizers)")
    async def clear_autopilot(self, event: NamedDependency[Event]) -> None:
        await autopilot.clear_autopilot(event)


class RoomController(Controller):
    path = "/api/v1/events/{slug:str}/rooms"
    tags = ["rooms"]
    dependencies = EVENT_DEPENDENCIES

    @get("/", summary="The event's rooms")
    async def list_rooms(self, event: NamedDependency[Event]) -> list[RoomOut]:
        return await read_cache.through(event.slug, "rooms", lambda: room_services.list_rooms(event))

    @post("/", status_code=201, summary="Add a room (organizers)", guards=[requires_organizer])
    async def create_room(self, event: NamedDependency[Event], data: JSONBody[RoomCreate]) -> RoomOut:
        return await room_services.create_room(event, data)

    @patch("/{room_id:int}", summary="Change a room (organizers)", guards=[requires_organizer])
    async def update_room(
        self,
        event: NamedDependency[Event],
        room_id: FromPath[int],
        data: JSONBody[RoomPatch],
    ) -> RoomOut:
        return await room_services.update_room(event, room_id, data)

    @delete(
        "/{room_id:int}",
        status_code=204,
        summary="Remove a room no published agenda uses (organizers)",
        guards=[requires_organizer],
    )
    async def delete_room(self, event: NamedDependency[Event], room_id: FromPath[int]) -> None:
        await room_services.delete_room(event, room_id)
