"""Calendars narrower than the whole agenda: one room, one session, one person. No HTTP here.

A room's or a session's calendar is shared, so it is written in the event's language; a person's own
calendar and feed in theirs (the last language they used here), else the event's.
"""

from __future__ import annotations

import re

from events.tables import Event, Participant
from exports import ical
from exports.registry import Rendered
from exports.schedule import load_schedule
from exports.services import followed
from unconf import i18n
from unconf.cache import read_cache
from unconf.errors import NotFound
from unconf.i18n import gettext as _

_ICS_NAME = re.compile(r"^([1-9][0-9]{0,9})\.ics$")


def id_from_filename(name: str, field: str) -> int:
    """``12.ics`` -> 12; anything else is a 404 (the path names a file that does not exist)."""
    match = _ICS_NAME.match(name)
    if match is None or int(match.group(1)) > 2**31 - 1:
        raise NotFound(
            _("no calendar {name}: expected '<{field}>.ics'").format(name=repr(name[:40]), field=field), field=field
        )
    return int(match.group(1))


async def room_calendar(event: Event, room_id: int) -> Rendered:
    schedule = await load_schedule(event)
    room = schedule.room(room_id)
    items = [i for i in schedule.items if i.room.id == room.id]
    with i18n.use_locale(event.language):
        body = ical.calendar(schedule, items, name=f"{schedule.title}: {room.name}")
    return Rendered(body, ical.MEDIA_TYPE, f"{event.slug}-room-{room.id}.ics", schedule.last_modified)


async def session_calendar(event: Event, proposal_id: int) -> Rendered:
    schedule = await load_schedule(event)
    runs = schedule.runs(proposal_id)  # both runs of a session that repeats: pick the one you go to
    item = runs[0]
    with i18n.use_locale(event.language):
        body = ical.calendar(schedule, runs, name=f"{schedule.title}: {item.title}")
    return Rendered(body, ical.MEDIA_TYPE, f"{event.slug}-session-{item.proposal_id}.ics", schedule.last_modified)


async def personal_calendar(event: Event, participant: Participant, *, feed: bool) -> Rendered:
    """Sessions the person proposed, facilitates, voted for or starred; cancelled ones stay as CANCELLED.

    Made once per person and change (kept in the read cache: votes, proposals and publishing drop it
    through ``realtime.publish``, stars through ``realtime.forget``)."""

    # The cached row is current: choosing a language drops the event's cached tokens and feed secrets.
    language = i18n.supported(participant.language) or i18n.supported(event.language) or i18n.DEFAULT_LOCALE

    async def made() -> Rendered:
        schedule = await load_schedule(event, allow_empty=True)
        ids, changed = await followed(event, participant)
        items = [i for i in schedule.items if i.proposal_id in ids]
        with i18n.use_locale(language):
            name = _("{event}: my sessions").format(event=schedule.title)
            body = ical.calendar(schedule, items, name=name, feed=feed)
        modified = max(schedule.last_modified, changed)
        return Rendered(body, ical.MEDIA_TYPE, f"{event.slug}-my-sessions.ics", modified, private=True)

    return await read_cache.through(event.slug, f"ics:me:{participant.id}:{feed}:{language}", made)
