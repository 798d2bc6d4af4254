"""The projected board: big, high-contrast, never scrolling; pages through long lists instead."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Response, Template

from agenda import services as agenda_services
from agenda.schemas import AgendaOut, SessionOut, SlotOut
from events.dependencies import event_of
from events.tables import Event
from rhythm import carry
from rooms import presence
from rooms.schemas import RoomOccupancy
from sessions import services as proposal_services
from unconf import i18n
from unconf.errors import NotFound
from unconf.settings import get_settings
from unconf.validation import aware
from web.common import event_tz, join_qr, join_url, local_now, phase_label, short_url
from web.rendered import PRECOMPRESSED, cached_page, clock_key

PROPOSALS_PER_PAGE = 12
ROOMS_PER_PAGE = 8
SLOTS_PER_PAGE = 6


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def balanced(items: list[Any], most: int) -> list[list[Any]]:
    """Pages of at most ``most`` items, as even as can be (11 rooms: 6 + 5, not 8 + 3)."""
    if not items:
        return [[]]
    pages = -(-len(items) // most)
    size = -(-len(items) // pages)
    return chunks(items, size)


async def agenda_view(event: Event, agenda: AgendaOut) -> dict[str, Any]:
    """The grid: the slots from now on, only rooms with something in them, paged when they cannot fit.

    While sessions run, each room row carries its occupancy (in the room and remote apart), which the
    board then keeps current from ``occupancy.changed`` without asking again.
    """
    now = local_now(event)
    slots = sorted(agenda.slots, key=lambda s: s.starts_at)
    if event.phase == "closed":
        now_id = next_id = None  # the day is over: nothing is on now or next
    else:
        now_id = next((s.id for s in slots if s.starts_at <= now < s.ends_at), None)
        next_id = next((s.id for s in slots if s.starts_at > now), None)
    # Long days: show from the current slot on, so now/next are always on the projector.
    start = next((i for i, s in enumerate(slots) if s.id in (now_id, next_id)), 0)
    visible: list[SlotOut] = []
    for slot in slots[start:] if len(slots) > SLOTS_PER_PAGE else slots:
        visible.append(slot)  # up to 6 breakout columns; plenaries and breaks ride along, narrow
        if sum(1 for s in visible if s.kind == "breakout") == SLOTS_PER_PAGE:
            break
    visible_ids = {s.id for s in visible}
    cells: dict[tuple[int, int], SessionOut] = {(s.slot_id, s.room_id): s for s in agenda.sessions}
    used = {s.room_id for s in agenda.sessions if s.slot_id in visible_ids}
    rooms = [r for r in agenda.rooms if r.id in used]
    occupancy: dict[int, RoomOccupancy] = {}
    main: RoomOccupancy | None = None
    if event.phase == "running":
        for room in (await presence.occupancy(event)).rooms:
            if room.room_id is not None:
                occupancy[room.room_id] = room
            if room.main:
                main = room
    breakouts = sum(1 for s in visible if s.kind == "breakout")
    return {
        "mode": "agenda",
        "slots": visible,
        "breakout_share": 100 / max(1, breakouts * 3 + (len(visible) - breakouts) * 1.3),
        "room_pages": balanced(rooms, ROOMS_PER_PAGE),
        "cells": cells,
        "now_id": now_id,
        "next_id": next_id,
        "version": agenda.version,
        "occupancy": occupancy,
        "main_occupancy": main,
        "show_occupancy": event.phase == "running",
    }


async def board_state(event: Event) -> dict[str, Any]:
    """Everything the board shows, read fresh: the page and every (re)connect render from this."""
    ends = aware(event.phase_ends_at)
    context: dict[str, Any] = {
        "event": event,
        "phase": event.phase,
        "phase_label": phase_label(event.phase),
        "ends_at_iso": ends.isoformat() if ends else "",
        "ends_at_local": i18n.format_time(ends, event_tz(event)) if ends else "",
        "join_url": join_url(event),
        "join_short": short_url(f"{get_settings().public_url}/e/{event.slug}"),
        "qr": join_qr(join_url(event)),
        "mode": "waiting",
    }
    agenda: AgendaOut | None = None
    if event.phase in ("scheduled", "running", "closed"):
        try:
            agenda = await agenda_services.cached_agenda(event)
        except NotFound:
            agenda = None
    if agenda is not None:
        context.update(await agenda_view(event, agenda))
    elif event.phase in ("proposals", "voting"):
        proposals = proposal_services.live_only(await proposal_services.cached_proposals(event))
        if event.phase == "voting":
            proposals.sort(key=lambda p: (-p.votes, p.id))
        else:
            proposals.sort(key=lambda p: -p.id)
        # Few proposals get bigger cards; a full page is 2 columns of 6.
        layout = "layout-few" if len(proposals) <= 4 else "layout-some" if len(proposals) <= 8 else "layout-full"
        context.update(
            mode="proposals",
            pages=chunks(proposals, PROPOSALS_PER_PAGE),
            total=len(proposals),
            layout=layout,
            carried=await carry.carried_counts(event.id),
        )
    return context


@get("/e/{slug:str}/board", name="board", opt=PRECOMPRESSED)
async def board(request: Request[Any, Any, Any], slug: str) -> Response[bytes] | Template:
    event = await event_of(request, slug)
    i18n.show_in(event.language)  # a projected board speaks the event's language, whoever opens it
    # Private like every page here: the board shows the join code, which no shared cache should keep.
    return await cached_page(request, event, "board.html", await clock_key(event), lambda: board_state(event))


@get("/e/{slug:str}/board/state", name="board_state", opt=PRECOMPRESSED)
async def board_fragment(request: Request[Any, Any, Any], slug: str) -> Response[bytes] | Template:
    """A snapshot of the board's live part; the script swaps it in on every change and reconnect.

    Rendered once per change of the event (kept in memory), so a room full of boards costs one render.
    """
    event = await event_of(request, slug)
    i18n.show_in(event.language)
    return await cached_page(request, event, "board_live.html", await clock_key(event), lambda: board_state(event))


HANDLERS = [board, board_fragment]
