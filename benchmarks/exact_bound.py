#!/usr/bin/env python3
"""Exact optimum, or a proven upper bound, of an Edcamp instance by mixed-integer programming.

    pip install scipy   # or: pip install -e '.[exact]'
    python benchmarks/exact_bound.py INSTANCE.json [--time-limit S] [--write SOLUTION.json]

Tells how far the optimizer's scores are from the best possible: on small instances HiGHS (through
``scipy.optimize.milp``) proves the optimum in seconds, on larger ones it stops at the time limit
with its best agenda and an upper bound. The model is the whole problem, not the optimizer's
slot-only view:

* ``x[p, t, r]`` = proposal p runs in slot t, room r, created only where that is allowed (breakout
  slot, not unavailable, room has p's needs, the pin if p is pinned); locked slots hold exactly
  their previous sessions;
* each proposal at most once, each (slot, room) at most once, each facilitator at most once a slot;
* ``y[g, t]`` <= the sessions in slot t wanted by people group g (people with the same wanted
  set, weighted by their number), so ``y`` is attendable interest;
* maximise 10 x interest - overflow - 30 x moved, with moved = previous placements not kept.

The agenda it finds is scored again by ``agenda.optimizer.evaluate`` (and by
``../shared/scheduling/evaluate.py`` when present), which must agree with the MILP's objective.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from agenda.optimizer import Problem, evaluate, problem_from_instance  # noqa: E402

try:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array
except ImportError:  # main() says what to install
    milp = None


def build(problem: Problem) -> tuple[list[tuple[int, int, int]], dict]:
    """Variables, objective and constraints of the MILP (see the module docstring)."""
    props, slots, rooms, w = problem.proposals, problem.slots, problem.rooms, problem.weights
    sidx = {s.id: t for t, s in enumerate(slots)}
    ridx = {r.id: k for k, r in enumerate(rooms)}
    prev = {pid: (sidx.get(t, -1), ridx.get(r, -1)) for pid, (t, r) in problem.previous.items()}
    breakout = [s.kind == "breakout" for s in slots]
    locked = [s.locked for s in slots]
    xs: list[tuple[int, int, int]] = []
    fixed: list[int] = []
    for i, p in enumerate(props):
        pin = (sidx[p.pinned[0]], ridx[p.pinned[1]]) if p.pinned is not None else None
        was = prev.get(p.id)
        locked_at = was if was is not None and was[0] >= 0 and locked[was[0]] else None
        for t, s in enumerate(slots):
            if not breakout[t] or (s.id in p.unavailable_slots and locked_at is None):
                continue
            for r, room in enumerate(rooms):
                if locked[t] or locked_at is not None:
                    if locked_at != (t, r):
                        continue
                elif (pin is not None and pin != (t, r)) or not p.needs <= room.features:
                    continue
                if pin == (t, r) or locked_at == (t, r):
                    fixed.append(len(xs))
                xs.append((i, t, r))
    wants: dict[int, set[int]] = {}
    for i, p in enumerate(props):
        for person in (*p.voters, *p.facilitators):
            wants.setdefault(person, set()).add(i)
    groups = Counter(frozenset(v) for v in wants.values())
    T = len(slots)
    ys = [(g, t) for g in range(len(groups)) for t in range(T) if breakout[t]]
    nx, ny = len(xs), len(ys)
    c = np.zeros(nx + ny)
    for k, (i, t, r) in enumerate(xs):
        c[k] = -w.overflow * max(0, len(props[i].voters) - rooms[r].capacity)
        if prev.get(props[i].id) == (t, r):
            c[k] += w.moved  # keeping a previous placement saves its move penalty
    group_list = list(groups.items())
    for k, (g, _t) in enumerate(ys):
        c[nx + k] = w.interest * group_list[g][1]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    upper: list[float] = []

    def row(entries: list[tuple[int, float]], ub: float) -> None:
        r = len(upper)
        for col, v in entries:
            rows.append(r)
            cols.append(col)
            vals.append(v)
        upper.append(ub)

    by_p: dict[int, list[int]] = {}
    by_tr: dict[tuple[int, int], list[int]] = {}
    by_pt: dict[tuple[int, int], list[int]] = {}
    for k, (i, t, r) in enumerate(xs):
        by_p.setdefault(i, []).append(k)
        by_tr.setdefault((t, r), []).append(k)
        by_pt.setdefault((i, t), []).append(k)
    for ks in (*by_p.values(), *by_tr.values()):
        row([(k, 1.0) for k in ks], 1)
    fac: dict[int, list[int]] = {}
    for i, p in enumerate(props):
        for f in set(p.facilitators):
            fac.setdefault(f, []).append(i)
    for ps in fac.values():
        if len(ps) > 1:
            for t in range(T):
                row([(k, 1.0) for i in ps for k in by_pt.get((i, t), [])], 1)
    for k, (g, t) in enumerate(ys):
        row([(nx + k, 1.0)] + [(x, -1.0) for i in group_list[g][0] for x in by_pt.get((i, t), [])], 0)
    lower = np.zeros(nx + ny)
    lower[fixed] = 1
    model = {
        "c": c,
        "A": coo_array((vals, (rows, cols)), shape=(len(upper), nx + ny)).tocsr(),
        "ub": np.array(upper, dtype=float),
        "lower": lower,
        "integrality": np.r_[np.ones(nx), np.zeros(ny)],
        "constant": -w.moved * len(problem.previous),
    }
    return xs, model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--write", type=Path, default=None, help="write the best agenda found here")
    args = ap.parse_args(argv)
    if milp is None:
        print("error: needs SciPy >= 1.9 (pip install scipy)", file=sys.stderr)
        return 2
    with args.instance.open(encoding="utf-8") as fh:
        problem = problem_from_instance(json.load(fh))
    xs, m = build(problem)
    t0 = time.perf_counter()
    res = milp(
        -m["c"],
        constraints=LinearConstraint(m["A"], -np.inf, m["ub"]),
        integrality=m["integrality"],
        bounds=Bounds(m["lower"], np.ones(len(m["c"]))),
        options={"time_limit": args.time_limit, "disp": False},
    )
    took = time.perf_counter() - t0
    if res.x is None:
        print(f"{args.instance.stem}: no agenda found ({res.message})")
        return 1
    assignment = {}
    for k, (i, t, r) in enumerate(xs):
        if res.x[k] > 0.5:
            assignment[problem.proposals[i].id] = (problem.slots[t].id, problem.rooms[r].id)
    z, metrics, violations = evaluate(problem, assignment)
    z_milp = round(-res.fun + m["constant"])
    bound = int(np.floor(-res.mip_dual_bound + m["constant"] + 1e-6))
    if violations or z != z_milp:
        print(f"error: MILP agenda scores {z} ({violations}) but its objective says {z_milp}", file=sys.stderr)
        return 1
    checked = ""
    evaluator = REPO.parent / "shared" / "scheduling" / "evaluate.py"
    with tempfile.TemporaryDirectory() as tmp:
        out = args.write or Path(tmp) / "solution.json"
        out.write_text(json.dumps({"assignment": {str(k): list(v) for k, v in assignment.items()}}))
        if evaluator.is_file():
            ev = json.loads(
                subprocess.run(
                    [sys.executable, str(evaluator), str(args.instance), str(out)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            if int(ev["Z"]) != z or not ev["feasible"]:
                print(f"error: evaluate.py says {ev}, the MILP {z}", file=sys.stderr)
                return 1
            checked = ", evaluate.py agrees"
    proven = res.status == 0
    print(
        f"{args.instance.stem}: best agenda Z = {z}{checked}; "
        + (f"proven optimal in {took:.1f} s" if proven else f"upper bound {bound} after {took:.0f} s")
        + f" ({len(xs)} placement variables, {int(m['ub'].size)} constraints; {metrics})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
