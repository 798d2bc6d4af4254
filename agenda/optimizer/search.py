"""Greedy construction, then tabu search (or, on very large problems, iterated local search)
over session slots.

Descent with random kicks (ILS) keeps falling back into the same few local optima on mid-sized
instances; a tabu walk (always take the best move of the whole neighbourhood, even a worsening one,
and forbid the movers to go straight back) crosses the plateaus between them. A tabu step scans
every pair of sessions, so above TABU_MAX_MOVABLE movable proposals only ILS runs, and whatever
time the tabu walk leaves once it stalls goes to ILS from its best.

The search decides only each session's slot (or leaves it out); rooms follow from the slot's
sessions ("most votes gets the biggest room", which is optimal for overflow, with pins, needs and
previous rooms handled by a cheap heuristic during the search and an exact assignment at the end).
Room costs of "simple" slots come from per-slot prefix sums (``_Search._ov_ri``), so most
candidate moves get an exact gain without a Python loop; the rest are bounded and checked in order.

Interest deltas come from a per-(person, slot) count matrix ``N`` and two derived per-(proposal,
slot) matrices kept up to date incrementally:

* ``Z0[q, t]``: people who want q and want nothing in slot t (q placed in t gives them a slot);
* ``Z1[q, t]``: people who want q and want exactly one session in slot t (if that is q, moving q
  out of t takes the slot away from them).

So moving p from a to b changes interest by ``Z0[p, b] - Z1[p, a]``, and a swap adds a correction
only over the people who want both sessions, all vectorised over every partner at once.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .assign import FORBIDDEN, min_cost_assignment
from .hybrid import assign_rooms_hybrid
from .model import InfeasibleProblem, Problem, Progress, Solution
from .repeats import plan_repeats
from .scoring import evaluate

IntArray = npt.NDArray[np.int64]
NO_PREV = -2  # prev_slot of a proposal that was not on the previous agenda
GONE = -3  # prev_slot of a proposal previously placed in a slot that no longer exists (always "moved")
PROGRESS_INTERVAL = 0.1
PROGRESS_MIN_GAP = 0.02  # new-best reports closer together than this wait for the next one
STALL_FACTOR = 30  # iterations without improvement, per movable proposal, before stopping early
TABU_STALL_FACTOR = 50  # tabu moves without a new best, per movable proposal, before it hands over
TABU_MAX_MOVABLE = 300  # above this many movable proposals a tabu move (a scan of all pairs) is too slow
TABU_TENURE_MIN = 5  # moves a proposal may not go back to the bin it left: at least this many,
TABU_TENURE_DIV = 5  # or one per this many movable proposals,
TABU_TENURE_SPREAD = 3  # plus a random 0..SPREAD-1
TABU_BATCH = 256  # candidates whose room costs are computed at once, best upper bounds first
KICK_GROWTH = 10  # failed perturbation rounds per extra random move in the next kick

# Move kinds, seen from proposal p: MOVE to a slot with a free room; SWAP slots with q; REPLACE p
# by unscheduled q; DROP p; ADD unscheduled p to a free room; TAKE (unscheduled p) q's place.
MOVE, SWAP, REPLACE, DROP, ADD, TAKE = range(6)


@dataclass
class _Compiled:
    """Dense, index-based view of a Problem; built once per solve."""

    P: int
    T: int
    R: int
    pid: list[int]
    sid: list[int]
    rid: list[int]
    wanted: list[IntArray]
    M: npt.NDArray[np.bool_]  # people x proposals: wants
    overlap: npt.NDArray[np.int32]  # proposals x proposals: people wanting both
    pair: IntArray  # 3 x n: (person, p, q) for every person and ordered pair p != q they both want
    FC: npt.NDArray[np.int32]  # proposals x proposals: share a facilitator (diagonal 0)
    allowed: npt.NDArray[np.bool_]  # proposals x slots where a movable proposal may go
    movable: list[int]
    fixed: dict[int, tuple[int, int]]
    votes: list[int]
    cap: list[int]
    room_ok: list[npt.NDArray[np.bool_]]
    needy: list[bool]
    free_rooms: list[list[int]]  # per slot: rooms not taken by fixed sessions, biggest first
    prev_slot: list[int]
    prev_room: list[int]
    const_moved: int
    wi: int
    wo: int
    wm: int
    labels: list[str]


def _compile(problem: Problem) -> _Compiled:
    """Index the problem and check that its fixed part (pins, locked slots) is consistent."""
    props, slots, rooms = problem.proposals, problem.slots, problem.rooms
    for what, ids in (
        ("proposal", [p.id for p in props]),
        ("slot", [s.id for s in slots]),
        ("room", [r.id for r in rooms]),
    ):
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate {what} ids")
    pidx = {p.id: i for i, p in enumerate(props)}
    sidx = {s.id: i for i, s in enumerate(slots)}
    ridx = {r.id: i for i, r in enumerate(rooms)}
    P, T, R = len(props), len(slots), len(rooms)
    people: dict[int, int] = {}
    wanted = []
    for p in props:
        ws = sorted(set(p.voters) | set(p.facilitators))
        wanted.append(np.array([people.setdefault(x, len(people)) for x in ws], dtype=np.int64))
    A = max(1, len(people))
    M = np.zeros((A, P), dtype=bool)
    for i, w in enumerate(wanted):
        M[w, i] = True
    # overlap from each person's pairs of wanted proposals (a dense float GEMM would be 0.8 GFLOP on xl)
    pp, pq = np.nonzero(M)  # row-major: sorted by person
    starts = np.searchsorted(pp, np.arange(A + 1))
    pairs_a: list[IntArray] = []
    pairs_b: list[IntArray] = []
    pairs_x: list[IntArray] = []
    for n in range(2, int(np.diff(starts).max(initial=0)) + 1):
        heads = starts[:-1][np.diff(starts) == n]  # people wanting exactly n proposals
        if not len(heads):
            continue
        block = pq[heads[:, None] + np.arange(n)]  # their proposals, one row per person
        first, second = np.nonzero(~np.eye(n, dtype=bool))
        pairs_a.append(block[:, first].ravel())
        pairs_b.append(block[:, second].ravel())
        pairs_x.append(np.repeat(pp[heads], len(first)))
    overlap = np.zeros((P, P), dtype=np.int32)
    pair = np.zeros((3, 0), dtype=np.int64)
    if pairs_a:
        pair = np.stack([np.concatenate(pairs_x), np.concatenate(pairs_a), np.concatenate(pairs_b)])
        flat = pair[1] * P + pair[2]
        overlap = np.bincount(flat, minlength=P * P).astype(np.int32).reshape(P, P)
    fac_of: dict[int, list[int]] = {}
    for i, p in enumerate(props):
        for f in set(p.facilitators):
            fac_of.setdefault(f, []).append(i)
    FC = np.zeros((P, P), dtype=np.int32)
    for lst in fac_of.values():
        for a in lst:
            for b in lst:
                if a != b:
                    FC[a, b] = 1
    cap = [int(r.capacity) for r in rooms]
    room_ok = [np.array([p.needs <= r.features for r in rooms], dtype=bool) for p in props]
    breakout = [s.kind == "breakout" for s in slots]
    locked = [s.locked for s in slots]

    prev_slot, prev_room, const_moved = [NO_PREV] * P, [-1] * P, 0
    for key, (ps, pr) in problem.previous.items():
        known = pidx.get(int(key))
        if known is None:
            const_moved += 1
            continue
        prev_slot[known] = sidx.get(int(ps), GONE)
        prev_room[known] = ridx.get(int(pr), -1)

    fixed: dict[int, tuple[int, int]] = {}
    taken: dict[tuple[int, int], int] = {}

    def fix(i: int, t: int, r: int, why: str) -> None:
        p = props[i]
        if not breakout[t]:
            raise InfeasibleProblem(f"proposal {p.id}: {why} is in {slots[t].kind} slot {slots[t].id}")
        if slots[t].id in p.unavailable_slots:
            raise InfeasibleProblem(f"proposal {p.id}: {why} is in slot {slots[t].id}, where it is unavailable")
        if not room_ok[i][r]:
            missing = ", ".join(sorted(p.needs - rooms[r].features))
            raise InfeasibleProblem(f"proposal {p.id}: {why} is room {rooms[r].id}, which lacks {missing}")
        if len(set(p.facilitators)) != len(p.facilitators):
            raise InfeasibleProblem(f"proposal {p.id}: lists a facilitator twice, so it can never be placed")
        if (t, r) in taken:
            other = props[taken[(t, r)]].id
            raise InfeasibleProblem(
                f"proposal {p.id}: {why} (slot {slots[t].id}, room {rooms[r].id}) is already taken by proposal {other}"
            )
        for j, (tj, _rj) in fixed.items():
            if tj == t and set(props[j].facilitators) & set(p.facilitators):
                raise InfeasibleProblem(
                    f"proposal {p.id}: {why} puts a facilitator in slot {slots[t].id} "
                    f"twice (also proposal {props[j].id})"
                )
        fixed[i] = (t, r)
        taken[(t, r)] = i

    for key, (s, r) in sorted(problem.previous.items()):
        lt = sidx.get(int(s))
        if lt is None or not locked[lt]:
            continue
        li = pidx.get(int(key))
        if li is None:
            raise InfeasibleProblem(
                f"proposal {key}: on the previous agenda in locked slot {s} but no longer a proposal"
            )
        if int(r) not in ridx:
            raise InfeasibleProblem(f"proposal {key}: previous place in locked slot {s} is unknown room {r}")
        pin = props[li].pinned
        if pin is not None and tuple(pin) != (int(s), int(r)):
            raise InfeasibleProblem(
                f"proposal {key}: pinned to {tuple(pin)} but already running in locked slot {s} room {r}"
            )
        fix(li, lt, ridx[int(r)], "its place in a locked slot")
    for i, p in enumerate(props):
        if p.pinned is None or i in fixed:
            continue
        s, r = p.pinned
        if s not in sidx:
            raise InfeasibleProblem(f"proposal {p.id}: pinned to unknown slot {s}")
        if r not in ridx:
            raise InfeasibleProblem(f"proposal {p.id}: pinned to unknown room {r}")
        if locked[sidx[s]]:
            raise InfeasibleProblem(f"proposal {p.id}: pinned into locked slot {s}, which cannot change")
        fix(i, sidx[s], ridx[r], "its pin")

    allowed = np.zeros((P, T), dtype=bool)
    movable = []
    for i, p in enumerate(props):
        if i in fixed or len(set(p.facilitators)) != len(p.facilitators) or not room_ok[i].any():
            continue
        for t, slot in enumerate(slots):
            allowed[i, t] = breakout[t] and not locked[t] and slot.id not in p.unavailable_slots
        if allowed[i].any():
            movable.append(i)
    free_rooms = []
    for t in range(T):
        free = [r for r in range(R) if (t, r) not in taken]
        free.sort(key=lambda r: (-cap[r], r))
        free_rooms.append(free)
    weights = problem.weights
    return _Compiled(
        P=P,
        T=T,
        R=R,
        pid=[p.id for p in props],
        sid=[s.id for s in slots],
        rid=[r.id for r in rooms],
        wanted=wanted,
        M=M,
        overlap=overlap,
        pair=pair,
        FC=FC,
        allowed=allowed,
        movable=movable,
        fixed=fixed,
        # room demand: people who need a seat (remote people at hybrid events do not)
        votes=[sum(1 for v in p.voters if v not in problem.remote) for p in props],
        cap=cap,
        room_ok=room_ok,
        needy=[bool(p.needs) for p in props],
        free_rooms=free_rooms,
        prev_slot=prev_slot,
        prev_room=prev_room,
        const_moved=const_moved,
        wi=int(weights.interest),
        wo=int(weights.overflow),
        wm=int(weights.moved),
        labels=[slot.label for slot in slots],
    )


class _Rooms:
    """Room costs of one slot's sessions: overflow plus moved-within-slot penalties."""

    def __init__(self, c: _Compiled) -> None:
        self.c = c
        self.fixed_in: list[list[int]] = [[] for _ in range(c.T)]
        for i, (t, _r) in c.fixed.items():
            self.fixed_in[t].append(i)
        self.cache: dict[tuple[int, frozenset[int]], float] = {}
        self.ok_rooms = [frozenset(np.nonzero(ok)[0].tolist()) for ok in c.room_ok]
        self.fixed_const = [sum(self._fixed_cost(i, t, c.fixed[i][1]) for i in self.fixed_in[t]) for t in range(c.T)]

    def _fixed_cost(self, i: int, t: int, r: int) -> float:
        c = self.c
        cost = c.wo * max(0, c.votes[i] - c.cap[r])
        if c.prev_slot[i] == t and c.prev_room[i] != r:
            cost += c.wm
        return cost

    def cost(self, t: int, members: set[int]) -> float:
        """Heuristic cost (an upper bound on the exact one); inf when the rooms cannot be matched."""
        c = self.c
        free = c.free_rooms[t]
        n_free = len(members) - len(self.fixed_in[t])
        if n_free > len(free):
            return np.inf
        vs = []
        fixed = c.fixed
        for i in members:
            if i in fixed:
                continue
            if c.needy[i] or c.prev_slot[i] == t:
                break
            vs.append(c.votes[i])
        else:
            # "simple" slot: most votes gets the biggest free room, which minimises overflow
            vs.sort(reverse=True)
            cap = c.cap
            return self.fixed_const[t] + c.wo * sum(v - cap[r] for v, r in zip(vs, free, strict=False) if v > cap[r])
        key = (t, frozenset(members))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        rooms = self.heuristic(t, members)
        value = np.inf if rooms is None else self.total(t, rooms)
        if rooms is None:
            exact = self.exact(t, members)
            if exact is not None:
                value = self.total(t, exact)
        if len(self.cache) > 200_000:
            self.cache.clear()
        self.cache[key] = value
        return value

    def total(self, t: int, rooms: Mapping[int, int]) -> float:
        c = self.c
        cap, votes, ps, pr = c.cap, c.votes, c.prev_slot, c.prev_room
        over = sum(votes[i] - cap[r] for i, r in rooms.items() if votes[i] > cap[r])
        moved = sum(1 for i, r in rooms.items() if ps[i] == t and pr[i] != r)
        return float(c.wo * over + c.wm * moved)

    def heuristic(self, t: int, members: set[int]) -> dict[int, int] | None:
        """Pins stay, sessions back in their previous slot keep their previous room, then either most
        votes takes the biggest allowed room left, or (if that strands a session with needs, or
        costs more) sessions with needs go first into the smallest allowed room that seats them."""
        c = self.c
        out: dict[int, int] = {}
        used: set[int] = set()
        for i in self.fixed_in[t]:
            out[i] = c.fixed[i][1]
            used.add(out[i])
        rest = []
        ok_rooms = self.ok_rooms
        for i in members:
            if i in out:
                continue
            r = c.prev_room[i]
            if c.prev_slot[i] == t and r >= 0 and r not in used and r in ok_rooms[i]:
                out[i] = r
                used.add(r)
            else:
                rest.append(i)
        rest.sort(key=lambda i: (-c.votes[i], i))
        free = [r for r in c.free_rooms[t] if r not in used]
        needy = [i for i in rest if c.needy[i]]
        best: dict[int, int] | None = None
        best_cost = np.inf
        cap, votes = c.cap, c.votes
        for needy_first in (False, True) if needy else (False,):
            left = list(free)
            got = dict(out)
            order = needy + [i for i in rest if not c.needy[i]] if needy_first else rest
            for i in order:
                if not c.needy[i]:
                    got[i] = left.pop(0)
                    continue
                allowed = [k for k, r in enumerate(left) if r in ok_rooms[i]]
                if not allowed:
                    break
                k = allowed[0]
                if needy_first:
                    seats = [k for k in allowed if cap[left[k]] >= votes[i]]
                    k = seats[-1] if seats else allowed[0]
                got[i] = left.pop(k)
            else:
                cost = self.total(t, got)
                if cost < best_cost:
                    best, best_cost = got, cost
        return best

    def exact(self, t: int, members: set[int]) -> dict[int, int] | None:
        """Minimum-cost rooms for the slot (Hungarian); None when no assignment meets the needs."""
        c = self.c
        out = {i: c.fixed[i][1] for i in self.fixed_in[t]}
        rest = sorted(i for i in members if i not in out)
        free = c.free_rooms[t]
        if not rest:
            return out
        cost = np.zeros((len(rest), len(free)))
        for a, i in enumerate(rest):
            for b, r in enumerate(free):
                cost[a, b] = self._fixed_cost(i, t, r) if c.room_ok[i][r] else FORBIDDEN
        cols = min_cost_assignment(cost)
        if cols is None:
            return None
        for a, i in enumerate(rest):
            out[i] = free[cols[a]]
        return out


class _State:
    """Slots of every proposal plus the incremental counts that make move evaluation cheap."""

    def __init__(self, c: _Compiled, rooms: _Rooms) -> None:
        self.c = c
        self.rooms = rooms
        self.slot_of = np.full(c.P, -1, dtype=np.int64)
        self.members: list[set[int]] = [set() for _ in range(c.T)]
        A = c.M.shape[0]
        self.N = np.zeros((A, c.T), dtype=np.int32)
        self.Z0 = np.zeros((c.P, c.T), dtype=np.int64)
        self.Z0[:] = np.array([len(w) for w in c.wanted], dtype=np.int64)[:, None]
        self.Z1 = np.zeros((c.P, c.T), dtype=np.int64)
        self.CF = np.zeros((c.P, c.T), dtype=np.int32)
        self.cost = [0.0] * c.T
        self.interest = 0
        self.moved_slot = sum(1 for i in range(c.P) if c.prev_slot[i] != NO_PREV)
        self.log: list[tuple[int, int, int, int]] | None = None  # (kind 0 move / 1 cost, x, y, z)
        self.cost_log: list[tuple[int, float]] = []

    def score(self) -> float:
        c = self.c
        return c.wi * self.interest - sum(self.cost) - c.wm * (self.moved_slot + c.const_moved)

    def move(self, p: int, a: int, b: int) -> None:
        """Move proposal p from slot a to slot b (-1: unscheduled), updating every count."""
        c = self.c
        W = c.wanted[p]
        M = c.M
        if a >= 0:
            col = self.N[W, a]
            self.N[W, a] = col - 1
            gone = W[col == 1]
            if len(gone):
                s = M[gone].sum(0)
                self.Z0[:, a] += s
                self.Z1[:, a] -= s
                self.interest -= len(gone)
            two = W[col == 2]
            if len(two):
                self.Z1[:, a] += M[two].sum(0)
            self.CF[:, a] -= c.FC[:, p]
            self.members[a].discard(p)
        if b >= 0:
            col = self.N[W, b]
            self.N[W, b] = col + 1
            new = W[col == 0]
            if len(new):
                s = M[new].sum(0)
                self.Z0[:, b] -= s
                self.Z1[:, b] += s
                self.interest += len(new)
            one = W[col == 1]
            if len(one):
                self.Z1[:, b] -= M[one].sum(0)
            self.CF[:, b] += c.FC[:, p]
            self.members[b].add(p)
        ps = c.prev_slot[p]
        if ps != NO_PREV:
            self.moved_slot += int(ps != b) - int(ps != a)
        self.slot_of[p] = b
        if self.log is not None:
            self.log.append((0, p, a, b))

    def set_cost(self, t: int, value: float) -> None:
        if self.log is not None:
            self.log.append((1, t, 0, 0))
            self.cost_log.append((t, self.cost[t]))
        self.cost[t] = value

    def checkpoint(self) -> None:
        self.log = []
        self.cost_log = []

    def rollback(self) -> set[int]:
        """Undo every move since the last checkpoint (cheaper than rebuilding on xl); returns the
        slots that changed."""
        log, costs = self.log or [], self.cost_log
        self.log = None
        touched: set[int] = set()
        for kind, x, y, z in reversed(log):
            if kind == 0:
                self.move(x, z, y)
                touched.update(t for t in (y, z) if t >= 0)
            else:
                t, old = costs.pop()
                self.cost[t] = old
        self.checkpoint()
        return touched


def _dmoved(c: _Compiled, p: int, a: int, b: int) -> int:
    ps = c.prev_slot[p]
    if ps == NO_PREV:
        return 0
    return int(ps != b) - int(ps != a)


class _Search:
    def __init__(self, c: _Compiled, rng: np.random.Generator) -> None:
        self.c = c
        self.rng = rng
        self.rooms = _Rooms(c)
        self.s = _State(c, self.rooms)
        self.movable = np.array(c.movable, dtype=np.int64)
        self.is_movable = np.zeros(c.P, dtype=bool)
        self.is_movable[self.movable] = True
        self.iterations = 0
        self.prev = np.array(c.prev_slot, dtype=np.int64)
        self.has_prev = self.prev != NO_PREV
        self.places = [len(c.free_rooms[t]) + len(self.rooms.fixed_in[t]) for t in range(c.T)]
        # per proposal: the proposals sharing a person with it, and who wants those among its people
        self.ovq = [np.nonzero(c.overlap[p])[0] for p in range(c.P)]
        # sparse (row in wanted[p], column in ovq[p]) pairs: a person wanting both p and that proposal
        self.both: list[tuple[IntArray, IntArray]] = []
        where = np.zeros(c.P, dtype=np.int64)
        for p in range(c.P):
            where[self.ovq[p]] = np.arange(len(self.ovq[p]))
            r, q = np.nonzero(c.M[c.wanted[p]])
            keep = q != p
            self.both.append((r[keep].astype(np.int64), where[q[keep]]))
        self.any_prev = bool(self.has_prev.any())
        self.allowedT = np.ascontiguousarray(c.allowed.T)
        self.needy = np.array(c.needy, dtype=bool)
        self.is_fixed = np.zeros(c.P, dtype=bool)
        self.is_fixed[list(c.fixed)] = True
        self.votes = np.array(c.votes, dtype=np.int64)
        self.fixed_const = np.array(self.rooms.fixed_const, dtype=np.float64)
        # Overflow tables of "simple" slots (no needs, no previous room among free sessions), one row
        # per slot: free sessions' votes sorted descending against free rooms' capacities, with prefix
        # sums of overflow at the own position, one up and one down, so that the overflow after
        # removing and/or inserting one session is O(1) per candidate (see _ov_ri).
        R = c.R
        self.Cm = np.full((c.T, R + 1), 10**12, dtype=np.int64)
        for t in range(c.T):
            caps = [c.cap[r] for r in c.free_rooms[t]]
            self.Cm[t, : len(caps)] = caps
        self.Vm = np.full((c.T, R + 1), -1, dtype=np.int64)
        self.PS0 = np.zeros((c.T, R + 2), dtype=np.int64)
        self.PSup = np.zeros((c.T, R + 2), dtype=np.int64)
        self.PSdn = np.zeros((c.T, R + 2), dtype=np.int64)
        self.pos = np.zeros(c.P, dtype=np.int64)
        # RK[t, p]: how many of slot t's free sessions have more votes than p (its insert position)
        self.RK = np.zeros((c.T, c.P), dtype=np.int64)
        self.cx = np.zeros(c.T, dtype=np.int64)
        self.n_of = np.zeros(c.T, dtype=np.int64)
        self.any_complex = self.any_prev or bool(self.needy[self.movable].any())

    def refresh(self, t: int) -> None:
        """Rebuild slot t's overflow table after its sessions changed."""
        c = self.c
        mem = np.fromiter(self.s.members[t], dtype=np.int64, count=len(self.s.members[t]))
        mem = mem[~self.is_fixed[mem]]
        mem = mem[np.lexsort((mem, -self.votes[mem]))]
        n = len(mem)
        V = np.full(c.R + 1, -1, dtype=np.int64)
        V[:n] = self.votes[mem]
        self.pos[mem] = np.arange(n)
        self.cx[t] = int((self.needy[mem] | (self.prev[mem] == t)).sum())
        self.n_of[t] = n
        C = self.Cm[t]
        g = np.zeros((3, c.R + 1), dtype=np.int64)
        g[0] = V - C
        g[1, 1:] = V[1:] - C[:-1]
        g[2, :-1] = V[:-1] - C[1:]
        np.maximum(g, 0, out=g)
        g[:, n:] = 0
        sums = np.cumsum(g, axis=1)
        self.PS0[t, 1:], self.PSup[t, 1:], self.PSdn[t, 1:] = sums
        self.Vm[t] = V
        self.RK[t] = np.searchsorted(-V[:n], -self.votes, side="left")

    def refresh_all(self) -> None:
        for t in range(self.c.T):
            self.refresh(t)

    def _ov_ri(self, t: IntArray, i: IntArray, x: IntArray, inn: IntArray) -> IntArray:
        """Overflow of slots t after removing the free session at sorted position i and inserting
        session ``inn`` with x votes (i = -1: nothing removed; inn = x = -1: nothing inserted).

        Nothing removed is removing a virtual last element, nothing inserted is inserting a virtual
        zero-overflow one at the end, so one formula (two cases) covers all moves.
        """
        W = self.c.R + 2
        PS0, PSup, PSdn, C = self.PS0.ravel(), self.PSup.ravel(), self.PSdn.ravel(), self.Cm.ravel()
        base = t * W
        i = np.where(i < 0, self.n_of[t], i)
        r = np.where(x < 0, self.n_of[t], self.RK[t, np.maximum(inn, 0)])
        case1 = i < r
        j = r - case1
        cj = np.maximum(0, x - C[t * (W - 1) + j])
        bi, bj = base + i, base + j
        tail = PS0[base + W - 1]
        c1 = PS0[bi] + PSup[bj + 1] - PSup[bi + 1] + tail - PS0[bj + 1]
        c2 = PS0[bj] + PSdn[bi] - PSdn[bj] + tail - PS0[bi + 1]
        return np.where(case1, c1, c2) + cj

    def _slot_cost(
        self, t: IntArray, out: IntArray, inn: IntArray
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """New room cost of slots t when session ``out`` leaves and ``inn`` arrives (-1: none), and
        whether it is exact. Where the slot would not be simple (needs, previous rooms) the value is
        the cost without needs and previous rooms: a lower bound, since dropping constraints and
        non-negative penalties can only lower the optimum, which the heuristic cost never beats."""
        i = np.where(out >= 0, self.pos[out], -1)
        x = np.where(inn >= 0, self.votes[inn], -1)
        val = self.fixed_const[t] + self.c.wo * self._ov_ri(t, i, x, inn)
        if not self.any_complex:
            return val, np.ones(len(val), dtype=bool)
        prev = self.prev
        cx = (
            self.cx[t]
            - np.where(out >= 0, self.needy[out] | (prev[out] == t), False)
            + np.where(inn >= 0, self.needy[inn] | (prev[inn] == t), False)
        )
        return val, cx == 0

    # construction -------------------------------------------------------------------------
    def greedy(self) -> None:
        """Fixed sessions first, then most votes first into the slot that adds the most score."""
        c, s = self.c, self.s
        for i, (t, _r) in sorted(c.fixed.items()):
            s.move(i, -1, t)
        for t in range(c.T):
            s.cost[t] = self.rooms.cost(t, s.members[t])
        self.insert(sorted(c.movable, key=lambda i: (-c.votes[i], -len(c.wanted[i]), i)))

    def from_previous(self) -> None:
        """Alternative start for a re-solve: the previous agenda as far as it is still feasible
        (same slots, rooms re-derived), then greedy insertion of everything else. Starting here
        means the result is never worse than keeping the published agenda."""
        c, s = self.c, self.s
        for i, (t, _r) in sorted(c.fixed.items()):
            s.move(i, -1, t)
        for t in range(c.T):
            s.cost[t] = self.rooms.cost(t, s.members[t])
        keep = sorted((i for i in c.movable if 0 <= c.prev_slot[i] < c.T), key=lambda i: (-c.votes[i], i))
        for p in keep:
            t = c.prev_slot[p]
            if not c.allowed[p, t] or s.CF[p, t] or len(s.members[t]) >= self.places[t]:
                continue
            s.members[t].add(p)
            nc = self.rooms.cost(t, s.members[t])
            s.members[t].discard(p)
            if nc < np.inf:
                s.move(p, -1, t)
                s.set_cost(t, nc)
        self.insert(
            sorted((i for i in c.movable if s.slot_of[i] < 0), key=lambda i: (-c.votes[i], -len(c.wanted[i]), i))
        )

    def insert(self, order: list[int], min_gain: float = 1e-9) -> set[int]:
        """Put each unscheduled proposal, in order, into the slot where it adds the most score (if
        that adds at least ``min_gain``); returns the slots that changed."""
        c, s = self.c, self.s
        touched: set[int] = set()
        for p in order:
            best: tuple[float, int, int, int] | None = None
            best_cost = 0.0
            N_p = s.N[c.wanted[p]]
            for b in np.nonzero(c.allowed[p] & (s.CF[p] == 0))[0].tolist():
                if len(s.members[b]) >= self.places[b]:
                    continue
                s.members[b].add(p)
                nc = self.rooms.cost(b, s.members[b])
                s.members[b].discard(p)
                if nc == np.inf:
                    continue
                delta = c.wi * int(s.Z0[p, b]) - c.wm * _dmoved(c, p, -1, b) - (nc - s.cost[b])
                # most score first; ties to the slot where fewer of its people want something else
                key = (delta, -int(N_p[:, b].sum()), -len(s.members[b]), -b)
                if best is None or key > best:
                    best, best_cost = key, nc
            if best is not None and best[0] >= min_gain:
                b = -best[3]
                s.move(p, -1, b)
                s.set_cost(b, best_cost)
                touched.add(b)
        return touched

    def fill(self, slot_of: IntArray) -> IntArray:
        """Schedule left-out proposals into places still free where that costs nothing (a session
        nobody else needs still deserves an empty room); the score does not change."""
        c = self.c
        waiting = [int(p) for p in self.movable if slot_of[p] < 0]
        counts = np.bincount(slot_of[slot_of >= 0], minlength=c.T)
        if not waiting or all(counts[t] >= self.places[t] for t in range(c.T) if c.allowed[:, t].any()):
            return slot_of
        s = self.restore(slot_of)
        self.insert(sorted(waiting, key=lambda i: (-c.votes[i], -len(c.wanted[i]), i)), min_gain=0.0)
        return s.slot_of.copy()

    def restore(self, slot_of: IntArray) -> _State:
        """Rebuild the state (counts, room costs, overflow tables) for the given slots."""
        c = self.c
        self.s = s = _State(c, self.rooms)
        for p, t in enumerate(slot_of.tolist()):
            if t >= 0:
                s.move(p, -1, t)
        for t in range(c.T):
            s.cost[t] = self.rooms.cost(t, s.members[t])
        self.refresh_all()
        return s

    # local search -------------------------------------------------------------------------
    def candidates(
        self, p: int, threshold: float = 1e-9, bounds: bool = True
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_], IntArray, IntArray, IntArray]:
        """Every feasible move of p whose gain might exceed ``threshold``, as arrays
        (ub, bound, exact, kind, partner q, slot).

        ``ub`` counts the interest and previous-slot changes exactly and assumes the touched slots'
        room costs drop to zero (exact_gain subtracts the real ones); ``bound`` subtracts their
        costs from the overflow tables: the gain itself where ``exact``, else an upper bound.
        ``slot`` is p's new slot (MOVE, SWAP, ADD, TAKE) or -1.
        """
        c, s = self.c, self.s
        wi, wm = c.wi, c.wm
        a = int(s.slot_of[p])
        cost = np.array(s.cost)
        prev, has_prev, any_prev = self.prev, self.has_prev, self.any_prev
        slot_of = s.slot_of
        sched = (slot_of >= 0) & self.is_movable
        ovq = self.ovq[p]
        # people wanting both p and q, who are alone in p's slot (corr_a) or in q's slot (corr_q)
        corr_a = np.zeros(c.P, dtype=np.int64)
        corr_q = np.zeros(c.P, dtype=np.int64)
        if len(ovq):
            rows, kq = self.both[p]
            E1 = s.N[c.wanted[p]] == 1
            if a >= 0:
                corr_a[ovq] = np.bincount(kq, weights=E1[rows, a], minlength=len(ovq))
            so = slot_of[ovq][kq]
            corr_q[ovq] = np.bincount(kq, weights=E1[rows, so] & (so >= 0), minlength=len(ovq))
        ps = c.prev_slot[p]
        ub_l: list[npt.NDArray[np.float64]] = []
        cols: list[list[IntArray]] = []  # kind, q, slot, then both sides' (slot, out, in)

        def add(
            ub: npt.NDArray[np.float64],
            kind: int,
            q: IntArray | int,
            b: IntArray | int,
            t1: IntArray | int,
            o1: IntArray | int,
            i1: IntArray | int,
            t2: IntArray | int,
            o2: IntArray | int,
            i2: IntArray | int,
        ) -> None:
            """Keep the candidates whose bound passes; scalars stand for a column of one value."""
            keep = np.nonzero(ub > threshold)[0]
            n = len(keep)
            if n:
                ub_l.append(ub[keep])
                cols.append(
                    [
                        np.full(n, x, dtype=np.int64) if isinstance(x, int) else x[keep]
                        for x in (kind, q, b, t1, o1, i1, t2, o2, i2)
                    ]
                )

        if a >= 0:
            z1 = int(s.Z1[p, a])
            # move to a slot with a free room
            bs = np.nonzero(c.allowed[p] & (s.CF[p] == 0) & ~self.full())[0]
            bs = bs[bs != a]
            if len(bs):
                ub = wi * (s.Z0[p, bs] - z1) + cost[a] + cost[bs]
                if any_prev and ps != NO_PREV:
                    ub = ub - wm * ((bs != ps).astype(np.int64) - int(ps != a))
                add(ub, MOVE, -1, bs, a, p, -1, bs, -1, p)
            # swap with a session in another slot
            qs = np.nonzero(sched & (slot_of != a) & self.allowedT[a])[0]
            if len(qs):
                sb = slot_of[qs]
                fc = c.FC[p][qs]
                ok = c.allowed[p][sb] & (s.CF[p][sb] == fc) & (s.CF[:, a][qs] == fc)
                qs, sb = qs[ok], sb[ok]
            if len(qs):
                dI = s.Z0[p][sb] - z1 + s.Z0[:, a][qs] - s.Z1[qs, sb] + corr_a[qs] + corr_q[qs]
                ub = wi * dI + cost[a] + cost[sb]
                if any_prev:
                    dm = (ps != NO_PREV) * ((sb != ps).astype(np.int64) - int(ps != a))
                    ub = ub - wm * (dm + has_prev[qs] * ((prev[qs] != a).astype(np.int64) - (prev[qs] != sb)))
                add(ub, SWAP, qs, sb, a, p, qs, sb, qs, p)
            # let an unscheduled session take p's place
            unsched = (slot_of < 0) & self.is_movable & self.allowedT[a]
            if unsched.any():
                qs = np.nonzero(unsched)[0]
                if len(qs):
                    qs = qs[s.CF[qs, a] - c.FC[p, qs] == 0]
                if len(qs):
                    ub = wi * (s.Z0[qs, a] - z1 + corr_a[qs]) + cost[a]
                    if any_prev:
                        ub = ub - wm * (_dmoved(c, p, a, -1) + has_prev[qs] * ((prev[qs] != a).astype(np.int64) - 1))
                    add(ub, REPLACE, qs, -1, a, p, qs, -1, -1, -1)
            # leave p out
            drop = wi * -z1 - wm * _dmoved(c, p, a, -1) + cost[a]
            if drop > threshold:
                add(np.array([drop], dtype=np.float64), DROP, -1, -1, a, p, -1, -1, -1, -1)
        else:
            bs = np.nonzero(c.allowed[p] & (s.CF[p] == 0) & ~self.full())[0]
            if len(bs):
                ub = wi * s.Z0[p, bs] + cost[bs]
                if any_prev and ps != NO_PREV:
                    ub = ub - wm * ((bs != ps).astype(np.int64) - 1)
                add(ub.astype(np.float64), ADD, -1, bs, bs, -1, p, -1, -1, -1)
            # take the place of a scheduled session
            qs = np.nonzero(sched)[0]
            if len(qs):
                sb = slot_of[qs]
                ok = c.allowed[p, sb] & (s.CF[p, sb] - c.FC[p, qs] == 0)
                qs, sb = qs[ok], sb[ok]
            if len(qs):
                ub = wi * (s.Z0[p, sb] - s.Z1[qs, sb] + corr_q[qs]) + cost[sb]
                if any_prev:
                    dm = (ps != NO_PREV) * ((sb != ps).astype(np.int64) - 1)
                    ub = ub - wm * (dm + has_prev[qs] * (1 - (prev[qs] != sb).astype(np.int64)))
                add(ub, TAKE, qs, sb, sb, qs, p, -1, -1, -1)
        if not ub_l:
            e = np.zeros(0, dtype=np.int64)
            return e.astype(np.float64), e.astype(np.float64), e.astype(bool), e, e, e
        if len(ub_l) == 1:
            ub, (kind, q, b, t1, o1, i1, t2, o2, i2) = ub_l[0].astype(np.float64), cols[0]
        else:
            ub = np.concatenate(ub_l).astype(np.float64)
            kind, q, b, t1, o1, i1, t2, o2, i2 = (np.concatenate([x[k] for x in cols]) for k in range(9))
        if not bounds:  # the caller only wants the moves (a random kick)
            return ub, ub, np.zeros(len(ub), dtype=bool), kind, q, b
        val, exact = self._slot_cost(t1, o1, i1)
        bound = ub - val
        two = t2 >= 0
        if two.any():
            val2, exact2 = self._slot_cost(t2[two], o2[two], i2[two])
            bound[two] -= val2
            exact[two] &= exact2
        return ub, bound, exact, kind, q, b

    def full(self) -> npt.NDArray[np.bool_]:
        c, s = self.c, self.s
        return np.array([len(s.members[t]) >= self.places[t] for t in range(c.T)])

    def exact_gain(self, p: int, kind: int, q: int, b: int, ub: float) -> tuple[float, dict[int, float]]:
        """True score change of a candidate (from its upper bound ``ub``, which assumed the touched
        slots' room costs drop to zero) and the new room costs of the slots it touches."""
        s = self.s
        a = int(s.slot_of[p])
        mem = s.members
        cost = self.rooms.cost
        new: dict[int, float] = {}
        if kind == MOVE:
            new[a] = cost(a, mem[a] - {p})
            new[b] = cost(b, mem[b] | {p})
        elif kind == SWAP:
            new[a] = cost(a, (mem[a] - {p}) | {q})
            new[b] = cost(b, (mem[b] - {q}) | {p})
        elif kind == REPLACE:
            new[a] = cost(a, (mem[a] - {p}) | {q})
        elif kind == DROP:
            new[a] = cost(a, mem[a] - {p})
        elif kind == ADD:
            new[b] = cost(b, mem[b] | {p})
        else:  # TAKE: unscheduled p takes q's place in slot b
            new[b] = cost(b, (mem[b] - {q}) | {p})
        return ub - sum(new.values()), new

    def apply(self, p: int, kind: int, q: int, b: int, new: Mapping[int, float]) -> list[int]:
        """Carry out a move; returns the slots it touched."""
        s = self.s
        a = int(s.slot_of[p])
        if kind == MOVE:
            s.move(p, a, b)
        elif kind == SWAP:
            s.move(p, a, b)
            s.move(q, b, a)
        elif kind == REPLACE:
            s.move(p, a, -1)
            s.move(q, -1, a)
        elif kind == DROP:
            s.move(p, a, -1)
        elif kind == ADD:
            s.move(p, -1, b)
        else:
            s.move(q, b, -1)
            s.move(p, -1, b)
        for t, v in new.items():
            s.set_cost(t, v)
            self.refresh(t)
        return list(new)

    def improve(self, p: int) -> tuple[list[int], list[int]] | None:
        """Best improving move of p; applies it, returns (proposals, slots) touched.

        Gains known from the overflow tables are exact; the others are evaluated one by one in
        order of their upper bound until the bound cannot beat the best gain found.
        """
        self.iterations += 1
        ub, bound, exact, kind, q, b = self.candidates(p)
        best_gain, best = 1e-9, -1
        if exact.any():
            g = np.where(exact, bound, -np.inf)
            k = int(np.argmax(g))
            if g[k] > best_gain:
                best_gain, best = float(g[k]), k
        todo = np.nonzero(~exact & (bound > best_gain))[0]
        if len(todo):
            todo = todo[np.argsort(-bound[todo], kind="stable")]
            for k in todo.tolist():
                if bound[k] <= best_gain:
                    break
                g1, _new = self.exact_gain(p, int(kind[k]), int(q[k]), int(b[k]), ub[k])
                if g1 > best_gain:
                    best_gain, best = g1, k
        if best < 0:
            return None
        kd, qq, bb = int(kind[best]), int(q[best]), int(b[best])
        _g, new = self.exact_gain(p, kd, qq, bb, ub[best])
        slots = self.apply(p, kd, qq, bb, new)
        return ([p, qq] if qq >= 0 else [p]), slots

    def wake(self, moved: list[int], slots: list[int]) -> npt.NDArray[np.bool_]:
        """Proposals to re-examine after a move: the movers and everything in the touched slots.

        Proposals elsewhere that share people with the movers also see changed gains (for moves
        into the touched slots), but re-scanning them measured slower for no better agendas; the
        perturbation rounds reach them anyway.
        """
        c, s = self.c, self.s
        mask = np.zeros(c.P, dtype=bool)
        mask[moved] = True
        for t in slots:
            mask[list(s.members[t])] = True
        return mask & self.is_movable

    def local_search(self, queue: deque[int], should_stop: Callable[[], bool]) -> None:
        """Scan proposals until none has an improving move (don't-look bits via the queue)."""
        queued = np.zeros(self.c.P, dtype=bool)
        queued[list(queue)] = True
        while queue:
            if should_stop():
                return
            p = queue.popleft()
            queued[p] = False
            done = self.improve(p)
            if done is None:
                continue
            new = np.nonzero(self.wake(*done) & ~queued)[0]
            self.rng.shuffle(new)
            queue.extend(new.tolist())
            queued[new] = True

    def perturb(self, strength: int) -> list[int]:
        """Random feasible moves (gains ignored) to leave the current local optimum; returns the
        proposals to re-examine."""
        woken = np.zeros(self.c.P, dtype=bool)
        if not len(self.movable):
            return []
        for _ in range(strength):
            for _attempt in range(20):
                p = int(self.rng.choice(self.movable))
                ub, _bound, _exact, kinds, qs, bs = self.candidates(p, -np.inf, bounds=False)
                ok = np.nonzero(kinds != DROP)[0]
                if not len(ok):
                    continue
                k = int(ok[int(self.rng.integers(len(ok)))])
                kind, q, b = int(kinds[k]), int(qs[k]), int(bs[k])
                _gain, new = self.exact_gain(p, kind, q, b, float(ub[k]))
                if any(v == np.inf for v in new.values()):
                    continue
                slots = self.apply(p, kind, q, b, new)
                woken |= self.wake([p, q] if q >= 0 else [p], slots)
                break
        out = np.nonzero(woken)[0]
        self.rng.shuffle(out)
        return [int(x) for x in out]

    # tabu search ---------------------------------------------------------------------------
    def tabu_setup(self) -> None:
        """Per-solve tables of the tabu walk: the (person, p, q) pairs sorted by p, so that rows
        of G can be recomputed alone, and the movable proposals' static feasibility."""
        c, m = self.c, self.movable
        T = c.T
        order = np.argsort(c.pair[1], kind="stable")
        self.pair_x, self.pair_q = c.pair[0, order], c.pair[2, order]
        self.pair_start = np.searchsorted(c.pair[1, order], np.arange(c.P + 1))
        self.G = np.zeros((c.P, c.P), dtype=np.float64)
        self.E = np.zeros((c.M.shape[0], T + 1), dtype=np.float64)
        self.dirty: npt.NDArray[np.bool_] | None = None  # None: recompute every row of G
        self.dirty_rows: list[int] = []
        self.allowed_m = np.ones((len(m), T + 1), dtype=bool)  # bin T: not scheduled
        self.allowed_m[:, :T] = c.allowed[m]
        self.FCm = c.FC[np.ix_(m, m)]
        self.all_movable = len(m) == c.P
        n = len(m)
        self.upper = np.arange(n)[:, None] < np.arange(n)[None, :]

    def pair_rows(self, binp: IntArray) -> npt.NDArray[np.float64]:
        """G[p, q]: people wanting both p and q who want nothing else in p's bin. Only rows of
        proposals in bins whose counts changed since the last call (and the movers') are redone."""
        c = self.c
        P, T = c.P, c.T
        self.E[:, :T] = self.s.N == 1
        if self.dirty is None:
            rows = np.arange(P)
        else:
            mask = self.dirty[binp]
            mask[self.dirty_rows] = True
            rows = np.nonzero(mask)[0]
        self.dirty = np.zeros(T + 1, dtype=bool)
        self.dirty_rows = []
        if len(rows):
            lo, hi = self.pair_start[rows], self.pair_start[rows + 1]
            counts = hi - lo
            idx = np.repeat(hi - counts.cumsum(), counts) + np.arange(counts.sum())
            local = np.repeat(np.arange(len(rows)), counts)
            w = self.E[self.pair_x[idx], binp[rows][local]]
            flat = np.bincount(local * P + self.pair_q[idx], weights=w, minlength=len(rows) * P)
            self.G[rows] = flat.reshape(len(rows), P)
        return self.G

    def neighbourhood(self) -> tuple[npt.NDArray[np.float64], IntArray, IntArray, IntArray, IntArray, IntArray]:
        """Every feasible move of every movable proposal at once: (ub, kind, p, q, p's new bin,
        q's new bin), bins being the slots plus T for "not scheduled".

        The moves: swap two sessions' slots, move one into a free place, replace one by an
        unscheduled proposal, add an unscheduled one to a free place, or drop one. ``ub`` counts
        interest and previous-slot changes exactly and takes the touched slots' room costs as
        dropping to zero (room_bounds subtracts the new ones). For a swap of p (bin a) and q
        (bin b), Z0/Z1 count p's and q's people alone; G corrects for the people wanting both,
        whose counts in a and b do not change.
        """
        c, s = self.c, self.s
        T = OUT = c.T
        m = self.movable
        binp = np.where(s.slot_of >= 0, s.slot_of, OUT)
        bm = binp[m]
        Z0m = np.zeros((len(m), T + 1), dtype=np.int64)
        Z0m[:, :T] = s.Z0[m]
        z1m = np.zeros(len(m), dtype=np.int64)
        on = bm < OUT
        z1m[on] = s.Z1[m[on], bm[on]]
        G = self.pair_rows(binp)
        if not self.all_movable:
            G = G[np.ix_(m, m)]
        Z0g = Z0m[:, bm]
        CFm = np.zeros((len(m), T + 1), dtype=np.int32)
        CFm[:, :T] = s.CF[m]
        ok = self.allowed_m[:, bm] & (CFm[:, bm] == self.FCm)  # i may take j's bin
        # pairs: both scheduled (each once), or i scheduled and j not (a replacement)
        pick = ok & ok.T & on[:, None] & (bm[:, None] != bm[None, :]) & (self.upper | ~on[None, :])
        pi, pj = np.nonzero(pick)
        a, b = bm[pi], bm[pj]
        cost = np.append(np.array(s.cost, dtype=np.float64), 0.0)
        dI = Z0g[pi, pj] + Z0g[pj, pi] - z1m[pi] - z1m[pj] + G[pi, pj] + G[pj, pi]
        ub_rr = c.wi * dI + cost[a] + cost[b]
        free_t = np.nonzero(~self.full())[0]
        ii, k = np.nonzero(self.allowed_m[:, free_t] & (CFm[:, free_t] == 0) & (bm[:, None] != free_t[None, :]))
        tt = free_t[k]
        a2 = bm[ii]
        ub_mv = c.wi * (Z0m[ii, tt] - z1m[ii]) + cost[a2] + cost[tt]
        dd = np.nonzero(on)[0]
        ub_dr = -c.wi * z1m[dd] + cost[bm[dd]]
        n_rr, n_mv, n_dr = len(pi), len(ii), len(dd)
        ub = np.concatenate([ub_rr, ub_mv, ub_dr])
        kind = np.concatenate([np.where(b < OUT, SWAP, REPLACE), np.where(a2 < OUT, MOVE, ADD), np.full(n_dr, DROP)])
        p_ = np.concatenate([pi, ii, dd])  # indices into m
        to_p = np.concatenate([b, tt, np.full(n_dr, OUT)])
        q_ = np.concatenate([pj, np.full(n_mv + n_dr, -1)])
        if self.any_prev:
            prev, hp = self.prev[m], self.has_prev[m]
            dm = hp[p_] * ((prev[p_] != to_p).astype(np.int64) - (prev[p_] != bm[p_]))
            j = q_[:n_rr]
            dm[:n_rr] += hp[j] * ((prev[j] != a).astype(np.int64) - (prev[j] != b))
            ub = ub - c.wm * dm
        P_ = m[p_]
        Q_ = np.where(q_ >= 0, m[np.maximum(q_, 0)], -1)
        to_q = np.concatenate([a, np.full(n_mv + n_dr, -1)])
        return ub.astype(np.float64), kind, P_, Q_, to_p, to_q

    def room_bounds(
        self, kind: IntArray, P_: IntArray, Q_: IntArray, to_p: IntArray
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """New room costs of p's old slot and of its new one (0 where that is "not scheduled"):
        exact, or together a lower bound where not ``exact``."""
        OUT = self.c.T
        so = self.s.slot_of
        a = np.where(so[P_] >= 0, so[P_], OUT)
        inn_a = np.where((kind == SWAP) | (kind == REPLACE), Q_, -1)
        one, two = np.nonzero(a < OUT)[0], np.nonzero(to_p < OUT)[0]
        val, ex = self._slot_cost(
            np.concatenate([a[one], to_p[two]]),
            np.concatenate([P_[one], np.where(kind[two] == SWAP, Q_[two], -1)]),
            np.concatenate([inn_a[one], P_[two]]),
        )
        v1 = np.zeros(len(kind), dtype=np.float64)
        v2 = np.zeros(len(kind), dtype=np.float64)
        exact = np.ones(len(kind), dtype=bool)
        k = len(one)
        v1[one] = val[:k]
        exact[one] &= ex[:k]
        v2[two] = val[k:]
        exact[two] &= ex[k:]
        return v1, v2, exact

    def tabu(self, should_stop: Callable[[], bool], patience: int, on_best: Callable[[], None]) -> None:
        """Tabu search: take the best move of the whole neighbourhood, even a worsening one, and
        forbid the movers to return to the bins they left for a while (unless that finds a new
        best). On the shared medium instance it reaches within a second, for most seeds, agendas
        that descent plus random kicks found only now and then in several seconds. Stops after
        ``patience`` moves without a new best; ``on_best`` is called on each new best."""
        c, rng = self.c, self.rng
        n = len(self.movable)
        if n < 2:
            return
        OUT = c.T
        self.tabu_setup()
        until = np.zeros((c.P, c.T + 1), dtype=np.int64)
        tenure = max(TABU_TENURE_MIN, n // TABU_TENURE_DIV)
        best = self.s.score()
        it = since = 0
        while since < patience and not should_stop():
            it += 1
            since += 1
            self.iterations += 1
            s = self.s
            score = s.score()
            ub, kind, P_, Q_, to_p, to_q = self.neighbourhood()
            ub += rng.random(len(ub)) * 1e-3  # random ties, deterministic per seed
            banned = (until[P_, to_p] > it) | ((Q_ >= 0) & (until[np.maximum(Q_, 0), to_q] > it))
            # a banned move is only worth a look if it could reach a new best
            cand = np.nonzero(~banned | (score + ub > best + 0.01))[0]
            if not len(cand):
                until[:] = 0  # everything is banned: forget the bans
                continue
            choice = self.best_move(cand, ub, kind, P_, Q_, to_p, banned, score, best)
            if choice is None:
                until[:] = 0
                continue
            k, new = choice
            p, kd, q = int(P_[k]), int(kind[k]), int(Q_[k])
            b = int(to_p[k]) if to_p[k] < OUT else -1
            a_p = int(s.slot_of[p])
            a_q = int(s.slot_of[q]) if q >= 0 else -1
            self.tabu_apply(p, kd, q, b, new)
            until[p, a_p if a_p >= 0 else OUT] = it + tenure + int(rng.integers(TABU_TENURE_SPREAD))
            if q >= 0:
                until[q, a_q if a_q >= 0 else OUT] = it + tenure + int(rng.integers(TABU_TENURE_SPREAD))
            if s.score() > best + 1e-9:
                best = s.score()
                since = 0
                on_best()

    def tabu_apply(self, p: int, kind: int, q: int, b: int, new: Mapping[int, float]) -> None:
        """Carry out a move and note which rows of G it made stale: those of the movers and of
        every proposal in a bin whose counts changed."""
        so = self.s.slot_of
        touched = [int(t) for t in (so[p], so[q] if q >= 0 else -1, b) if t >= 0]
        self.apply(p, kind, q, b, new)
        if self.dirty is not None:
            self.dirty[touched] = True
            self.dirty_rows = [x for x in (p, q) if x >= 0]

    def best_move(
        self,
        cand: IntArray,
        ub: npt.NDArray[np.float64],
        kind: IntArray,
        P_: IntArray,
        Q_: IntArray,
        to_p: IntArray,
        banned: npt.NDArray[np.bool_],
        score: float,
        best: float,
    ) -> tuple[int, dict[int, float]] | None:
        """The admissible move with the largest gain, and its slots' new room costs.

        Room costs only lower a move's gain below ``ub``, so candidates are bounded in batches
        in order of ``ub`` until no remaining ``ub`` can beat the best gain found."""
        OUT = self.c.T
        order = cand[np.argsort(-ub[cand], kind="stable")]
        k_best, g_best = -1, -np.inf
        new_best: dict[int, float] | None = None
        start, size = 0, TABU_BATCH
        while start < len(order) and ub[order[start]] > g_best:
            batch = order[start : start + size]
            start += size
            size *= 4
            v1, v2, exact = self.room_bounds(kind[batch], P_[batch], Q_[batch], to_p[batch])
            bound = ub[batch] - v1 - v2
            ok = exact & (~banned[batch] | (score + bound > best + 0.01))
            if ok.any():
                j = int(np.argmax(np.where(ok, bound, -np.inf)))
                if bound[j] > g_best:
                    k_best, g_best = int(batch[j]), float(bound[j])
                    new_best = {}
                    a = int(self.s.slot_of[P_[k_best]])
                    if a >= 0:
                        new_best[a] = float(v1[j])
                    if to_p[k_best] < OUT:
                        new_best[int(to_p[k_best])] = float(v2[j])
            rest = np.nonzero(~exact & (bound > g_best))[0]
            for j in rest[np.argsort(-bound[rest], kind="stable")].tolist():
                if bound[j] <= g_best:
                    break
                k = int(batch[j])
                b = int(to_p[k]) if to_p[k] < OUT else -1
                g1, new = self.exact_gain(int(P_[k]), int(kind[k]), int(Q_[k]), b, float(ub[k]))
                if g1 == -np.inf or (banned[k] and score + g1 <= best + 0.01):
                    continue
                if g1 > g_best:
                    k_best, g_best, new_best = k, g1, new
        if k_best < 0:
            return None
        if new_best is None:
            k = k_best
            b = int(to_p[k]) if to_p[k] < OUT else -1
            _g, new_best = self.exact_gain(int(P_[k]), int(kind[k]), int(Q_[k]), b, float(ub[k]))
        return k_best, new_best


def _finish(problem: Problem, c: _Compiled, rooms: _Rooms, slot_of: IntArray) -> dict[int, tuple[int, int]]:
    """Exact room assignment of every slot for the chosen slots."""
    members: list[set[int]] = [set() for _ in range(c.T)]
    for i, t in enumerate(slot_of.tolist()):
        if t >= 0:
            members[t].add(i)
    out: dict[int, tuple[int, int]] = {}
    for t in range(c.T):
        if not members[t]:
            continue
        heur = rooms.heuristic(t, members[t])
        simple = not any(c.needy[i] or c.prev_slot[i] == t for i in members[t] if i not in c.fixed)
        exact = heur if simple and heur is not None else rooms.exact(t, members[t])
        best = exact if heur is None or (exact is not None and rooms.total(t, exact) <= rooms.total(t, heur)) else heur
        if best is None:  # cannot happen for states the search reaches; keep the slot empty rather than fail
            continue
        for i, r in best.items():
            out[c.pid[i]] = (c.sid[t], c.rid[r])
    return out


def solve(
    problem: Problem,
    *,
    time_limit: float = 2.0,
    seed: int = 0,
    max_iterations: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Solution:
    """Best agenda found within the time limit (or iteration budget, which makes it deterministic).

    Greedy start, then tabu search and iterated local search (see the module docstring); always
    feasible, never worse than the start. Stops at ``time_limit`` seconds, after ``max_iterations``
    neighbourhood scans, or once both searches have stalled (tabu: 50 moves per movable proposal
    without a new best, ILS: 30 scans per movable proposal), whichever comes first. ``on_progress``
    gets a :class:`Progress` about every 0.1 s, on new bests, and once at the end (fraction 1.0).
    Raises InfeasibleProblem when pins or locked slots contradict the hard constraints, and
    ValueError on duplicate ids.
    """
    t0 = time.perf_counter()
    c = _compile(problem)
    rng = np.random.default_rng(seed)
    search = _Search(c, rng)
    s = search.s
    search.greedy()
    if search.any_prev:
        greedy_state = s
        search.s = _State(c, search.rooms)
        search.from_previous()
        if search.s.score() > greedy_state.score():
            s = search.s
        else:
            search.s = s = greedy_state
    search.refresh_all()
    start = s.slot_of.copy()
    start_score = s.score()
    start_costs = sum(s.cost)  # exact rooms cannot make the start better than start_score + start_costs
    best_score, best = start_score, start.copy()
    last_report = [t0 - PROGRESS_INTERVAL]  # so the greedy start is reported at once

    def fraction() -> float:
        f = (time.perf_counter() - t0) / time_limit if time_limit > 0 else 1.0
        if max_iterations is not None:
            f = max(f, search.iterations / max(1, max_iterations))
        return min(1.0, f)

    def report(force: bool = False) -> None:
        """Progress every PROGRESS_INTERVAL, and on a new best unless one was sent just now."""
        now = time.perf_counter()
        gap = now - last_report[0]
        if on_progress is not None and (gap >= PROGRESS_INTERVAL or (force and gap >= PROGRESS_MIN_GAP)):
            last_report[0] = now
            on_progress(Progress(fraction(), float(best_score), search.iterations, now - t0))

    def should_stop() -> bool:
        report()
        if max_iterations is not None and search.iterations >= max_iterations:
            return True
        return time.perf_counter() - t0 >= time_limit

    report(force=True)
    # stop early once the search has stagnated for a while (deterministic: counted in iterations)
    patience = STALL_FACTOR * max(10, len(c.movable))
    queue = deque(rng.permutation(c.movable).tolist())
    search.local_search(queue, should_stop)
    if s.score() > best_score:
        best_score, best = s.score(), s.slot_of.copy()
    report()

    def tabu_best() -> None:
        nonlocal best_score, best
        if search.s.score() > best_score:
            best_score, best = search.s.score(), search.s.slot_of.copy()
            report(force=True)

    if 1 < len(c.movable) <= TABU_MAX_MOVABLE:
        search.tabu(should_stop, TABU_STALL_FACTOR * max(10, len(c.movable)), tabu_best)
        s = search.restore(best)
    stall = fails = 0
    while not should_stop() and len(c.movable) > 1 and stall < patience:
        # iterated local search: kick with 1-3 random moves (more the longer it has not helped),
        # descend, keep the result if it is not worse than the best
        s.checkpoint()
        extra = min(fails // KICK_GROWTH, len(c.movable) // 4)
        touched = search.perturb(1 + int(rng.integers(3)) + extra)
        search.iterations += 1  # a kick counts as an iteration, so max_iterations bounds every loop
        if not touched:
            break  # nothing can move at all
        before = search.iterations
        search.local_search(deque(touched), should_stop)
        stall += search.iterations - before + 1
        fails += 1
        if s.score() > best_score:
            best_score, best, stall, fails = s.score(), s.slot_of.copy(), 0, 0
            report(force=True)
        elif s.score() < best_score:
            for t in s.rollback():
                search.refresh(t)
        s.log = None

    best = search.fill(best)
    assignment = assign_rooms_hybrid(problem, _finish(problem, c, search.rooms, best))
    score, metrics, violations = evaluate(problem, assignment)
    if violations or score < start_score + start_costs:
        # the greedy start with exact rooms might beat the result: never return worse than it
        start_assignment = assign_rooms_hybrid(problem, _finish(problem, c, search.rooms, start))
        start_eval, start_metrics, start_viol = evaluate(problem, start_assignment)
        if not start_viol and (violations or start_eval > score):
            assignment, score, metrics, violations = start_assignment, start_eval, start_metrics, start_viol
    repeats: dict[int, tuple[int, int]] = {}
    if not violations and any(p.repeatable for p in problem.proposals):
        repeats = plan_repeats(problem, assignment)  # second runs only where nothing else could go
        if repeats:
            score, metrics, violations = evaluate(problem, assignment, repeats)
    elapsed = time.perf_counter() - t0
    if on_progress is not None:
        on_progress(Progress(1.0, float(score), search.iterations, elapsed))
    start_value = int(start_score) if start_score == int(start_score) else start_score
    return Solution(
        assignment=assignment,
        score=score,
        metrics=metrics,
        violations=violations,
        iterations=search.iterations,
        elapsed=elapsed,
        start_score=start_value,
        repeats=repeats,
    )
