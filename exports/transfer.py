"""Whole-event export and import: one JSON file with every table of the event.

The file names things by references (``u1`` people, ``r1`` rooms, ``s1`` slots, ``p1`` proposals,
``a1`` agenda versions, ``w1`` webhooks) rather than database ids, so it can be imported into any
database. An import is one transaction: a bad or hostile file changes nothing. ``CARRIED`` says
which section holds each table, so a new table cannot be forgotten (a test checks it).

What travels and what does not (``exports.transfer_scope`` says it once; the file repeats it in
``left_out`` and ``unconf export --help`` prints it):

- Participants' keys, invitation codes and calendar feed URLs travel as SHA-256 hashes, as they
  always have for keys. Each secret is 192 to 256 random bits, so its hash lets nobody sign in,
  redeem an invitation or read a feed; it lets the same keys, unused links and subscribed
  calendars keep working where the file is imported (a server move). A copy imported beside its
  original cannot share them: its people get new keys (organizers' are printed), its pending
  invitation links stop working and its calendar feeds are dropped, to be made again.
- Provider secrets, meeting links and webhooks (whose URL or signing key is a credential) travel
  only with ``--with-secrets``. The file says which with ``secrets_included``.
- Outbox rows still pending stay behind (the old server delivers them), and so do dedupe keys,
  which name the old database's ids.

``--shift-to`` moves every date and timestamp of the event by the same number of days.
Files written before ``format_version`` 2 carry only the event, people, rooms, slots, proposals,
votes and agendas; they import as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta
from piccolo.table import Table

from agenda.tables import AgendaVersion, Autopilot, Placement, Room, TimeSlot
from events import tiers
from events.services import EVENT_SLUGS, get_event
from events.tables import Event, Participant
from exports.tables import CalendarFeed, SessionRevision
from exports.transfer_scope import LeftOut, left_out
from notify.schemas import NOTICE_TYPES
from notify.tables import Outbox, OutboxAttempt, WebhookEndpoint
from notify.webhooks import MAX_ENDPOINTS
from people.tables import Registrant
from rooms.links import MAIN_KEY, session_key
from rooms.tables import RoomVisit, VideoLink, VideoSettings
from rooms.video import REGISTRY, get_provider
from sessions.notes import MAX_NOTES
from sessions.tables import Proposal, ProposalFacilitator, SessionNote, Star, Volunteer
from unconf import i18n
from unconf.auth import Role
from unconf.database import serialise_writers, write_transaction
from unconf.errors import Conflict, ValidationFailed
from unconf.i18n import gettext as _
from unconf.i18n import gettext_noop
from unconf.tokens import hash_token, new_join_code, new_token
from unconf.validation import aware, check_slug, check_timezone, clean_email, clean_tags, clean_text, utcnow
from voting.tables import Vote

FORMAT: Final = "unconf-event/v1"
FORMAT_VERSION = 2
"""1: event, people, rooms, slots, proposals, votes, agendas. 2: every other table, ``left_out``."""

Ref = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Short = Annotated[str, Meta(max_length=200)]
Text = Annotated[str, Meta(max_length=5000)]
Tags = Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)]
Hash = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Meta(ge=0, le=2**31 - 1)]
Name = Annotated[str, Meta(max_length=80)]
Url = Annotated[str, Meta(min_length=8, max_length=2000, pattern=r"^https?://")]


class FileSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    dots_per_participant: Annotated[int, Meta(ge=1, le=100)] = 5
    allow_stacking: bool = False
    late_proposals: bool = False
    listed: bool = False


class FileEvent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Annotated[str, Meta(min_length=1, max_length=64)]
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    description: Text = ""
    timezone: Annotated[str, Meta(max_length=64)] = "UTC"
    start_date: date
    end_date: date
    venue: Short = ""
    language: Literal["en", "es", "fr", "de", "pt_BR", "ar"] = "en"
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
    token_hash: Hash | None = None
    created_at: datetime | None = None
    attendance: Literal["in_room", "remote"] = "in_room"
    language: Annotated[str, Meta(max_length=16)] | None = None
    """The language the person last used (their mail and calendars are in it); None: the event's."""


class FileRoom(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    capacity: Annotated[int, Meta(ge=1, le=100_000)]
    kind: Literal["physical", "virtual", "hybrid"] = "physical"
    accessibility_notes: Annotated[str, Meta(max_length=1000)] = ""
    video_link: Annotated[str, Meta(max_length=500)] = ""
    features: Tags = msgspec.field(default_factory=list)
    position: Annotated[int, Meta(ge=0, le=10_000)] = 0
    hosts_breakouts: bool = True
    video_equipped: bool = False


class FileSlot(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref
    starts_at: datetime
    ends_at: datetime
    kind: Literal["breakout", "plenary", "break"] = "breakout"
    label: Annotated[str, Meta(max_length=80)] = ""


class FileVolunteer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Someone who offered to facilitate a session or take its notes."""

    participant: Ref
    role: Literal["facilitate", "notes"] = "facilitate"
    created_at: datetime | None = None


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
    learning: bool = False
    repeatable: bool = False
    volunteers: Annotated[list[FileVolunteer], Meta(max_length=10_000)] = msgspec.field(default_factory=list)


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
    run: Annotated[int, Meta(ge=1, le=2)] = 1


class FileAgenda(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    ref: Ref | None = None
    status: Literal["draft", "published"]
    placements: list[FilePlacement]
    version: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    score: float = 0.0
    note: Annotated[str, Meta(max_length=2000)] = ""
    created_at: datetime | None = None
    published_at: datetime | None = None
    bound: float | None = None


class FileNote(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One saved revision of a session's notes."""

    proposal: Ref
    revision: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    text: Annotated[str, Meta(max_length=MAX_NOTES)] = ""
    author: Ref | None = None
    created_at: datetime | None = None


class FileStar(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant: Ref
    proposal: Ref
    starred: bool = True
    updated_at: datetime | None = None


class FileAutopilot(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    proposals_until: datetime | None = None
    voting_until: datetime | None = None
    publish_at: datetime | None = None
    hold_for_review: bool = False
    time_limit: Annotated[float, Meta(gt=0, le=60)] = 2.0
    voting_closed_at: datetime | None = None
    built_at: datetime | None = None
    published_at: datetime | None = None
    last_error: Text = ""
    updated_at: datetime | None = None


class FileVideoSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``secrets`` is null unless the file was written with ``--with-secrets``."""

    provider: Annotated[str, Meta(min_length=1, max_length=32)]
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    secrets: dict[str, Any] | None = None
    main_room: Ref | None = None
    last_error: Text = ""
    updated_at: datetime | None = None


class FileVideoLink(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A meeting: the main room's when ``proposal`` is null. Written only with ``--with-secrets``."""

    proposal: Ref | None = None
    room: Ref | None = None
    provider: Annotated[str, Meta(min_length=1, max_length=32)]
    meeting_id: Annotated[str, Meta(max_length=200)]
    url: Annotated[str, Meta(max_length=1000)] = ""
    host_url: Annotated[str, Meta(max_length=1000)] = ""
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    agenda: Ref | None = None
    created_at: datetime | None = None


class FileRoomVisit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant: Ref | None = None
    proposal: Ref | None = None
    room: Ref | None = None
    how: Literal["video", "checkin"] = "checkin"
    started_at: datetime
    ended_at: datetime | None = None
    ends_by: datetime | None = None


class FileRegistrant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An imported or invited person; ``code_hash`` is the SHA-256 of their unused invitation code."""

    participant: Ref
    email_key: Annotated[str, Meta(min_length=1, max_length=254)]
    first_name: Name = ""
    last_name: Name = ""
    source: Literal["csv", "sheet", "eventbrite", "joined"] = "csv"
    external_id: Annotated[str, Meta(max_length=100)] = ""
    code_hash: Hash | None = None
    code_created_at: datetime | None = None
    invited_at: datetime | None = None
    redeemed_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime | None = None


class FileCalendarFeed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    participant: Ref
    secret_hash: Hash
    created_at: datetime | None = None


class FileSessionRevision(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What calendars last saw of a session's time; ``slot`` is null when that slot is gone."""

    proposal: Ref
    slot: Ref | None = None
    starts_at: datetime
    ends_at: datetime
    extra: Count = 0
    changed_at: datetime | None = None


class FileWebhook(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Written only with ``--with-secrets``."""

    ref: Ref
    url: Url
    format: Literal["slack", "generic"] = "generic"
    secret: Annotated[str, Meta(max_length=100)] = ""
    types: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    description: Short = ""
    active: bool = True
    created_at: datetime | None = None


class FileAttempt(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    number: Annotated[int, Meta(ge=0, le=1000)]
    at: datetime
    ok: bool = False
    code: Annotated[int, Meta(ge=0, le=999)] | None = None
    error: Text = ""
    duration_ms: Count = 0


class FileDelivery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A finished outbox row and every try at delivering it (the delivery history)."""

    channel: Literal["notice", "webhook", "email"]
    kind: Annotated[str, Meta(min_length=1, max_length=40)]
    status: Literal["delivered", "failed", "cancelled"]
    endpoint: Ref | None = None
    participant: Ref | None = None
    recipient: Annotated[str, Meta(max_length=254)] = ""
    subject: Annotated[str, Meta(max_length=300)] = ""
    payload: Annotated[str, Meta(max_length=1_000_000)] = "{}"
    attempts: Annotated[int, Meta(ge=0, le=1000)] = 0
    max_attempts: Annotated[int, Meta(ge=1, le=1000)] = 10
    next_attempt_at: datetime | None = None
    last_error: Text = ""
    last_code: Annotated[int, Meta(ge=0, le=999)] | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    tries: Annotated[list[FileAttempt], Meta(max_length=1000)] = msgspec.field(default_factory=list)


class EventFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    format: Literal["unconf-event/v1"]
    format_version: Annotated[int, Meta(ge=1, le=FORMAT_VERSION)] = 1
    secrets_included: bool = False
    left_out: Annotated[list[LeftOut], Meta(max_length=100)] = msgspec.field(default_factory=list)
    event: FileEvent
    participants: Annotated[list[FileParticipant], Meta(max_length=100_000)] = msgspec.field(default_factory=list)
    rooms: Annotated[list[FileRoom], Meta(max_length=1_000)] = msgspec.field(default_factory=list)
    slots: Annotated[list[FileSlot], Meta(max_length=1_000)] = msgspec.field(default_factory=list)
    proposals: Annotated[list[FileProposal], Meta(max_length=10_000)] = msgspec.field(default_factory=list)
    votes: Annotated[list[FileVote], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)
    agendas: Annotated[list[FileAgenda], Meta(max_length=1_000)] = msgspec.field(default_factory=list)
    notes: Annotated[list[FileNote], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)
    stars: Annotated[list[FileStar], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)
    autopilot: FileAutopilot | None = None
    video: FileVideoSettings | None = None
    video_links: Annotated[list[FileVideoLink], Meta(max_length=10_001)] = msgspec.field(default_factory=list)
    room_visits: Annotated[list[FileRoomVisit], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)
    registrants: Annotated[list[FileRegistrant], Meta(max_length=100_000)] = msgspec.field(default_factory=list)
    calendar_feeds: Annotated[list[FileCalendarFeed], Meta(max_length=100_000)] = msgspec.field(default_factory=list)
    session_revisions: Annotated[list[FileSessionRevision], Meta(max_length=10_000)] = msgspec.field(
        default_factory=list
    )
    webhooks: Annotated[list[FileWebhook], Meta(max_length=MAX_ENDPOINTS)] = msgspec.field(default_factory=list)
    deliveries: Annotated[list[FileDelivery], Meta(max_length=1_000_000)] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class Carried:
    """Where a table travels: the file section and the Structs whose fields are its columns.

    ``implied`` names columns the file expresses by its shape (nesting, references) rather than a field.
    """

    section: str
    structs: tuple[type[msgspec.Struct], ...]
    implied: frozenset[str] = field(default_factory=frozenset)


CARRIED: dict[type[Table], Carried] = {
    Event: Carried("event", (FileEvent, FileSettings)),
    Participant: Carried("participants", (FileParticipant,)),
    Room: Carried("rooms", (FileRoom,)),
    TimeSlot: Carried("slots", (FileSlot,)),
    Proposal: Carried("proposals", (FileProposal,)),
    ProposalFacilitator: Carried("proposals[].facilitators", (), frozenset({"proposal", "participant"})),
    Vote: Carried("votes", (FileVote,)),
    AgendaVersion: Carried("agendas", (FileAgenda,)),
    Placement: Carried("agendas[].placements", (FilePlacement,), frozenset({"agenda"})),
    SessionNote: Carried("notes", (FileNote,)),
    Star: Carried("stars", (FileStar,)),
    Volunteer: Carried("proposals[].volunteers", (FileVolunteer,), frozenset({"proposal"})),
    Autopilot: Carried("autopilot", (FileAutopilot,)),
    VideoSettings: Carried("video", (FileVideoSettings,)),
    VideoLink: Carried("video_links", (FileVideoLink,), frozenset({"key", "agenda_version"})),
    RoomVisit: Carried("room_visits", (FileRoomVisit,)),
    Registrant: Carried("registrants", (FileRegistrant,)),
    CalendarFeed: Carried("calendar_feeds", (FileCalendarFeed,)),
    SessionRevision: Carried("session_revisions", (FileSessionRevision,)),
    WebhookEndpoint: Carried("webhooks", (FileWebhook,)),
    Outbox: Carried("deliveries", (FileDelivery,), frozenset({"endpoint"})),
    OutboxAttempt: Carried("deliveries[].tries", (FileAttempt,), frozenset({"outbox"})),
}


# --- export ----------------------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value).astimezone(UTC)


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(text or "{}")
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _refs(rows: Iterable[Any], prefix: str) -> dict[int, str]:
    return {row.id: f"{prefix}{i}" for i, row in enumerate(rows, 1)}


def _opt(refs: dict[int, str], key: int | None) -> str | None:
    return refs.get(key) if key is not None else None


async def export_event(slug: str, *, with_secrets: bool = False) -> EventFile:
    """The whole event as a file; provider secrets, meeting links and webhooks only ``with_secrets``."""
    event = await get_event(slug)
    tz = check_timezone(event.timezone)
    people = await Participant.objects().where(Participant.event == event.id).order_by(Participant.id)
    rooms = await Room.objects().where(Room.event == event.id).order_by(Room.id)
    slots = await TimeSlot.objects().where(TimeSlot.event == event.id).order_by(TimeSlot.id)
    proposals = await Proposal.objects().where(Proposal.event == event.id).order_by(Proposal.id)
    agendas = await AgendaVersion.objects().where(AgendaVersion.event == event.id).order_by(AgendaVersion.id)
    u, r, s, pr, ag = (
        _refs(people, "u"),
        _refs(rooms, "r"),
        _refs(slots, "s"),
        _refs(proposals, "p"),
        _refs(agendas, "a"),
    )
    facs: dict[int, list[str]] = {}
    for row in (
        await ProposalFacilitator.select()
        .where(ProposalFacilitator.proposal.event == event.id)
        .order_by(ProposalFacilitator.id)
    ):
        facs.setdefault(row["proposal"], []).append(u[row["participant"]])
    votes = await Vote.objects().where(Vote.event == event.id).order_by(Vote.id)
    placements: dict[int, list[Placement]] = {}
    for pl in await Placement.objects().where(Placement.agenda.event == event.id).order_by(Placement.id):
        placements.setdefault(pl.agenda, []).append(pl)
    notes = await SessionNote.objects().where(SessionNote.event == event.id).order_by(SessionNote.id)
    volunteers: dict[int, list[Volunteer]] = {}
    for offer in await Volunteer.objects().where(Volunteer.event == event.id).order_by(Volunteer.id):
        volunteers.setdefault(offer.proposal, []).append(offer)
    stars = await Star.objects().where(Star.event == event.id).order_by(Star._meta.primary_key)
    autopilot = await Autopilot.objects().where(Autopilot.event == event.id).first()
    video = await VideoSettings.objects().where(VideoSettings.event == event.id).first()
    links = await VideoLink.objects().where(VideoLink.event == event.id).order_by(VideoLink.id) if with_secrets else []
    visits = await RoomVisit.objects().where(RoomVisit.event == event.id).order_by(RoomVisit.id)
    registrants = await Registrant.objects().where(Registrant.event == event.id).order_by(Registrant.id)
    feeds = await CalendarFeed.objects().where(CalendarFeed.event == event.id).order_by(CalendarFeed._meta.primary_key)
    revisions = (
        await SessionRevision.objects()
        .where(SessionRevision.event == event.id)
        .order_by(SessionRevision._meta.primary_key)
    )
    hooks = (
        await WebhookEndpoint.objects().where(WebhookEndpoint.event == event.id).order_by(WebhookEndpoint.id)
        if with_secrets
        else []
    )
    w = _refs(hooks, "w")
    outbox = await Outbox.objects().where((Outbox.event == event.id) & (Outbox.status != "pending")).order_by(Outbox.id)
    tries: dict[int, list[OutboxAttempt]] = {}
    for attempt in (
        await OutboxAttempt.objects()
        .where((OutboxAttempt.outbox.event == event.id) & (OutboxAttempt.outbox.status != "pending"))
        .order_by(OutboxAttempt.id)
    ):
        tries.setdefault(attempt.outbox, []).append(attempt)
    return EventFile(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        secrets_included=with_secrets,
        left_out=left_out(with_secrets=with_secrets),
        event=FileEvent(
            slug=event.slug,
            title=event.title,
            description=event.description,
            timezone=event.timezone,
            start_date=event.start_date,
            end_date=event.end_date,
            venue=event.venue,
            language=event.language,  # type: ignore[arg-type]
            tier=event.tier,  # type: ignore[arg-type]
            phase=event.phase,  # type: ignore[arg-type]
            phase_ends_at=_utc(event.phase_ends_at),
            join_code=event.join_code,
            settings=FileSettings(
                dots_per_participant=event.dots_per_participant,
                allow_stacking=event.allow_stacking,
                late_proposals=event.late_proposals,
                listed=event.listed,
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
                attendance="remote" if p.attendance == "remote" else "in_room",
                language=p.language,
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
                hosts_breakouts=x.hosts_breakouts,
                video_equipped=bool(x.video_equipped),
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
                merged_into=_opt(pr, x.merged_into),
                created_by=_opt(u, x.created_by),
                created_at=_utc(x.created_at),
                updated_at=_utc(x.updated_at),
                learning=bool(x.learning),
                repeatable=bool(x.repeatable),
                volunteers=[
                    FileVolunteer(participant=u[v.participant], role=v.role, created_at=_utc(v.created_at))  # type: ignore[arg-type]
                    for v in volunteers.get(x.id, [])
                    if v.participant in u
                ],
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
                ref=ag[a.id],
                status=a.status,  # type: ignore[arg-type]
                version=a.version,
                score=a.score,
                note=a.note,
                created_at=_utc(a.created_at),
                published_at=_utc(a.published_at),
                bound=a.bound,
                placements=[
                    FilePlacement(proposal=pr[p.proposal], slot=s[p.slot], room=r[p.room], pinned=p.pinned, run=p.run)
                    for p in placements.get(a.id, [])
                ],
            )
            for a in agendas
        ],
        notes=[
            FileNote(
                proposal=pr[n.proposal],
                revision=n.revision,
                text=n.text,
                author=_opt(u, n.author),
                created_at=_utc(n.created_at),
            )
            for n in notes
        ],
        stars=[
            FileStar(
                participant=u[x.participant], proposal=pr[x.proposal], starred=x.starred, updated_at=_utc(x.updated_at)
            )
            for x in stars
        ],
        autopilot=(
            FileAutopilot(
                proposals_until=_utc(autopilot.proposals_until),
                voting_until=_utc(autopilot.voting_until),
                publish_at=_utc(autopilot.publish_at),
                hold_for_review=autopilot.hold_for_review,
                time_limit=autopilot.time_limit,
                voting_closed_at=_utc(autopilot.voting_closed_at),
                built_at=_utc(autopilot.built_at),
                published_at=_utc(autopilot.published_at),
                last_error=autopilot.last_error,
                updated_at=_utc(autopilot.updated_at),
            )
            if autopilot is not None
            else None
        ),
        video=(
            FileVideoSettings(
                provider=video.provider,
                config=_json_object(video.config),
                secrets=_json_object(video.secrets) if with_secrets else None,
                main_room=_opt(r, video.main_room),
                last_error=video.last_error,
                updated_at=_utc(video.updated_at),
            )
            if video is not None
            else None
        ),
        video_links=[
            FileVideoLink(
                proposal=_opt(pr, x.proposal),
                room=_opt(r, x.room),
                provider=x.provider,
                meeting_id=x.meeting_id,
                url=x.url,
                host_url=x.host_url,
                data=_json_object(x.data),
                agenda=_opt(ag, x.agenda_version),
                created_at=_utc(x.created_at),
            )
            for x in links
        ],
        room_visits=[
            FileRoomVisit(
                participant=_opt(u, x.participant),
                proposal=_opt(pr, x.proposal),
                room=_opt(r, x.room),
                how=x.how,  # type: ignore[arg-type]
                started_at=_utc(x.started_at) or utcnow(),
                ended_at=_utc(x.ended_at),
                ends_by=_utc(x.ends_by),
            )
            for x in visits
        ],
        registrants=[
            FileRegistrant(
                participant=u[x.participant],
                email_key=x.email_key,
                first_name=x.first_name,
                last_name=x.last_name,
                source=x.source,  # type: ignore[arg-type]
                external_id=x.external_id,
                code_hash=x.code_hash,
                code_created_at=_utc(x.code_created_at),
                invited_at=_utc(x.invited_at),
                redeemed_at=_utc(x.redeemed_at),
                revoked_at=_utc(x.revoked_at),
                created_at=_utc(x.created_at),
            )
            for x in registrants
        ],
        calendar_feeds=[
            FileCalendarFeed(participant=u[x.participant], secret_hash=x.secret_hash, created_at=_utc(x.created_at))
            for x in feeds
        ],
        session_revisions=[
            FileSessionRevision(
                proposal=pr[x.proposal],
                slot=s.get(x.slot),
                starts_at=_utc(x.starts_at) or utcnow(),
                ends_at=_utc(x.ends_at) or utcnow(),
                extra=x.extra,
                changed_at=_utc(x.changed_at),
            )
            for x in revisions
        ],
        webhooks=[
            FileWebhook(
                ref=w[x.id],
                url=x.url,
                format=x.format,  # type: ignore[arg-type]
                secret=x.secret,
                types=list(x.types),
                description=x.description,
                active=x.active,
                created_at=_utc(x.created_at),
            )
            for x in hooks
        ],
        deliveries=[
            FileDelivery(
                channel=x.channel,  # type: ignore[arg-type]
                kind=x.kind,
                status=x.status,  # type: ignore[arg-type]
                endpoint=_opt(w, x.endpoint),
                participant=_opt(u, x.participant),
                recipient=x.recipient,
                subject=x.subject,
                payload=x.payload,
                attempts=x.attempts,
                max_attempts=x.max_attempts,
                next_attempt_at=_utc(x.next_attempt_at),
                last_error=x.last_error,
                last_code=x.last_code,
                created_at=_utc(x.created_at),
                finished_at=_utc(x.finished_at),
                tries=[
                    FileAttempt(
                        number=t.number,
                        at=_utc(t.at) or utcnow(),
                        ok=t.ok,
                        code=t.code,
                        error=t.error,
                        duration_ms=t.duration_ms,
                    )
                    for t in tries.get(x.id, [])
                ],
            )
            for x in outbox
        ],
    )


# --- reading and checking a file ---------------------------------------------------------------------


def decode_event_file(raw: bytes) -> EventFile:
    if b"\\u0000" in raw:
        raise ValidationFailed(_("the file contains a NUL character, which no field may hold"), field="file")
    try:
        return msgspec.json.decode(raw, type=EventFile)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(
            _("not a valid unconf event file: {problem}").format(problem=exc), field=_path(str(exc))
        ) from exc
    except msgspec.DecodeError as exc:
        raise ValidationFailed(_("not valid JSON: {problem}").format(problem=exc), field="file") from exc


def _path(message: str) -> str:
    if "at `$." in message:
        return message.rsplit("at `$.", 1)[1].rstrip("`")
    return "file"


def _unique_refs(items: list[Any], field: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.ref is None:
            continue
        if item.ref in seen:
            raise ValidationFailed(
                _("{field} {ref} is used twice").format(field=f"{field}[{i}].ref", ref=repr(item.ref)),
                field=f"{field}[{i}].ref",
            )
        seen[item.ref] = i
    return seen


def _ref(table: dict[str, int], ref: str, field: str) -> int:
    if ref not in table:
        raise ValidationFailed(
            _("{field} refers to {ref}, which the file does not define").format(field=field, ref=repr(ref)), field=field
        )
    return table[ref]


def _ref_or_none(table: dict[str, int], ref: str | None, field: str) -> None:
    if ref is not None:
        _ref(table, ref, field)


def _once(seen: set[Any], key: Any, field: str, message: str) -> None:
    """``message`` (marked with ``gettext_noop``, with a ``{field}`` placeholder) is translated when it is raised."""
    if key in seen:
        raise ValidationFailed(_(message).format(field=field), field=field)
    seen.add(key)


def _ordered(start: datetime | None, end: datetime | None, field: str) -> None:
    if start is not None and end is not None and _utc(end) < _utc(start):  # type: ignore[operator]
        raise ValidationFailed(_("{field} is before the time it follows").format(field=field), field=field)


@dataclass
class _Refs:
    people: dict[str, int]
    rooms: dict[str, int]
    slots: dict[str, int]
    proposals: dict[str, int]
    agendas: dict[str, int]
    webhooks: dict[str, int]


def _check(data: EventFile) -> None:
    """Every cross-reference and rule, before anything is written."""
    ev = data.event
    check_slug(ev.slug)
    check_timezone(ev.timezone)
    if ev.end_date < ev.start_date:
        raise ValidationFailed(_("event.end_date is before event.start_date"), field="event.end_date")
    refs = _Refs(
        people=_unique_refs(data.participants, "participants"),
        rooms=_unique_refs(data.rooms, "rooms"),
        slots=_unique_refs(data.slots, "slots"),
        proposals=_unique_refs(data.proposals, "proposals"),
        agendas=_unique_refs(data.agendas, "agendas"),
        webhooks=_unique_refs(data.webhooks, "webhooks"),
    )
    _check_people_rooms_slots(data)
    _check_proposals_and_votes(data, refs)
    _check_agendas(data, refs)
    _check_sessions(data, refs)
    _check_rooms_day(data, refs)
    _check_people_extras(data, refs)
    _check_deliveries(data, refs)


def _check_people_rooms_slots(data: EventFile) -> None:
    for i, person in enumerate(data.participants):
        clean_text(person.display_name, f"participants[{i}].display_name", max_length=80)
        clean_email(person.email, f"participants[{i}].email")
    for i, room in enumerate(data.rooms):
        clean_text(room.name, f"rooms[{i}].name", max_length=80)
        clean_tags(room.features, f"rooms[{i}].features")
    for i, slot in enumerate(data.slots):
        if slot.starts_at.tzinfo is None or slot.ends_at.tzinfo is None:
            raise ValidationFailed(
                _("{field} times need a UTC offset").format(field=f"slots[{i}]"), field=f"slots[{i}].starts_at"
            )
        if slot.ends_at <= slot.starts_at:
            raise ValidationFailed(
                _("{field} is not after starts_at").format(field=f"slots[{i}].ends_at"), field=f"slots[{i}].ends_at"
            )


def _check_proposals_and_votes(data: EventFile, refs: _Refs) -> None:
    ev = data.event
    people, props = refs.people, refs.proposals
    for i, p in enumerate(data.proposals):
        clean_text(p.title, f"proposals[{i}].title", max_length=120)
        clean_text(p.description, f"proposals[{i}].description", max_length=2000, multiline=True, required=False)
        clean_tags(p.tags, f"proposals[{i}].tags")
        clean_tags(p.needs, f"proposals[{i}].needs")
        for j, f in enumerate(p.facilitators):
            _ref(people, f, f"proposals[{i}].facilitators[{j}]")
        for j, offer in enumerate(p.volunteers):
            _ref(people, offer.participant, f"proposals[{i}].volunteers[{j}].participant")
        _ref_or_none(people, p.created_by, f"proposals[{i}].created_by")
        _ref_or_none(props, p.merged_into, f"proposals[{i}].merged_into")
    spent: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    budget = ev.settings.dots_per_participant
    for i, v in enumerate(data.votes):
        _ref(people, v.participant, f"votes[{i}].participant")
        _ref(props, v.proposal, f"votes[{i}].proposal")
        _once(
            pairs,
            (v.participant, v.proposal),
            f"votes[{i}]",
            gettext_noop("{field} repeats a participant and proposal"),
        )
        if not ev.settings.allow_stacking and v.dots > 1:
            raise ValidationFailed(
                _("{field} stacks dots but the event does not allow it").format(field=f"votes[{i}]"),
                field=f"votes[{i}].dots",
            )
        status = data.proposals[props[v.proposal]].status
        if status in ("proposed", "scheduled"):
            spent[v.participant] = spent.get(v.participant, 0) + v.dots
            if spent[v.participant] > budget:
                raise ValidationFailed(
                    _("{field}: {participant} spends more than {budget} dots").format(
                        field=f"votes[{i}]", participant=v.participant, budget=budget
                    ),
                    field=f"votes[{i}].dots",
                )


def _check_agendas(data: EventFile, refs: _Refs) -> None:
    versions: set[int] = set()
    drafts = 0
    for a_i, agenda in enumerate(data.agendas):
        where = f"agendas[{a_i}]"
        if agenda.status == "published":
            if agenda.version is None or agenda.version in versions:
                raise ValidationFailed(
                    _("{field} needs a unique version number").format(field=where), field=f"{where}.version"
                )
            versions.add(agenda.version)
        else:
            drafts += 1
            if drafts > 1:
                raise ValidationFailed(_("an event has at most one draft agenda"), field=f"{where}.status")
        places: set[tuple[str, str]] = set()
        placed: set[tuple[str, int]] = set()
        for p_i, pl in enumerate(agenda.placements):
            at = f"{where}.placements[{p_i}]"
            _ref(refs.proposals, pl.proposal, f"{at}.proposal")
            _ref(refs.slots, pl.slot, f"{at}.slot")
            _ref(refs.rooms, pl.room, f"{at}.room")
            if (pl.slot, pl.room) in places or (pl.proposal, pl.run) in placed:
                raise ValidationFailed(
                    _("{field} places two sessions in one room or one run of a session twice").format(field=at),
                    field=at,
                )
            places.add((pl.slot, pl.room))
            placed.add((pl.proposal, pl.run))
        if any((proposal, 1) not in placed for proposal, run in placed if run == 2):
            raise ValidationFailed(
                _("{field} places a repeat (run 2) of a session without its first run").format(field=where), field=where
            )


def _check_sessions(data: EventFile, refs: _Refs) -> None:
    revisions: set[tuple[str, int]] = set()
    for i, note in enumerate(data.notes):
        at = f"notes[{i}]"
        _ref(refs.proposals, note.proposal, f"{at}.proposal")
        _ref_or_none(refs.people, note.author, f"{at}.author")
        clean_text(note.text, f"{at}.text", max_length=MAX_NOTES, multiline=True, required=False)
        _once(
            revisions,
            (note.proposal, note.revision),
            f"{at}.revision",
            gettext_noop("{field} repeats a revision of this session's notes"),
        )
    starred: set[tuple[str, str]] = set()
    for i, star in enumerate(data.stars):
        _ref(refs.people, star.participant, f"stars[{i}].participant")
        _ref(refs.proposals, star.proposal, f"stars[{i}].proposal")
        _once(
            starred,
            (star.participant, star.proposal),
            f"stars[{i}]",
            gettext_noop("{field} repeats a participant and proposal"),
        )
    seen: set[str] = set()
    for i, rev in enumerate(data.session_revisions):
        at = f"session_revisions[{i}]"
        _ref(refs.proposals, rev.proposal, f"{at}.proposal")
        _ref_or_none(refs.slots, rev.slot, f"{at}.slot")
        _once(seen, rev.proposal, f"{at}.proposal", gettext_noop("{field} repeats a proposal"))
        _ordered(rev.starts_at, rev.ends_at, f"{at}.ends_at")


def _check_rooms_day(data: EventFile, refs: _Refs) -> None:
    pilot = data.autopilot
    if pilot is not None:
        clean_text(pilot.last_error, "autopilot.last_error", max_length=5000, multiline=True, required=False)
    video = data.video
    if video is not None:
        if video.provider not in REGISTRY:
            raise ValidationFailed(
                _("unknown video provider {provider}; known: {known}").format(
                    provider=repr(video.provider), known=", ".join(sorted(REGISTRY))
                ),
                field="video.provider",
            )
        _ref_or_none(refs.rooms, video.main_room, "video.main_room")
        if video.secrets is not None:
            try:
                get_provider(video.provider, video.config, video.secrets)
            except ValidationFailed as exc:
                raise ValidationFailed(exc.detail, field=f"video.{exc.field or 'config'}") from exc
        else:
            try:
                msgspec.convert(video.config, REGISTRY[video.provider].Config)
            except msgspec.ValidationError as exc:
                raise ValidationFailed(
                    _("{field}: {problem}").format(field="video.config", problem=exc), field="video.config"
                ) from exc
    keys: set[str | None] = set()
    for i, link in enumerate(data.video_links):
        at = f"video_links[{i}]"
        _ref_or_none(refs.proposals, link.proposal, f"{at}.proposal")
        _ref_or_none(refs.rooms, link.room, f"{at}.room")
        _ref_or_none(refs.agendas, link.agenda, f"{at}.agenda")
        _once(
            keys,
            link.proposal,
            f"{at}.proposal",
            gettext_noop("{field} repeats a session (or the main room) that has a link already"),
        )
    for i, visit in enumerate(data.room_visits):
        at = f"room_visits[{i}]"
        _ref_or_none(refs.people, visit.participant, f"{at}.participant")
        _ref_or_none(refs.proposals, visit.proposal, f"{at}.proposal")
        _ref_or_none(refs.rooms, visit.room, f"{at}.room")
        _ordered(visit.started_at, visit.ended_at, f"{at}.ended_at")


def _check_people_extras(data: EventFile, refs: _Refs) -> None:
    people: set[str] = set()
    emails: set[str] = set()
    codes: set[str] = set()
    for i, reg in enumerate(data.registrants):
        at = f"registrants[{i}]"
        _ref(refs.people, reg.participant, f"{at}.participant")
        _once(people, reg.participant, f"{at}.participant", gettext_noop("{field} repeats a participant"))
        clean_text(reg.email_key, f"{at}.email_key", max_length=254)
        _once(emails, reg.email_key, f"{at}.email_key", gettext_noop("{field} repeats an email"))
        clean_text(reg.first_name, f"{at}.first_name", max_length=80, required=False)
        clean_text(reg.last_name, f"{at}.last_name", max_length=80, required=False)
        clean_text(reg.external_id, f"{at}.external_id", max_length=100, required=False)
        if reg.code_hash is not None:
            _once(codes, reg.code_hash, f"{at}.code_hash", gettext_noop("{field} repeats an invitation code"))
    fed: set[str] = set()
    secrets: set[str] = set()
    for i, feed in enumerate(data.calendar_feeds):
        at = f"calendar_feeds[{i}]"
        _ref(refs.people, feed.participant, f"{at}.participant")
        _once(fed, feed.participant, f"{at}.participant", gettext_noop("{field} repeats a participant"))
        _once(secrets, feed.secret_hash, f"{at}.secret_hash", gettext_noop("{field} repeats a feed secret"))
    for i, hook in enumerate(data.webhooks):
        for j, kind in enumerate(hook.types):
            if kind not in NOTICE_TYPES:
                raise ValidationFailed(
                    _("{field} {kind} is not a notice type").format(field=f"webhooks[{i}].types[{j}]", kind=repr(kind)),
                    field=f"webhooks[{i}].types[{j}]",
                )
        clean_text(hook.description, f"webhooks[{i}].description", max_length=200, required=False)


def _check_deliveries(data: EventFile, refs: _Refs) -> None:
    for i, row in enumerate(data.deliveries):
        at = f"deliveries[{i}]"
        _ref_or_none(refs.webhooks, row.endpoint, f"{at}.endpoint")
        _ref_or_none(refs.people, row.participant, f"{at}.participant")
        numbers: set[int] = set()
        for j, attempt in enumerate(row.tries):
            _once(numbers, attempt.number, f"{at}.tries[{j}].number", gettext_noop("{field} repeats an attempt number"))


# --- import ------------------------------------------------------------------------------------------


async def _free(column: Any, value: str | None) -> bool:
    """Whether a unique secret hash is still unused in this database (a copy beside its original is not)."""
    return value is not None and not await column._meta.table.exists().where(column == value)


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

    def at(value: datetime | None) -> datetime | None:
        """Every timestamp moves by the same whole days as the event's dates."""
        moment = _utc(value)
        return moment + shift if moment is not None else None

    def at_or_now(value: datetime | None) -> datetime:
        return at(value) or now

    new_keys: list[tuple[str, str]] = []
    async with write_transaction():
        await serialise_writers(EVENT_SLUGS)
        if await Event.exists().where(Event.slug == ev.slug):
            raise Conflict(
                _("an event with slug {slug} exists already; import it under another slug").format(slug=repr(ev.slug)),
                field="slug",
            )
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
            language=ev.language,
            tier=ev.tier,
            phase=ev.phase,
            phase_ends_at=at(ev.phase_ends_at),
            dots_per_participant=ev.settings.dots_per_participant,
            allow_stacking=ev.settings.allow_stacking,
            late_proposals=ev.settings.late_proposals,
            listed=ev.settings.listed,
            join_code=code,
            created_at=at_or_now(ev.created_at),
            updated_at=at_or_now(ev.updated_at),
        )
        await event.save()
        # The tier's caps hold here as on every other path that adds people or rooms: all or nothing.
        if data.participants:
            await tiers.check_participant_limit(event, adding=len(data.participants))
        if data.rooms:
            await tiers.check_row_limit(event, "max_rooms", Room, adding=len(data.rooms))
        people: dict[str, int] = {}
        for person in data.participants:
            token_hash = person.token_hash
            # A copy of an event already here cannot share its people's tokens: the copy gets new ones.
            if not await _free(Participant.token_hash, token_hash):
                token = new_token()
                token_hash = hash_token(token)
                if person.role == Role.ORGANIZER:
                    new_keys.append((person.display_name, token))
            person_row = Participant(
                event=event.id,
                display_name=person.display_name,
                email=person.email,
                role=person.role,
                token_hash=token_hash,
                created_at=at_or_now(person.created_at),
                attendance=person.attendance,
                language=i18n.supported(person.language),
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
                hosts_breakouts=room.hosts_breakouts,
                video_equipped=room.video_equipped,
            )
            await room_row.save()
            rooms[room.ref] = room_row.id
        slots: dict[str, int] = {}
        for slot in data.slots:
            slot_row = TimeSlot(
                event=event.id,
                starts_at=at_or_now(slot.starts_at),
                ends_at=at_or_now(slot.ends_at),
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
                created_at=at_or_now(proposal.created_at),
                updated_at=at_or_now(proposal.updated_at),
                learning=proposal.learning,
                repeatable=proposal.repeatable,
            )
            await proposal_row.save()
            props[proposal.ref] = proposal_row.id
        facilitator_rows = [
            ProposalFacilitator(proposal=props[p.ref], participant=people[f])
            for p in data.proposals
            for f in dict.fromkeys(p.facilitators)
        ]
        await _insert(ProposalFacilitator, facilitator_rows)
        volunteer_rows = [
            Volunteer(
                event=event.id,
                proposal=props[p.ref],
                participant=people[v.participant],
                role=v.role,
                created_at=at_or_now(v.created_at),
            )
            for p in data.proposals
            for v in {(v.participant, v.role): v for v in p.volunteers}.values()
        ]
        await _insert(Volunteer, volunteer_rows)
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
                updated_at=at_or_now(v.updated_at),
            )
            for v in data.votes
        ]
        await _insert(Vote, vote_rows)
        agendas: dict[str, int] = {}
        for agenda in data.agendas:
            agenda_row = AgendaVersion(
                event=event.id,
                status=agenda.status,
                version=agenda.version if agenda.status == "published" else None,
                score=agenda.score,
                bound=agenda.bound,
                note=agenda.note,
                created_at=at_or_now(agenda.created_at),
                published_at=at(agenda.published_at),
            )
            await agenda_row.save()
            if agenda.ref is not None:
                agendas[agenda.ref] = agenda_row.id
            placement_rows = [
                Placement(
                    agenda=agenda_row.id,
                    proposal=props[pl.proposal],
                    slot=slots[pl.slot],
                    room=rooms[pl.room],
                    pinned=pl.pinned,
                    run=pl.run,
                )
                for pl in agenda.placements
            ]
            await _insert(Placement, placement_rows)

        def opt(table: dict[str, int], ref: str | None) -> int | None:
            return table[ref] if ref is not None else None

        await _insert(
            SessionNote,
            [
                SessionNote(
                    event=event.id,
                    proposal=props[n.proposal],
                    revision=n.revision,
                    text=n.text,
                    author=opt(people, n.author),
                    created_at=at_or_now(n.created_at),
                )
                for n in data.notes
            ],
        )
        await _insert(
            Star,
            [
                Star(
                    event=event.id,
                    participant=people[x.participant],
                    proposal=props[x.proposal],
                    starred=x.starred,
                    updated_at=at_or_now(x.updated_at),
                )
                for x in data.stars
            ],
        )
        if data.autopilot is not None:
            pilot = data.autopilot
            await Autopilot(
                event=event.id,
                proposals_until=at(pilot.proposals_until),
                voting_until=at(pilot.voting_until),
                publish_at=at(pilot.publish_at),
                hold_for_review=pilot.hold_for_review,
                time_limit=pilot.time_limit,
                voting_closed_at=at(pilot.voting_closed_at),
                built_at=at(pilot.built_at),
                published_at=at(pilot.published_at),
                last_error=pilot.last_error,
                updated_at=at_or_now(pilot.updated_at),
            ).save()
        if data.video is not None:
            video = data.video
            tiers.check_provider(event, video.provider, field="video.provider")
            await VideoSettings(
                event=event.id,
                provider=video.provider,
                config=msgspec.json.encode(video.config).decode(),
                secrets=msgspec.json.encode(video.secrets or {}).decode(),
                main_room=opt(rooms, video.main_room),
                last_error=video.last_error,
                updated_at=at_or_now(video.updated_at),
            ).save()
        await _insert(
            VideoLink,
            [
                VideoLink(
                    event=event.id,
                    key=MAIN_KEY if x.proposal is None else session_key(props[x.proposal]),
                    proposal=opt(props, x.proposal),
                    room=opt(rooms, x.room),
                    provider=x.provider,
                    meeting_id=x.meeting_id,
                    url=x.url,
                    host_url=x.host_url,
                    data=msgspec.json.encode(x.data).decode(),
                    agenda_version=opt(agendas, x.agenda),
                    created_at=at_or_now(x.created_at),
                )
                for x in data.video_links
            ],
        )
        await _insert(
            RoomVisit,
            [
                RoomVisit(
                    event=event.id,
                    participant=opt(people, x.participant),
                    proposal=opt(props, x.proposal),
                    room=opt(rooms, x.room),
                    how=x.how,
                    started_at=at_or_now(x.started_at),
                    ended_at=at(x.ended_at),
                    ends_by=at(x.ends_by),
                )
                for x in data.room_visits
            ],
        )
        registrant_rows = []
        for x in data.registrants:
            # A pending invitation link of the original cannot open its copy too: the copy's link is inactive.
            code_hash = x.code_hash if await _free(Registrant.code_hash, x.code_hash) else None
            registrant_rows.append(
                Registrant(
                    event=event.id,
                    participant=people[x.participant],
                    email_key=x.email_key,
                    first_name=x.first_name,
                    last_name=x.last_name,
                    source=x.source,
                    external_id=x.external_id,
                    code_hash=code_hash,
                    code_created_at=at(x.code_created_at),
                    invited_at=at(x.invited_at),
                    redeemed_at=at(x.redeemed_at),
                    revoked_at=at(x.revoked_at),
                    created_at=at_or_now(x.created_at),
                )
            )
        await _insert(Registrant, registrant_rows)
        # A calendar feed whose secret the original still uses is dropped in the copy; its owner makes a new one.
        await _insert(
            CalendarFeed,
            [
                CalendarFeed(
                    event=event.id,
                    participant=people[x.participant],
                    secret_hash=x.secret_hash,
                    created_at=at_or_now(x.created_at),
                )
                for x in data.calendar_feeds
                if await _free(CalendarFeed.secret_hash, x.secret_hash)
            ],
        )
        await _insert(
            SessionRevision,
            [
                SessionRevision(
                    event=event.id,
                    proposal=props[x.proposal],
                    slot=slots[x.slot] if x.slot is not None else 0,
                    starts_at=at_or_now(x.starts_at),
                    ends_at=at_or_now(x.ends_at),
                    extra=x.extra,
                    changed_at=at_or_now(x.changed_at),
                )
                for x in data.session_revisions
            ],
        )
        webhooks: dict[str, int] = {}
        for hook in data.webhooks:
            hook_row = WebhookEndpoint(
                event=event.id,
                url=hook.url,
                format=hook.format,
                secret=hook.secret,
                types=list(hook.types),
                description=hook.description,
                active=hook.active,
                created_at=at_or_now(hook.created_at),
            )
            await hook_row.save()
            webhooks[hook.ref] = hook_row.id
        for row in data.deliveries:
            outbox_row = Outbox(
                event=event.id,
                channel=row.channel,
                kind=row.kind,
                endpoint=opt(webhooks, row.endpoint),
                participant=opt(people, row.participant),
                recipient=row.recipient,
                subject=row.subject,
                payload=row.payload,
                status=row.status,
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                next_attempt_at=at_or_now(row.next_attempt_at),
                last_error=row.last_error,
                last_code=row.last_code,
                dedupe_key=None,
                created_at=at_or_now(row.created_at),
                finished_at=at(row.finished_at),
            )
            await outbox_row.save()
            await _insert(
                OutboxAttempt,
                [
                    OutboxAttempt(
                        outbox=outbox_row.id,
                        number=t.number,
                        at=at_or_now(t.at),
                        ok=t.ok,
                        code=t.code,
                        error=t.error,
                        duration_ms=t.duration_ms,
                    )
                    for t in row.tries
                ],
            )
    return event, new_keys


async def _insert(table: type[Table], rows: list[Any], batch: int = 500) -> None:
    for start in range(0, len(rows), batch):
        await table.insert(*rows[start : start + batch])


def encode_event_file(data: EventFile) -> bytes:
    return msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n"
