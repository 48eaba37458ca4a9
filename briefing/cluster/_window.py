"""The window a poll clusters against: IDF-weighted vectors of articles, and the centroids of stored clusters.

Knows features and clusters; knows nothing of how groups are formed or joined. Every poll sees the whole window
again, so what depends on one stored cluster alone (the sum of its articles' features, which features it holds
and how often, its newest article) is computed once and kept in `WindowState` while the cluster is unchanged,
and grown by its new articles when it gains some; the window's document frequencies are updated by the clusters
that came, changed or went since the previous call, never recounted. Nothing is approximated (counts are
integers; a grown sum adds the same numbers in another order), so a long process gives the clusters a fresh one
would (tests/test_cluster.py replays polls both ways). A poll's cost is then numpy over the window's distinct
(cluster, feature) entries, plus its new articles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from briefing.cluster._features import FEATURES as FEATURES  # re-exported: one cache, which tests replace
from briefing.cluster._features import WORD_BITS, Rows
from briefing.cluster._similarity import Vectors, hours, row_sums, unit_rows
from briefing.config import ClusterSettings
from briefing.models import Article, Cluster

_COLUMNS = 2**WORD_BITS  # each space (words, names) has this many hashed columns
_IDF_FLOOR = 0.3  # added to log IDF: a word in every article still counts a little (measured: 0.3 > 1 > 0)


# ------------------------------------------------------------------------------------------ stored clusters


@dataclass(frozen=True)
class _Space:
    """One space of one cluster: the features its articles hold (sorted columns), the sum of the articles'
    unit-length rows there, and how many of its articles hold each feature (its share of document frequency)."""

    columns: np.ndarray
    sums: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class _ClusterSums:
    """What the window needs of one stored cluster; a pure function of its articles."""

    words: _Space
    names: _Space
    latest: float  # its newest article, in hours
    article_ids: tuple[str, ...]


_Key = tuple[str, int, str, str, int]


def _key(cluster: Cluster) -> _Key:
    """Identifies a cluster's articles: stored clusters only ever gain articles, so id and size tell a changed
    cluster; the last article's id, title and length tell hand-made clusters that reuse an id apart."""
    last = cluster.articles[-1]
    return (cluster.id, len(cluster.articles), last.id, last.title, len(last.text))


def _cluster_sums(clusters: Sequence[Cluster], title_weight: int) -> list[_ClusterSums]:
    """Sums for many clusters at once: one featurising and one sort for all of them."""
    if not clusters:
        return []
    sizes = np.array([len(c.articles) for c in clusters], np.int64)
    words, names = FEATURES.rows([a for c in clusters for a in c.articles], title_weight)
    word_spaces, name_spaces = _spaces(words, sizes), _spaces(names, sizes)
    return [
        _ClusterSums(w, n, hours(c.articles[-1].published), tuple(a.id for a in c.articles))
        for c, w, n in zip(clusters, word_spaces, name_spaces, strict=True)
    ]


def _spaces(rows: Rows, sizes: np.ndarray) -> list[_Space]:
    """Per run of `sizes` articles: distinct columns, sums of the unit-length rows, and document counts."""
    norms = np.sqrt(row_sums(rows.data.astype(np.float64) ** 2, rows.lengths))
    norms[norms == 0] = 1.0
    unit = rows.data / np.repeat(norms, rows.lengths)
    owner = np.repeat(np.repeat(np.arange(len(sizes)), sizes), rows.lengths)
    return _summed(owner, rows.indices, unit, np.ones(len(unit), np.int32), len(sizes))


def _summed(owner: np.ndarray, columns: np.ndarray, sums: np.ndarray, counts: np.ndarray, owners: int) -> list[_Space]:
    """Entries (owner, column, sum, count) added up per owner and column, in one sort for all owners."""
    keys, position = np.unique(owner * _COLUMNS + columns, return_inverse=True)
    summed = np.bincount(position, sums)
    counted = np.bincount(position, counts).astype(np.int32)
    bounds = np.searchsorted(keys // _COLUMNS, np.arange(owners + 1))
    distinct = (keys % _COLUMNS).astype(np.int32)
    return [
        _Space(distinct[start:end], summed[start:end], counted[start:end])
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]


def _added_since(before: _ClusterSums, cluster: Cluster) -> list[Article] | None:
    """The articles `cluster` gained since `before` was computed, or None if it also lost some (then its sums
    are computed afresh)."""
    known = set(before.article_ids)
    added = [a for a in cluster.articles if a.id not in known]
    return added if len(cluster.articles) - len(added) == len(known) else None


def _grown(befores: list[_ClusterSums], additions: list[_ClusterSums], clusters: list[Cluster]) -> list[_ClusterSums]:
    """Each `before` plus the sums of its cluster's added articles: a story of a thousand articles that gains
    three is not featurised and sorted again on every poll."""
    words = _merged([b.words for b in befores], [a.words for a in additions])
    names = _merged([b.names for b in befores], [a.names for a in additions])
    return [
        _ClusterSums(w, n, hours(c.articles[-1].published), tuple(a.id for a in c.articles))
        for w, n, c in zip(words, names, clusters, strict=True)
    ]


def _merged(befores: list[_Space], additions: list[_Space]) -> list[_Space]:
    if not befores:
        return []
    spaces = befores + additions
    owner = np.repeat(np.tile(np.arange(len(befores)), 2), [len(s.columns) for s in spaces])
    columns = np.concatenate([s.columns for s in spaces])
    sums = np.concatenate([s.sums for s in spaces])
    counts = np.concatenate([s.counts for s in spaces])
    return _summed(owner, columns, sums, counts, len(befores))


# ------------------------------------------------------------------------------------------------ the window


@dataclass(frozen=True)
class _Stack:
    """One space of many clusters, one after another: `lengths[i]` entries each."""

    columns: np.ndarray
    sums: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, spaces: list[_Space]) -> _Stack:
        if not spaces:
            return cls(np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int64))
        return cls(
            np.concatenate([s.columns for s in spaces]),
            np.concatenate([s.sums for s in spaces]),
            np.array(list(map(len, (s.columns for s in spaces))), np.int64),
        )


@dataclass(frozen=True)
class _Buffers:
    """Scratch arrays over one hashed space, allocated once: zeroing 2**20 entries on every poll showed up."""

    present: np.ndarray = field(default_factory=lambda: np.zeros(_COLUMNS, np.bool_))  # all False between calls
    position: np.ndarray = field(default_factory=lambda: np.zeros(_COLUMNS, np.int32))


@dataclass(frozen=True)
class _Columns:
    """One space of one call: the hashed columns the window uses, renumbered 0..n-1 (sparse products over 2**20
    columns cost more in the empty columns than in the data), with each one's IDF over the window."""

    position: np.ndarray  # hashed column -> its number in this call (defined for the columns used)
    idf: np.ndarray  # per numbered column

    @classmethod
    def of(cls, stored: _Stack, stored_df: np.ndarray, new: Rows, count: int, buffers: _Buffers) -> _Columns:
        present, position = buffers.present, buffers.position  # valid until the next call: one call at a time
        present[stored.columns] = True
        present[new.indices] = True
        used = np.flatnonzero(present)
        present[used] = False
        position[used] = np.arange(len(used), dtype=np.int32)
        df = stored_df[used] + np.bincount(position[new.indices], minlength=len(used))
        idf = (np.log((1.0 + count) / (1.0 + df)) + _IDF_FLOOR).astype(np.float32)
        return cls(position, idf)

    def weighted(self, columns: np.ndarray, values: np.ndarray, lengths: np.ndarray) -> sp.csr_matrix:
        """Rows of (hashed column, value) entries times IDF, unit length, over the numbered columns."""
        numbered = self.position[columns]
        indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        return unit_rows(values * self.idf[numbered], numbered, indptr, len(self.idf))


@dataclass
class Window:
    """The poll's new articles, the stored clusters as centroids, and the IDF that weighs any article of the window
    (stored and new alike, as one collection)."""

    new: list[Article]  # not yet in a stored cluster, once each, oldest first (ties by id): input order never matters
    clusters: list[Cluster]  # the stored clusters a new article could join (see `_joinable`)
    centroids: Vectors  # one row per joinable cluster: normalize(IDF x the sum of its unit-length tf rows)
    latest: np.ndarray  # newest article of each joinable cluster, in hours
    size: int  # articles in the window: every stored cluster's and the new ones
    crowd: int  # the most articles of the window any new one has within twice `window_hours` of it (`_crowd`)
    _words: _Columns
    _names: _Columns
    _title_weight: int

    def vectors(self, articles: Sequence[Article]) -> Vectors:
        """Unit-length IDF-weighted rows (sublinear tf x IDF) of any articles of the window, in order."""
        words, names = FEATURES.rows(articles, self._title_weight)
        return Vectors(
            self._words.weighted(words.indices, words.data, words.lengths),
            self._names.weighted(names.indices, names.data, names.lengths),
        )

    def centroids_of(self, groups: Sequence[Sequence[Article]]) -> Vectors:
        """One unit-length centroid per group of articles: the sum of their weighted rows."""
        return self.vectors([a for g in groups for a in g]).summed_runs([len(g) for g in groups])


class WindowState:
    """What one process keeps between polls: each stored cluster's sums while it is unchanged, and the document
    frequencies and article ids of the stored clusters of the previous call. One clustering call at a time."""

    def __init__(self) -> None:
        self._word_buffers, self._name_buffers = _Buffers(), _Buffers()  # scratch: allocated once a process
        self._text_version = ""
        self._reset(title_weight=None)

    def use_text_version(self, version: str) -> None:
        """Forget every sum when the caller prepares texts differently from now on (see `FeatureCache`)."""
        if version != self._text_version:
            self._reset(self._title_weight)
            self._text_version = version

    def _reset(self, title_weight: int | None) -> None:
        self._sums: dict[_Key, _ClusterSums] = {}  # the stored clusters of the previous call, counted below
        self._by_id: dict[str, _ClusterSums] = {}  # the same, by cluster id
        self._recalled: dict[str, _ClusterSums] = {}  # sums read from the store or computed for it, by cluster id
        self._unsaved: set[str] = set()  # clusters whose sums were computed here, not read (`encoded_sums`)
        if getattr(self, "_counted", True):  # zero counts are kept: a new process resets two or three times
            self._word_df = np.zeros(_COLUMNS, np.int32)
            self._name_df = np.zeros(_COLUMNS, np.int32)
        self._counted = False  # whether the counts above hold anything
        self._known: dict[str, int] = {}  # article id -> how many counted clusters hold it
        self._title_weight = title_weight

    def window(self, existing: Sequence[Cluster], new: Sequence[Article], settings: ClusterSettings) -> Window:
        """The window of the `existing` clusters and the `new` articles not yet in one of them."""
        self._settle(settings.title_weight)
        keys = list(map(_key, existing))
        sums = self._sums_for(existing, keys, settings.title_weight)  # one per stored cluster, in order
        self._recalled.clear()  # used: from now on kept as the previous call's, like any other
        current = dict(zip(keys, sums, strict=True))  # a cluster passed twice counts once
        self._count_difference(current)
        fresh = sorted({a.id: a for a in new if a.id not in self._known}.values(), key=lambda a: (a.published, a.id))
        words, names = FEATURES.rows(fresh, settings.title_weight)
        count = sum(len(s.article_ids) for s in current.values()) + len(fresh)
        joinable = _joinable(existing, sums, fresh, settings)
        stored_words, stored_names = (
            _Stack.of([s.words for _, s in joinable]),
            _Stack.of([s.names for _, s in joinable]),
        )
        word_columns = _Columns.of(stored_words, self._word_df, words, count, self._word_buffers)
        name_columns = _Columns.of(stored_names, self._name_df, names, count, self._name_buffers)
        centroids = Vectors(
            word_columns.weighted(stored_words.columns, stored_words.sums, stored_words.lengths),
            name_columns.weighted(stored_names.columns, stored_names.sums, stored_names.lengths),
        )  # normalize(IDF x sums), one row per joinable cluster
        latest = np.fromiter((s.latest for _, s in joinable), np.float64, len(joinable))
        clusters = [c for c, _ in joinable]
        crowd = _crowd(existing, fresh, 2 * settings.window_hours)
        return Window(
            fresh, clusters, centroids, latest, count, crowd, word_columns, name_columns, settings.title_weight
        )

    def holds(self, cluster: Cluster, title_weight: int) -> bool:
        """Whether sums of this cluster (as it is, or as it was before it grew) are kept."""
        return title_weight == self._title_weight and (cluster.id in self._by_id or cluster.id in self._recalled)

    def recall(
        self, clusters: Sequence[Cluster], encoded: Mapping[str, tuple[tuple[str, ...], bytes]], title_weight: int
    ) -> None:
        """Take stored sums (as `encoded_sums` wrote them, with the article ids they were computed from) for the
        `clusters` whose sums are not kept. Unreadable ones are skipped (computed afresh)."""
        self._settle(title_weight)
        for cluster in clusters:
            if cluster.id in encoded and not self.holds(cluster, title_weight):
                article_ids, blob = encoded[cluster.id]
                spaces = _decoded_spaces(blob)
                if spaces is not None:
                    latest = hours(cluster.articles[-1].published)  # unused: `_sums_for` sets it
                    self._recalled[cluster.id] = _ClusterSums(spaces[0], spaces[1], latest, article_ids)

    def encoded_sums(self, clusters: Sequence[Cluster], title_weight: int) -> dict[str, tuple[tuple[str, ...], bytes]]:
        """The sums of `clusters` (as they are now: grown or computed here; kept for the next call, which will
        find these clusters so), and of the stored clusters of the last call whose sums were computed, not read:
        for the store."""
        self._settle(title_weight)
        computed = self._sums_for(clusters, list(map(_key, clusters)), title_weight)
        sums = dict(zip((c.id for c in clusters), computed, strict=True))
        self._recalled.update(sums)
        sums.update((i, self._by_id[i]) for i in self._unsaved - sums.keys() if i in self._by_id)
        self._unsaved.clear()
        return {i: (s.article_ids, _encoded_spaces(s.words, s.names)) for i, s in sums.items()}

    def _settle(self, title_weight: int) -> None:
        """Forget everything computed under another `title_weight` (features, so every sum, depend on it)."""
        if title_weight != self._title_weight:
            self._reset(title_weight)

    def _sums_for(self, existing: Sequence[Cluster], keys: list[_Key], title_weight: int) -> list[_ClusterSums]:
        """Each cluster's sums: kept if unchanged, grown by its new articles, or computed afresh."""
        missing = {k: c for k, c in zip(keys, existing, strict=True) if k not in self._sums}
        computed: dict[_Key, _ClusterSums] = {}
        grown: dict[_Key, tuple[_ClusterSums, list[Article]]] = {}
        for key, cluster in missing.items():
            found = self._before(cluster)
            if found is not None and found[1]:
                grown[key] = found
            elif found is not None:  # the same articles (read from the store, or the key told apart by text)
                computed[key] = replace(found[0], latest=hours(cluster.articles[-1].published))
        unknown = [k for k in missing if k not in grown and k not in computed]
        self._unsaved.update(k[0] for k in (*unknown, *grown))
        computed.update(zip(unknown, _cluster_sums([missing[k] for k in unknown], title_weight), strict=True))
        additions = _cluster_sums([Cluster(k[0], tuple(added)) for k, (_, added) in grown.items()], title_weight)
        befores = [before for before, _ in grown.values()]
        computed.update(zip(grown, _grown(befores, additions, [missing[k] for k in grown]), strict=True))
        return [self._sums.get(k) or computed[k] for k in keys]

    def _before(self, cluster: Cluster) -> tuple[_ClusterSums, list[Article]] | None:
        """Kept sums of an earlier state of `cluster` and the articles it gained since, the fewest first."""
        found = []
        for before in (self._recalled.get(cluster.id), self._by_id.get(cluster.id)):
            added = _added_since(before, cluster) if before is not None else None
            if before is not None and added is not None:
                found.append((before, added))
        return min(found, key=lambda f: len(f[1]), default=None)

    def _count_difference(self, current: dict[_Key, _ClusterSums]) -> None:
        """Move the counts from the previous call's clusters to `current`: only what came, changed or went."""
        self._counted = True
        gone_keys, came_keys = self._sums.keys() - current.keys(), current.keys() - self._sums.keys()
        gone, came = [self._sums[k] for k in gone_keys], [current[k] for k in came_keys]
        for key in gone_keys:
            del self._by_id[key[0]]
        self._by_id.update((key[0], current[key]) for key in came_keys)
        for sign, changed in ((-1, gone), (1, came)):
            _add_counts(self._word_df, [s.words for s in changed], sign)
            _add_counts(self._name_df, [s.names for s in changed], sign)
            for article_id in (i for s in changed for i in s.article_ids):
                held = self._known.get(article_id, 0) + sign
                if held:
                    self._known[article_id] = held
                else:
                    del self._known[article_id]
        self._sums = current


def _joinable(
    existing: Sequence[Cluster], sums: list[_ClusterSums], fresh: list[Article], settings: ClusterSettings
) -> list[tuple[Cluster, _ClusterSums]]:
    """The stored clusters a new article could join: those whose newest article is not so much older than the
    earliest new one that time alone (`decay`, at most 1 times the rest) keeps the score under the threshold,
    and that are not one stand-alone item (a live blog or a digest is a story of its own, never joined). The
    others still count in the window's IDF."""
    if not fresh:
        return []
    reach = settings.grace_hours + settings.half_life_hours * math.log2(1.0 / settings.threshold)
    earliest = hours(fresh[0].published)  # `fresh` is oldest first
    return [
        (c, s)
        for c, s in zip(existing, sums, strict=True)
        if s.latest >= earliest - reach and not (len(c.articles) == 1 and c.articles[0].kind.standalone)
    ]


def _add_counts(df: np.ndarray, spaces: list[_Space], sign: int) -> None:
    if spaces:
        np.add.at(df, np.concatenate([s.columns for s in spaces]), sign * np.concatenate([s.counts for s in spaces]))


_SUM = np.dtype([("column", "<i4"), ("count", "<i4"), ("sum", "<f8")])  # one feature of a cluster's space


def _encoded_spaces(words: _Space, names: _Space) -> bytes:
    """A cluster's two spaces as bytes (`_decoded_spaces` reads them back): the two lengths, then a record per
    feature, words first."""
    records = np.zeros(len(words.columns) + len(names.columns), _SUM)
    records["column"] = np.concatenate([words.columns, names.columns])
    records["count"] = np.concatenate([words.counts, names.counts])
    records["sum"] = np.concatenate([words.sums, names.sums])
    return np.array([len(words.columns), len(names.columns)], "<u4").tobytes() + records.tobytes()


def _decoded_spaces(blob: bytes) -> tuple[_Space, _Space] | None:
    if len(blob) < 8 or (len(blob) - 8) % _SUM.itemsize:
        return None
    words, names = (int(n) for n in np.frombuffer(blob, "<u4", 2))
    records = np.frombuffer(blob, _SUM, offset=8)
    if len(records) != words + names:
        return None
    spaces = [  # views of the bytes, never written to
        _Space(part["column"], part["sum"], part["count"]) for part in (records[:words], records[words:])
    ]
    return spaces[0], spaces[1]


def _crowd(existing: Sequence[Cluster], fresh: Sequence[Article], reach_hours: float) -> int:
    """The most articles of the window (stored and new) that any new article has within `reach_hours` either
    side of it: the look-alikes it can meet. The caller passes twice `window_hours`, the span the stored stories
    of a poll's window cover (their newest article within `window_hours` of the poll, their oldest up to as much
    before), so a poll of half an hour counts about what the whole window holds; a first poll of feeds holding
    weeks of items spans weeks, and an article of one day is not compared with those of a month before (time
    decay), so it should not need the bar of all of them."""
    if not fresh:
        return 0
    stored = {c.id: c for c in existing}.values()  # a cluster passed twice counts once
    mine = np.fromiter((hours(a.published) for a in fresh), np.float64, len(fresh))
    times = np.sort(np.concatenate([[hours(a.published) for c in stored for a in c.articles], mine]))
    around = np.searchsorted(times, mine + reach_hours, "right") - np.searchsorted(times, mine - reach_hours, "left")
    return int(around.max())
