"""The pruned search of stories opened earlier in a call (`_opened`) finds what comparing every pair finds.

`_Block.scores` compares exactly only the pairs a bound lets through; these tests hold it to the all-pairs
product it replaced (every group by every centroid, `sp_matmul_topn` keeping word similarities over the bar),
on random rows built to land near the bar: the same pairs, the same scores to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn

from briefing.cluster._opened import _Block, _Groups, _Pruning, lowest_useful_words
from briefing.cluster._similarity import Vectors, decay, mix, normalize
from briefing.config import ClusterSettings
from briefing.models import Article

WIDTH = 400


@dataclass
class Story:
    id: str
    latest_hours: float
    sole_feed: str | None
    articles: list[Article] = field(default_factory=list)
    opened_in: int | None = 0


def rows_near_each_other(rng: np.random.Generator, count: int, topics: np.ndarray) -> sp.csr_matrix:
    """Unit rows of frequent words (Zipf) and a few words of one of `topics`, entries in a shuffled order
    (a group's order of entries decides how its similarities are summed)."""
    data, columns, indptr = [], [], [0]
    for _ in range(count):
        common = np.unique(np.minimum(rng.zipf(1.3, rng.integers(5, 40)), WIDTH) - 1)
        topic = rng.choice(topics[rng.integers(len(topics))], rng.integers(3, 12), replace=False)
        used = rng.permutation(np.unique(np.concatenate([common, topic])))
        columns.extend(used.tolist())
        data.extend((rng.random(len(used)) * np.where(used < 20, 0.3, 2.0)).tolist())
        indptr.append(len(columns))
    matrix = sp.csr_matrix((np.array(data, np.float32), columns, indptr), shape=(count, WIDTH))
    unit = normalize(matrix)
    order = np.concatenate([np.argsort(rng.random(n)) for n in np.diff(unit.indptr)]) if unit.nnz else []
    starts = np.repeat(unit.indptr[:-1], np.diff(unit.indptr))
    shuffled = starts + np.asarray(order, np.int64)
    return sp.csr_matrix((unit.data[shuffled], unit.indices[shuffled], unit.indptr), shape=unit.shape)


def all_pairs(block: _Block[Story], groups: Vectors, when: np.ndarray, settings: ClusterSettings) -> set[tuple]:
    """What the search was before it was pruned: every group by every centroid, the live ones kept."""
    nearest = sp_matmul_topn(
        groups.words, block.words.T.tocsr(), top_n=block.words.shape[0], threshold=lowest_useful_words(settings)
    )
    rows = np.repeat(np.arange(nearest.shape[0]), np.diff(nearest.indptr))
    keep = block.alive[nearest.indices]
    rows, picked, words = rows[keep], nearest.indices[keep], nearest.data[keep]
    names = np.asarray(groups.names[rows].multiply(block.names[picked]).sum(axis=1)).ravel()
    has_names = (groups.names.getnnz(axis=1) > 0)[rows] & (block.names.getnnz(axis=1) > 0)[picked]
    scores = mix(words, names, has_names, settings) * decay(when[rows] - block.latest[picked], settings)
    return {(int(r), float(s), int(block.order[p])) for r, s, p in zip(rows, scores, picked, strict=True)}


def pruned(
    block: _Block[Story], groups: Vectors, when: np.ndarray, settings: ClusterSettings, pruning: _Pruning
) -> set[tuple]:
    feeds = np.array([None] * len(when), object)
    rows, scores, order, _ = block.scores(
        _Groups(groups, pruning), when, feeds, np.zeros(len(when), np.bool_), settings
    )
    return {(int(r), float(s), int(o)) for r, s, o in zip(rows, scores, order, strict=True)}


@pytest.mark.parametrize("seed", range(12))
def test_opened_pruned_search_finds_the_pairs_and_scores_of_all_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    settings = ClusterSettings(threshold=float(rng.choice([0.3, 0.5, 0.7])), threshold_growth=0.0)
    topics = np.array([rng.choice(np.arange(40, WIDTH), 12, replace=False) for _ in range(5)])
    centroids = Vectors(rows_near_each_other(rng, 120, topics), rows_near_each_other(rng, 120, topics))
    groups = Vectors(rows_near_each_other(rng, 60, topics), rows_near_each_other(rng, 60, topics))
    frequency = np.bincount(np.concatenate([centroids.words.indices, groups.words.indices]), minlength=WIDTH)
    ranks = np.empty(WIDTH, np.int64)  # the most frequent first, as `_Pruning.of` ranks; or any order at all
    ranks[np.argsort(-frequency if seed % 2 else rng.random(WIDTH), kind="stable")] = np.arange(WIDTH)
    pruning = _Pruning(lowest_useful_words(settings), ranks)
    stories = [Story(f"s{i}", float(rng.uniform(0, 10)), None) for i in range(120)]
    block = _Block.of(stories, centroids, {s.id: i for i, s in enumerate(stories)}, pruning)
    when = rng.uniform(0, 10, 60)

    expected = all_pairs(block, groups, when, settings)
    assert len(expected) >= 10  # rows close enough for the test to mean something
    assert pruned(block, groups, when, settings, pruning) == expected

    block.alive[rng.random(120) < 0.4] = False  # some die; a block of the live ones finds the same
    expected = all_pairs(block, groups, when, settings)
    assert pruned(block, groups, when, settings, pruning) == expected
    assert pruned(_Block.joined([block]), groups, when, settings, pruning) == expected
