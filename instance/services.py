"""What the instance operator does, once: the API, ``unconf admin`` and the operator page all call these."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any, cast

import msgspec
from piccolo.query.functions.aggregate import Count, Max
from piccolo.table import Table

from agenda.tables import Room
from events import services as events
from events.schemas import Phase
from events.tables import Event, Participant
from events.tiers import LIMIT_NAMES, TIERS, tier_of
from instance.schemas import Deleted, EventRow, LimitsChange, UsageRow, UsageTotals
from rooms.metering import usage_report
from rooms.tables import RoomVisit
from sessions.tables import Proposal
from unconf import realtime
from unconf.csvsafe import defuse_formula
from unconf.errors import Conflict, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import ngettext
from unconf.validation import aware, utcnow
from voting.tables import Vote

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _count_by_event(table: type[Table]) -> dict[int, int]:
    event_column = table._meta.get_column_by_name("event")
    rows = await table.select(event_column.as_alias("event_id"), Count(alias="n")).group_by(event_column)
    return {int(r["event_id"]): int(r["n"]) for r in rows}


async def _latest_by_event(table: type[Table], column_name: str) -> dict[int, datetime]:
    event_column = table._meta.get_column_by_name("event")
    column = table._meta.get_column_by_name(column_name)
    rows = await table.select(event_column.as_alias("event_id"), Max(column, alias="at")).group_by(event_column)
    return {int(r["event_id"]): _as_time(r["at"]) for r in rows if r["at"] is not None}


def _as_time(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite's MAX over a timestamp column answers text
        value = datetime.fromisoformat(value)
    return cast(datetime, aware(value))


def _row(event: Event, participants: int, rooms: int, last: datetime) -> EventRow:
    tier = tier_of(event)
    return EventRow(
        slug=event.slug,
        title=event.title,
        tier=event.tier,
        phase=cast(Phase, event.phase),
        start_date=event.start_date,
        participants=participants,
        rooms=rooms,
        max_participants=tier.max_participants,
        max_rooms=tier.max_rooms,
        limits_set_by_operator=any(getattr(event, name) is not None for name in LIMIT_NAMES),
        suspended=event.suspended_at is not None,
        last_activity=last,
    )


async def list_events() -> list[EventRow]:
    """Every event with its tier, size and last activity (the latest change, join, proposal, vote or visit),
    most recently active first. A handful of grouped queries, whatever the number of events."""
    rows = await Event.objects().order_by(Event.id)
    people = await _count_by_event(Participant)
    rooms = await _count_by_event(Room)
    latest: list[dict[int, datetime]] = [
        await _latest_by_event(Participant, "created_at"),
        await _latest_by_event(Proposal, "created_at"),
        await _latest_by_event(Vote, "updated_at"),
        await _latest_by_event(RoomVisit, "started_at"),
    ]
    out = []
    for event in rows:
        times = [aware(event.updated_at) or EPOCH, *(found[event.id] for found in latest if event.id in found)]
        out.append(_row(event, people.get(event.id, 0), rooms.get(event.id, 0), max(times)))
    out.sort(key=lambda row: (row.last_activity, row.slug), reverse=True)
    return out


async def event_row(slug: str) -> EventRow:
    event = await events.get_event_even_suspended(slug)
    for row in await list_events():
        if row.slug == event.slug:
            return row
    raise AssertionError("an event that exists is listed")  # pragma: no cover


async def change_limits(slug: str, change: LimitsChange) -> EventRow:
    """Set an event's tier and/or its own limits (``null`` goes back to the tier's).

    A limit below what the event already holds is refused (409): lowering it would not remove anyone,
    and the event would silently sit over its limit.
    """
    event = await events.get_event_even_suspended(slug)
    if change.tier is not None and change.tier not in TIERS:
        raise ValidationFailed(
            _("unknown tier {tier!r}; tiers: {tiers}").format(tier=change.tier, tiers=", ".join(TIERS)), field="tier"
        )
    held = {
        "max_participants": await Participant.count().where(Participant.event == event.id),
        "max_rooms": await Room.count().where(Room.event == event.id),
    }
    updates: dict[Any, Any] = {}
    for name in LIMIT_NAMES:
        value = getattr(change, name)
        if value is msgspec.UNSET:
            continue
        if value is not None and value < held[name]:
            if name == "max_rooms":
                problem = ngettext(
                    "the event already has {held} room; a limit of {limit} is below that",
                    "the event already has {held} rooms; a limit of {limit} is below that",
                    held[name],
                )
            else:
                problem = ngettext(
                    "the event already has {held} participant; a limit of {limit} is below that",
                    "the event already has {held} participants; a limit of {limit} is below that",
                    held[name],
                )
            raise Conflict(problem.format(held=held[name], limit=value), field=name)
        updates[Event._meta.get_column_by_name(name)] = value
    if change.tier is not None and change.tier != event.tier:
        await events.set_tier(event.slug, change.tier)
    if updates:
        updates[Event.updated_at] = utcnow()
        await Event.update(updates).where(Event.id == event.id)
        await realtime.forget(event.slug)
    return await event_row(event.slug)


async def set_suspended(slug: str, suspended: bool) -> EventRow:
    """Suspend an event (every page, API route and live socket answers 403 ``event_suspended``) or resume it.

    Nothing is deleted; resuming gives the event back as it was.
    """
    event = await events.get_event_even_suspended(slug)
    if (event.suspended_at is not None) != suspended:
        await Event.update({Event.suspended_at: utcnow() if suspended else None}).where(Event.id == event.id)
        await realtime.forget(event.slug)
    return await event_row(event.slug)


async def delete_event(slug: str, *, confirm: str) -> Deleted:
    """Delete an event and every row of its data (each table's rows go with the event, ON DELETE CASCADE).

    ``confirm`` must repeat the slug: a deletion cannot be undone (only a backup brings it back).
    """
    event = await events.get_event_even_suspended(slug)
    if confirm != event.slug:
        raise ValidationFailed(
            _("to delete {slug!r} and all its data, confirm with its slug ({slug!r})").format(slug=event.slug),
            field="confirm",
        )
    people = await Participant.count().where(Participant.event == event.id)
    await Event.delete().where(Event.id == event.id)
    await realtime.forget(event.slug)
    return Deleted(slug=event.slug, participants=people)


async def usage_across(now: datetime | None = None) -> UsageTotals:
    """Every event's metered usage (video and check-in person-minutes), whatever its tier."""
    now = now or utcnow()
    rows = []
    for event in await Event.objects().order_by(Event.slug):
        report = await usage_report(event, now)
        rows.append(
            UsageRow(
                slug=event.slug,
                title=event.title,
                tier=event.tier,
                video_joins=sum(line.video_joins for line in report.lines),
                checkins=sum(line.checkins for line in report.lines),
                video_person_minutes=report.video_person_minutes,
                checkin_person_minutes=sum(line.checkin_person_minutes for line in report.lines),
                price_cents=report.price_cents,
            )
        )
    return UsageTotals(
        events=rows,
        video_person_minutes=sum(r.video_person_minutes for r in rows),
        checkin_person_minutes=sum(r.checkin_person_minutes for r in rows),
        price_cents=sum(r.price_cents for r in rows),
    )


USAGE_COLUMNS = (
    "event",
    "title",
    "tier",
    "video_joins",
    "checkins",
    "video_person_minutes",
    "checkin_person_minutes",
    "price_cents",
)


def usage_csv(totals: UsageTotals) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(USAGE_COLUMNS)
    for r in totals.events:
        writer.writerow(
            [
                r.slug,
                defuse_formula(r.title),
                r.tier,
                r.video_joins,
                r.checkins,
                r.video_person_minutes,
                r.checkin_person_minutes,
                r.price_cents,
            ]
        )
    writer.writerow(
        ["total", "", "", "", "", totals.video_person_minutes, totals.checkin_person_minutes, totals.price_cents]
    )
    return buffer.getvalue()
