#!/usr/bin/env python3
"""Benchmark the agenda optimizer on the shared Edcamp instances; prints a markdown table.

    python benchmarks/bench_optimizer.py [--instances DIR] [--time-limit S] [--seed N] [--only NAME ...]

Each instance is solved in its own subprocess (so peak RSS, from ``resource.getrusage``, is per
instance) with the solver's default time limit unless ``--time-limit`` is given. The wall time
covers reading the JSON, building the Problem and solving. The score is the independent one:
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


def child(instance: str, out: str, time_limit: float | None, seed: int) -> None:
    """Solve one instance in this process and print its measurements as JSON."""
    sys.path.insert(0, str(REPO))
    from agenda.optimizer import problem_from_instance, solve

    t0, c0 = time.perf_counter(), time.process_time()
    with open(instance, encoding="utf-8") as fh:
        problem = problem_from_instance(json.load(fh))
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
                "people": len({x for p in problem.proposals for x in (*p.voters, *p.facilitators)}),
                "P": len(problem.proposals),
                "T": len(problem.slots),
                "R": len(problem.rooms),
            }
        )
    )


def run(instance: Path, evaluator: Path, time_limit: float | None, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        sol = os.path.join(tmp, "solution.json")
        cmd = [sys.executable, __file__, "--child", str(instance), sol, "--seed", str(seed)]
        if time_limit is not None:
            cmd += ["--time-limit", str(time_limit)]
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
    ap.add_argument("--time-limit", type=float, default=None, help="default: the solver's default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=None, help="instance names (without .json)")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="solve each instance N times (same seed) and report the median-score run; a target "
        "counts as met only if every run meets it",
    )
    ap.add_argument("--child", nargs=2, metavar=("INSTANCE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.time_limit, args.seed)
        return 0
    evaluator = args.evaluator or args.instances.parent / "evaluate.py"
    if not args.instances.is_dir() or not evaluator.is_file():
        print(f"error: need instances in {args.instances} and {evaluator}", file=sys.stderr)
        return 2
    files = sorted(args.instances.glob("*.json"))
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
        "| met | wall s | cpu s | peak RSS MiB | iterations |"
    )
    print("|---|---|---:|---|---:|---|---|---:|---:|---:|---:|")
    missed = 0
    for f in files:
        runs = sorted(
            (run(f, evaluator, args.time_limit, args.seed) for _ in range(max(1, args.repeat))),
            key=lambda r: int(r["eval"]["Z"]),
        )
        st = runs[len(runs) // 2]
        ev = st["eval"]
        z, feasible = int(ev["Z"]), bool(ev["feasible"])
        zs = [int(r["eval"]["Z"]) for r in runs]
        spread = "" if len(runs) == 1 else f" ({min(zs)}..{max(zs)})"
        target = TARGETS.get(f.stem)
        ok = all(bool(r["eval"]["feasible"]) for r in runs)
        if target is None:
            tdesc = "—"
        else:
            op, thr, secs, what = target
            for r in runs:
                rz = int(r["eval"]["Z"])
                ok = ok and (rz >= thr if op == ">=" else rz > thr) and float(r["wall"]) < secs
            tdesc = f"{op} {thr} ({what}) in < {secs:g} s"
        wall = max(float(r["wall"]) for r in runs)
        missed += not ok
        size = f"{st['people']}/{st['P']}/{st['T']}x{st['R']}"
        print(
            f"| {f.stem} | {size} | {z}{spread} | {'yes' if feasible else 'NO'} "
            f"| {st['start']} | {tdesc} | {'yes' if ok else '**no**'} | {wall:.2f} | "
            f"{st['cpu']:.2f} | {st['peak_mib']:.0f} | {st['iterations']} |",
            flush=True,
        )
    print()
    print(
        f"{len(files) - missed}/{len(files)} targets met; load average after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
