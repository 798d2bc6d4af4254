"""Hybrid events: seats for the people in the room, a video-equipped room for the remote ones.

Overflow has two kinds. **In the room**: a session's in-person voters beyond its room's capacity
(remote people need no seat). **Remote**: a session's remote voters when its room has no video
equipment (they cannot join). Both cost the overflow weight per person, so a session with many
remote voters is worth a video room exactly as much as the seats it would otherwise lack.

How the optimizer uses it, and the trade-off: the search decides slots with in-person demand as
the room demand (the capacity part, which is most of the cost), and :func:`assign_rooms_hybrid`
then gives each slot's movable sessions their rooms exactly (Hungarian method, both kinds of
overflow, needs respected). So the video preference decides rooms, never slots: two sessions with
many remote voters may share a slot with a single video room, where the search would have
spread them had it known. Without remote people or video rooms nothing changes (v1/v2 scores).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from .assign import FORBIDDEN, min_cost_assignment
from .model import Problem, ProposalInput, RoomInput

__all__ = ["assign_rooms_hybrid", "in_person", "overflow_kinds", "remote_voters"]

Place = tuple[int, int]


def in_person(problem: Problem, proposal: ProposalInput) -> int:
    """Voters who would need a seat."""
    return sum(1 for v in proposal.voters if v not in problem.remote)


def remote_voters(problem: Problem, proposal: ProposalInput) -> int:
    return sum(1 for v in proposal.voters if v in problem.remote)


def overflow_kinds(problem: Problem, proposal: ProposalInput, room: RoomInput, runs: int = 1) -> tuple[int, int]:
    """(people without a seat, remote people who cannot join) for one run of ``proposal`` in ``room``."""
    seats = -(-in_person(problem, proposal) // max(1, runs))
    far = -(-remote_voters(problem, proposal) // max(1, runs))
    return max(0, seats - room.capacity), 0 if room.video else far


def assign_rooms_hybrid(problem: Problem, assignment: Mapping[int, Place]) -> dict[int, Place]:
    """Re-assign rooms within each slot to minimise both kinds of overflow; slots never change.

    Pinned sessions, locked slots and sessions keeping their previous place stay where they are;
    the others share the rooms they already hold, so no new room is taken.
    """
    out = dict(assignment)
    if not problem.hybrid:
        return out
    props = {p.id: p for p in problem.proposals}
    rooms = {r.id: r for r in problem.rooms}
    locked = {s.id for s in problem.slots if s.locked}
    by_slot: dict[int, list[int]] = defaultdict(list)
    for pid, (slot, _room) in assignment.items():
        p = props.get(pid)
        if p is None or slot in locked or p.pinned is not None or problem.previous.get(pid) == assignment[pid]:
            continue
        by_slot[slot].append(pid)
    for slot, pids in by_slot.items():
        if len(pids) < 2:
            continue
        pids.sort()
        held = sorted(assignment[pid][1] for pid in pids)
        cost = np.zeros((len(pids), len(held)))
        for i, pid in enumerate(pids):
            p = props[pid]
            for j, rid in enumerate(held):
                room = rooms[rid]
                if not p.needs <= room.features:
                    cost[i, j] = FORBIDDEN
                    continue
                seats, far = overflow_kinds(problem, p, room)
                moved = problem.weights.moved if pid in problem.previous and problem.previous[pid] != (slot, rid) else 0
                # tie-break towards the current room so nothing moves without a gain
                cost[i, j] = (
                    problem.weights.overflow * (seats + far) + moved + (0 if rid == assignment[pid][1] else 1e-6)
                )
        chosen = min_cost_assignment(cost)
        if chosen is None:
            continue
        for i, pid in enumerate(pids):
            out[pid] = (slot, held[chosen[i]])
    return out
