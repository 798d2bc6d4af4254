#!/usr/bin/env python3
"""Independent evaluator for ``edcamp-instance/v3`` agendas (repeats); reads v1 and v2 files too.

    python benchmarks/evaluate_v3.py INSTANCE.json SOLUTION.json

Written from the definition, not from the optimizer (it imports nothing of unconf), so that it can
check the optimizer. A solution is ``{"assignment": {"<pid>": [slot, room]}, "repeats": {"<pid>":
[slot, room]}}``; ``repeats`` (second runs) may be absent. Prints JSON: ``Z``, the metrics and one
count per kind of violation; a solution with any violation is infeasible whatever its Z.

The score, as in v2 (``shared/scheduling/evaluate.py``) with these changes for repeats:

* **interest** counts, per person, the most of their wanted topics they can attend with at most one
  per breakout slot and each topic once, whichever run they go to (a maximum matching between their
  wanted scheduled topics and the breakout slots those topics run in). Without repeats that is the
  number of breakout slots holding something they want, so v1/v2 scores are unchanged.
* **overflow** of a run is its voters split over the topic's runs (rounded up) minus its room's
  capacity, if positive. At hybrid events (attendees with ``"remote": true``, rooms with
  ``"video": true``) it has two kinds: in the room, the in-person voters (split likewise) beyond
  capacity; remote, the remote voters (split likewise) of a run in a room without video.
* Z = interest weight x interest - overflow weight x overflow - moved weight x moved sessions
  (moved compares first runs with ``previous``).

Hard rules: the v2 ones (one run per place; a facilitator runs one session per slot; breakout slots
only; unavailable slots; room features cover needs; pins; locked slots unchanged) over every run,
plus, for a repeat: the proposal is ``repeatable``, has a first run, runs again in a later slot (slot
order as listed), not in a locked slot, and no left-out proposal could have used that place (its
slot, needs, and facilitators free there).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from typing import Any


def load(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def max_matching(options: list[set[int]]) -> int:
    """Maximum matching of topics to slots, by augmenting paths searched from each slot's side."""
    match_topic: dict[int, int] = {}  # topic -> slot
    match_slot: dict[int, int] = {}  # slot -> topic
    for start in range(len(options)):
        # breadth-first search for an augmenting path from topic ``start``
        parent: dict[int, tuple[int, int | None]] = {}  # slot -> (topic that reached it, previous slot)
        frontier = [(start, None)]
        found = None
        seen_topics = {start}
        while frontier and found is None:
            nxt = []
            for topic, via in frontier:
                for slot in sorted(options[topic]):
                    if slot in parent:
                        continue
                    parent[slot] = (topic, via)
                    if slot not in match_slot:
                        found = slot
                        break
                    other = match_slot[slot]
                    if other not in seen_topics:
                        seen_topics.add(other)
                        nxt.append((other, slot))
                if found is not None:
                    break
            frontier = nxt
        slot = found
        while slot is not None:
            topic, via = parent[slot]
            match_slot[slot] = topic
            match_topic[topic] = slot
            slot = via
    return len(match_topic)


def evaluate(inst: dict[str, Any], sol: dict[str, Any]) -> dict[str, Any]:
    fmt = inst.get("format", "")
    later = fmt in ("edcamp-instance/v2", "edcamp-instance/v3")
    props = {int(p["id"]): p for p in inst["proposals"]}
    slot_list = inst["slots"]
    slot_pos = {int(s["id"]): i for i, s in enumerate(slot_list)}
    kind = {int(s["id"]): (s.get("kind", "breakout") if later else "breakout") for s in slot_list}
    locked = {int(s["id"]): bool(s.get("locked", False)) and later for s in slot_list}
    room_cap = {int(r["id"]): int(r["capacity"]) for r in inst["rooms"]}
    room_feat = {int(r["id"]): set(r.get("features", [])) if later else set() for r in inst["rooms"]}
    w = inst.get("weights") or {}
    wi, wo, wm = (w.get("interest", 10), w.get("overflow", 1), w.get("moved", 0)) if later else (10, 1, 0)

    def facs(p: dict[str, Any]) -> set[int]:
        return set(p.get("facilitators") or [p["facilitator"]])

    def needs(p: dict[str, Any]) -> set[str]:
        return set(p.get("needs", [])) if later else set()

    def unavailable(p: dict[str, Any]) -> set[int]:
        return set(p.get("unavailable_slots", [])) if later else set()

    bad: Counter[str] = Counter()

    def read(section: str) -> dict[int, tuple[int, int]]:
        out = {}
        for k, v in (sol.get(section) or {}).items():
            pid, slot, room = int(k), int(v[0]), int(v[1])
            if pid not in props or slot not in slot_pos or room not in room_cap:
                bad["unknown"] += 1
                continue
            out[pid] = (slot, room)
        return out

    first, second = read("assignment"), read("repeats")
    runs = [(pid, where, "first") for pid, where in first.items()] + [
        (pid, where, "repeat") for pid, where in second.items()
    ]
    per_place: Counter[tuple[int, int]] = Counter(where for _, where, _ in runs)
    bad["room_double"] += sum(n - 1 for n in per_place.values() if n > 1)
    per_fac: Counter[tuple[int, int]] = Counter()
    for pid, (slot, _room), _ in runs:
        for f in facs(props[pid]):
            per_fac[(f, slot)] += 1
    bad["fac_double"] += sum(n - 1 for n in per_fac.values() if n > 1)
    for pid, (slot, room), _ in runs:
        p = props[pid]
        bad["not_breakout"] += kind[slot] != "breakout"
        bad["unavailable"] += slot in unavailable(p)
        bad["needs"] += not needs(p) <= room_feat[room]
    for pid, p in props.items():
        pin = p.get("pinned") if later else None
        if pin is not None and first.get(pid) != (int(pin[0]), int(pin[1])):
            bad["pinned"] += 1
    previous = {int(k): (int(v[0]), int(v[1])) for k, v in (inst.get("previous") or {}).items()} if later else {}
    for slot in slot_pos:
        if locked[slot]:
            before = {(pid, v) for pid, v in previous.items() if v[0] == slot}
            now = {(pid, v) for pid, v in first.items() if v[0] == slot}
            bad["locked"] += len(before ^ now)
    left_out = [pid for pid in props if pid not in first]
    for pid, (slot, room) in second.items():
        p = props[pid]
        bad["repeat_not_repeatable"] += not (fmt == "edcamp-instance/v3" and p.get("repeatable") is True)
        if pid not in first:
            bad["repeat_without_first"] += 1
        elif slot_pos[slot] <= slot_pos[first[pid][0]]:
            bad["repeat_order"] += 1
        bad["locked"] += locked[slot]
        if kind[slot] == "breakout" and not locked[slot]:
            others = set()
            for q, (s2, r2), _ in runs:
                if s2 == slot and (s2, r2) != (slot, room):
                    others |= facs(props[q])
            bad["repeat_displaces"] += any(
                slot not in unavailable(props[q]) and needs(props[q]) <= room_feat[room] and not facs(props[q]) & others
                for q in left_out
            )

    wanted: dict[int, set[int]] = defaultdict(set)
    for pid in first:
        for person in set(props[pid]["voters"]) | facs(props[pid]):
            wanted[person].add(pid)
    interest = 0
    for topics in wanted.values():
        options = []
        for pid in sorted(topics):
            times = {first[pid][0]} | ({second[pid][0]} if pid in second else set())
            options.append({t for t in times if kind[t] == "breakout"})
        interest += max_matching(options)
    v3 = fmt == "edcamp-instance/v3"
    remote = {int(a["id"]) for a in inst.get("attendees", []) if v3 and a.get("remote") is True}
    video = {int(r["id"]) for r in inst["rooms"] if v3 and r.get("video") is True}
    in_room = far = 0
    for pid, (_slot, room), _ in runs:
        n_runs = 2 if (pid in first and pid in second) else 1
        voters = props[pid]["voters"]
        seated = sum(1 for v in voters if v not in remote)
        in_room += max(0, -(-seated // n_runs) - room_cap[room])
        if room not in video:
            far += -(-(len(voters) - seated) // n_runs)
    overflow = in_room + far
    moved = sum(1 for pid, v in previous.items() if first.get(pid) != v)
    violations = {k: v for k, v in sorted(bad.items()) if v}
    return {
        "Z": wi * interest - wo * overflow - wm * moved,
        "interest": interest,
        "overflow": overflow,
        "overflow_in_room": in_room,
        "overflow_remote": far,
        "moved": moved,
        "scheduled": len(first),
        "repeats": len(second),
        "violations": violations,
        "feasible": not violations,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(evaluate(load(sys.argv[1]), load(sys.argv[2])), indent=1))
