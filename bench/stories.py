"""Story clustering on the real stream, held out by day: the figures the docs report, and how they were tuned.

    .venv/bin/python bench/stories.py

Reads `../shared/data/eval/real-stories-dev.jsonl` (three days of 20 outlets, labelled with story, event and
kind) and `../shared/data/eval/clustering-dev.jsonl` (AllSides). For each day: the kinds classifier is fitted
on the other two days (its settings chosen there, `bench/fit_kinds.py`), the clustering settings below are
chosen on the other two days among those that keep AllSides at pairwise F1 >= 0.90 and BCubed F1 >= 0.95 and
meet the issue's precision targets on those two days (event BCubed precision >= 0.98; fewer than 1 in 20
multi-article stories joining unrelated events); of those within `TOLERANCE` of the best F1 there, the lowest bar,
and the whole file is replayed with them; that day's items are scored from that replay (BCubed per item, then
averaged over all items). The in-sample figures (shipped classifier, shipped defaults) come alongside, and
`rule_on_all_days`: the settings the same rule picks with all three days as its training days (shipped
classifier), which the shipped defaults should be.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from fit_kinds import choose, fit

from briefing.config import ClusterSettings
from briefing.evaluate.clustering import Labelled, bcubed, evaluate_file, load_labelled, replay, score
from briefing.evaluate.kinds import load_kinds, replayed_features
from briefing.kinds import KindModel

DATA = Path(__file__).parent.parent.parent / "shared" / "data" / "eval"
REAL, ALLSIDES = DATA / "real-stories-dev.jsonl", DATA / "clustering-dev.jsonl"
GRID = [  # the settings tried; the rest are the shipped defaults (`title_weight` 2 was tried too: as good here,
    # but on the real feeds' longer texts it split a four-outlet story, tests/test_cluster_real_news.py)
    {"threshold_growth": growth, "same_feed_factor": same}
    for growth in (0.1, 0.14, 0.17, 0.2, 0.23, 0.26)
    for same in (0.6, 0.8)
]
MIN_EVENT_PRECISION = 0.98  # the targets, required of a setting on the training days
MAX_MIXING = 1 / 20  # share of multi-article stories with items of unrelated events
# Of the settings within TOLERANCE of the best F1 on the training days, the one with the lowest bar (and the
# mildest same-feed factor) is taken: the F1 surface is flat there, and a lower bar keeps cross-outlet recall.
TOLERANCE = 0.005
Terms = dict[str, tuple[float, float, float]]  # article id -> (story precision, story recall, event precision)


def per_item(labelled: Labelled, predicted: Mapping[str, str]) -> Terms:
    """Each article's BCubed terms: story precision and recall, and event precision."""
    size = Counter(predicted.values())
    stories = Counter((predicted[i], labelled.stories[i]) for i in labelled.stories)
    events = Counter((predicted[i], labelled.events[i]) for i in labelled.stories)
    story_size = Counter(labelled.stories.values())
    return {
        i: (
            stories[predicted[i], labelled.stories[i]] / size[predicted[i]],
            stories[predicted[i], labelled.stories[i]] / story_size[labelled.stories[i]],
            events[predicted[i], labelled.events[i]] / size[predicted[i]],
        )
        for i in labelled.stories
    }


def summary(terms: Terms, items: list[str]) -> dict[str, float]:
    p, r, e = (float(np.mean([terms[i][k] for i in items])) for k in range(3))
    return {"bcubed_precision": p, "bcubed_recall": r, "bcubed_f1": 2 * p * r / (p + r), "event_bcubed_precision": e}


def mixing(labelled: Labelled, predicted: Mapping[str, str], items: list[str]) -> tuple[int, int]:
    """(multi-article stories joining items of unrelated events, multi-article stories), counting only `items`."""
    members: dict[str, set[str]] = {}
    sizes: Counter[str] = Counter()
    for i in items:
        members.setdefault(predicted[i], set()).add(labelled.events[i])
        sizes[predicted[i]] += 1
    multi = [c for c, n in sizes.items() if n > 1]
    return sum(len(members[c]) > 1 for c in multi), len(multi)


def precise(labelled: Labelled, run: tuple[dict[str, Any], Terms, dict[str, str]], items: list[str]) -> bool:
    """Whether a run meets the precision targets on `items`."""
    mixed, multi = mixing(labelled, run[2], items)
    return summary(run[1], items)["event_bcubed_precision"] >= MIN_EVENT_PRECISION and mixed < MAX_MIXING * multi


def kinds_without(day: str) -> KindModel:
    """The kinds classifier fitted (settings chosen by day) on every day but `day`."""
    records, labels = load_kinds(REAL)
    rows = np.array(replayed_features(records), dtype=np.float64)
    train = np.array([r.day != day for r in records])
    kept = [k for k, t in zip(labels, train, strict=True) if t]
    days = [r.day for r, t in zip(records, train, strict=True) if t]
    strength, threshold = choose(rows[train], kept, days)
    return fit(rows[train], kept, strength, threshold)


def allsides_ok(settings: ClusterSettings) -> bool:
    found = evaluate_file(ALLSIDES, settings=settings)
    return bool(found["pairwise_f1"] >= 0.90 and found["bcubed_f1"] >= 0.95)


def held_out(labelled: Labelled) -> dict[str, Any]:
    days = sorted(set(labelled.days.values()))
    allowed = [g for g in GRID if allsides_ok(ClusterSettings(**g))]
    terms: Terms = {}
    chosen = {}
    mixed = multi = standalone = 0  # held out: stories of a day's items joining unrelated events, of all stories
    # of several of its items; that day's non-news items (by the labels) in a story of several items
    for day in days:
        kinds = kinds_without(day)
        predictions = [
            (g, replay(labelled.articles, ClusterSettings(**g), days=labelled.days, kinds=kinds)) for g in allowed
        ]
        runs = [(g, per_item(labelled, predicted), predicted) for g, predicted in predictions]
        train = [i for i in labelled.stories if labelled.days[i] != day]
        runs = [run for run in runs if precise(labelled, run, train)] or runs
        top = max(summary(run[1], train)["bcubed_f1"] for run in runs)
        close = [run for run in runs if summary(run[1], train)["bcubed_f1"] >= top - TOLERANCE]
        best, best_terms, predicted = min(close, key=_lowest_bar)
        chosen[day] = best
        test = [i for i in labelled.stories if labelled.days[i] == day]
        terms.update((i, best_terms[i]) for i in test)
        day_mixed, day_multi = mixing(labelled, predicted, test)
        mixed, multi = mixed + day_mixed, multi + day_multi
        size = Counter(predicted.values())
        standalone += sum(1 for i in test if labelled.kinds[i].standalone and size[predicted[i]] > 1)
    return {
        **summary(terms, list(labelled.stories)),
        "multi_article_clusters_mixing_events": f"{mixed} of {multi}",
        "standalone_in_multi_article_clusters": standalone,
        "chosen": chosen,
        "allowed_by_allsides": allowed,
    }


def _lowest_bar(run: tuple[dict[str, Any], Terms, dict[str, str]]) -> tuple[float, float]:
    return (run[0]["threshold_growth"], -run[0]["same_feed_factor"])


def rule_on_all_days(labelled: Labelled) -> dict[str, Any]:
    """The settings the held-out rule picks when all three days are its training days (shipped classifier): what
    the shipped defaults are."""
    items = list(labelled.stories)
    runs = []
    for g in (g for g in GRID if allsides_ok(ClusterSettings(**g))):
        predicted = replay(labelled.articles, ClusterSettings(**g), days=labelled.days)
        runs.append((g, per_item(labelled, predicted), predicted))
    runs = [run for run in runs if precise(labelled, run, items)] or runs
    top = max(summary(run[1], items)["bcubed_f1"] for run in runs)
    close = [run for run in runs if summary(run[1], items)["bcubed_f1"] >= top - TOLERANCE]
    best, terms, predicted = min(close, key=_lowest_bar)
    mixed, multi = mixing(labelled, predicted, items)
    return {"settings": best, **summary(terms, items), "multi_article_clusters_mixing_events": f"{mixed} of {multi}"}


def _replayed(labelled: Labelled, settings: ClusterSettings, kinds: KindModel) -> dict[str, str]:
    return replay(labelled.articles, settings, days=labelled.days, kinds=kinds)


def main() -> None:
    if not REAL.is_file() or not ALLSIDES.is_file():
        sys.exit(f"{DATA} lacks the labelled files this benchmark reads")
    labelled = load_labelled(REAL)
    predicted = replay(labelled.articles, ClusterSettings(), days=labelled.days)
    report = {
        "held_out_by_day": held_out(labelled),
        "rule_on_all_days": rule_on_all_days(labelled),
        "in_sample": score(labelled, predicted, 36.0),
        "in_sample_f1_by_setting": surface(labelled),
        "in_sample_f1_with_the_largest_story_perfect": largest_story_perfect(labelled, predicted),
    }
    print(json.dumps(report, indent=2))


def surface(labelled: Labelled) -> dict[str, float]:
    """In-sample story BCubed F1 of every setting of the grid (shipped kinds classifier): how flat it is."""
    found = {}
    for g in GRID:
        predicted = replay(labelled.articles, ClusterSettings(**g), days=labelled.days)
        found[json.dumps(g)] = round(bcubed(predicted, labelled.stories)["bcubed_f1"], 4)
    return found


def largest_story_perfect(labelled: Labelled, predicted: Mapping[str, str]) -> float:
    """The F1 of `predicted` with the largest labelled story put together (and nothing else changed)."""
    largest = Counter(labelled.stories.values()).most_common(1)[0][0]
    fixed = {i: "largest" if labelled.stories[i] == largest else c for i, c in predicted.items()}
    return round(bcubed(fixed, labelled.stories)["bcubed_f1"], 4)


if __name__ == "__main__":
    main()
