"""Print-friendly pages: a door sign per room and a one-page agenda (A4 or US Letter). No HTTP here.

Both are in the event's language (the routes and the registry set it) with dates and times written by
Babel on the event's clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from exports.qr import inline_svg
from exports.render import render_template
from exports.schedule import Item, Plenary, Schedule
from unconf.errors import ValidationFailed
from unconf.i18n import gettext as _

Paper = Literal["a4", "letter"]


def check_paper(value: str) -> Paper:
    lowered = value.lower()
    if lowered == "a4":
        return "a4"
    if lowered == "letter":
        return "letter"
    raise ValidationFailed(_("paper must be 'a4' or 'letter'"), field="paper")


def door_sign(schedule: Schedule, room_id: int, paper: Paper) -> bytes:
    room = schedule.room(room_id)
    sessions = [
        (i, inline_svg(schedule.checkin_url(i.proposal_id), label=_("QR code: check in to this session")))
        for i in schedule.live
        if i.room.id == room.id
    ]
    return render_template(
        "door_sign.html", schedule=schedule, room=room, sessions=sessions, paper=paper, orientation="portrait"
    )


Row = tuple[tuple[datetime, datetime], dict[int, list[Item]], Plenary | None]


def agenda_grid(schedule: Schedule) -> list[tuple[date, list[Row]]]:
    """Days -> time rows -> room id -> sessions, for a table with one column per room.

    Plenaries (opening, lunch, closing) are rows of their own, across every room.
    """
    days: dict[date, dict[tuple[datetime, datetime], dict[int, list[Item]]]] = {}
    together: dict[tuple[datetime, datetime], Plenary] = {}
    for item in schedule.live:
        row = days.setdefault(item.starts_at.date(), {}).setdefault((item.starts_at, item.ends_at), {})
        row.setdefault(item.room.id, []).append(item)
    for plenary in schedule.plenaries:
        days.setdefault(plenary.starts_at.date(), {}).setdefault((plenary.starts_at, plenary.ends_at), {})
        together[(plenary.starts_at, plenary.ends_at)] = plenary
    return [
        (day, [(times, cells, together.get(times)) for times, cells in sorted(rows.items())])
        for day, rows in sorted(days.items())
    ]


def agenda_page(schedule: Schedule, paper: Paper) -> bytes:
    # Every room of the agenda keeps its column, even one with nothing in it yet (people look for it).
    rooms = sorted(schedule.rooms, key=lambda r: (r.position, r.id))
    orientation = "landscape" if len(rooms) > 4 else "portrait"
    return render_template(
        "agenda_print.html",
        schedule=schedule,
        rooms=rooms,
        days=agenda_grid(schedule),
        paper=paper,
        orientation=orientation,
    )
