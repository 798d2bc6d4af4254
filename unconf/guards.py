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
import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from unconf.auth import SAFE_METHODS, HasRole, Role, is_organizer, same_origin
from unconf.errors import Forbidden, NotFound, Unauthorized
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.ports import Port
from unconf.settings import get_settings

WhoIsAsking = Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[HasRole | None]]

# The token's participant in the route's event, or None when no token came; a token that is not
# valid, or belongs to another event, raises Unauthorized or Forbidden (answered by events).
WHO_IS_ASKING: Port[WhoIsAsking] = Port("unconf.guards.WHO_IS_ASKING")

CALLER_STATE = "unconf.caller"

# Shown in the request's language when a guard refuses (marked here, translated at that moment).
API_JOIN_FIRST = gettext_noop("join the event first: send 'Authorization: Bearer <token>'")
ORGANIZERS_ONLY = gettext_noop("only organizers may do this")


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

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        caller = await self._who_is_asking(connection)
        if caller is None:
            raise Unauthorized(_(self.join_first), field="authorization")
        if self.role is Role.ORGANIZER and not is_organizer(caller):
            raise Forbidden(_(self.not_allowed), field="authorization", code="organizers_only")
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


OPERATOR_COOKIE = "unconf_operator"
OPERATOR_COOKIE_PATH = "/operator"


def operator_token_matches(token: str | None) -> bool:
    """Whether ``token`` is the instance operator's (``UNCONF_ADMIN_TOKEN``), compared in constant time.

    Settings keep only the token's SHA-256; the presented token is hashed and the digests compared,
    so neither the token nor its length shows in timing.
    """
    expected = get_settings().admin_token_sha256
    if not expected or not token:
        return False
    presented = hashlib.sha256(token.strip().encode()).hexdigest()
    return hmac.compare_digest(presented.encode(), expected.encode())


def presented_operator_token(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str | None, bool]:
    """The Bearer token, or the operator page's HttpOnly cookie, and whether it came from the cookie."""
    header = connection.headers.get("authorization", "")
    if header:
        scheme, _sep, value = header.partition(" ")
        return (value.strip() or None, False) if scheme.lower() == "bearer" else (None, False)
    return connection.cookies.get(OPERATOR_COOKIE) or None, True


class OperatorGuard:
    """A Litestar guard: the caller holds the instance operator's token (``UNCONF_ADMIN_TOKEN``).

    The operator runs the instance (tiers, limits, suspensions, usage); the token belongs to no event.
    The API takes it as a Bearer token; with ``cookie`` (the operator page) the page's HttpOnly cookie
    also counts, and a write carrying only the cookie must come from our own pages (CSRF).
    Without the setting there is no operator API or page at all (404).
    """

    def __init__(self, *, cookie: bool = False) -> None:
        self.cookie = cookie

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if not get_settings().admin_token_sha256:
            raise NotFound(_("this instance has no operator API (UNCONF_ADMIN_TOKEN is not set)"))
        token, from_cookie = presented_operator_token(connection)
        if from_cookie and not self.cookie:
            token = None
        if not token:
            raise Unauthorized(
                _("the instance operator only: send 'Authorization: Bearer <operator token>'"), field="authorization"
            )
        if not operator_token_matches(token):
            raise Forbidden(_("only the instance operator may do this"), field="authorization", code="operator_only")
        if from_cookie and connection.scope.get("method", "GET") not in SAFE_METHODS and not same_origin(connection):
            raise Forbidden(_("this form must be sent from the operator page"), field="origin", code="cross_site")

    def __repr__(self) -> str:
        return f"OperatorGuard(cookie={self.cookie})"


class MetricsGuard(OperatorGuard):
    """``/metrics``: the operator's token, or a peer in ``UNCONF_METRICS_ALLOW`` (a Prometheus on the
    private network). Closed to everyone else by default. The address is the client's as uvicorn saw it,
    after forwarded headers from ``UNCONF_TRUSTED_PROXIES`` only, so a made-up header does not open it."""

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        allowed = get_settings().metrics_allow
        host = connection.client.host if connection.client else None
        if allowed and host:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                address = None
            if address is not None and any(address in ipaddress.ip_network(n, strict=False) for n in allowed):
                return
        await super().__call__(connection, handler)

    def __repr__(self) -> str:
        return "MetricsGuard()"


requires_operator = OperatorGuard()
requires_metrics_reader = MetricsGuard()
requires_operator_page = OperatorGuard(cookie=True)


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
