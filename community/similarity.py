"""Who shares whose interests: a sparse cosine over people x interests, in numpy, no Python double loop.

Each person is a row of a CSR matrix whose columns are interests (a proposal they voted for or wrote,
at this event or a past one of the community; a profile subject or grade level). Their "I'm looking
for" tags are matched against others' "I can help with" tags, and back, the same way. One person's
scores against everyone are a sparse matrix-vector product: O(non-zeros), not O(people²).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# A matched "looking for" / "can help with" tag weighs like a shared interest, a bit more.
HELP_WEIGHT = 0.5


@dataclass(frozen=True)
class Sparse:
    """A CSR matrix (rows x columns) with rows scaled to unit length (so a row product is a cosine)."""

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    columns: int

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def row(self, r: int) -> tuple[IntArray, FloatArray]:
        lo, hi = int(self.indptr[r]), int(self.indptr[r + 1])
        return self.indices[lo:hi], self.data[lo:hi]

    def times(self, dense: FloatArray) -> FloatArray:
        """This matrix times a dense column vector: every row's dot product with it, at once."""
        products = self.data * dense[self.indices]
        row_of = np.repeat(np.arange(self.rows), np.diff(self.indptr))
        return np.bincount(row_of, weights=products, minlength=self.rows).astype(np.float64)


def csr(rows: Sequence[Sequence[int]], columns: int, *, normalize: bool = True) -> Sparse:
    """Rows of column indices (weights 1; repeats collapse) as a CSR matrix, unit rows if ``normalize``."""
    lengths = np.fromiter((len(set(r)) for r in rows), dtype=np.int64, count=len(rows))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter((c for r in rows for c in sorted(set(r))), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.float64)
    if normalize and len(data):
        norms = np.sqrt(np.maximum(lengths, 1)).astype(np.float64)
        data /= np.repeat(norms, lengths)
    return Sparse(indptr=indptr, indices=indices, data=data, columns=columns)


def _dense_row(matrix: Sparse, r: int) -> FloatArray:
    vector = np.zeros(matrix.columns, dtype=np.float64)
    cols, vals = matrix.row(r)
    vector[cols] = vals
    return vector


@dataclass(frozen=True)
class PeerMatrices:
    """The three views of everyone in one event: interests, what they look for, what they can help with."""

    interests: Sparse
    looking_for: Sparse
    can_help: Sparse


def scores(m: PeerMatrices, me: int) -> FloatArray:
    """Everyone's closeness to person ``me``: cosine of interests plus matched looking-for/can-help tags."""
    total = m.interests.times(_dense_row(m.interests, me))
    if m.looking_for.columns:
        total += HELP_WEIGHT * m.can_help.times(_dense_row(m.looking_for, me))
        total += HELP_WEIGHT * m.looking_for.times(_dense_row(m.can_help, me))
    return total


def best(m: PeerMatrices, me: int, allowed: npt.NDArray[np.bool_], limit: int = 10) -> list[tuple[int, float]]:
    """Up to ``limit`` rows other than ``me`` among ``allowed``, best first (ties by row), scores above zero."""
    total = scores(m, me)
    total[~allowed] = 0.0
    total[me] = 0.0
    candidates = np.flatnonzero(total > 1e-12)
    if len(candidates) > limit:
        top = np.argpartition(-total[candidates], limit - 1)[:limit]
        candidates = candidates[top]
    ordered = sorted(candidates.tolist(), key=lambda r: (-total[r], r))
    return [(r, float(total[r])) for r in ordered]


def naive_scores(
    interests: Sequence[Sequence[int]],
    looking_for: Sequence[Sequence[int]],
    can_help: Sequence[Sequence[int]],
    me: int,
) -> list[float]:
    """The same scores by a plain loop over everyone and their sets: the benchmark's baseline and the tests' oracle."""
    mine = set(interests[me])
    out: list[float] = []
    for r, theirs_list in enumerate(interests):
        theirs = set(theirs_list)
        score = 0.0
        if mine and theirs:
            score = len(mine & theirs) / ((len(mine) ** 0.5) * (len(theirs) ** 0.5))
        for want_list, give_list in ((looking_for[me], can_help[r]), (can_help[me], looking_for[r])):
            want, give = set(want_list), set(give_list)
            if want and give:
                score += HELP_WEIGHT * len(want & give) / ((len(want) ** 0.5) * (len(give) ** 0.5))
        out.append(score)
    return out
