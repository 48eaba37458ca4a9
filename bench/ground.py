"""Fit (and check) the grounding score's weights on a labelled claims file.

    .venv/bin/python bench/ground.py ../shared/data/eval/grounding-dev.jsonl

The score in `briefing.ground` is a logistic model over three overlap features of a claim's weakest sentence
(`sentence`, `document`, `pairs`; see `briefing.ground.claim_features`). This script:

1. computes the features with the product's own code;
2. fits a class-balanced logistic regression in 5 folds grouped by `doc_id` (no article is in both the fitting
   and the scored fold), on claims that pass the hard rules (a failed rule decides the verdict on its own);
3. picks the operating point that maximises held-out balanced accuracy with the hard rules applied, and
   prints held-out figures overall and per origin;
4. fits once on everything and prints the weights to paste into `briefing.ground._WEIGHTS`, with the bias
   shifted so that the product's default threshold (0.5) is that operating point.

It prints; it never edits the code: weights are constants a reviewer can read.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from briefing.ground import claim_features

FEATURES = ("sentence", "document", "pairs")
THRESHOLDS = np.arange(0.30, 0.66, 0.05)


def load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    feats = [claim_features(r["claim"], [r["source"]] if isinstance(r["source"], str) else r["source"]) for r in rows]
    x = np.array([[f[k] for k in FEATURES] for f in feats])
    failed = np.array([f["rule_failed"] > 0 for f in feats])
    y = np.array([r["label"] == "supported" for r in rows])
    groups = np.array([r.get("doc_id", r["id"]) for r in rows])
    origin = np.array([r.get("origin", "unknown") for r in rows])
    return x, failed, y, groups, origin


def held_out(x: np.ndarray, failed: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    probability = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        train = train[~failed[train]]
        model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(x[train], y[train])
        probability[test] = model.predict_proba(x[test])[:, 1]
    return probability


def report(probability: np.ndarray, failed: np.ndarray, y: np.ndarray, origin: np.ndarray, threshold: float) -> None:
    predicted = (probability >= threshold) & ~failed
    score = np.where(failed, probability * threshold * 0.999, probability)
    print(
        f"held-out, threshold {threshold:.2f}: balanced accuracy {balanced_accuracy_score(y, predicted):.3f}, "
        f"ROC-AUC {roc_auc_score(y, score):.3f}"
    )
    for name in sorted(set(origin)):
        k = origin == name
        if len(set(y[k])) == 2:
            print(f"  {name:16s} n={k.sum():5d}  balanced accuracy {balanced_accuracy_score(y[k], predicted[k]):.3f}")


def main(path: Path) -> None:
    x, failed, y, groups, origin = load(path)
    probability = held_out(x, failed, y, groups)
    scores = {t: balanced_accuracy_score(y, (probability >= t) & ~failed) for t in THRESHOLDS}
    best = max(scores, key=lambda t: scores[t])
    report(probability, failed, y, origin, best)
    model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(x[~failed], y[~failed])
    bias = float(model.intercept_[0]) - math.log(best / (1 - best))  # 0.5 now means `best`
    weights = {"bias": round(bias, 2)} | {k: round(float(w), 2) for k, w in zip(FEATURES, model.coef_[0], strict=True)}
    print("_WEIGHTS =", weights)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/eval/grounding-dev.jsonl"))
