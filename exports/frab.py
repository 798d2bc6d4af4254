"""The c3voc/frab schedule (XML and JSON) that Giggity, EventFahrplan and ConfClerk load. No HTTP here.

Shapes follow the published schemas (voc/schedule ``schedule.xml.xsd`` and ``schema.json``) and
pretalx's output; XML is built with lxml, never by concatenating strings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec
from lxml import etree

from exports.schedule import Item, Schedule, person_guid, room_guid
from unconf import __version__
from unconf.validation import slugify

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
_TZ_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
TIMESLOT = "00:15"


def acronym(slug: str) -> str:
    """The schemas want ``[a-z0-9_]``, at least four characters: our slugs may hold dashes and be short."""
    value = re.sub(r"[^a-z0-9_]", "_", slug.lower())
    return value.ljust(4, "_")


def hhmm(delta: timedelta) -> str:
    """``HH:MM``; callers pass real elapsed time (see ``elapsed``)."""
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def elapsed(item: Item) -> timedelta:
    """Real length: subtracting two datetimes of one zone in Python ignores a DST change between them."""
    return item.ends_at.astimezone(UTC) - item.starts_at.astimezone(UTC)


def event_slug(schedule: Schedule, item: Item) -> str:
    """``<acronym>-<id>-<title>``, matching pretalx and the XSD's ``voc-slug-new`` pattern."""
    title = slugify(item.title)
    if len(title) < 4:
        title = f"{title}-session"
    repeat = "-repeat" if item.run > 1 else ""  # a repeat is an event of its own: its slug differs too
    return f"{acronym(schedule.slug)}-{item.proposal_id}-{title}{repeat}"


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def days(schedule: Schedule) -> list[tuple[int, date, datetime, datetime, list[Item]]]:
    """(index, date, start, end, sessions) for every day, the sessions grouped by their local start day."""
    first, last = schedule.dates()[0], schedule.dates()[-1]
    by_day: dict[date, list[Item]] = {}
    for item in schedule.live:
        by_day.setdefault(item.starts_at.date(), []).append(item)
    out = []
    current, index = first, 1
    while current <= last:
        start = datetime.combine(current, time(0, 0), tzinfo=schedule.tz)
        end = datetime.combine(current, time(23, 59), tzinfo=schedule.tz)
        sessions = by_day.get(current, [])
        if sessions:
            start = min(start, min(i.starts_at for i in sessions))
            end = max(end, max(i.ends_at for i in sessions))
        out.append((index, current, start, end, sessions))
        current += timedelta(days=1)
        index += 1
    return out


def _rooms_in_order(schedule: Schedule) -> list[Any]:
    return sorted(schedule.rooms, key=lambda r: (r.position, r.id))


def schedule_xml(schedule: Schedule) -> bytes:
    root = etree.Element("schedule")
    etree.SubElement(root, "generator", name="unconf", version=__version__)
    etree.SubElement(root, "url").text = f"{schedule.event_url()}/schedule.xml"
    etree.SubElement(root, "version").text = f"v{schedule.version}"
    conf = etree.SubElement(root, "conference")
    etree.SubElement(conf, "title").text = schedule.title
    etree.SubElement(conf, "acronym").text = acronym(schedule.slug)
    all_days = days(schedule)
    etree.SubElement(conf, "start").text = all_days[0][1].isoformat()
    etree.SubElement(conf, "end").text = all_days[-1][1].isoformat()
    etree.SubElement(conf, "days").text = str(len(all_days))
    etree.SubElement(conf, "timeslot_duration").text = TIMESLOT
    etree.SubElement(conf, "base_url").text = f"{schedule.base_url}/"
    etree.SubElement(conf, "url").text = schedule.event_url()
    etree.SubElement(conf, "time_zone_name").text = schedule.timezone
    rooms = _rooms_in_order(schedule)
    for index, day, start, end, sessions in all_days:
        day_el = etree.SubElement(root, "day", date=day.isoformat(), start=_iso(start), end=_iso(end), index=str(index))
        for room in rooms:
            in_room = [i for i in sessions if i.room.id == room.id]
            if not in_room:
                continue
            room_el = etree.SubElement(day_el, "room", name=room.name, guid=str(room_guid(schedule.slug, room.id)))
            for item in in_room:
                ev = etree.SubElement(room_el, "event", id=str(item.event_id), guid=str(item.guid))
                etree.SubElement(ev, "date").text = _iso(item.starts_at)
                etree.SubElement(ev, "start").text = item.starts_at.strftime("%H:%M")
                etree.SubElement(ev, "duration").text = hhmm(elapsed(item))
                etree.SubElement(ev, "room").text = room.name
                etree.SubElement(ev, "slug").text = event_slug(schedule, item)
                etree.SubElement(ev, "url").text = schedule.session_url(item.proposal_id)
                etree.SubElement(ev, "title").text = item.title
                etree.SubElement(ev, "subtitle").text = ""
                etree.SubElement(ev, "track").text = item.tags[0] if item.tags else ""
                etree.SubElement(ev, "type").text = "Session"
                etree.SubElement(ev, "language").text = ""
                etree.SubElement(ev, "abstract").text = item.description
                etree.SubElement(ev, "description").text = item.description
                persons = etree.SubElement(ev, "persons")
                for person in item.facilitators:
                    p = etree.SubElement(
                        persons, "person", id=str(person.id), guid=str(person_guid(schedule.slug, person.id))
                    )
                    p.text = person.name
                links = etree.SubElement(ev, "links")
                if item.video_link:
                    etree.SubElement(links, "link", href=item.video_link, type="video").text = "Video link"
                etree.SubElement(ev, "attachments")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _event_json(schedule: Schedule, item: Item) -> dict[str, Any]:
    links = [{"url": item.video_link, "title": "Video link"}] if item.video_link else []
    return {
        "id": item.event_id,
        "guid": str(item.guid),
        "logo": "",
        "date": _iso(item.starts_at),
        "start": item.starts_at.strftime("%H:%M"),
        "end": _iso(item.ends_at),
        "duration": hhmm(elapsed(item)),
        "room": item.room.name,
        "slug": event_slug(schedule, item),
        "url": schedule.session_url(item.proposal_id),
        "title": item.title,
        "subtitle": "",
        "track": item.tags[0] if item.tags else None,
        "type": "Session",
        "language": None,
        "abstract": item.description,
        "description": item.description,
        "persons": [
            {"id": p.id, "guid": str(person_guid(schedule.slug, p.id)), "public_name": p.name}
            for p in item.facilitators
        ],
        "links": links,
        "attachments": [],
    }


def schedule_json(schedule: Schedule) -> bytes:
    all_days = days(schedule)
    rooms = _rooms_in_order(schedule)
    conference: dict[str, Any] = {
        "acronym": acronym(schedule.slug),
        "title": schedule.title,
        "description": schedule.description,
        "start": all_days[0][1].isoformat(),
        "end": all_days[-1][1].isoformat(),
        "daysCount": len(all_days),
        "timeslot_duration": TIMESLOT,
        "url": schedule.event_url(),
        "rooms": [
            {
                "name": r.name,
                "guid": str(room_guid(schedule.slug, r.id)),
                "type": "online" if r.kind == "virtual" else "other",
                "capacity": r.capacity,
                "description": r.accessibility_notes or None,
            }
            for r in rooms
        ],
        "days": [
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": _iso(start),
                "day_end": _iso(end),
                "rooms": {
                    room.name: [_event_json(schedule, i) for i in sessions if i.room.id == room.id] for room in rooms
                },
            }
            for index, day, start, end, sessions in all_days
        ],
    }
    if _TZ_NAME.match(schedule.timezone):
        conference["time_zone_name"] = schedule.timezone
    doc = {
        "$schema": SCHEMA_URL,
        "generator": {"name": "unconf", "version": __version__},
        "schedule": {
            "version": f"v{schedule.version}",
            "base_url": f"{schedule.base_url}/",
            "conference": conference,
        },
    }
    return msgspec.json.format(msgspec.json.encode(doc), indent=2)
