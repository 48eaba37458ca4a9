"""Benchmark story clustering on synthetic news: 1,000 / 10,000 / 100,000 articles, fed as polls.

    .venv/bin/python bench/cluster.py                 # all three sizes, one subprocess each
    .venv/bin/python bench/cluster.py --sizes 1000    # one size

Articles are generated, no network: a Zipf-distributed background vocabulary, stories with their own topic words,
names and numbers, heavy-tailed story sizes (most stories 1-3 articles, a few 30+), outlets, and publication
times spread over 7 days. They are fed to `cluster_articles` as the product does: one poll every 30 minutes, each
with the clusters of the 36-hour window as existing stories. Each size runs in its own process so peak memory
(ru_maxrss) is its own. The baseline, measured in the same process, is vectorising every article once with a
plain hashing vectoriser (lower-case, a regex for words, MurmurHash3 of each word into 2**20 columns, a sparse
matrix: what scikit-learn's HashingVectorizer does): the least any text clustering must do.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import mmh3
import numpy as np
import scipy.sparse as sp

from briefing.cluster import cluster_articles
from briefing.config import ClusterSettings
from briefing.models import Article, Cluster

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 7
POLL = timedelta(minutes=30)
OUTLETS = [f"Outlet {i}" for i in range(60)]
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
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    options = parser.parse_args()
    if options.one:
        print(json.dumps(run(options.one)))
        return
    for size in options.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True)
        print(done.stdout.strip() or done.stderr, flush=True)


if __name__ == "__main__":
    main()
