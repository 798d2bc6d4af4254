"""Retention: old outbox rows, old presence rows and long-closed events are pruned, once across workers.

Every worker runs the same loop; a lease row in the database (``instance.tables.Lease``) decides which
one prunes each round: taking it is one conditional UPDATE (or the INSERT of the row), so two workers,
or a worker and ``unconf admin prune``, never prune at the same time, on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

import msgspec

from events.tables import Event
from instance import services
from instance.tables import Lease
from notify.tables import Outbox
from rooms.tables import RoomVisit
from unconf import periodic
from unconf.settings import get_settings
from unconf.validation import aware, utcnow

log = logging.getLogger("unconf.retention")
LEASE = "retention"
DAYS_PER_MONTH = 30


class Pruned(msgspec.Struct, kw_only=True):
    outbox_rows: int = 0
    presence_rows: int = 0
    events: list[str] = msgspec.field(default_factory=list)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


async def take_lease(name: str, holder: str, seconds: float, now: datetime | None = None) -> bool:
    """Hold the named lease for ``seconds`` if it is free (or already ours); True when we hold it."""
    now = now or utcnow()
    until = now + timedelta(seconds=seconds)
    taken = (
        await Lease.update({Lease.holder: holder, Lease.until: until})
        .where((Lease.name == name) & ((Lease.until < now) | (Lease.holder == holder)))
        .returning(Lease.id)
    )
    if taken:
        return True
    if await Lease.exists().where(Lease.name == name):
        return False
    try:
        await Lease.insert(Lease(name=name, holder=holder, until=until))
    except Exception:  # another worker inserted it first (unique name): theirs
        return False
    return True


async def release_lease(name: str, holder: str) -> None:
    await Lease.delete().where((Lease.name == name) & (Lease.holder == holder))


def _count(rows: Any) -> int:
    return len(rows) if isinstance(rows, list) else 0


async def prune(now: datetime | None = None) -> Pruned:
    """One round of pruning with the settings' windows; the caller holds the lease."""
    settings = get_settings()
    now = now or utcnow()
    out = Pruned()
    outbox_before = now - timedelta(days=settings.retention_outbox_days)
    gone = (
        await Outbox.delete()
        .where(Outbox.status.is_in(["delivered", "cancelled"]) & (Outbox.finished_at < outbox_before))
        .returning(Outbox.id)
    )
    out.outbox_rows = _count(gone)
    # Presence rows of events whose last day is past the window (their usage is final by then).
    last_day = (now - timedelta(days=settings.retention_presence_days)).date()
    old_events = await Event.select(Event.id).where(Event.end_date < last_day)
    if old_events:
        ids = [row["id"] for row in old_events]
        gone = await RoomVisit.delete().where(RoomVisit.event.is_in(ids)).returning(RoomVisit.id)
        out.presence_rows = _count(gone)
    months = settings.retention_closed_event_months
    if months > 0:
        cutoff = now - timedelta(days=months * DAYS_PER_MONTH)
        for event in await Event.objects().where(Event.end_date < cutoff.date()):
            closed_at = aware(event.updated_at)
            if event.phase == "closed" or (closed_at is not None and closed_at < cutoff):
                await services.delete_event(event.slug, confirm=event.slug)
                out.events.append(event.slug)
    return out


async def prune_once_across_workers(holder: str, hold_seconds: float) -> Pruned | None:
    """Prune if this process takes the lease; None when another one holds it."""
    if not await take_lease(LEASE, holder, hold_seconds):
        return None
    pruned = await prune()
    log.info(
        "retention: pruned %d outbox rows, %d presence rows, %d events",
        pruned.outbox_rows,
        pruned.presence_rows,
        len(pruned.events),
    )
    return pruned


async def _retention_round() -> None:
    # Held for a little less than the interval, so the next round is free to take.
    await prune_once_across_workers(holder_name(), get_settings().retention_interval_seconds * 0.9)


retention_lifespan = periodic.every("retention", _retention_round, lambda: get_settings().retention_interval_seconds)
"""Every worker wakes each ``UNCONF_RETENTION_INTERVAL_SECONDS``; the lease lets one of them prune."""
