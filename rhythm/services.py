"""A community's series of events: its rule, its upcoming events, and planning the next one.

The template of the next event is the series' latest one: its rooms, time slots (moved to the new
date, same wall-clock times), settings and video provider are copied with the owning domains'
services. Greeters are the community's members and carry over by themselves. No HTTP here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast

import anyio.to_thread
from dateutil.rrule import rrule, rrulestr

from agenda.rooms import create_room, list_rooms
from agenda.schemas import RoomCreate, SlotCreate
from agenda.slots import create_slot, slot_rows
from community import services as community_services
from community.tables import Community, CommunityEvent
from events import services as event_services
from events.schemas import EventCreate, EventSettings, Language
from events.tables import Event, Participant
from rhythm import carry, geo
from rhythm.schemas import PlannedEvent, SeriesIn, SeriesOut, UpcomingEvent
from rhythm.tables import CommunityRhythm, EventRhythm
from rooms import links as room_links
from unconf.auth import Role
from unconf.database import serialise_writers, write_transaction
from unconf.errors import Conflict, ValidationFailed
from unconf.i18n import format_date
from unconf.i18n import gettext as _
from unconf.settings import get_settings
from unconf.validation import check_timezone, in_timezone, utcnow

HORIZON = timedelta(days=5 * 366)
"""How far ahead a rule is followed: a rule with no date in five years plans nothing."""
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY")
OPEN_PHASES = ("draft", "proposals", "voting", "scheduled", "running")


# -- the rule -----------------------------------------------------------------------------------------------------


def clean_rule(text: str) -> str:
    """An RFC 5545 RRULE value, checked; its start is the series' template, so DTSTART is not part of it."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:].strip()
    rule = rule.upper().replace(" ", "")
    if not rule or "\n" in rule or "DTSTART" in rule or len(rule) > 500:
        raise ValidationFailed(_("the rule is an RRULE value like FREQ=YEARLY;BYMONTH=3,10;BYDAY=+3SA"), field="rule")
    parts = dict(part.partition("=")[::2] for part in rule.split(";") if part)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationFailed(
            _("FREQ must be one of {frequencies} (events are days apart)").format(frequencies=", ".join(FREQUENCIES)),
            field="rule",
        )
    try:
        dates = rule_dates(rule, anchor=date(2000, 1, 1), after=date(1999, 12, 31), count=1)
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
        raise ValidationFailed(
            _("the rule cannot be read: {problem}").format(problem=str(exc)[:200]), field="rule"
        ) from exc
    if not dates:
        raise ValidationFailed(_("the rule gives no date (check BYMONTH, BYDAY and the like)"), field="rule")
    return rule


def _parse(rule: str, anchor: date) -> rrule:
    parsed = rrulestr(rule, dtstart=datetime.combine(anchor, time()))
    if not isinstance(parsed, rrule):
        raise ValueError("one RRULE only")
    return parsed


def rule_dates(rule: str, *, anchor: date, after: date, count: int = 3) -> list[date]:
    """The rule's next ``count`` dates strictly after ``after``, counted from ``anchor`` (the template's date).

    Followed at most ``HORIZON`` ahead (a rule that never matches stops there, not in the year 9999).
    """
    start = datetime.combine(after, time())
    parsed = _parse(rule, anchor)
    limit = start + HORIZON
    if parsed._count is None and (parsed._until is None or parsed._until > limit):
        parsed = parsed.replace(until=limit)
    found: list[date] = []
    for moment in parsed.xafter(start, count=count, inc=False):
        found.append(moment.date())
    return found


# -- reading the series -------------------------------------------------------------------------------------------


async def rhythm_row(community: Community) -> CommunityRhythm | None:
    row: CommunityRhythm | None = (
        await CommunityRhythm.objects().where(CommunityRhythm.community == community.id).first()
    )
    return row


def template_of(events: list[Event]) -> Event | None:
    """The series' latest event: the next one is made from it."""
    return max(events, key=lambda e: (e.start_date, e.id), default=None)


def event_url(slug: str) -> str:
    return f"{get_settings().public_url}/e/{slug}"


def upcoming_out(event: Event, community: Community | None, rhythm: CommunityRhythm | None) -> UpcomingEvent:
    return UpcomingEvent(
        slug=event.slug,
        title=event.title,
        start_date=event.start_date,
        end_date=event.end_date,
        venue=event.venue,
        url=event_url(event.slug),
        community=community.slug if community else None,
        community_name=community.name if community else None,
        city=rhythm.city if rhythm else "",
    )


async def upcoming_events(community: Community, today: date | None = None) -> list[Event]:
    """The community's events from today on that are not over (drafts included: they are planned)."""
    day = today or utcnow().date()
    return [
        e
        for e in await community_services.community_events(community.id)
        if e.end_date >= day and e.phase in OPEN_PHASES and e.suspended_at is None
    ]


async def series_out(community: Community, today: date | None = None) -> SeriesOut:
    day = today or utcnow().date()
    row = await rhythm_row(community)
    events = await community_services.community_events(community.id)
    template = template_of(events)
    dates: list[date] = []
    if row is not None and row.rule and template is not None:
        dates = rule_dates(row.rule, anchor=template.start_date, after=day)
    return SeriesOut(
        community=community.slug,
        rule=row.rule if row else "",
        city=row.city if row else "",
        latitude=row.latitude if row else None,
        longitude=row.longitude if row else None,
        count_carried=bool(row.count_carried) if row else False,
        template=template.slug if template else None,
        next_date=dates[0] if dates else None,
        next_dates=dates,
        upcoming=[upcoming_out(e, community, row) for e in await upcoming_events(community, day)],
        feed_url=f"{get_settings().public_url}/c/{community.slug}/events.ics",
    )


async def set_series(community: Community, data: SeriesIn) -> SeriesOut:
    """Set the rule, the city (looked up offline, or cleared) and whether carried interest counts."""
    # A rule that never matches makes dateutil walk to the year 9999 (a second or two): not on the event loop.
    rule = await anyio.to_thread.run_sync(clean_rule, data.rule)
    city_name, latitude, longitude = "", None, None
    if data.city.strip():
        city = geo.find_city(data.city)
        city_name, latitude, longitude = city.label, city.latitude, city.longitude
    values: dict[Any, Any] = {
        CommunityRhythm.rule: rule,
        CommunityRhythm.city: city_name,
        CommunityRhythm.latitude: latitude,
        CommunityRhythm.longitude: longitude,
        CommunityRhythm.count_carried: data.count_carried,
        CommunityRhythm.updated_at: utcnow(),
    }
    async with write_transaction():
        await serialise_writers(f"rhythm {community.id}")
        if await CommunityRhythm.exists().where(CommunityRhythm.community == community.id):
            await CommunityRhythm.update(values).where(CommunityRhythm.community == community.id)
        else:
            await CommunityRhythm.insert(
                CommunityRhythm(community=community.id, **{column._meta.name: v for column, v in values.items()})
            )
    return await series_out(community)


# -- planning the next event --------------------------------------------------------------------------------------


def _next_title(template: Event, day: date) -> str:
    """ "Edcamp Riverside 2026" becomes "Edcamp Riverside 2027"; other titles stay as they are."""
    old, new = str(template.start_date.year), str(day.year)
    return template.title.replace(old, new) if old in template.title else template.title


async def _copy_day(template: Event, event: Event, day: date) -> tuple[int, int, str | None]:
    """Rooms, slots moved by the same number of days (same wall-clock times), and the video provider."""
    new_rooms: dict[int, int] = {}
    for room in await list_rooms(template):
        made = await create_room(
            event,
            RoomCreate(
                name=room.name,
                capacity=room.capacity,
                kind=room.kind,
                accessibility_notes=room.accessibility_notes,
                video_link=room.video_link,
                features=list(room.features),
                position=room.position,
                hosts_breakouts=room.hosts_breakouts,
                video_equipped=room.video_equipped,
            ),
        )
        new_rooms[room.id] = made.id
    tz = check_timezone(template.timezone)
    shift = day - template.start_date
    slots = await slot_rows(template)
    for slot in slots:
        starts = in_timezone(slot.starts_at, tz).replace(tzinfo=None) + shift
        ends = in_timezone(slot.ends_at, tz).replace(tzinfo=None) + shift
        await create_slot(
            event,
            SlotCreate(starts_at=starts.isoformat(), ends_at=ends.isoformat(), kind=slot.kind, label=slot.label),  # type: ignore[arg-type]
        )
    provider = await room_links.copy_settings(template, event, new_rooms)
    return len(new_rooms), len(slots), provider


async def plan_next(community: Community, organizer: Participant | None, today: date | None = None) -> PlannedEvent:
    """Make the series' next event from its latest one, on the rule's next date after today.

    The caller (an organizer of one of the community's events) organizes the new event; its key is
    returned once. A date already planned (an event of the community on or after it) is a 409.
    """
    day = today or utcnow().date()
    row = await rhythm_row(community)
    if row is None or not row.rule:
        raise Conflict(_("set the series' rule first (how often the community meets)"), field="rule", code="no_series")
    template = template_of(await community_services.community_events(community.id))
    if template is None:
        raise Conflict(_("the community has no event to copy yet"), field="community", code="no_template")
    if organizer is None:
        raise Conflict(
            _("the series' latest event has no organizer to plan in the name of"), field="key", code="no_organizer"
        )
    dates = rule_dates(row.rule, anchor=template.start_date, after=day, count=1)
    if not dates:
        raise Conflict(_("the rule has no date in the next five years"), field="rule", code="series_ended")
    next_day = dates[0]
    await _refuse_planned(community, next_day)
    length = template.end_date - template.start_date

    async def setup(event: Event) -> tuple[int, int, str | None]:
        async with write_transaction():
            # Two clicks at once: the first one's event is the next one, the second is refused.
            await serialise_writers(f"rhythm {community.id}")
            await _refuse_planned(community, next_day)
            await CommunityEvent(community=community.id, event=event.id, created_at=utcnow()).save()
            await EventRhythm(
                community=community.id, event=event.id, planned_from=template.id, created_at=utcnow()
            ).save()
        return await _copy_day(template, event, next_day)

    event, _organizer, key, (rooms, slots, provider) = await event_services.create_event_with(
        EventCreate(
            title=_next_title(template, next_day),
            start_date=next_day,
            end_date=next_day + length,
            organizer_name=organizer.display_name,
            organizer_email=organizer.email,
            description=template.description,
            timezone=template.timezone,
            venue=template.venue,
            language=cast(Language, template.language),
            settings=EventSettings(
                dots_per_participant=template.dots_per_participant,
                allow_stacking=template.allow_stacking,
                late_proposals=template.late_proposals,
                listed=template.listed,
            ),
        ),
        setup,
    )
    offered = await carry.attach_offers(community, event)
    return PlannedEvent(
        event=event_services.event_out(event, with_join_code=True),
        template=template.slug,
        organizer_key=key,
        organize_url=f"{get_settings().public_url}/e/{event.slug}/organize",
        rooms=rooms,
        slots=slots,
        video_provider=provider,
        carried_offers=offered,
    )


async def _refuse_planned(community: Community, day: date) -> None:
    planned = [e for e in await community_services.community_events(community.id) if e.start_date >= day]
    if planned:
        raise Conflict(
            _("the next date ({day}) is already planned: {title} ({slug}) on {date}").format(
                day=format_date(day),
                title=planned[0].title,
                slug=planned[0].slug,
                date=format_date(planned[0].start_date),
            ),
            field="community",
            code="already_planned",
        )


async def organizer_for(event: Event) -> Participant | None:
    """The event's first organizer (the command line plans the next event in their name)."""
    row: Participant | None = (
        await Participant.objects()
        .where((Participant.event == event.id) & (Participant.role == Role.ORGANIZER))
        .order_by(Participant.id)
        .first()
    )
    return row
