"""Helpers every page shares: who is looking, friendly HTML errors, flash messages, the join QR code."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import msgspec
from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions import NotFoundException as RouteNotFound

from events.dependencies import authenticate
from events.services import links
from events.tables import Event, Participant
from exports.qr import inline_svg
from unconf.auth import Role, cookie_name, same_origin
from unconf.errors import (
    DomainError,
    ErrorBody,
    Forbidden,
    NotFound,
    Unauthorized,
    domain_error_response,
    error_response,
    field_at_fault,
)
from unconf.guards import RoleGuard
from unconf.i18n import gettext_noop
from unconf.validation import check_timezone, utcnow
from web import web_templates

log = logging.getLogger("web")

FLASH_COOKIE = "unconf_flash"
FETCH_HEADER = "x-unconf-fetch"

PHASE_LABELS = {
    "draft": gettext_noop("Getting ready"),
    "proposals": gettext_noop("Proposals open"),
    "voting": gettext_noop("Voting"),
    "scheduled": gettext_noop("Agenda published"),
    "running": gettext_noop("Sessions running"),
    "closed": gettext_noop("Closed"),
}

PHASE_HINTS = {
    "draft": gettext_noop("The organizers are still setting up. Joining opens soon."),
    "proposals": gettext_noop("Propose a session you would like to lead or join. Voting comes next."),
    "voting": gettext_noop("Put your dots on the sessions you want to attend."),
    "scheduled": gettext_noop("The agenda is published. Here is where to go."),
    "running": gettext_noop("Sessions are running. Here is where to go."),
    "closed": gettext_noop("This event is over. Thank you for coming!"),
}


def is_fetch(request: Request[Any, Any, Any]) -> bool:
    """Our own JavaScript marks its requests; plain forms get redirects, scripts get JSON."""
    return request.headers.get(FETCH_HEADER) == "1"


async def viewer_or_none(request: Request[Any, Any, Any], event: Event) -> Participant | None:
    """On page views a stale or foreign cookie just means 'not joined', never an error page."""
    try:
        return await authenticate(request, event)
    except (Unauthorized, Forbidden):
        return None


async def viewer_for_write(request: Request[Any, Any, Any], event: Event) -> Participant | None:
    """For posts that need no token (join, sign-in): still only from our own pages, and a stale
    cookie is no reason to refuse. Uses the one ``authenticate`` and its same-origin rule."""
    if not same_origin(request):
        raise Forbidden("cross-site request refused: send it from the event's pages", code="csrf_refused")
    try:
        return await authenticate(request, event)
    except Unauthorized:
        return None


# Form posts are guarded like API calls (the one ``authenticate``, which also refuses cross-site
# cookie writes); pages ask people to join rather than to send a header.
PAGE_JOIN_FIRST = "join the event first to do this"
page_requires_participant = RoleGuard(None, join_first=PAGE_JOIN_FIRST)
page_requires_organizer = RoleGuard(Role.ORGANIZER, join_first=PAGE_JOIN_FIRST)


async def participant_for_key(event: Event, key: str) -> Participant | None:
    """Check a pasted organizer key with the same ``authenticate`` the API uses (as a Bearer token)."""
    key = key.strip()
    if not key or not key.isascii() or len(key) > 200 or any(c.isspace() for c in key):
        return None
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"authorization", f"Bearer {key}".encode())],
        "app": None,
    }
    try:
        return await authenticate(ASGIConnection(scope), event)  # type: ignore[arg-type]
    except (Unauthorized, Forbidden):
        return None


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted form as plain strings (first value of each name); pages validate what they need."""
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def flash_cookie(message: str) -> Cookie:
    return Cookie(key=FLASH_COOKIE, value=quote(message[:300]), httponly=True, samesite="lax", max_age=60, path="/")


def read_flash(request: Request[Any, Any, Any]) -> str:
    raw = request.cookies.get(FLASH_COOKIE, "")
    return unquote(raw)[:300] if raw else ""


def clear_flash() -> Cookie:
    return Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="lax")


def clear_token(slug: str) -> Cookie:
    return Cookie(key=cookie_name(slug), value="", max_age=0, path="/", httponly=True, samesite="lax")


def join_url(event: Event) -> str:
    return links(event.slug, event.join_code)[0]


def short_url(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def join_qr(link: str) -> str:
    """The join link as an inline SVG for the board and the "event created" page (the board's own
    padding adds to the two-module quiet zone)."""
    return inline_svg(link, label="QR code to join", border=2)


def local_now(event: Event) -> datetime:
    return utcnow().astimezone(check_timezone(event.timezone))


def event_tz(event: Event) -> ZoneInfo:
    return check_timezone(event.timezone)


_TITLES = {
    400: "That did not work",
    401: "Please join first",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    409: "Not possible right now",
    413: "Too much at once",
}


def _render_error(
    request: Request[Any, Any, Any], exc: Exception, status: int, detail: str, code: str
) -> Response[Any]:
    if is_fetch(request):
        if isinstance(exc, DomainError):
            return domain_error_response(exc)
        return error_response(status, ErrorBody(error=code, detail=detail, field=field_at_fault(exc)))
    slug = request.path_params.get("slug") if request.scope.get("path_params") else None
    if isinstance(exc, NotFound) and exc.field == "slug":
        slug = None  # the event itself is missing: "back to the event" would lead to this page again
    try:
        template = web_templates().get_template("error.html")
        html = template.render(
            status=status,
            title=_TITLES.get(status, "Something went wrong"),
            detail=detail,
            code=code,
            slug=slug if isinstance(slug, str) and len(slug) <= 64 else None,
        )
    except Exception:  # the error page itself must not fail
        log.exception("could not render the error page")
        html = f"<!doctype html><html lang='en'><title>Error</title><p>{status}</p></html>"
    return Response(html, status_code=status, media_type=MediaType.HTML)


def page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """HTML pages answer every failure with a friendly page in the same words the API uses."""
    if isinstance(exc, DomainError):
        return _render_error(request, exc, exc.status_code, exc.detail, exc.code)
    if isinstance(exc, ValidationException):
        detail = "some of the form fields are missing or not valid"
        return _render_error(request, exc, 400, detail, "validation_failed")
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = exc.detail if status != 404 else "there is no such page"
        return _render_error(request, exc, status, detail or "request refused", "http_error")
    if isinstance(exc, msgspec.ValidationError):
        return _render_error(request, exc, 400, str(exc), "validation_failed")
    log.exception("unhandled error on page %s %s", request.method, request.url.path, exc_info=exc)
    return _render_error(request, exc, 500, "an unexpected error happened; it has been logged", "internal_error")


PAGE_EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: page_error,
    ValidationException: page_error,
    NotAuthorizedException: page_error,
    PermissionDeniedException: page_error,
    RouteNotFound: page_error,
    HTTPException: page_error,
    msgspec.ValidationError: page_error,
    Exception: page_error,
}
