"""Webcal feeds of upcoming events: a community's series, and a saved "near me" search. No HTTP here.

Events are whole days (``DTSTART;VALUE=DATE``); the UID is the event's slug, so a subscribed calendar
updates an event in place when its dates move.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from icalendar import Calendar, vText
from icalendar import Event as VEvent

from exports.ical import PRODID
from rhythm.schemas import UpcomingEvent
from unconf import i18n
from unconf.i18n import gettext as _
from unconf.validation import utcnow

FEED_REFRESH = timedelta(hours=12)
"""Upcoming events change rarely: calendars look twice a day."""


def events_calendar(name: str, events: Iterable[UpcomingEvent], description: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(name))
    if description:
        cal.add("x-wr-caldesc", vText(description))
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    stamp = utcnow()
    for event in events:
        item = VEvent()
        item.add("uid", f"{event.slug}@unconf")
        item.add("dtstamp", stamp)
        item.add("dtstart", event.start_date)
        item.add("dtend", event.end_date + timedelta(days=1))
        item.add("summary", event.title)
        where = ", ".join(part for part in (event.venue, event.city) if part)
        if where:
            item.add("location", where)
        lines = [_("Join: {link}").format(link=event.url)]
        if event.community_name:
            lines.insert(0, _("By {community}").format(community=event.community_name))
        if event.distance_km is not None:
            lines.append(_("About {distance} km away").format(distance=i18n.format_number(round(event.distance_km))))
        item.add("description", "\n".join(lines))
        item.add("url", event.url)
        item.add("transp", "TRANSPARENT")
        item.add("class", "PUBLIC")
        cal.add_component(item)
    return cal.to_ical()
