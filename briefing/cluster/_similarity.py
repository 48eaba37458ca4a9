"""Similarity arithmetic shared by the clustering steps: articles and centroids as unit-length sparse rows in two
spaces (words, names), the similarity of two sets of rows (words tempered by names), and how it decays with the
time between two articles.

Knows vectors and settings; knows nothing of articles, stored clusters or how groups are formed (the window,
`_window`, builds the rows; `_agreement`, `_opened` and `_weighed` compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from briefing.config import ClusterSettings


@dataclass(frozen=True)
class Vectors:
    """Unit-length rows in two spaces: words (title + text) and names (entities, numbers)."""

    words: sp.csr_matrix
    names: sp.csr_matrix

    def summed_runs(self, sizes: Sequence[int]) -> Vectors:
        """One unit-length centroid per consecutive run of rows, `sizes[i]` rows each, from the first row."""
        indptr = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        indicator = sp.csr_matrix(
            (np.ones(int(indptr[-1]), np.float32), np.arange(indptr[-1]), indptr),
            shape=(len(sizes), self.words.shape[0]),
        )
        return Vectors(normalize(indicator @ self.words), normalize(indicator @ self.names))

    def total(self) -> Vectors:
        """The sum of all rows, one row, not normalised."""
        ones = sp.csr_matrix(np.ones((1, self.words.shape[0]), np.float32))
        return Vectors(sp.csr_matrix(ones @ self.words), sp.csr_matrix(ones @ self.names))


def similarity(a: Vectors, b: Vectors, settings: ClusterSettings) -> np.ndarray:
    """Similarity of every row of `a` to every row of `b` (see `mix`)."""
    has_names = (a.names.getnnz(axis=1) > 0)[:, None] & (b.names.getnnz(axis=1) > 0)[None, :]
    return mix((a.words @ b.words.T).toarray(), (a.names @ b.names.T).toarray(), has_names, settings)


def mix(words: np.ndarray, names: np.ndarray, has_names: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """Cosine similarity of words, tempered by agreement on names: a weighted geometric mean, so two reports
    worded alike about different companies (no shared names) score low. Pairs where a side has no names use
    words alone. Measured on the dev set: a linear mix or names as extra words gave no protection to the
    earnings-report case, and the geometric mean cost about 1 point of pairwise F1 there.
    """
    beta = settings.entity_weight
    mixed = np.power(np.clip(words, 0, 1), 1 - beta) * np.power(np.clip(names, 0, 1), beta)
    combined: np.ndarray = np.where(has_names, mixed, words)
    return combined


def normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows to unit length (empty rows stay empty), as a new float32 CSR matrix."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    return unit_rows(matrix.data, matrix.indices, matrix.indptr, matrix.shape[1])


def unit_rows(data: np.ndarray, columns: np.ndarray, indptr: np.ndarray, width: int) -> sp.csr_matrix:
    """A CSR matrix of these entries with each row scaled to unit length. Plain numpy: scikit-learn's
    `normalize` validates its input on every call, which dominated small polls.
    """
    lengths = np.diff(indptr)
    norms = np.sqrt(row_sums(data.astype(np.float64) ** 2, lengths))
    norms[norms == 0] = 1.0
    unit = (data / np.repeat(norms, lengths)).astype(np.float32)
    return sp.csr_matrix((unit, columns, indptr), shape=(len(lengths), width))


def row_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return np.bincount(np.repeat(np.arange(len(lengths)), lengths), values, minlength=len(lengths))


def hours(moment: datetime) -> float:
    return moment.timestamp() / 3600.0


def decay(gap_hours: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """How much of a similarity survives `gap_hours` between two articles: all of it within `grace_hours` (one
    day's coverage of one event spreads over hours), then half for every `half_life_hours` beyond."""
    beyond = np.maximum(np.abs(gap_hours) - settings.grace_hours, 0.0)
    factor: np.ndarray = np.power(0.5, beyond / settings.half_life_hours)
    return factor
