"""In the room or remote: each person says how they take part; hybrid agendas count it.

A person sets only their own; organizers and the optimizer see it (the agenda counts in-person
demand against seats and looks for video rooms for remote crowds). Nobody else does.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from events.tables import Event, Participant
from unconf.database import write_transaction

__all__ = ["ATTENDANCE", "Attendance", "AttendanceOut", "AttendanceSet", "remote_participants", "set_attendance"]

Attendance = Literal["in_room", "remote"]
ATTENDANCE: tuple[Attendance, ...] = ("in_room", "remote")


class AttendanceSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    attendance: Attendance


class AttendanceOut(msgspec.Struct, kw_only=True):
    attendance: Attendance


def attendance_of(participant: Participant) -> AttendanceOut:
    value = participant.attendance if participant.attendance in ATTENDANCE else "in_room"
    return AttendanceOut(attendance=value)  # type: ignore[arg-type]


async def set_attendance(participant: Participant, data: AttendanceSet) -> AttendanceOut:
    async with write_transaction():
        await Participant.update({Participant.attendance: data.attendance}).where(Participant.id == participant.id)
    participant.attendance = data.attendance
    return attendance_of(participant)


async def remote_participants(event_id: int) -> frozenset[int]:
    """Ids of the people who take part remotely."""
    rows = await Participant.select(Participant.id).where(
        (Participant.event == event_id) & (Participant.attendance == "remote")
    )
    return frozenset(r["id"] for r in rows)


async def attendance_counts(event: Event) -> dict[str, int]:
    """How many people are in the room and how many remote: what organizers see."""
    rows = await Participant.select(Participant.attendance).where(Participant.event == event.id)
    counts = {"in_room": 0, "remote": 0}
    for r in rows:
        counts["remote" if r["attendance"] == "remote" else "in_room"] += 1
    return counts
