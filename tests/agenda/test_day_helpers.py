"""Facilitators from the room and live re-balancing, on instances made for them (pure optimizer)."""

from __future__ import annotations

import pytest

from agenda.optimizer import (
    Move,
    Problem,
    ProposalInput,
    RoomInput,
    SlotInput,
    propose_rebalance,
    suggest_facilitators,
)


def learners_day() -> tuple[Problem, dict[int, tuple[int, int]]]:
    """ "How do I start with AI?" was proposed by someone who wants to learn (person 1).

    Voters 2..9. Person 2 facilitates "Podcasts" in the same slot (busy), 3 and 4 volunteered,
    5 is a community-tagged expert, 6 wants two other sessions at that time.
    """
    proposals = (
        ProposalInput(100, (1,), (2, 3, 4, 5, 6, 7, 8, 9)),
        ProposalInput(101, (2,), (6, 10)),
        ProposalInput(102, (11,), (6, 12)),
    )
    problem = Problem(proposals, (SlotInput(1), SlotInput(2)), (RoomInput(1, 20), RoomInput(2, 20), RoomInput(3, 20)))
    return problem, {100: (1, 1), 101: (1, 2), 102: (1, 3)}


def test_learners_proposal_gets_facilitators_from_its_voters() -> None:
    problem, agenda = learners_day()
    # 2 volunteered but runs Podcasts then; 3 and 4 volunteered; 13 volunteered without voting
    got = suggest_facilitators(problem, agenda, 100, volunteers=[2, 4, 3, 13], extra=[5, 6, 1])
    assert got == [3, 4, 5, 6]  # volunteers first, then tagged voters; 1 already facilitates it
    assert suggest_facilitators(problem, agenda, 100, volunteers=[4, 3], limit=1) == [3]


def test_the_least_torn_volunteer_comes_first() -> None:
    problem, agenda = learners_day()
    # 6 wants two other sessions in that slot, 7 none: 7 loses least by facilitating
    assert suggest_facilitators(problem, agenda, 100, volunteers=[6, 7]) == [7, 6]


def test_a_left_facilitator_can_be_replaced_in_any_slot() -> None:
    problem, agenda = learners_day()
    moved = {**agenda, 100: (2, 1)}  # now nobody else runs anything then: 2 is free
    assert suggest_facilitators(problem, moved, 100, volunteers=[2, 3]) == [2, 3]
    with pytest.raises(ValueError):
        suggest_facilitators(problem, agenda, 999, volunteers=[])


def test_a_repeat_makes_its_facilitators_busy_and_a_repeated_session_needs_both_slots_free() -> None:
    problem, agenda = learners_day()
    moved = {**agenda, 100: (2, 1)}  # the learners' session moves to slot 2, where nobody runs anything
    assert suggest_facilitators(problem, moved, 100, volunteers=[2, 3]) == [2, 3]
    # Podcasts (facilitated by 2) repeats in slot 2: 2 is busy then, whatever the first runs say.
    assert suggest_facilitators(problem, moved, 100, volunteers=[2, 3], repeats={101: (2, 2)}) == [3]
    # The learners' session itself repeats in slot 1, where 2 runs Podcasts: 2 cannot take both runs.
    assert suggest_facilitators(problem, moved, 100, volunteers=[2, 3], repeats={100: (1, 2)}) == [3]


def running_day() -> tuple[Problem, dict[int, tuple[int, int]]]:
    """Slot 1 runs now, slot 2 is next. Rooms: hall 60, small 15, medium 30, spare 40.

    Now: "Robots" (20 votes) came out at 40 people in the 30 room: turnout 2 per vote. Next:
    "Games" (12 votes -> 24 people) sits in the 15 room, "Rubrics" (8 votes -> 16) in the hall.
    """
    voters = list(range(100))
    proposals = (
        ProposalInput(1, (900,), tuple(voters[:20]), repeatable=True),  # Robots, now
        ProposalInput(2, (901,), tuple(voters[20:32])),  # Games, next
        ProposalInput(3, (902,), tuple(voters[32:40])),  # Rubrics, next
        ProposalInput(4, (903,), tuple(voters[40:45])),  # Knitting, now
    )
    rooms = (RoomInput(1, 60, name="Hall"), RoomInput(2, 15), RoomInput(3, 30), RoomInput(4, 40))
    slots = (SlotInput(1, locked=True), SlotInput(2))
    agenda = {1: (1, 3), 4: (1, 2), 2: (2, 2), 3: (2, 1)}
    return Problem(proposals, slots, rooms), agenda


def test_check_ins_suggest_swapping_rooms_for_the_next_slot() -> None:
    problem, agenda = running_day()
    change = propose_rebalance(problem, agenda, {1: 40, 4: 10}, next_slot=2, now_slot=1)
    assert change is not None and change.kind == "swap"
    assert change.moves == (Move(2, (2, 2), (2, 1)), Move(3, (2, 1), (2, 2)))
    # Games: 2 per vote x 12 = 24 of 15 seats -> 9 short; in the hall nobody is; Rubrics 16 in 15: 1 short
    assert change.predicted == {2: 24, 3: 16} and change.seats == 9 - 1


def test_without_a_useful_swap_an_overflowing_session_gets_a_repeat() -> None:
    problem, agenda = running_day()
    agenda = {**agenda, 2: (2, 1), 3: (2, 2)}  # rooms already fit the next slot
    change = propose_rebalance(problem, agenda, {1: 40, 4: 10}, next_slot=2, now_slot=1)
    assert change is not None and change.kind == "repeat"
    assert change.moves == (Move(1, None, (2, 4)),)  # the 40-seat spare room; 30 room is free too
    assert change.seats == 10  # 40 came to a 30 room


def test_nothing_to_change_when_turnout_fits() -> None:
    problem, agenda = running_day()
    agenda = {**agenda, 2: (2, 1), 3: (2, 2)}
    assert propose_rebalance(problem, agenda, {1: 25, 4: 3}, next_slot=2, now_slot=1) is None
    assert propose_rebalance(problem, agenda, {1: 40}, next_slot=1, now_slot=1) is None  # a started slot
