"""HTTP for events, phases and joining: thin, the rules live in services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, WebSocket, get, patch, post, put, websocket
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events import attendance, services
from events.attendance import AttendanceOut, AttendanceSet, attendance_of
from events.dependencies import EVENT_DEPENDENCIES, authenticate
from events.schemas import (
    EventCreate,
    EventCreated,
    EventOut,
    EventPatch,
    Joined,
    JoinRequest,
    ParticipantPrivate,
    ParticipantsRemoved,
    PhaseChange,
    RemoveParticipants,
)
from events.tables import Event, Participant
from unconf import live, ratelimit, realtime
from unconf.auth import client_address, token_cookie
from unconf.errors import DomainError
from unconf.guards import requires_organizer, requires_participant
from unconf.security import NO_STORE


class EventController(Controller):
    path = "/api/v1/events"
    tags = ["events"]
    dependencies = EVENT_DEPENDENCIES

    @post(
        "/",
        status_code=201,
        cache_control=NO_STORE,
        summary="Create an event; the organizer key is shown only in this answer",
    )
    async def create_event(self, request: Request[Any, Any, Any], data: JSONBody[EventCreate]) -> EventCreated:
        await ratelimit.check("create_event", address=client_address(request))
        event, organizer, key = await services.create_event(data)
        join_link, board_url = services.links(event.slug, event.join_code)
        return EventCreated(
            event=services.event_out(event, with_join_code=True),
            organizer=services.participant_private(organizer),
            organizer_key=key,
            join_link=join_link,
            board_url=board_url,
        )

    @get("/{slug:str}", summary="An event; its join code only for people in it")
    async def read_event(self, event: NamedDependency[Event], viewer: NamedDependency[Participant | None]) -> EventOut:
        return services.event_out(event, with_join_code=viewer is not None)

    @patch("/{slug:str}", guards=[requires_organizer], summary="Change an event's details or dot settings (organizers)")
    async def update_event(self, event: NamedDependency[Event], data: JSONBody[EventPatch]) -> EventOut:
        return services.event_out(await services.update_event(event, data), with_join_code=True)

    @post(
        "/{slug:str}/phase",
        status_code=200,
        guards=[requires_organizer],
        summary="Move the event to its next (or previous) phase",
    )
    async def change_phase(self, event: NamedDependency[Event], data: JSONBody[PhaseChange]) -> EventOut:
        return services.event_out(await services.change_phase(event, data), with_join_code=True)

    @post(
        "/{slug:str}/join",
        status_code=201,
        cache_control=NO_STORE,
        summary="Join with the event's code and a display name",
    )
    async def join_event(
        self, request: Request[Any, Any, Any], event: NamedDependency[Event], data: JSONBody[JoinRequest]
    ) -> Response[Joined]:
        await ratelimit.check("join", address=client_address(request))
        joined = await services.join_event(event, data)
        return Response(joined, status_code=201, cookies=[token_cookie(event.slug, joined.token)])

    @get(
        "/{slug:str}/participants",
        guards=[requires_organizer],
        summary="Everyone in the event, with emails (organizers)",
    )
    async def list_participants(self, event: NamedDependency[Event]) -> list[ParticipantPrivate]:
        return await services.list_participants(event)

    @post(
        "/{slug:str}/participants/remove",
        status_code=200,
        guards=[requires_organizer],
        summary="Remove people, all or none: their tokens, dots and facilitations end (organizers)",
    )
    async def remove_participants(
        self,
        event: NamedDependency[Event],
        participant: NamedDependency[Participant],
        data: JSONBody[RemoveParticipants],
    ) -> ParticipantsRemoved:
        return await services.remove_participants(event, data, by=participant)

    @post(
        "/{slug:str}/join-code",
        status_code=200,
        guards=[requires_organizer],
        cache_control=NO_STORE,
        summary="A new join code; the old one stops working at once (organizers)",
    )
    async def rotate_join_code(self, event: NamedDependency[Event]) -> EventOut:
        return services.event_out(await services.rotate_join_code(event), with_join_code=True)


@websocket("/api/v1/events/{slug:str}/live")
async def live_updates(socket: WebSocket[Any, Any, Any], slug: FromPath[str]) -> None:
    """Stream this event's changes; the first message says hello so clients know they are live."""
    await socket.accept()
    async with realtime.tracked_socket(socket):
        try:
            event = await services.get_event(slug)
        except DomainError:
            await realtime.refuse_live(socket, slug)
            return
        try:
            # A token that is not valid here still gets the public stream; only the per-address cap counts it.
            person = await authenticate(socket, event)
        except DomainError:
            person = None
        await realtime.stream_live(
            socket,
            event.slug,
            live.Greeting(phase=event.phase),
            address=client_address(socket),
            person=str(person.id) if person is not None else None,
        )


class AttendanceController(Controller):
    """I am in the room, or remote: only the person sets their own."""

    path = "/api/v1/events/{slug:str}/me/attendance"
    tags = ["events"]
    dependencies = EVENT_DEPENDENCIES
    guards = [requires_participant]

    @get("/", summary="Whether I take part in the room or remotely")
    async def read_attendance(self, participant: NamedDependency[Participant]) -> AttendanceOut:
        return attendance_of(participant)

    @put("/", summary="Say whether I take part in the room or remotely")
    async def set_attendance(
        self, participant: NamedDependency[Participant], data: JSONBody[AttendanceSet]
    ) -> AttendanceOut:
        return await attendance.set_attendance(participant, data)
