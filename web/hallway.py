"""The hallway page: a main table and breakout tables, one "Join video" each, the video kept in the page.

Joining goes through ``rooms.hallway.join_table`` (the API's rule too): your presence moves to that
table. Jitsi meetings are shown in the page with Jitsi's IFrame API, whose script comes from the
event's own Jitsi server, and only once someone joins; other providers open in a new tab. Without
JavaScript "Join video" is a plain link to our join redirect (which moves you too) and "I'm here" a
plain form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.response import Redirect, Template

from events import services as event_services
from events.dependencies import event_of, guarded_participant
from rooms import hallway as hallway_services
from rooms import presence
from unconf import i18n
from unconf.errors import NotFound
from unconf.i18n import gettext as _
from unconf.security import PAGE_POLICY
from unconf.validation import in_timezone
from web.common import event_tz, form_fields, is_fetch, page_requires_participant, viewer_or_none
from web.pages import base_context, page, see_other

NO_STORE = {"Cache-Control": "no-store"}


def page_policy(embed_origin: str | None) -> dict[str, str]:
    """Our strict page policy, opened just enough for the event's own Jitsi server (script and frame)."""
    if embed_origin is None:
        return {}
    policy = PAGE_POLICY.replace("script-src 'self'", f"script-src 'self' {embed_origin}")
    policy += f"; frame-src {embed_origin}"
    allow = f'(self "{embed_origin}")'
    return {
        "Content-Security-Policy": policy,
        "Permissions-Policy": f"camera={allow}, microphone={allow}, display-capture={allow}, geolocation=()",
    }


@get("/e/{slug:str}/hallway", name="hallway")
async def hallway_page(request: Request[Any, Any, Any], slug: str) -> Template:
    event = await event_services.get_event(slug)
    me = await viewer_or_none(request, event)
    view = await hallway_services.hallway(event, me)
    tz = event_tz(event)

    def clock(value: datetime | None) -> str:
        return i18n.format_time(in_timezone(value, tz)) if value is not None else ""

    here = next((t for t in view.tables if t.here), None)
    context = base_context(request, event, me, view=view, here=here, clock=clock, nav="hallway")
    return page("hallway.html", context, headers={**NO_STORE, **page_policy(view.embed_origin)})


def _table(value: str) -> int | None:
    """``main`` or ``s:<session id>``, as the page's buttons send them."""
    if value == hallway_services.MAIN_TABLE:
        return None
    raw = value.removeprefix("s:")
    if not value.startswith("s:") or not raw.isdigit() or len(raw) > 10:
        raise NotFound(_("no table {table!r}").format(table=value[:20]), field="table")
    return int(raw)


@post("/e/{slug:str}/hallway/join", name="hallway_join", status_code=303, guards=[page_requires_participant])
async def hallway_join(request: Request[Any, Any, Any], slug: str) -> Response[Any] | Redirect:
    """Take a seat: our script gets what to embed as JSON; a plain form goes straight to the video."""
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    joined = await hallway_services.join_table(event, me, _table(fields.get("table", "")))
    if is_fetch(request):
        return Response(msgspec.to_builtins(joined), media_type=MediaType.JSON, status_code=200, headers=NO_STORE)
    return Redirect(path=joined.url, status_code=303, headers=NO_STORE)


@post("/e/{slug:str}/hallway/here", name="hallway_here", status_code=303, guards=[page_requires_participant])
async def hallway_here(request: Request[Any, Any, Any], slug: str) -> Redirect:
    """ "I'm here" from the hallway: an in-room check-in at that table, then back to the hallway."""
    event, me = await event_of(request, slug), guarded_participant(request)
    fields = await form_fields(request)
    out = await presence.check_in(event, me, _table(fields.get("table", "")))
    return see_other(f"/e/{slug}/hallway", _("You are checked in: {room}.").format(room=out.room_name))


HANDLERS: list[Any] = [hallway_page, hallway_join, hallway_here]
