"""HTTP for events, phases and joining: thin, the rules live in services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody

from unconf import ratelimit
from unconf.auth import EVENT_DEPENDENCIES, client_address, cookie_name, is_organizer
from unconf.events import services
from unconf.events.schemas import (
    EventCreate,
    EventCreated,
    EventOut,
    EventPatch,
    Joined,
    JoinRequest,
    Me,
    ParticipantPrivate,
    PhaseChange,
)
from unconf.settings import get_settings
from unconf.tables import Event, Participant

TOKEN_MAX_AGE = 60 * 60 * 24 * 90


def links(slug: str, join_code: str) -> tuple[str, str]:
    base = get_settings().public_url
    return f"{base}/e/{slug}/join?code={join_code}", f"{base}/e/{slug}/board"


def token_cookie(slug: str, token: str) -> Cookie:
    secure = get_settings().public_url.startswith("https://")
    return Cookie(
        key=cookie_name(slug),
        value=token,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=TOKEN_MAX_AGE,
        path="/",
    )


class EventController(Controller):
    path = "/api/v1/events"
    tags = ["events"]
    dependencies = EVENT_DEPENDENCIES

    @post("/", status_code=201, summary="Create an event; the organizer key is shown only in this answer")
    async def create_event(self, request: Request[Any, Any, Any], data: JSONBody[EventCreate]) -> EventCreated:
        await ratelimit.check("create_event", address=client_address(request))
        event, organizer, key = await services.create_event(data)
        join_link, board_url = links(event.slug, event.join_code)
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

    @patch("/{slug:str}", summary="Change an event's details or dot settings (organizers)")
    async def update_event(
        self, event: NamedDependency[Event], organizer: NamedDependency[Participant], data: JSONBody[EventPatch]
    ) -> EventOut:
        return services.event_out(await services.update_event(event, data), with_join_code=True)

    @post("/{slug:str}/phase", status_code=200, summary="Move the event to its next (or previous) phase")
    async def change_phase(
        self, event: NamedDependency[Event], organizer: NamedDependency[Participant], data: JSONBody[PhaseChange]
    ) -> EventOut:
        return services.event_out(await services.change_phase(event, data), with_join_code=True)

    @post("/{slug:str}/join", status_code=201, summary="Join with the event's code and a display name")
    async def join_event(
        self, request: Request[Any, Any, Any], event: NamedDependency[Event], data: JSONBody[JoinRequest]
    ) -> Response[Joined]:
        await ratelimit.check("join", address=client_address(request))
        joined = await services.join_event(event, data)
        return Response(joined, status_code=201, cookies=[token_cookie(event.slug, joined.token)])

    @get("/{slug:str}/me", summary="Who I am in this event and how many dots I have left")
    async def read_me(self, event: NamedDependency[Event], participant: NamedDependency[Participant]) -> Me:
        spent = await services.dots_spent(event.id, participant.id)
        return Me(
            participant=services.participant_private(participant),
            event=services.event_out(event, with_join_code=True),
            dots_left=max(0, event.dots_per_participant - spent),
        )

    @get("/{slug:str}/participants", summary="Everyone in the event, with emails (organizers)")
    async def list_participants(
        self, event: NamedDependency[Event], organizer: NamedDependency[Participant]
    ) -> list[ParticipantPrivate]:
        assert is_organizer(organizer)
        return await services.list_participants(event)
