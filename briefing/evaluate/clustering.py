"""Scores story clustering on labelled articles: BCubed and pairwise precision/recall/F1.

Knows the JSON Lines evaluation format (`id, title, text, published, source, url, cluster`; ARCHITECTURE.md) and
replays it through `briefing.cluster.cluster_articles` the way the product's polls would: one batch per day
(or per `window_days`), shuffled within the batch, with only the clusters of the window as existing stories.
Knows nothing of feeds or the store.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from briefing.cluster import cluster_articles
from briefing.config import ClusterSettings
from briefing.errors import ConfigError
from briefing.models import Article, Cluster

__all__ = ["bcubed", "evaluate_file", "load_labelled", "pairwise", "replay"]


def evaluate_file(
    path: Path, window_days: float | None = None, seed: int = 0, settings: ClusterSettings | None = None
) -> dict[str, Any]:
    """Cluster the labelled file as the product would and score it against the labels.

    `window_days=None` feeds one day per poll with the product's window (`settings.window_hours`);
    `window_days=7` feeds a whole week at once with a 7-day window, closer to a weekly edition.
    """
    settings = settings or ClusterSettings()
    articles, truth = load_labelled(path)
    predicted = replay(articles, settings, window_days=window_days, seed=seed)
    scores: dict[str, Any] = {**bcubed(predicted, truth), **pairwise(predicted, truth)}
    scores.update(
        articles=len(articles),
        stories=len(set(truth.values())),
        clusters=len(set(predicted.values())),
        window_hours=settings.window_hours if window_days is None else window_days * 24,
    )
    return scores


def load_labelled(path: Path) -> tuple[list[Article], dict[str, str]]:
    """Articles and their story labels from the JSON Lines file; a bad line is a `ConfigError` naming it."""
    articles: list[Article] = []
    truth: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                article = _article(record)
                truth[article.id] = str(record["cluster"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not a labelled article ({exc})") from exc
            articles.append(article)
    return articles, truth


def _article(record: Mapping[str, Any]) -> Article:
    published = datetime.fromisoformat(str(record["published"]).replace("Z", "+00:00"))
    return Article(
        id=str(record["id"]),
        url=str(record.get("url") or ""),
        title=str(record["title"]),
        text=str(record.get("text") or ""),
        outlet=str(record.get("source") or ""),
        published=published,
        first_seen=published,
    )


def replay(
    articles: Sequence[Article], settings: ClusterSettings, window_days: float | None = None, seed: int = 0
) -> dict[str, str]:
    """Feed the articles batch by batch through `cluster_articles`; returns article id -> cluster id."""
    step = timedelta(days=window_days or 1)
    window = timedelta(days=window_days) if window_days else timedelta(hours=settings.window_hours)
    rng = random.Random(seed)
    clusters: dict[str, Cluster] = {}
    for batch in _batches(articles, step):
        rng.shuffle(batch)
        now = max(a.published for a in batch)
        current = [c for c in clusters.values() if max(a.published for a in c.articles) >= now - window]
        for cluster in cluster_articles(batch, current, settings):
            clusters[cluster.id] = cluster
    return {a.id: c.id for c in clusters.values() for a in c.articles}


def _batches(articles: Sequence[Article], step: timedelta) -> list[list[Article]]:
    """Consecutive batches of `step` (a day by default) from the earliest publication time."""
    if not articles:
        return []
    start = min(a.published for a in articles).replace(hour=0, minute=0, second=0, microsecond=0)
    batches: dict[int, list[Article]] = {}
    for article in articles:
        batches.setdefault(int((article.published - start) / step), []).append(article)
    return [batches[key] for key in sorted(batches)]


# ----------------------------------------------------------------------------------------------- metrics


def bcubed(predicted: Mapping[str, Hashable], truth: Mapping[str, Hashable]) -> dict[str, float]:
    """BCubed (Bagga & Baldwin 1998): per item, the share of its predicted cluster that truly belongs with it
    (precision) and the share of its true story that was put with it (recall), averaged over items.
    """
    items = list(truth)
    cell = Counter((predicted[i], truth[i]) for i in items)
    predicted_size = Counter(predicted[i] for i in items)
    truth_size = Counter(truth[i] for i in items)
    precision = sum(cell[predicted[i], truth[i]] / predicted_size[predicted[i]] for i in items) / len(items)
    recall = sum(cell[predicted[i], truth[i]] / truth_size[truth[i]] for i in items) / len(items)
    return {"bcubed_precision": precision, "bcubed_recall": recall, "bcubed_f1": _f1(precision, recall)}


def pairwise(predicted: Mapping[str, Hashable], truth: Mapping[str, Hashable]) -> dict[str, float]:
    """Pairwise scores: of the article pairs put together, how many belong together (precision); of the pairs
    that belong together, how many were put together (recall). Singletons alone score 1 by convention.
    """
    items = list(truth)
    together = sum(_pairs(n) for n in Counter((predicted[i], truth[i]) for i in items).values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted[i] for i in items).values())
    true_pairs = sum(_pairs(n) for n in Counter(truth[i] for i in items).values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    return {"pairwise_precision": precision, "pairwise_recall": recall, "pairwise_f1": _f1(precision, recall)}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
