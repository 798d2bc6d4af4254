"""Repeats for crowds: a second run of a popular session, and the score that counts it fairly.

When a session's demand is far above the biggest free room, or many of its people are busy with
something else whatever slot it takes, running it twice helps: half the crowd each time, and a
second chance for those who clashed. The rules (``edcamp-instance/v3``):

* only proposals marked ``repeatable`` repeat, at most once, in a **later** breakout slot than
  their first run, with the same facilitators (so they must be free then: never double-booked);
* a repeat takes **no place from a session that would otherwise run**: it may only use a place
  that no left-out proposal could use (its needs, its unavailability and its facilitators allow
  none of them there), and never a locked slot;
* **interest counts once per topic**: a person is credited with the most sessions they could
  actually attend, one per slot and each topic once, whichever run they go to. That is a
  maximum bipartite matching between their wanted topics and the slots where those topics run
  (without repeats it is exactly "slots with at least one wanted session", the v1/v2 score);
* a run's demand for overflow is its voters split evenly over the runs (rounded up), for each
  kind of overflow (seats and, at hybrid events, remote people without video: :mod:`.hybrid`).

The planner is a greedy pass after the search: repeatedly add the repeat that raises the score the
most, until none does. Why not inside the search: repeats only fill places nothing else can use,
so they never compete with the search's choices, and a pass after it keeps the v1/v2 search (and
its targets) untouched. The cost is that the search does not move a first run to make a better
repeat possible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .hybrid import overflow_kinds
from .model import Problem

__all__ = ["attendable", "could_run_there", "plan_repeats"]

Place = tuple[int, int]


def attendable(topic_slots: list[set[int]]) -> int:
    """Most topics a person can attend, one per slot and each once (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}

    def augment(topic: int, seen: set[int]) -> bool:
        for slot in topic_slots[topic]:
            if slot in seen:
                continue
            seen.add(slot)
            if slot not in owner or augment(owner[slot], seen):
                owner[slot] = topic
                return True
        return False

    return sum(1 for t in range(len(topic_slots)) if augment(t, set()))


def _order(problem: Problem) -> dict[int, int]:
    return {s.id: i for i, s in enumerate(problem.slots)}


def could_run_there(
    problem: Problem, assignment: Mapping[int, Place], repeats: Mapping[int, Place], slot: int, room: int
) -> list[int]:
    """Left-out proposals that could take the place (slot, room) if it were free: what a repeat there would displace."""
    rooms = {r.id: r for r in problem.rooms}
    kinds = {s.id: s for s in problem.slots}
    if kinds[slot].kind != "breakout" or kinds[slot].locked:
        return []
    busy: set[int] = set()
    by_id = {p.id: p for p in problem.proposals}
    for runs in (assignment, repeats):
        for pid, (s, r) in runs.items():
            if s == slot and (s, r) != (slot, room) and pid in by_id:
                busy.update(by_id[pid].facilitators)
    return [
        p.id
        for p in problem.proposals
        if p.id not in assignment
        and slot not in p.unavailable_slots
        and p.needs <= rooms[room].features
        and not busy & set(p.facilitators)
    ]


def plan_repeats(
    problem: Problem, assignment: Mapping[int, Place], fixed: Mapping[int, Place] | None = None
) -> dict[int, Place]:
    """Repeats (proposal id -> place of the second run) that raise the score, greedily, best first.

    ``fixed`` are repeats already decided (an organizer pinned them): they stay as given, take
    their places and their facilitators' slots, and the plan adds to them.
    """
    by_id = {p.id: p for p in problem.proposals}
    fixed = dict(fixed or {})
    candidates = [pid for pid in assignment if pid in by_id and by_id[pid].repeatable and pid not in fixed]
    if not candidates:
        return fixed
    order = _order(problem)
    rooms = {r.id: r for r in problem.rooms}
    open_slots = [s.id for s in problem.slots if s.kind == "breakout" and not s.locked]
    taken = set(assignment.values())
    busy: dict[int, set[int]] = defaultdict(set)
    for pid, (slot, _room) in assignment.items():
        if pid in by_id:
            busy[slot].update(by_id[pid].facilitators)
    wants: dict[int, list[int]] = defaultdict(list)  # person -> wanted scheduled proposals
    for pid in assignment:
        if pid in by_id:
            for person in {*by_id[pid].voters, *by_id[pid].facilitators}:
                wants[person].append(pid)
    repeats: dict[int, Place] = dict(fixed)
    for pid, place in fixed.items():
        taken.add(place)
        if pid in by_id:
            busy[place[0]].update(by_id[pid].facilitators)

    def person_interest(person: int, extra: Mapping[int, Place]) -> int:
        topic_slots = []
        for pid in wants[person]:
            slots = {assignment[pid][0]}
            if pid in extra:
                slots.add(extra[pid][0])
            topic_slots.append({s for s in slots if s in order and problem.slots[order[s]].kind == "breakout"})
        return attendable(topic_slots)

    def overflow(pid: int, place: Place, runs: int) -> int:
        return sum(overflow_kinds(problem, by_id[pid], rooms[place[1]], runs))

    w = problem.weights
    while True:
        best: tuple[float, int, Place] | None = None
        for pid in candidates:
            if pid in repeats:
                continue
            p = by_id[pid]
            first = assignment[pid]
            people = {*p.voters, *p.facilitators}
            before_interest = sum(person_interest(x, repeats) for x in people)
            before_overflow = overflow(pid, first, 1)
            for slot in open_slots:
                if order[slot] <= order[first[0]] or slot in p.unavailable_slots:
                    continue
                if busy[slot] & set(p.facilitators):
                    continue
                free = [
                    r
                    for r in problem.rooms
                    if (slot, r.id) not in taken
                    and p.needs <= r.features
                    and not could_run_there(problem, assignment, repeats, slot, r.id)
                ]
                if not free:
                    continue
                room = max(free, key=lambda r: (r.capacity, -r.id))
                trial = {**repeats, pid: (slot, room.id)}
                gain_interest = sum(person_interest(x, trial) for x in people) - before_interest
                after_overflow = overflow(pid, first, 2) + overflow(pid, (slot, room.id), 2)
                gain = w.interest * gain_interest - w.overflow * (after_overflow - before_overflow)
                # the biggest gain; among equals the earliest slot, then the lowest proposal id
                if gain > 0 and (best is None or (gain, -order[slot]) > (best[0], -order[best[2][0]])):
                    best = (gain, pid, (slot, room.id))
        if best is None:
            return repeats
        _gain, pid, place = best
        repeats[pid] = place
        taken.add(place)
        busy[place[0]].update(by_id[pid].facilitators)
