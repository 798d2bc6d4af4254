"""Peers by shared interest: the sparse similarity against a naive Python loop, side by side in one run.

    python benchmarks/bench_peers.py                   # 1,500 attendees x 600 proposals, 200 callers
    python benchmarks/bench_peers.py --people 5000 --proposals 2000 --callers 50

The instance is synthetic and seeded: each attendee puts 5 dots on proposals drawn with a
popularity skew (a few topics are wanted by many), half of them are members with 5 votes at a past
event of the community (another 600 proposals), and profiles carry 0-3 subjects or grade levels
and 0-3 "looking for" / "can help with" tags from 40. Everybody allows suggestions except 1 in 5,
and each caller has blocked 3 people.

For each caller both methods answer the same question, "the 10 best peers", from the same
``Interests`` (what ``community.services.peers`` reads from the database):

* sparse, warm: ``community.services.rank`` with the event's matrices built already (the service
  keeps them per event until a vote, a proposal, a join or a profile changes): one sparse
  matrix-vector product, the filter, a top-10.
* sparse, cold: the same plus building the CSR matrices from the interests (the first caller after
  a change pays this).
* naive: ``similarity.naive_scores`` (a loop over everyone with Python set intersections), the
  same filter, a full sort.

All must return the same people in the same order (checked on every caller). Reported: the median
and p95 milliseconds per caller for each, and the ratios naive / sparse. Reading the interests from
the database is not part of this (it is the same for every method).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from community import similarity
from community.services import Interests, matrices, rank

TAGS = [f"tag{i}" for i in range(40)]
TOPICS = [f"subject{i}" for i in range(25)] + [f"grade{i}" for i in range(13)]


def instance(people: int, proposals: int, seed: int) -> Interests:
    rng = random.Random(seed)
    weights = [1.0 / (1 + i) ** 0.8 for i in range(proposals)]
    past = range(proposals, 2 * proposals)
    past_weights = weights
    rows: list[list[int]] = []
    for r in range(people):
        voted = set(rng.choices(range(proposals), weights=weights, k=5))
        if r % 2 == 0:
            voted |= set(rng.choices(past, weights=past_weights, k=5))
        rows.append(sorted(voted))
    return Interests(
        people=list(range(1, people + 1)),
        names={i: f"Person {i}" for i in range(1, people + 1)},
        proposals=rows,
        topics=[rng.sample(TOPICS, rng.randint(0, 3)) for _ in range(people)],
        looking_for=[rng.sample(TAGS, rng.randint(0, 3)) for _ in range(people)],
        can_help=[rng.sample(TAGS, rng.randint(0, 3)) for _ in range(people)],
        allowed=[rng.random() >= 0.2 for _ in range(people)],
    )


def naive_rank(interests: Interests, me: int, excluded: set[int], limit: int = 10) -> list[tuple[int, float]]:
    rows = [p + [f"t:{t}" for t in topics] for p, topics in zip(interests.proposals, interests.topics, strict=True)]
    scores = similarity.naive_scores(rows, interests.looking_for, interests.can_help, me)  # type: ignore[arg-type]
    candidates = [
        (r, s)
        for r, s in enumerate(scores)
        if r != me and interests.allowed[r] and interests.people[r] not in excluded and s > 1e-12
    ]
    candidates.sort(key=lambda rs: (-round(rs[1], 9), rs[0]))
    return candidates[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--proposals", type=int, default=600)
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    interests = instance(args.people, args.proposals, args.seed)
    rng = random.Random(args.seed + 1)
    callers = rng.sample(range(args.people), min(args.callers, args.people))
    warm_ms: list[float] = []
    cold_ms: list[float] = []
    naive_ms: list[float] = []
    built = matrices(interests)  # warm up NumPy
    for me in callers:
        excluded = {interests.people[r] for r in rng.sample(range(args.people), 3)}
        t0 = time.perf_counter()
        cold = rank(interests, me, excluded)
        t1 = time.perf_counter()
        warm = rank(interests, me, excluded, built=built)
        t2 = time.perf_counter()
        slow = naive_rank(interests, me, excluded)
        t3 = time.perf_counter()
        cold_ms.append((t1 - t0) * 1000)
        warm_ms.append((t2 - t1) * 1000)
        naive_ms.append((t3 - t2) * 1000)
        for fast in (cold, warm):
            assert [r for r, _ in fast] == [r for r, _ in slow], f"caller {me}: {fast} != {slow}"
            assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(fast, slow, strict=True))

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    nnz = sum(len(p) + len(t) for p, t in zip(interests.proposals, interests.topics, strict=True))
    print(
        f"{args.people} attendees x {args.proposals} proposals (+{args.proposals} past), {nnz} interests, "
        f"{len(callers)} callers, seed {args.seed}; same top 10 from both on every caller"
    )
    print("| method | median ms | p95 ms |")
    print("|---|---:|---:|")
    print(f"| sparse, warm (matrices kept per event) | {statistics.median(warm_ms):.2f} | {p95(warm_ms):.2f} |")
    print(f"| sparse, cold (matrices built first) | {statistics.median(cold_ms):.2f} | {p95(cold_ms):.2f} |")
    print(f"| naive (Python sets) | {statistics.median(naive_ms):.2f} | {p95(naive_ms):.2f} |")
    naive = statistics.median(naive_ms)
    print(
        f"naive / sparse warm (median): {naive / statistics.median(warm_ms):.1f}x; "
        f"naive / sparse cold: {naive / statistics.median(cold_ms):.1f}x"
    )


if __name__ == "__main__":
    main()
