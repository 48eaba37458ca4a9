"""Fit (and check) the grounding score's weights on a labelled claims file.

    .venv/bin/python bench/ground.py ../shared/data/eval/grounding-dev.jsonl

The score in `briefing.ground` is a logistic model over three overlap features of each claim sentence
(`sentence`, `document`, `pairs`) and its length (see `briefing.ground.sentence_features`); the sentence
probabilities multiply into the claim's score. This script:

1. computes the features with the product's own code;
2. fits a class-balanced logistic regression in 5 folds grouped by `doc_id` (no article is in both the fitting
   and the scored fold), on single-sentence claims that pass the hard rules (a failed rule decides the verdict
   on its own), and scores every claim of the held-out fold as the product does;
3. picks the operating point that maximises held-out balanced accuracy with the hard rules applied, and
   prints held-out figures overall and per origin, then the same with each origin scored by weights fitted on
   the other origins (a kind of data the weights never saw);
4. fits once on everything and prints the weights to paste into `briefing/ground/_support.py` (`_WEIGHTS`),
   with the bias shifted so that the product's default threshold (0.5) is that operating point;
5. prints, from the same run, a naive baseline: the share of the claim's words (minus a few function words)
   found anywhere in the source, at its own best threshold on this very file (an optimistic baseline).

It prints; it never edits the code: weights are constants a reviewer can read.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from briefing.ground import SENTENCES_EXPONENT, sentence_features

FEATURES = ("sentence", "document", "pairs", "length")
THRESHOLDS = np.arange(0.30, 0.66, 0.025)


_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "and",
        "or",
        "for",
        "with",
        "at",
        "by",
        "from",
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "has",
        "have",
        "had",
    ]
)


def naive_overlap(claim: str, source: str) -> float:
    """The baseline the issue quotes: share of the claim's words that occur anywhere in the source."""
    words = [w for w in re.findall(r"\w+", claim.lower()) if w not in _FUNCTION_WORDS]
    present = set(re.findall(r"\w+", source.lower()))
    return sum(w in present for w in words) / max(1, len(words))


def baseline(rows: list[dict[str, Any]], y: np.ndarray, origin: np.ndarray) -> None:
    overlap = np.array([naive_overlap(r["claim"], " ".join(_sources(r))) for r in rows])
    scores = {t: balanced_accuracy_score(y, overlap >= t) for t in np.arange(0.5, 1.0, 0.025)}
    best = max(scores, key=lambda t: scores[t])
    summedits = origin == "summedits-news"
    print(
        f"naive word overlap (best threshold {best:.3f} chosen on this file): balanced accuracy "
        f"{scores[best]:.3f}, ROC-AUC {roc_auc_score(y, overlap):.3f}",
        end="",
    )
    if summedits.any():
        print(f", summedits-news {balanced_accuracy_score(y[summedits], overlap[summedits] >= best):.3f}", end="")
    print()


def _sources(record: dict[str, Any]) -> list[str]:
    source = record["source"]
    return [source] if isinstance(source, str) else list(source)


Claims = list[np.ndarray]  # per claim: one row of FEATURES per sentence


def load(path: Path) -> tuple[Claims, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    computed = [sentence_features(r["claim"], _sources(r)) for r in rows]
    claims = [np.array([[f[k] for k in FEATURES] for f in sentences]) for sentences, _ in computed]
    failed = np.array([rule_failed for _, rule_failed in computed])
    y = np.array([r["label"] == "supported" for r in rows])
    groups = np.array([r.get("doc_id", r["id"]) for r in rows])
    origin = np.array([r.get("origin", "unknown") for r in rows])
    return claims, failed, y, groups, origin, rows


def fit(claims: Claims, y: np.ndarray, usable: np.ndarray) -> LogisticRegression:
    """One sentence, one label: fitted on single-sentence claims that pass the hard rules."""
    single = [i for i in np.flatnonzero(usable) if len(claims[i]) == 1]
    x = np.vstack([claims[i] for i in single])
    return LogisticRegression(class_weight="balanced", max_iter=1000).fit(x, y[single])


def predict(model: LogisticRegression, claims: Claims, indices: np.ndarray) -> np.ndarray:
    """A claim holds only if each sentence does: sentence probabilities multiply, the product raised to
    k ** SENTENCES_EXPONENT for k sentences, as in `briefing.ground`."""
    products = [float(np.prod(model.predict_proba(claims[i])[:, 1])) for i in indices]
    return np.array([p ** (len(claims[i]) ** SENTENCES_EXPONENT) for p, i in zip(products, indices, strict=True)])


def held_out(claims: Claims, failed: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    probability = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(np.zeros(len(y)), y, groups):
        usable = np.zeros(len(y), dtype=bool)
        usable[train] = ~failed[train]
        probability[test] = predict(fit(claims, y, usable), claims, test)
    return probability


def nested(claims: Claims, failed: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Verdicts with both the weights and the threshold chosen on the fitting folds only."""
    predicted = np.zeros(len(y), dtype=bool)
    for train, test in GroupKFold(n_splits=5).split(np.zeros(len(y)), y, groups):
        usable = np.zeros(len(y), dtype=bool)
        usable[train] = ~failed[train]
        model = fit(claims, y, usable)
        fitted = predict(model, claims, train)
        threshold = max(THRESHOLDS, key=lambda t: balanced_accuracy_score(y[train], (fitted >= t) & ~failed[train]))
        predicted[test] = (predict(model, claims, test) >= threshold) & ~failed[test]
    return predicted


def leave_one_origin_out(claims: Claims, failed: np.ndarray, y: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Each origin scored by weights fitted on the others: how the check fares on a kind of data it never saw."""
    probability = np.zeros(len(y))
    for name in sorted(set(origin)):
        test = np.flatnonzero(origin == name)
        probability[test] = predict(fit(claims, y, (origin != name) & ~failed), claims, test)
    return probability


def report(probability: np.ndarray, failed: np.ndarray, y: np.ndarray, origin: np.ndarray, threshold: float) -> None:
    predicted = (probability >= threshold) & ~failed
    score = np.where(failed, probability * threshold * 0.999, probability)
    print(
        f"threshold {threshold:.2f}: balanced accuracy {balanced_accuracy_score(y, predicted):.3f}, "
        f"ROC-AUC {roc_auc_score(y, score):.3f}"
    )
    for name in sorted(set(origin)):
        k = origin == name
        if len(set(y[k])) == 2:
            print(f"  {name:16s} n={k.sum():5d}  balanced accuracy {balanced_accuracy_score(y[k], predicted[k]):.3f}")


def main(path: Path) -> None:
    claims, failed, y, groups, origin, rows = load(path)
    probability = held_out(claims, failed, y, groups)
    scores = {t: balanced_accuracy_score(y, (probability >= t) & ~failed) for t in THRESHOLDS}
    best = max(scores, key=lambda t: scores[t])
    print("held out (5 folds grouped by doc_id), ", end="")
    report(probability, failed, y, origin, best)
    verdicts = nested(claims, failed, y, groups)
    figure = balanced_accuracy_score(y, verdicts)
    print(f"held out, threshold also picked in the fitting folds: balanced accuracy {figure:.3f}")
    print("held out (each origin scored by weights fitted on the others), ", end="")
    report(leave_one_origin_out(claims, failed, y, origin), failed, y, origin, best)
    model = fit(claims, y, ~failed)
    bias = float(model.intercept_[0]) - math.log(best / (1 - best))  # 0.5 now means `best` for one sentence
    weights = {"bias": round(bias, 2)} | {k: round(float(w), 2) for k, w in zip(FEATURES, model.coef_[0], strict=True)}
    print("_WEIGHTS =", weights)
    model.intercept_[0] = bias
    print("fitted on everything, at the product's threshold 0.50 (in-sample), ", end="")
    report(predict(model, claims, np.arange(len(y))), failed, y, origin, 0.5)
    baseline(rows, y, origin)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/eval/grounding-dev.jsonl"))
