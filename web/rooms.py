"""Pages for the day itself: join video (a redirect), session notes, phone check-in, one-step Edcamp.

Server-rendered from ``web/templates`` with the same Jinja environment as every other page.
Forms work without JavaScript.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from events import services as event_services
from events.dependencies import event_of, guarded_participant
from events.tables import Event, Participant
from exports.digest import session_record_markdown
from rooms import hallway, links, presence
from sessions.notes import NoteConflict, NoteSave, read_notes, save_notes
from sessions.services import get_proposal
from unconf import i18n
from unconf.errors import DomainError
from unconf.i18n import gettext as _
from unconf.validation import check_timezone, in_timezone
from web import hallway as hallway_pages
from web import subscribe as subscribe_pages
from web import web_templates
from web.common import (
    PAGE_EXCEPTION_HANDLERS,
    clear_flash,
    flash_cookie,
    form_fields,
    page_requires_participant,
    read_flash,
    viewer_or_none,
)
from web.conversation import chat_context

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def render(request: Request[Any, Any, Any], template: str, status: int = 200, **context: Any) -> Response[str]:
    flash = read_flash(request)
    page = web_templates().get_template(template)
    html = page.render(flash=flash.lstrip("!"), flash_error=flash.startswith("!"), **context)
    cookies = [clear_flash()] if flash else []
    return Response(html, status_code=status, media_type=MediaType.HTML, cookies=cookies, headers=NO_STORE)


def see_other(path: str, message: str = "") -> Redirect:
    return Redirect(path=path, status_code=303, cookies=[flash_cookie(message)] if message else [])


def local(value: datetime | None, event: Event) -> str:
    if value is None:
        return ""
    return i18n.format_time(in_timezone(value, check_timezone(event.timezone)))


# --- join video ----------------------------------------------------------------------------------


async def _join(request: Request[Any, Any, Any], slug: str, proposal_id: int | None) -> Redirect:
    """Sign this person's own link (moderator or attendee), note the join, and send them there."""
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    if me is None:
        return see_other(f"/e/{slug}/join", "!" + _("Join the event first, then tap the video link again."))
    joined = await hallway.join_table(event, me, proposal_id)
    return Redirect(path=joined.url, status_code=303, headers=NO_STORE)


@get("/e/{slug:str}/s/{session:int}/join", name="session_join")
async def session_join(request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]) -> Redirect:
    return await _join(request, slug, session)


@get("/e/{slug:str}/main/join", name="main_join")
async def main_join(request: Request[Any, Any, Any], slug: FromPath[str]) -> Redirect:
    return await _join(request, slug, None)


# --- notes ---------------------------------------------------------------------------------------


async def _notes_page(
    request: Request[Any, Any, Any],
    event: Event,
    session: int,
    *,
    status: int = 200,
    conflict: Any = None,
    mine: str = "",
) -> Response[str]:
    me = await viewer_or_none(request, event)
    notes = conflict if conflict is not None else await read_notes(event, session)
    proposal = await get_proposal(event, session)
    return render(
        request,
        "notes.html",
        status=status,
        event=event,
        me=me,
        proposal=proposal,
        notes=notes,
        conflict=conflict is not None,
        mine=mine,
        join_path=links.join_path(event.slug, session),
        **await chat_context(event, me, proposal.id, f"/e/{event.slug}/s/{proposal.id}/notes"),
    )


@get("/e/{slug:str}/s/{session:int}/notes", name="session_notes")
async def notes_page(request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]) -> Response[str]:
    event = await event_services.get_event(slug)
    return await _notes_page(request, event, session)


@post(
    "/e/{slug:str}/s/{session:int}/notes",
    name="session_notes_save",
    status_code=303,
    guards=[page_requires_participant],
)
async def notes_save(
    request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]
) -> Response[str] | Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    try:
        data = msgspec.convert(
            {"base_revision": int(fields.get("base_revision", "0") or 0), "text": fields.get("text", "")}, NoteSave
        )
    except (ValueError, msgspec.ValidationError) as exc:
        raise DomainError(_("the notes could not be saved: {problem}").format(problem=exc), field="text") from exc
    try:
        await save_notes(event, me, session, data)
    except NoteConflict as exc:
        return await _notes_page(request, event, session, status=409, conflict=exc.current, mine=data.text)
    return see_other(f"/e/{slug}/s/{session}/notes", _("Notes saved."))


@get("/e/{slug:str}/s/{session:int}/notes.md", name="session_notes_export")
async def notes_export(request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]) -> Response[bytes]:
    """The session's notes and its conversation as kept (names as each person chose), in Markdown."""
    event = await event_services.get_event(slug)
    proposal = await get_proposal(event, session)
    body = await session_record_markdown(event, proposal.id, proposal.title)
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{slug}-session-{proposal.id}-notes.md"'},
    )


# --- check-in (rule of two feet) ------------------------------------------------------------------


@get("/e/{slug:str}/s/{session:int}/checkin", name="session_checkin")
async def checkin_page(request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]) -> Response[str]:
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    return await _checkin_page(request, event, me, session)


async def _checkin_page(
    request: Request[Any, Any, Any], event: Event, me: Participant | None, session: int | None
) -> Response[str]:
    placed = await links.placed_sessions(event)
    here = placed.get(session) if session is not None else None
    if session is not None and here is None:
        await get_proposal(event, session)  # 404 for an unknown id; otherwise: not on the agenda
    occupancy = await presence.occupancy(event)
    counts = {s.proposal_id: s.present for s in occupancy.sessions}
    now = datetime.now(UTC)
    current = [s for s in placed.values() if s.starts_at <= now < s.ends_at]
    upcoming = sorted((s for s in placed.values() if s.starts_at > now), key=lambda s: (s.starts_at, s.room.position))
    if current:
        others = current
    else:
        first = upcoming[0].starts_at if upcoming else None
        others = [s for s in upcoming if s.starts_at == first]
    others = sorted(others, key=lambda s: s.room.position)
    where = await presence.where_am_i(event, me) if me is not None else None
    return render(
        request,
        "checkin.html",
        event=event,
        me=me,
        here=here,
        session=session,
        others=others,
        counts=counts,
        where=where,
        time=lambda v: local(v, event),
        join_path=links.join_path,
        notes_path=links.notes_path,
    )


@post(
    "/e/{slug:str}/s/{session:int}/checkin",
    name="session_checkin_submit",
    status_code=303,
    guards=[page_requires_participant],
)
async def checkin_submit(request: Request[Any, Any, Any], slug: FromPath[str], session: FromPath[int]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    out = await presence.check_in(event, me, session)
    return see_other(f"/e/{slug}/s/{session}/checkin", _("You are checked in: {room}.").format(room=out.room_name))


@post("/e/{slug:str}/main/checkin", name="main_checkin", status_code=303, guards=[page_requires_participant])
async def main_checkin(request: Request[Any, Any, Any], slug: FromPath[str]) -> Redirect:
    event, me = await event_of(request, slug), guarded_participant(request)
    await presence.check_in(event, me, None)
    return see_other(f"/e/{slug}/checkin", _("You are checked in: main room."))


@get("/e/{slug:str}/checkin", name="checkin_overview")
async def checkin_overview(request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    return await _checkin_page(request, event, me, None)


ROOM_PAGE_HANDLERS: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            session_join,
            main_join,
            notes_page,
            notes_save,
            notes_export,
            checkin_page,
            checkin_submit,
            main_checkin,
            checkin_overview,
            *hallway_pages.HANDLERS,
            *subscribe_pages.HANDLERS,
        ],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
]
