"""Scores the item-kind classifier on labelled items: precision and recall of non-news, and a confusion table.

Knows the JSON Lines evaluation format (the clustering lines with a `kind` field; ARCHITECTURE.md). Items are
replayed day by day (`first_seen_day` when a line has it, else the day it was published) so that each item is
classified with the boilerplate its feed (`source`) had taught by then, as at ingest.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.boilerplate import SpanCounts
from briefing.errors import ConfigError
from briefing.evaluate.clustering import article_of
from briefing.kinds import KindModel, classify, features
from briefing.models import Article, ArticleKind

__all__ = ["Record", "evaluate_file", "load_kinds", "replayed_features", "scores"]


@dataclass(frozen=True)
class Record:
    article: Article
    day: str  # the day the item was first seen, which orders the replay


def evaluate_file(path: Path, model: KindModel | None = None) -> dict[str, Any]:
    """Classify every labelled item as ingest would, and score it against the `kind` labels."""
    records, truth = load_kinds(path)
    predicted: dict[int, ArticleKind] = {}
    counts = SpanCounts()
    for batch in _by_day(records):
        _learn(counts, [records[i] for i in batch])
        kinds = classify([records[i].article for i in batch], counts.model(), model)
        predicted.update((i, article.kind) for i, article in zip(batch, kinds, strict=True))
    return {**scores(truth, [predicted[i] for i in range(len(records))]), "items": len(records)}


def load_kinds(path: Path) -> tuple[list[Record], list[ArticleKind]]:
    """Items and their labelled kinds; a bad line is a `ConfigError` naming it."""
    records: list[Record] = []
    kinds: list[ArticleKind] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                article = article_of(record)
                kind = ArticleKind(str(record["kind"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not an item with a kind ({exc})") from exc
            records.append(Record(article, str(record.get("first_seen_day") or article.published.date())))
            kinds.append(kind)
    return records, kinds


def replayed_features(records: Sequence[Record]) -> list[list[float]]:
    """Each record's classifier features, in order, with the boilerplate known at the end of its day."""
    found: dict[int, list[float]] = {}
    counts = SpanCounts()
    for batch in _by_day(records):
        _learn(counts, [records[i] for i in batch])
        model = counts.model()
        found.update((i, features(records[i].article, model)) for i in batch)
    return [found[i] for i in range(len(records))]


def scores(truth: Sequence[ArticleKind], predicted: Sequence[ArticleKind]) -> dict[str, Any]:
    """Precision and recall of the stand-alone kinds taken together, and counts of (true, predicted) kinds."""
    hits = sum(1 for t, p in zip(truth, predicted, strict=True) if t.standalone and p.standalone)
    flagged = sum(1 for p in predicted if p.standalone)
    actual = sum(1 for t in truth if t.standalone)
    cells = Counter(zip(truth, predicted, strict=True))
    confusion = {t.value: {p.value: cells[t, p] for p in ArticleKind} for t in ArticleKind}
    return {
        "nonnews_precision": hits / flagged if flagged else 1.0,
        "nonnews_recall": hits / actual if actual else 1.0,
        "confusion": confusion,
    }


def _by_day(records: Sequence[Record]) -> list[list[int]]:
    """Indices of the records, one list per day, days in order."""
    days: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        days.setdefault(record.day, []).append(i)
    return [days[day] for day in sorted(days)]


def _learn(counts: SpanCounts, batch: Sequence[Record]) -> None:
    by_feed: dict[str, list[Article]] = {}
    for record in batch:
        by_feed.setdefault(record.article.feeds[0], []).append(record.article)
    for feed_key, articles in by_feed.items():
        counts.add(feed_key, articles)
