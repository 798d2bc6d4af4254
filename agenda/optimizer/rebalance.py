"""Live re-balancing on the day: the smallest change for the next slot, from who actually came.

Votes predict crowds only roughly. Once sessions run, check-ins show how many people really come
per vote. From that the next slot's crowds are predicted (each session's voters times the
observed turnout, in-person voters only at hybrid events), and the **smallest** change that helps
is proposed, never applied (the organizer clicks):

1. **Swap rooms** of two next-slot sessions: one predicted to overflow, one predicted to leave its
   bigger room nearly empty. One swap moves no session in time and nobody's plan changes but a
   room name. The swap that saves the most seats wins; needs must still fit and neither may be
   pinned.
2. Otherwise **open a repeat** of a session running now that overflows (its check-ins exceed its
   room): in the next slot, in a free room that no left-out session could use, with its
   facilitators free then, if it is repeatable.

Why not a full re-solve: on the day, every moved session is people walking to the wrong room; a
full re-solve around the started slots (pins and locks kept) is what "build" does, and the
organizer can still run it. This proposes one change at a time, with its gain in seats, so the
organizer sees exactly what would move before publishing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import Problem, ProposalInput
from .repeats import could_run_there

__all__ = ["Move", "Rebalance", "propose_rebalance", "turnout"]

Place = tuple[int, int]


@dataclass(frozen=True)
class Move:
    proposal_id: int
    before: Place | None  # None: a new run (a repeat)
    after: Place


@dataclass(frozen=True)
class Rebalance:
    """One proposed change: ``kind`` is "swap" or "repeat"; ``seats`` the overflow it saves."""

    kind: str
    moves: tuple[Move, ...]
    seats: int
    predicted: dict[int, int] = field(default_factory=dict)  # proposal -> predicted people, next slot


def turnout(problem: Problem, assignment: Mapping[int, Place], occupancy: Mapping[int, int]) -> float:
    """People who came per voter, over the sessions with check-ins (1.0 without any)."""
    props = {p.id: p for p in problem.proposals}
    votes = sum(_seated(problem, props[pid]) for pid in occupancy if pid in props and pid in assignment)
    came = sum(n for pid, n in occupancy.items() if pid in props and pid in assignment)
    if votes <= 0 or came <= 0:
        return 1.0
    return min(3.0, max(0.2, came / votes))


def _seated(problem: Problem, p: ProposalInput) -> int:
    """Voters who need a seat (remote people at hybrid events do not)."""
    return sum(1 for v in p.voters if v not in problem.remote)


def propose_rebalance(
    problem: Problem,
    assignment: Mapping[int, Place],
    occupancy: Mapping[int, int],
    next_slot: int,
    *,
    now_slot: int | None = None,
) -> Rebalance | None:
    """The smallest helpful change for ``next_slot`` (see module doc), or None when none helps.

    ``occupancy``: proposal id -> people checked in now (sessions of ``now_slot``).
    """
    props = {p.id: p for p in problem.proposals}
    rooms = {r.id: r for r in problem.rooms}
    slots = {s.id: s for s in problem.slots}
    if next_slot not in slots or slots[next_slot].locked:
        return None
    rate = turnout(problem, assignment, occupancy)
    nxt = sorted(pid for pid, (slot, _room) in assignment.items() if slot == next_slot and pid in props)
    predicted = {pid: round(_seated(problem, props[pid]) * rate) for pid in nxt}

    def over(pid: int, room_id: int) -> int:
        return max(0, predicted[pid] - rooms[room_id].capacity)

    best: tuple[int, int, int] | None = None
    for a in nxt:
        ra = assignment[a][1]
        if over(a, ra) == 0 or props[a].pinned is not None:
            continue
        for b in nxt:
            rb = assignment[b][1]
            if b == a or props[b].pinned is not None or rooms[rb].capacity <= rooms[ra].capacity:
                continue
            if not (props[a].needs <= rooms[rb].features and props[b].needs <= rooms[ra].features):
                continue
            saved = over(a, ra) + over(b, rb) - over(a, rb) - over(b, ra)
            if saved > 0 and (best is None or (saved, -a, -b) > (best[0], -best[1], -best[2])):
                best = (saved, a, b)
    if best is not None:
        saved, a, b = best
        ra, rb = assignment[a][1], assignment[b][1]
        moves = (Move(a, (next_slot, ra), (next_slot, rb)), Move(b, (next_slot, rb), (next_slot, ra)))
        return Rebalance("swap", moves, saved, predicted)

    if now_slot is None:
        return None
    busy = {f for pid in nxt for f in props[pid].facilitators}
    taken = {place for place in assignment.values() if place[0] == next_slot}
    candidates = []
    for pid, came in occupancy.items():
        if pid not in props or assignment.get(pid, (None, None))[0] != now_slot or not props[pid].repeatable:
            continue
        room_now = rooms[assignment[pid][1]]
        excess = came - room_now.capacity
        if excess <= 0 or busy & set(props[pid].facilitators) or next_slot in props[pid].unavailable_slots:
            continue
        free = [
            r
            for r in problem.rooms
            if (next_slot, r.id) not in taken
            and props[pid].needs <= r.features
            and not could_run_there(problem, assignment, {}, next_slot, r.id)
        ]
        if free:
            room = max(free, key=lambda r: (r.capacity, -r.id))
            # half the crowd comes back later: the seats saved now, at most what the new room holds
            saved = min(excess, room.capacity)
            candidates.append((saved, -pid, pid, room.id))
    if not candidates:
        return None
    saved, _neg, pid, room_id = max(candidates)
    return Rebalance("repeat", (Move(pid, None, (next_slot, room_id)),), saved, predicted)
