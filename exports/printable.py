"""Print-friendly pages: a door sign per room and a one-page agenda (A4 or US Letter). No HTTP here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from exports.qr import inline_svg
from exports.render import render_template
from exports.schedule import Item, Schedule
from unconf.errors import ValidationFailed

Paper = Literal["a4", "letter"]


def check_paper(value: str) -> Paper:
    lowered = value.lower()
    if lowered == "a4":
        return "a4"
    if lowered == "letter":
        return "letter"
    raise ValidationFailed("paper must be 'a4' or 'letter'", field="paper")


def door_sign(schedule: Schedule, room_id: int, paper: Paper) -> bytes:
    room = schedule.room(room_id)
    sessions = [
        (i, inline_svg(schedule.session_url(i.proposal_id), label="QR code to the session page"))
        for i in schedule.live
        if i.room.id == room.id
    ]
    return render_template(
        "door_sign.html", schedule=schedule, room=room, sessions=sessions, paper=paper, orientation="portrait"
    )


def agenda_grid(schedule: Schedule) -> list[tuple[date, list[tuple[tuple[datetime, datetime], dict[int, list[Item]]]]]]:
    """Days -> time rows -> room id -> sessions, for a table with one column per room."""
    days: dict[date, dict[tuple[datetime, datetime], dict[int, list[Item]]]] = {}
    for item in schedule.live:
        row = days.setdefault(item.starts_at.date(), {}).setdefault((item.starts_at, item.ends_at), {})
        row.setdefault(item.room.id, []).append(item)
    return [(day, sorted(rows.items())) for day, rows in sorted(days.items())]


def agenda_page(schedule: Schedule, paper: Paper) -> bytes:
    rooms = sorted({i.room.id: i.room for i in schedule.live}.values(), key=lambda r: (r.position, r.id))
    orientation = "landscape" if len(rooms) > 4 else "portrait"
    return render_template(
        "agenda_print.html",
        schedule=schedule,
        rooms=rooms,
        days=agenda_grid(schedule),
        paper=paper,
        orientation=orientation,
    )
