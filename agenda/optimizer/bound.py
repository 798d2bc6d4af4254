"""A proven upper bound on the score: how far from the best possible an agenda can be.

Why not a linear relaxation: breakout slots are interchangeable, so the LP (or any Lagrangian
that keeps that symmetry) spreads every proposal evenly over the slots and lets each person see
``min(slots, sessions they want)`` sessions: the trivial bound. What it cannot see is the one
thing that costs interest, two wanted sessions in one slot. That is a graph-partitioning
question, and the classical way to bound partitions with linear algebra alone is spectral
(Donath and Hoffman, 1973). The bound here is that, with NumPy only.

The method, in three steps:

1. **Relax.** Drop overflow and the move penalty (both cost, never gain), needs, unavailability,
   pins, locks and the facilitator rule. What is left is: choose which proposals run and split
   them into ``S`` breakout slots of at most ``R`` sessions; person *i* scores the number of slots
   holding a session they want. Running one more proposal never lowers that, so at the optimum of
   the relaxation exactly ``M = min(N, S·R)`` of the ``N`` proposals run.
2. **Per person, a line.** For a person who wants ``K`` proposals, ``u`` of them left out and
   ``P`` pairs of their wanted sessions sharing a slot, the number of slots they enjoy ``d`` obeys
   ``d <= alpha(K) - beta·P - gamma·u`` for every possible agenda, where ``alpha`` is the maximum
   of ``d + beta·P + gamma·u`` over every way of placing ``K`` items (computed exactly: the fewest
   pairs for ``k`` items in ``d`` slots is the balanced split). Summed over people,
   ``sum beta·P = beta · within`` where ``within`` is the weight inside slots of the graph whose
   edge ``(p, q)`` counts the people wanting both, and ``sum gamma·u`` is a cost per left-out
   proposal.
3. **Bound the partition.** With indicator vectors ``x_s`` of the slots (orthogonal, ``|x_s|² =
   m_s <= R``), ``within = ½·Σ x_sᵀ W x_s``. For any diagonal ``D``, ``Σ x_sᵀ (W + D) x_s`` is at
   least ``Σ m_s λ_s`` (Ky Fan: the sizes, largest first, on the eigenvalues of ``W + D``, smallest
   first), and ``Σ x_sᵀ D x_s`` is the diagonal summed over the proposals that run, at most the
   ``M`` largest entries. Every ``D`` gives a valid bound; a few dozen projected-gradient steps on
   ``D`` (one symmetric eigendecomposition each) push it up. A small grid over ``beta`` and
   ``gamma`` picks the best lines; ``beta = gamma = 0`` is the trivial bound, so this is never worse.

Trade-offs: the bound is exact arithmetic on floats (eigenvalues to about 1e-9 relative), and it
is floored only after a small safety margin, so it stays an upper bound. It ignores overflow, so
on instances where overflow is a big part of the score the gap it reports includes that overflow.
Cost: one ``N x N`` eigendecomposition per step (about 1 ms for 150 proposals, 15 ms for 400);
``time_limit`` caps it, and whatever it has proven when time runs out is still a bound.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from .model import Problem

__all__ = ["Bound", "trivial_bound", "upper_bound"]


@dataclass(frozen=True)
class Bound:
    """``value`` >= the score of every feasible agenda; ``method`` names what proved it."""

    value: float
    trivial: float
    method: str
    elapsed: float

    def gap(self, score: float) -> float:
        """Relative distance of ``score`` from the bound (0.0 = proven optimal), in [0, 1]."""
        if self.value <= 0:
            return 0.0
        return max(0.0, min(1.0, (self.value - score) / self.value))


def _wanted(problem: Problem) -> list[frozenset[int]]:
    return [frozenset(p.voters) | frozenset(p.facilitators) for p in problem.proposals]


def _dims(problem: Problem) -> tuple[int, int, int]:
    slots = sum(1 for s in problem.slots if s.kind == "breakout")
    rooms = len(problem.rooms)
    n = len(problem.proposals)
    return n, slots, rooms


def trivial_bound(problem: Problem) -> float:
    """Each person enjoys at most ``min(breakout slots, sessions they want)`` slots."""
    _, slots, rooms = _dims(problem)
    if slots == 0 or rooms == 0:
        return 0.0
    count: dict[int, int] = {}
    for w in _wanted(problem):
        for person in w:
            count[person] = count.get(person, 0) + 1
    return float(max(0, problem.weights.interest) * sum(min(slots, k) for k in count.values()))


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _max_pairs(k: int, d: int, cap: int) -> int:
    """Most pairs sharing a slot when ``k`` items fill exactly ``d`` slots of at most ``cap`` each.

    Pairs grow fastest by piling: every slot but one holds one item, the rest go together, up to
    ``cap`` per slot (then the next slot fills).
    """
    if d <= 0 or k < d:
        return 0
    extra = k - d  # items beyond one per slot
    total, slots_left = 0, d
    while extra > 0 and slots_left > 0:
        add = min(extra, cap - 1)
        total += _pairs(1 + add)
        extra -= add
        slots_left -= 1
    return total


def _alpha(big_k: int, slots: int, cap: int, drop_max: int, beta: float, gamma: float, held: bool = False) -> float:
    """max over placements of ``big_k`` wanted items of d + beta·P + gamma·u (see module doc).

    ``u`` of them left out (at most ``drop_max``), the other ``k`` in exactly ``d`` slots; for a
    fixed ``d`` the most pairs is the piled placement, so the maximum is over (u, d) only. With
    ``held``, left-out items sit in holding parts of ``cap`` whose pairs count too (piled: most).
    """
    best = 0.0
    for u in range(min(big_k, drop_max) + 1):
        k = big_k - u
        full, rem = divmod(u, cap)
        held_pairs = full * _pairs(cap) + _pairs(rem) if held else 0
        for d in range(1, min(k, slots) + 1) if k else (0,):
            if k > d * cap:
                continue
            best = max(best, d + beta * (_max_pairs(k, d, cap) + held_pairs) + gamma * u)
    return best


def _tangent(big_k: int, slots: int, cap: int) -> float:
    """The steepest beta whose line ``d <= alpha - beta·P`` still peaks at the most slots possible."""
    top = min(big_k, slots)
    while top > 1 and big_k > top * cap:
        top -= 1
    forced = _max_pairs(big_k, top, cap)
    slopes = [
        (top - d) / (_max_pairs(big_k, d, cap) - forced)
        for d in range(1, top)
        if big_k <= d * cap and _max_pairs(big_k, d, cap) > forced
    ]
    return min(slopes) if slopes else 0.0


def _partition_floor(
    weights: np.ndarray, cost: np.ndarray, sizes: np.ndarray, run: int, steps: int, deadline: float
) -> float:
    """A lower bound on ½·(weight inside parts) - (cost of the proposals that run), any partition.

    ``sizes`` are the part sizes, largest first (Ky Fan pairs them with the smallest eigenvalues);
    ``run`` proposals run. When every proposal runs and the parts are equal, the slots' indicator
    vectors span the all-ones vector, so that direction is taken as given and the other ``S - 1``
    come from the complement (Rendl and Wolkowicz's projection), which is far stronger on dense
    graphs. Projected gradient ascent on the diagonal shift.
    """
    n = weights.shape[0]
    k = sizes.shape[0]
    projected = run == n and k > 1 and bool(np.all(sizes == sizes[0]))
    if projected:
        # A Householder reflection maps the all-ones direction onto the first axis; its other
        # columns are an orthonormal basis of the complement.
        v = np.ones(n) / math.sqrt(n)
        v[0] += 1.0
        house = np.eye(n) - 2.0 * np.outer(v, v) / float(v @ v)
        comp = house[:, 1:]
        size = float(sizes[0])
    shift = np.zeros(n)  # starting from no shift converges faster than from the Laplacian's
    best = -math.inf
    scale = max(1e-9, float(np.abs(weights).sum(axis=1).mean()))
    for step in range(steps):
        mat = weights + np.diag(shift)
        lin = shift / 2 + cost
        top = np.argpartition(-lin, run - 1)[:run] if run < n else np.arange(n)
        if projected:
            vals, vecs = np.linalg.eigh(comp.T @ mat @ comp)
            spectral = size * (float(mat.sum()) / n + float(vals[: k - 1].sum()))
            full = comp @ vecs[:, : k - 1]
            grad_spec = size * (1.0 / n + (full**2).sum(axis=1))
        else:
            vals, vecs = np.linalg.eigh(mat)
            spectral = float(sizes @ vals[:k])
            grad_spec = (vecs[:, :k] ** 2) @ sizes
        value = spectral / 2 - float(lin[top].sum())
        best = max(best, value)
        if step + 1 == steps or time.perf_counter() > deadline:
            break
        chosen = np.zeros(n)
        chosen[top] = 1.0
        g = 0.5 * (grad_spec - chosen)
        norm = float(np.linalg.norm(g))
        if norm < 1e-12:
            break
        shift += (0.3 * scale / math.sqrt(step + 1)) * g / norm
    return best


def _best_line_bound(
    inc: np.ndarray,
    slots: int,
    rooms: int,
    drop_max: int,
    steps: int,
    time_limit: float,
    quick: bool = False,
    holding: int = 0,
) -> tuple[float, str]:
    """The smallest proven bound on total interest (unweighted) over the grid of lines.

    ``inc`` is people x proposals (1 = wants it). Returns ``(inf, "")`` if time ran out first.
    With ``holding`` > 0, left-out proposals go to that many extra parts of ``rooms`` places that
    give no interest but whose pairs count like a slot's, so every part is equal and the projected
    bound applies (``drop_max`` is then how many a person can have left out).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    n = inc.shape[1]
    parts = slots + holding
    run = min(n, parts * rooms)
    if run == n and n < parts * rooms:
        # Empty places: pad with proposals nobody wants, so every part holds exactly ``rooms``
        # (any agenda of the real ones fills up with them) and the projected bound applies.
        inc = np.hstack([inc, np.zeros((inc.shape[0], parts * rooms - n))])
        n = run = parts * rooms
    full, rest = divmod(run, rooms)
    sizes = np.array([rooms] * full + ([rest] if rest else []), dtype=float)
    k_of = inc.sum(axis=1).astype(int)
    kmax = int(k_of.max()) if len(k_of) else 0
    tangent = np.array([_tangent(k, slots, rooms) for k in range(kmax + 1)])
    # People wanting more sessions than there are slots have forced pairs, which a line can only
    # credit at their worst (piled) count: for them the line is tried at full slope or not at all.
    over = np.arange(kmax + 1) > slots
    # Most promising first (flat beyond the slot count when most people want more than fits).
    flat_first = float((k_of > slots).mean()) > 0.5
    lines = [(1.0, 0.0), (1.0, 1.0)] if flat_first else [(1.0, 1.0), (1.0, 0.0)]
    if not quick:
        lines += [(0.7, lines[0][1]), (0.7, lines[1][1])]
    tries = [(c, h, g) for c, h in lines for g in ((0.0, 0.5, 1.0) if drop_max and not holding else (0.0,))]
    best, method = math.inf, ""
    for i, (c, h, g) in enumerate(tries):
        now = time.perf_counter()
        if now > deadline:
            break
        # the first try gets half the time, the rest share what is left
        per_try = (deadline - now) / (2 if i == 0 and len(tries) > 1 else len(tries) - i)
        slope = c * tangent * np.where(over, h, 1.0)
        alpha = np.array([_alpha(k, slots, rooms, drop_max, slope[k], g, held=holding > 0) for k in range(kmax + 1)])
        beta_i = slope[k_of]
        base = float(alpha[k_of].sum())
        pairs = inc.T @ (inc * beta_i[:, None])  # sum of beta over people wanting both p and q
        np.fill_diagonal(pairs, 0.0)
        cost = g * inc.sum(axis=0)  # gamma per person wanting it, paid if it is left out ...
        total_cost = float(cost.sum())  # ... so sum gamma·u = total_cost - cost of those that run
        floor = _partition_floor(pairs, cost, sizes, run, steps, min(deadline, time.perf_counter() + per_try))
        value = base - (floor + total_cost)
        if value < best:
            scope = "" if h else ", flat beyond the slot count"
            kept = f", {holding} holding parts" if holding else f", gamma {g}"
            best, method = value, f"spectral (slope {c} x tangent{scope}{kept})"
    return best, method


def _selection_bound(inc: np.ndarray, slots: int, places: int, steps: int, deadline: float) -> float:
    """A bound on total interest from which proposals can run at all (at most ``places`` of them).

    Person *i* enjoys at most ``min(S, k)`` slots when ``k`` of the ``K`` sessions they want run, and
    for any ``b`` in [0, 1], ``min(S, k) <= min(S, K)·(1 - b) + b·k``. Summed, the ``b·k`` terms are
    a weight per proposal that runs, at most the ``places`` largest. Every ``b`` is a bound (a
    Lagrangian one); projected subgradient steps lower it. ``b = 0`` is the trivial bound.
    """
    people, n = inc.shape
    cap = np.minimum(slots, inc.sum(axis=1))
    b = np.zeros(people)
    best = float(cap.sum())
    if places >= n:
        return best
    for step in range(steps):
        weight = inc.T @ b
        top = np.argpartition(-weight, places - 1)[:places]
        best = min(best, float((cap * (1 - b)).sum() + weight[top].sum()))
        if time.perf_counter() > deadline:
            break
        grad = inc[:, top].sum(axis=1) - cap
        norm = float(np.linalg.norm(grad))
        if norm < 1e-12:
            break
        b = np.clip(b - 0.025 * math.sqrt(people / (step + 1)) * grad / norm, 0.0, 1.0)
    return best


#: Leave-out sets are enumerated (one bound each, the largest counts) up to this many.
ENUMERATE_LIMIT = 200


def upper_bound(problem: Problem, *, time_limit: float = 2.0, steps: int = 30) -> Bound:
    """A proven upper bound on the score of every feasible agenda for ``problem`` (see module doc).

    When a few proposals must be left out (``C(N, N - S·R)`` at most :data:`ENUMERATE_LIMIT`), each
    choice of them gets its own all-run bound and the largest is the bound: the strong projected
    bound then applies. With many left out, they are put in holding parts whose pairs count (see
    :func:`_best_line_bound`), which is weaker.
    """
    t0 = time.perf_counter()
    trivial = trivial_bound(problem)
    n, slots, rooms = _dims(problem)
    w_int = max(0, problem.weights.interest)
    if n == 0 or slots == 0 or rooms == 0 or w_int == 0:
        return Bound(trivial, trivial, "trivial", time.perf_counter() - t0)
    wanted = _wanted(problem)
    people = sorted(set().union(*wanted))
    index = {person: i for i, person in enumerate(people)}
    inc = np.zeros((len(people), n))
    for j, w in enumerate(wanted):
        inc[[index[x] for x in w], j] = 1.0
    drop = max(0, n - slots * rooms)
    value, method = math.inf, "trivial"
    if drop == 0:
        value, method = _best_line_bound(inc, slots, rooms, 0, steps, max(0.0, time_limit))
    elif math.comb(n, drop) <= ENUMERATE_LIMIT:
        subsets = list(itertools.combinations(range(n), drop))
        each = max(0.0, time_limit) / len(subsets)
        worst = -math.inf
        for left_out in subsets:
            keep = np.setdiff1d(np.arange(n), left_out)
            v, _ = _best_line_bound(inc[:, keep], slots, rooms, 0, steps, each, quick=True)
            worst = max(worst, v)
            if worst == math.inf:
                break
        value, method = worst, f"spectral, each of the {len(subsets)} ways to leave {drop} out"
    else:
        holding = -(-drop // rooms)
        value, method = _best_line_bound(
            inc, slots, rooms, holding * rooms, steps, max(0.0, time_limit), holding=holding
        )
    if drop:
        selection = _selection_bound(inc, slots, slots * rooms, 10 * steps, time.perf_counter() + time_limit / 4)
        if selection < value:
            value, method = selection, "which sessions can run (Lagrangian)"
    if not value < trivial / w_int:
        return Bound(trivial, trivial, "trivial", time.perf_counter() - t0)
    # Float safety: eigenvalues carry rounding; give back a hair before flooring to an integer.
    proven = math.floor(w_int * value * (1 + 1e-9) + 1e-6)
    return Bound(float(min(trivial, proven)), trivial, method, time.perf_counter() - t0)
