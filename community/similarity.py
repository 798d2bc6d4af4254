"""Who shares whose interests: a sparse cosine over people x interests, in numpy, no Python double loop.

Each person is a row of a CSR matrix whose columns are interests (a proposal they voted for or wrote,
at this event or a past one of the community; a profile subject or grade level). Their "I'm looking
for" tags are matched against others' "I can help with" tags, and back, the same way. One person's
scores against everyone are a sparse matrix-vector product: O(non-zeros), not O(people²).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import chain

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
    """Rows of column indices (weights 1; repeats collapse) as a CSR matrix, unit rows if ``normalize``.

    Built with array operations: the only Python-level pass is flattening the lists.
    """
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
    row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    return from_pairs(row_of, flat, len(rows), columns, normalize=normalize)


def encode(rows: Sequence[Sequence[Hashable]], vocabulary: dict[Hashable, int]) -> tuple[IntArray, IntArray]:
    """Rows of labels as (row, column) pairs, numbering new labels in ``vocabulary`` as they come.

    ``map`` over C-level methods, so no Python statement runs per label.
    """
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    total = int(lengths.sum())
    new = [label for label in dict.fromkeys(chain.from_iterable(rows)) if label not in vocabulary]
    vocabulary.update(zip(new, range(len(vocabulary), len(vocabulary) + len(new)), strict=True))
    columns = np.fromiter(map(vocabulary.__getitem__, chain.from_iterable(rows)), dtype=np.int64, count=total)
    return np.repeat(np.arange(len(rows), dtype=np.int64), lengths), columns


def from_pairs(row_of: IntArray, column_of: IntArray, rows: int, columns: int, *, normalize: bool = True) -> Sparse:
    """(row, column) pairs as a CSR matrix: repeats collapse, columns sorted in each row."""
    width = max(columns, 1)
    keys = np.unique(row_of * width + column_of)
    key_rows, indices = keys // width, keys % width
    counts = np.bincount(key_rows, minlength=rows).astype(np.int64)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    data = np.ones(len(indices), dtype=np.float64)
    if normalize and len(data):
        data /= np.sqrt(counts[key_rows].astype(np.float64))
    return Sparse(indptr=indptr, indices=indices.astype(np.int64), data=data, columns=columns)


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
    # Scores rounded so that float noise never decides a tie; ties go to the earlier row.
    rounded = np.round(total[candidates], 9)
    ordered = candidates[np.lexsort((candidates, -rounded))][:limit].tolist()
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
