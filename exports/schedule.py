"""One read model of a published agenda that every exporter renders. No HTTP here.

Calendar clients need more than the latest agenda: a session keeps one UID for ever, its
``SEQUENCE`` grows whenever it moves, and sessions that disappear must be sent as cancelled.
Moves between slots and rooms are derived from the history of published ``AgendaVersion``
rows, so they are correct after any number of re-publications without a hook in the publishing
code; slot times edited after publishing are caught by ``SessionRevision``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from agenda.tables import AgendaVersion, Placement, Room, TimeSlot
from events.tables import Event
from exports.tables import SessionRevision
from rooms.links import session_links
from sessions.services import LIVE_STATUSES, facilitators_by_proposal
from sessions.tables import Proposal
from unconf.errors import NotFound
from unconf.settings import get_settings
from unconf.validation import aware, check_timezone, utcnow
from voting.services import tallies

# Fixed for ever: changing it would change every guid that apps have stored.
GUID_NAMESPACE = uuid.UUID("6f1e4c1a-5d0b-5e8a-9a57-2f6f0c3d9b41")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def session_guid(slug: str, proposal_id: int) -> uuid.UUID:
    """Stable across agenda versions: depends only on the event slug and the proposal id."""
    return uuid.uuid5(GUID_NAMESPACE, f"session/{slug}/{proposal_id}")


def room_guid(slug: str, room_id: int) -> uuid.UUID:
    return uuid.uuid5(GUID_NAMESPACE, f"room/{slug}/{room_id}")


def person_guid(slug: str, participant_id: int) -> uuid.UUID:
    return uuid.uuid5(GUID_NAMESPACE, f"person/{slug}/{participant_id}")


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

    @property
    def video_link(self) -> str:
        """The session's own join link (made at publishing), else the room's fixed link."""
        return self.session_video_link or self.room.video_link


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

    def notes_url(self, proposal_id: int) -> str:
        return f"{self.base_url}/e/{self.slug}/s/{proposal_id}/notes"

    def room(self, room_id: int) -> RoomInfo:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise NotFound(f"no room {room_id} in this event", field="room_id")

    def item(self, proposal_id: int) -> Item:
        for item in self.items:
            if item.proposal_id == proposal_id:
                return item
        raise NotFound(f"session {proposal_id} is not on the published agenda", field="proposal_id")

    def dates(self) -> list[date]:
        """Every day the event or one of its sessions touches, in the event's timezone."""
        days = {self.start_date, self.end_date}
        for item in self.items:
            days.add(item.starts_at.date())
            days.add(item.ends_at.date())
        return sorted(days)


def base_url() -> str:
    return get_settings().public_url


async def _with_slot_edits(event_id: int, items: list[Item]) -> list[Item]:
    """Add a revision for each slot whose times were edited since an export last saw it.

    Moves to another slot are already counted from the published versions, so a different
    slot id only refreshes the stored times. Values written are absolute, so two readers
    noticing the same edit at once write the same row.
    """
    rows = {r.proposal: r for r in await SessionRevision.objects().where(SessionRevision.event == event_id)}
    now = utcnow().replace(microsecond=0)
    out: list[Item] = []
    for item in items:
        start, end = item.starts_at.astimezone(UTC), item.ends_at.astimezone(UTC)
        row = rows.get(item.proposal_id)
        extra, changed = (row.extra, aware(row.changed_at)) if row is not None else (0, item.last_modified)
        if row is None or (row.slot, aware(row.starts_at), aware(row.ends_at)) != (item.slot_id, start, end):
            if row is not None and row.slot == item.slot_id:
                extra, changed = extra + 1, now
            fresh = SessionRevision(
                event=event_id,
                proposal=item.proposal_id,
                slot=item.slot_id,
                starts_at=start,
                ends_at=end,
                extra=extra,
                changed_at=changed,
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
        if extra:
            item = replace(item, sequence=item.sequence + extra, last_modified=max(item.last_modified, changed))
        out.append(item)
    return out


async def load_schedule(event: Event, *, allow_empty: bool = False) -> Schedule:
    """The latest published agenda plus each session's revision history.

    404 when nothing is published, unless ``allow_empty`` (subscription feeds made early should
    stay valid, empty calendars rather than errors that make clients drop them).
    """
    versions = list(
        await AgendaVersion.objects()
        .where((AgendaVersion.event == event.id) & (AgendaVersion.status == "published"))
        .order_by(AgendaVersion.version)
    )
    tz = check_timezone(event.timezone)
    if not versions:
        if not allow_empty:
            raise NotFound("the agenda is not published yet: there is nothing to export", field="agenda")
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
            version=0,
            published_at=aware(event.created_at).replace(microsecond=0),
            base_url=base_url(),
            rooms=[],
        )
    by_version: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in await Placement.select(Placement.agenda, Placement.proposal, Placement.slot, Placement.room).where(
        Placement.agenda.is_in([v.id for v in versions])
    ):
        by_version[row["agenda"]][row["proposal"]] = (row["slot"], row["room"])
    slots = {s.id: s for s in await TimeSlot.objects().where(TimeSlot.event == event.id)}
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
        for r in await Room.objects().where(Room.event == event.id).order_by(Room.position, Room.id)
    }
    proposals = {p.id: p for p in await Proposal.objects().where(Proposal.event == event.id)}
    facs = await facilitators_by_proposal(event.id)
    counts = await tallies(event.id)
    video_links = await session_links(event.id)

    # Walk the published versions in order: every change of place is one more revision.
    history: dict[int, tuple[tuple[int, int] | None, tuple[int, int], int, datetime]] = {}
    for version in versions:
        published_at = aware(version.published_at or version.created_at)
        placed = by_version.get(version.id, {})
        for pid, (state, last_place, seq, _modified) in list(history.items()):
            now_state = placed.get(pid)
            if now_state != state:
                history[pid] = (now_state, now_state or last_place, seq + 1, published_at)
        for pid, place in placed.items():
            if pid not in history:
                history[pid] = (place, place, 0, published_at)

    items: list[Item] = []
    touched = aware(event.updated_at)
    for pid, (state, place, seq, modified) in history.items():
        proposal = proposals.get(pid)
        slot, room = slots.get(place[0]), rooms.get(place[1])
        if proposal is None or slot is None or room is None:
            continue
        cancelled = state is None
        if proposal.status not in LIVE_STATUSES:
            # Withdrawn or merged after publishing: cancelled now, even before the next publication.
            if not cancelled:
                seq += 1
            cancelled = True
            modified = max(modified, aware(proposal.updated_at))
        # Live sessions: LAST-MODIFIED follows their place only, since publishing rewrites
        # every proposal's updated_at; title edits still move the response's Last-Modified.
        touched = max(touched, aware(proposal.updated_at))
        dots, voters = counts.get(pid, (0, 0))
        items.append(
            Item(
                proposal_id=pid,
                guid=session_guid(event.slug, pid),
                title=proposal.title,
                description=proposal.description,
                tags=tuple(proposal.tags or ()),
                facilitators=tuple(Person(id=f.id, name=f.display_name) for f in facs.get(pid, [])),
                starts_at=aware(slot.starts_at).astimezone(tz),
                ends_at=aware(slot.ends_at).astimezone(tz),
                slot_id=slot.id,
                slot_label=slot.label,
                room=room,
                cancelled=cancelled,
                sequence=seq,
                last_modified=modified.replace(microsecond=0),
                votes=dots,
                voters=voters,
                session_video_link="" if cancelled else video_links.get(pid, ""),
            )
        )
    items = await _with_slot_edits(event.id, items)
    items.sort(key=lambda i: (i.starts_at, i.room.position, i.room.id, i.proposal_id))
    latest = versions[-1]
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
        version=latest.version or len(versions),
        published_at=aware(latest.published_at or latest.created_at).replace(microsecond=0),
        base_url=base_url(),
        rooms=list(rooms.values()),
        items=items,
        touched_at=touched.replace(microsecond=0),
    )
