"""complete_agenda: every proposal runs while a feasible place is free; crowds get the big rooms."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from agenda.optimizer import Problem, ProposalInput, RoomInput, SlotInput, Weights, complete_agenda, evaluate
from tests.agenda.test_optimizer import FAST, bounded, hard_violations, problems, with_fixed_part


def feasible_free_place(problem: Problem, assignment: dict[int, tuple[int, int]], pid: int) -> bool:
    p = next(x for x in problem.proposals if x.id == pid)
    taken = set(assignment.values())
    for slot in problem.slots:
        if slot.kind != "breakout" or slot.locked or slot.id in p.unavailable_slots:
            continue
        busy = {f for q, (s, _) in assignment.items() if s == slot.id for f in _facs(problem, q)}
        if busy & set(p.facilitators):
            continue
        if any((slot.id, r.id) not in taken and p.needs <= r.features for r in problem.rooms):
            return True
    return False


def _facs(problem: Problem, pid: int) -> tuple[int, ...]:
    return next(x.facilitators for x in problem.proposals if x.id == pid)


@FAST
@given(problems(), st.data())
def test_completion_stays_feasible_and_leaves_no_runnable_proposal_out(problem: Problem, data: st.DataObject) -> None:
    first = bounded(problem, seed=0)
    fixed = with_fixed_part(problem, first.assignment, data)
    solved = bounded(fixed, seed=1)
    done = complete_agenda(fixed, solved.assignment)
    assert hard_violations(fixed, done) == []
    assert evaluate(fixed, done)[2] == []
    for pid, place in solved.assignment.items():
        p = next(x for x in fixed.proposals if x.id == pid)
        if p.pinned is not None or fixed.previous.get(pid) == place:
            assert done[pid] == place, "fixed sessions never move"
        assert done[pid][0] == place[0], "completion only changes rooms within a slot"
    for p in fixed.proposals:
        if p.id not in done:
            assert not feasible_free_place(fixed, done, p.id), f"{p.id} could still run"


def test_all_twelve_run_in_twelve_places_and_crowds_get_big_rooms() -> None:
    rooms = tuple(RoomInput(id=r, capacity=c) for r, c in enumerate([40, 25, 15, 10], 1))
    slots = tuple(SlotInput(id=s) for s in (1, 2, 3))
    # Voters overlap heavily, so the score alone would rather leave some out than overflow a small room.
    proposals = tuple(
        ProposalInput(id=i, facilitators=(100 + i,), voters=tuple(range(i * 3, i * 3 + 12 + i))) for i in range(12)
    )
    problem = Problem(proposals, slots, rooms, {}, Weights(10, 1, 0))
    done = complete_agenda(problem, bounded(problem).assignment)
    assert len(done) == 12
    capacity = {r.id: r.capacity for r in rooms}
    votes = {p.id: len(p.voters) for p in proposals}
    by_slot: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pid, (slot, room) in done.items():
        by_slot[slot].append((votes[pid], capacity[room]))
    for entries in by_slot.values():
        entries.sort()
        assert [c for _, c in entries] == sorted(c for _, c in entries)
