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

from briefing.cluster._window import Vectors, Window
from briefing.models import Article


class Weighed:
    """`Window.vectors` of any articles, read from one weighing of `articles` (the call's new ones)."""

    def __init__(self, window: Window, articles: Sequence[Article]) -> None:
        self.window = window
        self._all = window.vectors(articles)
        self._row = {a.id: i for i, a in enumerate(articles)}

    def vectors(self, articles: Sequence[Article]) -> Vectors:
        """The rows of `articles`, in order: those of `Window.vectors(articles)`."""
        row = self._row.get
        found = [row(a.id) for a in articles]
        if None in found:
            return self.window.vectors(articles)
        picked = np.fromiter(found, np.int64, len(found))  # no None here
        return Vectors(self._all.words[picked], self._all.names[picked])

    def centroids_of(self, groups: Sequence[Sequence[Article]]) -> Vectors:
        """One unit-length centroid per group of articles: `Window.centroids_of`."""
        return self.vectors([a for g in groups for a in g]).summed_runs([len(g) for g in groups])
