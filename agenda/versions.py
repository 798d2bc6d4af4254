"""Which agenda versions exist and which one is the day's: the small questions every other module asks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agenda.tables import AgendaVersion, Placement
from events.tables import Event
from unconf.ports import Port

SESSION_VIDEO_LINKS: Port[Callable[[int], Awaitable[dict[int, str]]]] = Port("agenda's session video links")
"""Proposal id → the public "Join video" URL, for an event id; the rooms domain answers it."""


async def has_published_agenda(event_id: int) -> bool:
    return await AgendaVersion.exists().where((AgendaVersion.event == event_id) & (AgendaVersion.status == "published"))


async def used_in_published_agenda(*, room: int | None = None, slot: int | None = None) -> bool:
    condition = Placement.agenda.status == "published"
    if room is not None:
        condition &= Placement.room == room
    if slot is not None:
        condition &= Placement.slot == slot
    return await Placement.exists().where(condition)


async def latest_published(event: Event) -> AgendaVersion | None:
    return (
        await AgendaVersion.objects()
        .where((AgendaVersion.event == event.id) & (AgendaVersion.status == "published"))
        .order_by(AgendaVersion.version, ascending=False)
        .first()
    )


async def latest_published_id(event_id: int) -> int | None:
    """The id of the day's agenda: the highest published version."""
    row = (
        await AgendaVersion.select(AgendaVersion.id)
        .where((AgendaVersion.event == event_id) & (AgendaVersion.status == "published"))
        .order_by(AgendaVersion.version, ascending=False)
        .first()
    )
    return int(row["id"]) if row else None
