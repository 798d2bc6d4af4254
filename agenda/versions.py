"""Which agenda versions exist and which one is the day's: the small questions every other module asks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from agenda.tables import AgendaVersion, Placement
from events.tables import Event
from unconf.ports import Port
from unconf.validation import aware

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


@dataclass(frozen=True)
class PublishedPlaces:
    """Where each session sat in one published version: the history calendars derive moves from."""

    version: int
    published_at: datetime
    places: dict[int, tuple[int, int]]
    """Proposal id → (slot id, room id) of its first run."""
    repeats: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Proposal id → (slot id, room id) of its repeat, for the sessions that run twice."""


async def published_history(event_id: int) -> list[PublishedPlaces]:
    """Every published version of an event, oldest first, with its placements."""
    versions = list(
        await AgendaVersion.objects()
        .where((AgendaVersion.event == event_id) & (AgendaVersion.status == "published"))
        .order_by(AgendaVersion.version)
    )
    if not versions:
        return []
    places: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    repeats: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in await Placement.select(
        Placement.agenda, Placement.proposal, Placement.slot, Placement.room, Placement.run
    ).where(Placement.agenda.is_in([v.id for v in versions])):
        runs = repeats if row["run"] == 2 else places
        runs[row["agenda"]][row["proposal"]] = (row["slot"], row["room"])
    history = []
    for number, v in enumerate(versions, start=1):
        published_at = aware(v.published_at or v.created_at)
        assert published_at is not None
        history.append(
            PublishedPlaces(
                version=v.version or number, published_at=published_at, places=places[v.id], repeats=repeats[v.id]
            )
        )
    return history
