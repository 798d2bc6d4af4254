"""How a request proves who it is: a personal token in a Bearer header or an HttpOnly cookie.

This is the transport half of the one auth check (token, cookie, CSRF, roles); who the token
belongs to is the events domain's to say (``events/dependencies.py``), since it owns participants.
Who may call a route is declared on the route with the guards in ``unconf/guards.py``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlparse

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from unconf.settings import get_settings

COOKIE_PREFIX = "unconf_t_"
TOKEN_MAX_AGE = 60 * 60 * 24 * 90


class Role(StrEnum):
    """A participant's role in one event; the values are what ``Participant.role`` stores."""

    ORGANIZER = "organizer"
    ATTENDEE = "attendee"


class HasRole(Protocol):
    """Anyone holding a role in an event (the events domain's participant), as the core sees them."""

    @property
    def role(self) -> str: ...


def is_organizer(who: HasRole | None) -> bool:
    """For the reads and rules that legitimately vary by role; a route declares who may call it with a guard."""
    return who is not None and who.role == Role.ORGANIZER


def cookie_name(slug: str) -> str:
    return f"{COOKIE_PREFIX}{slug}"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(connection: ASGIConnection[Any, Any, Any, Any], slug: str) -> tuple[str | None, bool]:
    """The token and whether it came from the cookie (which a browser sends on its own)."""
    header = connection.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), False
        return None, False
    return connection.cookies.get(cookie_name(slug)) or None, True


def same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """A cookie-carrying write must come from our own pages (CSRF): Origin or Sec-Fetch-Site says so."""
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = connection.headers.get("origin") or connection.headers.get("referer")
    if not origin:
        return False
    host = connection.headers.get("host", "")
    return urlparse(origin).netloc == host


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The address rate limits count: the peer, or the client a trusted proxy names.

    ``unconf serve`` lets uvicorn read X-Forwarded-For only when the peer is one of
    ``UNCONF_TRUSTED_PROXIES`` (none by default), so a header a client sends itself changes nothing.
    """
    return connection.client.host if connection.client else None


def token_cookie(slug: str, token: str) -> Cookie:
    """The HttpOnly cookie that carries a personal token for one event's pages."""
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
