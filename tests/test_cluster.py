"""Story clustering: same event -> one cluster across outlets and polls; different events stay apart."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from briefing.cluster import cluster_articles, cluster_id, threshold_for
from briefing.config import ClusterSettings, Settings
from briefing.models import Article, ArticleKind, Cluster, ClusterMemory
from briefing.pipeline import cluster_pending, learned_boilerplate
from briefing.store import Store, open_store

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SETTINGS = ClusterSettings()

STORIES = {
    "quake": [
        (
            "Reuters",
            "Magnitude 7.1 earthquake strikes off Japan's Fukushima coast",
            "A magnitude 7.1 earthquake struck off the coast of Fukushima in northern Japan on Tuesday, the Japan "
            "Meteorological Agency said, shaking buildings in Tokyo and prompting a tsunami advisory.",
        ),
        (
            "BBC",
            "Japan earthquake: Tsunami advisory issued after strong quake near Fukushima",
            "Japan issued a tsunami advisory after a strong earthquake of magnitude 7.1 hit near Fukushima. Tokyo "
            "Electric Power said it was checking the Fukushima nuclear plant for damage.",
        ),
        (
            "NHK",
            "Strong quake shakes northern Japan, Fukushima plant checked",
            "The Japan Meteorological Agency measured the earthquake at magnitude 7.1 off Fukushima. Residents "
            "along the coast were told to stay away from the sea while the tsunami advisory is in force.",
        ),
    ],
    "apple": [
        (
            "CNBC",
            "Apple earnings beat estimates as iPhone sales climb",
            "Apple reported quarterly revenue of $94.8 billion on Thursday, ahead of analyst estimates, as iPhone "
            "sales rose 9% and its services business set a record. Tim Cook said demand in China held up.",
        ),
        (
            "Bloomberg",
            "Apple tops forecasts on iPhone demand, shares rise after hours",
            "Apple shares gained in extended trading after the iPhone maker posted $94.8 billion in sales for the "
            "quarter. Cook told analysts the company expects growth to continue through the holidays.",
        ),
    ],
    "microsoft": [
        (
            "Reuters",
            "Microsoft profit jumps as Azure cloud growth accelerates",
            "Microsoft on Thursday reported a jump in quarterly profit, with revenue of $61.9 billion beating "
            "estimates as its Azure cloud unit grew 27%. Satya Nadella credited demand for AI services.",
        ),
        (
            "WSJ",
            "Microsoft's cloud business powers another strong quarter",
            "Azure revenue rose 27% in the quarter, Microsoft said, lifting total sales to $61.9 billion. Nadella told "
            "analysts that spending on data centres would keep climbing. Shares were little changed.",
        ),
    ],
    "ferry": [
        (
            "Local Gazette",
            "Harbour ferry service suspended after engine fault",
            "The Kingsport harbour ferry will not run until Monday after an engine fault was found during a routine "
            "inspection, the operator Bayline said, advising passengers to use the shuttle bus.",
        ),
    ],
}


def make(story: str, index: int, published: datetime, ident: str | None = None) -> Article:
    outlet, title, text = STORIES[story][index]
    return Article(
        id=ident or f"a-{story}-{index}",
        url=f"https://{outlet.lower().replace(' ', '')}.example/{story}/{index}",
        title=title,
        text=text,
        outlet=outlet,
        published=published,
        first_seen=published,
    )


def all_articles(at: datetime = T0) -> list[Article]:
    return [make(story, i, at + timedelta(minutes=7 * i)) for story in STORIES for i in range(len(STORIES[story]))]


def grouping(clusters: list[Cluster]) -> set[frozenset[str]]:
    """The clusters as sets of article ids, so a test reads as "which articles went together"."""
    return {frozenset(a.id for a in c.articles) for c in clusters}


def test_cluster_groups_each_event_and_keeps_similar_events_apart() -> None:
    clusters = cluster_articles(all_articles(), [], SETTINGS)
    assert grouping(clusters) == {
        frozenset({"a-quake-0", "a-quake-1", "a-quake-2"}),
        frozenset({"a-apple-0", "a-apple-1"}),
        frozenset({"a-microsoft-0", "a-microsoft-1"}),
        frozenset({"a-ferry-0"}),
    }


def test_cluster_single_outlet_story_is_its_own_cluster() -> None:
    clusters = cluster_articles(all_articles(), [], SETTINGS)
    ferry = [c for c in clusters if any(a.id == "a-ferry-0" for a in c.articles)]
    assert [(c.outlets, len(c.articles)) for c in ferry] == [(("Local Gazette",), 1)]


def test_cluster_ids_come_from_the_founding_article_and_repeat_on_rerun() -> None:
    first = cluster_articles(all_articles(), [], SETTINGS)
    again = cluster_articles(all_articles(), [], SETTINGS)
    assert [c.id for c in first] == [c.id for c in again]
    assert {c.id for c in first} == {cluster_id(c.articles[0].id) for c in first}


def test_cluster_input_order_does_not_matter() -> None:
    shuffled = all_articles()
    random.Random(3).shuffle(shuffled)
    assert cluster_articles(shuffled, [], SETTINGS) == cluster_articles(all_articles(), [], SETTINGS)


def test_cluster_continuing_story_attaches_to_the_existing_cluster_and_keeps_its_id() -> None:
    first_poll = cluster_articles([make("quake", 0, T0), make("apple", 0, T0)], [], SETTINGS)
    quake_id = next(c.id for c in first_poll if c.articles[0].id == "a-quake-0")
    second_poll = cluster_articles(
        [make("quake", 1, T0 + timedelta(hours=2)), make("quake", 2, T0 + timedelta(hours=3))], first_poll, SETTINGS
    )
    assert [(c.id, [a.id for a in c.articles]) for c in second_poll] == [
        (quake_id, ["a-quake-0", "a-quake-1", "a-quake-2"])
    ]


def test_cluster_returns_only_changed_or_new_clusters() -> None:
    first_poll = cluster_articles([make("quake", 0, T0), make("apple", 0, T0)], [], SETTINGS)
    second_poll = cluster_articles([make("ferry", 0, T0 + timedelta(hours=1))], first_poll, SETTINGS)
    assert [[a.id for a in c.articles] for c in second_poll] == [["a-ferry-0"]]


def test_cluster_same_words_days_apart_is_a_new_story() -> None:
    """A week later, an article worded like an old one is a different event (time proximity)."""
    old = cluster_articles([make("apple", 0, T0)], [], SETTINGS)
    later = cluster_articles([make("apple", 1, T0 + timedelta(days=7))], old, SETTINGS)
    assert [c.id for c in later] != [c.id for c in old]


def test_cluster_counts_near_identical_wire_copies() -> None:
    wire = make("quake", 0, T0)
    copies = [
        Article(f"a-copy-{outlet}", f"https://{outlet}.example/q", wire.title, wire.text, outlet, T0, T0)
        for outlet in ("Herald", "Post")
    ]
    clusters = cluster_articles([wire, *copies, make("quake", 1, T0)], [], SETTINGS)
    assert [(len(c.articles), c.duplicates) for c in clusters] == [(4, 2)]


def test_cluster_ignores_articles_already_clustered_and_repeats() -> None:
    first_poll = cluster_articles([make("quake", 0, T0)], [], SETTINGS)
    assert cluster_articles([make("quake", 0, T0), make("quake", 0, T0)], first_poll, SETTINGS) == []


def test_cluster_nothing_new_gives_nothing() -> None:
    assert cluster_articles([], [], SETTINGS) == []


def test_cluster_boilerplate_lines_do_not_make_one_outlets_videos_a_story() -> None:
    """A YouTube channel appends the same lines to every description; they must not link unrelated videos."""
    footer = "\nSubscribe to our channel: https://example.org/subscribe\nFollow us on social media for more news."
    videos = [
        Article(f"a-v{i}", f"https://tube.example/{i}", title, body + footer, "Tube News", T0, T0)
        for i, (title, body) in enumerate(
            [
                ("Locust swarms ravage crops in Kenya", "Farmers in Kenya count the cost of the worst locust swarms."),
                ("Renault to cut jobs worldwide", "French carmaker Renault will cut jobs after sales slumped."),
                ("Volcano erupts on La Palma", "Lava from the volcano on La Palma reached the sea on Tuesday."),
            ]
        )
    ]
    assert len(cluster_articles(videos, [], SETTINGS)) == 3


def test_cluster_large_poll_is_chunked_yet_grouped() -> None:
    """A first poll larger than `max_batch` still puts one event's articles together."""
    articles = all_articles()
    clusters = cluster_articles(articles, [], ClusterSettings(max_batch=3))
    quake = [c for c in clusters if any(a.id.startswith("a-quake") for a in c.articles)]
    assert [len(c.articles) for c in quake] == [3]


def replay(polls: list[list[Article]], fresh_each_call: bool, monkeypatch: pytest.MonkeyPatch) -> list[Cluster]:
    """Feed polls three hours apart, each against the clusters of the last 36 hours, as `briefing poll` does:
    in one process from its start, or in a new process (new state, new feature cache) per poll."""
    from briefing.cluster import _features, _window

    clusters: dict[str, Cluster] = {}
    for number, batch in enumerate(polls):
        if number == 0 or fresh_each_call:
            monkeypatch.setattr("briefing.cluster._STATE", _window.WindowState())
            monkeypatch.setattr("briefing.cluster._window.FEATURES", _features.FeatureCache())
        now = T0 + timedelta(hours=3 * (number + 1))
        current = [c for c in clusters.values() if c.articles[-1].published >= now - timedelta(hours=36)]
        clusters.update((c.id, c) for c in cluster_articles(batch, current, SETTINGS))
    return sorted(clusters.values(), key=lambda c: c.id)


def test_cluster_kept_state_gives_the_clusters_a_fresh_process_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """One long `briefing schedule` keeps each story's sums and the window's counts between polls; stories that
    grow, leave the window and come back must cluster exactly as polls run one process each."""
    polls = polls_over_three_days()
    kept = replay(polls, fresh_each_call=False, monkeypatch=monkeypatch)
    assert replay(polls, fresh_each_call=True, monkeypatch=monkeypatch) == kept
    assert max(len(c.articles) for c in kept) > 3 and sum(c.duplicates for c in kept) > 0


def test_cluster_window_state_weighs_the_window_as_a_fresh_state_would() -> None:
    """Stories that come, grow and leave between calls: the kept document counts and sums must weigh the window
    exactly as counting it afresh does."""
    from briefing.cluster._similarity import Vectors
    from briefing.cluster._window import WindowState

    def dense(vectors: Vectors) -> list[np.ndarray]:
        return [vectors.words.toarray(), vectors.names.toarray()]

    quake, apple, ferry = (Cluster(cluster_id(f"a-{s}-0"), (make(s, 0, T0),)) for s in ("quake", "apple", "ferry"))
    grown = replace(quake, articles=(*quake.articles, make("quake", 1, T0 + timedelta(hours=1))))
    kept = WindowState()
    kept.window([quake, apple], [make("microsoft", 0, T0)], SETTINGS)
    later = [make("microsoft", 1, T0 + timedelta(hours=2)), make("quake", 2, T0 + timedelta(hours=2))]
    window, fresh = kept.window([grown, ferry], later, SETTINGS), WindowState().window([grown, ferry], later, SETTINGS)
    assert [c.id for c in window.clusters] == [c.id for c in fresh.clusters] == [grown.id, ferry.id]
    for got, expected in zip(dense(window.centroids), dense(fresh.centroids), strict=True):
        assert np.allclose(got, expected, rtol=1e-6, atol=1e-7)
    for got, expected in zip(dense(window.vectors(later)), dense(fresh.vectors(later)), strict=True):
        assert np.allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_cluster_features_land_where_scikit_learns_hashing_vectorizer_puts_them() -> None:
    """Hashing is done by hand for speed; it must place every word and name exactly as HashingVectorizer would."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from briefing.cluster import _features

    articles = [*all_articles(), replace(make("quake", 0, T0), title="Café Zürich’s €5bn deal", text="Ünïcode ✓ 1,000")]

    def hashed(analyzer: Callable[[Article], list[str]]) -> sp.csr_matrix:
        vectorizer = HashingVectorizer(
            analyzer=analyzer, n_features=2**20, alternate_sign=False, norm=None, dtype=np.float32
        )
        return vectorizer.transform(articles)

    words = hashed(lambda a: _features.word_analyzer(a, SETTINGS.title_weight))
    expected = sp.hstack([words, hashed(_features.entity_analyzer)], format="csr")
    expected.data = 1.0 + np.log(expected.data)
    actual = _features.featurise(articles, SETTINGS.title_weight)
    assert (actual != expected).nnz == 0
    assert np.array_equal(actual.indices, expected.indices) and np.array_equal(actual.indptr, expected.indptr)


def test_many_articles_featurised_with_a_worker_process_give_the_rows_of_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first poll's articles are shared with a second process when a core is idle: the same rows, in order."""
    from briefing.cluster import _features

    articles = [*all_articles(), replace(make("quake", 0, T0), title="Café Zürich’s €5bn deal", text="Ünïcode ✓ 1,000")]
    alone = _features.featurise(articles, SETTINGS.title_weight)
    monkeypatch.setattr(_features, "HEAD_START", 0)
    monkeypatch.setattr(_features, "MIN_SHARE", 1)
    monkeypatch.setattr(_features, "idle_cores", lambda: 2)
    workers_started: list[int] = []
    real_pool = _features.process_pool
    monkeypatch.setattr(_features, "process_pool", lambda n: workers_started.append(n) or real_pool(n))

    shared = _features.featurise(articles, SETTINGS.title_weight)

    assert workers_started == [1]
    assert (shared.shape, shared.dtype, shared.indices.dtype) == (alone.shape, alone.dtype, alone.indices.dtype)
    assert np.array_equal(shared.indptr, alone.indptr) and np.array_equal(shared.indices, alone.indices)
    assert np.array_equal(shared.data, alone.data)


def test_few_articles_or_no_idle_core_are_featurised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.cluster import _features

    def no_pool(workers: int) -> None:
        raise AssertionError("no worker process should start")

    monkeypatch.setattr(_features, "process_pool", no_pool)
    monkeypatch.setattr(_features, "HEAD_START", 0)
    monkeypatch.setattr(_features, "MIN_SHARE", 1)
    monkeypatch.setattr(_features, "idle_cores", lambda: 1)
    _features.featurise(all_articles(), SETTINGS.title_weight)  # no idle core beside this one
    monkeypatch.setattr(_features, "idle_cores", lambda: 2)
    monkeypatch.setattr(_features, "MIN_SHARE", len(all_articles()))
    _features.featurise(all_articles(), SETTINGS.title_weight)  # too few articles to share


def test_cluster_feature_cache_gives_the_same_rows_after_eviction_and_a_changed_text() -> None:
    """The cache drops its oldest articles and compacts its pool; what it returns must not change."""
    from briefing.cluster import _features

    articles = all_articles()
    fresh = _features.FeatureCache(limit=3, compact_above=100)
    words, names = fresh.rows(articles, SETTINGS.title_weight)
    for article in articles:  # one at a time: every call evicts older ones
        fresh.rows([article], SETTINGS.title_weight)
    again_words, again_names = fresh.rows(articles, SETTINGS.title_weight)
    assert np.array_equal(words.indices, again_words.indices) and np.array_equal(words.data, again_words.data)
    assert np.array_equal(names.indices, again_names.indices) and np.array_equal(names.data, again_names.data)
    changed = replace(articles[0], text="Entirely different words about a ferry.")
    assert not np.array_equal(fresh.rows([changed], SETTINGS.title_weight)[0].indices, words.indices[:5])


# ---------------------------------------------------------------------------------------------------- store


@pytest.fixture
def stored_poll(store: Store) -> list[Cluster]:
    articles = all_articles()
    store.add_articles("https://feed.example/rss", articles)
    clusters = cluster_articles(store.unclustered_articles(), [], SETTINGS)
    store.save_clusters(clusters)
    return clusters


def test_store_clusters_round_trip(store: Store, stored_poll: list[Cluster]) -> None:
    loaded = store.clusters_between(T0, T0 + timedelta(hours=1))
    assert sorted(loaded, key=lambda c: c.id) == stored_poll


def test_store_clusters_between_selects_by_publication_time(store: Store, stored_poll: list[Cluster]) -> None:
    assert store.clusters_between(T0 + timedelta(days=1), T0 + timedelta(days=2)) == []


def test_store_unclustered_articles_lists_only_new_ones(store: Store, stored_poll: list[Cluster]) -> None:
    late = make("ferry", 0, T0 + timedelta(hours=5), ident="a-late")
    store.add_articles("https://feed.example/rss", [late])
    assert [a.id for a in store.unclustered_articles()] == ["a-late"]


def test_store_saving_a_grown_cluster_keeps_its_id_and_duplicates(store: Store, stored_poll: list[Cluster]) -> None:
    quake = next(c for c in stored_poll if c.articles[0].id.startswith("a-quake"))
    copy = Article("a-copy", "https://c.example/q", quake.articles[0].title, quake.articles[0].text, "C", T0, T0)
    store.add_articles("https://feed.example/rss", [copy])
    store.save_clusters(cluster_articles(store.unclustered_articles(), stored_poll, SETTINGS))
    grown = store.clusters_by_id([quake.id])[quake.id]
    assert (len(grown.articles), grown.duplicates) == (4, 1)


# -------------------------------------------------------------------------------- memory kept in the store


def polls_over_three_days() -> list[list[Article]]:
    """The stories of `STORIES` told again each day, in polls three hours apart, and a late wire copy."""
    polls: list[list[Article]] = [[] for _ in range(24)]
    for day in range(3):
        for story, items in STORIES.items():
            for i in range(len(items)):
                published = T0 + timedelta(hours=26 * day + 2 * i + 1)
                article = make(story, i, published, ident=f"a-{story}-{i}-day{day}")
                article = replace(article, text=f"{article.text} (Day {day}.)")  # no line repeats 3 times
                polls[int((published - T0).total_seconds() // (3 * 3600))].append(article)
    original = next(a for batch in polls for a in batch if a.id == "a-quake-0-day2")
    polls.append([replace(original, id="a-late-copy", published=T0 + timedelta(hours=60))])
    return polls


def forget_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts with: no kept sums, no cached features."""
    from briefing.cluster import _features, _window

    monkeypatch.setattr("briefing.cluster._STATE", _window.WindowState())
    monkeypatch.setattr("briefing.cluster._window.FEATURES", _features.FeatureCache())


def poll_through(
    store: Store, polls: list[list[Article]], fresh_each_poll: bool, monkeypatch: pytest.MonkeyPatch
) -> list[Cluster]:
    """Store each poll's articles and cluster them as `briefing poll` does (`cluster_pending`), in one process
    or in a new process per poll; the stories as the store then holds them."""
    settings = Settings()
    for number, batch in enumerate(polls):
        if number == 0 or fresh_each_poll:
            forget_everything(monkeypatch)
        store.add_articles("https://feed.example/rss", batch)
        cluster_pending(settings, store)
    return sorted(store.clusters_between(T0, T0 + timedelta(days=4)), key=lambda c: c.id)


def test_store_a_process_per_poll_clusters_as_one_long_process(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`briefing poll` from cron (a new process each time, reading what clustering kept from the store) gives
    the stories a long-running `briefing schedule` gives (the reference: one process, a SQLite store)."""
    polls = polls_over_three_days()
    with open_store(f"sqlite:///{tmp_path / 'kept.sqlite'}") as other:
        kept = poll_through(other, polls, fresh_each_poll=False, monkeypatch=monkeypatch)
    fresh = poll_through(store, polls, fresh_each_poll=True, monkeypatch=monkeypatch)
    assert fresh == kept
    assert max(len(c.articles) for c in kept) > 3 and sum(c.duplicates for c in kept) > 0


def texts_read(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the ids of the articles whose texts the store hands out, in order."""
    read: list[str] = []
    original = store.articles_by_id

    def spy(ids: Iterable[str], *, texts: bool = True) -> dict[str, Article]:
        found = original(ids, texts=texts)
        read.extend(a.id for a in found.values() if a.text)
        return found

    monkeypatch.setattr(store, "articles_by_id", spy)
    return read


def test_store_a_fresh_process_reads_no_texts_of_the_window(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    polls = polls_over_three_days()
    poll_through(store, polls[:-1], fresh_each_poll=True, monkeypatch=monkeypatch)
    forget_everything(monkeypatch)
    store.add_articles("https://feed.example/rss", polls[-1])
    read = texts_read(store, monkeypatch)
    cluster_pending(Settings(), store)
    assert read == ["a-late-copy"]


def test_store_newly_learned_boilerplate_makes_the_window_read_again_with_texts(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Features are computed from texts without their feed's boilerplate: once the feed has taught more, the
    stored features no longer hold, and the window's articles are read (and stripped) again."""
    polls = polls_over_three_days()
    poll_through(store, polls[:-1], fresh_each_poll=True, monkeypatch=monkeypatch)
    store.count_spans("https://feed.example/rss", Counter({12345: 5}), T0)  # a span the feed repeats
    forget_everything(monkeypatch)
    store.add_articles("https://feed.example/rss", polls[-1])
    read = texts_read(store, monkeypatch)
    cluster_pending(Settings(), store)
    window = store.clusters_between(T0 + timedelta(hours=24), T0 + timedelta(days=4), texts=False)
    expected = {a.id for c in window for a in c.articles}
    assert len(expected) > 10 and expected <= set(read)


def test_store_stale_or_unreadable_memory_is_rebuilt_not_trusted(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sums that name other articles, bytes that do not read back, features of another stamp: each is computed
    again from the articles, and the stories are those of a process that kept everything."""
    from briefing.cluster import memory_stamp

    polls = polls_over_three_days()
    with open_store(f"sqlite:///{tmp_path / 'kept.sqlite'}") as other:
        kept = poll_through(other, polls, fresh_each_poll=False, monkeypatch=monkeypatch)
    poll_through(store, polls[:-1], fresh_each_poll=True, monkeypatch=monkeypatch)
    stamp = memory_stamp(ClusterSettings(), learned_boilerplate(store).digest())
    stories = store.clusters_between(T0, T0 + timedelta(days=4))
    memory = store.cluster_memory(stamp, [c.id for c in stories], [a.id for c in stories for a in c.articles])
    sums = dict(memory.sums)
    first, second = sorted(sums)[:2]
    sums[first] = (sums[first][0][:-1] or ("a-gone",), sums[first][1])  # computed from other articles
    sums[second] = (sums[second][0], b"\x00" * 12)  # unreadable
    features = {i: b"\x01" * 9 for i in sorted(memory.features)[:5]}  # unreadable
    store.save_cluster_memory(ClusterMemory(stamp, features, sums))
    store.save_cluster_memory(ClusterMemory("another-stamp", dict(sorted(memory.features.items())[5:10])))
    assert poll_through(store, polls[-1:], fresh_each_poll=True, monkeypatch=monkeypatch) == kept


def test_store_cluster_memory_round_trips_and_is_read_by_stamp(store: Store, stored_poll: list[Cluster]) -> None:
    memory = ClusterMemory("s1", {"a-quake-0": b"\x01\x02"}, {stored_poll[0].id: (("a-quake-0", "a-x"), b"\x03")})
    store.save_cluster_memory(memory)
    store.save_cluster_memory(ClusterMemory("s1", {"a-unknown": b"\x04"}))  # no such article: skipped
    both = (
        store.cluster_memory("s1", [stored_poll[0].id], ["a-quake-0", "a-unknown"]),
        store.cluster_memory("s2", [stored_poll[0].id], ["a-quake-0"]),
    )
    assert both == (memory, ClusterMemory("s2"))


def loose(ident: str, outlet: str, title: str, text: str, at: datetime, feed: str | None = None) -> Article:
    return Article(
        id=ident,
        url=f"https://{outlet.lower()}.example/{ident}",
        title=title,
        text=text,
        outlet=outlet,
        published=at,
        first_seen=at,
        feeds=(feed or f"https://{outlet.lower()}.example/rss",),
    )


BRIDGE = loose(  # about the quake, and about the utility's chief, who is not the quake story
    "a-bridge",
    "Kyodo",
    "Japan earthquake: Fukushima plant checked as Tokyo Electric chief Kenji Haruta faces calls to resign",
    "A magnitude 7.1 earthquake struck off Fukushima and Tokyo Electric Power checked the Fukushima nuclear plant, "
    "the Japan Meteorological Agency said of the tsunami advisory. Tokyo Electric chief executive Kenji Haruta "
    "faces calls to resign over the accounting scandal and bonus payments.",
    T0 + timedelta(hours=2),
)
CHAINED = loose(  # like the bridge article, not like the quake story
    "a-chained",
    "Nikkei",
    "Tokyo Electric chief Kenji Haruta resigns over accounting scandal",
    "Kenji Haruta resigned as chief executive of Tokyo Electric Power over the accounting scandal and the bonus "
    "payments, the Tokyo Electric board said.",
    T0 + timedelta(hours=2, minutes=5),
)


def quake_story() -> Cluster:
    articles = tuple(make("quake", i, T0 + timedelta(minutes=7 * i)) for i in range(3))
    return Cluster(cluster_id(articles[0].id), articles)


def test_cluster_an_article_like_one_member_but_not_the_story_is_not_chained_in() -> None:
    """No chaining: the new pair is grouped, the pair's centroid is close to the quake story, yet only the member
    that agrees with the story's core joins it (with `member_agreement` 0 the pair joins whole)."""
    clusters = cluster_articles([BRIDGE, CHAINED], [quake_story()], SETTINGS)
    assert grouping(clusters) == {
        frozenset({"a-quake-0", "a-quake-1", "a-quake-2", "a-bridge"}),
        frozenset({"a-chained"}),
    }


def test_cluster_a_live_blog_never_joins_a_story() -> None:
    live = replace(
        loose("a-live", "Reuters", "Live: Japan earthquake updates", STORIES["quake"][0][2], T0 + timedelta(hours=1)),
        kind=ArticleKind.LIVE,
    )
    clusters = cluster_articles([live], [quake_story()], SETTINGS)
    assert grouping(clusters) == {frozenset({"a-live"})}


def test_cluster_threshold_grows_with_the_window_only_beyond_a_hundred_articles() -> None:
    settings = ClusterSettings(threshold=0.1, threshold_growth=0.05)
    assert [round(threshold_for(n, settings), 3) for n in (10, 100, 1000, 10_000)] == [0.1, 0.1, 0.15, 0.2]


STRIKES = loose(  # the same development as SUNK, in other words: similar enough for a day's bar, not for a month's
    "a-strikes",
    "Wire",
    "Strikes on more alleged drug boats kill 11, US military says",
    "The military said on Tuesday it struck boats accused of smuggling in Latin American waters.",
    T0,
)
SUNK = loose(
    "a-sunk",
    "Paper",
    "Pentagon hits three more suspected drug boats",
    "New strikes in the Caribbean and the eastern Pacific left 11 people dead, Southern Command said.",
    T0 + timedelta(hours=1),
)


def unrelated_items(count: int, every: timedelta) -> list[Article]:
    """Items of made-up words, one every `every` back from T0: look-alikes by chance only."""
    rng = random.Random(3)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = ["".join(rng.sample(syllables, 3)) for _ in range(5000)]
    return [
        loose(
            f"a-other-{i}",
            f"Outlet{i % 7}",
            " ".join(rng.sample(words, 8)),
            " ".join(rng.sample(words, 22)),
            T0 - i * every,
        )
        for i in range(count)
    ]


def test_cluster_the_bar_counts_the_articles_near_an_article_not_the_whole_first_poll() -> None:
    """A first poll brings every item the feeds still list, often weeks of them. Two reports of one development
    join when the poll's other 1,000 items are spread over a year, as in a window of a few articles; crowded into
    one day, the same 1,000 are look-alikes within reach, and the bar they raise keeps the pair apart."""
    pair = frozenset({"a-strikes", "a-sunk"})
    spread = cluster_articles([STRIKES, SUNK, *unrelated_items(1000, timedelta(hours=9))], [], ClusterSettings())
    crowded = cluster_articles([STRIKES, SUNK, *unrelated_items(1000, timedelta(seconds=80))], [], ClusterSettings())
    assert pair in grouping(spread)
    assert pair not in grouping(crowded)


def test_cluster_a_code_written_with_or_without_a_dash_is_one_word_and_one_name() -> None:
    """House style only: "G-7" and "G7", "MRT-3" and "MRT3" are the same word and the same name (left apart, the
    dashed form is two single characters, which count for nothing). Longer words keep their dash's split."""
    from briefing.cluster import _features

    dashed = loose("a-dashed", "Wire", "Leaders delay G-7 summit", "The MRT-3 line reopens.", T0)
    joined = loose("a-joined", "Paper", "Leaders delay G7 summit", "The MRT3 line reopens.", T0)
    assert _features.word_analyzer(dashed, 1) == _features.word_analyzer(joined, 1)
    assert {"g7", "mrt3"} <= set(_features.word_analyzer(dashed, 1))
    assert _features.entity_analyzer(dashed) == _features.entity_analyzer(joined)
    longer = loose("a-longer", "Wire", "Covid-19 cases rise", "A state-owned firm.", T0)
    assert {"covid", "19", "state", "owned"} <= set(_features.word_analyzer(longer, 1))


def test_cluster_names_joined_by_a_hyphen_are_each_a_name() -> None:
    """ "Valen-Norvale peace talks" names Valen and Norvale, as "talks between Norvale and Valen" does: the two
    reports of one day's talks share their names and join (as one word, they shared no name at all)."""
    from briefing.cluster import _features

    first_day = loose(
        "a-first-day",
        "Wire",
        "First day of Valen-Norvale peace talks ends in Oster",
        "Negotiations will continue on Wednesday, but expectations for a breakthrough on ending the war are low.",
        T0,
    )
    new_round = loose(
        "a-new-round",
        "Paper",
        "Norvale and Valen hold new round of peace talks",
        "Negotiators from Norvale and Valen ended the first of two days of peace talks on Tuesday, and "
        "expectations of a breakthrough on ending the war are low.",
        T0 + timedelta(hours=1),
    )
    assert {"valen", "norvale"} <= set(_features.entity_analyzer(first_day))
    assert _features.entity_analyzer(loose("a-1", "Wire", "Al-Jazeera reports", "", T0)) == ["al-jazeera"]
    others = unrelated_items(300, timedelta(minutes=20))
    assert frozenset({"a-first-day", "a-new-round"}) in grouping(
        cluster_articles([first_day, new_round, *others], [], ClusterSettings())
    )


RUNNERS = loose(  # a question: a topic ("masks"), no development another item could report too
    "a-runners",
    "Times",
    "Do runners need to wear masks?",
    "Some people shout at joggers in the park. But does it really matter?",
    T0,
)
PUPILS = loose(  # another question on the topic, from another outlet
    "a-pupils",
    "Straits",
    "Schools reopen: how do you make pupils wear masks?",
    "Teachers say keeping six-year-olds apart will be hard when classes resume on Tuesday.",
    T0 + timedelta(minutes=40),
)
PUPILS_TOLD = replace(PUPILS, id="a-pupils-told", title="Schools reopen and pupils must wear masks")
ASKING_BAR = ClusterSettings(threshold=0.2)  # a small window's bar (0.12) is under what these pairs score either way


def stories_of(first: list[Article], later: list[Article], settings: ClusterSettings) -> set[frozenset[str]]:
    """The stories of `first` clustered in one poll and `later` in the next (the quake, earnings and ferry items
    three hours before, so the window's words are weighed as in a real window)."""
    stored = cluster_articles([*first, *all_articles(T0 - timedelta(hours=3))], [], settings)
    changed = cluster_articles(later, stored, settings) if later else []
    by_id = {c.id: c for c in [*stored, *changed]}
    return grouping(list(by_id.values()))


@pytest.mark.parametrize("when", ["one poll", "a later chunk", "the next poll"])
def test_cluster_two_questions_on_one_topic_need_the_evidence_one_feeds_items_need(when: str) -> None:
    """Two question headlines on one topic ("Do runners need to wear masks?", "... how do you make pupils wear
    masks?") share its words but no development: they are scored with `same_feed_factor`, as two items of one
    feed are, and stay apart, whether grouped in one poll, met as a story an earlier chunk of a big poll opened
    (9 items a chunk: the 8 earlier ones and the first question) or as a stored story; with that factor at 1 the
    same pair joins (so it is the rule that parts them)."""
    first, second = ([RUNNERS], [PUPILS]) if when == "the next poll" else ([RUNNERS, PUPILS], [])
    settings = ASKING_BAR.model_copy(update={"max_batch": 9} if when == "a later chunk" else {})
    assert frozenset({"a-runners"}) in stories_of(first, second, settings)
    lenient = settings.model_copy(update={"same_feed_factor": 1.0})
    assert frozenset({"a-runners", "a-pupils"}) in stories_of(first, second, lenient)


def test_cluster_a_question_and_a_report_on_its_topic_still_join() -> None:
    """Only two questions need the stronger evidence: a question and a report that score alike still join."""
    assert frozenset({"a-runners", "a-pupils-told"}) in stories_of([RUNNERS, PUPILS_TOLD], [], ASKING_BAR)
