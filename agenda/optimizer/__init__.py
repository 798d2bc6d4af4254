"""Agenda optimizer: assigns Edcamp session proposals to (slot, room) places.

Pure functions over plain data (no I/O): build a :class:`Problem`, call :func:`solve`, store the
assignment. The score and hard constraints are those of ``shared/scheduling/evaluate.py``;
:func:`upper_bound` proves how far from the best possible any agenda can be.
"""

from .bound import Bound, trivial_bound, upper_bound
from .facilitation import suggest_facilitators
from .model import (
    Clash,
    InfeasibleProblem,
    Problem,
    Progress,
    ProposalInput,
    RoomInput,
    SlotInput,
    Solution,
    Weights,
    problem_from_instance,
)
from .policy import complete_agenda
from .rebalance import Move, Rebalance, propose_rebalance
from .repeats import plan_repeats
from .scoring import clash_report, evaluate
from .search import solve

__all__ = [
    "Bound",
    "Clash",
    "InfeasibleProblem",
    "Move",
    "Problem",
    "Progress",
    "ProposalInput",
    "Rebalance",
    "RoomInput",
    "SlotInput",
    "Solution",
    "Weights",
    "clash_report",
    "complete_agenda",
    "evaluate",
    "plan_repeats",
    "problem_from_instance",
    "propose_rebalance",
    "solve",
    "suggest_facilitators",
    "trivial_bound",
    "upper_bound",
]
