"""Benchmark story clustering on synthetic news: 1,000 / 10,000 / 100,000 articles, fed as polls.

    .venv/bin/python bench/cluster.py                 # all three sizes, one subprocess each
    .venv/bin/python bench/cluster.py --sizes 1000    # one size
    .venv/bin/python bench/cluster.py --store --sizes 10000 --write-docs   # through a store: kept vs fresh
    .venv/bin/python bench/cluster.py --first-poll --sizes 10000 30000 60000 100000   # all in one call

Articles are generated, no network: a Zipf-distributed background vocabulary, stories with their own topic words,
names and numbers, heavy-tailed story sizes (most stories 1-3 articles, a few 30+), outlets, and publication
times spread over 7 days. They are fed to `cluster_articles` as the product does: one poll every 30 minutes, each
with the clusters of the 36-hour window as existing stories. Each size runs in its own process so peak memory
(ru_maxrss) is its own. The baseline, measured in the same process, is vectorising every article once with a
plain hashing vectoriser (lower-case, a regex for words, MurmurHash3 of each word into 2**20 columns, a sparse
matrix: what scikit-learn's HashingVectorizer does): the least any text clustering must do.

`--store` feeds the same polls through a real SQLite store as `briefing poll` does (`pipeline.cluster_pending`
after the poll's articles are stored; only that step is timed), twice: in one kept process (`briefing schedule`),
and as a new process per poll (`briefing poll` from cron: the clustering state and every cache of
`briefing.cluster` are dropped before each poll, so all it knows comes from the store; the interpreter's
start and imports, paid by any process, are not counted). The two must give identical stories (a digest of
every article's story is compared). `--write-docs` writes the table into docs/benchmarks.md.

`--first-poll` gives all the articles to one `cluster_articles` call, as the first poll of many feeds does: time
and peak memory should grow linearly with the number of articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mmh3
import numpy as np
import scipy.sparse as sp

import briefing.cluster
from briefing.cluster import _features, _window, cluster_articles
from briefing.config import ClusterSettings, Settings
from briefing.models import Article, Cluster
from briefing.pipeline import cluster_pending
from briefing.store import open_store

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 7
POLL = timedelta(minutes=30)
OUTLETS = [f"Outlet {i}" for i in range(60)]
FEED = "https://bench.example/rss"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
_WORDS = re.compile(r"(?u)\b\w\w+\b")  # HashingVectorizer's default token pattern


def synthetic_articles(count: int, seed: int = 0) -> list[Article]:
    """`count` articles in stories of heavy-tailed size, published over `DAYS` days."""
    rng = random.Random(seed)
    vocabulary = [_pseudo_word(rng) for _ in range(20_000)]
    names = [_pseudo_word(rng).capitalize() for _ in range(5_000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]  # Zipf: "the" often, "quokka" rarely
    background = rng.choices(vocabulary, weights, k=200_000)
    articles: list[Article] = []
    story = 0
    while len(articles) < count:
        size = min(count - len(articles), max(1, int(rng.paretovariate(1.3))))
        articles.extend(_story(rng, story, size, vocabulary, names, background))
        story += 1
    return articles


def _pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))


def _story(
    rng: random.Random, story: int, size: int, vocabulary: list[str], names: list[str], background: list[str]
) -> Iterator[Article]:
    topic = rng.sample(vocabulary[200:], 15)
    who = rng.sample(names, 3)
    figure = f"{rng.randint(2, 990)} million"
    start = START + timedelta(hours=rng.uniform(0, DAYS * 24 - 12))
    for i in range(size):
        published = start + timedelta(hours=rng.expovariate(1 / 4))  # most coverage within hours
        title = " ".join([who[0], *rng.sample(topic, 5), *rng.sample(background, 3)])
        words = [
            rng.choice(topic) if rng.random() < 0.3 else rng.choice(background) for _ in range(rng.randint(70, 110))
        ]
        words[rng.randrange(len(words))] = f"{who[rng.randrange(3)]} said {figure}"
        words[rng.randrange(len(words))] = f"{who[rng.randrange(3)]} {who[rng.randrange(3)]}"
        yield Article(
            id=f"a-{story:06d}-{i:03d}",
            url=f"https://example.org/{story}/{i}",
            title=title.capitalize(),
            text=" ".join(words).capitalize() + ".",
            outlet=rng.choice(OUTLETS),
            published=published,
            first_seen=published,
        )


def run(count: int) -> dict[str, float]:
    """Poll-by-poll clustering of `count` articles; wall time, peak memory and the vectorising baseline."""
    articles = sorted(synthetic_articles(count), key=lambda a: a.published)
    settings = ClusterSettings()
    window = timedelta(hours=settings.window_hours)
    clusters: dict[str, Cluster] = {}
    latest: dict[str, datetime] = {}
    polls = 0
    clustering = 0.0
    started = time.perf_counter()
    cpu = time.process_time()
    for batch, now in _polls(articles):
        current = [clusters[cid] for cid, when in latest.items() if when >= now - window]  # clusters_between
        tick = time.perf_counter()
        changed = cluster_articles(batch, current, settings)
        clustering += time.perf_counter() - tick
        for cluster in changed:
            clusters[cluster.id] = cluster
            latest[cluster.id] = cluster.articles[-1].published
        polls += 1
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    tick = time.perf_counter()
    hashing_vectoriser([a.title + "\n" + a.text for a in articles])
    baseline = time.perf_counter() - tick
    return {
        "articles": count,
        "polls": polls,
        "clusters": len(clusters),
        "seconds": round(total, 2),
        "cpu_seconds": round(cpu, 2),
        "clustering_seconds": round(clustering, 2),
        "baseline_vectorise_seconds": round(baseline, 2),
        "ratio_to_baseline": round(clustering / baseline, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_store(count: int, fresh: bool) -> dict[str, float | str]:
    """The same polls through a SQLite store (`cluster_pending` timed), in a kept process or as a new one per
    poll; a digest of the stories, to compare the two."""
    articles = sorted(synthetic_articles(count), key=lambda a: a.published)
    settings = Settings()
    clustering = 0.0
    polls = 0
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/bench.sqlite") as store:
        store.sync_feeds([])
        for batch, _ in _polls(articles):
            if fresh or polls == 0:
                _as_a_new_process()
            store.add_articles(FEED, batch)
            tick = time.perf_counter()
            cluster_pending(settings, store)
            clustering += time.perf_counter() - tick
            polls += 1
        stories = store.clusters_between(START - timedelta(days=1), START + timedelta(days=DAYS + 1), texts=False)
    placed = sorted((a.id, c.id, c.duplicates) for c in stories for a in c.articles)
    return {
        "articles": count,
        "mode": "fresh process per poll" if fresh else "kept process",
        "polls": polls,
        "clusters": len(stories),
        "clustering_seconds": round(clustering, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "stories_digest": hashlib.sha256(json.dumps(placed).encode()).hexdigest()[:16],
    }


def run_first_poll(count: int) -> dict[str, float | str]:
    """Every article in one call, with no stored story: a first poll of many feeds."""
    articles = synthetic_articles(count)
    tick = time.perf_counter()
    stories = cluster_articles(articles, [], ClusterSettings())
    seconds = time.perf_counter() - tick
    placed = sorted((a.id, c.id, c.duplicates) for c in stories for a in c.articles)
    return {
        "articles": count,
        "mode": "first poll, one call",
        "clusters": len(stories),
        "clustering_seconds": round(seconds, 2),
        "microseconds_per_article": round(1e6 * seconds / count),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "stories_digest": hashlib.sha256(json.dumps(placed).encode()).hexdigest()[:16],
    }


def _as_a_new_process() -> None:
    """Drop everything `briefing.cluster` keeps in a process: its window state, its feature cache and the
    memos of words and hashed columns."""
    briefing.cluster._STATE = _window.WindowState()  # type: ignore[attr-defined]
    _window.FEATURES = _features.FeatureCache()
    _features._WORD_COLUMN.clear()
    _features._NAME_COLUMN.clear()
    _features._folded.cache_clear()
    _features._stem.cache_clear()


def hashing_vectoriser(texts: list[str]) -> sp.csr_matrix:
    """Word counts hashed into 2**20 columns, one row per text: the baseline."""
    columns: list[int] = []
    indptr = [0]
    for text in texts:
        columns.extend(mmh3.hash(word, 0) & (2**20 - 1) for word in _WORDS.findall(text.lower()))
        indptr.append(len(columns))
    data = np.ones(len(columns), np.float32)
    return sp.csr_matrix((data, np.array(columns, np.int32), np.array(indptr)), shape=(len(texts), 2**20))


def _polls(articles: list[Article]) -> Iterator[tuple[list[Article], datetime]]:
    """Articles in poll-sized batches: everything published since the previous poll."""
    now = START + POLL
    batch: list[Article] = []
    for article in articles:
        while article.published >= now:
            if batch:
                yield batch, now
                batch = []
            now += POLL
        batch.append(article)
    if batch:
        yield batch, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--store", action="store_true", help="through a SQLite store: kept vs fresh process")
    parser.add_argument("--first-poll", action="store_true", help="every article in one call, no stored story")
    parser.add_argument("--write-docs", action="store_true", help="with --store or --first-poll: write the table")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)  # internal, with --one --store
    options = parser.parse_args()
    if options.one:
        if options.first_poll:
            print(json.dumps(run_first_poll(options.one)))
        else:
            print(json.dumps(run_store(options.one, options.fresh) if options.store else run(options.one)))
        return
    rows = []
    for size in options.sizes:
        for fresh in (False, True) if options.store else (False,):
            extra = (["--store"] + (["--fresh"] if fresh else [])) if options.store else []
            extra += ["--first-poll"] if options.first_poll else []
            command = [sys.executable, __file__, "--one", str(size), *extra]
            done = subprocess.run(command, capture_output=True, text=True)
            print(done.stdout.strip() or done.stderr, flush=True)
            rows.append(json.loads(done.stdout) if done.returncode == 0 else None)
    if options.write_docs and all(rows) and (options.store or options.first_poll):
        table = _store_table(rows) if options.store else _first_poll_table(rows)
        _write_docs("--store" if options.store else "--first-poll", table)


def _first_poll_table(rows: list[dict[str, float | str]]) -> list[str]:
    lines = ["| articles in one call | stories | seconds | µs per article | peak RSS |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['articles']:,} | {row['clusters']:,} | {row['clustering_seconds']} |"
            f" {row['microseconds_per_article']} | {row['peak_mb']} MB |"
        )
    return lines


def _store_table(rows: list[dict[str, float | str]]) -> list[str]:
    lines = [
        "| articles | polls | kept process: clustering s | fresh process per poll: clustering s | ratio | peak RSS"
        " kept / fresh | identical stories |",
        "|---|---|---|---|---|---|---|",
    ]
    for kept, fresh in zip(rows[::2], rows[1::2], strict=True):
        ratio = float(fresh["clustering_seconds"]) / max(float(kept["clustering_seconds"]), 1e-9)
        lines.append(
            f"| {kept['articles']:,} | {kept['polls']} | {kept['clustering_seconds']} | {fresh['clustering_seconds']}"
            f" | {ratio:.2f} | {kept['peak_mb']} / {fresh['peak_mb']} MB"
            f" | {'yes' if kept['stories_digest'] == fresh['stories_digest'] else 'NO'} |"
        )
    return lines


def _write_docs(mode: str, lines: list[str]) -> None:
    """The table between this mode's markers in docs/benchmarks.md, with the machine's load."""
    start, end = f"<!-- bench/cluster.py {mode}: start -->", f"<!-- bench/cluster.py {mode}: end -->"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    table = "\n".join(lines) + f"\n\nLoad average at the end of the run {load} (2 cores)."
    text = DOCS.read_text(encoding="utf-8")
    before, _, rest = text.partition(start)
    if not rest:
        raise SystemExit(f"{DOCS}: no {start} marker")
    DOCS.write_text(f"{before}{start}\n{table}\n{end}{rest.partition(end)[2]}", encoding="utf-8")
    print(f"wrote the table into {DOCS}")


if __name__ == "__main__":
    main()
