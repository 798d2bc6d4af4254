"""The hallway: a main table and the breakout tables running now and next, each with one "Join video".

Joining a table is a video visit (``presence.record_visit``), so it takes you out of the table you
were at; in-room check-ins and remote video joins are counted apart. The API and the page both
read and join through here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import msgspec

from agenda import services as agenda_services
from agenda.tables import Room
from events.tables import Event, Participant
from rooms import links, presence
from rooms.schemas import EmbedOut, HallwayOut, HallwayTable, TableJoined
from rooms.tables import RoomVisit
from unconf.errors import DomainError, NotFound
from unconf.i18n import gettext as _
from unconf.validation import utcnow

MAIN_TABLE = "main"


def table_key(proposal_id: int | None) -> str:
    return MAIN_TABLE if proposal_id is None else f"s:{proposal_id}"


async def table_counts(event: Event, now: datetime) -> dict[int | None, tuple[set[int], set[int]]]:
    """Open visits per table (proposal id; None: the main table) as (in the room, remote) people."""
    visits = await RoomVisit.objects().where((RoomVisit.event == event.id) & RoomVisit.ended_at.is_null())
    counts: dict[int | None, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for visit in visits:
        if visit.participant is None or not presence.is_open(visit, now):
            continue
        in_room, remote = counts[visit.proposal]
        (remote if visit.how == "video" else in_room).add(visit.participant)
    return counts


async def hallway(event: Event, who: Participant | None, now: datetime | None = None) -> HallwayOut:
    """The main table, then every breakout running now, then the ones starting next."""
    now = now or utcnow()
    placed = await links.placed_sessions(event, now=now)
    facilitators: dict[int, list[str]] = {}
    try:
        agenda = await agenda_services.cached_agenda(event)
        facilitators = {s.proposal_id: [f.display_name for f in s.facilitators] for s in agenda.sessions}
    except NotFound:
        pass
    counts = await table_counts(event, now)
    you = await presence.where_am_i(event, who) if who is not None else None
    here = table_key(you.proposal_id) if you is not None else None
    row = await links.settings_row(event)
    main_room = None
    if row is not None and row.main_room is not None:
        main_room = await Room.objects().where(Room.id == row.main_room).first()
    in_room, remote = counts.get(None, (set(), set()))
    main_capacity = main_room.capacity if main_room is not None else None
    tables = [
        HallwayTable(
            key=MAIN_TABLE,
            proposal_id=None,
            title=_("Main table"),
            room_name=main_room.name if main_room is not None else _("Main room"),
            when="main",
            starts_at=None,
            ends_at=None,
            capacity=main_capacity,
            present=len(in_room | remote),
            in_room=len(in_room),
            remote=len(remote),
            full=main_capacity is not None and len(in_room | remote) >= main_capacity,
            facilitators=[],
            join_path=links.join_path(event.slug, None),
            here=here == MAIN_TABLE,
        )
    ]
    running = [s for s in placed.values() if s.starts_at <= now < s.ends_at]
    upcoming = [s for s in placed.values() if s.starts_at > now]
    first_next = min((s.starts_at for s in upcoming), default=None)
    for when, spots in (("now", running), ("next", [s for s in upcoming if s.starts_at == first_next])):
        for spot in sorted(spots, key=lambda s: (s.room.position, s.room.id)):
            in_room, remote = counts.get(spot.proposal_id, (set(), set()))
            present = len(in_room | remote)
            tables.append(
                HallwayTable(
                    key=table_key(spot.proposal_id),
                    proposal_id=spot.proposal_id,
                    title=spot.title,
                    room_name=spot.room.name,
                    when="now" if when == "now" else "next",
                    starts_at=spot.starts_at,
                    ends_at=spot.ends_at,
                    capacity=spot.room.capacity,
                    present=present,
                    in_room=len(in_room),
                    remote=len(remote),
                    full=present >= spot.room.capacity,
                    facilitators=facilitators.get(spot.proposal_id, []),
                    join_path=links.join_path(event.slug, spot.proposal_id),
                    here=here == table_key(spot.proposal_id),
                )
            )
    try:
        provider = await links.current_provider(event, row)
        name, origin = provider.name, provider.embed_origin()
    except DomainError:  # a provider the tier lost: the page still lists the tables; joining says why
        name, origin = (row.provider if row is not None else links.DEFAULT_PROVIDER), None
    return HallwayOut(
        event=event.slug,
        at=now,
        provider=name,
        embeddable=origin is not None,
        embed_origin=origin,
        you=you,
        tables=tables,
    )


async def join_table(event: Event, who: Participant, proposal_id: int | None) -> TableJoined:
    """Take a seat at a table's video: your presence moves there (out of the last one) and you get your link."""
    target = await links.join_target(event, who, proposal_id)
    visit = await presence.record_visit(
        event, who, proposal_id=target.proposal_id, room_id=target.room_id, how="video", ends_by=target.ends_by
    )
    room = await Room.objects().where(Room.id == visit.room).first() if visit.room else None
    embed = msgspec.convert(target.embed, EmbedOut, from_attributes=True) if target.embed is not None else None
    return TableJoined(presence=presence.presence_out(visit, room), url=target.url, embed=embed)
