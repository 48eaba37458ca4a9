"""Scores story clustering on labelled articles: BCubed and pairwise precision/recall/F1.

Knows the JSON Lines evaluation format (`id, title, text, published, source, url, cluster`, optionally `event`,
`kind` and `first_seen_day`; ARCHITECTURE.md) and replays it the way the product's polls would: one batch per
day (the day an item was first seen when lines say so, else the day it was published; or per `window_days`),
shuffled within the batch. Each batch first teaches each feed (`source`) its boilerplate and gets its kinds, as
ingest does; then every article is stripped of its feed's boilerplate and the batch goes through
`briefing.cluster.cluster_articles` with the clusters of the window as existing stories.
Knows nothing of the store.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from briefing.boilerplate import Boilerplate, SpanCounts
from briefing.cluster import cluster_articles
from briefing.config import ClusterSettings
from briefing.errors import ConfigError
from briefing.kinds import KindModel, classify
from briefing.models import Article, ArticleKind, Cluster

__all__ = ["Labelled", "article_of", "bcubed", "evaluate_file", "load_labelled", "pairwise", "replay"]


@dataclass(frozen=True)
class Labelled:
    """A labelled file: its articles, each one's story, and its event, kind and day where the lines give them."""

    articles: list[Article]
    stories: dict[str, str]
    events: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, ArticleKind] = field(default_factory=dict)
    days: dict[str, str] = field(default_factory=dict)


def evaluate_file(
    path: Path, window_days: float | None = None, seed: int = 0, settings: ClusterSettings | None = None
) -> dict[str, Any]:
    """Cluster the labelled file as the product would and score it against the labels.

    `window_days=None` feeds one day per poll with the product's window (`settings.window_hours`);
    `window_days=7` feeds a whole week at once with a 7-day window, closer to a weekly edition.
    """
    settings = settings or ClusterSettings()
    labelled = load_labelled(path)
    predicted = replay(labelled.articles, settings, window_days=window_days, seed=seed, days=labelled.days)
    return score(labelled, predicted, settings.window_hours if window_days is None else window_days * 24)


def score(labelled: Labelled, predicted: Mapping[str, str], window_hours: float) -> dict[str, Any]:
    """Every figure `briefing eval clustering` prints, from a replay's article -> cluster mapping."""
    truth = labelled.stories
    scores: dict[str, Any] = {**bcubed(predicted, truth), **pairwise(predicted, truth)}
    if labelled.events:
        scores["event_bcubed_precision"] = bcubed(predicted, labelled.events)["bcubed_precision"]
        scores["event_pairwise_precision"] = pairwise(predicted, labelled.events)["pairwise_precision"]
    scores.update(
        articles=len(labelled.articles),
        stories=len(set(truth.values())),
        clusters=len(set(predicted.values())),
        window_hours=window_hours,
    )
    scores.update(_multi_article(labelled, predicted))
    return scores


def _multi_article(labelled: Labelled, predicted: Mapping[str, str]) -> dict[str, Any]:
    """How many clusters hold several articles; of those, how many join unrelated events; how many stand-alone
    items (live, roundup, promo, other by the labels) sit in one."""
    members: dict[str, list[str]] = {}
    for article_id, cluster in predicted.items():
        members.setdefault(cluster, []).append(article_id)
    multi = [ids for ids in members.values() if len(ids) > 1]
    found: dict[str, Any] = {"multi_article_clusters": len(multi)}
    if labelled.events:
        mixed = sum(1 for ids in multi if len({labelled.events[i] for i in ids}) > 1)
        found["multi_article_clusters_mixing_events"] = mixed
    if labelled.kinds:
        found["standalone_in_multi_article_clusters"] = sum(
            1 for ids in multi for i in ids if labelled.kinds[i].standalone
        )
    return found


def load_labelled(path: Path) -> Labelled:
    """Articles and their labels from the JSON Lines file; a bad line is a `ConfigError` naming it."""
    labelled = Labelled([], {})
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                _add(labelled, json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not a labelled article ({exc})") from exc
    return labelled


def _add(labelled: Labelled, record: Mapping[str, Any]) -> None:
    article = article_of(record)
    labelled.stories[article.id] = str(record["cluster"])
    if record.get("event") is not None:
        labelled.events[article.id] = str(record["event"])
    if record.get("kind") is not None:
        labelled.kinds[article.id] = ArticleKind(str(record["kind"]))
    if record.get("first_seen_day"):
        labelled.days[article.id] = str(record["first_seen_day"])
    labelled.articles.append(article)


def article_of(record: Mapping[str, Any]) -> Article:
    """The article of one labelled line; its `source` stands for the feed that carried it."""
    published = datetime.fromisoformat(str(record["published"]).replace("Z", "+00:00"))
    source = str(record.get("source") or "")
    return Article(
        id=str(record["id"]),
        url=str(record.get("url") or ""),
        title=str(record["title"]),
        text=str(record.get("text") or ""),
        outlet=source,
        published=published,
        first_seen=published,
        feeds=(source,) if source else (),
    )


def replay(
    articles: Sequence[Article],
    settings: ClusterSettings,
    window_days: float | None = None,
    seed: int = 0,
    days: Mapping[str, str] | None = None,
    kinds: KindModel | None = None,
) -> dict[str, str]:
    """Feed the articles batch by batch as polls; returns article id -> cluster id. `kinds` replaces the
    shipped kinds classifier (held-out figures use one fitted without the day they score).

    Each batch: boilerplate learned from it, kinds given, then clustered (see the module docstring)."""
    step = timedelta(days=window_days or 1)
    window = timedelta(days=window_days) if window_days else timedelta(hours=settings.window_hours)
    rng = random.Random(seed)
    stored: dict[str, Article] = {}  # as ingest stored them: raw text, with their kind
    clusters: dict[str, Cluster] = {}
    counts = SpanCounts()
    for batch in _batches(articles, step, days if days and not window_days else None):
        rng.shuffle(batch)
        model = _learn(counts, batch)
        stored.update((a.id, a) for a in classify(batch, model, kinds))
        now = max(a.published for a in batch)
        current = [_stripped(c, stored, model) for c in clusters.values() if c.articles[-1].published >= now - window]
        fresh = model.strip_all(stored[a.id] for a in batch)
        for cluster in cluster_articles(fresh, current, settings):
            clusters[cluster.id] = cluster
    return {a.id: c.id for c in clusters.values() for a in c.articles}


def _learn(counts: SpanCounts, batch: Sequence[Article]) -> Boilerplate:
    by_feed: dict[str, list[Article]] = {}
    for article in batch:
        by_feed.setdefault(article.feeds[0] if article.feeds else "", []).append(article)
    for feed_key, fed in by_feed.items():
        counts.add(feed_key, fed)
    return counts.model()


def _stripped(cluster: Cluster, stored: Mapping[str, Article], model: Boilerplate) -> Cluster:
    """A stored cluster as the product reads it back: stored articles, stripped with today's boilerplate."""
    return replace(cluster, articles=tuple(model.strip(stored[a.id]) for a in cluster.articles))


def _batches(articles: Sequence[Article], step: timedelta, days: Mapping[str, str] | None) -> list[list[Article]]:
    """One batch per labelled day when `days` is given, else consecutive batches of `step` from the earliest
    publication time."""
    if not articles:
        return []
    if days:
        by_day: dict[str, list[Article]] = {}
        for article in articles:
            by_day.setdefault(days.get(article.id, article.published.date().isoformat()), []).append(article)
        return [by_day[day] for day in sorted(by_day)]
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
