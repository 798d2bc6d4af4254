"""Time slots of an event, stored in UTC and shown in the event's timezone. No HTTP here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from agenda.schemas import SlotCreate, SlotOut, SlotPatch
from agenda.tables import TimeSlot
from agenda.versions import used_in_published_agenda
from events.services import require_phase
from events.tables import Event
from unconf import live, realtime
from unconf.database import write_transaction
from unconf.errors import Conflict, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import aware, check_id, check_timezone, clean_text, in_timezone, parse_datetime

EDITABLE_PHASES = ("draft", "proposals", "voting", "scheduled", "running")


def slot_out(slot: TimeSlot, tz: ZoneInfo) -> SlotOut:
    return SlotOut(
        id=slot.id,
        starts_at=in_timezone(slot.starts_at, tz),
        ends_at=in_timezone(slot.ends_at, tz),
        kind=cast(Any, slot.kind),
        label=slot.label,
    )


def slot_data(out: SlotOut) -> live.SlotData:
    """A slot as the live messages carry it (the same keys as the API's)."""
    return live.SlotData(id=out.id, starts_at=out.starts_at, ends_at=out.ends_at, kind=out.kind, label=out.label)


async def slot_rows(event: Event) -> list[TimeSlot]:
    return list(await TimeSlot.objects().where(TimeSlot.event == event.id).order_by(TimeSlot.starts_at))


async def slot_starts(event_id: int) -> list[datetime]:
    """When each slot of an event starts (UTC): events asks before moving its dates (``SLOT_STARTS``)."""
    rows = await TimeSlot.select(TimeSlot.starts_at).where(TimeSlot.event == event_id)
    return [aware(row["starts_at"]) for row in rows]


async def list_slots(event: Event) -> list[SlotOut]:
    tz = check_timezone(event.timezone)
    return [slot_out(s, tz) for s in await slot_rows(event)]


async def get_slot(event: Event, slot_id: int) -> TimeSlot:
    check_id(slot_id, "slot_id")
    slot = await TimeSlot.objects().where((TimeSlot.id == slot_id) & (TimeSlot.event == event.id)).first()
    if slot is None:
        raise NotFound(_("no time slot {slot_id} in this event").format(slot_id=slot_id), field="slot_id")
    return slot


async def _check_overlap(event: Event, starts: datetime, ends: datetime, except_id: int | None) -> None:
    for other in await slot_rows(event):
        if other.id == except_id:
            continue
        o_start, o_end = aware(other.starts_at), aware(other.ends_at)
        if starts < o_end and o_start < ends:
            raise Conflict(
                _("overlaps the slot {slot} ({starts}-{ends} UTC)").format(
                    slot=other.label or other.id, starts=f"{o_start:%H:%M}", ends=f"{o_end:%H:%M}"
                ),
                field="starts_at",
                code="slot_overlap",
            )


def _check_span(event: Event, starts: datetime, ends: datetime) -> None:
    if ends <= starts:
        raise ValidationFailed(_("ends_at must be after starts_at"), field="ends_at")
    if (ends - starts).total_seconds() > 24 * 3600:
        raise ValidationFailed(_("a slot lasts at most 24 hours"), field="ends_at")
    day = in_timezone(starts, check_timezone(event.timezone)).date()
    if not event.start_date <= day <= event.end_date:
        if event.end_date != event.start_date:
            detail = _("starts_at falls on {day}, outside the event's dates ({start} to {end})")
        else:
            detail = _("starts_at falls on {day}, outside the event's dates ({start})")
        raise ValidationFailed(detail.format(day=day, start=event.start_date, end=event.end_date), field="starts_at")


async def create_slot(event: Event, data: SlotCreate) -> SlotOut:
    require_phase(event, *EDITABLE_PHASES, action="add time slots")
    tz = check_timezone(event.timezone)
    starts = parse_datetime(data.starts_at, tz, "starts_at")
    ends = parse_datetime(data.ends_at, tz, "ends_at")
    _check_span(event, starts, ends)
    label = clean_text(data.label, "label", max_length=80, required=False) or in_timezone(starts, tz).strftime("%H:%M")
    async with write_transaction():
        await _check_overlap(event, starts, ends, None)
        slot = TimeSlot(event=event.id, starts_at=starts, ends_at=ends, kind=data.kind, label=label)
        await slot.save()
    out = slot_out(slot, tz)
    await realtime.publish(event.slug, live.SlotChanged(data=slot_data(out)))
    return out


async def update_slot(event: Event, slot_id: int, data: SlotPatch) -> SlotOut:
    require_phase(event, *EDITABLE_PHASES, action="change time slots")
    tz = check_timezone(event.timezone)
    slot = await get_slot(event, slot_id)
    starts = parse_datetime(data.starts_at, tz, "starts_at") if data.starts_at else in_timezone(slot.starts_at, UTC)
    ends = parse_datetime(data.ends_at, tz, "ends_at") if data.ends_at else in_timezone(slot.ends_at, UTC)
    _check_span(event, starts, ends)
    changes: dict[Any, Any] = {TimeSlot.starts_at: starts, TimeSlot.ends_at: ends}
    if data.kind is not None and data.kind != slot.kind:
        if data.kind != "breakout" and await used_in_published_agenda(slot=slot.id):
            raise Conflict(_("a published agenda has breakouts in this slot"), field="kind")
        changes[TimeSlot.kind] = data.kind
    if data.label is not None:
        changes[TimeSlot.label] = clean_text(data.label, "label", max_length=80, required=False)
    async with write_transaction():
        await _check_overlap(event, starts, ends, slot.id)
        await TimeSlot.update(changes).where(TimeSlot.id == slot.id)
    out = slot_out(await get_slot(event, slot.id), tz)
    await realtime.publish(event.slug, live.SlotChanged(data=slot_data(out)))
    return out


async def delete_slot(event: Event, slot_id: int) -> None:
    require_phase(event, *EDITABLE_PHASES, action="remove time slots")
    slot = await get_slot(event, slot_id)
    if await used_in_published_agenda(slot=slot.id):
        raise Conflict(_("a published agenda uses this slot; move its sessions and publish first"), field="slot_id")
    await TimeSlot.delete().where(TimeSlot.id == slot.id)
    await realtime.publish(event.slug, live.SlotDeleted(data=live.Removed(id=slot.id)))
