"""Command line: solve an ``edcamp-instance`` file and print the solution JSON.

    python -m agenda.optimizer.cli INSTANCE.json [--time-limit S] [--seed N] [--max-iterations N]

The output's ``assignment`` is in the solution format that ``evaluate.py`` reads. ``bound`` beside
``score`` is a proven upper bound on every feasible agenda's score (:mod:`.bound`), computed in a
second thread while the search runs, and ``gap`` is how far the score is below it (0.12 = within
12 % of the best possible). ``--no-bound`` skips it. Exit codes:
0 solved, 1 the pins / locked slots make the problem infeasible, 2 unreadable or invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from .bound import Bound, upper_bound
from .model import InfeasibleProblem, Progress, problem_from_instance
from .search import solve


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="unconf agenda solve", description="Optimize an Edcamp agenda (edcamp-instance/v1, v2 or v3 JSON)."
    )
    ap.add_argument("instance", help="instance JSON file ('-' for stdin)")
    ap.add_argument("--time-limit", type=float, default=2.0, metavar="S", help="seconds (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument(
        "--max-iterations",
        type=int,
        default=None,
        metavar="N",
        help="stop after N neighbourhood scans; with a generous time limit the result is reproducible for a given seed",
    )
    ap.add_argument("-o", "--output", default=None, metavar="FILE", help="write the JSON here, not stdout")
    ap.add_argument("--no-bound", action="store_true", help="do not compute the upper bound")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    return ap


def _load(path: str) -> Any:
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code instead of raising so the service CLI can wrap it."""
    args = _parser().parse_args(argv)
    if args.time_limit <= 0 or (args.max_iterations is not None and args.max_iterations < 0):
        print("error: --time-limit must be positive and --max-iterations non-negative", file=sys.stderr)
        return 2
    try:
        problem = problem_from_instance(_load(args.instance))
    except OSError as exc:
        print(f"error: cannot read {args.instance}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.instance} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {args.instance} is not a valid instance: {exc}", file=sys.stderr)
        return 2

    def progress(p: Progress) -> None:
        print(
            f"{100 * p.fraction:5.1f}%  best {p.best_score:.0f}  {p.iterations} iterations  {p.elapsed:.2f} s",
            file=sys.stderr,
        )

    bounds: list[Bound] = []
    prover = threading.Thread(
        target=lambda: bounds.append(upper_bound(problem, time_limit=min(2.0, args.time_limit))), daemon=True
    )
    if not args.no_bound:
        prover.start()
    try:
        sol = solve(
            problem,
            time_limit=args.time_limit,
            seed=args.seed,
            max_iterations=args.max_iterations,
            on_progress=progress if args.verbose else None,
        )
    except InfeasibleProblem as exc:
        print(f"error: infeasible: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {args.instance} is not a valid instance: {exc}", file=sys.stderr)
        return 2
    if not args.no_bound:
        prover.join()
    bound = bounds[0] if bounds else None
    out = {
        "assignment": {str(pid): [slot, room] for pid, (slot, room) in sorted(sol.assignment.items())},
        "repeats": {str(pid): [slot, room] for pid, (slot, room) in sorted(sol.repeats.items())},
        "score": sol.score,
        "bound": None if bound is None else bound.value,
        "gap": None if bound is None else round(bound.gap(sol.score), 4),
        "bound_method": None if bound is None else bound.method,
        "metrics": sol.metrics,
        "violations": sol.violations,
        "elapsed": round(sol.elapsed, 4),
        "iterations": sol.iterations,
        "start_score": sol.start_score,
    }
    text = json.dumps(out, indent=1)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError as exc:
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
