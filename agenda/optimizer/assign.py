"""Exact minimum-cost assignment of one slot's sessions to its rooms (Hungarian algorithm).

Used when room needs, pins or a previous agenda make "most votes gets the biggest room" wrong or
infeasible; a slot has at most a few dozen rooms, so the O(n^2 m) shortest-augmenting-path method
with its inner loop vectorised is fast enough and keeps the optimizer free of SciPy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FORBIDDEN = 1e12


def min_cost_assignment(cost: npt.NDArray[np.float64]) -> list[int] | None:
    """Rows (sessions) to distinct columns (rooms) at minimum total cost, rows <= columns.

    Entries >= FORBIDDEN mark disallowed pairs; returns the column of each row, or None when every
    complete assignment uses a disallowed pair.
    """
    n, m = cost.shape
    if n == 0:
        return []
    if n > m:
        return None
    inf = np.inf
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: row (1-based) matched to column j; column 0 is virtual
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            masked = np.where(free, minv[1:], inf)
            j1 = int(np.argmin(masked)) + 1
            delta = masked[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = int(way[j0])
            p[j0] = p[j1]
            j0 = j1
    cols = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            cols[p[j] - 1] = j - 1
    if any(cost[i, cols[i]] >= FORBIDDEN for i in range(n)):
        return None
    return cols
