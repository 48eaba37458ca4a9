"""Story clustering: articles about the same event, from any outlet and any poll, become one `Cluster`.

Knows `Article` text, named entities and publication times; knows nothing of feeds, HTTP, the store or ranking.
The caller passes the clusters of the current window (from the store) and the articles a poll brought; this
module attaches each new article to an existing cluster (whose id never changes) or opens a new one, and returns
every cluster it changed or created. History is never reclustered.

How (each step measured on labelled data, see the README, "Stories: clustering and ranking"):
1. Features: hashed word counts of title + text (the title counts `title_weight` times) and, in a second space,
   names and numbers (capitalised words the text never writes in lower case; figures). Lines an outlet repeats
   under several of its articles (channel boilerplate) are dropped first. Hashing is stateless, so there is no
   vocabulary to keep between polls; IDF comes from the articles of the window itself.
2. Similarity: cosine of words tempered by cosine of names (weighted geometric mean, `entity_weight`), halved
   every `half_life_hours` between the articles: two storms a week apart share words but not days, two earnings
   reports share words but not names.
3. The new articles are grouped among themselves with average-linkage agglomerative clustering; a poll batch is
   small, and larger batches are cut into time-ordered chunks, so this stays far from all-pairs over the window.
4. Each group's centroid finds its nearest existing cluster centroids (brute-force cosine over sparse word
   vectors: one sparse product of a few dozen groups by a few thousand centroids), rescored with names and
   time, and joins the best above `threshold`; otherwise the group becomes a new cluster.
Near-identical copies inside a cluster (wire copies) are counted in `Cluster.duplicates`.

Speed (bench/cluster.py): every poll sees the whole window again, so per-article work is done once and per-poll
work is numpy over the window, never a Python loop per article beyond a dict lookup. Each article's raw
features (hashed columns and sublinear tf, words then names) are computed once and kept in one pool of arrays
(`_FeatureCache`); a poll gathers the window's rows from it in one indexing step, then weighs them with the
window's IDF. Featurising is the largest remaining cost (the regular expressions of the two analyzers).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils import murmurhash3_32

from briefing.config import ClusterSettings
from briefing.models import Article, Cluster

__all__ = ["cluster_articles", "cluster_id"]

_WORD_BITS = 20  # 2**20 hashed word columns (few collisions in any window); names use the next 2**20
_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER_RE = re.compile(r"[$£€]?\d[\d,.]*(?:%|\s?(?:percent|billion|million|trillion|bn|m)\b)?")
_CAPITAL_RE = re.compile(r"\b[A-Z][\w'’&\-]*")
_LOWER_RE = re.compile(r"\b[a-z][\w'’&\-]*")
_IDF_FLOOR = 0.3  # added to log IDF: a word in every article still counts a little (measured: 0.3 > 1 > 0)
_CANDIDATES = 10  # nearest clusters (by words) rescored with names and time
_BOILERPLATE_REPEATS = 3  # an outlet's line seen under this many of its articles is boilerplate
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "say", "mr", "ms", "mrs", "new", "news", "just", "like"}
_NOT_NAMES = _STOP | {  # capitalised, but they name a time, not who or where
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("january", "february", "march", "april", "june", "july", "august"),
    *("september", "october", "november", "december"),
}


def cluster_id(founding_article_id: str) -> str:
    """A cluster's id: derived from the article that opened it, so a rerun gives the same ids."""
    return "c-" + hashlib.sha256(founding_article_id.encode("utf-8")).hexdigest()[:12]


def cluster_articles(new: Sequence[Article], existing: Sequence[Cluster], settings: ClusterSettings) -> list[Cluster]:
    """Attach `new` articles to `existing` clusters or open new ones; return every cluster changed or created.

    `existing` should be the clusters of the current window (older ones cannot be joined anyway), each with its
    articles oldest first as the store and this function return them. Articles already in an existing cluster,
    and repeats within `new`, are ignored. The result is ordered by cluster id.
    """
    fresh = _fresh_articles(new, existing)
    if not fresh:
        return []
    window = _Window.build(existing, fresh, settings)
    changed: dict[str, _Draft] = {}
    for number, chunk in enumerate(_chunks(fresh, settings.max_batch)):
        _attach(_group_new(chunk, window, settings), window, changed, settings, number)
    _count_duplicates(list(changed.values()), window, settings)
    return sorted((draft.freeze() for draft in changed.values()), key=lambda c: c.id)


# ------------------------------------------------------------------------------------------------ features


def _tokens(text: str) -> list[str]:
    return [word for word in map(_folded, _WORD_RE.findall(text.lower())) if word]


@functools.lru_cache(maxsize=200_000)
def _folded(word: str) -> str:
    """A word as it counts (`_stem`), or "" when it does not count (stop words, single letters)."""
    return "" if word in _STOP or len(word) <= 1 else _stem(word)


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A crude plural/possessive fold: "storms" and "storm's" count as "storm"."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _entities(text: str) -> list[str]:
    """Names and numbers: the who, where and how-much that tell two similar events apart.

    A name is a capitalised word that the text never writes in lower case (so "Declaring" opening a sentence
    is not one, "Biden" is), folded like plain words; "Joe Biden" and "Biden" then share "biden".
    """
    lower = set(_LOWER_RE.findall(text))
    capitals = map(str.lower, _CAPITAL_RE.findall(text))
    found = [_stem(w) for w in capitals if w not in lower and w not in _NOT_NAMES]
    found.extend(n.strip(" .,").lower().replace(",", "") for n in _NUMBER_RE.findall(text))
    return found


def _is_title_case(title: str) -> bool:
    words = [w for w in title.split() if w[:1].isalpha()]
    return len(words) > 2 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _word_analyzer(article: Article, title_weight: int) -> list[str]:
    return _tokens(article.title) * title_weight + _tokens(article.text)


def _entity_analyzer(article: Article) -> list[str]:
    title = "" if _is_title_case(article.title) else article.title
    return _entities(title + "\n" + article.text)


@dataclass(frozen=True)
class _Rows:
    """Raw features of some articles, concatenated: hashed column indices and sublinear term frequencies, with
    each article's entry count (its row length)."""

    indices: np.ndarray
    data: np.ndarray
    lengths: np.ndarray


class _Pool:
    """Every cached article's features in two growing arrays, so a window's rows are gathered in one numpy step
    instead of concatenating one small array per article on every poll."""

    def __init__(self) -> None:
        self.indices = np.zeros(0, np.int32)
        self.data = np.zeros(0, np.float32)
        self.size = 0

    def append(self, indices: np.ndarray, data: np.ndarray) -> int:
        """Store entries at the end (growing by doubling); return where they start."""
        start, end = self.size, self.size + len(indices)
        if end > len(self.indices):
            capacity = max(end, 2 * len(self.indices), 1024)
            self.indices = np.resize(self.indices, capacity)
            self.data = np.resize(self.data, capacity)
        self.indices[start:end] = indices
        self.data[start:end] = data
        self.size = end
        return start

    def gather(self, starts: np.ndarray, lengths: np.ndarray) -> _Rows:
        """The entries of the rows starting at `starts`, concatenated in that order."""
        ends = np.cumsum(lengths)
        positions = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - lengths), lengths)
        return _Rows(self.indices[positions], self.data[positions], lengths)


class _FeatureCache:
    """Raw features per article id, computed once: every poll sees the whole window again.

    Keyed by id (the store never rewrites the text behind a stored id), checked against title and text length.
    Boilerplate is judged when an article is first featurised, from every article of its outlet seen so far in
    this process (a poll's first call sees the whole window). Bounded: the oldest entries go first, and the pool
    is rebuilt from the live entries when it is mostly dead ones.
    """

    def __init__(self, limit: int = 400_000, compact_above: int = 2**20) -> None:
        self._rows: dict[str, tuple[str, int, int, int, int]] = {}  # id -> (title, text length, pool start,
        # word entries, name entries): an article's words, then its names, are consecutive in the pool
        self._pool = _Pool()
        self._live = 0  # pool entries still referenced by `_rows`
        self._lines: dict[str, Counter[int]] = {}  # outlet -> how many of its articles carry each line
        self._limit = limit
        self._compact_above = compact_above  # pool entries below which dead ones are not worth reclaiming
        self._title_weight: int | None = None

    def rows(self, articles: Sequence[Article], title_weight: int) -> tuple[_Rows, _Rows]:
        """The articles' word features and name features, each concatenated in the order of `articles`."""
        if title_weight != self._title_weight:
            self._rows.clear()  # features depend on the setting
            self._pool, self._live = _Pool(), 0
            self._title_weight = title_weight
        cached = self._rows.get
        where = [cached(a.id) for a in articles]
        stale = [i for i, (a, w) in enumerate(zip(articles, where, strict=True)) if _stale(a, w)]
        if stale:
            self._add([articles[i] for i in stale], title_weight)
            for i in stale:
                where[i] = self._rows[articles[i].id]
        starts = np.fromiter((w[2] for w in where if w), np.int64, len(where))
        words = np.fromiter((w[3] for w in where if w), np.int64, len(where))
        names = np.fromiter((w[4] for w in where if w), np.int64, len(where))
        name_rows = self._pool.gather(starts + words, names)  # an article's words come first, then its names
        word_rows = self._pool.gather(starts, words)
        self._evict()  # after gathering: a window larger than the limit still gets all its rows
        return word_rows, replace(name_rows, indices=name_rows.indices - 2**_WORD_BITS)

    def _add(self, missing: Sequence[Article], title_weight: int) -> None:
        self._count_lines(missing)
        matrix = _featurise([self._without_boilerplate(a) for a in missing], title_weight)
        start = self._pool.append(matrix.indices, matrix.data)
        lengths = np.diff(matrix.indptr)
        words = np.bincount(np.repeat(np.arange(len(missing)), lengths)[matrix.indices < 2**_WORD_BITS])
        words = np.concatenate([words, np.zeros(len(missing) - len(words), np.int64)])
        for article, begin, count, word_count in zip(
            missing, matrix.indptr[:-1].tolist(), lengths.tolist(), words.tolist(), strict=True
        ):
            self._forget(article.id)
            self._rows[article.id] = (article.title, len(article.text), start + begin, word_count, count - word_count)
            self._live += count

    def _evict(self) -> None:
        """Forget the oldest articles beyond the limit; rebuild the pool when it is mostly forgotten entries."""
        for oldest in list(itertools.islice(self._rows, max(0, len(self._rows) - self._limit))):
            self._forget(oldest)
        if self._pool.size > max(2 * self._live, self._compact_above):
            self._compact_pool()

    def _forget(self, article_id: str) -> None:
        dropped = self._rows.pop(article_id, None)
        if dropped is not None:
            self._live -= dropped[3] + dropped[4]

    def _compact_pool(self) -> None:
        old, self._pool = self._pool, _Pool()
        for key, (title, length, start, words, names) in list(self._rows.items()):
            end = start + words + names
            self._rows[key] = (
                title,
                length,
                self._pool.append(old.indices[start:end], old.data[start:end]),
                words,
                names,
            )

    def _count_lines(self, articles: Sequence[Article]) -> None:
        if sum(len(c) for c in self._lines.values()) > self._limit:
            self._lines.clear()
        for article in articles:
            self._lines.setdefault(article.outlet, Counter()).update(_line_hashes(article))

    def _without_boilerplate(self, article: Article) -> Article:
        """Drop lines an outlet repeats under several of its articles ("Subscribe to our channel..."): they say
        nothing about the story, yet would make every article of that outlet look alike.
        """
        counts = self._lines.get(article.outlet, Counter())
        dropped = {h for h in _line_hashes(article) if counts[h] >= _BOILERPLATE_REPEATS}
        return _without_lines(article, dropped)


def _stale(article: Article, cached: tuple[str, int, int, int, int] | None) -> bool:
    """Not cached, or cached for another text under the same id (hand-made ids in tests and scripts)."""
    return cached is None or cached[0] != article.title or cached[1] != len(article.text)


def _line_hashes(article: Article) -> set[int]:
    return {hash(line.strip()) for line in article.text.splitlines() if line.strip()}


def _without_lines(article: Article, dropped: set[int]) -> Article:
    if not dropped:
        return article
    kept = [line for line in article.text.splitlines() if hash(line.strip()) not in dropped]
    return replace(article, text="\n".join(kept))


_CACHE = _FeatureCache()


def _featurise(articles: Sequence[Article], title_weight: int) -> sp.csr_matrix:
    """One row per article: hashed words, then names in the 2**20 columns after them, as sublinear tf."""
    features = [
        [
            *map(_column, _word_analyzer(a, title_weight)),
            *(2**_WORD_BITS + c for c in map(_column, _entity_analyzer(a))),
        ]
        for a in articles
    ]
    lengths = [len(row) for row in features]
    columns = np.fromiter(itertools.chain.from_iterable(features), np.int32, sum(lengths))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    shape = (len(articles), 2 ** (_WORD_BITS + 1))
    matrix = sp.csr_matrix((np.ones(len(columns), np.float32), columns, indptr), shape=shape)
    matrix.sum_duplicates()  # counts, and sorted columns: an article's words come before its names
    matrix.data = 1.0 + np.log(matrix.data)  # sublinear tf: the tenth "Biden" adds little
    return matrix


@functools.lru_cache(maxsize=400_000)
def _column(feature: str) -> int:
    """A feature's hashed column, exactly where scikit-learn's HashingVectorizer puts it (same murmurhash, seed 0,
    same fold of the sign), remembered per distinct word instead of hashed again for every occurrence.
    """
    h = int(murmurhash3_32(feature, seed=0))
    columns = 1 << _WORD_BITS
    if h == -(1 << 31):
        return ((1 << 31) - 1 - (columns - 1)) % columns  # abs(-2**31) overflows an int32 in scikit-learn
    return abs(h) % columns


# -------------------------------------------------------------------------------------------------- window


@dataclass(frozen=True)
class _Vectors:
    """Unit-length rows in two spaces: words (title + text) and names (entities, numbers)."""

    words: sp.csr_matrix
    names: sp.csr_matrix

    def __getitem__(self, rows: list[int]) -> _Vectors:
        return _Vectors(self.words[rows], self.names[rows])

    def summed(self, groups: Sequence[Sequence[int]]) -> _Vectors:
        """One unit-length centroid per group of rows."""
        members = [row for group in groups for row in group]
        indicator = sp.csr_matrix(
            (np.ones(len(members)), members, np.cumsum([0] + [len(g) for g in groups])),
            shape=(len(groups), self.words.shape[0]),
        )
        return _Vectors(_normalize(indicator @ self.words), _normalize(indicator @ self.names))

    def summed_runs(self, sizes: np.ndarray) -> _Vectors:
        """`summed` for groups that are consecutive runs of rows from the first, `sizes[i]` rows each."""
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        indicator = sp.csr_matrix(
            (np.ones(int(indptr[-1])), np.arange(indptr[-1]), indptr), shape=(len(sizes), self.words.shape[0])
        )
        return _Vectors(_normalize(indicator @ self.words), _normalize(indicator @ self.names))


def _similarity(a: _Vectors, b: _Vectors, settings: ClusterSettings) -> np.ndarray:
    """Similarity of every row of `a` to every row of `b` (see `_mix`)."""
    has_names = (a.names.getnnz(axis=1) > 0)[:, None] & (b.names.getnnz(axis=1) > 0)[None, :]
    return _mix((a.words @ b.words.T).toarray(), (a.names @ b.names.T).toarray(), has_names, settings)


def _mix(words: np.ndarray, names: np.ndarray, has_names: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """Cosine similarity of words, tempered by agreement on names: a weighted geometric mean, so two reports
    worded alike about different companies (no shared names) score low. Pairs where a side has no names use
    words alone. Measured on the dev set: a linear mix or names as extra words gave no protection to the
    earnings-report case, and the geometric mean cost about 1 point of pairwise F1 there.
    """
    beta = settings.entity_weight
    mixed = np.power(np.clip(words, 0, 1), 1 - beta) * np.power(np.clip(names, 0, 1), beta)
    combined: np.ndarray = np.where(has_names, mixed, words)
    return combined


@dataclass
class _Window:
    """Every article of the window as weighted, row-normalised vectors; existing clusters as centroids."""

    vectors: _Vectors  # one row per article, existing first, then new
    row_of: dict[str, int]
    clusters: list[Cluster]
    centroids: _Vectors  # one row per existing cluster
    latest: np.ndarray  # newest article of each existing cluster, in hours

    @classmethod
    def build(cls, existing: Sequence[Cluster], new: Sequence[Article], settings: ClusterSettings) -> _Window:
        articles = [a for c in existing for a in c.articles] + list(new)
        row_of = {a.id: i for i, a in enumerate(articles)}
        vectors = _weighted(*_CACHE.rows(articles, settings.title_weight))
        sizes = np.array([len(c.articles) for c in existing], np.int64)
        centroids = vectors.summed_runs(sizes)  # each cluster's articles are consecutive rows
        latest = np.array([_hours(c.articles[-1].published) for c in existing])  # clusters keep oldest first
        return cls(vectors, row_of, list(existing), centroids, latest)

    def rows(self, articles: Iterable[Article]) -> list[int]:
        return [self.row_of[a.id] for a in articles]


def _weighted(words: _Rows, names: _Rows) -> _Vectors:
    """Sublinear tf x IDF over the window's articles, each space's rows unit length."""
    return _Vectors(_weighted_space(words), _weighted_space(names))


def _weighted_space(rows: _Rows) -> sp.csr_matrix:
    count = len(rows.lengths)
    used, columns = _compact(rows.indices)  # only the features this window uses become columns
    df = np.bincount(columns, minlength=len(used))  # rows hold each feature once
    idf = np.log((1.0 + count) / (1.0 + df)) + _IDF_FLOOR
    data = rows.data * idf[columns].astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(rows.lengths)])
    return _normalize(sp.csr_matrix((data, columns, indptr), shape=(count, len(used))))


def _compact(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct hashed features (sorted) and each index's position among them: by sorting for a few
    indices, by a lookup table over the hash space for many (sorting costs 0.3 s on a window of 20,000 articles).
    """
    if len(indices) < 2**16:
        used, positions = np.unique(indices, return_inverse=True)
        return used, positions
    present = np.zeros(2**_WORD_BITS, np.bool_)
    present[indices] = True
    used = np.flatnonzero(present)
    table = np.zeros(len(present), np.int32)
    table[used] = np.arange(len(used), dtype=np.int32)
    return used, table[indices]


def _normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows to unit length, in place on a CSR copy's data (empty rows stay empty). Plain numpy: scikit-learn's
    `normalize` validates its input on every call, which dominated small polls.
    """
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    counts = np.diff(matrix.indptr)
    squares = np.bincount(np.repeat(np.arange(matrix.shape[0]), counts), matrix.data**2, minlength=matrix.shape[0])
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, counts).astype(np.float32)
    return matrix


def _hours(moment: datetime) -> float:
    return moment.timestamp() / 3600.0


def _decay(gap_hours: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """How much of a similarity survives `gap_hours` between two articles (1 when simultaneous)."""
    decay: np.ndarray = np.power(0.5, np.abs(gap_hours) / settings.half_life_hours)
    return decay


# -------------------------------------------------------------------------------------------- the two steps


def _fresh_articles(new: Sequence[Article], existing: Sequence[Cluster]) -> list[Article]:
    """New articles not yet clustered, once each, in a fixed order (published, id) so input order never matters."""
    known = {a.id for c in existing for a in c.articles}
    unique = {a.id: a for a in new if a.id not in known}
    return sorted(unique.values(), key=lambda a: (a.published, a.id))


def _chunks(articles: list[Article], size: int) -> Iterable[list[Article]]:
    for start in range(0, len(articles), size):
        yield articles[start : start + size]


def _group_new(chunk: list[Article], window: _Window, settings: ClusterSettings) -> list[list[Article]]:
    """Average-linkage groups among the new articles, on time-decayed similarity."""
    if len(chunk) == 1:
        return [chunk]
    vectors = window.vectors[window.rows(chunk)]
    hours = np.array([_hours(a.published) for a in chunk])
    similarity = _similarity(vectors, vectors, settings) * _decay(hours[:, None] - hours[None, :], settings)
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - settings.threshold,
    ).fit_predict(distance)
    groups: dict[int, list[Article]] = {}
    for article, label in zip(chunk, labels, strict=True):
        groups.setdefault(int(label), []).append(article)
    return list(groups.values())


def _attach(
    groups: list[list[Article]], window: _Window, changed: dict[str, _Draft], settings: ClusterSettings, chunk: int
) -> None:
    """Each group joins the most similar cluster it is close enough to (stored, or opened by an earlier chunk of
    this call), or becomes a new cluster. One nearest-neighbour query serves the whole chunk.
    """
    centroids = window.vectors.summed([window.rows(group) for group in groups])
    when = np.array([np.mean([_hours(a.published) for a in group]) for group in groups])
    candidates = _stored_candidates(centroids, when, window, settings)
    opened = [d for d in changed.values() if d.opened_in is not None]  # all from earlier chunks
    if opened:
        opened_centroids = window.vectors.summed([window.rows(d.articles) for d in opened])
        opened_scores = _similarity(centroids, opened_centroids, settings)
        opened_scores *= _decay(when[:, None] - np.array([d.latest() for d in opened])[None, :], settings)
    for g, group in enumerate(groups):
        best: tuple[float, _Draft | None] = (settings.threshold, None)
        for score, i in candidates[g]:
            if score >= best[0]:
                cluster = window.clusters[i]
                best = (score, changed.get(cluster.id) or _Draft.of(cluster))
        if opened:
            o = int(np.argmax(opened_scores[g]))
            if opened_scores[g, o] >= best[0]:
                best = (float(opened_scores[g, o]), opened[o])
        _merge(group, best[1], changed, chunk)


def _stored_candidates(
    centroids: _Vectors, when: np.ndarray, window: _Window, settings: ClusterSettings
) -> list[list[tuple[float, int]]]:
    """For each group, the stored clusters nearest in words, rescored with names and time:
    (similarity, cluster index) pairs.
    """
    if not window.clusters:
        return [[] for _ in range(centroids.words.shape[0])]
    words = (centroids.words @ window.centroids.words.T).toarray()
    neighbours = _nearest(1.0 - words, min(len(window.clusters), _CANDIDATES))
    picked = np.arange(len(neighbours))[:, None]
    name_scores = (centroids.names @ window.centroids.names.T).toarray()[picked, neighbours]
    has_names = (centroids.names.getnnz(axis=1) > 0)[:, None] & (window.centroids.names.getnnz(axis=1) > 0)[neighbours]
    scores = _mix(words[picked, neighbours], name_scores, has_names, settings)
    scores *= _decay(when[:, None] - window.latest[neighbours], settings)
    return [list(zip(row.tolist(), ids.tolist(), strict=True)) for row, ids in zip(scores, neighbours, strict=True)]


def _nearest(distances: np.ndarray, k: int) -> np.ndarray:
    """The `k` smallest distances' columns per row, nearest first: what a brute-force nearest-neighbour index
    returns, without fitting one per poll (a few thousand centroids, a few dozen queries: one sparse product).
    """
    picked = np.argpartition(distances, k - 1, axis=1)[:, :k]
    rows = np.arange(len(distances))[:, None]
    order = np.argsort(distances[rows, picked], axis=1)
    nearest: np.ndarray = picked[rows, order]
    return nearest


def _merge(group: list[Article], target: _Draft | None, changed: dict[str, _Draft], chunk: int) -> None:
    draft = target or _Draft(cluster_id(group[0].id), [], 0, opened_in=chunk)
    draft.articles.extend(group)
    draft.added += len(group)
    changed[draft.id] = draft


def _count_duplicates(drafts: Sequence[_Draft], window: _Window, settings: ClusterSettings) -> None:
    """Count each added article that nearly repeats an article before it in its cluster (a wire copy).
    Only pairs within one cluster are compared, all in one vectorised step.
    """
    later_parts, earlier_parts, owner_parts = [], [], []
    for number, d in enumerate(drafts):
        rows = np.array(window.rows(d.articles), np.int64)
        later, earlier = _pairs_before(max(1, len(rows) - d.added), len(rows))
        later_parts.append(rows[later])
        earlier_parts.append(rows[earlier])
        owner_parts.append(np.full(len(later), number, np.int64) * len(window.row_of) + rows[later])
    later_rows = np.concatenate(later_parts) if later_parts else np.zeros(0, np.int64)
    if not len(later_rows):
        return
    words = window.vectors.words
    similarity = np.asarray(words[later_rows].multiply(words[np.concatenate(earlier_parts)]).sum(axis=1)).ravel()
    repeats = np.unique(np.concatenate(owner_parts)[similarity >= settings.duplicate_threshold])
    per_draft = np.bincount(repeats // len(window.row_of), minlength=len(drafts))
    for d, count in zip(drafts, per_draft.tolist(), strict=True):
        d.duplicates += count


def _pairs_before(first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (later, earlier) position pair with `first <= later < end` and `earlier < later`, later-major."""
    later = np.repeat(np.arange(first, end), np.arange(first, end))
    starts = np.repeat(np.cumsum(np.arange(first, end)) - np.arange(first, end), np.arange(first, end))
    return later, np.arange(len(later)) - starts


@dataclass
class _Draft:
    """A cluster being changed in this call; frozen into a `Cluster` at the end."""

    id: str
    articles: list[Article]
    duplicates: int
    opened_in: int | None = None  # the chunk of this call that opened it; None for a stored cluster
    added: int = 0  # articles added in this call (the last ones)

    @classmethod
    def of(cls, cluster: Cluster) -> _Draft:
        return cls(cluster.id, list(cluster.articles), cluster.duplicates)

    def latest(self) -> float:
        return max(_hours(a.published) for a in self.articles)

    def freeze(self) -> Cluster:
        ordered = tuple(sorted(self.articles, key=lambda a: (a.published, a.id)))
        return replace(Cluster(self.id, ordered), duplicates=self.duplicates)
