"""Which live messages become notices, and what a notice says when the worker fans it out. No HTTP here.

``dispatch`` is subscribed to the realtime bus in ``unconf.app.wire()``: a phase opening, an
agenda published or changed becomes one outbox row (once, whatever repeats). The scan queues a
``session.starting`` notice for webhooks a few minutes before each published session.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import msgspec

from agenda.schemas import AgendaOut, SessionOut
from agenda.services import read_agenda
from agenda.tables import TimeSlot
from events.tables import Event
from notify.outbox import insert_new, notice_row
from notify.webhooks import listening, page_url
from unconf import i18n, live
from unconf.errors import NotFound
from unconf.i18n import gettext as _
from unconf.validation import aware as _aware
from unconf.validation import check_timezone, in_timezone, utcnow

log = logging.getLogger("notify")

STARTING_SOON = timedelta(minutes=5)
# Phase changes that become notices; every other live message is ignored at once.
PHASE_NOTICES = {"proposals": "proposals.open", "voting": "voting.open", "closed": "event.closed"}


class Notice(NamedTuple):
    kind: str
    payload: dict[str, Any]
    dedupe: str
    """The suffix of the row's dedupe key: what makes a repeat of the same notice a no-op."""


def notice_for(message: live.LiveMessage) -> Notice | None:
    """Which notice a live message becomes, if any. No I/O."""
    match message:
        case live.PhaseChanged(data=changed):
            notice = PHASE_NOTICES.get(changed.phase)
            if notice is None:
                return None
            # Once per event: undoing and redoing a phase does not announce it twice.
            return Notice(notice, {"ends_at": msgspec.to_builtins(changed.phase_ends_at)}, notice)
        case live.AgendaPublished(data=published):
            if published.version < 1:
                return None
            if published.version == 1:
                return Notice("agenda.published", {"version": 1}, "agenda.published")
            return Notice("agenda.changed", {"version": published.version}, f"agenda.changed:{published.version}")
    return None


async def dispatch(message: live.LiveMessage) -> None:
    """Turn a change announced by ``realtime.publish`` into one outbox row. Fast, and never raises."""
    try:
        notice = notice_for(message)
        if notice is None:
            return
        row = await Event.select(Event.id).where(Event.slug == message.event).first()
        if row is None:
            return
        key = f"notice:{row['id']}:{notice.dedupe}"
        await insert_new([notice_row(row["id"], notice.kind, notice.payload, dedupe_key=key)])
    except Exception:  # a notification must never undo or fail the change that caused it
        log.exception("could not queue a notice for %s %s", live.type_of(type(message)), message.event)


# -- what a notice says -----------------------------------------------------------------------------------------------


def session_dict(slug: str, s: SessionOut) -> dict[str, Any]:
    return {
        "proposal_id": s.proposal_id,
        "title": s.title,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "room": s.room_name,
        "room_id": s.room_id,
        "facilitators": [f.display_name for f in s.facilitators],
        "ics_url": page_url(slug, f"/s/{s.proposal_id}.ics"),
    }


def local_iso(value: Any, event: Event) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return in_timezone(moment, check_timezone(event.timezone)).isoformat()


async def notice_data(event: Event, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of a notice, read from the database when the worker fans it out."""
    if kind == "proposals.open":
        return {
            "ends_at": local_iso(payload.get("ends_at"), event),
            "proposals_url": page_url(event.slug, "/proposals"),
        }
    if kind == "voting.open":
        return {"ends_at": local_iso(payload.get("ends_at"), event), "vote_url": page_url(event.slug, "/vote")}
    if kind in ("agenda.published", "agenda.changed"):
        version = int(payload["version"])
        agenda = await read_agenda(event, version=version)
        data: dict[str, Any] = {
            "version": version,
            "agenda_url": page_url(event.slug, "/agenda"),
            "ics_url": page_url(event.slug, "/agenda.ics"),
            "sessions": [session_dict(event.slug, s) for s in agenda.sessions],
        }
        if kind == "agenda.changed":
            data["changes"] = await changes_since_previous(event, version, agenda)
        return data
    if kind == "event.closed":
        return {"digest_url": page_url(event.slug, "/export/digest.html")}
    if kind == "session.starting":
        return dict(payload)
    return dict(payload)


async def changes_since_previous(event: Event, version: int, agenda: AgendaOut) -> list[dict[str, Any]]:
    """What moved, appeared or disappeared since the previous published version.

    A session may run twice (a repeat for a crowd): each run is compared with the same run before, so a
    repeat that comes or goes reads as that, never as its first run moving.
    """
    try:
        before = {(s.proposal_id, s.run): s for s in (await read_agenda(event, version=version - 1)).sessions}
    except NotFound:
        before = {}
    after = {(s.proposal_id, s.run): s for s in agenda.sessions}
    tz = check_timezone(event.timezone)

    def at(moment: datetime) -> str:
        return i18n.format_time(moment, tz)

    changes: list[dict[str, Any]] = []
    for (pid, run), s in after.items():
        old = before.get((pid, run))
        label = _("{title} (repeat)").format(title=s.title) if run > 1 else s.title
        if old is None:
            added = (
                _("repeat added: {title} at {time} in {room}") if run > 1 else _("added: {title} at {time} in {room}")
            )
            text = added.format(title=s.title, time=at(s.starts_at), room=s.room_name)
            changes.append({"proposal_id": pid, "run": run, "change": "added", "text": text})
        elif (old.slot_id, old.room_id) != (s.slot_id, s.room_id):
            text = _("moved: {title} from {old_time} {old_room} to {time} {room}").format(
                title=label, old_time=at(old.starts_at), old_room=old.room_name, time=at(s.starts_at), room=s.room_name
            )
            changes.append({"proposal_id": pid, "run": run, "change": "moved", "text": text})
    for (pid, run), old in before.items():
        if (pid, run) not in after:
            if run > 1:
                text = _("repeat removed: {title} at {time}").format(title=old.title, time=at(old.starts_at))
            else:
                text = _("removed: {title}").format(title=old.title)
            changes.append({"proposal_id": pid, "run": run, "change": "removed", "text": text})
    return changes


# -- sessions starting soon ------------------------------------------------------------------------------------------


async def scan_starting_sessions(now: datetime | None = None) -> int:
    """Queue a notice for each published session whose slot starts within five minutes; once per session."""
    now = now or utcnow()
    slots = await TimeSlot.select(TimeSlot.id, TimeSlot.event, TimeSlot.starts_at).where(
        (TimeSlot.starts_at > now) & (TimeSlot.starts_at <= now + STARTING_SOON)
    )
    by_event: dict[int, dict[int, datetime]] = {}
    for slot in slots:
        by_event.setdefault(slot["event"], {})[slot["id"]] = _aware(slot["starts_at"]) or now
    queued = 0
    for event_id, starts in by_event.items():
        if not await listening(event_id, "session.starting"):
            continue
        event = await Event.objects().where(Event.id == event_id).first()
        if event is None or event.phase not in ("scheduled", "running"):
            continue
        try:
            agenda = await read_agenda(event)
        except NotFound:
            continue
        rows = []
        for s in agenda.sessions:
            if s.slot_id not in starts:
                continue
            minutes = max(1, round((starts[s.slot_id] - now).total_seconds() / 60))
            data = session_dict(event.slug, s) | {
                "room": {"id": s.room_id, "name": s.room_name, "video_link": s.video_link},
                "minutes": minutes,
                "session_url": page_url(event.slug, f"/s/{s.proposal_id}"),
            }
            key = f"starting:{event.id}:{s.proposal_id}:{s.slot_id}:{s.room_id}:{starts[s.slot_id].isoformat()}"
            rows.append(notice_row(event.id, "session.starting", data, dedupe_key=key))
        queued += await insert_new(rows)
    return queued
