"""Who a request is within an event: the token's participant, as Litestar dependencies.

Routes declare who may call them with the guards in ``unconf/guards.py``; the guards ask
``who_is_asking`` here (plugged into their port in ``unconf.app.wire``). Controllers then declare
what they need: ``event`` (public), ``viewer`` (anyone or no one), ``participant`` (the one the
route's guard let in; it decides nothing itself).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from events.services import get_event
from events.tables import Event, Participant
from unconf import i18n
from unconf.auth import SAFE_METHODS, presented_token, same_origin
from unconf.cache import access_cache, read_cache
from unconf.errors import Forbidden, Unauthorized
from unconf.guards import GuardMissing, admitted_caller, guarded_caller
from unconf.i18n import gettext as _
from unconf.tokens import hash_token

EVENT_STATE = "unconf.event"
CACHED_EVENT = "cached_event"
"""A route ``opt`` key: this write may start from the cached event row (see ``event_of``)."""


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], event: Event) -> Participant | None:
    """The participant behind the presented token, or None when no token came with the request."""
    token, from_cookie = presented_token(connection, event.slug)
    unsafe = connection.scope.get("method", "GET") not in SAFE_METHODS
    if token is not None and from_cookie and unsafe and not same_origin(connection):
        raise Forbidden(_("cross-site request refused: send it from the event's pages"), code="csrf_refused")
    if token is None:
        if connection.headers.get("authorization"):
            raise Unauthorized(_("the Authorization header must be 'Bearer <token>'"), field="authorization")
        return None
    if len(token) > 200:
        raise Unauthorized(_("the token is not valid"), field="authorization")
    token_hash = hash_token(token)
    cached = access_cache.get(event.slug, token_hash)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    generation = access_cache.generation(event.slug)
    participant = await Participant.objects().where(Participant.token_hash == token_hash).first()
    if participant is None:
        raise Unauthorized(_("the token is not valid"), field="authorization")
    if participant.event != event.id:
        raise Forbidden(_("this token belongs to another event"), field="authorization")
    access_cache.put(event.slug, token_hash, participant, generation)
    return participant


async def event_of(connection: ASGIConnection[Any, Any, Any, Any], slug: str) -> Event:
    """The route's event, read once per request (the guard and the handler share it).

    Reads use the cached row; writes read it fresh (their rules depend on the phase), except on
    routes declaring ``opt={CACHED_EVENT: True}``, whose service reads again, inside its own
    transaction, every rule it depends on (votes: a crowd taps at once).
    """
    event: Event | None = connection.state.get(EVENT_STATE)
    if event is None:
        handler = connection.scope.get("route_handler")
        cached_ok = handler is not None and bool(handler.opt.get(CACHED_EVENT))
        if cached_ok or connection.scope.get("method", "GET") in SAFE_METHODS:
            event = await read_cache.through(slug, "event", lambda: get_event(slug))
        else:
            event = await get_event(slug)
        connection.state[EVENT_STATE] = event
        i18n.apply_event_default(event.language)  # the event's language for people who chose none
    return event


async def who_is_asking(connection: ASGIConnection[Any, Any, Any, Any]) -> Participant | None:
    """The guards' question, answered for the event named by the route's ``slug``."""
    return await authenticate(connection, await event_of(connection, connection.path_params["slug"]))


def guarded_participant(connection: ASGIConnection[Any, Any, Any, Any]) -> Participant:
    """The participant the route's guard let in (for pages, which call this rather than declare it)."""
    caller = guarded_caller(connection)
    if not isinstance(caller, Participant):
        raise GuardMissing(f"{connection.url.path}: the guard let in {caller!r}, not a participant")
    return caller


async def provide_event(request: Request[Any, Any, Any], slug: FromPath[str]) -> Event:
    return await event_of(request, slug)


async def provide_viewer(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Participant | None:
    """Public reads: a token that is not this event's just makes the reader anonymous."""
    admitted = admitted_caller(request)
    if isinstance(admitted, Participant):
        return admitted
    try:
        return await authenticate(request, event)
    except (Unauthorized, Forbidden):
        return None


async def provide_participant(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Participant:
    """Asks for the event (read once, by the guard) so routes that need only the participant keep their
    ``slug`` in the API schema."""
    return guarded_participant(request)


EVENT_DEPENDENCIES = {
    "event": Provide(provide_event),
    "viewer": Provide(provide_viewer),
    "participant": Provide(provide_participant),
}
