"""White-box tests of the optimizer's incremental machinery: the counts it updates move by move, the
vectorised gains and bounds, rollback, and the exact room assignment. A bookkeeping slip here would
otherwise only show up as slightly worse agendas."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.optimizer import Problem, ProposalInput, RoomInput, SlotInput, Weights, evaluate
from agenda.optimizer.assign import FORBIDDEN, min_cost_assignment
from agenda.optimizer.search import _compile, _Search, _State

FEATURES = ("projector", "accessible")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """Random problems with needs, unavailability, shared facilitators and a previous agenda."""
    n_slots, n_rooms, n_props = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(2, 12))
    slots = tuple(SlotInput(t, draw(st.sampled_from(["breakout", "breakout", "plenary"]))) for t in range(n_slots))
    rooms = tuple(
        RoomInput(r, draw(st.integers(1, 6)), draw(st.frozensets(st.sampled_from(FEATURES)))) for r in range(n_rooms)
    )
    props = tuple(
        ProposalInput(
            i,
            (draw(st.integers(0, 7)),),
            tuple(draw(st.lists(st.integers(0, 11), max_size=6, unique=True))),
            draw(st.frozensets(st.sampled_from(FEATURES), max_size=1)),
            draw(st.frozensets(st.integers(0, n_slots - 1), max_size=1)),
        )
        for i in range(n_props)
    )
    previous = {
        i: (draw(st.integers(0, n_slots - 1)), draw(st.integers(0, n_rooms - 1)))
        for i in draw(st.lists(st.integers(0, n_props - 1), unique=True, max_size=4))
    }
    return Problem(props, slots, rooms, previous, Weights(10, draw(st.integers(0, 2)), draw(st.integers(0, 30))))


def _search(problem: Problem, seed: int) -> _Search:
    search = _Search(_compile(problem), np.random.default_rng(seed))
    search.greedy()
    search.refresh_all()
    return search


def _rebuilt(search: _Search) -> _State:
    fresh = _State(search.c, search.rooms)
    for p, t in enumerate(search.s.slot_of.tolist()):
        if t >= 0:
            fresh.move(p, -1, t)
    return fresh


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 3))
def test_incremental_counts_match_a_rebuild(problem: Problem, seed: int) -> None:
    search = _search(problem, seed)
    for _ in range(6):
        search.perturb(2)
        fresh = _rebuilt(search)
        s = search.s
        for name in ("N", "Z0", "Z1", "CF"):
            assert np.array_equal(getattr(s, name), getattr(fresh, name)), name
        assert s.interest == fresh.interest and s.moved_slot == fresh.moved_slot
        for t in range(search.c.T):
            assert s.cost[t] == search.rooms.cost(t, s.members[t])


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 3))
def test_vectorised_gains_are_exact_or_upper_bounds(problem: Problem, seed: int) -> None:
    search = _search(problem, seed)
    for _ in range(5):
        for p in search.movable.tolist():
            ub, bound, exact, kind, q, b = search.candidates(int(p), -np.inf)
            for k in range(len(ub)):
                gain, _new = search.exact_gain(int(p), int(kind[k]), int(q[k]), int(b[k]), float(ub[k]))
                if gain == -np.inf:
                    continue  # rooms cannot be matched: the search never applies it
                assert gain <= bound[k] + 1e-9
                if exact[k]:
                    assert gain == pytest.approx(bound[k])
        search.perturb(1)


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 3))
def test_rollback_restores_the_state(problem: Problem, seed: int) -> None:
    search = _search(problem, seed)
    s = search.s
    before = (s.slot_of.copy(), s.N.copy(), s.Z0.copy(), list(s.cost), s.score())
    s.checkpoint()
    search.perturb(3)
    for t in s.rollback():
        search.refresh(t)
    assert np.array_equal(s.slot_of, before[0]) and np.array_equal(s.N, before[1])
    assert np.array_equal(s.Z0, before[2]) and s.cost == before[3] and s.score() == before[4]
    tables = [x.copy() for x in (search.Vm, search.PS0, search.PSup, search.PSdn, search.pos, search.cx)]
    search.refresh_all()  # refreshing only the touched slots must have been enough
    for old, new in zip(tables, (search.Vm, search.PS0, search.PSup, search.PSdn, search.pos, search.cx), strict=True):
        assert np.array_equal(old, new)


def _reference_pair_table(search: _Search) -> np.ndarray:
    """G from its definition: people wanting both p and q who want nothing else in p's slot."""
    c, s = search.c, search.s
    G = np.zeros((c.P, c.P))
    for p in range(c.P):
        t = int(s.slot_of[p])
        if t < 0:
            continue
        alone = c.M[:, p] & (s.N[:, t] == 1)
        G[p] = (c.M[alone] & (np.arange(c.P) != p)).sum(0)
    return G


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 3))
def test_tabu_neighbourhood_gains_are_exact_and_moves_feasible(problem: Problem, seed: int) -> None:
    """Every move the tabu walk considers: its bound holds, applying it changes the score by exactly
    its gain and keeps the hard constraints; the incrementally kept G matches its definition."""
    search = _search(problem, seed)
    c, s = search.c, search.s
    rng = np.random.default_rng(seed)
    search.tabu_setup()
    for _ in range(5):
        ub, kind, P_, Q_, to_p, _to_q = search.neighbourhood()
        assert np.array_equal(search.G, _reference_pair_table(search))
        v1, v2, exact = search.room_bounds(kind, P_, Q_, to_p)
        doable = []
        for k in range(len(ub)):
            b = int(to_p[k]) if to_p[k] < c.T else -1
            gain, new = search.exact_gain(int(P_[k]), int(kind[k]), int(Q_[k]), b, float(ub[k]))
            if gain == -np.inf:
                continue  # rooms cannot be matched: never applied
            assert gain <= ub[k] - v1[k] - v2[k] + 1e-9
            if exact[k]:
                assert gain == pytest.approx(ub[k] - v1[k] - v2[k])
            before = s.score()
            s.checkpoint()
            search.apply(int(P_[k]), int(kind[k]), int(Q_[k]), b, new)
            assert s.score() == pytest.approx(before + gain)
            for t in range(c.T):
                members = sorted(s.members[t])
                assert all(c.allowed[i, t] or i in c.fixed for i in members)
                assert not any(c.FC[i, j] for i in members for j in members if i != j)
            for t in s.rollback():
                search.refresh(t)
            s.log = None
            doable.append((k, b, new))
        if not doable:
            break
        k, b, new = doable[int(rng.integers(len(doable)))]
        search.tabu_apply(int(P_[k]), int(kind[k]), int(Q_[k]), b, new)


def test_state_score_matches_evaluate() -> None:
    props = tuple(
        ProposalInput(i, (i % 5,), tuple(range(i, i + 4)), frozenset({"projector"}) if i % 4 == 0 else frozenset())
        for i in range(14)
    )
    rooms = (RoomInput(0, 3, frozenset({"projector"})), RoomInput(1, 5), RoomInput(2, 2, frozenset({"projector"})))
    problem = Problem(props, tuple(SlotInput(t) for t in range(4)), rooms, {1: (0, 1), 2: (3, 2)}, Weights(10, 2, 30))
    search = _search(problem, 0)
    for _ in range(10):
        search.perturb(2)
        s = search.s
        assignment = {}
        for t in range(search.c.T):
            rooms_of = search.rooms.heuristic(t, s.members[t]) or search.rooms.exact(t, s.members[t])
            assert rooms_of is not None
            assignment.update({p: (t, r) for p, r in rooms_of.items()})
        score, _m, violations = evaluate(problem, assignment)
        assert violations == []
        assert score >= s.score()  # rooms chosen here are at least as good as the costs the search tracks


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5), st.integers(0, 3), st.data())
def test_min_cost_assignment_matches_brute_force(n: int, extra: int, data: st.DataObject) -> None:
    m = n + extra
    cells = st.one_of(st.integers(0, 20).map(float), st.just(FORBIDDEN))
    cost = np.array([[data.draw(cells) for _ in range(m)] for _ in range(n)])
    best = min(
        (sum(cost[i, c] for i, c in enumerate(cols)) for cols in itertools.permutations(range(m), n)), default=0.0
    )
    cols = min_cost_assignment(cost)
    if best >= FORBIDDEN:
        assert cols is None
    else:
        assert cols is not None and len(set(cols)) == n
        assert sum(cost[i, c] for i, c in enumerate(cols)) == best
