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
    for good (chunks come oldest first), and the rest are searched with pruning (`_Block`): only pairs that
    share a centroid's rarer words and whose bound could reach the threshold are compared, and those exactly
    (the product over every entry of every live centroid grew with the square of the poll: a big poll has more
    live centroids, each sharing frequent words with every group). Centroids live in blocks, one per chunk,
    merged as they age (like a binary counter), so there are few of them and each centroid is copied a few
    times at most; a block more than half dead is compacted. The choice is the one an all-pairs comparison
    makes, bit for bit (tests/test_cluster_opened.py): the best score, and on a tie the cluster opened first.
    """

    def __init__(self, weighed: Weighed, settings: ClusterSettings) -> None:
        self.weighed, self.settings = weighed, settings
        self._blocks: list[_Block[D]] = []
        self._where: dict[str, tuple[_Block[D], int]] = {}  # each opened cluster's live centroid
        self._stale: dict[str, D] = {}  # opened or grown in the current chunk: centroids to compute
        self._order: dict[str, int] = {}  # when each was opened (ties go to the first)
        self._pruning = _Pruning.of(weighed, settings)

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
        scored = []
        for first in range(0, len(when), _GROUPS_AT_ONCE):
            batch = slice(first, first + _GROUPS_AT_ONCE)
            groups = _Groups(Vectors(centroids.words[batch], centroids.names[batch]), self._pruning)
            for block in self._blocks:
                rows, scores, order, drafts = block.scores(
                    groups, when[batch], group_feeds[batch], group_asking[batch], self.settings
                )
                scored.append((rows + first, scores, order, drafts))
        if not scored:
            return found
        rows, scores, order, drafts = (np.concatenate([part[i] for part in scored]) for i in range(4))
        for n in np.lexsort((order, -scores, rows)).tolist():  # per group: best score, then first opened
            if found[int(rows[n])] is None:
                found[int(rows[n])] = (float(scores[n]), drafts[n])
        return found

    def _refresh(self, earliest: float) -> None:
        """A block of centroids for the clusters opened or grown in the last chunk (their older centroids die);
        clusters out of reach of `earliest` die too; blocks of similar weight (the centroids they were built from,
        dead ones included) merge, so each centroid is copied a few times at most however many die (merging by
        live centroids merged nearly all of them again every other chunk once the oldest had died down); a block
        more than half dead keeps only its live centroids (so the dead ones are searched a bounded number of
        times)."""
        if self._stale:
            stale = list(self._stale.values())
            for draft in stale:
                if draft.id in self._where:
                    block, row = self._where[draft.id]
                    block.alive[row] = False
            centroids = self.weighed.centroids_of([d.articles for d in stale])
            self._add(_Block.of(stale, centroids, self._order, self._pruning))
            self._stale.clear()
        for block in self._blocks:
            block.alive &= decay(earliest - block.latest, self.settings) >= self.settings.threshold
        self._blocks = [
            b if 2 * b.live() >= len(b.drafts) else self._compacted(b) for b in self._blocks if b.alive.any()
        ]
        while len(self._blocks) > 1 and self._blocks[-2].weight <= 2 * self._blocks[-1].weight:
            newer, older = self._blocks.pop(), self._blocks.pop()
            self._add(_Block.joined([older, newer]))

    def _add(self, block: _Block[D]) -> None:
        self._where.update((d.id, (block, i)) for i, d in enumerate(block.drafts))
        self._blocks.append(block)

    def _compacted(self, block: _Block[D]) -> _Block[D]:
        kept = _Block.joined([block])
        self._where.update((d.id, (kept, i)) for i, d in enumerate(kept.drafts))
        return kept


_GROUPS_AT_ONCE = 256  # groups searched at once: their entries are looked up in a table of 256 x the columns
_MARGIN = 1e-3  # kept above what float32 rounding can move a dot product of unit rows (about 1e-4 at most)


@dataclass(frozen=True)
class _Pruning:
    """What the pruned search of one call needs: the word similarity a pair must pass (`lowest_useful_words`)
    and each word column's rank among the call's new articles, the most frequent first."""

    least: float
    ranks: np.ndarray

    @classmethod
    def of(cls, weighed: Weighed, settings: ClusterSettings) -> _Pruning:
        frequencies = weighed.word_frequencies()
        ranks = np.empty(len(frequencies), np.int64)
        ranks[np.argsort(-frequencies, kind="stable")] = np.arange(len(frequencies))
        return cls(lowest_useful_words(settings), ranks)


class _Groups:
    """A batch of a chunk's groups as every block's search reads them: their rows, where each of their entries
    is (a table of group x the columns the batch uses: a table over every column of the call would grow with
    its vocabulary, hundreds of thousands of words in a large poll of real text), and their lengths so far in
    words from the most frequent down."""

    def __init__(self, vectors: Vectors, pruning: _Pruning) -> None:
        self.vectors, self.pruning = vectors, pruning
        words = vectors.words
        lengths = np.diff(words.indptr)
        row_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        columns, local = np.unique(words.indices, return_inverse=True)
        self._local = np.full(words.shape[1], -1, np.int64)  # each column's number among the batch's, or -1
        self._local[columns] = np.arange(len(columns))
        self._position = np.full((len(lengths), len(columns)), -1, np.int32)
        self._position[row_of, local] = np.arange(words.nnz)
        keys = row_of * (len(pruning.ranks) + 1) + pruning.ranks[words.indices]
        ascending = np.argsort(keys, kind="stable")  # row by row, the most frequent words first
        self._keys = keys[ascending]
        self._running = np.concatenate([[0.0], np.cumsum(words.data.astype(np.float64)[ascending] ** 2)])

    def entries(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The entry of group `rows[i]` in column `columns[i]`, -1 where it has none."""
        local = self._local[columns]
        used = local >= 0
        found = np.full(len(rows), -1, np.int32)
        found[used] = self._position[rows[used], local[used]]
        return found

    def common(self, rows: np.ndarray, cuts: np.ndarray) -> np.ndarray:
        """For each group `rows[i]`, the length of its entries in columns ranked under `cuts[i]`."""
        at = np.searchsorted(self._keys, rows * (len(self.pruning.ranks) + 1) + cuts)  # entries before the cut
        starts = self.vectors.words.indptr[rows].astype(np.int64)  # keys are grouped by row, as the entries are
        lengths: np.ndarray = np.sqrt(np.maximum(self._running[at] - self._running[starts], 0.0))
        return lengths


@dataclass
class _Block(Generic[D]):
    """Centroids of some opened clusters, with which of them are still live, indexed so that a search compares
    exactly only the pairs whose word similarity could pass `lowest_useful_words` (`_Pruning.least`).

    Each centroid's tail is its entries in the most frequent words, as many as keep the tail's length under
    that bar (less `_MARGIN`); the rest, its head, is indexed by word (`heads`). By Cauchy-Schwarz, a group (a
    unit row) that shares no head entry with a centroid has a word similarity under the bar; one that does has
    at most its product with the head plus the length of the tail times the length of the group's entries in
    words at least as frequent as the tail's (`_Pruning.common`). Frequent words have low IDF and small entries,
    and half the centroids share them: a product over every entry spent most of its time there."""

    words: sp.csr_matrix  # one row per centroid, columns sorted (only a group's order of entries counts)
    head_rows: sp.csr_matrix  # each centroid's head entries of `words`
    heads: sp.csr_matrix  # the same by word (transposed), for the product that finds the pairs to compare
    tails: np.ndarray  # the length of each centroid's tail
    cuts: np.ndarray  # the rank of each centroid's most frequent head word: its tail is in words ranked under it
    names: sp.csr_matrix
    drafts: list[D]
    latest: np.ndarray  # each one's newest article when its centroid was computed (it does not change after)
    feeds: np.ndarray  # the one feed each one's articles come from (None: several), likewise
    asking: np.ndarray  # whether each one's titles all ask questions (`all_ask`), likewise
    order: np.ndarray  # when each was opened
    alive: np.ndarray
    weight: int  # the centroids it was built from, dead ones included: blocks of similar weight merge

    @classmethod
    def of(cls, drafts: list[D], centroids: Vectors, order: dict[str, int], pruning: _Pruning) -> _Block[D]:
        words = centroids.words.sorted_indices()
        head_rows, tails, cuts = _heads_and_tails(words, pruning)
        return cls(
            words, head_rows, head_rows.T.tocsr(), tails, cuts, centroids.names, drafts,
            np.array([d.latest_hours for d in drafts]),
            np.array([d.sole_feed for d in drafts], object),
            np.array([all_ask(d.articles) for d in drafts], np.bool_),
            np.array([order[d.id] for d in drafts]),
            np.ones(len(drafts), np.bool_),
            len(drafts),
        )  # fmt: skip

    @classmethod
    def joined(cls, blocks: list[_Block[D]]) -> _Block[D]:
        """The live centroids of `blocks`, in their order (the older first)."""
        head_rows = sp.vstack([b.head_rows[b.alive] for b in blocks], format="csr")
        drafts = [d for b in blocks for d, k in zip(b.drafts, b.alive.tolist(), strict=True) if k]
        return cls(
            sp.vstack([b.words[b.alive] for b in blocks], format="csr"),
            head_rows,
            head_rows.T.tocsr(),
            np.concatenate([b.tails[b.alive] for b in blocks]),
            np.concatenate([b.cuts[b.alive] for b in blocks]),
            sp.vstack([b.names[b.alive] for b in blocks], format="csr"),
            drafts,
            np.concatenate([b.latest[b.alive] for b in blocks]),
            np.concatenate([b.feeds[b.alive] for b in blocks]),
            np.concatenate([b.asking[b.alive] for b in blocks]),
            np.concatenate([b.order[b.alive] for b in blocks]),
            np.ones(len(drafts), np.bool_),
            sum(b.weight for b in blocks),
        )

    def live(self) -> int:
        return int(self.alive.sum())

    def scores(
        self, groups: _Groups, when: np.ndarray, feeds: np.ndarray, asking: np.ndarray, settings: ClusterSettings
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(group row, score, opening order, draft) of each pair with a live centroid that could reach the
        threshold on words (names, time and `same_feed_factor` only lower a score): a word similarity over
        `lowest_useful_words`, the very pairs and values a product of the groups by every centroid keeps."""
        centroids, least = groups.vectors, groups.pruning.least
        bounds = (centroids.words @ self.heads).tocoo()
        rows, picked = bounds.row.astype(np.int64), bounds.col.astype(np.int64)
        live = self.alive[picked]
        rows, picked, partial = rows[live], picked[live], bounds.data[live].astype(np.float64)
        near = partial + groups.common(rows, self.cuts[picked]) * self.tails[picked] >= least - _MARGIN
        rows, picked = rows[near], picked[near]
        found, words = self._words(groups, rows, picked, least)
        rows, picked = rows[found], picked[found]
        names = np.asarray(centroids.names[rows].multiply(self.names[picked]).sum(axis=1)).ravel()
        has_names = (centroids.names.getnnz(axis=1) > 0)[rows] & (self.names.getnnz(axis=1) > 0)[picked]
        scores = mix(words, names, has_names, settings) * decay(when[rows] - self.latest[picked], settings)
        one_feed = np.array([f is not None for f in feeds[rows]], np.bool_) & (feeds[rows] == self.feeds[picked])
        scores *= np.where(one_feed, settings.same_feed_factor, 1.0)
        scores *= np.where(asking[rows] & self.asking[picked], settings.same_feed_factor, 1.0)  # `question_factor`
        drafts = np.empty(len(picked), object)
        drafts[:] = [self.drafts[i] for i in picked.tolist()]
        return rows, scores, self.order[picked], drafts

    def _words(
        self, groups: _Groups, rows: np.ndarray, picked: np.ndarray, least: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which of the pairs (group `rows[i]`, centroid `picked[i]`, sorted by group) have a word similarity
        over `least`, and those similarities, bit for bit what `sp_matmul_topn` of the groups by all the
        centroids gives.

        That product adds, for each pair, the group's entries times the centroid's, in the order the group's
        entries are stored, one after another in float32. Here each pair becomes a row of its shared entries,
        in that order, and the same function multiplies those rows by a column of the centroid's values: the
        same additions in the same order."""
        pair, entry, value = self._shared(groups, rows, picked)
        if not len(pair):
            return np.zeros(len(rows), np.bool_), np.zeros(0, np.float32)
        data = groups.vectors.words.data
        indptr = np.concatenate([[0], np.cumsum(np.bincount(pair, minlength=len(rows)))])
        entries = sp.csr_matrix((data[entry], np.arange(len(pair)), indptr), shape=(len(rows), len(pair)))
        column = sp.csr_matrix(
            (value.astype(data.dtype), np.zeros(len(pair), np.int32), np.arange(len(pair) + 1)), shape=(len(pair), 1)
        )
        product = sp_matmul_topn(entries, column, top_n=1, threshold=least)
        return np.diff(product.indptr) > 0, product.data[: product.indptr[-1]]

    def _shared(
        self, groups: _Groups, rows: np.ndarray, picked: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries the pairs share: (pair, the group's entry, the centroid's value), by pair and then in the
        order of the group's entries (`_Groups.entries`)."""
        counts = np.diff(self.words.indptr)[picked].astype(np.int64)
        pair = np.repeat(np.arange(len(picked)), counts)
        entry = np.repeat(self.words.indptr[picked] - np.cumsum(counts) + counts, counts) + np.arange(len(pair))
        found = groups.entries(rows[pair], self.words.indices[entry])
        hit = found >= 0
        pair, found, value = pair[hit], found[hit], self.words.data[entry[hit]]
        ordered = np.lexsort((found, pair))
        return pair[ordered], found[ordered].astype(np.int64), value[ordered]


def _heads_and_tails(words: sp.csr_matrix, pruning: _Pruning) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Each row's head (all but its tail: its entries in the most frequent words, as many as keep their length
    under the bar); the length of each row's tail; the rank of each row's most frequent head word."""
    bar = pruning.least - _MARGIN
    lengths = np.diff(words.indptr)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    ranks = pruning.ranks[words.indices]
    squares = words.data.astype(np.float64) ** 2
    ascending = np.lexsort((ranks, rows))  # row by row, the most frequent words first
    running = np.cumsum(squares[ascending])
    within = running - np.repeat(np.concatenate([[0.0], running])[words.indptr[:-1]], lengths)
    in_tail = np.zeros(len(squares), np.bool_)
    in_tail[ascending] = within < bar * bar if bar > 0 else False
    tails = np.sqrt(np.bincount(rows[in_tail], squares[in_tail], minlength=len(lengths)))
    head = ~in_tail
    cuts = np.full(len(lengths), len(pruning.ranks), np.int64)
    np.minimum.at(cuts, rows[head], ranks[head])
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[head], minlength=len(lengths)))])
    return sp.csr_matrix((words.data[head], words.indices[head], indptr), shape=words.shape), tails, cuts


def lowest_useful_words(settings: ClusterSettings) -> float:
    """The word similarity below which no score can reach the threshold: names and time only lower it
    (`mix` is at most words ** (1 - entity_weight) when both sides have names, words when not)."""
    return float(settings.threshold ** (1.0 / (1.0 - settings.entity_weight))) if settings.entity_weight < 1 else 0.0
