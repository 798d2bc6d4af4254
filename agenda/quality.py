"""How good a built agenda is: the optimizer's proven bound, computed once per problem.

The bound depends only on what is asked (who wants which proposal, the slots and the rooms), not on
the agenda, so hand edits reuse it: a small in-process cache keyed by the problem's data answers
them without recomputing. The bound runs in a worker thread beside the search.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import anyio.to_thread
import numpy as np

from agenda import optimizer
from unconf.i18n import format_number, format_percent
from unconf.i18n import gettext as _

log = logging.getLogger(__name__)

__all__ = ["BOUND_SECONDS", "gap_percent", "proven_bound", "quality_text"]

#: Seconds the bound may take (it is proven whenever it stops; more time only tightens it).
BOUND_SECONDS = 1.0
_CACHE_SIZE = 32
_cache: OrderedDict[int, float | None] = OrderedDict()


def _key(problem: optimizer.Problem) -> int:
    # The previous agenda and the move weight do not enter the bound.
    return hash((problem.proposals, problem.slots, problem.rooms, problem.weights.interest))


def _compute(problem: optimizer.Problem, seconds: float) -> float | None:
    try:
        return optimizer.upper_bound(problem, time_limit=seconds).value
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # A build never fails for want of a bound: it is shown as unknown instead.
        log.warning("the agenda bound could not be computed: %s", exc)
        return None


async def proven_bound(problem: optimizer.Problem, *, seconds: float = BOUND_SECONDS) -> float | None:
    """The upper bound on this problem's score, from the cache or a worker thread (None: unknown)."""
    key = _key(problem)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    value = await anyio.to_thread.run_sync(lambda: _compute(problem, seconds))
    _cache[key] = value
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return value


def gap_percent(score: float, bound: float | None) -> float | None:
    """How far below the best possible the score can be, in percent (one decimal); None without a bound."""
    if bound is None or bound <= 0:
        return None
    return round(100.0 * max(0.0, bound - score) / bound, 1)


def quality_text(score: float, bound: float | None) -> str:
    """The line organizers read: "within 12.3 % of the best possible (score 58,827, bound 67,031)"."""
    gap = gap_percent(score, bound)
    if gap is None or bound is None:
        return ""
    if gap == 0.0 and score >= bound:
        return _("the best possible (score {score}, proven optimal)").format(score=format_number(round(score)))
    return _("within {gap} of the best possible (score {score}, bound {bound})").format(
        gap=format_percent(gap), score=format_number(round(score)), bound=format_number(round(bound))
    )
