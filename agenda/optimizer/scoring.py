"""The score and the hard constraints, exactly as ``shared/scheduling/evaluate.py`` defines them.

Written independently of the search (plain dictionaries, no incremental state) so that it can check
the optimizer: a bug in the search's bookkeeping shows up as a disagreement here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from .hybrid import overflow_kinds
from .model import Clash, Problem
from .repeats import attendable, could_run_there

__all__ = ["clash_report", "evaluate", "wanted_by"]


def wanted_by(problem: Problem) -> dict[int, frozenset[int]]:
    """Proposal id -> people who want it (voters and facilitators): the people it can give interest to."""
    return {p.id: frozenset(p.voters) | frozenset(p.facilitators) for p in problem.proposals}


def _clean(
    problem: Problem, assignment: Mapping[int, tuple[int, int]], violations: list[str]
) -> dict[int, tuple[int, int]]:
    """Drop (and report) entries with unknown ids, as evaluate.py does."""
    pids = {p.id for p in problem.proposals}
    sids = {s.id for s in problem.slots}
    rids = {r.id for r in problem.rooms}
    out: dict[int, tuple[int, int]] = {}
    for pid, place in assignment.items():
        try:
            key = int(pid)
            slot, room = int(place[0]), int(place[1])
        except (TypeError, ValueError, IndexError):
            violations.append(f"unknown: unreadable entry {pid!r}: {place!r}")
            continue
        if key not in pids or slot not in sids or room not in rids:
            violations.append(f"unknown: proposal {pid} at slot {slot} room {room} (unknown id)")
            continue
        out[key] = (slot, room)
    return out


def evaluate(
    problem: Problem,
    assignment: Mapping[int, tuple[int, int]],
    repeats: Mapping[int, tuple[int, int]] | None = None,
) -> tuple[float, dict[str, int], list[str]]:
    """Score an assignment: ``(Z, metrics, violations)``; feasible iff ``violations`` is empty.

    metrics: interest, clashes, overflow, moved, scheduled. One violation string per unit that
    evaluate.py counts, each naming the proposals involved. With ``repeats`` (second runs, v3) the
    score is the one :mod:`.repeats` defines, and ``repeats`` joins the metrics.
    """
    if repeats:
        return _evaluate_with_repeats(problem, assignment, repeats)
    violations: list[str] = []
    a = _clean(problem, assignment, violations)
    props = {p.id: p for p in problem.proposals}
    slots = {s.id: s for s in problem.slots}
    rooms = {r.id: r for r in problem.rooms}
    wanted = wanted_by(problem)

    per_person_slot: Counter[tuple[int, int]] = Counter()
    for pid, (slot, _room) in a.items():
        for person in wanted[pid]:
            per_person_slot[(person, slot)] += 1
    clashes = sum(n * (n - 1) // 2 for n in per_person_slot.values())
    interest = sum(1 for (_person, slot) in per_person_slot if slots[slot].kind == "breakout")
    if problem.hybrid:
        kinds = [overflow_kinds(problem, props[pid], rooms[room]) for pid, (_s, room) in a.items()]
        in_room, remote = sum(k[0] for k in kinds), sum(k[1] for k in kinds)
        overflow = in_room + remote
    else:
        overflow = sum(max(0, len(props[pid].voters) - rooms[room].capacity) for pid, (_s, room) in a.items())

    fac: dict[tuple[int, int], list[int]] = {}
    for pid, (slot, _room) in a.items():
        for f in props[pid].facilitators:
            fac.setdefault((f, slot), []).append(pid)
    for (f, slot), pids in sorted(fac.items()):
        for _ in range(len(pids) - 1):
            violations.append(f"fac_double: facilitator {f} runs proposals {sorted(pids)} in slot {slot}")
    place: dict[tuple[int, int], list[int]] = {}
    for pid, where in a.items():
        place.setdefault(where, []).append(pid)
    for (slot, room), pids in sorted(place.items()):
        for _ in range(len(pids) - 1):
            violations.append(f"room_double: proposals {sorted(pids)} share slot {slot} room {room}")
    for pid, (slot, room) in sorted(a.items()):
        p = props[pid]
        if slots[slot].kind != "breakout":
            violations.append(f"not_breakout: proposal {pid} in {slots[slot].kind} slot {slot}")
        if slot in p.unavailable_slots:
            violations.append(f"unavailable: proposal {pid} in slot {slot}, where it is unavailable")
        if not p.needs <= rooms[room].features:
            missing = ", ".join(sorted(p.needs - rooms[room].features))
            violations.append(f"needs: proposal {pid} in room {room}, which lacks {missing}")
    for p in problem.proposals:
        if p.pinned is not None and a.get(p.id) != tuple(p.pinned):
            violations.append(f"pinned: proposal {p.id} is not at its pinned place {tuple(p.pinned)}")
    prev = {int(k): (int(v[0]), int(v[1])) for k, v in problem.previous.items()}
    for s in problem.slots:
        if not s.locked:
            continue
        before = {(pid, v) for pid, v in prev.items() if v[0] == s.id}
        now = {(pid, v) for pid, v in a.items() if v[0] == s.id}
        for pid, (slot, room) in sorted(before ^ now):
            what = "was" if (pid, (slot, room)) in before else "is now"
            violations.append(f"locked: proposal {pid} {what} at slot {slot} room {room} of a locked slot")
    moved = sum(1 for pid, v in prev.items() if a.get(pid) != v)
    w = problem.weights
    score = w.interest * interest - w.overflow * overflow - w.moved * moved
    metrics = {"interest": interest, "clashes": clashes, "overflow": overflow, "moved": moved, "scheduled": len(a)}
    if problem.hybrid:
        metrics |= {"overflow_in_room": in_room, "overflow_remote": remote}
    return score, metrics, violations


def clash_report(problem: Problem, assignment: Mapping[int, tuple[int, int]], limit: int | None = None) -> list[Clash]:
    """Pairs of sessions in the same slot that people wanted both of, most people first.

    This is what explains a draft to organizers: "3 people wanted both X and Y at 10:00".
    """
    wanted = wanted_by(problem)
    labels = {s.id: s.label for s in problem.slots}
    by_slot: dict[int, list[int]] = {}
    for pid, (slot, _room) in assignment.items():
        if pid in wanted:
            by_slot.setdefault(int(slot), []).append(int(pid))
    out: list[Clash] = []
    for slot, pids in by_slot.items():
        pids.sort()
        for i, a in enumerate(pids):
            for b in pids[i + 1 :]:
                n = len(wanted[a] & wanted[b])
                if n:
                    out.append(Clash(slot, a, b, n, labels.get(slot, "")))
    out.sort(key=lambda c: (-c.people, c.slot_id, c.proposal_a, c.proposal_b))
    return out if limit is None else out[:limit]


def _evaluate_with_repeats(
    problem: Problem, assignment: Mapping[int, tuple[int, int]], repeats: Mapping[int, tuple[int, int]]
) -> tuple[float, dict[str, int], list[str]]:
    """The v3 score: interest once per topic (a matching per person), overflow per run, repeat rules."""
    violations: list[str] = []
    first = _clean(problem, assignment, violations)
    second = _clean(problem, repeats, violations)
    # Every rule of v2 holds for the runs taken together: check them on the first runs, then the
    # place and facilitator rules across both.
    _score, base_metrics, base_violations = evaluate(problem, first)
    violations += base_violations
    props = {p.id: p for p in problem.proposals}
    slots = {s.id: s for s in problem.slots}
    rooms = {r.id: r for r in problem.rooms}
    order = {s.id: i for i, s in enumerate(problem.slots)}
    runs: list[tuple[int, tuple[int, int]]] = [*first.items(), *second.items()]
    for pid, (slot, room) in sorted(second.items()):
        p = props[pid]
        if not p.repeatable:
            violations.append(f"repeat_not_repeatable: proposal {pid} repeats but is not repeatable")
        if pid not in first:
            violations.append(f"repeat_without_first: proposal {pid} repeats but has no first run")
        elif order[slot] <= order[first[pid][0]]:
            violations.append(f"repeat_order: proposal {pid} repeats in slot {slot}, not after its first run")
        if slots[slot].kind != "breakout":
            violations.append(f"not_breakout: repeat of {pid} in {slots[slot].kind} slot {slot}")
        if slots[slot].locked:
            violations.append(f"locked: repeat of {pid} at slot {slot} room {room} of a locked slot")
        if slot in p.unavailable_slots:
            violations.append(f"unavailable: repeat of {pid} in slot {slot}, where it is unavailable")
        if not p.needs <= rooms[room].features:
            missing = ", ".join(sorted(p.needs - rooms[room].features))
            violations.append(f"needs: repeat of {pid} in room {room}, which lacks {missing}")
        displaced = could_run_there(problem, first, second, slot, room)
        if displaced:
            violations.append(
                f"repeat_displaces: repeat of {pid} at slot {slot} room {room}, where {displaced} could run"
            )
    place: dict[tuple[int, int], list[int]] = {}
    fac: dict[tuple[int, int], list[int]] = {}
    for pid, where in runs:
        place.setdefault(where, []).append(pid)
        for f in props[pid].facilitators:
            fac.setdefault((f, where[0]), []).append(pid)
    # One violation per run too many, less those the first runs alone already account for.
    for (slot, room), pids in sorted(place.items()):
        firsts = sum(1 for pid in pids if first.get(pid) == (slot, room))
        extra = (len(pids) - 1) - max(0, firsts - 1)
        violations += [f"room_double: runs of {sorted(pids)} share slot {slot} room {room}"] * extra
    for (f, slot), pids in sorted(fac.items()):
        firsts = sum(1 for pid in pids if pid in first and first[pid][0] == slot)
        extra = (len(pids) - 1) - max(0, firsts - 1)
        violations += [f"fac_double: facilitator {f} runs {sorted(pids)} in slot {slot}"] * extra

    wants: dict[int, list[int]] = {}
    for pid in first:
        for person in set(props[pid].voters) | set(props[pid].facilitators):
            wants.setdefault(person, []).append(pid)
    interest = 0
    for pids in wants.values():
        topic_slots = []
        for pid in pids:
            times = {first[pid][0]} | ({second[pid][0]} if pid in second else set())
            topic_slots.append({t for t in times if slots[t].kind == "breakout"})
        interest += attendable(topic_slots)
    in_room = remote = 0
    for pid, (_slot, room) in runs:
        count = 2 if pid in first and pid in second else 1
        seats, far = overflow_kinds(problem, props[pid], rooms[room], count)
        in_room, remote = in_room + seats, remote + far
    overflow = in_room + remote
    w = problem.weights
    moved = base_metrics["moved"]
    score = w.interest * interest - w.overflow * overflow - w.moved * moved
    metrics = {**base_metrics, "interest": interest, "overflow": overflow, "repeats": len(second)}
    if problem.hybrid:
        metrics |= {"overflow_in_room": in_room, "overflow_remote": remote}
    return score, metrics, violations
