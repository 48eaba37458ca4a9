"""Fit the item-kind classifier (`briefing/kinds-model.json`) on the labelled real stream, and report it held out.

    .venv/bin/python bench/fit_kinds.py            # held-out figures (by day, by outlet), then the in-sample fit
    .venv/bin/python bench/fit_kinds.py --write    # also write briefing/kinds-model.json

Reads `../shared/data/eval/real-stories-dev.jsonl` (every item of three days of 20 outlets, with its `kind`).
Each item's features use the boilerplate its feed had taught by the end of the item's day, as the product would
have. The regularisation and the stand-alone threshold are chosen inside each training fold (leave one day out
within it), so the held-out figures never saw the fold they score.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from briefing.evaluate.kinds import load_kinds, replayed_features, scores
from briefing.kinds import MODEL_FILE, KindModel
from briefing.models import ArticleKind

DEV = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "real-stories-dev.jsonl"
STRENGTHS = (0.3, 1.0, 3.0)  # inverse L2 regularisation tried
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)  # standalone_at tried
MIN_PRECISION = 0.9  # a threshold is chosen for the best recall at this non-news precision (else best precision)


def fit(rows: np.ndarray, labels: Sequence[ArticleKind], strength: float, threshold: float) -> KindModel:
    """One fit on one BLAS thread: this problem (1,600 x 200) is too small for threads, and on a shared two-core
    machine their contention made the whole held-out run ~30 times slower (20 minutes instead of 40 seconds)."""
    with threadpool_limits(limits=1):
        model = LogisticRegression(C=strength, max_iter=5000).fit(rows, [k.value for k in labels])
    kinds = tuple(ArticleKind(k) for k in model.classes_)
    return KindModel(kinds, model.coef_, model.intercept_, threshold)


def choose(rows: np.ndarray, labels: list[ArticleKind], groups: list[str]) -> tuple[float, float]:
    """(strength, threshold) with the best non-news recall at `MIN_PRECISION`, by leave-one-group-out."""
    results = []
    for strength in STRENGTHS:
        predicted = {t: [ArticleKind.NEWS] * len(labels) for t in THRESHOLDS}
        for group in sorted(set(groups)):
            train = [g != group for g in groups]
            test = [g == group for g in groups]
            model = fit(rows[train], [k for k, t in zip(labels, train, strict=True) if t], strength, 0.5)
            for threshold in THRESHOLDS:
                kinds = KindModel(model.kinds, model.coefficients, model.intercepts, threshold).kinds_of(rows[test])
                for i, kind in zip(np.flatnonzero(test), kinds, strict=True):
                    predicted[threshold][i] = kind
        for threshold in THRESHOLDS:
            s = scores(labels, predicted[threshold])
            results.append(
                (
                    s["nonnews_precision"] >= MIN_PRECISION,
                    s["nonnews_recall"],
                    s["nonnews_precision"],
                    strength,
                    threshold,
                )
            )
    best = max(results)
    return best[3], best[4]


def held_out(rows: np.ndarray, labels: list[ArticleKind], groups: list[str], days: list[str]) -> dict[str, object]:
    """Scores with each group predicted by a model (and settings, chosen by day within the rest) without it."""
    predicted = [ArticleKind.NEWS] * len(labels)
    for group in sorted(set(groups)):
        train = np.array([g != group for g in groups])
        inner = [d for d, t in zip(days, train, strict=True) if t]
        train_labels = [k for k, t in zip(labels, train, strict=True) if t]
        strength, threshold = choose(rows[train], train_labels, inner)
        model = fit(rows[train], train_labels, strength, threshold)
        for i, kind in zip(np.flatnonzero(~train), model.kinds_of(rows[~train]), strict=True):
            predicted[i] = kind
    return scores(labels, predicted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    options = parser.parse_args()
    if not options.data.is_file():
        sys.exit(f"{options.data} is absent: the kinds classifier is fitted on the labelled real stream")
    records, labels = load_kinds(options.data)
    rows = np.array(replayed_features(records), dtype=np.float64)
    days = [r.day for r in records]
    outlets = [r.article.outlet for r in records]
    report = {
        "held_out_by_day": held_out(rows, labels, days, days),
        "held_out_by_outlet": held_out(rows, labels, outlets, days),
    }
    strength, threshold = choose(rows, labels, days)
    model = fit(rows, labels, strength, threshold)
    report["in_sample"] = scores(labels, model.kinds_of(rows))
    report["chosen"] = {"C": strength, "standalone_at": threshold}
    print(json.dumps(report, indent=2))
    if options.write:
        MODEL_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
