"""Choose the LLM judge's band (`summariser.judge_band`) from the offline check's scores on labelled claims.

    .venv/bin/python bench/judge_band.py [../shared/data/eval/grounding-dev.jsonl] [--target 0.10]

With `judge: auto`, an LLM bullet that the offline check passes goes to the LLM judge while its score is within
`judge_band` log-odds above `grounding.threshold` (`briefing.review._judge`). The band's top is where a pass
stops being doubtful: the lowest score from which the check's passes are wrong less often than `--target` (one
in ten). This script:

1. scores every one-sentence claim (a bullet is one sentence) with the product's check
   (`briefing.ground.check_claim`) at the default threshold, and keeps the passes;
2. fits how often a pass is wrong as a non-increasing function of its score (isotonic regression) in 5 folds
   grouped by `doc_id`, takes the band's top on the fitting folds, and prints held-out figures: the share of
   passes judged (the cost), the share of wrong passes inside the band (what the judge gets to see), and how
   often a pass above the band is wrong (what no judge sees);
3. does the same with each origin's band chosen on the other origins;
4. fits on every claim and prints the band to set as `judge_band`'s default.

The check's own weights were fitted on this file (`bench/ground.py`), so its scores here are a little better
than on unseen claims; the band is chosen and measured on top of them. Rerun this after refitting the check: a
new score moves the band.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from briefing.config import GroundingSettings
from briefing.errors import GroundingError
from briefing.ground import check_claim

GRID = np.arange(0.0, 1.0, 0.005)  # candidate tops, as scores


def logit(p: np.ndarray | float) -> Any:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def passes(path: Path, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Score, wrong (labelled unsupported), doc_id and origin of every one-sentence claim the check passes."""
    settings = GroundingSettings(threshold=threshold)
    kept: list[tuple[float, bool, str, str]] = []
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        if record.get("granularity", "sentence") != "sentence":
            continue
        try:
            verdict = check_claim(record["claim"], [record["source"]], settings)
        except GroundingError:
            continue
        if verdict.supported:
            kept.append((verdict.score, record["label"] == "unsupported", record["doc_id"], record["origin"]))
    score, wrong, doc, origin = zip(*kept, strict=True)
    return np.array(score), np.array(wrong), np.array(doc), np.array(origin)


def top_of(score: np.ndarray, wrong: np.ndarray, threshold: float, target: float) -> float:
    """The lowest score at and above which a pass is wrong at most `target` of the time (isotonic fit)."""
    rate = IsotonicRegression(increasing=False, out_of_bounds="clip").fit(score, wrong.astype(float))
    grid = GRID[threshold <= GRID]
    below = grid[rate.predict(grid) <= target]
    return float(below[0]) if below.size else 1.0


def figures(score: np.ndarray, wrong: np.ndarray, top: np.ndarray) -> str:
    judged = score < top
    seen = (judged & wrong).sum() / max(1, wrong.sum())
    unseen = wrong[~judged].mean() if (~judged).any() else 0.0
    return (
        f"passes judged {judged.mean():.1%}, wrong passes inside the band {seen:.1%}, "
        f"passes above the band that are wrong {unseen:.1%} (of {len(score)} passes, {wrong.sum()} wrong)"
    )


def grouped(score: np.ndarray, wrong: np.ndarray, doc: np.ndarray, threshold: float, target: float) -> np.ndarray:
    top = np.zeros(len(score))
    for train, test in GroupKFold(n_splits=5).split(score, wrong, doc):
        top[test] = top_of(score[train], wrong[train], threshold, target)
    return top


def by_origin(score: np.ndarray, wrong: np.ndarray, origin: np.ndarray, threshold: float, target: float) -> np.ndarray:
    top = np.zeros(len(score))
    for name in sorted(set(origin)):
        test = origin == name
        top[test] = top_of(score[~test], wrong[~test], threshold, target)
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=Path("../shared/data/eval/grounding-dev.jsonl"))
    parser.add_argument("--target", type=float, default=0.10, help="highest error rate of a pass left unjudged")
    parser.add_argument("--threshold", type=float, default=GroundingSettings().threshold)
    args = parser.parse_args()
    score, wrong, doc, origin = passes(args.path, args.threshold)
    held_out = grouped(score, wrong, doc, args.threshold, args.target)
    tops = ", ".join(f"{t:.3f}" for t in sorted(set(held_out)))
    print(f"held out (5 folds grouped by doc_id; the folds' tops {tops}):")
    print("  " + figures(score, wrong, held_out))
    print("held out (each origin's top chosen on the other origins):")
    print("  " + figures(score, wrong, by_origin(score, wrong, origin, args.threshold, args.target)))
    top = top_of(score, wrong, args.threshold, args.target)
    band = float(logit(top) - logit(args.threshold))
    print(f"fitted on every claim: top {top:.3f}, {band:.2f} log-odds above the threshold: judge_band {band:.1f}")
    print("  in-sample: " + figures(score, wrong, np.full(len(score), top)))


if __name__ == "__main__":
    main()
