"""What an Edcamp expects of an agenda beyond the score, applied after :func:`solve`.

The score lets the optimizer leave a proposal out even when a room stays empty (its voters
would overflow a small room, its people are busy anyway). On the day, a facilitator who
proposed a session and finds an empty room expects to run it, and a crowd expects the big
room; so the service completes the agenda:

* every left-out proposal gets a free place while one is feasible (most votes first, into the
  slot where fewest of its people want something else, then the biggest fitting room);
* within a slot, sessions the organizer did not fix take rooms in order of votes (ties keep
  their order), as far as room features allow; at hybrid events, the rooms that leave the
  fewest people without a seat or without video (:mod:`.hybrid`).

Pinned sessions, sessions in locked slots and sessions that keep their previous place are
never touched. Pure: data in, assignment out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .hybrid import assign_rooms_hybrid
from .model import Problem

Place = tuple[int, int]


def complete_agenda(problem: Problem, assignment: Mapping[int, Place]) -> dict[int, Place]:
    out = dict(assignment)
    slots = {s.id: s for s in problem.slots}
    rooms = {r.id: r for r in problem.rooms}
    proposals = {p.id: p for p in problem.proposals}
    open_slots = [s.id for s in problem.slots if s.kind == "breakout" and not s.locked]
    taken = set(out.values())
    busy: dict[int, set[int]] = defaultdict(set)  # slot -> facilitators there
    wanted_in: dict[int, set[int]] = defaultdict(set)  # slot -> people with a wanted session there
    for pid, (slot, _) in out.items():
        p = proposals.get(pid)
        if p is not None:
            busy[slot].update(p.facilitators)
            wanted_in[slot].update(p.voters)
            wanted_in[slot].update(p.facilitators)

    waiting = sorted((p for p in problem.proposals if p.id not in out), key=lambda p: (-len(p.voters), p.id))
    for p in waiting:
        people = set(p.voters) | set(p.facilitators)
        best: tuple[int, int, int, int] | None = None
        for slot in open_slots:
            if slot in p.unavailable_slots or busy[slot] & set(p.facilitators):
                continue
            free = [r for r in rooms.values() if (slot, r.id) not in taken and p.needs <= r.features]
            if not free:
                continue
            room = max(free, key=lambda r: (r.capacity, -r.id))
            key = (len(people & wanted_in[slot]), -room.capacity, slot, room.id)
            if best is None or key < best:
                best = key
        if best is None:
            continue
        _, _, slot, room_id = best
        out[p.id] = (slot, room_id)
        taken.add((slot, room_id))
        busy[slot].update(p.facilitators)
        wanted_in[slot].update(people)

    if problem.hybrid:
        # Votes are the wrong order at a hybrid event: seats and video decide (exactly, per slot).
        return assign_rooms_hybrid(problem, out)
    by_slot: dict[int, list[int]] = defaultdict(list)
    for pid, (slot, _) in out.items():
        by_slot[slot].append(pid)
    for slot, members in by_slot.items():
        if slots.get(slot) is None or slots[slot].locked:
            continue
        movable = [pid for pid in members if proposals[pid].pinned is None and problem.previous.get(pid) != out[pid]]
        if len(movable) < 2:
            continue
        free_rooms = sorted((out[pid][1] for pid in movable), key=lambda r: (-rooms[r].capacity, r))
        order = sorted(movable, key=lambda pid: (-len(proposals[pid].voters), pid))
        placed: dict[int, int] = {}
        left = list(free_rooms)
        for pid in order:
            fitting = [r for r in left if proposals[pid].needs <= rooms[r].features]
            if not fitting:
                break
            placed[pid] = fitting[0]
            left.remove(fitting[0])
        if len(placed) == len(movable):
            for pid, room_id in placed.items():
                out[pid] = (slot, room_id)
    return out
