#!/usr/bin/env python3
"""How far from the best possible the optimizer's agendas are: score, proven bound and gap per instance.

    python benchmarks/bound_gap.py [--instances DIR] [--bound-seconds S] [--only NAME ...]

For each shared instance, in its own subprocess: ``agenda.optimizer.upper_bound`` (the bound the
service shows beside every build) with ``--bound-seconds``, and one solve with seed 0 in the
instance's target time (as ``bench_optimizer.py`` gives it). The score is re-checked with the
independent ``evaluate.py``; the gap is (bound - score) / bound. The trivial bound (each person
sees min(slots, sessions wanted)) is printed beside it for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_optimizer import DEFAULT_INSTANCES, TARGETS  # noqa: E402


def child(instance: str, out: str, seconds: float, budget: float) -> None:
    sys.path.insert(0, str(REPO))
    from agenda.optimizer import problem_from_instance, solve, upper_bound

    with open(instance, encoding="utf-8") as fh:
        problem = problem_from_instance(json.load(fh))
    t0 = time.perf_counter()
    bound = upper_bound(problem, time_limit=seconds)
    bound_s = time.perf_counter() - t0
    sol = solve(problem, seed=0, time_limit=budget)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"assignment": {str(k): list(v) for k, v in sol.assignment.items()}}, fh)
    print(json.dumps({"bound": bound.value, "trivial": bound.trivial, "method": bound.method, "bound_s": bound_s}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES)
    ap.add_argument("--bound-seconds", type=float, default=2.0)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--budget", type=float, default=3.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.bound_seconds, args.budget)
        return 0
    evaluator = args.instances.parent / "evaluate.py"
    names = [n for n in TARGETS if args.only is None or n in args.only]
    print(
        "| instance | score (seed 0, evaluate.py) | proven bound | gap | trivial bound | trivial gap | bound s"
        " | method |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name in names:
        instance = args.instances / f"{name}.json"
        with tempfile.TemporaryDirectory() as tmp:
            sol = os.path.join(tmp, "solution.json")
            budget = 0.95 * TARGETS[name][2]
            res = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(instance),
                    sol,
                    "--budget",
                    str(budget),
                    "--bound-seconds",
                    str(args.bound_seconds),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            stats = json.loads(res.stdout.strip().splitlines()[-1])
            ev = subprocess.run(
                [sys.executable, str(evaluator), str(instance), sol], capture_output=True, text=True, check=True
            )
            score = json.loads(ev.stdout)["Z"]
        bound, trivial = stats["bound"], stats["trivial"]
        print(
            f"| {name} | {score:,.0f} | {bound:,.0f} | {100 * (bound - score) / bound:.1f} % | {trivial:,.0f} | "
            f"{100 * (trivial - score) / trivial:.1f} % | {stats['bound_s']:.2f} | {stats['method']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
