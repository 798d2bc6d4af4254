"""Who may call a route, declared on the route: Litestar guards over the one ``Role`` type.

A handler, controller or router says ``guards=[requires_organizer]`` (or ``requires_participant``),
so no check hangs on a parameter's name. Who a token belongs to is the events domain's to say: it
answers through the ``WHO_IS_ASKING`` port, plugged in ``unconf.app.wire``. A guard that lets a
caller in keeps them on ``connection.state``, where the route's dependencies pick them up without
a second lookup.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from unconf.auth import HasRole, Role, is_organizer
from unconf.errors import Forbidden, NotFound, Unauthorized
from unconf.ports import Port
from unconf.settings import get_settings

WhoIsAsking = Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[HasRole | None]]

# The token's participant in the route's event, or None when no token came; a token that is not
# valid, or belongs to another event, raises Unauthorized or Forbidden (answered by events).
WHO_IS_ASKING: Port[WhoIsAsking] = Port("unconf.guards.WHO_IS_ASKING")

CALLER_STATE = "unconf.caller"

API_JOIN_FIRST = "join the event first: send 'Authorization: Bearer <token>'"
ORGANIZERS_ONLY = "only organizers may do this"


class GuardMissing(RuntimeError):
    """A handler asked for the guarded caller on a route that declares no guard: a wiring bug."""


class RoleGuard:
    """A Litestar guard: the caller joined the route's event and, if ``role`` is set, holds that role.

    The words of a refusal are the surface's own (the API names the header, pages say "join first");
    the codes and fields are the same everywhere. With ``unrecognised_is_anonymous`` a token that is
    not valid here counts as no token, as it does on public reads.
    """

    def __init__(
        self,
        role: Literal[Role.ORGANIZER] | None,
        *,
        join_first: str = API_JOIN_FIRST,
        not_allowed: str = ORGANIZERS_ONLY,
        unrecognised_is_anonymous: bool = False,
    ) -> None:
        self.role = role
        self.join_first = join_first
        self.not_allowed = not_allowed
        self.unrecognised_is_anonymous = unrecognised_is_anonymous

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        caller = await self._who_is_asking(connection)
        if caller is None:
            raise Unauthorized(self.join_first, field="authorization")
        if self.role is Role.ORGANIZER and not is_organizer(caller):
            raise Forbidden(self.not_allowed, field="authorization", code="organizers_only")
        connection.state[CALLER_STATE] = caller

    async def _who_is_asking(self, connection: ASGIConnection[Any, Any, Any, Any]) -> HasRole | None:
        if not self.unrecognised_is_anonymous:
            return await WHO_IS_ASKING.call(connection)
        try:
            return await WHO_IS_ASKING.call(connection)
        except (Unauthorized, Forbidden):
            return None

    def __repr__(self) -> str:
        return f"RoleGuard({self.role or 'participant'})"


requires_participant = RoleGuard(None)
requires_organizer = RoleGuard(Role.ORGANIZER)


class OperatorGuard:
    """A Litestar guard: the caller holds the instance operator's key (``UNCONF_OPERATOR_KEY``), as a Bearer token.

    The operator runs the instance (sets tiers); the key belongs to no event. Without the setting there
    is no operator API at all (404). The key is compared in constant time, as SHA-256 digests so that
    not even its length shows.
    """

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        key = get_settings().operator_key
        if not key:
            raise NotFound("this instance has no operator API (UNCONF_OPERATOR_KEY is not set)")
        scheme, _sep, value = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized(
                "the instance operator only: send 'Authorization: Bearer <operator key>'", field="authorization"
            )
        presented = hashlib.sha256(value.strip().encode()).digest()
        if not hmac.compare_digest(presented, hashlib.sha256(key.encode()).digest()):
            raise Forbidden("only the instance operator may do this", field="authorization", code="operator_only")

    def __repr__(self) -> str:
        return "OperatorGuard()"


requires_operator = OperatorGuard()


def guarded_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> HasRole:
    """The caller this route's guard let in; only the guard decides who that may be."""
    caller = admitted_caller(connection)
    if caller is None:
        raise GuardMissing(f"{connection.url.path} reads the caller but its route declares no guard")
    return caller


def admitted_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> HasRole | None:
    """The caller a guard already let in on this request, if any (public reads reuse it)."""
    caller: HasRole | None = connection.state.get(CALLER_STATE)
    return caller
