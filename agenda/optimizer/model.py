"""Plain data types of the agenda optimizer and the instance-file parser.

The optimizer is pure: the service builds a :class:`Problem` from its database rows (or
:func:`problem_from_instance` builds one from an ``edcamp-instance`` file), calls ``solve`` and
stores the returned assignment. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Clash",
    "InfeasibleProblem",
    "Problem",
    "Progress",
    "ProposalInput",
    "RoomInput",
    "SlotInput",
    "Solution",
    "Weights",
    "problem_from_instance",
]

SLOT_KINDS = ("breakout", "plenary", "break")
FORMATS = ("edcamp-instance/v1", "edcamp-instance/v2", "edcamp-instance/v3")


class InfeasibleProblem(ValueError):
    """The fixed part of the problem (pins, locked slots) breaks a hard constraint.

    Only fixed placements can make a problem infeasible: leaving every free proposal out is always
    allowed, so once pins and locked slots are consistent a feasible agenda exists.
    """


@dataclass(frozen=True)
class ProposalInput:
    """A session proposal; people are opaque integer ids (attendees)."""

    id: int
    facilitators: tuple[int, ...]
    voters: tuple[int, ...]
    needs: frozenset[str] = frozenset()
    unavailable_slots: frozenset[int] = frozenset()
    pinned: tuple[int, int] | None = None  # (slot_id, room_id)
    repeatable: bool = False  # may run a second time, later, with the same facilitators (v3)


@dataclass(frozen=True)
class SlotInput:
    """A time slot; only ``kind == "breakout"`` slots hold proposals."""

    id: int
    kind: str = "breakout"
    locked: bool = False
    label: str = ""


@dataclass(frozen=True)
class RoomInput:
    """A room; ``features`` must cover a proposal's ``needs`` for it to be placed there."""

    id: int
    capacity: int
    features: frozenset[str] = frozenset()
    name: str = ""
    video: bool = False  # video-equipped: remote people can join sessions here (hybrid events)


@dataclass(frozen=True)
class Weights:
    """Z = interest * attendable interest - overflow * seats short - moved * moved sessions."""

    interest: int = 10
    overflow: int = 1
    moved: int = 30


@dataclass(frozen=True)
class Problem:
    """Everything the optimizer needs; ``previous`` is the agenda published earlier (pid -> (slot, room))."""

    proposals: tuple[ProposalInput, ...]
    slots: tuple[SlotInput, ...]
    rooms: tuple[RoomInput, ...]
    previous: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    weights: Weights = Weights()
    # People taking part remotely (hybrid events): they need no seat, but a video-equipped room.
    remote: frozenset[int] = frozenset()

    @property
    def hybrid(self) -> bool:
        return bool(self.remote) or any(r.video for r in self.rooms)


@dataclass(frozen=True)
class Progress:
    """Reported to ``on_progress`` a few times a second so a console can show a progress bar."""

    fraction: float
    best_score: float
    iterations: int
    elapsed: float


@dataclass
class Solution:
    """The best agenda found: proposal id -> (slot id, room id); proposals left out are not scheduled."""

    assignment: dict[int, tuple[int, int]]
    score: float
    metrics: dict[str, int]
    violations: list[str]
    iterations: int
    elapsed: float
    start_score: float = 0.0  # score of the greedy start, for reporting how much the search added
    repeats: dict[int, tuple[int, int]] = field(default_factory=dict)  # second runs (v3): pid -> place

    @property
    def feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Clash:
    """``people`` attendees want both proposals, which run in the same slot."""

    slot_id: int
    proposal_a: int
    proposal_b: int
    people: int
    slot_label: str = ""

    def __str__(self) -> str:
        when = self.slot_label or f"slot {self.slot_id}"
        who = "1 person" if self.people == 1 else f"{self.people} people"
        return f"{who} wanted both {self.proposal_a} and {self.proposal_b} at {when}"


def _need(obj: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError):
        raise ValueError(f"{where}: missing {key!r}") from None


def _ints(values: Any, where: str) -> tuple[int, ...]:
    if not isinstance(values, list | tuple):
        raise ValueError(f"{where}: expected a list of ids")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{where}: expected integer ids, got {v!r}")
        out.append(v)
    return tuple(out)


def _pair(value: Any, where: str) -> tuple[int, int]:
    pair = _ints(value, where)
    if len(pair) != 2:
        raise ValueError(f"{where}: expected [slot_id, room_id]")
    return pair[0], pair[1]


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false")
    return value


def _strs(values: Any, where: str) -> frozenset[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: expected a list of strings")
    return frozenset(values)


def problem_from_instance(data: Mapping[str, Any]) -> Problem:
    """Build a :class:`Problem` from a parsed ``edcamp-instance/v1``, ``/v2`` or ``/v3`` document.

    v1 has every slot a breakout and weights (10, 1, 0); v2 adds kinds, locks, features, needs,
    unavailability, pins, a previous agenda and weights (missing weights default as in evaluate.py);
    v3 is v2 plus a per-proposal ``repeatable`` flag (see :mod:`.repeats`), a per-attendee
    ``remote`` flag and a per-room ``video`` flag (hybrid events, see :mod:`.hybrid`).
    Raises ``ValueError`` with a readable message on anything malformed.
    """
    if not isinstance(data, Mapping):
        raise ValueError("instance: expected a JSON object")
    fmt = data.get("format")
    if fmt not in FORMATS:
        raise ValueError(f"instance: unsupported format {fmt!r} (expected one of {', '.join(FORMATS)})")
    v2 = fmt in FORMATS[1:]
    v3 = fmt == FORMATS[2]
    raw_props, raw_slots, raw_rooms = (_need(data, k, "instance") for k in ("proposals", "slots", "rooms"))
    for name, lst in (("proposals", raw_props), ("slots", raw_slots), ("rooms", raw_rooms)):
        if not isinstance(lst, list):
            raise ValueError(f"instance: {name!r} must be a list")

    proposals = []
    for i, p in enumerate(raw_props):
        where = f"proposal #{i}"
        pid = _ints([_need(p, "id", where)], where)[0]
        where = f"proposal {pid}"
        facs = p.get("facilitators") or [_need(p, "facilitator", where)]
        pinned = p.get("pinned") if v2 else None
        proposals.append(
            ProposalInput(
                id=pid,
                facilitators=_ints(facs, where + " facilitators"),
                voters=_ints(_need(p, "voters", where), where + " voters"),
                needs=_strs(p.get("needs", []), where + " needs") if v2 else frozenset(),
                unavailable_slots=frozenset(_ints(p.get("unavailable_slots", []), where + " unavailable_slots"))
                if v2
                else frozenset(),
                pinned=None if pinned is None else _pair(pinned, where + " pinned"),
                repeatable=_flag(p.get("repeatable", False), where + " repeatable") if v3 else False,
            )
        )
    slots = []
    for i, s in enumerate(raw_slots):
        where = f"slot #{i}"
        kind = s.get("kind", "breakout") if v2 else "breakout"
        if kind not in SLOT_KINDS:
            raise ValueError(f"{where}: unknown kind {kind!r}")
        slots.append(
            SlotInput(
                id=_ints([_need(s, "id", where)], where)[0],
                kind=kind,
                locked=bool(s.get("locked", False)) if v2 else False,
                label=str(s.get("label", "")),
            )
        )
    rooms = []
    for i, r in enumerate(raw_rooms):
        where = f"room #{i}"
        cap = _need(r, "capacity", where)
        if isinstance(cap, bool) or not isinstance(cap, int | float):
            raise ValueError(f"{where}: capacity must be a number")
        rooms.append(
            RoomInput(
                id=_ints([_need(r, "id", where)], where)[0],
                capacity=int(cap),
                features=_strs(r.get("features", []), where + " features") if v2 else frozenset(),
                name=str(r.get("name", "")),
                video=_flag(r.get("video", False), where + " video") if v3 else False,
            )
        )
    previous: dict[int, tuple[int, int]] = {}
    weights = Weights(10, 1, 0)
    if v2:
        prev = data.get("previous") or {}
        if not isinstance(prev, Mapping):
            raise ValueError("instance: 'previous' must be an object")
        for k, v in prev.items():
            try:
                pid = int(k)
            except ValueError:
                raise ValueError(f"previous: bad proposal id {k!r}") from None
            previous[pid] = _pair(v, f"previous[{k}]")
        w = data.get("weights") or {}
        if not isinstance(w, Mapping):
            raise ValueError("instance: 'weights' must be an object")
        vals = {k: w.get(k, d) for k, d in (("interest", 10), ("overflow", 1), ("moved", 0))}
        for k, v in vals.items():
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"weights: {k} must be an integer")
        weights = Weights(**vals)
    remote: set[int] = set()
    if v3:
        people = data.get("attendees") or []
        if not isinstance(people, list):
            raise ValueError("instance: 'attendees' must be a list")
        for i, a in enumerate(people):
            if isinstance(a, Mapping) and _flag(a.get("remote", False), f"attendee #{i} remote"):
                remote.add(_ints([_need(a, "id", f"attendee #{i}")], f"attendee #{i}")[0])
    return Problem(tuple(proposals), tuple(slots), tuple(rooms), previous, weights, frozenset(remote))
