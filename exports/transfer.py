"""Whole-event export and import: a JSON file that round-trips without loss.

The file names things by references (``u1``, ``r1``, ``s1``, ``p1``) rather than database
ids, so it can be imported into any database. An import is one transaction: a bad or
hostile file changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from agenda.tables import AgendaVersion, Placement, Room, TimeSlot
from events.services import get_event
from events.tables import Event, Participant
from sessions.tables import Proposal, ProposalFacilitator
from unconf.database import write_transaction
from unconf.errors import Conflict, ValidationFailed
from unconf.tokens import hash_token, new_join_code, new_token
from unconf.validation import check_slug, check_timezone, clean_email, clean_tags, clean_text, utcnow
from voting.tables import Vote

FORMAT = "unconf-event/v1"
Ref = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Short = Annotated[str, Meta(max_length=200)]
Text = Annotated[str, Meta(max_length=5000)]
Tags = Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)]


class FileSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    dots_per_participant: Annotated[int, Meta(ge=1, le=100)] = 5
    allow_stacking: bool = False
    late_proposals: bool = False


class FileEvent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Annotated[str, Meta(min_length=1, max_length=64)]
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    description: Text = ""
    timezone: Annotated[str, Meta(max_length=64)] = "UTC"
    start_date: date
    end_date: date
    venue: Short = ""
    tier: Literal["free", "paid"] = "free"
    phase: Literal["draft", "proposals", "voting", "scheduled", "running", "closed"] = "draft"
    phase_ends_at: datetime | None = None
    join_code: Annotated[str, Meta(max_length=16)] | None = None
    settings: FileSettings = msgspec.field(default_factory=FileSettings)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class FileParticipant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    display_name: Annotated[str, Meta(min_length=1, max_length=80)]
    role: Literal["organizer", "attendee"] = "attendee"
    email: Annotated[str, Meta(max_length=254)] | None = None
    token_hash: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")] | None = None
    created_at: datetime | None = None


class FileRoom(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    capacity: Annotated[int, Meta(ge=1, le=100_000)]
    kind: Literal["physical", "virtual", "hybrid"] = "physical"
    accessibility_notes: Annotated[str, Meta(max_length=1000)] = ""
    video_link: Annotated[str, Meta(max_length=500)] = ""
    features: Tags = msgspec.field(default_factory=list)
    position: Annotated[int, Meta(ge=0, le=10_000)] = 0


class FileSlot(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    starts_at: datetime
    ends_at: datetime
    kind: Literal["breakout", "plenary", "break"] = "breakout"
    label: Annotated[str, Meta(max_length=80)] = ""


class FileProposal(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    title: Annotated[str, Meta(min_length=1, max_length=120)]
    facilitators: Annotated[list[Ref], Meta(min_length=1, max_length=5)]
    description: Annotated[str, Meta(max_length=2000)] = ""
    tags: Tags = msgspec.field(default_factory=list)
    needs: Tags = msgspec.field(default_factory=list)
    status: Literal["proposed", "withdrawn", "merged", "scheduled"] = "proposed"
    merged_into: Ref | None = None
    created_by: Ref | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class FileVote(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant: Ref
    proposal: Ref
    dots: Annotated[int, Meta(ge=1, le=100)] = 1
    updated_at: datetime | None = None


class FilePlacement(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    proposal: Ref
    slot: Ref
    room: Ref
    pinned: bool = False


class FileAgenda(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    status: Literal["draft", "published"]
    placements: list[FilePlacement]
    version: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    score: float = 0.0
    note: Annotated[str, Meta(max_length=2000)] = ""
    created_at: datetime | None = None
    published_at: datetime | None = None


class EventFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    format: Literal["unconf-event/v1"]
    event: FileEvent
    participants: Annotated[list[FileParticipant], Meta(max_length=100_000)] = msgspec.field(default_factory=list)
    rooms: Annotated[list[FileRoom], Meta(max_length=1_000)] = msgspec.field(default_factory=list)
    slots: Annotated[list[FileSlot], Meta(max_length=1_000)] = msgspec.field(default_factory=list)
    proposals: Annotated[list[FileProposal], Meta(max_length=10_000)] = msgspec.field(default_factory=list)
    votes: Annotated[list[FileVote], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)
    agendas: Annotated[list[FileAgenda], Meta(max_length=1_000)] = msgspec.field(default_factory=list)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


async def export_event(slug: str) -> EventFile:
    event = await get_event(slug)
    tz = check_timezone(event.timezone)
    people = await Participant.objects().where(Participant.event == event.id).order_by(Participant.id)
    rooms = await Room.objects().where(Room.event == event.id).order_by(Room.id)
    slots = await TimeSlot.objects().where(TimeSlot.event == event.id).order_by(TimeSlot.id)
    proposals = await Proposal.objects().where(Proposal.event == event.id).order_by(Proposal.id)
    u = {p.id: f"u{i}" for i, p in enumerate(people, 1)}
    r = {x.id: f"r{i}" for i, x in enumerate(rooms, 1)}
    s = {x.id: f"s{i}" for i, x in enumerate(slots, 1)}
    pr = {x.id: f"p{i}" for i, x in enumerate(proposals, 1)}
    facs: dict[int, list[str]] = {}
    for row in (
        await ProposalFacilitator.select()
        .where(ProposalFacilitator.proposal.event == event.id)
        .order_by(ProposalFacilitator.id)
    ):
        facs.setdefault(row["proposal"], []).append(u[row["participant"]])
    votes = await Vote.objects().where(Vote.event == event.id).order_by(Vote.id)
    agendas = await AgendaVersion.objects().where(AgendaVersion.event == event.id).order_by(AgendaVersion.id)
    placements: dict[int, list[Placement]] = {}
    for pl in await Placement.objects().where(Placement.agenda.event == event.id).order_by(Placement.id):
        placements.setdefault(pl.agenda, []).append(pl)
    return EventFile(
        format="unconf-event/v1",
        event=FileEvent(
            slug=event.slug,
            title=event.title,
            description=event.description,
            timezone=event.timezone,
            start_date=event.start_date,
            end_date=event.end_date,
            venue=event.venue,
            tier=event.tier,  # type: ignore[arg-type]
            phase=event.phase,  # type: ignore[arg-type]
            phase_ends_at=_utc(event.phase_ends_at),
            join_code=event.join_code,
            settings=FileSettings(
                dots_per_participant=event.dots_per_participant,
                allow_stacking=event.allow_stacking,
                late_proposals=event.late_proposals,
            ),
            created_at=_utc(event.created_at),
            updated_at=_utc(event.updated_at),
        ),
        participants=[
            FileParticipant(
                ref=u[p.id],
                display_name=p.display_name,
                role=p.role,  # type: ignore[arg-type]
                email=p.email,
                token_hash=p.token_hash,
                created_at=_utc(p.created_at),
            )
            for p in people
        ],
        rooms=[
            FileRoom(
                ref=r[x.id],
                name=x.name,
                capacity=x.capacity,
                kind=x.kind,  # type: ignore[arg-type]
                accessibility_notes=x.accessibility_notes,
                video_link=x.video_link,
                features=list(x.features),
                position=x.position,
            )
            for x in rooms
        ],
        slots=[
            FileSlot(
                ref=s[x.id],
                starts_at=(_utc(x.starts_at) or utcnow()).astimezone(tz),
                ends_at=(_utc(x.ends_at) or utcnow()).astimezone(tz),
                kind=x.kind,  # type: ignore[arg-type]
                label=x.label,
            )
            for x in slots
        ],
        proposals=[
            FileProposal(
                ref=pr[x.id],
                title=x.title,
                facilitators=facs.get(x.id, []),
                description=x.description,
                tags=list(x.tags),
                needs=list(x.needs),
                status=x.status,  # type: ignore[arg-type]
                merged_into=pr.get(x.merged_into) if x.merged_into else None,
                created_by=u.get(x.created_by) if x.created_by else None,
                created_at=_utc(x.created_at),
                updated_at=_utc(x.updated_at),
            )
            for x in proposals
        ],
        votes=[
            FileVote(participant=u[v.participant], proposal=pr[v.proposal], dots=v.dots, updated_at=_utc(v.updated_at))
            for v in votes
            if v.dots > 0
        ],
        agendas=[
            FileAgenda(
                status=a.status,  # type: ignore[arg-type]
                version=a.version,
                score=a.score,
                note=a.note,
                created_at=_utc(a.created_at),
                published_at=_utc(a.published_at),
                placements=[
                    FilePlacement(proposal=pr[p.proposal], slot=s[p.slot], room=r[p.room], pinned=p.pinned)
                    for p in placements.get(a.id, [])
                ],
            )
            for a in agendas
        ],
    )


def decode_event_file(raw: bytes) -> EventFile:
    if b"\\u0000" in raw:
        raise ValidationFailed("the file contains a NUL character, which no field may hold", field="file")
    try:
        return msgspec.json.decode(raw, type=EventFile)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"not a valid unconf event file: {exc}", field=_path(str(exc))) from exc
    except msgspec.DecodeError as exc:
        raise ValidationFailed(f"not valid JSON: {exc}", field="file") from exc


def _path(message: str) -> str:
    if "at `$." in message:
        return message.rsplit("at `$.", 1)[1].rstrip("`")
    return "file"


def _unique_refs(items: list[Any], field: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.ref in seen:
            raise ValidationFailed(f"{field}[{i}].ref {item.ref!r} is used twice", field=f"{field}[{i}].ref")
        seen[item.ref] = i
    return seen


def _ref(table: dict[str, int], ref: str, field: str) -> int:
    if ref not in table:
        raise ValidationFailed(f"{field} refers to {ref!r}, which the file does not define", field=field)
    return table[ref]


def _check(data: EventFile) -> None:
    """Every cross-reference and rule, before anything is written."""
    ev = data.event
    check_slug(ev.slug)
    check_timezone(ev.timezone)
    if ev.end_date < ev.start_date:
        raise ValidationFailed("event.end_date is before event.start_date", field="event.end_date")
    people = _unique_refs(data.participants, "participants")
    rooms = _unique_refs(data.rooms, "rooms")
    slots = _unique_refs(data.slots, "slots")
    props = _unique_refs(data.proposals, "proposals")
    for i, person in enumerate(data.participants):
        clean_text(person.display_name, f"participants[{i}].display_name", max_length=80)
        clean_email(person.email, f"participants[{i}].email")
    for i, room in enumerate(data.rooms):
        clean_text(room.name, f"rooms[{i}].name", max_length=80)
        clean_tags(room.features, f"rooms[{i}].features")
    for i, slot in enumerate(data.slots):
        if slot.starts_at.tzinfo is None or slot.ends_at.tzinfo is None:
            raise ValidationFailed(f"slots[{i}] times need a UTC offset", field=f"slots[{i}].starts_at")
        if slot.ends_at <= slot.starts_at:
            raise ValidationFailed(f"slots[{i}].ends_at is not after starts_at", field=f"slots[{i}].ends_at")
    for i, p in enumerate(data.proposals):
        clean_text(p.title, f"proposals[{i}].title", max_length=120)
        clean_text(p.description, f"proposals[{i}].description", max_length=2000, multiline=True, required=False)
        clean_tags(p.tags, f"proposals[{i}].tags")
        clean_tags(p.needs, f"proposals[{i}].needs")
        for j, f in enumerate(p.facilitators):
            _ref(people, f, f"proposals[{i}].facilitators[{j}]")
        if p.created_by is not None:
            _ref(people, p.created_by, f"proposals[{i}].created_by")
        if p.merged_into is not None:
            _ref(props, p.merged_into, f"proposals[{i}].merged_into")
    spent: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    budget = ev.settings.dots_per_participant
    for i, v in enumerate(data.votes):
        _ref(people, v.participant, f"votes[{i}].participant")
        _ref(props, v.proposal, f"votes[{i}].proposal")
        if (v.participant, v.proposal) in pairs:
            raise ValidationFailed(f"votes[{i}] repeats a participant and proposal", field=f"votes[{i}]")
        pairs.add((v.participant, v.proposal))
        if not ev.settings.allow_stacking and v.dots > 1:
            raise ValidationFailed(f"votes[{i}] stacks dots but the event does not allow it", field=f"votes[{i}].dots")
        status = data.proposals[props[v.proposal]].status
        if status in ("proposed", "scheduled"):
            spent[v.participant] = spent.get(v.participant, 0) + v.dots
            if spent[v.participant] > budget:
                raise ValidationFailed(
                    f"votes[{i}]: {v.participant} spends more than {budget} dots", field=f"votes[{i}].dots"
                )
    versions: set[int] = set()
    drafts = 0
    for a_i, agenda in enumerate(data.agendas):
        where = f"agendas[{a_i}]"
        if agenda.status == "published":
            if agenda.version is None or agenda.version in versions:
                raise ValidationFailed(f"{where} needs a unique version number", field=f"{where}.version")
            versions.add(agenda.version)
        else:
            drafts += 1
            if drafts > 1:
                raise ValidationFailed("an event has at most one draft agenda", field=f"{where}.status")
        places: set[tuple[str, str]] = set()
        placed: set[str] = set()
        for p_i, pl in enumerate(agenda.placements):
            at = f"{where}.placements[{p_i}]"
            _ref(props, pl.proposal, f"{at}.proposal")
            _ref(slots, pl.slot, f"{at}.slot")
            _ref(rooms, pl.room, f"{at}.room")
            if (pl.slot, pl.room) in places or pl.proposal in placed:
                raise ValidationFailed(f"{at} places two sessions in one room or one session twice", field=at)
            places.add((pl.slot, pl.room))
            placed.add(pl.proposal)


async def import_event(
    data: EventFile, *, slug: str | None = None, shift_to: date | None = None
) -> tuple[Event, list[tuple[str, str]]]:
    """Create the event from the file; returns new secrets for organizers the file had no key for."""
    if slug is not None:
        data = msgspec.structs.replace(data, event=msgspec.structs.replace(data.event, slug=slug))
    _check(data)
    ev = data.event
    shift = timedelta(days=(shift_to - ev.start_date).days) if shift_to else timedelta(0)
    now = utcnow()
    new_keys: list[tuple[str, str]] = []
    async with write_transaction():
        if await Event.exists().where(Event.slug == ev.slug):
            raise Conflict(f"an event with slug {ev.slug!r} exists already; import it under another slug", field="slug")
        code = ev.join_code
        if not code or await Event.exists().where(Event.join_code == code):
            code = new_join_code()
            while await Event.exists().where(Event.join_code == code):
                code = new_join_code()
        event = Event(
            slug=ev.slug,
            title=ev.title,
            description=ev.description,
            timezone=ev.timezone,
            start_date=ev.start_date + shift,
            end_date=ev.end_date + shift,
            venue=ev.venue,
            tier=ev.tier,
            phase=ev.phase,
            phase_ends_at=_utc(ev.phase_ends_at),
            dots_per_participant=ev.settings.dots_per_participant,
            allow_stacking=ev.settings.allow_stacking,
            late_proposals=ev.settings.late_proposals,
            join_code=code,
            created_at=_utc(ev.created_at) or now,
            updated_at=_utc(ev.updated_at) or now,
        )
        await event.save()
        people: dict[str, int] = {}
        for person in data.participants:
            token_hash = person.token_hash
            # A copy of an event already here cannot share its people's tokens: the copy gets new ones.
            if token_hash is None or await Participant.exists().where(Participant.token_hash == token_hash):
                token = new_token()
                token_hash = hash_token(token)
                if person.role == "organizer":
                    new_keys.append((person.display_name, token))
            person_row = Participant(
                event=event.id,
                display_name=person.display_name,
                email=person.email,
                role=person.role,
                token_hash=token_hash,
                created_at=_utc(person.created_at) or now,
            )
            await person_row.save()
            people[person.ref] = person_row.id
        rooms: dict[str, int] = {}
        for room in data.rooms:
            room_row = Room(
                event=event.id,
                name=room.name,
                capacity=room.capacity,
                kind=room.kind,
                accessibility_notes=room.accessibility_notes,
                video_link=room.video_link,
                features=list(room.features),
                position=room.position,
            )
            await room_row.save()
            rooms[room.ref] = room_row.id
        slots: dict[str, int] = {}
        for slot in data.slots:
            slot_row = TimeSlot(
                event=event.id,
                starts_at=(_utc(slot.starts_at) or now) + shift,
                ends_at=(_utc(slot.ends_at) or now) + shift,
                kind=slot.kind,
                label=slot.label,
            )
            await slot_row.save()
            slots[slot.ref] = slot_row.id
        props: dict[str, int] = {}
        for proposal in data.proposals:
            proposal_row = Proposal(
                event=event.id,
                title=proposal.title,
                description=proposal.description,
                tags=list(proposal.tags),
                needs=list(proposal.needs),
                status=proposal.status,
                created_by=people[proposal.created_by] if proposal.created_by else None,
                created_at=_utc(proposal.created_at) or now,
                updated_at=_utc(proposal.updated_at) or now,
            )
            await proposal_row.save()
            props[proposal.ref] = proposal_row.id
        facilitator_rows = [
            ProposalFacilitator(proposal=props[p.ref], participant=people[f])
            for p in data.proposals
            for f in dict.fromkeys(p.facilitators)
        ]
        if facilitator_rows:
            await ProposalFacilitator.insert(*facilitator_rows)
        for proposal in data.proposals:
            if proposal.merged_into:
                await Proposal.update({Proposal.merged_into: props[proposal.merged_into]}).where(
                    Proposal.id == props[proposal.ref]
                )
        vote_rows = [
            Vote(
                event=event.id,
                proposal=props[v.proposal],
                participant=people[v.participant],
                dots=v.dots,
                updated_at=_utc(v.updated_at) or now,
            )
            for v in data.votes
        ]
        for start in range(0, len(vote_rows), 500):
            await Vote.insert(*vote_rows[start : start + 500])
        for agenda in data.agendas:
            agenda_row = AgendaVersion(
                event=event.id,
                status=agenda.status,
                version=agenda.version if agenda.status == "published" else None,
                score=agenda.score,
                note=agenda.note,
                created_at=_utc(agenda.created_at) or now,
                published_at=_utc(agenda.published_at),
            )
            await agenda_row.save()
            placement_rows = [
                Placement(
                    agenda=agenda_row.id,
                    proposal=props[pl.proposal],
                    slot=slots[pl.slot],
                    room=rooms[pl.room],
                    pinned=pl.pinned,
                )
                for pl in agenda.placements
            ]
            if placement_rows:
                await Placement.insert(*placement_rows)
    return event, new_keys


def encode_event_file(data: EventFile) -> bytes:
    return msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n"
