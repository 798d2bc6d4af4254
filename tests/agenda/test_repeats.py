"""Repeats for crowds (edcamp-instance/v3): a crowded topic gains a second run, by the rules.

Scores are checked against ``benchmarks/evaluate_v3.py``, the independent evaluator (it imports
nothing of the optimizer).
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.optimizer import Problem, evaluate, problem_from_instance, solve
from agenda.optimizer.repeats import attendable, plan_repeats
from tests.agenda.test_optimizer import problems

REPO = Path(__file__).resolve().parents[2]


def evaluator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evaluate_v3", REPO / "benchmarks" / "evaluate_v3.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crowded_topic() -> dict[str, Any]:
    """60 people want "Phones in class" (rooms hold 30); half of them also want B, the other half C.

    Wherever the crowded topic goes, half its people would rather be elsewhere or overflow: a
    second run in a later slot lets everyone go once, in rooms that fit.
    """
    people = list(range(60))
    return {
        "format": "edcamp-instance/v3",
        "name": "crowded-topic",
        "attendees": [{"id": i} for i in range(70)],
        "proposals": [
            {"id": 0, "title": "Phones in class", "facilitators": [60], "voters": people, "repeatable": True},
            {"id": 1, "title": "B", "facilitators": [61], "voters": people[:30]},
            {"id": 2, "title": "C", "facilitators": [62], "voters": people[30:]},
            {"id": 3, "title": "D", "facilitators": [63], "voters": [64, 65]},
        ],
        "slots": [{"id": 10, "label": "09:00"}, {"id": 11, "label": "10:00"}, {"id": 12, "label": "11:00"}],
        "rooms": [{"id": 20, "name": "A", "capacity": 30}, {"id": 21, "name": "B", "capacity": 30}],
        "weights": {"interest": 10, "overflow": 1, "moved": 0},
    }


def solution_doc(sol: Any) -> dict[str, Any]:
    return {
        "assignment": {str(k): list(v) for k, v in sol.assignment.items()},
        "repeats": {str(k): list(v) for k, v in sol.repeats.items()},
    }


def test_crowded_topic_gains_from_a_repeat() -> None:
    doc = crowded_topic()
    problem = problem_from_instance(doc)
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=200)
    assert set(sol.repeats) == {0} and sol.feasible
    first_slot, again_slot = sol.assignment[0][0], sol.repeats[0][0]
    assert again_slot > first_slot  # slot ids follow the order here
    # the same agenda without the repeat scores less
    without, _, _ = evaluate(problem, sol.assignment)
    assert sol.score > without
    independent = evaluator().evaluate(doc, solution_doc(sol))
    assert independent["feasible"] and independent["Z"] == sol.score and independent["repeats"] == 1
    # the facilitator is never double-booked: nothing else of theirs runs in the repeat's slot
    assert all(place[0] != again_slot for pid, place in sol.assignment.items() if pid == 0)


def test_not_repeatable_means_no_repeat_and_the_v2_score() -> None:
    doc = crowded_topic()
    doc["proposals"][0]["repeatable"] = False
    problem = problem_from_instance(doc)
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=200)
    assert sol.repeats == {}
    assert evaluator().evaluate(doc, solution_doc(sol))["Z"] == sol.score == evaluate(problem, sol.assignment)[0]


def test_a_repeat_never_takes_a_place_a_left_out_session_could_use() -> None:
    doc = crowded_topic()
    problem = problem_from_instance(doc)
    # D left out on purpose, with a free place it could use: the repeat must not take it
    first = {0: (10, 20), 1: (11, 21), 2: (10, 21)}
    assert plan_repeats(problem, first) == {}
    _score, _metrics, violations = evaluate(problem, first, {0: (12, 20)})
    assert any(v.startswith("repeat_displaces") for v in violations)
    independent = evaluator().evaluate(
        doc, {"assignment": {str(k): list(v) for k, v in first.items()}, "repeats": {"0": [12, 20]}}
    )
    assert independent["violations"].get("repeat_displaces") == 1 and not independent["feasible"]


@pytest.mark.parametrize(
    ("repeat", "rule"),
    [((10, 21), "repeat_order"), ((11, 20), "room_double"), ((12, 21), None)],
)
def test_repeat_rules_are_checked_alike(repeat: tuple[int, int], rule: str | None) -> None:
    doc = crowded_topic()
    problem = problem_from_instance(doc)
    first = {0: (11, 21), 1: (11, 20), 2: (10, 20), 3: (10, 21)}
    _score, _m, violations = evaluate(problem, first, {0: repeat})
    independent = evaluator().evaluate(
        doc, {"assignment": {str(k): list(v) for k, v in first.items()}, "repeats": {"0": list(repeat)}}
    )
    if rule is None:
        assert violations == [] and independent["feasible"]
    else:
        assert any(v.startswith(rule) for v in violations) and independent["violations"].get(rule, 0) >= 1


def test_a_facilitator_is_never_double_booked_by_a_repeat() -> None:
    doc = crowded_topic()
    doc["proposals"][3]["facilitators"] = [60]  # the crowded topic's facilitator also runs D
    problem = problem_from_instance(doc)
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=200)
    if 0 in sol.repeats:
        assert sol.repeats[0][0] != sol.assignment[3][0]
    assert evaluator().evaluate(doc, solution_doc(sol))["feasible"]


def test_attendable_is_a_matching() -> None:
    assert attendable([{1}, {1}]) == 1  # two topics only at 1: one of them
    assert attendable([{1, 2}, {1}]) == 2  # the first goes to its second run
    assert attendable([{1, 2}, {1, 2}, {1}]) == 2
    assert attendable([]) == 0


def test_v3_flag_is_checked_and_older_formats_ignore_it() -> None:
    doc = crowded_topic()
    doc["proposals"][0]["repeatable"] = "yes"
    with pytest.raises(ValueError, match="repeatable"):
        problem_from_instance(doc)
    doc["format"] = "edcamp-instance/v2"
    assert not problem_from_instance(doc).proposals[0].repeatable


def to_instance(problem: Problem, repeatable: set[int]) -> dict[str, Any]:
    return {
        "format": "edcamp-instance/v3",
        "proposals": [
            {
                "id": p.id,
                "facilitators": list(p.facilitators),
                "voters": list(p.voters),
                "needs": sorted(p.needs),
                "unavailable_slots": sorted(p.unavailable_slots),
                "repeatable": p.id in repeatable,
            }
            for p in problem.proposals
        ],
        "slots": [{"id": s.id, "kind": s.kind, "locked": s.locked} for s in problem.slots],
        "rooms": [{"id": r.id, "capacity": r.capacity, "features": sorted(r.features)} for r in problem.rooms],
        "weights": {
            "interest": problem.weights.interest,
            "overflow": problem.weights.overflow,
            "moved": problem.weights.moved,
        },
    }


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2**16))
def test_optimizer_and_independent_evaluator_agree_with_repeats(problem: Problem, seed: int) -> None:
    rng = random.Random(seed)
    repeatable = {p.id for p in problem.proposals if rng.random() < 0.5}
    doc = to_instance(problem, repeatable)
    parsed = problem_from_instance(json.loads(json.dumps(doc)))
    sol = solve(parsed, seed=0, time_limit=60.0, max_iterations=100)
    independent = evaluator().evaluate(doc, solution_doc(sol))
    assert independent["feasible"] and sol.feasible
    assert independent["Z"] == sol.score
    assert set(sol.repeats) <= repeatable
