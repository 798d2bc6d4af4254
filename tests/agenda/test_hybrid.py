"""Hybrid events: in-person demand against capacity, video rooms for remote crowds, overflow per kind.

Checked against the independent ``benchmarks/evaluate_v3.py``.
"""

from __future__ import annotations

from typing import Any

from agenda.optimizer import evaluate, problem_from_instance, solve
from tests.agenda.test_repeats import evaluator, solution_doc


def hybrid_event() -> dict[str, Any]:
    """One slot, two rooms: a 40-seat hall without video and a 20-seat room with it.

    "Maker kits" has 30 voters, all in the room. "Remote teaching" has 35 voters, 25 of them remote.
    Counting every voter, "Remote teaching" would take the hall; counting kinds, the hall fits the
    makers and the video room fits the 10 in-person and all 25 remote people.
    """
    remote = list(range(100, 125))
    return {
        "format": "edcamp-instance/v3",
        "attendees": [{"id": i} for i in range(30)]
        + [{"id": i, "remote": True} for i in remote]
        + [{"id": i} for i in range(200, 212)],
        "proposals": [
            {"id": 0, "title": "Maker kits", "facilitators": [200], "voters": list(range(30))},
            {"id": 1, "title": "Remote teaching", "facilitators": [201], "voters": list(range(20, 30)) + remote},
        ],
        "slots": [{"id": 10, "label": "09:00"}],
        "rooms": [
            {"id": 20, "name": "Hall", "capacity": 40},
            {"id": 21, "name": "Studio", "capacity": 20, "video": True},
        ],
        "weights": {"interest": 10, "overflow": 1, "moved": 0},
    }


def test_remote_crowd_gets_the_video_room_and_nobody_overflows() -> None:
    doc = hybrid_event()
    problem = problem_from_instance(doc)
    assert problem.hybrid and len(problem.remote) == 25
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=100)
    assert sol.assignment == {0: (10, 20), 1: (10, 21)}
    assert sol.metrics["overflow_in_room"] == 0 and sol.metrics["overflow_remote"] == 0
    independent = evaluator().evaluate(doc, solution_doc(sol))
    assert independent["Z"] == sol.score and independent["feasible"]


def test_overflow_is_measured_per_kind() -> None:
    problem = problem_from_instance(hybrid_event())
    # the other way round: the makers lack 10 seats, the remote 25 cannot join from the hall
    score, metrics, violations = evaluate(problem, {0: (10, 21), 1: (10, 20)})
    assert violations == []
    assert (metrics["overflow_in_room"], metrics["overflow_remote"], metrics["overflow"]) == (10, 25, 35)
    independent = evaluator().evaluate(hybrid_event(), {"assignment": {"0": [10, 21], "1": [10, 20]}})
    assert (independent["overflow_in_room"], independent["overflow_remote"], independent["Z"]) == (10, 25, score)


def test_without_remote_people_the_score_is_the_v2_one() -> None:
    doc = hybrid_event()
    for a in doc["attendees"]:
        a.pop("remote", None)
    for r in doc["rooms"]:
        r.pop("video", None)
    problem = problem_from_instance(doc)
    assert not problem.hybrid
    sol = solve(problem, seed=0, time_limit=60.0, max_iterations=100)
    assert "overflow_remote" not in sol.metrics
    assert sol.assignment[1] == (10, 20)  # 35 voters take the hall when everyone needs a seat
