"""iCalendar files built with the ``icalendar`` library. No HTTP here.

Local times carry the event's TZID with a VTIMEZONE cut to the event's dates (calendar apps
reject or mis-render the 1970-2038 blocks some generators emit), UIDs are the sessions'
stable guids, and cancelled sessions stay in the file with ``STATUS:CANCELLED`` so that
subscribed clients remove them instead of keeping a stale copy.

The words in a calendar (its name, descriptions, "Room:", "Video:") are written in the language in force
when it is built: the event's for shared files, the person's own for their calendar and feed (the
callers in ``exports.calendars`` and ``exports.registry`` set it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from icalendar import Calendar, Event, Timezone, vText

from exports.schedule import Item, Plenary, Schedule
from unconf import __version__, i18n
from unconf.i18n import gettext as _

PRODID = f"-//unconf//unconf {__version__}//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"
FEED_REFRESH = timedelta(minutes=15)
"""How often subscribed calendars should look again: agendas move on the morning itself."""


def _is_utc(schedule: Schedule) -> bool:
    return schedule.timezone in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu")


def vtimezone(schedule: Schedule) -> Timezone:
    """The event's zone with only the transitions around its days, without icalendar's COMMENT."""
    days = schedule.dates()
    tz = Timezone.from_tzid(
        schedule.timezone, first_date=days[0] - timedelta(days=1), last_date=days[-1] + timedelta(days=2)
    )
    tz.pop("COMMENT", None)
    for sub in tz.subcomponents:
        sub.pop("COMMENT", None)
    return tz


def description(schedule: Schedule, item: Item) -> str:
    parts: list[str] = []
    if item.description:
        parts.append(item.description)
    if item.facilitators:
        names = i18n.format_list([p.name for p in item.facilitators])
        parts.append(_("Facilitators: {names}").format(names=names))
    parts.append(_("Room: {room}").format(room=item.room.name))
    if item.video_link:
        parts.append(_("Join video: {link}").format(link=item.video_link))
    parts.append(_("Session page: {link}").format(link=schedule.session_url(item.proposal_id)))
    parts.append(_("Notes: {link}").format(link=schedule.notes_url(item.proposal_id)))
    if item.cancelled:
        parts.insert(0, _("This session is cancelled."))
    return "\n\n".join(parts)


def vevent(schedule: Schedule, item: Item) -> Event:
    ev = Event()
    ev.add("uid", f"{item.guid}@unconf")
    ev.add("dtstamp", item.last_modified.astimezone(UTC))
    ev.add("last-modified", item.last_modified.astimezone(UTC))
    ev.add("sequence", item.sequence)
    ev.add("summary", item.title)
    if _is_utc(schedule):
        ev.add("dtstart", item.starts_at.astimezone(UTC))
        ev.add("dtend", item.ends_at.astimezone(UTC))
    else:
        ev.add("dtstart", item.starts_at)
        ev.add("dtend", item.ends_at)
    ev.add("location", schedule.location(item.room.name))
    ev.add("url", item.video_link or schedule.session_url(item.proposal_id))
    ev.add("description", description(schedule, item))
    ev.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    ev.add("class", "PUBLIC")
    if item.tags:
        ev.add("categories", list(item.tags))
    if item.facilitators:
        ev.add("x-unconf-facilitators", vText(", ".join(p.name for p in item.facilitators)))
    return ev


def plenary_vevent(schedule: Schedule, plenary: Plenary) -> Event:
    """Opening, lunch, closing: everyone together, so the venue is the place and no room is named."""
    ev = Event()
    ev.add("uid", f"{plenary.guid}@unconf")
    ev.add("dtstamp", schedule.published_at.astimezone(UTC))
    ev.add("last-modified", schedule.published_at.astimezone(UTC))
    ev.add("sequence", 0)
    ev.add("summary", plenary.heading)
    if _is_utc(schedule):
        ev.add("dtstart", plenary.starts_at.astimezone(UTC))
        ev.add("dtend", plenary.ends_at.astimezone(UTC))
    else:
        ev.add("dtstart", plenary.starts_at)
        ev.add("dtend", plenary.ends_at)
    if schedule.venue:
        ev.add("location", schedule.venue)
    ev.add("url", schedule.event_url())
    what = _("A break for everyone.") if plenary.is_break else _("A plenary: everyone together.")
    agenda = _("Agenda: {link}").format(link=f"{schedule.event_url()}/agenda")
    ev.add("description", f"{what}\n\n{agenda}")
    ev.add("status", "CONFIRMED")
    ev.add("transp", "OPAQUE")
    ev.add("class", "PUBLIC")
    ev.add("categories", ["BREAK" if plenary.is_break else "PLENARY"])
    return ev


def calendar(
    schedule: Schedule,
    items: Iterable[Item],
    *,
    name: str,
    feed: bool = False,
    plenaries: Iterable[Plenary] = (),
) -> bytes:
    """A VCALENDAR of the given sessions; ``feed`` adds refresh hints for subscriptions."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # X- properties are not typed by icalendar: as vText they get RFC 5545's escaping (backslash, ; , newline).
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", schedule.timezone)
    caldesc = _("{event}: agenda version {version}").format(event=schedule.title, version=schedule.version)
    cal.add("x-wr-caldesc", vText(caldesc))
    if feed:
        cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT15M")
    if not _is_utc(schedule):
        cal.add_component(vtimezone(schedule))
    for item in items:
        cal.add_component(vevent(schedule, item))
    for plenary in plenaries:
        cal.add_component(plenary_vevent(schedule, plenary))
    return cal.to_ical()
