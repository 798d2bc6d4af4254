"""Facilitators from the room: who could lead a session nobody owns (yet, or any more).

Edcamp sessions belong to no one: a topic is often proposed as a question by someone who wants to
learn, and a facilitator may leave. The best candidates are people who voted for the session and
said they can help; people whose profile says they know the topic (``extra``, from wherever the
caller keeps such tags) come next. A suggestion must be free in that slot: someone already
facilitating another session then is never suggested, so nobody is double-booked.

Ordering, and why: volunteers first (they offered); then extra candidates; within each, people
who lose least by stepping up (fewest other sessions they wanted in that slot), then the lowest id
for a stable answer. Pure: data in, names out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .model import Problem

__all__ = ["suggest_facilitators"]


def suggest_facilitators(
    problem: Problem,
    assignment: Mapping[int, tuple[int, int]],
    proposal_id: int,
    volunteers: Iterable[int],
    extra: Iterable[int] = (),
    *,
    limit: int = 5,
    repeats: Mapping[int, tuple[int, int]] | None = None,
) -> list[int]:
    """People (ids) who could facilitate ``proposal_id`` in its slot, best first (see module doc).

    Only voters of the proposal are suggested; its current facilitators are not (they already are).
    Without a slot (the proposal is not on the agenda) only "free" is not checked. ``repeats`` are the
    second runs (proposal → place): a repeat's facilitators are busy in its slot too, and a session
    that repeats needs someone free in both of its slots.
    """
    props = {p.id: p for p in problem.proposals}
    target = props.get(proposal_id)
    if target is None:
        raise ValueError(f"no proposal {proposal_id}")
    voters = set(target.voters)
    current = set(target.facilitators)
    place = assignment.get(proposal_id)
    second = (repeats or {}).get(proposal_id)
    slots = {p[0] for p in (place, second) if p is not None}
    busy: set[int] = set()
    wanted_then: dict[int, int] = {}
    runs = [*assignment.items(), *(repeats or {}).items()]
    for pid, (slot, _room) in runs:
        if slot not in slots or pid == proposal_id or pid not in props:
            continue
        busy.update(props[pid].facilitators)
        if place is not None and slot == place[0]:
            for person in props[pid].voters:
                wanted_then[person] = wanted_then.get(person, 0) + 1
    ranked: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    for rank, group in enumerate((volunteers, extra)):
        for person in group:
            if person in seen or person not in voters or person in current or person in busy:
                continue
            seen.add(person)
            ranked.append((rank, wanted_then.get(person, 0), person))
    ranked.sort()
    return [person for _rank, _others, person in ranked[: max(0, limit)]]
