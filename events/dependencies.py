"""Who a request is within an event: the token's participant, as Litestar dependencies.

Controllers declare what they need: ``event`` (public), ``viewer`` (anyone or no one),
``participant`` (anyone who joined this event), ``organizer`` (an organizer of this event).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from events.services import get_event
from events.tables import Event, Participant
from unconf.auth import ORGANIZER, SAFE_METHODS, presented_token, same_origin
from unconf.cache import read_cache
from unconf.errors import Forbidden, Unauthorized
from unconf.tokens import hash_token


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], event: Event) -> Participant | None:
    """The participant behind the presented token, or None when no token came with the request."""
    token, from_cookie = presented_token(connection, event.slug)
    unsafe = connection.scope.get("method", "GET") not in SAFE_METHODS
    if token is not None and from_cookie and unsafe and not same_origin(connection):
        raise Forbidden("cross-site request refused: send it from the event's pages", code="csrf_refused")
    if token is None:
        if connection.headers.get("authorization"):
            raise Unauthorized("the Authorization header must be 'Bearer <token>'", field="authorization")
        return None
    if len(token) > 200:
        raise Unauthorized("the token is not valid", field="authorization")
    participant = await Participant.objects().where(Participant.token_hash == hash_token(token)).first()
    if participant is None:
        raise Unauthorized("the token is not valid", field="authorization")
    if participant.event != event.id:
        raise Forbidden("this token belongs to another event", field="authorization")
    return participant


async def provide_event(request: Request[Any, Any, Any], slug: FromPath[str]) -> Event:
    """Reads use the cached row; writes always read it fresh (their rules depend on the phase)."""
    if request.method in SAFE_METHODS:
        return await read_cache.through(slug, "event", lambda: get_event(slug))
    return await get_event(slug)


async def provide_viewer(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Participant | None:
    """Public reads: a token that is not this event's just makes the reader anonymous."""
    try:
        return await authenticate(request, event)
    except (Unauthorized, Forbidden):
        return None


async def provide_participant(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Participant:
    participant = await authenticate(request, event)
    if participant is None:
        raise Unauthorized("join the event first: send 'Authorization: Bearer <token>'", field="authorization")
    return participant


async def provide_organizer(participant: NamedDependency[Participant]) -> Participant:
    if participant.role != ORGANIZER:
        raise Forbidden("only organizers may do this", field="authorization", code="organizers_only")
    return participant


def is_organizer(participant: Participant | None) -> bool:
    return participant is not None and participant.role == ORGANIZER


EVENT_DEPENDENCIES = {
    "event": Provide(provide_event),
    "viewer": Provide(provide_viewer),
    "participant": Provide(provide_participant),
    "organizer": Provide(provide_organizer),
}
