"""The proven upper bound (agenda.optimizer.bound): never below any feasible agenda's score.

Checked against exhaustive search on random tiny instances (every agenda scored by the optimizer's
independent ``evaluate``), on denser ones where the spectral part does the work, line by line
against every placement of a person's wanted sessions, and on a shared instance against the
search. Also the CLI's ``bound`` beside ``score``.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings

from agenda.optimizer import Problem, ProposalInput, RoomInput, SlotInput, Weights, solve, trivial_bound, upper_bound
from agenda.optimizer import bound as bound_module
from agenda.optimizer.cli import main as cli_main
from tests.agenda.test_optimizer import brute_force_best, problems, shared_dir


@pytest.mark.parametrize("slots", [1, 2, 3, 4])
@pytest.mark.parametrize("cap", [1, 2, 3, 5])
@pytest.mark.parametrize("drop", [0, 2])
def test_each_persons_line_holds_for_every_placement(slots: int, cap: int, drop: int) -> None:
    """d <= alpha - beta*P - gamma*u for every way to place K wanted sessions (or leave them out)."""
    for big_k in range(7):
        tangent = bound_module._tangent(big_k, slots, cap)
        for beta, gamma, held in itertools.product((tangent, 0.7 * tangent, 0.0), (0.0, 0.5, 1.0), (False, True)):
            alpha = bound_module._alpha(big_k, slots, cap, drop, beta, gamma, held=held)
            # ``slots`` and above: left out, into holding parts (pairs there count when ``held``)
            for place in itertools.product(range(slots + 2), repeat=big_k):
                counts = [place.count(s) for s in range(slots)]
                holding = [place.count(slots), place.count(slots + 1)]
                left_out = sum(holding)
                if left_out > drop or max(counts + holding, default=0) > cap:
                    continue
                d = sum(1 for c in counts if c)
                pairs = sum(c * (c - 1) // 2 for c in counts + (holding if held else []))
                assert d + beta * pairs + gamma * left_out <= alpha + 1e-9


@settings(max_examples=60, deadline=None)
@given(problems(max_proposals=4, max_slots=2, max_rooms=2))
def test_bound_is_at_least_the_optimum_on_tiny_instances(problem: Problem) -> None:
    assert upper_bound(problem, time_limit=5.0).value >= brute_force_best(problem)


def best_interest(problem: Problem) -> int:
    """The most attendable interest of any split of the proposals into the breakout slots (rooms ignored)."""
    slots = [s.id for s in problem.slots if s.kind == "breakout"]
    rooms = len(problem.rooms)
    best = 0
    for combo in itertools.product([None, *slots], repeat=len(problem.proposals)):
        if any(combo.count(s) > rooms for s in slots):
            continue
        seen = {
            (person, slot)
            for p, slot in zip(problem.proposals, combo, strict=True)
            if slot is not None
            for person in {*p.voters, *p.facilitators}
        }
        best = max(best, len(seen))
    return best


def dense(seed: int, proposals: int, slots: int, rooms: int, people: int = 30) -> Problem:
    rng = random.Random(seed)
    props = tuple(
        ProposalInput(i, (rng.randrange(people),), tuple(rng.sample(range(people), rng.randint(3, 12))))
        for i in range(proposals)
    )
    return Problem(
        props,
        tuple(SlotInput(s) for s in range(slots)),
        tuple(RoomInput(r, capacity=50) for r in range(rooms)),
        weights=Weights(10, 1, 0),
    )


@pytest.mark.parametrize(
    ("seed", "proposals", "slots", "rooms"),
    [(1, 6, 3, 2), (2, 8, 2, 4), (3, 7, 2, 3), (4, 9, 3, 3), (5, 5, 2, 3), (6, 7, 3, 2), (7, 10, 2, 2), (8, 10, 2, 2)],
)
def test_bound_covers_the_best_split_on_dense_instances(seed: int, proposals: int, slots: int, rooms: int) -> None:
    """Every session runs (6, 8, 9 places), an empty place (5 in 6), one left out (7 in 6: every
    choice enumerated) and six left out (10 in 4: holding parts and the selection bound)."""
    problem = dense(seed, proposals, slots, rooms)
    found = upper_bound(problem, time_limit=5.0)
    assert found.value >= 10 * best_interest(problem)
    assert found.value <= trivial_bound(problem)


def test_spectral_bound_beats_the_trivial_one_where_clashes_are_forced() -> None:
    """Every pair of four sessions is wanted by two people; two slots of two rooms.

    Any split puts two pairs together, so 4 of the 12 people see one slot: the best is 24 (with the
    facilitators), the trivial bound says 28. The spectral bound sees part of that.
    """
    pairs = list(itertools.combinations(range(4), 2))
    voters: dict[int, list[int]] = {i: [] for i in range(4)}
    for n, (a, b) in enumerate(pairs):
        for person in (2 * n, 2 * n + 1):
            voters[a].append(person)
            voters[b].append(person)
    props = tuple(ProposalInput(i, (100 + i,), tuple(voters[i])) for i in range(4))
    problem = Problem(
        props, (SlotInput(0), SlotInput(1)), (RoomInput(0, 40), RoomInput(1, 40)), weights=Weights(10, 1, 0)
    )
    found = upper_bound(problem, time_limit=5.0)
    best = 10 * best_interest(problem)
    assert best == 10 * (8 * 2 + 4 * 1 + 4 * 1)  # 8 people see both slots, 4 see one, 4 facilitators one
    assert best <= found.value < trivial_bound(problem)
    assert found.method.startswith("spectral")


def test_bound_on_a_shared_instance_is_above_the_search_and_below_trivial() -> None:
    path = shared_dir() / "instances" / "medium.json"
    from agenda.optimizer import problem_from_instance

    problem = problem_from_instance(json.loads(path.read_text()))
    found = upper_bound(problem, time_limit=10.0, steps=30)
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=200)
    assert sol.score <= found.value < found.trivial


def test_cli_reports_the_bound_beside_the_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {
        "format": "edcamp-instance/v1",
        "attendees": [{"id": i} for i in range(6)],
        "proposals": [
            {"id": 0, "facilitator": 0, "voters": [1, 2, 3]},
            {"id": 1, "facilitator": 4, "voters": [1, 2, 3]},
            {"id": 2, "facilitator": 5, "voters": [1]},
        ],
        "slots": [{"id": 0}, {"id": 1}],
        "rooms": [{"id": 0, "capacity": 3}],
    }
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc))
    assert cli_main([str(path), "--max-iterations", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] <= out["bound"] and 0.0 <= out["gap"] < 1.0 and out["bound_method"]
    assert cli_main([str(path), "--max-iterations", "50", "--no-bound"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bound"] is None and out["gap"] is None
