"""The weighted rows of one clustering call's new articles, computed once and then read by row.

A first poll of many feeds asks for the rows of the same new articles many times: its chunk's, each joining
group's members, each story's core as it grows, the centroids of the stories it opened, its wire copies. Each
ask weighed the articles again (gathering their features, IDF, unit length: several small sparse matrices), and
the asks were thousands of small ones. Here the new articles are weighed once in one step and an ask takes its
rows from that matrix. Weighing is row by row (`Window.vectors`), so a row read here is the row a fresh weighing
gives, bit for bit; an ask that names an article the call did not bring (a stored story's) is weighed as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from briefing.cluster._similarity import Vectors
from briefing.cluster._window import Window
from briefing.models import Article


class Weighed:
    """`Window.vectors` of any articles, read from one weighing of `articles` (the call's new ones)."""

    def __init__(self, window: Window, articles: Sequence[Article]) -> None:
        self.window = window
        self._all = window.vectors(articles)
        self._row = {a.id: i for i, a in enumerate(articles)}

    def vectors(self, articles: Sequence[Article]) -> Vectors:
        """The rows of `articles`, in order: those of `Window.vectors(articles)`."""
        picked = self._rows(articles)
        if picked is None:
            return self.window.vectors(articles)
        return Vectors(self._all.words[picked], self._all.names[picked])

    def totals(self, lists: Sequence[Sequence[Article]]) -> Vectors:
        """One row per list of articles: `vectors(articles).total()` (an empty row for an empty list).

        One product of rows of ones (each at its list's rows, in the list's order) by the weighing: a row of it
        adds the same rows in the same order as `Vectors.total` does, so each sum is the same to the bit."""
        picked = [self._rows(articles) for articles in lists]
        if any(p is None for p in picked):  # articles not weighed here (a stored story's): one list at a time
            rows = [self.vectors(articles).total() for articles in lists]
            return Vectors(
                sp.vstack([r.words for r in rows], format="csr"), sp.vstack([r.names for r in rows], format="csr")
            )
        found = [p for p in picked if p is not None]
        indptr = np.concatenate([[0], np.cumsum([len(p) for p in found], dtype=np.int64)])
        columns = np.concatenate(found) if found else np.zeros(0, np.int64)
        ones = sp.csr_matrix((np.ones(len(columns), np.float32), columns, indptr), shape=(len(found), len(self._row)))
        return Vectors(sp.csr_matrix(ones @ self._all.words), sp.csr_matrix(ones @ self._all.names))

    def widths(self) -> tuple[int, int]:
        """The columns of the two spaces (words, names) in this call."""
        return self._all.words.shape[1], self._all.names.shape[1]

    def word_frequencies(self) -> np.ndarray:
        """In how many of the weighed articles each word column occurs."""
        return np.bincount(self._all.words.indices, minlength=self._all.words.shape[1])

    def _rows(self, articles: Sequence[Article]) -> np.ndarray | None:
        """The rows of `articles` in the weighing, or None when it lacks one of them."""
        row = self._row.get
        found = [row(a.id) for a in articles]
        if None in found:
            return None
        return np.fromiter(found, np.int64, len(found))  # no None left

    def centroids_of(self, groups: Sequence[Sequence[Article]]) -> Vectors:
        """One unit-length centroid per group of articles: `Window.centroids_of`."""
        return self.vectors([a for g in groups for a in g]).summed_runs([len(g) for g in groups])
