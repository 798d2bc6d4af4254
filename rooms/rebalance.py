"""Live re-balancing on the day: from check-ins, one proposed change for the next slot.

The rule (what is proposed and why) is the optimizer's :func:`agenda.optimizer.propose_rebalance`;
this module feeds it the day as it is (the agenda the organizer is editing, or else the published
one; who is checked in where now; started slots locked, pins kept) and applies a proposal only when
the organizer asks, to the **draft**: nothing reaches people until the organizer publishes.

Lives in rooms because check-ins do (agenda, below rooms, cannot read them); its routes sit under
``/agenda/rebalance`` because that is what it changes.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from agenda import optimizer
from agenda import services as agenda_services
from agenda.schemas import AgendaOut, PlacementSet
from events.services import require_phase
from events.tables import Event
from rooms.presence import occupancy
from unconf.errors import Conflict, NotFound
from unconf.i18n import gettext as _
from unconf.i18n import ngettext
from unconf.validation import utcnow

__all__ = ["RebalanceApply", "RebalanceMove", "RebalanceOut", "apply_rebalance", "propose"]

REBALANCE_PHASES = ("scheduled", "running")


class RebalanceMove(msgspec.Struct, kw_only=True):
    proposal_id: int
    title: str
    from_room_id: int | None  # None: a new run (a repeat)
    from_room: str
    to_slot_id: int
    to_room_id: int
    to_room: str


class RebalanceOut(msgspec.Struct, kw_only=True):
    """One proposed change (``kind`` None: nothing to change), with what it saves and why."""

    kind: str | None
    moves: list[RebalanceMove]
    seats: int
    turnout: float
    next_slot_id: int | None
    text: str
    predicted: dict[int, int] = msgspec.field(default_factory=dict)


class RebalanceApply(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The moves the organizer saw: applied only if they are still what would be proposed."""

    moves: list[tuple[int, int, int]]  # (proposal_id, to_slot_id, to_room_id)


async def _current(event: Event) -> AgendaOut:
    try:
        return await agenda_services.read_draft(event)
    except NotFound:
        published = await agenda_services.read_published(event)
        if published is None:
            raise NotFound(_("there is no agenda yet: build and publish one first"), field="agenda") from None
        return published


def _slots_around(agenda: AgendaOut, now: datetime) -> tuple[int | None, int | None]:
    breakouts = sorted((s for s in agenda.slots if s.kind == "breakout"), key=lambda s: s.starts_at)
    running = next((s.id for s in breakouts if s.starts_at <= now < s.ends_at), None)
    upcoming = next((s.id for s in breakouts if s.starts_at > now), None)
    return running, upcoming


async def propose(event: Event, *, now: datetime | None = None) -> RebalanceOut:
    """What would help the next slot most, from who is checked in now; changes nothing."""
    require_phase(event, *REBALANCE_PHASES, action="re-balance the day")
    now = now or utcnow()
    agenda = await _current(event)
    now_slot, next_slot = _slots_around(agenda, now)
    if next_slot is None:
        return RebalanceOut(
            kind=None, moves=[], seats=0, turnout=1.0, next_slot_id=None, text=_("No slot is left to change.")
        )
    problem = await agenda_services.build_problem(event)
    # A session with a repeat counts at the run in the slot on now or next, else at its first run.
    around = (now_slot, next_slot)
    ordered = sorted(agenda.sessions, key=lambda s: (s.slot_id in around, s.run if s.slot_id in around else -s.run))
    assignment = {s.proposal_id: (s.slot_id, s.room_id) for s in ordered}
    present = {
        s.proposal_id: s.present
        for s in (await occupancy(event, now)).sessions
        if s.proposal_id in assignment and assignment[s.proposal_id][0] == now_slot
    }
    rate = optimizer.rebalance.turnout(problem, assignment, present)
    change = optimizer.propose_rebalance(problem, assignment, present, next_slot, now_slot=now_slot)
    repeating = {s.proposal_id for s in agenda.sessions if s.runs > 1}
    if change is not None and change.kind == "repeat" and change.moves[0].proposal_id in repeating:
        change = None  # it repeats already: a session runs at most twice
    if change is None:
        text = _("Nothing to change: at {rate} people per vote the next slot's rooms fit.").format(rate=f"{rate:.1f}")
        return RebalanceOut(kind=None, moves=[], seats=0, turnout=rate, next_slot_id=next_slot, text=text)
    titles = {s.proposal_id: s.title for s in agenda.sessions}
    rooms = {r.id: r.name for r in agenda.rooms}
    moves = [
        RebalanceMove(
            proposal_id=m.proposal_id,
            title=titles.get(m.proposal_id, ""),
            from_room_id=None if m.before is None else m.before[1],
            from_room="" if m.before is None else rooms.get(m.before[1], ""),
            to_slot_id=m.after[0],
            to_room_id=m.after[1],
            to_room=rooms.get(m.after[1], ""),
        )
        for m in change.moves
    ]
    if change.kind == "swap":
        a, b = moves
        text = ngettext(
            "Swap rooms: {first!r} to {first_room}, {second!r} to {second_room} ({seats} seat fewer short).",
            "Swap rooms: {first!r} to {first_room}, {second!r} to {second_room} ({seats} seats fewer short).",
            change.seats,
        ).format(first=a.title, first_room=a.to_room, second=b.title, second_room=b.to_room, seats=change.seats)
    else:
        text = ngettext(
            "Open a repeat of {title!r} in {room} next slot ({seats} seat fewer short).",
            "Open a repeat of {title!r} in {room} next slot ({seats} seats fewer short).",
            change.seats,
        ).format(title=moves[0].title, room=moves[0].to_room, seats=change.seats)
    return RebalanceOut(
        kind=change.kind,
        moves=moves,
        seats=change.seats,
        turnout=rate,
        next_slot_id=next_slot,
        text=text,
        predicted=change.predicted,
    )


async def apply_rebalance(event: Event, data: RebalanceApply) -> AgendaOut:
    """Apply the proposal the organizer saw, to the draft (publishing stays their click)."""
    current = await propose(event)
    expected = [(m.proposal_id, m.to_slot_id, m.to_room_id) for m in current.moves]
    if current.kind is None or [tuple(m) for m in data.moves] != expected:
        raise Conflict(
            _("the day has changed since this was proposed: look at the new proposal"), code="stale", field="moves"
        )
    first = current.moves[0]
    if current.kind == "repeat":
        # The second run goes where it was proposed, pinned so a re-solve keeps it.
        return await agenda_services.place_session(
            event, first.proposal_id, PlacementSet(slot_id=first.to_slot_id, room_id=first.to_room_id, run=2)
        )
    agenda = await _current(event)
    run = next(
        (s.run for s in agenda.sessions if s.proposal_id == first.proposal_id and s.slot_id == first.to_slot_id), 1
    )
    # Placing one session where the other is swaps the two; neither gets pinned by this.
    return await agenda_services.place_session(
        event,
        first.proposal_id,
        PlacementSet(slot_id=first.to_slot_id, room_id=first.to_room_id, pinned=False, run=run),
    )
