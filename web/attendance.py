"""The phone's "I take part in the room / remotely" form; the rule is events.attendance's."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, post
from litestar.response import Redirect

from events import attendance
from events.dependencies import event_of, guarded_participant
from unconf.i18n import gettext as _
from web.common import flash_cookie, form_fields, page_requires_participant

__all__ = ["HANDLERS"]


@post("/e/{slug:str}/me/attendance", name="set_attendance", status_code=303, guards=[page_requires_participant])
async def set_attendance(request: Request[Any, Any, Any], slug: str) -> Redirect:
    await event_of(request, slug)
    me = guarded_participant(request)
    fields = await form_fields(request)
    back = request.headers.get("referer", "")
    path = back if back.startswith(f"{request.base_url}e/{slug}") else f"/e/{slug}"
    try:
        data = msgspec.convert({"attendance": fields.get("attendance", "")}, attendance.AttendanceSet)
    except msgspec.ValidationError:
        return Redirect(path=path, status_code=303, cookies=[flash_cookie("!" + _("Choose in the room or remotely."))])
    out = await attendance.set_attendance(me, data)
    said = _("Noted: you take part remotely.") if out.attendance == "remote" else _("Noted: you take part in the room.")
    return Redirect(path=path, status_code=303, cookies=[flash_cookie(said)])


HANDLERS = [set_attendance]
