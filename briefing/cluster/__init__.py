"""Story clustering: articles about the same event, from any outlet and any poll, become one `Cluster`.

Knows `Article` text, named entities and publication times; knows nothing of feeds, HTTP, the store or ranking.
The caller passes the clusters of the current window (from the store) and the articles a poll brought; this
package attaches each new article to an existing cluster (whose id never changes) or opens a new one, and returns
every cluster it changed or created. History is never reclustered.

How (each step measured on labelled data, see the README, "Stories: clustering and ranking"):
1. Features (`_features`): hashed word counts of title + text (the title counts `title_weight` times) and, in a
   second space, names and numbers (capitalised words the text never writes in lower case; figures). Lines an
   outlet repeats under several of its articles (channel boilerplate) are dropped first. IDF comes from the
   articles of the window itself (`_window`).
2. Similarity: cosine of words tempered by cosine of names (weighted geometric mean, `entity_weight`), halved
   every `half_life_hours` between the articles: two storms a week apart share words but not days, two earnings
   reports share words but not names.
3. The new articles are grouped among themselves with average-linkage agglomerative clustering (scipy); a poll batch is
   small, and larger batches are cut into time-ordered chunks, so this stays far from all-pairs over the window.
4. Each group's centroid finds its nearest stored cluster centroids (brute-force cosine over sparse word
   vectors: one sparse product of a few dozen groups by a few thousand centroids), rescored with names and
   time, and joins the best above `threshold`; otherwise the group becomes a new cluster.
Near-identical copies inside a cluster (wire copies) are counted in `Cluster.duplicates`.

Speed (bench/cluster.py): every poll sees the whole window again, so each article is featurised once per process
(`_features.FEATURES`) and each stored cluster's sums are kept while it is unchanged (`_window.WindowState`);
a poll then costs numpy over the window's clusters plus work on its new articles.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sparse_dot_topn import sp_matmul_topn

from briefing.cluster import _window
from briefing.cluster._agreement import CoreSum, agreements, all_ask, asks, question_factor
from briefing.cluster._agreement import feed_of as _feed
from briefing.cluster._agreement import one_feed as _one_feed
from briefing.cluster._opened import Opened, lowest_useful_words
from briefing.cluster._similarity import Vectors, decay, hours, mix, similarity
from briefing.cluster._weighed import Weighed
from briefing.cluster._window import Window, WindowState
from briefing.config import ClusterSettings
from briefing.models import Article, Cluster, ClusterMemory

__all__ = ["cluster_articles", "cluster_id", "memory_of", "memory_stamp", "recall", "threshold_for", "unremembered"]

_CANDIDATES = 10  # nearest clusters (by words) rescored with names and time
_THREADS = min(4, os.cpu_count() or 1)  # for the nearest-centroid search; results do not depend on it
_THREADED_ABOVE = 200_000  # centroid entries below which threads cost more than they save (measured)
_PAIRS_PER_PRODUCT = 2_000_000  # article pairs compared for wire copies in one step (8 MB of scores)
_STATE = WindowState()
_MEMORY_FORMAT = 5  # of the bytes in `ClusterMemory`: a change makes every stored copy a miss


def cluster_id(founding_article_id: str) -> str:
    """A cluster's id: derived from the article that opened it, so a rerun gives the same ids."""
    return "c-" + hashlib.sha256(founding_article_id.encode("utf-8")).hexdigest()[:12]


def memory_stamp(settings: ClusterSettings, text_version: str = "") -> str:
    """What the stored `ClusterMemory` must have been computed with to be read: the format, the settings the
    features depend on and how the caller prepared the texts (`text_version`)."""
    return f"features-{_MEMORY_FORMAT}:title_weight={settings.title_weight}:texts={text_version}"


def unremembered(
    existing: Sequence[Cluster], settings: ClusterSettings, text_version: str = ""
) -> tuple[list[str], list[str]]:
    """The ids of the `existing` clusters whose sums, and of their articles whose features, this process does not
    hold: what the caller should read from the store (`ClusterMemory`) before clustering. A long-running process
    holds them all after its first poll; a fresh one holds none."""
    _use_text_version(text_version)
    clusters = [c.id for c in existing if not _STATE.holds(c, settings.title_weight)]
    articles = [a.id for c in existing for a in c.articles if not _window.FEATURES.holds(a, settings.title_weight)]
    return clusters, articles


def recall(
    existing: Sequence[Cluster], memory: ClusterMemory, settings: ClusterSettings, text_version: str = ""
) -> list[str]:
    """Take what the store kept (`memory`, read under `memory_stamp`) for the `existing` clusters; return the ids
    of their articles that still have no features: the caller passes those with their texts.

    Nothing stored is trusted blindly: features of another stamp are not read, bytes that do not read back are
    ignored, and a cluster's sums count only if its articles are still the ones they were computed from (or
    these plus new ones: then they are grown)."""
    _use_text_version(text_version)
    if memory.stamp != memory_stamp(settings, text_version):
        memory = ClusterMemory(memory_stamp(settings, text_version))
    _STATE.recall(existing, memory.sums, settings.title_weight)
    articles = [a for c in existing for a in c.articles]
    return _window.FEATURES.recall(articles, memory.features, settings.title_weight)


def memory_of(clusters: Sequence[Cluster], settings: ClusterSettings, text_version: str = "") -> ClusterMemory:
    """What to store after a call (`clusters`: the ones it returned), for a later process to `recall`: their
    sums, and whatever this process computed rather than recalled since the last `memory_of` (the features of
    new articles, sums of stored clusters it had to compute)."""
    _use_text_version(text_version)
    sums = _STATE.encoded_sums(clusters, settings.title_weight)
    return ClusterMemory(memory_stamp(settings, text_version), _window.FEATURES.unsaved_rows(), sums)


def _use_text_version(version: str) -> None:
    _window.FEATURES.use_text_version(version)
    _STATE.use_text_version(version)


def threshold_for(articles: int, settings: ClusterSettings) -> float:
    """The similarity a join needs where an article has `articles` around it: `threshold` up to 100 articles,
    then `threshold_growth` more for every tenfold. An article compared with thousands meets more look-alikes
    by chance than one compared with fifty (measured: a real stream of 20 outlets needs about twice the bar of
    a day of AllSides roundups for the same precision). `cluster_articles` counts the articles within twice
    `window_hours` of a new article (`Window.crowd`), not the whole call: a first poll spans weeks."""
    return min(0.95, settings.threshold + settings.threshold_growth * max(0.0, math.log10(max(articles, 1) / 100)))


def cluster_articles(
    new: Sequence[Article], existing: Sequence[Cluster], settings: ClusterSettings, *, text_version: str = ""
) -> list[Cluster]:
    """Attach `new` articles to `existing` clusters or open new ones; return every cluster changed or created.

    `existing` should be the clusters of the current window (older ones cannot be joined anyway), each with its
    articles oldest first as the store and this function return them. Articles already in an existing cluster,
    and repeats within `new`, are ignored. The result is ordered by cluster id. `text_version` names how the
    caller prepared the texts (the learned boilerplate removed): what was computed under another is forgotten.
    """
    _use_text_version(text_version)
    window = _STATE.window(existing, new, settings)
    if not window.new:
        return []
    settings = settings.model_copy(update={"threshold": threshold_for(window.crowd, settings)})
    changed: dict[str, _Draft] = {}
    for article in (a for a in window.new if a.kind.standalone):  # a live blog or a digest is its own story
        _merge([article], None, changed, -1)
    joining = [a for a in window.new if not a.kind.standalone]
    weighed = Weighed(window, joining)  # every step below reads the new articles' rows from one weighing
    opened: Opened[_Draft] = Opened(weighed, settings)
    for number, chunk in enumerate(_chunks(joining, settings.max_batch)):
        vectors = weighed.vectors(chunk)  # grouping and the groups' centroids both use them
        groups = _group_new(chunk, vectors, settings)
        _attach(groups, _group_centroids(chunk, vectors, groups), weighed, changed, opened, number)
    _count_duplicates(list(changed.values()), weighed, settings)
    return sorted((draft.freeze() for draft in changed.values()), key=lambda c: c.id)


# -------------------------------------------------------------------------------------------- the two steps


def _chunks(articles: list[Article], size: int) -> Iterable[list[Article]]:
    for start in range(0, len(articles), size):
        yield articles[start : start + size]


def _group_new(chunk: list[Article], vectors: Vectors, settings: ClusterSettings) -> list[list[Article]]:
    """Average-linkage groups among the new articles (`vectors`: theirs, in order), on time-decayed similarity."""
    if len(chunk) == 1:
        return [chunk]
    when = np.array([hours(a.published) for a in chunk])
    scores = similarity(vectors, vectors, settings) * decay(when[:, None] - when[None, :], settings)
    _, feed = np.unique(np.array([_feed(a) for a in chunk]), return_inverse=True)  # numbers: comparing strings
    scores *= np.where(feed[:, None] == feed[None, :], settings.same_feed_factor, 1.0)  # cost more than the rest
    question = np.array([asks(a) for a in chunk])  # two questions on one topic share no development
    scores *= np.where(question[:, None] & question[None, :], settings.same_feed_factor, 1.0)
    distance = np.clip(1.0 - scores, 0.0, None)
    labels = _average_linkage_groups(distance, 1.0 - settings.threshold)
    groups: dict[int, list[Article]] = {}
    for article, label in zip(chunk, labels, strict=True):
        groups.setdefault(int(label), []).append(article)
    return list(groups.values())


def _average_linkage_groups(distance: np.ndarray, below: float) -> np.ndarray:
    """A flat label per row of the square `distance` matrix: average-linkage merges while the distance between
    two groups is under `below` (strictly: a pair exactly at the threshold stays apart, as it always has).
    Average linkage never merges lower than a merge below it, so cutting the tree just under `below` is that."""
    condensed = squareform(distance, checks=False)  # the upper triangle, row by row (as `linkage` reads it)
    tree = linkage(condensed, method="average")
    labels: np.ndarray = fcluster(tree, np.nextafter(below, -np.inf), criterion="distance")
    return labels


def _group_centroids(chunk: list[Article], vectors: Vectors, groups: list[list[Article]]) -> Vectors:
    """One centroid per group, from the chunk's `vectors` (one row per article of `chunk`)."""
    row = {a.id: i for i, a in enumerate(chunk)}
    order = [row[a.id] for group in groups for a in group]
    return Vectors(vectors.words[order], vectors.names[order]).summed_runs([len(g) for g in groups])


def _attach(
    groups: list[list[Article]],
    centroids: Vectors,
    weighed: Weighed,
    changed: dict[str, _Draft],
    opened: Opened[_Draft],
    chunk: int,
) -> None:
    """Each group joins the most similar cluster it is close enough to (stored, or opened by an earlier chunk of
    this call), or becomes a new cluster. One nearest-neighbour query serves the whole chunk.
    """
    settings, window = opened.settings, weighed.window
    when = np.array([np.mean([hours(a.published) for a in group]) for group in groups])
    candidates = _stored_candidates(centroids, when, window, settings)
    asking = [all_ask(group) for group in groups]
    nearest_opened = opened.nearest(centroids, when, [_one_feed(group) for group in groups], asking)
    targets: list[Cluster | _Draft | None] = []
    for g, group in enumerate(groups):
        best: tuple[float, Cluster | _Draft | None] = (settings.threshold, None)
        feed = _one_feed(group)
        for score, i in candidates[g]:
            cluster = window.clusters[i]
            score *= _feed_factor(feed, cluster.articles, settings)
            score *= question_factor(asking[g], cluster.articles, settings)
            if score >= best[0]:
                best = (score, cluster)
        near = nearest_opened[g]
        if near is not None and near[0] >= best[0]:
            best = near
        targets.append(best[1])
    joined = _join(groups, targets, weighed, changed, chunk, settings)
    for group, join in zip(groups, joined, strict=True):  # in the groups' order, as clusters are opened
        if join is None:
            opened.touched(_merge(group, None, changed, chunk))
            continue
        story, agree, apart = join
        if apart:
            opened.touched(_merge(apart, None, changed, chunk))
        if agree:
            opened.touched(story)


def _join(
    groups: list[list[Article]],
    targets: list[Cluster | _Draft | None],
    weighed: Weighed,
    changed: dict[str, _Draft],
    chunk: int,
    settings: ClusterSettings,
) -> list[tuple[_Draft, list[Article], list[Article]] | None]:
    """Each group with a target joins it: a group of several only with its members that agree with the story
    (`_agreement`; the others are left apart, for the caller). Returns, per group, the story joined, the members
    that joined and those left apart (None for a group without a target).

    The groups are taken in waves: the first group of each target, then the second, and so on. A story's core
    changes only when a group joins it, so each group meets its story as it would one group after another,
    and the groups of a wave, joining different stories, are scored together."""
    waves: list[list[int]] = []
    seen: dict[str, int] = {}
    for g, target in enumerate(targets):
        if target is not None:
            turn = seen[target.id] = seen.get(target.id, -1) + 1
            if turn == len(waves):
                waves.append([])
            waves[turn].append(g)
    joined: list[tuple[_Draft, list[Article], list[Article]] | None] = [None] * len(groups)
    for wave in waves:
        stories = [_story(targets[g], changed) for g in wave]
        several = [k for k, g in enumerate(wave) if len(groups[g]) > 1]
        split = agreements([groups[wave[k]] for k in several], [stories[k] for k in several], weighed, settings)
        found = dict(zip(several, split, strict=True))
        for k, g in enumerate(wave):
            agree, apart = found.get(k, (groups[g], []))
            if agree:
                _merge(agree, stories[k], changed, chunk)
            joined[g] = (stories[k], agree, apart)
    return joined


def _story(target: Cluster | _Draft | None, changed: dict[str, _Draft]) -> _Draft:
    """The draft of a target: an opened cluster's own, a stored cluster's as this call has changed it so far."""
    assert target is not None
    if isinstance(target, Cluster):
        return changed.get(target.id) or _Draft.of(target)
    return target


def _feed_factor(feed: str | None, articles: Sequence[Article], settings: ClusterSettings) -> float:
    """`same_feed_factor` when a group from one feed meets a story told only by that feed: one outlet's items
    share its style and its beat, so they need stronger evidence than two outlets' do."""
    return settings.same_feed_factor if feed is not None and _one_feed(articles) == feed else 1.0


def _stored_candidates(
    centroids: Vectors, when: np.ndarray, window: Window, settings: ClusterSettings
) -> list[list[tuple[float, int]]]:
    """For each group, the stored clusters nearest in words, rescored with names and time:
    (similarity, cluster index) pairs.

    The nearest are found by `sparse_dot_topn`, which multiplies and keeps the top few per row in one
    multithreaded pass; the dense group-by-centroid matrix was a third of a 100,000-article run. Word scores
    below `_lowest_useful_words` are dropped there: with names and time they could only score lower.
    """
    if not window.clusters:
        return [[] for _ in range(centroids.words.shape[0])]
    nearest = sp_matmul_topn(
        centroids.words,
        window.centroids.words.T.tocsr(),
        top_n=_CANDIDATES,
        threshold=lowest_useful_words(settings),
        n_threads=_THREADS if window.centroids.words.nnz > _THREADED_ABOVE else 1,
    )
    rows = np.repeat(np.arange(nearest.shape[0]), np.diff(nearest.indptr))
    picked = nearest.indices
    names = np.asarray(centroids.names[rows].multiply(window.centroids.names[picked]).sum(axis=1)).ravel()
    has_names = (centroids.names.getnnz(axis=1) > 0)[rows] & (window.centroids.names.getnnz(axis=1) > 0)[picked]
    scores = mix(nearest.data, names, has_names, settings) * decay(when[rows] - window.latest[picked], settings)
    found: list[list[tuple[float, int]]] = [[] for _ in range(nearest.shape[0])]
    for n in np.lexsort((-nearest.data, rows)).tolist():  # per group, nearest in words first
        found[int(rows[n])].append((float(scores[n]), int(picked[n])))
    return found


def _merge(group: list[Article], target: _Draft | None, changed: dict[str, _Draft], chunk: int) -> _Draft:
    draft = target or _Draft(cluster_id(group[0].id), [], 0, opened_in=chunk)
    feed = _one_feed(group)
    draft.sole_feed = feed if not draft.articles or draft.sole_feed == feed else None
    draft.articles.extend(group)
    draft.added += len(group)
    draft.latest_hours = max(draft.latest_hours, *(hours(a.published) for a in group))
    changed[draft.id] = draft
    return draft


def _count_duplicates(drafts: Sequence[_Draft], weighed: Weighed, settings: ClusterSettings) -> None:
    """Count each added article that nearly repeats an article before it in its cluster (a wire copy)."""
    for batch in _batches(drafts):
        _count_batch(batch, weighed, settings)


def _batches(drafts: Sequence[_Draft]) -> Iterable[list[_Draft]]:
    """Changed clusters in runs small enough for one product of their added articles by all their articles:
    a poll's few changed clusters in one step, the thousands of a first import in bounded blocks."""
    batch: list[_Draft] = []
    added = total = 0
    for d in drafts:
        if batch and (added + d.added) * (total + len(d.articles)) > _PAIRS_PER_PRODUCT:
            yield batch
            batch, added, total = [], 0, 0
        batch.append(d)
        added, total = added + d.added, total + len(d.articles)
    if batch:
        yield batch


def _count_batch(drafts: list[_Draft], weighed: Weighed, settings: ClusterSettings) -> None:
    """One sparse product of the added articles by every article of these clusters; only pairs within one
    cluster, with the earlier article first, count."""
    words = weighed.vectors([a for d in drafts for a in d.articles]).words
    sizes = np.array([len(d.articles) for d in drafts])
    owner = np.repeat(np.arange(len(drafts)), sizes)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # within its cluster
    first_added = np.maximum(1, sizes - np.array([d.added for d in drafts]))  # a first article repeats nothing
    added = np.flatnonzero(position >= first_added[owner])
    step = max(1, _PAIRS_PER_PRODUCT // len(owner))
    for rows in (added[i : i + step] for i in range(0, len(added), step)):
        similar = (words[rows] @ words.T).toarray() >= settings.duplicate_threshold
        earlier = (owner[None, :] == owner[rows][:, None]) & (position[None, :] < position[rows][:, None])
        repeats = rows[(similar & earlier).any(axis=1)]
        for d, count in zip(drafts, np.bincount(owner[repeats], minlength=len(drafts)).tolist(), strict=True):
            d.duplicates += count


@dataclass
class _Draft:
    """A cluster being changed in this call; frozen into a `Cluster` at the end."""

    id: str
    articles: list[Article]
    duplicates: int
    opened_in: int | None = None  # the chunk of this call that opened it; None for a stored cluster
    added: int = 0  # articles added in this call (the last ones)
    latest_hours: float = -math.inf  # its newest article, in hours
    sole_feed: str | None = None  # the one feed all its articles come from (None: several)
    core_sum: CoreSum | None = None  # the sum of the rows of its first `core_count` articles (`_agreement`)
    core_count: int = 0

    @classmethod
    def of(cls, cluster: Cluster) -> _Draft:
        latest = max((hours(a.published) for a in cluster.articles), default=-math.inf)
        feed = _one_feed(cluster.articles) if cluster.articles else None
        return cls(cluster.id, list(cluster.articles), cluster.duplicates, latest_hours=latest, sole_feed=feed)

    def freeze(self) -> Cluster:
        ordered = tuple(sorted(self.articles, key=lambda a: (a.published, a.id)))
        return replace(Cluster(self.id, ordered), duplicates=self.duplicates)
