"""Usage metering: video person-minutes per session from joins and check-ins, and the usage report.

A video visit starts at a join and ends at the person's next join or check-in, a check-out, or the
end of the session's slot, whichever comes first. Each visit counts its started minutes (a visit of
61 seconds is 2 person-minutes); the paid tier prices video person-minutes at
``UNCONF_PRICE_PER_PERSON_MINUTE_CENTS``. The arithmetic is a pure function, so a scripted day can test it.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from events import tiers
from events.tables import Event
from rooms.links import placed_sessions
from rooms.schemas import UsageLine, UsageOut
from rooms.tables import RoomVisit
from unconf.csvsafe import defuse_formula
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import aware, utcnow


@dataclass(frozen=True)
class Visit:
    participant: int | None
    proposal: int | None
    how: str
    started_at: datetime
    ended_at: datetime | None = None
    ends_by: datetime | None = None


@dataclass
class Tally:
    video_minutes: int = 0
    checkin_minutes: int = 0
    joiners: set[int] = field(default_factory=set)
    checkers: set[int] = field(default_factory=set)


def visit_minutes(visit: Visit, now: datetime) -> int:
    """Started minutes between start and the first of: its end, its slot's end, now."""
    end = min(t for t in (visit.ended_at, visit.ends_by, now) if t is not None)
    seconds = (end - visit.started_at).total_seconds()
    return math.ceil(seconds / 60) if seconds > 0 else 0


def meter(visits: list[Visit], now: datetime) -> dict[int | None, Tally]:
    """Session id (None: the main room) → person-minutes and distinct people, by kind of visit."""
    out: dict[int | None, Tally] = defaultdict(Tally)
    for v in visits:
        tally = out[v.proposal]
        minutes = visit_minutes(v, now)
        if v.how == "video":
            tally.video_minutes += minutes
            if v.participant is not None:
                tally.joiners.add(v.participant)
        else:
            tally.checkin_minutes += minutes
            if v.participant is not None:
                tally.checkers.add(v.participant)
    return dict(out)


def price_cents(event: Event, video_minutes: int) -> int:
    if not tiers.tier_of(event).metered:
        return 0
    return video_minutes * get_settings().price_per_person_minute_cents


async def usage(event: Event, now: datetime | None = None) -> UsageOut:
    """The usage report as data (organizers of a tier with usage reports)."""
    tiers.check_feature(event, "usage_reports")
    return await usage_report(event, now)


async def usage_report(event: Event, now: datetime | None = None) -> UsageOut:
    """The same report whatever the tier: the instance operator sees every event's usage."""
    now = now or utcnow()
    rows = await RoomVisit.objects().where(RoomVisit.event == event.id).order_by(RoomVisit.id)
    visits = []
    for r in rows:
        started = aware(r.started_at)
        assert started is not None
        visits.append(Visit(r.participant, r.proposal, r.how, started, aware(r.ended_at), aware(r.ends_by)))
    tallies = meter(visits, now)
    placed = await placed_sessions(event)
    order = sorted(placed, key=lambda pid: (placed[pid].starts_at, placed[pid].room.position, pid))
    order += sorted(pid for pid in tallies if pid is not None and pid not in placed)
    ids: list[int | None] = [None, *order]
    lines = []
    for pid in ids:
        tally = tallies.get(pid, Tally())
        spot = placed.get(pid) if pid is not None else None
        lines.append(
            UsageLine(
                proposal_id=pid,
                title=_("Main room")
                if pid is None
                else (spot.title if spot else _("Session {number}").format(number=pid)),
                room_name=spot.room.name if spot else "",
                video_joins=len(tally.joiners),
                checkins=len(tally.checkers),
                video_person_minutes=tally.video_minutes,
                checkin_person_minutes=tally.checkin_minutes,
                price_cents=price_cents(event, tally.video_minutes),
            )
        )
    total = sum(line.video_person_minutes for line in lines)
    return UsageOut(
        event=event.slug,
        tier=tiers.tier_of(event).name,
        price_per_person_minute_cents=get_settings().price_per_person_minute_cents
        if tiers.tier_of(event).metered
        else 0,
        lines=lines,
        video_person_minutes=total,
        price_cents=sum(line.price_cents for line in lines),
    )


def usage_csv(report: UsageOut) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "session_id",
            "title",
            "room",
            "video_joins",
            "checkins",
            "video_person_minutes",
            "checkin_person_minutes",
            "price_cents",
        ]
    )
    for line in report.lines:
        writer.writerow(
            [
                "" if line.proposal_id is None else line.proposal_id,
                defuse_formula(line.title),
                defuse_formula(line.room_name),
                line.video_joins,
                line.checkins,
                line.video_person_minutes,
                line.checkin_person_minutes,
                line.price_cents,
            ]
        )
    writer.writerow(["total", "", "", "", "", report.video_person_minutes, "", report.price_cents])
    return buffer.getvalue()
