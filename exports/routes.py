"""Route handlers of the exports package (registered by the app factory): thin, no formats here.

Every file answer carries its Content-Type, a filename, an ETag and (where known) a
Last-Modified, and answers conditional requests with 304 so polling calendar apps stay cheap.

Note on paths: Litestar merges path parameters at the same position, so ``/e/{slug}/s/{name}``
(which serves ``<id>.ics``) and a page at ``/e/{slug}/s/{proposal_id:int}`` cannot both be
registered; whichever comes last wins silently. So the web layer owns ``/e/{slug}/s/{name}``
(``web/pages.py``: a number is the session's page) and hands names ending in ``.ics`` to
``session_ics_response`` here (likewise ``room_ics_response`` for ``/e/{slug}/rooms/{ref}``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, Parameter

from agenda.rooms import get_room
from events.dependencies import EVENT_DEPENDENCIES
from events.tables import Event, Participant
from exports import calendars, qr, services
from exports.ical import MEDIA_TYPE as ICS
from exports.openapi import file_operation
from exports.printable import check_paper, door_sign
from exports.registry import REGISTRY, ExportContext, Rendered
from exports.render import render_template
from exports.schedule import load_schedule
from sessions.services import get_proposal
from unconf import i18n
from unconf.auth import Role
from unconf.errors import DomainError, NotFound, Unauthorized, domain_error_response
from unconf.guards import RoleGuard, requires_participant
from unconf.i18n import gettext as _
from unconf.security import NO_STORE
from unconf.settings import get_settings
from unconf.validation import aware


class ExportInfo(msgspec.Struct, kw_only=True):
    identifier: str
    name: str
    url: str
    media_type: str
    access: str


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified(request: Request[Any, Any, Any], etag: str, modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only otherwise."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        return modified.replace(microsecond=0) <= aware(since)
    return False


def file_response(request: Request[Any, Any, Any], rendered: Rendered) -> Response[bytes]:
    etag = _etag(rendered.body)
    # Litestar appends "; charset=utf-8" to text/* types itself.
    media_type = rendered.media_type.split(";")[0] if rendered.media_type.startswith("text/") else rendered.media_type
    disposition = "inline" if rendered.inline else "attachment"
    headers = {
        "ETag": etag,
        "Content-Disposition": f'{disposition}; filename="{rendered.filename}"',
        "Cache-Control": ("private" if rendered.private else "public") + ", no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    if rendered.private:
        headers["Vary"] = "Authorization, Cookie"
    if rendered.last_modified is not None:
        headers["Last-Modified"] = format_datetime(rendered.last_modified.astimezone(UTC), usegmt=True)
    if _not_modified(request, etag, rendered.last_modified):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=rendered.body, status_code=200, headers=headers, media_type=media_type)


# Organizer-only exports keep their own words, and a token that is not valid here counts as none.
ORGANIZER_EXPORT = RoleGuard(
    Role.ORGANIZER,
    join_first="organizers only: send 'Authorization: Bearer <token>'",
    not_allowed="only organizers may download this export",
    unrecognised_is_anonymous=True,
)


async def requires_export_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The guard of ``/export/{identifier}``: each export names its access in the registry."""
    exporter = REGISTRY.get(connection.path_params["identifier"])
    if exporter is not None and exporter.access == "organizer":
        await ORGANIZER_EXPORT(connection, handler)


async def _run_exporter(
    identifier: str, request: Request[Any, Any, Any], event: Event, viewer: Participant | None
) -> Response[bytes]:
    exporter = REGISTRY.get(identifier)
    if exporter is None:
        raise NotFound(
            _("no export {identifier}; see {url}").format(
                identifier=repr(identifier[:40]), url=f"/api/v1/events/{event.slug}/exports"
            ),
            field="identifier",
        )
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    return file_response(request, await exporter.render(ExportContext(event=event, viewer=viewer, params=params)))


ICS_OPERATION = file_operation(ICS, description="An iCalendar file")
HTML_OPERATION = file_operation("text/html", description="A print-friendly page (A4 or US Letter)")
QR_OPERATION = file_operation(*qr.MEDIA_TYPES.values(), description="A QR code: SVG, or PNG with ?format=png")


# -- public files of the published agenda ------------------------------------------------------------------------


@get(
    "/e/{slug:str}/agenda.ics",
    operation_class=ICS_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="Whole agenda (iCalendar)",
)
async def agenda_ics(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Response[bytes]:
    return await _run_exporter("agenda.ics", request, event, None)


@get(
    "/e/{slug:str}/schedule.xml",
    operation_class=file_operation("application/xml", description="frab/c3voc schedule.xml"),
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="frab schedule.xml",
)
async def schedule_xml(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Response[bytes]:
    return await _run_exporter("schedule.xml", request, event, None)


@get(
    "/e/{slug:str}/schedule.json",
    operation_class=file_operation("application/json", description="c3voc schedule.json"),
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="c3voc schedule.json",
)
async def schedule_json(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Response[bytes]:
    return await _run_exporter("schedule.json", request, event, None)


@get(
    "/e/{slug:str}/rooms/{name:str}",
    operation_class=ICS_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="One room (<id>.ics)",
)
async def room_ics(
    request: Request[Any, Any, Any], event: NamedDependency[Event], name: FromPath[str]
) -> Response[bytes]:
    return await room_ics_response(request, event, name)


async def room_ics_response(request: Request[Any, Any, Any], event: Event, name: str) -> Response[bytes]:
    room_id = calendars.id_from_filename(name, "room_id")
    return file_response(request, await calendars.room_calendar(event, room_id))


async def session_ics_response(request: Request[Any, Any, Any], event: Event, name: str) -> Response[bytes]:
    proposal_id = calendars.id_from_filename(name, "proposal_id")
    return file_response(request, await calendars.session_calendar(event, proposal_id))


@get(
    "/e/{slug:str}/export/{identifier:str}",
    operation_class=file_operation(*(e.media_type for e in REGISTRY.values()), description="The export"),
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="Any registered export by name (organizer-only ones need the organizer's token)",
    guards=[requires_export_access],
)
async def export_file(
    request: Request[Any, Any, Any],
    event: NamedDependency[Event],
    viewer: NamedDependency[Participant | None],
    identifier: FromPath[str],
) -> Response[bytes]:
    return await _run_exporter(identifier, request, event, viewer)


@get("/api/v1/events/{slug:str}/exports", dependencies=EVENT_DEPENDENCIES, tags=["exports"], summary="Every export")
async def list_exports(event: NamedDependency[Event]) -> list[ExportInfo]:
    base = get_settings().public_url
    return [
        ExportInfo(
            identifier=e.identifier,
            name=e.verbose_name,
            url=f"{base}/e/{event.slug}/export/{e.identifier}",
            media_type=e.media_type,
            access=e.access,
        )
        for e in REGISTRY.values()
    ]


# -- printable pages and QR codes --------------------------------------------------------------------------------


@get(
    "/e/{slug:str}/print/agenda",
    operation_class=HTML_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="One-page agenda",
)
async def print_agenda(request: Request[Any, Any, Any], event: NamedDependency[Event]) -> Response[bytes]:
    i18n.show_in(event.language)  # printed material is in the event's language
    return await _run_exporter("agenda.html", request, event, None)


@get(
    "/e/{slug:str}/print/rooms/{room_id:int}",
    operation_class=HTML_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="Door sign",
)
async def print_door_sign(
    request: Request[Any, Any, Any],
    event: NamedDependency[Event],
    room_id: FromPath[int],
    paper: str = Parameter(query="paper", default="a4", max_length=10),
) -> Response[bytes]:
    size = check_paper(paper)
    i18n.show_in(event.language)
    schedule = await load_schedule(event)
    body = door_sign(schedule, room_id, size)
    rendered = Rendered(
        body, "text/html; charset=utf-8", f"{event.slug}-room-{room_id}.html", schedule.last_modified, inline=True
    )
    return file_response(request, rendered)


def _qr_response(request: Request[Any, Any, Any], data: str, fmt: str, filename: str, private: bool) -> Response[bytes]:
    kind = qr.check_format(fmt)
    rendered = Rendered(
        qr.qr_code(data, kind), qr.MEDIA_TYPES[kind], f"{filename}.{kind}", inline=True, private=private
    )
    return file_response(request, rendered)


@get(
    "/e/{slug:str}/qr/join",
    operation_class=QR_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="QR of the join link",
    guards=[requires_participant],
)
async def qr_join(
    request: Request[Any, Any, Any],
    event: NamedDependency[Event],
    fmt: str = Parameter(query="format", default="svg", max_length=10),
) -> Response[bytes]:
    """Only for people in the event: the join link carries the join code."""
    link = f"{get_settings().public_url}/e/{event.slug}/join?code={event.join_code}"
    return _qr_response(request, link, fmt, f"{event.slug}-join", private=True)


@get(
    "/e/{slug:str}/qr/s/{proposal_id:int}",
    operation_class=QR_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="QR: session",
)
async def qr_session(
    request: Request[Any, Any, Any],
    event: NamedDependency[Event],
    proposal_id: FromPath[int],
    fmt: str = Parameter(query="format", default="svg", max_length=10),
) -> Response[bytes]:
    proposal = await get_proposal(event, proposal_id)
    link = f"{get_settings().public_url}/e/{event.slug}/s/{proposal.id}"
    return _qr_response(request, link, fmt, f"{event.slug}-session-{proposal.id}", private=False)


@get(
    "/e/{slug:str}/qr/rooms/{room_id:int}",
    operation_class=QR_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="QR: room",
)
async def qr_room(
    request: Request[Any, Any, Any],
    event: NamedDependency[Event],
    room_id: FromPath[int],
    fmt: str = Parameter(query="format", default="svg", max_length=10),
) -> Response[bytes]:
    room = await get_room(event, room_id)
    link = f"{get_settings().public_url}/e/{event.slug}/print/rooms/{room.id}"
    return _qr_response(request, link, fmt, f"{event.slug}-room-{room.id}", private=False)


# -- personal calendars, feeds and stars --------------------------------------------------------------------------


def _me_ics_refused(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A browser without a sign-in gets a page saying how to get the calendar; apps keep the JSON error."""
    slug = request.path_params.get("slug", "") if request.scope.get("path_params") else ""
    browser = "text/html" in request.headers.get("accept", "")
    if exc.status_code != 401 or not browser or not isinstance(slug, str) or len(slug) > 64:
        return domain_error_response(exc)
    body = render_template("me_ics_help.html", slug=slug)
    return Response(body, status_code=401, media_type="text/html", headers={"Cache-Control": "no-store"})


@get(
    "/e/{slug:str}/me.ics",
    exception_handlers={Unauthorized: _me_ics_refused},
    operation_class=ICS_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="My sessions (token/cookie)",
    guards=[requires_participant],
)
async def my_calendar(
    request: Request[Any, Any, Any], event: NamedDependency[Event], participant: NamedDependency[Participant]
) -> Response[bytes]:
    return file_response(request, await calendars.personal_calendar(event, participant, feed=False))


@get(
    "/e/{slug:str}/feed/{name:str}",
    operation_class=ICS_OPERATION,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="Subscription feed",
)
async def feed_calendar(
    request: Request[Any, Any, Any], event: NamedDependency[Event], name: FromPath[str]
) -> Response[bytes]:
    """No login: the unguessable secret in the URL is the credential (revocable by its owner)."""
    if not name.endswith(".ics"):
        raise NotFound(_("no such calendar feed (it may have been revoked)"), field="secret")
    owner = await services.feed_owner(event, name.removesuffix(".ics"))
    return file_response(request, await calendars.personal_calendar(event, owner, feed=True))


@get(
    "/api/v1/events/{slug:str}/feed",
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="My feed's status",
    guards=[requires_participant],
)
async def read_feed(participant: NamedDependency[Participant]) -> services.FeedStatus:
    return await services.feed_status(participant)


@post(
    "/api/v1/events/{slug:str}/feed",
    status_code=201,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="Create or rotate my subscription feed; the secret URL is shown only in this answer",
    guards=[requires_participant],
    cache_control=NO_STORE,
)
async def rotate_feed(event: NamedDependency[Event], participant: NamedDependency[Participant]) -> services.FeedCreated:
    return await services.rotate_feed(event, participant)


@delete(
    "/api/v1/events/{slug:str}/feed",
    status_code=204,
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    guards=[requires_participant],
)
async def revoke_feed(event: NamedDependency[Event], participant: NamedDependency[Participant]) -> None:
    """Revoke my subscription feed: its URL answers 404 from now on."""
    await services.revoke_feed(event, participant)


@get(
    "/api/v1/events/{slug:str}/stars",
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    summary="My stars",
    guards=[requires_participant],
)
async def list_stars(participant: NamedDependency[Participant]) -> list[int]:
    return await services.my_stars(participant)


@put(
    "/api/v1/events/{slug:str}/stars/{proposal_id:int}",
    dependencies=EVENT_DEPENDENCIES,
    tags=["exports"],
    guards=[requires_participant],
)
async def star(
    event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
) -> services.StarOut:
    """Star a session for my personal calendar (idempotent)."""
    return await services.set_star(event, participant, proposal_id, True)


@delete(
    "/api/v1/events/{slug:str}/stars/{proposal_id:int}", status_code=200, dependencies=EVENT_DEPENDENCIES,
    tags=["exports"], guards=[requires_participant],
)  # fmt: skip
async def unstar(
    event: NamedDependency[Event], participant: NamedDependency[Participant], proposal_id: FromPath[int]
) -> services.StarOut:
    """Remove my star (idempotent)."""
    return await services.set_star(event, participant, proposal_id, False)


EXPORT_HANDLERS: list[Any] = [
    agenda_ics,
    schedule_xml,
    schedule_json,
    room_ics,
    export_file,
    list_exports,
    print_agenda,
    print_door_sign,
    qr_join,
    qr_session,
    qr_room,
    my_calendar,
    feed_calendar,
    read_feed,
    rotate_feed,
    revoke_feed,
    list_stars,
    star,
    unstar,
]
