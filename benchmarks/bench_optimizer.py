#!/usr/bin/env python3
"""Benchmark the agenda optimizer on the shared Edcamp instances; prints a markdown table.

    python benchmarks/bench_optimizer.py [--instances DIR] [--time-limit S] [--seeds N] [--only NAME ...]

Each instance is solved in its own subprocess (so peak RSS, from ``resource.getrusage``, is per
instance). An instance with a target gets that target's time as its whole budget: the solver's
time limit is what is left of 95 % of it after reading the JSON, so "in < X s" is measured, not
extrapolated. Others (or all, with ``--time-limit``) get a fixed limit. The wall time covers
reading the JSON, building the Problem and solving. The score is the independent one:
``evaluate.py`` (next to the instances directory) is run as a subprocess on the written solution.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCES = REPO.parent / "shared" / "scheduling" / "instances"

# README targets: (comparison, threshold, max seconds, what the threshold is)
TARGETS: dict[str, tuple[str, int, float, str]] = {
    "small": (">=", 3293, 0.5, "ILS/CP-SAT best"),
    "medium": (">", 13210, 1.0, "ILS 10/60 s"),
    "large": (">", 58468, 3.0, "ILS 10 s"),
    "xl": (">", 210370, 10.0, "greedy+LS 30 s"),
    "small-constrained": (">=", 3097, 3.0, "greedy 3066 +1%"),
    "medium-constrained": (">=", 12702, 3.0, "greedy 12576 +1%"),
    "large-constrained": (">=", 57762, 3.0, "greedy 57190 +1%"),
    "small-resolve": (">", 3116, 3.0, "keep previous"),
    "medium-resolve": (">", 12520, 3.0, "keep previous"),
    "large-resolve": (">", 56626, 3.0, "keep previous"),
}


def child(instance: str, out: str, time_limit: float | None, budget: float | None, seed: int) -> None:
    """Solve one instance in this process and print its measurements as JSON."""
    sys.path.insert(0, str(REPO))
    from agenda.optimizer import problem_from_instance, solve

    t0, c0 = time.perf_counter(), time.process_time()
    with open(instance, encoding="utf-8") as fh:
        problem = problem_from_instance(json.load(fh))
    if time_limit is None and budget is not None:
        time_limit = max(0.05, 0.95 * budget - (time.perf_counter() - t0))
    sol = solve(problem, seed=seed) if time_limit is None else solve(problem, seed=seed, time_limit=time_limit)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"assignment": {str(k): list(v) for k, v in sol.assignment.items()}}, fh)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "peak_mib": peak_kib / 1024,
                "score": sol.score,
                "start": sol.start_score,
                "iterations": sol.iterations,
                "limit": time_limit,
                "people": len({x for p in problem.proposals for x in (*p.voters, *p.facilitators)}),
                "P": len(problem.proposals),
                "T": len(problem.slots),
                "R": len(problem.rooms),
            }
        )
    )


def run(instance: Path, evaluator: Path, time_limit: float | None, budget: float | None, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        sol = os.path.join(tmp, "solution.json")
        cmd = [sys.executable, __file__, "--child", str(instance), sol, "--seed", str(seed)]
        if time_limit is not None:
            cmd += ["--time-limit", str(time_limit)]
        if budget is not None:
            cmd += ["--budget", str(budget)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        stats = json.loads(res.stdout.strip().splitlines()[-1])
        ev = subprocess.run(
            [sys.executable, str(evaluator), str(instance), sol], capture_output=True, text=True, check=True
        )
        stats["eval"] = json.loads(ev.stdout)
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES)
    ap.add_argument("--evaluator", type=Path, default=None, help="default: ../evaluate.py of --instances")
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="the same limit for every instance (default: the target's time, else the solver's default)",
    )
    ap.add_argument("--budget", type=float, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help="the first seed")
    ap.add_argument("--only", nargs="*", default=None, help="instance names (without .json)")
    ap.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="solve each instance with N seeds (seed, seed+1, ...) and report the median-score run, "
        "the range, and how many runs met the target",
    )
    ap.add_argument("--child", nargs=2, metavar=("INSTANCE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.time_limit, args.budget, args.seed)
        return 0
    evaluator = args.evaluator or args.instances.parent / "evaluate.py"
    if not args.instances.is_dir() or not evaluator.is_file():
        print(f"error: need instances in {args.instances} and {evaluator}", file=sys.stderr)
        return 2
    order = list(TARGETS)  # the README's order, then any other instance by name
    files = sorted(
        args.instances.glob("*.json"), key=lambda f: (order.index(f.stem) if f.stem in order else len(order), f.stem)
    )
    if args.only:
        files = [f for f in files if f.stem in args.only]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average before: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print()
    print(
        "| instance | people/proposals/slots x rooms | Z (evaluate.py) | feasible | start | target "
        "| met | limit s | wall s | cpu s | peak RSS MiB | iterations |"
    )
    print("|---|---|---:|---|---:|---|---|---:|---:|---:|---:|---:|")
    missed = 0
    spreads: list[str] = []
    for f in files:
        target = TARGETS.get(f.stem)
        budget = target[2] if target is not None and args.time_limit is None else None
        seeds = range(args.seed, args.seed + max(1, args.seeds))
        runs = sorted(
            (run(f, evaluator, args.time_limit, budget, seed) for seed in seeds),
            key=lambda r: int(r["eval"]["Z"]),
        )
        st = runs[len(runs) // 2]
        ev = st["eval"]
        z, feasible = int(ev["Z"]), all(bool(r["eval"]["feasible"]) for r in runs)
        zs = [int(r["eval"]["Z"]) for r in runs]
        spread = "" if len(runs) == 1 else f" ({min(zs)}..{max(zs)})"
        if target is None:
            tdesc, met = "—", ""
        else:
            op, thr, secs, what = target
            good = sum(
                bool(r["eval"]["feasible"])
                and (int(r["eval"]["Z"]) >= thr if op == ">=" else int(r["eval"]["Z"]) > thr)
                and float(r["wall"]) < secs
                for r in runs
            )
            missed += good < len(runs)
            tdesc = f"{op} {thr} ({what}) in < {secs:g} s"
            met = "yes" if good == len(runs) else f"**{good}/{len(runs)}**"
            if len(runs) > 1 and good == len(runs):
                met = f"{good}/{len(runs)}"
        if len(runs) > 1:
            counts = sorted(Counter(zs).items())
            spreads.append(f"{f.stem}: " + ", ".join(f"{zz} ({n} run{'s' if n > 1 else ''})" for zz, n in counts))
        wall = max(float(r["wall"]) for r in runs)
        limit = "default" if st["limit"] is None else f"{st['limit']:.2f}"
        size = f"{st['people']}/{st['P']}/{st['T']}x{st['R']}"
        print(
            f"| {f.stem} | {size} | {z}{spread} | {'yes' if feasible else 'NO'} "
            f"| {st['start']} | {tdesc} | {met} | {limit} | {wall:.2f} | "
            f"{st['cpu']:.2f} | {st['peak_mib']:.0f} | {st['iterations']} |",
            flush=True,
        )
    if spreads:
        print()
        print("Scores over the seeds: " + "; ".join(spreads))
    print()
    print(
        f"{sum(f.stem in TARGETS for f in files) - missed}/{sum(f.stem in TARGETS for f in files)} targets "
        "met by every run; load average after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
