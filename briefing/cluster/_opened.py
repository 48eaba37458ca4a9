"""The stories opened by earlier chunks of one clustering call, searched by a chunk's groups (`Opened`).

Knows centroids, time, feeds and which titles ask questions; knows nothing of how groups are formed. Separate
from `briefing.cluster` so that module stays about the steps; the drafts it holds are that module's `_Draft`s
(typed as `Draft` here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn

from briefing.cluster._agreement import all_ask
from briefing.cluster._similarity import Vectors, decay, mix
from briefing.cluster._weighed import Weighed
from briefing.config import ClusterSettings
from briefing.models import Article


class Draft(Protocol):
    """What this module reads of a cluster being built (`briefing.cluster._Draft`)."""

    id: str
    articles: list[Article]
    opened_in: int | None
    latest_hours: float
    sole_feed: str | None


D = TypeVar("D", bound=Draft)


class Opened(Generic[D]):
    """The clusters opened by earlier chunks of one call, as centroids a chunk's groups can join.

    A first poll of many feeds is cut into chunks; without this, each chunk recomputed the centroid of every
    cluster opened so far and compared its groups with all of them (time and memory growing with the square of
    the poll). Here a centroid is computed once per chunk in which its cluster changed, a cluster whose newest
    article is too old for time alone (`decay`) to let any group of the chunk reach the threshold is set aside
    for good (chunks come oldest first), and the rest are searched sparsely: only pairs whose word similarity
    could reach the threshold are scored. Centroids live in blocks, one per chunk, merged as they age (like a
    binary counter), so there are few of them and each centroid is copied a few times at most. The choice is
    the one an all-pairs comparison makes: the best score, and on a tie the cluster opened first.
    """

    def __init__(self, weighed: Weighed, settings: ClusterSettings) -> None:
        self.weighed, self.settings = weighed, settings
        self._blocks: list[_Block[D]] = []
        self._where: dict[str, tuple[_Block[D], int]] = {}  # each opened cluster's live centroid
        self._stale: dict[str, D] = {}  # opened or grown in the current chunk: centroids to compute
        self._order: dict[str, int] = {}  # when each was opened (ties go to the first)

    def touched(self, draft: D) -> None:
        """Note a cluster a group of this chunk opened or joined (stored ones are searched elsewhere)."""
        if draft.opened_in is not None and draft.opened_in >= 0:
            self._order.setdefault(draft.id, len(self._order))
            self._stale[draft.id] = draft

    def nearest(
        self, centroids: Vectors, when: np.ndarray, feeds: list[str | None], asking: list[bool]
    ) -> list[tuple[float, D] | None]:
        """For each group (a row of `centroids`, at time `when`, from the one feed `feeds` gives or several,
        whose titles all ask questions or not, `asking`), the best opened cluster and its score."""
        self._refresh(float(when.min()) if len(when) else 0.0)
        found: list[tuple[float, D] | None] = [None] * len(when)
        group_feeds = np.array(feeds, object)
        group_asking = np.array(asking, np.bool_)
        scored = [block.scores(centroids, when, group_feeds, group_asking, self.settings) for block in self._blocks]
        if not scored:
            return found
        rows, scores, order, drafts = (np.concatenate([part[i] for part in scored]) for i in range(4))
        for n in np.lexsort((order, -scores, rows)).tolist():  # per group: best score, then first opened
            if found[int(rows[n])] is None:
                found[int(rows[n])] = (float(scores[n]), drafts[n])
        return found

    def _refresh(self, earliest: float) -> None:
        """A block of centroids for the clusters opened or grown in the last chunk (their older centroids die);
        clusters out of reach of `earliest` die too; blocks of similar size merge."""
        if self._stale:
            stale = list(self._stale.values())
            for draft in stale:
                if draft.id in self._where:
                    block, row = self._where[draft.id]
                    block.alive[row] = False
            block = _Block.of(stale, self.weighed.centroids_of([d.articles for d in stale]), self._order)
            self._where.update((d.id, (block, i)) for i, d in enumerate(stale))
            self._blocks.append(block)
            self._stale.clear()
        for block in self._blocks:
            block.alive &= decay(earliest - block.latest, self.settings) >= self.settings.threshold
        self._blocks = [b for b in self._blocks if b.alive.any()]
        while len(self._blocks) > 1 and self._blocks[-2].live() <= 2 * self._blocks[-1].live():
            merged = _Block.merged(self._blocks.pop(), self._blocks.pop())
            self._where.update((d.id, (merged, i)) for i, d in enumerate(merged.drafts))
            self._blocks.append(merged)


@dataclass
class _Block(Generic[D]):
    """Centroids of some opened clusters, with which of them are still live."""

    words: sp.csr_matrix
    words_by_feature: sp.csr_matrix  # `words` transposed, for the sparse product
    names: sp.csr_matrix
    drafts: list[D]
    latest: np.ndarray  # each one's newest article when its centroid was computed (it does not change after)
    feeds: np.ndarray  # the one feed each one's articles come from (None: several), likewise
    asking: np.ndarray  # whether each one's titles all ask questions (`all_ask`), likewise
    order: np.ndarray  # when each was opened
    alive: np.ndarray

    @classmethod
    def of(cls, drafts: list[D], centroids: Vectors, order: dict[str, int]) -> _Block[D]:
        return cls(
            centroids.words,
            centroids.words.T.tocsr(),
            centroids.names,
            drafts,
            np.array([d.latest_hours for d in drafts]),
            np.array([d.sole_feed for d in drafts], object),
            np.array([all_ask(d.articles) for d in drafts], np.bool_),
            np.array([order[d.id] for d in drafts]),
            np.ones(len(drafts), np.bool_),
        )

    @classmethod
    def merged(cls, newer: _Block[D], older: _Block[D]) -> _Block[D]:
        """The live centroids of both, the older first."""
        words = sp.vstack([older.words[older.alive], newer.words[newer.alive]], format="csr")
        return cls(
            words,
            words.T.tocsr(),
            sp.vstack([older.names[older.alive], newer.names[newer.alive]], format="csr"),
            [d for b in (older, newer) for d, k in zip(b.drafts, b.alive.tolist(), strict=True) if k],
            np.concatenate([older.latest[older.alive], newer.latest[newer.alive]]),
            np.concatenate([older.feeds[older.alive], newer.feeds[newer.alive]]),
            np.concatenate([older.asking[older.alive], newer.asking[newer.alive]]),
            np.concatenate([older.order[older.alive], newer.order[newer.alive]]),
            np.ones(int(older.alive.sum() + newer.alive.sum()), np.bool_),
        )

    def live(self) -> int:
        return int(self.alive.sum())

    def scores(
        self, centroids: Vectors, when: np.ndarray, feeds: np.ndarray, asking: np.ndarray, settings: ClusterSettings
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(group row, score, opening order, draft) of each pair with a live centroid that could reach the
        threshold on words (names, time and `same_feed_factor` only lower a score)."""
        nearest = sp_matmul_topn(
            centroids.words,
            self.words_by_feature,
            top_n=max(1, self.words_by_feature.shape[1]),
            threshold=lowest_useful_words(settings),
        )
        rows = np.repeat(np.arange(nearest.shape[0]), np.diff(nearest.indptr))
        keep = self.alive[nearest.indices]
        rows, picked, words = rows[keep], nearest.indices[keep], nearest.data[keep]
        names = np.asarray(centroids.names[rows].multiply(self.names[picked]).sum(axis=1)).ravel()
        has_names = (centroids.names.getnnz(axis=1) > 0)[rows] & (self.names.getnnz(axis=1) > 0)[picked]
        scores = mix(words, names, has_names, settings) * decay(when[rows] - self.latest[picked], settings)
        one_feed = np.array([f is not None for f in feeds[rows]], np.bool_) & (feeds[rows] == self.feeds[picked])
        scores *= np.where(one_feed, settings.same_feed_factor, 1.0)
        scores *= np.where(asking[rows] & self.asking[picked], settings.same_feed_factor, 1.0)  # `question_factor`
        drafts = np.empty(len(picked), object)
        drafts[:] = [self.drafts[i] for i in picked.tolist()]
        return rows, scores, self.order[picked], drafts


def lowest_useful_words(settings: ClusterSettings) -> float:
    """The word similarity below which no score can reach the threshold: names and time only lower it
    (`mix` is at most words ** (1 - entity_weight) when both sides have names, words when not)."""
    return float(settings.threshold ** (1.0 / (1.0 - settings.entity_weight))) if settings.entity_weight < 1 else 0.0
