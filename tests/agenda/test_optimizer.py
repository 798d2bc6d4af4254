"""Tests of the agenda optimizer (agenda.optimizer): feasibility and optimality properties on
random instances, infeasible inputs, instance parsing, the CLI, and agreement with the independent
``../shared/scheduling/evaluate.py`` (skipped when that directory is absent; a failure when CI=true).

Iteration budgets are bounded (``max_iterations``) so the results do not depend on machine speed.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenda.optimizer import (
    InfeasibleProblem,
    Problem,
    Progress,
    ProposalInput,
    RoomInput,
    SlotInput,
    Solution,
    Weights,
    clash_report,
    evaluate,
    problem_from_instance,
    solve,
)
from agenda.optimizer.cli import main as cli_main

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("UNCONF_SHARED_SCHEDULING") or REPO.parent / "shared" / "scheduling")
FEATURES = ("projector", "accessible")


def shared_dir() -> Path:
    """The shared benchmark directory, or skip (fail on CI) when this checkout has none."""
    if (SHARED / "evaluate.py").is_file() and (SHARED / "instances").is_dir():
        return SHARED
    msg = f"../shared/scheduling not found at {SHARED} (instances and the independent evaluate.py)"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def evaluate_module() -> ModuleType:
    """shared/scheduling/evaluate.py imported as a module (it is a script, not a package)."""
    path = shared_dir() / "evaluate.py"
    spec = importlib.util.spec_from_file_location("shared_evaluate", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def hard_violations(problem: Problem, assignment: Mapping[int, tuple[int, int]]) -> list[str]:
    """Every hard constraint, checked directly from the definitions (not via agenda.optimizer)."""
    props = {p.id: p for p in problem.proposals}
    slots = {s.id: s for s in problem.slots}
    rooms = {r.id: r for r in problem.rooms}
    bad: list[str] = []
    for pid, (s, r) in assignment.items():
        if pid not in props or s not in slots or r not in rooms:
            bad.append(f"unknown {pid}")
            continue
        p = props[pid]
        if slots[s].kind != "breakout":
            bad.append(f"not breakout {pid}")
        if s in p.unavailable_slots:
            bad.append(f"unavailable {pid}")
        if not p.needs <= rooms[r].features:
            bad.append(f"needs {pid}")
    places = Counter(assignment.values())
    bad += [f"room double {k}" for k, n in places.items() if n > 1]
    fac = Counter((f, s) for pid, (s, _r) in assignment.items() for f in props[pid].facilitators)
    bad += [f"facilitator double {k}" for k, n in fac.items() if n > 1]
    for p in problem.proposals:
        if p.pinned is not None and assignment.get(p.id) != p.pinned:
            bad.append(f"pin {p.id}")
    for slot in problem.slots:
        if slot.locked:
            before = {(k, v) for k, v in problem.previous.items() if v[0] == slot.id}
            now = {(k, v) for k, v in assignment.items() if v[0] == slot.id}
            if before != now:
                bad.append(f"locked slot {slot.id}")
    return bad


def problem_to_instance(problem: Problem) -> dict[str, Any]:
    """The edcamp-instance/v2 document of a Problem (for evaluate.py)."""
    people = sorted({x for p in problem.proposals for x in (*p.voters, *p.facilitators)})
    props = []
    for p in problem.proposals:
        d: dict[str, Any] = {
            "id": p.id,
            "facilitator": p.facilitators[0],
            "facilitators": list(p.facilitators),
            "voters": list(p.voters),
            "needs": sorted(p.needs),
            "unavailable_slots": sorted(p.unavailable_slots),
        }
        if p.pinned is not None:
            d["pinned"] = list(p.pinned)
        props.append(d)
    w = problem.weights
    return {
        "format": "edcamp-instance/v2",
        "name": "test",
        "attendees": [{"id": i} for i in range(max(people, default=-1) + 1)],
        "proposals": props,
        "slots": [{"id": s.id, "label": s.label, "kind": s.kind, "locked": s.locked} for s in problem.slots],
        "rooms": [
            {"id": r.id, "name": r.name, "capacity": r.capacity, "features": sorted(r.features)} for r in problem.rooms
        ],
        "previous": {str(k): list(v) for k, v in problem.previous.items()},
        "weights": {"interest": w.interest, "overflow": w.overflow, "moved": w.moved},
    }


@st.composite
def problems(
    draw: st.DrawFn,
    max_proposals: int = 8,
    max_slots: int = 4,
    max_rooms: int = 4,
    constrained: bool = True,
    people: int = 10,
) -> Problem:
    """Random small problems: kinds, features, needs, unavailability and shared facilitators.

    Pins and locked slots are added by the tests that need them (they can make problems infeasible).
    """
    n_slots = draw(st.integers(1, max_slots))
    n_rooms = draw(st.integers(1, max_rooms))
    n_props = draw(st.integers(0, max_proposals))
    kinds = ["breakout"] * n_slots
    if constrained:
        kinds = [
            draw(st.sampled_from(["breakout", "breakout", "breakout", "plenary", "break"])) for _ in range(n_slots)
        ]
    slots = tuple(SlotInput(id=10 + t, kind=kinds[t], label=f"{9 + t}:00") for t in range(n_slots))
    feats = st.frozensets(st.sampled_from(FEATURES)) if constrained else st.just(frozenset[str]())
    rooms = tuple(RoomInput(id=100 + r, capacity=draw(st.integers(1, 6)), features=draw(feats)) for r in range(n_rooms))
    proposals = []
    for i in range(n_props):
        fac = draw(st.integers(0, people - 1))
        voters = draw(st.lists(st.integers(0, people - 1), max_size=7, unique=True))
        needs = draw(st.frozensets(st.sampled_from(FEATURES), max_size=1)) if constrained else frozenset()
        unavailable = (
            draw(st.frozensets(st.sampled_from([s.id for s in slots]), max_size=1)) if constrained else frozenset()
        )
        proposals.append(
            ProposalInput(
                id=1000 + i, facilitators=(fac,), voters=tuple(voters), needs=needs, unavailable_slots=unavailable
            )
        )
    weights = Weights(10, draw(st.integers(0, 3)), 30) if constrained else Weights(10, 1, 0)
    return Problem(tuple(proposals), slots, rooms, {}, weights)


FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bounded(problem: Problem, seed: int = 0) -> Solution:
    """solve() with an iteration budget (deterministic) and a time limit that never binds."""
    return solve(problem, seed=seed, time_limit=60.0, max_iterations=150)


def with_fixed_part(problem: Problem, agenda: Mapping[int, tuple[int, int]], data: st.DataObject) -> Problem:
    """Publish ``agenda`` as the previous one, lock some breakout slots and pin some sessions."""
    breakout = [s.id for s in problem.slots if s.kind == "breakout"]
    locked = set(data.draw(st.sets(st.sampled_from(breakout), max_size=2))) if breakout else set()
    slots = tuple(SlotInput(s.id, s.kind, s.id in locked, s.label) for s in problem.slots)
    movable = sorted(pid for pid, (s, _r) in agenda.items() if s not in locked)
    pins = set(data.draw(st.sets(st.sampled_from(movable), max_size=2))) if movable else set()
    proposals = tuple(
        ProposalInput(
            p.id, p.facilitators, p.voters, p.needs, p.unavailable_slots, agenda[p.id] if p.id in pins else None
        )
        for p in problem.proposals
    )
    return Problem(proposals, slots, problem.rooms, dict(agenda), problem.weights)


def check_solution(problem: Problem, sol: Any) -> None:
    assert hard_violations(problem, sol.assignment) == []
    score, metrics, violations = evaluate(problem, sol.assignment)
    assert violations == [] and sol.feasible
    assert score == sol.score and metrics == sol.metrics
    assert sol.score >= sol.start_score


# --- properties on random instances ---------------------------------------------------------------


@FAST
@given(problems())
def test_solution_is_feasible_and_no_worse_than_greedy(problem: Problem) -> None:
    sol = bounded(problem, seed=1)
    check_solution(problem, sol)


@FAST
@given(problems(), st.data())
def test_pins_and_locked_slots_are_respected(problem: Problem, data: st.DataObject) -> None:
    first = bounded(problem, seed=0)
    fixed = with_fixed_part(problem, first.assignment, data)
    sol = bounded(fixed, seed=2)
    check_solution(fixed, sol)
    # keeping the previous agenda is feasible here, and a re-solve never does worse than that
    assert sol.score >= evaluate(fixed, first.assignment)[0]


@settings(max_examples=15, deadline=None)
@given(problems(max_proposals=10), st.integers(0, 5))
def test_deterministic_for_a_seed_with_max_iterations(problem: Problem, seed: int) -> None:
    a = bounded(problem, seed=seed)
    b = bounded(problem, seed=seed)
    assert a.assignment == b.assignment and a.score == b.score and a.iterations == b.iterations


def brute_force_best(problem: Problem) -> float:
    places = [(s.id, r.id) for s in problem.slots for r in problem.rooms]
    options: list[tuple[int, int] | None] = [None, *places]
    best = float("-inf")
    pids = [p.id for p in problem.proposals]
    for combo in itertools.product(options, repeat=len(pids)):
        assignment = {pid: place for pid, place in zip(pids, combo, strict=True) if place is not None}
        if len(set(assignment.values())) < len(assignment):
            continue
        score, _m, violations = evaluate(problem, assignment)
        if not violations:
            best = max(best, score)
    return best


@settings(max_examples=60, deadline=None)
@given(problems(max_proposals=4, max_slots=2, max_rooms=2))
def test_tiny_instances_are_solved_optimally(problem: Problem) -> None:
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=300)
    assert sol.score == brute_force_best(problem)


def test_known_small_optimum() -> None:
    """Two slots, one room each: the sessions people want together must go to different slots."""
    p = (ProposalInput(1, (0,), (1, 2, 3)), ProposalInput(2, (4,), (1, 2, 3)), ProposalInput(3, (5,), (6,)))
    problem = Problem(p, (SlotInput(1), SlotInput(2)), (RoomInput(7, capacity=3),), weights=Weights(10, 1, 0))
    sol = bounded(problem)
    assert {sol.assignment[1][0], sol.assignment[2][0]} == {1, 2} and 3 not in sol.assignment
    assert sol.score == 10 * (2 * 3 + 1 + 1)


def test_more_proposals_than_places_leaves_out_the_cheapest() -> None:
    p = tuple(ProposalInput(i, (100 + i,), tuple(range(i * 10, i * 10 + n))) for i, n in enumerate((5, 1, 4)))
    problem = Problem(p, (SlotInput(1),), (RoomInput(1, 5), RoomInput(2, 5)), weights=Weights(10, 1, 0))
    sol = bounded(problem)
    assert set(sol.assignment) == {0, 2}


def test_free_places_are_filled_even_without_gain() -> None:
    """A proposal nobody voted for still runs when a room would otherwise stay empty."""
    p = (ProposalInput(1, (3,), (4, 5)), ProposalInput(2, (), ()))
    problem = Problem(p, (SlotInput(1), SlotInput(2)), (RoomInput(1, 5),), weights=Weights(10, 1, 0))
    sol = bounded(problem)
    assert set(sol.assignment) == {1, 2} and sol.score == 30


def test_progress_is_reported() -> None:
    seen: list[Progress] = []
    problem = Problem(
        tuple(ProposalInput(i, (i,), (i + 1, i + 2)) for i in range(12)),
        tuple(SlotInput(s) for s in range(3)),
        tuple(RoomInput(r, 3) for r in range(3)),
    )
    sol = solve(problem, time_limit=60.0, max_iterations=200, on_progress=seen.append)
    assert seen and seen[-1].fraction == 1.0 and seen[-1].best_score == sol.score
    assert all(0.0 <= x.fraction <= 1.0 for x in seen)
    assert [x.best_score for x in seen[:-1]] == sorted(x.best_score for x in seen[:-1])


def test_clash_report_explains_overlaps() -> None:
    p = (ProposalInput(1, (0,), (1, 2, 3)), ProposalInput(2, (4,), (1, 2)), ProposalInput(3, (5,), (3,)))
    problem = Problem(p, (SlotInput(1, label="10:00"),), tuple(RoomInput(r, 5) for r in range(3)))
    clashes = clash_report(problem, {1: (1, 0), 2: (1, 1), 3: (1, 2)})
    assert [(c.proposal_a, c.proposal_b, c.people) for c in clashes] == [(1, 2, 2), (1, 3, 1)]
    assert str(clashes[0]) == "2 people wanted both 1 and 2 at 10:00"


# --- infeasible inputs ----------------------------------------------------------------------------


def _base(**pin: Any) -> Problem:
    slots = (SlotInput(1, "plenary"), SlotInput(2), SlotInput(3))
    rooms = (RoomInput(10, 20, frozenset({"projector"})), RoomInput(11, 20))
    props = [
        ProposalInput(100, (1,), (2, 3)),
        ProposalInput(101, (4,), (5,), needs=frozenset({"projector"}), unavailable_slots=frozenset({3})),
    ]
    for pid, place in pin.items():
        i = int(pid[1:]) - 100
        old = props[i]
        props[i] = ProposalInput(old.id, old.facilitators, old.voters, old.needs, old.unavailable_slots, place)
    return Problem(tuple(props), slots, rooms)


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        ({"p100": (2, 10), "p101": (2, 10)}, "already taken by proposal 100"),
        ({"p100": (1, 10)}, "plenary"),
        ({"p101": (2, 11)}, "lacks projector"),
        ({"p101": (3, 10)}, "unavailable"),
        ({"p100": (9, 10)}, "unknown slot 9"),
        ({"p100": (2, 99)}, "unknown room 99"),
    ],
)
def test_infeasible_pins_name_the_proposal(pins: dict[str, tuple[int, int]], message: str) -> None:
    with pytest.raises(InfeasibleProblem, match=message) as info:
        bounded(_base(**pins))
    assert "proposal 10" in str(info.value)


def test_locked_slot_conflicts_are_infeasible() -> None:
    base = _base(p100=(3, 11))
    locked = Problem(
        base.proposals, (base.slots[0], SlotInput(2), SlotInput(3, locked=True)), base.rooms, previous={100: (3, 10)}
    )
    with pytest.raises(InfeasibleProblem, match="proposal 100"):
        bounded(locked)
    gone = Problem(base.proposals[1:], locked.slots, base.rooms, previous={100: (3, 10)})
    with pytest.raises(InfeasibleProblem, match="proposal 100: on the previous agenda"):
        bounded(gone)


def test_two_pins_with_one_facilitator_in_a_slot_are_infeasible() -> None:
    props = (ProposalInput(1, (7,), (), pinned=(1, 1)), ProposalInput(2, (7,), (), pinned=(1, 2)))
    problem = Problem(props, (SlotInput(1),), (RoomInput(1, 5), RoomInput(2, 5)))
    with pytest.raises(InfeasibleProblem, match="facilitator"):
        bounded(problem)


def test_locked_slot_keeps_previous_agenda_exactly() -> None:
    props = tuple(ProposalInput(i, (i,), (10 + i, 20 + i)) for i in range(4))
    problem = Problem(
        props,
        (SlotInput(1, locked=True), SlotInput(2)),
        (RoomInput(1, 5), RoomInput(2, 5)),
        previous={0: (1, 2), 3: (2, 1)},
    )
    sol = bounded(problem)
    assert {k: v for k, v in sol.assignment.items() if v[0] == 1} == {0: (1, 2)}
    assert hard_violations(problem, sol.assignment) == []


# --- parsing --------------------------------------------------------------------------------------

V1 = {
    "format": "edcamp-instance/v1",
    "name": "t",
    "attendees": [{"id": 0}, {"id": 1}],
    "proposals": [{"id": 0, "title": "a", "facilitator": 0, "voters": [1]}],
    "slots": [{"id": 0, "label": "09:00"}],
    "rooms": [{"id": 0, "name": "R", "capacity": 10}],
}


def test_parse_v1_defaults() -> None:
    p = problem_from_instance(V1)
    assert p.weights == Weights(10, 1, 0) and p.previous == {}
    assert p.slots[0] == SlotInput(0, "breakout", False, "09:00")
    assert p.proposals[0] == ProposalInput(0, (0,), (1,))


def test_parse_v2_fields() -> None:
    doc = json.loads(json.dumps(V1))
    doc["format"] = "edcamp-instance/v2"
    doc["slots"].append({"id": 1, "label": "10:00", "kind": "plenary", "locked": True})
    doc["rooms"][0]["features"] = ["projector"]
    doc["proposals"][0].update(facilitators=[0, 1], needs=["projector"], unavailable_slots=[1], pinned=[0, 0])
    doc["previous"] = {"0": [0, 0]}
    doc["weights"] = {"interest": 5, "overflow": 2, "moved": 7}
    p = problem_from_instance(doc)
    assert p.proposals[0] == ProposalInput(0, (0, 1), (1,), frozenset({"projector"}), frozenset({1}), (0, 0))
    assert p.slots[1] == SlotInput(1, "plenary", True, "10:00")
    assert p.rooms[0].features == frozenset({"projector"})
    assert p.previous == {0: (0, 0)} and p.weights == Weights(5, 2, 7)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"format": "nope"},
        {"format": "edcamp-instance/v1"},
        {**V1, "proposals": [{"id": 0, "voters": [1]}]},
        {**V1, "rooms": [{"id": 0, "capacity": "big"}]},
    ],
)
def test_parse_rejects_malformed(doc: Any) -> None:
    with pytest.raises(ValueError):
        problem_from_instance(doc)


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_prints_solution_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "i.json"
    path.write_text(json.dumps(V1))
    assert cli_main([str(path), "--max-iterations", "20", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["assignment"] == {"0": [0, 0]} and out["score"] == 20 and out["violations"] == []


@pytest.mark.parametrize("content", [None, "{not json", '{"format": "x"}'])
def test_cli_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None) -> None:
    path = tmp_path / "i.json"
    if content is not None:
        path.write_text(content)
    assert cli_main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error:") and "Traceback" not in captured.err


def test_cli_module_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "i.json"
    path.write_text(json.dumps(V1))
    res = subprocess.run(
        [sys.executable, "-m", "agenda.optimizer.cli", str(path), "--max-iterations", "5"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["score"] == 20


# --- agreement with the independent evaluator -----------------------------------------------------


def test_cli_output_scores_the_same_with_evaluate_py(tmp_path: Path) -> None:
    shared = shared_dir()
    for name in ("small", "small-constrained", "small-resolve"):
        out = tmp_path / f"{name}.json"
        assert (
            cli_main(
                [
                    str(shared / "instances" / f"{name}.json"),
                    "--max-iterations",
                    "300",
                    "--time-limit",
                    "60",
                    "-o",
                    str(out),
                ]
            )
            == 0
        )
        mine = json.loads(out.read_text())
        res = subprocess.run(
            [sys.executable, str(shared / "evaluate.py"), str(shared / "instances" / f"{name}.json"), str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        theirs = json.loads(res.stdout)
        assert theirs["feasible"] and mine["violations"] == []
        assert theirs["Z"] == mine["score"]
        for key in ("interest", "clashes", "overflow", "moved"):
            assert theirs[key] == mine["metrics"][key]


def test_shared_instances_parse_and_greedy_is_feasible() -> None:
    shared = shared_dir()
    for path in sorted((shared / "instances").glob("*.json")):
        problem = problem_from_instance(json.loads(path.read_text()))
        sol = solve(problem, time_limit=60.0, max_iterations=1)
        assert sol.feasible, path.name


@pytest.fixture(scope="module")
def shared_evaluate() -> ModuleType:
    """evaluate.py, loaded once (and skipped or failed before Hypothesis starts drawing)."""
    return evaluate_module()


@settings(max_examples=60, deadline=None)
@given(problem=problems(), data=st.data())
def test_evaluate_agrees_with_evaluate_py(shared_evaluate: ModuleType, problem: Problem, data: st.DataObject) -> None:
    ev = shared_evaluate
    places = st.tuples(st.sampled_from([s.id for s in problem.slots]), st.sampled_from([r.id for r in problem.rooms]))
    pids = [p.id for p in problem.proposals]
    chosen = data.draw(st.lists(st.sampled_from(pids), unique=True)) if pids else []
    assignment = {pid: data.draw(places) for pid in chosen}
    previous = (
        {pid: data.draw(places) for pid in data.draw(st.lists(st.sampled_from(pids), unique=True))} if pids else {}
    )
    locked = data.draw(st.sets(st.sampled_from([s.id for s in problem.slots])))
    pins = (
        {pid: data.draw(places) for pid in data.draw(st.lists(st.sampled_from(pids), unique=True, max_size=2))}
        if pids
        else {}
    )
    problem = Problem(
        tuple(
            ProposalInput(p.id, p.facilitators, p.voters, p.needs, p.unavailable_slots, pins.get(p.id))
            for p in problem.proposals
        ),
        tuple(SlotInput(s.id, s.kind, s.id in locked, s.label) for s in problem.slots),
        problem.rooms,
        previous,
        problem.weights,
    )
    score, metrics, violations = evaluate(problem, assignment)
    theirs = ev.evaluate(ev.Inst(problem_to_instance(problem)), assignment)
    assert score == theirs["Z"]
    for key in ("interest", "clashes", "overflow", "moved"):
        assert metrics[key] == theirs[key]
    counts = Counter(v.split(":")[0] for v in violations)
    assert dict(counts) == {k: n for k, n in theirs["violations"].items() if n}
