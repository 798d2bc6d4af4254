"""The exporters' view of a published agenda, built from agenda's read model. No HTTP here.

Calendar clients need more than the latest agenda: a session keeps one UID for ever, its
``SEQUENCE`` grows whenever it moves, and sessions that disappear must be sent as cancelled.
Moves between slots and rooms are derived from the history of published versions
(``agenda.versions.published_history``), so they are correct after any number of
re-publications; slot times edited after publishing are noted in ``SessionRevision`` when the
slot changes (``on_agenda_changed`` on the realtime bus), never when a calendar reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agenda.services import read_published
from agenda.slots import list_slots
from agenda.versions import PublishedPlaces, published_history
from events.tables import Event
from exports.tables import SessionRevision
from sessions.services import LIVE_STATUSES, cached_proposals, edited_at
from unconf import live
from unconf.cache import read_cache
from unconf.errors import NotFound
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.settings import get_settings
from unconf.validation import aware, check_timezone, utcnow

# Fixed for ever: changing it would change every guid that apps have stored.
GUID_NAMESPACE = uuid.UUID("6f1e4c1a-5d0b-5e8a-9a57-2f6f0c3d9b41")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def session_guid(slug: str, proposal_id: int, run: int = 1) -> uuid.UUID:
    """Stable across agenda versions: depends only on the event slug, the proposal id and the run
    (a repeat, run 2, is an event of its own in calendars and apps; run 1 keeps its old guid)."""
    if run == 1:
        return uuid.uuid5(GUID_NAMESPACE, f"session/{slug}/{proposal_id}")
    return uuid.uuid5(GUID_NAMESPACE, f"session/{slug}/{proposal_id}/run/{run}")


REPEAT_ID_BASE = 2**31
"""Apps' integer event id of a repeat: this plus the proposal id (ids stay below 2**31), never a proposal's."""


def room_guid(slug: str, room_id: int) -> uuid.UUID:
    return uuid.uuid5(GUID_NAMESPACE, f"room/{slug}/{room_id}")


def person_guid(slug: str, participant_id: int) -> uuid.UUID:
    return uuid.uuid5(GUID_NAMESPACE, f"person/{slug}/{participant_id}")


def plenary_guid(slug: str, slot_id: int) -> uuid.UUID:
    return uuid.uuid5(GUID_NAMESPACE, f"plenary/{slug}/{slot_id}")


@dataclass(frozen=True)
class RoomInfo:
    id: int
    name: str
    kind: str
    capacity: int
    position: int
    video_link: str
    accessibility_notes: str


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class Item:
    """A session as calendars and apps see it: where and when it is (or was, if cancelled)."""

    proposal_id: int
    guid: uuid.UUID
    title: str
    description: str
    tags: tuple[str, ...]
    facilitators: tuple[Person, ...]
    starts_at: datetime
    ends_at: datetime
    slot_id: int
    slot_label: str
    room: RoomInfo
    cancelled: bool
    sequence: int
    last_modified: datetime
    votes: int
    voters: int
    session_video_link: str = ""
    run: int = 1
    """1 for a session's first run, 2 for its repeat (a second run, later, for a crowd)."""

    @property
    def video_link(self) -> str:
        """The session's own join link (made at publishing), else the room's fixed link."""
        return self.session_video_link or self.room.video_link

    @property
    def event_id(self) -> int:
        """The integer id apps (frab) know this run by: the proposal id for a first run."""
        return self.proposal_id if self.run == 1 else REPEAT_ID_BASE + self.proposal_id


@dataclass(frozen=True)
class Plenary:
    """A time everyone spends together (opening, lunch, closing): no room of its own, the whole venue."""

    slot_id: int
    guid: uuid.UUID
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime

    labelled: bool = True
    """The organizers named it (their words, never translated); else ``title`` is our default name."""

    @property
    def is_break(self) -> bool:
        return self.kind == "break"

    @property
    def heading(self) -> str:
        """The name people read: the organizers' label, or our default name in the language in force."""
        return self.title if self.labelled else _(self.title)


@dataclass
class Schedule:
    event_id: int
    slug: str
    title: str
    description: str
    venue: str
    timezone: str
    tz: ZoneInfo
    start_date: date
    end_date: date
    version: int
    published_at: datetime
    base_url: str
    rooms: list[RoomInfo]
    items: list[Item] = field(default_factory=list)
    plenaries: list[Plenary] = field(default_factory=list)
    touched_at: datetime = EPOCH  # latest edit of the event or a listed proposal, for HTTP Last-Modified

    @property
    def live(self) -> list[Item]:
        return [i for i in self.items if not i.cancelled]

    @property
    def last_modified(self) -> datetime:
        return max([self.published_at, self.touched_at, *(i.last_modified for i in self.items)])

    def event_url(self) -> str:
        return f"{self.base_url}/e/{self.slug}"

    def session_url(self, proposal_id: int) -> str:
        return f"{self.base_url}/e/{self.slug}/s/{proposal_id}"

    def checkin_url(self, proposal_id: int) -> str:
        """Where a door sign's code leads: "I'm here" for the session in that room."""
        return f"{self.base_url}/e/{self.slug}/s/{proposal_id}/checkin"

    def notes_url(self, proposal_id: int) -> str:
        return f"{self.base_url}/e/{self.slug}/s/{proposal_id}/notes"

    def room(self, room_id: int) -> RoomInfo:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise NotFound(_("no room {room_id} in this event").format(room_id=room_id), field="room_id")

    def item(self, proposal_id: int) -> Item:
        """The session's first run."""
        return self.runs(proposal_id)[0]

    def runs(self, proposal_id: int) -> list[Item]:
        """Every run of a session, first run first (two when it repeats)."""
        found = sorted((i for i in self.items if i.proposal_id == proposal_id), key=lambda i: i.run)
        if not found:
            raise NotFound(
                _("session {proposal_id} is not on the published agenda").format(proposal_id=proposal_id),
                field="proposal_id",
            )
        return found

    def dates(self) -> list[date]:
        """Every day the event or one of its sessions touches, in the event's timezone."""
        days = {self.start_date, self.end_date}
        for item in self.items:
            days.add(item.starts_at.date())
            days.add(item.ends_at.date())
        for plenary in self.plenaries:
            days.add(plenary.starts_at.date())
            days.add(plenary.ends_at.date())
        return sorted(days)

    def location(self, room_name: str) -> str:
        """Where, for a calendar: the room and the venue (calendar apps show one line)."""
        return ", ".join(part for part in (room_name, self.venue) if part)


def base_url() -> str:
    return get_settings().public_url


History = dict[int, tuple[tuple[int, int] | None, tuple[int, int], int, datetime]]
"""Proposal id → (place now or None if dropped, last place, moves counted, when it last moved)."""


def walk_history(history: list[PublishedPlaces], *, run: int = 1) -> History:
    """Walk the published versions in order: every change of place is one more revision.

    ``run`` 2 walks the repeats: a repeat dropped by a later version is cancelled like a session.
    """
    walked: History = {}
    for version in history:
        placed = version.places if run == 1 else version.repeats
        for pid, (state, last_place, seq, _modified) in list(walked.items()):
            now_state = placed.get(pid)
            if now_state != state:
                walked[pid] = (now_state, now_state or last_place, seq + 1, version.published_at)
        for pid, place in placed.items():
            if pid not in walked:
                walked[pid] = (place, place, 0, version.published_at)
    return walked


async def record_slot_edits(event: Event) -> None:
    """Note in ``SessionRevision`` each session whose slot times changed since it was last noted.

    Runs when a slot changes or an agenda is published (``on_agenda_changed``), never on a read.
    Moves to another slot are already counted from the published versions, so a different slot id
    only refreshes the stored times. Values written are absolute, so two writers noticing the same
    edit at once write the same row.
    """
    history = await published_history(event.id)
    if not history:
        return
    slots = {s.id: s for s in await list_slots(event)}
    rows = {r.proposal: r for r in await SessionRevision.objects().where(SessionRevision.event == event.id)}
    now = utcnow().replace(microsecond=0)
    for pid, (_state, place, _seq, modified) in walk_history(history).items():
        slot = slots.get(place[0])
        if slot is None:
            continue
        start, end = slot.starts_at.astimezone(UTC), slot.ends_at.astimezone(UTC)
        row = rows.get(pid)
        if row is not None and (row.slot, aware(row.starts_at), aware(row.ends_at)) == (slot.id, start, end):
            continue
        extra, changed = (row.extra, aware(row.changed_at)) if row is not None else (0, modified.replace(microsecond=0))
        if row is not None and row.slot == slot.id:
            extra, changed = extra + 1, now
        fresh = SessionRevision(
            event=event.id, proposal=pid, slot=slot.id, starts_at=start, ends_at=end, extra=extra, changed_at=changed
        )
        await SessionRevision.insert(fresh).on_conflict(
            target=SessionRevision.proposal,
            action="DO UPDATE",
            values=[
                SessionRevision.slot,
                SessionRevision.starts_at,
                SessionRevision.ends_at,
                SessionRevision.extra,
                SessionRevision.changed_at,
            ],
        )


async def on_agenda_changed(message: live.LiveMessage) -> None:
    """Slot edits and publications reach calendars as new revisions (the app wires this to the bus)."""
    if not isinstance(message, live.SlotChanged | live.AgendaPublished):
        return
    event = await Event.objects().where(Event.slug == message.event).first()
    if event is not None:
        await record_slot_edits(event)


def _schedule(event: Event, tz: ZoneInfo, *, version: int, published_at: datetime, **parts: Any) -> Schedule:
    """The event's own fields, once, for every schedule built here."""
    return Schedule(
        event_id=event.id,
        slug=event.slug,
        title=event.title,
        description=event.description,
        venue=event.venue,
        timezone=event.timezone,
        tz=tz,
        start_date=event.start_date,
        end_date=event.end_date,
        version=version,
        published_at=published_at.replace(microsecond=0),
        base_url=base_url(),
        **parts,
    )


def _empty(event: Event, tz: ZoneInfo) -> Schedule:
    return _schedule(event, tz, version=0, published_at=aware(event.created_at), rooms=[])


async def load_schedule(event: Event, *, allow_empty: bool = False) -> Schedule:
    """The latest published agenda as exporters see it, through the read cache (every change drops it)."""
    return await read_cache.through(
        event.slug, f"schedule:{allow_empty}", lambda: read_schedule(event, allow_empty=allow_empty)
    )


async def read_schedule(event: Event, *, allow_empty: bool = False) -> Schedule:
    """The latest published agenda (agenda's read model) plus each session's revision history. Reads only.

    404 when nothing is published, unless ``allow_empty`` (subscription feeds made early should
    stay valid, empty calendars rather than errors that make clients drop them).
    """
    tz = check_timezone(event.timezone)
    history = await published_history(event.id)
    agenda = await read_published(event) if history else None
    if agenda is None:
        if not allow_empty:
            raise NotFound(_("the agenda is not published yet: there is nothing to export"), field="agenda")
        return _empty(event, tz)
    slots = {s.id: s for s in agenda.slots}
    rooms = {
        r.id: RoomInfo(
            id=r.id,
            name=r.name,
            kind=r.kind,
            capacity=r.capacity,
            position=r.position,
            video_link=r.video_link,
            accessibility_notes=r.accessibility_notes,
        )
        for r in sorted(agenda.rooms, key=lambda r: (r.position, r.id))
    }
    on_agenda = {(s.proposal_id, s.run): s for s in agenda.sessions}
    proposals = {p.id: p for p in await cached_proposals(event)}
    edited = await edited_at(event)
    revisions = {r.proposal: r for r in await SessionRevision.objects().where(SessionRevision.event == event.id)}

    items: list[Item] = []
    touched = aware(event.updated_at)
    walked = [(1, walk_history(history)), (2, walk_history(history, run=2))]
    for run, pid, (state, place, seq, modified) in ((r, *kv) for r, w in walked for kv in w.items()):
        proposal = proposals.get(pid)
        slot, room = slots.get(place[0]), rooms.get(place[1])
        if proposal is None or slot is None or room is None:
            continue
        cancelled = state is None
        proposal_edited = aware(edited.get(pid)) or modified
        if proposal.status not in LIVE_STATUSES:
            # Withdrawn or merged after publishing: cancelled now, even before the next publication.
            if not cancelled:
                seq += 1
            cancelled = True
            modified = max(modified, proposal_edited)
        # Live sessions: LAST-MODIFIED follows their place only, since publishing rewrites
        # every proposal's updated_at; title edits still move the response's Last-Modified.
        touched = max(touched, proposal_edited)
        revision = revisions.get(pid) if run == 1 else None
        if revision is not None and revision.extra:
            # Slot times edited after publishing, as noted when the slot changed (record_slot_edits).
            seq += revision.extra
            modified = max(modified, aware(revision.changed_at))
        session = on_agenda.get((pid, run))
        items.append(
            Item(
                proposal_id=pid,
                run=run,
                guid=session_guid(event.slug, pid, run),
                title=proposal.title,
                description=proposal.description,
                tags=tuple(proposal.tags),
                facilitators=tuple(Person(id=f.id, name=f.display_name) for f in proposal.facilitators),
                starts_at=slot.starts_at.astimezone(tz),
                ends_at=slot.ends_at.astimezone(tz),
                slot_id=slot.id,
                slot_label=slot.label,
                room=room,
                cancelled=cancelled,
                sequence=seq,
                last_modified=modified.replace(microsecond=0),
                votes=proposal.votes,
                voters=proposal.voters,
                session_video_link=session.video_link if session is not None and not cancelled else "",
            )
        )
    items.sort(key=lambda i: (i.starts_at, i.room.position, i.room.id, i.proposal_id, i.run))
    plenaries = [
        Plenary(
            slot_id=slot.id,
            guid=plenary_guid(event.slug, slot.id),
            title=slot.label or (gettext_noop("Break") if slot.kind == "break" else gettext_noop("Everyone together")),
            kind=slot.kind,
            starts_at=slot.starts_at.astimezone(tz),
            ends_at=slot.ends_at.astimezone(tz),
            labelled=bool(slot.label),
        )
        for slot in sorted(agenda.slots, key=lambda s: (s.starts_at, s.id))
        if slot.kind != "breakout"
    ]
    latest = history[-1]
    return _schedule(
        event,
        tz,
        version=latest.version,
        published_at=latest.published_at,
        rooms=list(rooms.values()),
        items=items,
        plenaries=plenaries,
        touched_at=touched.replace(microsecond=0),
    )
