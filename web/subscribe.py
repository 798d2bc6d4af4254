"""Calendars where people look: subscribe to my sessions (the webcal feed, made on first use) from My agenda.

The feed is made by the same ``exports.services.rotate_feed`` as the API; its secret address is shown
once, on the page this form answers with, and never stored in the clear. Works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.response import Template

from events.dependencies import event_of, guarded_participant
from exports import services as export_services
from web.common import page_requires_participant
from web.pages import base_context, page


@post("/e/{slug:str}/agenda/subscribe", name="agenda_subscribe", status_code=200, guards=[page_requires_participant])
async def agenda_subscribe(request: Request[Any, Any, Any], slug: str) -> Template:
    event, me = await event_of(request, slug), guarded_participant(request)
    feed = await export_services.rotate_feed(event, me)
    context = base_context(request, event, me, feed=feed, nav="agenda")
    return page("subscribe.html", context, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


HANDLERS: list[Any] = [agenda_subscribe]
