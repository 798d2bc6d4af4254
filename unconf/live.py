"""The catalogue of live messages: every frame an event's WebSocket can carry, one Struct per type.

Services announce a change with ``realtime.publish(slug, SomeMessage(data=...))``; in-process
subscribers match on the class, and the board, the phones and ``unconf watch`` read the JSON::

    {"type": "vote.cast", "event": "<slug>", "at": "<ISO time>", "data": {...}}

The ``type`` is the Struct's tag, so the wire format is the catalogue. Payloads are plain structs
of ids, titles, counts and phases: the core never imports a domain's schemas, so each domain turns
its own objects into these. The list of types also lives in ``web/static/live.js`` for the scripts;
``python -m unconf.live`` prints that block and a test keeps the two equal.
"""

from __future__ import annotations

import typing
from datetime import date, datetime

import msgspec

# -- payloads ---------------------------------------------------------------------------------------------------------


class Greeting(msgspec.Struct, frozen=True, kw_only=True):
    phase: str


class Refusal(msgspec.Struct, frozen=True, kw_only=True):
    error: str


class EventSettingsData(msgspec.Struct, frozen=True, kw_only=True):
    dots_per_participant: int
    allow_stacking: bool
    late_proposals: bool


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    """The event as anyone in it sees it (never its join code)."""

    slug: str
    title: str
    description: str
    timezone: str
    start_date: date
    end_date: date
    venue: str
    tier: str
    phase: str
    phase_ends_at: datetime | None
    settings: EventSettingsData


class PhaseData(msgspec.Struct, frozen=True, kw_only=True):
    """The one payload of ``phase.changed``, whoever moved the phase (organizer, agenda, autopilot)."""

    phase: str
    phase_ends_at: datetime | None


class PersonData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    display_name: str
    role: str


class FacilitatorData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    display_name: str


class ProposalData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    description: str
    tags: list[str]
    needs: list[str]
    status: str
    facilitators: list[FacilitatorData]
    votes: int
    voters: int
    merged_into: int | None
    created_at: datetime


class MergeData(msgspec.Struct, frozen=True, kw_only=True):
    from_: int = msgspec.field(name="from")
    into: ProposalData


class TallyData(msgspec.Struct, frozen=True, kw_only=True):
    """A proposal's tally after a vote; never who voted."""

    proposal_id: int
    votes: int
    voters: int


class NotesData(msgspec.Struct, frozen=True, kw_only=True):
    proposal_id: int
    revision: int
    author: str | None


class SlotData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    starts_at: datetime
    ends_at: datetime
    kind: str
    label: str


class RoomData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    capacity: int
    kind: str
    accessibility_notes: str
    video_link: str
    features: list[str]
    position: int
    video_equipped: bool = False


class Removed(msgspec.Struct, frozen=True, kw_only=True):
    id: int


class RemovedPeople(msgspec.Struct, frozen=True, kw_only=True):
    ids: list[int]


class ProgressData(msgspec.Struct, frozen=True, kw_only=True):
    fraction: float
    best_score: float


class DraftData(msgspec.Struct, frozen=True, kw_only=True):
    score: float
    sessions: int


class VersionData(msgspec.Struct, frozen=True, kw_only=True):
    version: int


class AutopilotData(msgspec.Struct, frozen=True, kw_only=True):
    proposals_until: datetime | None
    voting_until: datetime | None
    publish_at: datetime | None
    hold_for_review: bool
    time_limit: float
    voting_closed_at: datetime | None
    built_at: datetime | None
    published_at: datetime | None
    last_error: str
    next_step: str | None


class ClosedData(msgspec.Struct, frozen=True, kw_only=True):
    at: str


class ErrorData(msgspec.Struct, frozen=True, kw_only=True):
    detail: str


class SessionRefData(msgspec.Struct, frozen=True, kw_only=True):
    proposal_id: int
    title: str
    join_url: str
    notes_url: str


class RoomPresenceData(msgspec.Struct, frozen=True, kw_only=True):
    room_id: int | None
    name: str
    capacity: int | None
    kind: str
    main: bool
    present: int
    checked_in: int
    in_video: int
    full: bool
    session: SessionRefData | None


class SessionPresenceData(msgspec.Struct, frozen=True, kw_only=True):
    proposal_id: int
    title: str
    room_id: int | None
    present: int
    video_joins: int
    checkins: int


class OccupancyData(msgspec.Struct, frozen=True, kw_only=True):
    event: str
    at: datetime
    rooms: list[RoomPresenceData]
    sessions: list[SessionPresenceData]


class ProviderData(msgspec.Struct, frozen=True, kw_only=True):
    provider: str


class LinksData(msgspec.Struct, frozen=True, kw_only=True):
    sessions: int
    errors: int


class ImportData(msgspec.Struct, frozen=True, kw_only=True):
    created: int


class OpenedData(msgspec.Struct, frozen=True, kw_only=True):
    room: str


class ChatLineData(msgspec.Struct, frozen=True, kw_only=True):
    """One chat message; ``topic`` is a proposal's id or ``main``; ``html`` is escaped, with safe links."""

    id: int
    topic: str
    author: str
    author_id: int | None
    text: str
    html: str
    created_at: datetime


class ChatGoneData(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    topic: str


class NoteArrivedData(msgspec.Struct, frozen=True, kw_only=True):
    """A note reached its recipient: who from and which conversation, never the text."""

    id: int
    thread: int
    sender: str


# -- messages ---------------------------------------------------------------------------------------------------------


class LiveMessage(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """One frame on an event's live socket; ``realtime.publish`` stamps ``event`` and ``at``."""

    event: str = ""
    at: str = ""

    def room(self) -> str | None:
        """The room this frame is for: None for everyone on the event's socket, or a name only the
        sockets that opened it hear (a topic's chat; ``person:<id>`` for one person's own)."""
        return None


class Hello(LiveMessage, frozen=True, kw_only=True, tag="hello"):
    """The first frame on every (re)connect: the socket is live, in this phase."""

    data: Greeting


class NoSuchEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="error"):
    """The only frame before the socket closes with 4404 (it has no ``at``, like it always had)."""

    event: str
    data: Refusal


class EventUpdated(LiveMessage, frozen=True, kw_only=True, tag="event.updated"):
    data: EventData


class PhaseChanged(LiveMessage, frozen=True, kw_only=True, tag="phase.changed"):
    data: PhaseData


class ParticipantJoined(LiveMessage, frozen=True, kw_only=True, tag="participant.joined"):
    data: PersonData


class ParticipantsRemoved(LiveMessage, frozen=True, kw_only=True, tag="participants.removed"):
    """Organizers removed people: their dots and facilitations are gone with them."""

    data: RemovedPeople


class ProposalCreated(LiveMessage, frozen=True, kw_only=True, tag="proposal.created"):
    data: ProposalData


class ProposalUpdated(LiveMessage, frozen=True, kw_only=True, tag="proposal.updated"):
    data: ProposalData


class ProposalWithdrawn(LiveMessage, frozen=True, kw_only=True, tag="proposal.withdrawn"):
    data: ProposalData


class ProposalMerged(LiveMessage, frozen=True, kw_only=True, tag="proposal.merged"):
    data: MergeData


class VoteCast(LiveMessage, frozen=True, kw_only=True, tag="vote.cast"):
    data: TallyData


class NotesChanged(LiveMessage, frozen=True, kw_only=True, tag="notes.changed"):
    data: NotesData


class SlotChanged(LiveMessage, frozen=True, kw_only=True, tag="slot.changed"):
    data: SlotData


class SlotDeleted(LiveMessage, frozen=True, kw_only=True, tag="slot.deleted"):
    data: Removed


class RoomChanged(LiveMessage, frozen=True, kw_only=True, tag="room.changed"):
    data: RoomData


class RoomDeleted(LiveMessage, frozen=True, kw_only=True, tag="room.deleted"):
    data: Removed


class AgendaProgress(LiveMessage, frozen=True, kw_only=True, tag="agenda.progress"):
    """A few times a second while the optimizer runs; pages that redraw on changes skip it."""

    data: ProgressData


class AgendaDrafted(LiveMessage, frozen=True, kw_only=True, tag="agenda.drafted"):
    data: DraftData


class AgendaPublished(LiveMessage, frozen=True, kw_only=True, tag="agenda.published"):
    data: VersionData


class AutopilotChanged(LiveMessage, frozen=True, kw_only=True, tag="autopilot.changed"):
    """``data`` is None when the autopilot was switched off."""

    data: AutopilotData | None


class VotingClosed(LiveMessage, frozen=True, kw_only=True, tag="voting.closed"):
    data: ClosedData


class AutopilotFailed(LiveMessage, frozen=True, kw_only=True, tag="autopilot.error"):
    data: ErrorData


class OccupancyChanged(LiveMessage, frozen=True, kw_only=True, tag="occupancy.changed"):
    data: OccupancyData


class VideoChanged(LiveMessage, frozen=True, kw_only=True, tag="video.changed"):
    data: ProviderData


class VideoLinksMade(LiveMessage, frozen=True, kw_only=True, tag="video.links"):
    data: LinksData


class RegistrantsImported(LiveMessage, frozen=True, kw_only=True, tag="registrants.imported"):
    data: ImportData


class RoomOpened(LiveMessage, frozen=True, kw_only=True, tag="room.opened"):
    """Sent to one socket only: the room it asked for is open, its messages come from now on."""

    data: OpenedData


class ChatPosted(LiveMessage, frozen=True, kw_only=True, tag="chat.message"):
    """Only to the sockets that opened this topic's chat."""

    data: ChatLineData

    def room(self) -> str | None:
        return f"chat:{self.data.topic}"


class ChatRemoved(LiveMessage, frozen=True, kw_only=True, tag="chat.removed"):
    """Organizers removed a chat message; only to the sockets that opened that chat."""

    data: ChatGoneData

    def room(self) -> str | None:
        return f"chat:{self.data.topic}"


class NoteArrived(LiveMessage, frozen=True, kw_only=True, tag="note.arrived"):
    """Only to the recipient's own sockets (``person:<id>``); the inbox fetches the text itself."""

    data: NoteArrivedData
    recipient: int = 0

    def room(self) -> str | None:
        return f"person:{self.recipient}"


AnyLiveMessage = (
    Hello
    | NoSuchEvent
    | EventUpdated
    | PhaseChanged
    | ParticipantJoined
    | ParticipantsRemoved
    | ProposalCreated
    | ProposalUpdated
    | ProposalWithdrawn
    | ProposalMerged
    | VoteCast
    | NotesChanged
    | SlotChanged
    | SlotDeleted
    | RoomChanged
    | RoomDeleted
    | AgendaProgress
    | AgendaDrafted
    | AgendaPublished
    | AutopilotChanged
    | VotingClosed
    | AutopilotFailed
    | OccupancyChanged
    | VideoChanged
    | VideoLinksMade
    | RegistrantsImported
    | RoomOpened
    | ChatPosted
    | ChatRemoved
    | NoteArrived
)
"""Every frame a live socket can carry: decode one with ``msgspec.json.decode(raw, type=AnyLiveMessage)``."""

MESSAGES: tuple[type[msgspec.Struct], ...] = typing.get_args(AnyLiveMessage)


def type_of(message: type[msgspec.Struct]) -> str:
    """The ``type`` string a message class carries on the wire."""
    return str(message.__struct_config__.tag)


TYPES: tuple[str, ...] = tuple(type_of(m) for m in MESSAGES)


def _payload_fields(message: type[msgspec.Struct]) -> list[str]:
    hint = typing.get_type_hints(message)["data"]
    payloads = [t for t in (typing.get_args(hint) or (hint,)) if isinstance(t, type) and issubclass(t, msgspec.Struct)]
    return [f.encode_name for payload in payloads for f in msgspec.structs.fields(payload)]


JS_BEGIN = "// BEGIN live message types"
JS_END = "// END live message types"


def js_catalogue(indent: str = "  ") -> str:
    """The block ``web/static/live.js`` carries: each type and the keys of its ``data``."""
    width = max(len(t) for t in TYPES) + 4
    lines = [f"{indent}{JS_BEGIN}: generated by `python -m unconf.live` from unconf/live.py (a test keeps them equal)"]
    lines.append(f"{indent}var TYPES = {{")
    for message in MESSAGES:
        key = f'"{type_of(message)}":'
        lines.append(f'{indent}  {key:<{width}}"{" ".join(_payload_fields(message))}",')
    lines[-1] = lines[-1].rstrip(",")
    lines += [f"{indent}}};", f"{indent}{JS_END}"]
    return "\n".join(lines)


if __name__ == "__main__":
    print(js_catalogue())
