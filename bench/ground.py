"""Fit (and measure, held out) the grounding score's weights on a labelled claims file; time one bullet's check.

    .venv/bin/python bench/ground.py [FILE.jsonl] [--vectors PATH.sqlite] [--write] [--json]
    .venv/bin/python bench/ground.py --cost

Fitting. The score in `briefing.ground` is a logistic model over a few features of each claim sentence (lexical:
`sentence`, `document`, `pairs`, `length`; the semantic check adds `similarity`, the encoder's cosine with the
closest source sentence); a claim's sentence probabilities multiply. For each check this script

1. computes the features with the product's own code (`Grounder.features`), the hard rules included;
2. fits a class-balanced logistic regression on single-sentence claims that pass the hard rules, and scores every
   claim held out two ways: 5 folds grouped by `doc_id` (no article in both the fitting and the scored fold),
   and leave-one-origin-out (each dataset scored by weights fitted on the others: data of a kind never seen);
   the operating point is chosen inside the fitting folds only, so nothing is tuned on a scored claim;
3. fits once on everything and, with `--write`, writes both models to `briefing/ground/weights.json`, the bias
   shifted so that the product's threshold 0.5 is the operating point chosen on the whole file.

Vectors of the dev set's sentences are embedded once and kept in a SQLite store (`--vectors`, the product's own
`sentence_vectors` table); without it they are embedded in memory on every run (about 15,000 sentences).

Cost (`--cost`): one bullet of two sentences checked against six source articles of 25 sentences each, with
the articles' vectors cached (as in a build, where `Grounder.preload` embeds them once), against the lexical
check of the same bullet in the same process; plus the encoder's load time and the extra memory.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from briefing.config import EncoderSettings, GroundingSettings
from briefing.ground import SENTENCES_EXPONENT, Grounder, grounder
from briefing.ground._support import LEXICAL_FEATURES, SEMANTIC_FEATURES
from briefing.store import open_store

DEV = Path("../shared/data/eval/grounding-dev.jsonl")
WEIGHTS = Path(__file__).parent.parent / "briefing" / "ground" / "weights.json"
THRESHOLDS = np.arange(0.20, 0.80, 0.0125)

Claims = list[np.ndarray]  # per claim: one row of features per sentence


def _sources(record: dict[str, Any]) -> list[str]:
    source = record["source"]
    return [source] if isinstance(source, str) else list(source)


def features(check: Grounder, rows: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[Claims, np.ndarray]:
    computed = [check.features(r["claim"], _sources(r)) for r in rows]
    claims = [np.array([[f[k] for k in names] for f in sentences]) for sentences, _ in computed]
    return claims, np.array([failed for _, failed in computed])


def fit(claims: Claims, y: np.ndarray, usable: np.ndarray) -> LogisticRegression:
    """One sentence, one label: fitted on single-sentence claims that pass the hard rules."""
    single = [i for i in np.flatnonzero(usable) if len(claims[i]) == 1]
    return LogisticRegression(class_weight="balanced", max_iter=1000).fit(
        np.vstack([claims[i] for i in single]), y[single]
    )


def predict(model: LogisticRegression, claims: Claims, indices: np.ndarray) -> np.ndarray:
    """A claim holds only if each sentence does: probabilities multiply, raised to k ** SENTENCES_EXPONENT."""
    products = [float(np.prod(model.predict_proba(claims[i])[:, 1])) for i in indices]
    return np.array([p ** (len(claims[i]) ** SENTENCES_EXPONENT) for p, i in zip(products, indices, strict=True)])


def best_threshold(probability: np.ndarray, failed: np.ndarray, y: np.ndarray) -> float:
    return float(max(THRESHOLDS, key=lambda t: balanced_accuracy_score(y, (probability >= t) & ~failed)))


def held_out(claims: Claims, failed: np.ndarray, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """Scores and verdicts of every claim from weights and a threshold chosen without it."""
    score, verdict = np.zeros(len(y)), np.zeros(len(y), dtype=bool)
    for train, test in splits:
        usable = np.zeros(len(y), dtype=bool)
        usable[train] = ~failed[train]
        model = fit(claims, y, usable)
        threshold = best_threshold(predict(model, claims, train), failed[train], y[train])
        probability = predict(model, claims, test)
        verdict[test] = (probability >= threshold) & ~failed[test]
        score[test] = np.where(failed[test], probability * threshold * 0.999, probability)  # as the product does
    return {"score": score, "verdict": verdict}


def figures(result: dict, y: np.ndarray, origin: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {
        "balanced_accuracy": round(float(balanced_accuracy_score(y, result["verdict"])), 3),
        "roc_auc": round(float(roc_auc_score(y, result["score"])), 3),
        "per_origin": {},
    }
    for name in sorted(set(origin)):
        k = origin == name
        if len(set(y[k])) == 2:
            out["per_origin"][name] = {
                "n": int(k.sum()),
                "balanced_accuracy": round(float(balanced_accuracy_score(y[k], result["verdict"][k])), 3),
                "roc_auc": round(float(roc_auc_score(y[k], result["score"][k])), 3),
            }
    return out


def measure(check: Grounder, names: tuple[str, ...], rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict]:
    claims, failed = features(check, rows, names)
    y = np.array([r["label"] == "supported" for r in rows])
    docs = np.array([r.get("doc_id", r["id"]) for r in rows])
    origin = np.array([r.get("origin", "unknown") for r in rows])
    by_doc = list(GroupKFold(n_splits=5).split(np.zeros(len(y)), y, docs))
    by_origin = [(np.flatnonzero(origin != o), np.flatnonzero(origin == o)) for o in sorted(set(origin))]
    report = {
        "held_out_by_doc": figures(held_out(claims, failed, y, by_doc), y, origin),
        "held_out_by_origin": figures(held_out(claims, failed, y, by_origin), y, origin),
        "claims_failing_a_rule": int(failed.sum()),
    }
    model = fit(claims, y, ~failed)
    chosen = best_threshold(predict(model, claims, np.arange(len(y))), failed, y)
    bias = float(model.intercept_[0]) - math.log(chosen / (1 - chosen))  # 0.5 now means `chosen` for one sentence
    weights = {"bias": round(bias, 3)} | {k: round(float(w), 3) for k, w in zip(names, model.coef_[0], strict=True)}
    return report, weights


def fitting(path: Path, vectors: Path | None, write: bool, as_json: bool) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    settings = GroundingSettings()
    store = open_store(vectors) if vectors else None
    semantic = grounder(settings, EncoderSettings(), store)
    lexical = Grounder(settings, None, semantic.wordnet)
    started = time.perf_counter()
    if semantic.vectors is not None:
        semantic.vectors.limit = len(rows) * 2
        embedded = semantic.vectors.preload(t for r in rows for t in _sources(r))
        print(f"sentence vectors: {embedded} texts embedded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results: dict[str, Any] = {}
    models: dict[str, Any] = {}
    results["lexical"], models["lexical"] = measure(lexical, LEXICAL_FEATURES, rows)
    if semantic.vectors is not None:
        results["semantic"], models["semantic"] = measure(semantic, SEMANTIC_FEATURES, rows)
    else:
        print(f"semantic check unavailable: {semantic.describe()}", file=sys.stderr)
    if write and "semantic" in models:
        encoder = semantic.vectors.encoder.name if semantic.vectors else None
        about = (
            "Fitted by `python bench/ground.py --write` on grounding-dev.jsonl; docs/grounding.md gives the figures."
        )
        document = {"about": about, "encoder": encoder, "models": models, "held_out": results}
        WEIGHTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if as_json:
        print(json.dumps({"held_out": results, "models": models}, indent=2))
        return
    for check, report in results.items():
        print_held_out(f"{check:8s}", report)
        print(f"{check:8s} weights {models[check]}")


def print_held_out(name: str, report: dict[str, Any]) -> None:
    """One line per grouping (by document, by origin): balanced accuracy, ROC-AUC and SummEdits-news."""
    for scheme in ("held_out_by_doc", "held_out_by_origin"):
        r = report[scheme]
        summedits = r["per_origin"].get("summedits-news", {}).get("balanced_accuracy")
        print(
            f"{name} {scheme:19s} balanced accuracy {r['balanced_accuracy']:.3f}  ROC-AUC {r['roc_auc']:.3f}"
            f"  summedits-news {summedits}"
        )


# ------------------------------------------------------------------------------------------------- cost


def _article(rng: np.random.Generator, words: list[str], sentences: int) -> str:
    return " ".join(" ".join(rng.choice(words, size=18)).capitalize() + "." for _ in range(sentences))


def six_articles() -> list[str]:
    """Six generated articles of 25 sentences: the sources one bullet is checked against in the cost figures."""
    rng = np.random.default_rng(7)
    words = [
        "council",
        "budget",
        "approved",
        "schools",
        "mayor",
        "police",
        "river",
        "storm",
        "bridge",
        "vote",
        "election",
        "court",
        "judge",
        "ruled",
    ]
    words += [
        "minister",
        "health",
        "hospital",
        "patients",
        "trade",
        "talks",
        "export",
        "prices",
        "rose",
        "fell",
        "market",
        "workers",
        "strike",
    ]
    return [_article(rng, words, 25) for _ in range(6)]


def cost() -> None:
    articles = six_articles()
    bullet = "The council approved the budget for schools. The mayor said prices rose after the vote."
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    semantic = grounder(GroundingSettings(), EncoderSettings())
    load = time.perf_counter() - started
    if semantic.vectors is None:
        raise SystemExit(f"no encoder: {semantic.describe()}")
    lexical = Grounder(GroundingSettings(), None, semantic.wordnet)
    started = time.perf_counter()
    semantic.vectors.preload(articles)
    embedding = time.perf_counter() - started
    semantic.check_claim(bullet, articles)  # warm: WordNet pages, caches

    def timed(check: Grounder, runs: int = 30) -> float:
        started = time.perf_counter()
        for _ in range(runs):
            check.check_claim(bullet, articles)
        return (time.perf_counter() - started) / runs

    lexical_s, semantic_s = timed(lexical), timed(semantic)
    extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"encoder: {semantic.vectors.encoder.name}, loaded in {load:.2f} s (hashes checked)")
    print(f"embedding the 6 articles' 150 sentences once (then kept in the store): {embedding:.2f} s")
    print("one bullet of 2 sentences against 6 articles of 25 sentences, vectors cached:")
    print(f"  lexical check  {lexical_s * 1000:6.1f} ms")
    print(f"  semantic check {semantic_s * 1000:6.1f} ms ({semantic_s / lexical_s:.1f}x the lexical check)")
    print(f"extra memory (peak RSS growth, encoder loaded and used): {extra_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEV)
    parser.add_argument("--vectors", type=Path, help="SQLite file keeping the dev set's sentence vectors")
    parser.add_argument("--write", action="store_true", help="write the fitted models to briefing/ground/weights.json")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cost", action="store_true", help="time one bullet's check instead of fitting")
    args = parser.parse_args()
    if args.cost:
        cost()
    else:
        fitting(args.file, args.vectors, args.write, args.json)


if __name__ == "__main__":
    main()
