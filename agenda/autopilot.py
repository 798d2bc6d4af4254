"""Autopilot for the hour: the organizer sets the timeline once, the service keeps it.

Proposals close and voting opens at ``proposals_until``; at ``voting_until`` voting closes
and the agenda is built; at ``publish_at`` it is published unless an organizer holds it for
review. The timeline lives in the database and every step is claimed with a conditional
update, so a restart resumes it and several workers never do a step twice.
"""

from __future__ import annotations

import itertools
import logging
from datetime import datetime
from typing import Any

import msgspec

from agenda.schemas import AutopilotOut, AutopilotSet, BuildRequest
from agenda.services import build_agenda, publish_agenda
from agenda.tables import Autopilot
from events.services import announce_phase, phase_word
from events.tables import Event
from unconf import live, periodic, realtime
from unconf.errors import DomainError, NotFound, ValidationFailed
from unconf.i18n import gettext as _
from unconf.validation import aware, check_timezone, in_timezone, parse_datetime, utcnow

log = logging.getLogger("unconf.autopilot")
TICK_SECONDS = 1.0


def _next_step(row: Autopilot, phase: str) -> str | None:
    if row.proposals_until and phase in ("draft", "proposals"):
        return _("open voting")
    if row.voting_until and phase == "voting" and row.built_at is None:
        return _("close voting and build the agenda")
    if row.publish_at and row.built_at and row.published_at is None and not row.hold_for_review:
        return _("publish the agenda")
    if row.hold_for_review and row.built_at and row.published_at is None:
        return _("waiting for an organizer to publish")
    return None


def autopilot_out(row: Autopilot, event: Event) -> AutopilotOut:
    tz = check_timezone(event.timezone)
    return AutopilotOut(
        proposals_until=in_timezone(row.proposals_until, tz),
        voting_until=in_timezone(row.voting_until, tz),
        publish_at=in_timezone(row.publish_at, tz),
        hold_for_review=row.hold_for_review,
        time_limit=row.time_limit,
        voting_closed_at=in_timezone(row.voting_closed_at, tz),
        built_at=in_timezone(row.built_at, tz),
        published_at=in_timezone(row.published_at, tz),
        last_error=row.last_error,
        next_step=_next_step(row, event.phase),
    )


async def read_autopilot(event: Event) -> AutopilotOut:
    row = await Autopilot.objects().where(Autopilot.event == event.id).first()
    if row is None:
        raise NotFound(_("no autopilot is set for this event"), field="autopilot")
    return autopilot_out(row, event)


async def set_autopilot(event: Event, data: AutopilotSet) -> AutopilotOut:
    tz = check_timezone(event.timezone)
    times: dict[str, datetime | None] = {}
    for name in ("proposals_until", "voting_until", "publish_at"):
        text = getattr(data, name)
        times[name] = parse_datetime(text, tz, name) if text else None
    order = [(n, t) for n, t in times.items() if t is not None]
    for (first, a), (second, b) in itertools.pairwise(order):
        if b < a:
            raise ValidationFailed(
                _("{second} must not be before {first}").format(second=second, first=first), field=second
            )
    if event.phase in ("scheduled", "running", "closed"):
        raise ValidationFailed(
            _("the event is already {phase}; the autopilot runs the morning up to publishing").format(
                phase=phase_word(event.phase)
            ),
            field="phase",
        )
    now = utcnow()
    values: dict[Any, Any] = {
        Autopilot.proposals_until: times["proposals_until"],
        Autopilot.voting_until: times["voting_until"],
        Autopilot.publish_at: times["publish_at"],
        Autopilot.hold_for_review: data.hold_for_review,
        Autopilot.time_limit: data.time_limit,
        Autopilot.voting_closed_at: None,
        Autopilot.built_at: None,
        Autopilot.published_at: None,
        Autopilot.last_error: "",
        Autopilot.updated_at: now,
    }
    existing = await Autopilot.objects().where(Autopilot.event == event.id).first()
    if existing is None:
        await Autopilot.insert(Autopilot(event=event.id, **{col._meta.name: v for col, v in values.items()}))
    else:
        await Autopilot.update(values).where(Autopilot.id == existing.id)
    # The board's countdown shows the deadline of the phase we are in.
    deadline = {"proposals": times["proposals_until"], "voting": times["voting_until"]}.get(event.phase)
    if deadline is not None:
        await Event.update({Event.phase_ends_at: deadline}).where(Event.id == event.id)
    out = await read_autopilot(await _event(event.id))
    planned = msgspec.convert(out, live.AutopilotData, from_attributes=True)
    await realtime.publish(event.slug, live.AutopilotChanged(data=planned))
    return out


async def clear_autopilot(event: Event) -> None:
    deleted = await Autopilot.delete().where(Autopilot.event == event.id).returning(Autopilot.id)
    if not deleted:
        raise NotFound(_("no autopilot is set for this event"), field="autopilot")
    await realtime.publish(event.slug, live.AutopilotChanged(data=None))


async def _event(event_id: int) -> Event:
    event = await Event.objects().where(Event.id == event_id).first()
    if event is None:
        raise NotFound(_("the event is gone"), field="slug")
    return event


async def _claim(row_id: int, column: Any, now: datetime) -> bool:
    """Mark a step done if nobody did yet; only one worker gets True."""
    claimed = (
        await Autopilot.update({column: now})
        .where((Autopilot.id == row_id) & (column.is_null()))
        .returning(Autopilot.id)
    )
    return bool(claimed)


async def run_due_steps(now: datetime | None = None) -> int:
    """Do every step whose time has come; returns how many were done."""
    now = now or utcnow()
    done = 0
    for row in await Autopilot.objects():
        event = await Event.objects().where(Event.id == row.event).first()
        if event is None:
            continue
        proposals_until, voting_until = aware(row.proposals_until), aware(row.voting_until)
        publish_at = aware(row.publish_at)
        try:
            if event.phase == "proposals" and proposals_until and proposals_until <= now:
                # Conditional on the phase, so one worker moves it and a restart does not move it twice.
                moved = (
                    await Event.update(
                        {Event.phase: "voting", Event.phase_ends_at: voting_until, Event.updated_at: now}
                    )
                    .where((Event.id == event.id) & (Event.phase == "proposals"))
                    .returning(Event.id)
                )
                event = await _event(event.id)
                if moved:
                    await announce_phase(event)
                    done += 1
            if event.phase == "voting" and voting_until and voting_until <= now and row.built_at is None:
                if await _claim(row.id, Autopilot.voting_closed_at, now):
                    await realtime.publish(event.slug, live.VotingClosed(data=live.ClosedData(at=now.isoformat())))
                await build_agenda(event, BuildRequest(time_limit=row.time_limit))
                if await _claim(row.id, Autopilot.built_at, utcnow()):
                    row.built_at = utcnow()
                    await Autopilot.update({Autopilot.last_error: ""}).where(Autopilot.id == row.id)
                    done += 1
            if (
                row.built_at is not None
                and publish_at
                and publish_at <= now
                and not row.hold_for_review
                and row.published_at is None
                and event.phase == "voting"
                and await _claim(row.id, Autopilot.published_at, now)
            ):
                await publish_agenda(event)
                done += 1
        except DomainError as exc:
            if exc.detail != row.last_error:
                log.warning("autopilot for %s: %s", event.slug, exc.detail)
                await Autopilot.update({Autopilot.last_error: exc.detail[:2000]}).where(Autopilot.id == row.id)
                await realtime.publish(event.slug, live.AutopilotFailed(data=live.ErrorData(detail=exc.detail)))
    return done


autopilot_lifespan = periodic.every("autopilot", run_due_steps, lambda: TICK_SECONDS)
"""The clock of every event's timeline, in every worker (each step is taken once: see ``run_due_steps``)."""
