"""Scores briefing's own grounding check (`briefing.ground.Grounder`, as a default configuration builds it) on
labelled claims.

Input (contract, ARCHITECTURE.md): JSON Lines, one claim a line: `id, source` (a string or a list of strings),
`claim`, `label` (`supported` | `unsupported`), optional `origin`. The positive class for recall and precision is
`unsupported` (what the check exists to catch); ROC-AUC ranks claims by the verdict's support score.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.config import EncoderSettings, GroundingSettings
from briefing.errors import ConfigError
from briefing.ground import Grounder, grounder

LABELS = ("supported", "unsupported")


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    sources: tuple[str, ...]
    claim: str
    supported: bool
    origin: str = "unknown"


@dataclass(frozen=True)
class Scored:
    """One claim as the check saw it: the truth, the verdict and its score."""

    supported: bool
    predicted: bool
    score: float
    origin: str


def read_claims(path: Path) -> list[LabelledClaim]:
    """Parse the file, naming the line of the first malformed record."""
    claims = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                claims.append(_claim(json.loads(line), f"{path}:{number}"))
    if not claims:
        raise ConfigError(f"{path}: no claims")
    return claims


def _claim(record: dict[str, Any], where: str) -> LabelledClaim:
    try:
        source = record["source"]
        sources = (source,) if isinstance(source, str) else tuple(str(s) for s in source)
        label = record["label"]
        claim = str(record["claim"])
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: expected id, source, claim and label ({exc})") from exc
    if label not in LABELS:
        raise ConfigError(f"{where}: label must be 'supported' or 'unsupported', got {label!r}")
    return LabelledClaim(
        str(record.get("id", where)), sources, claim, label == "supported", record.get("origin") or "unknown"
    )


def score_claims(claims: Sequence[LabelledClaim], check: Grounder) -> list[Scored]:
    """Run the product's check on every claim (the sources' sentences embedded first, in one batch)."""
    if check.vectors is not None:
        texts = {text for claim in claims for text in claim.sources}
        check.vectors.limit = max(check.vectors.limit, len(texts))
        check.vectors.preload(texts)
    scored = []
    for claim in claims:
        verdict = check.check_claim(claim.claim, claim.sources)
        scored.append(Scored(claim.supported, verdict.supported, verdict.score, claim.origin))
    return scored


def default_check(lexical: bool = False) -> Grounder:
    """The check a default configuration runs: semantic when the encoder loads; `lexical` forces the other."""
    encoder = EncoderSettings(source="none") if lexical else EncoderSettings()
    return grounder(GroundingSettings(), encoder)


def metrics(scored: Sequence[Scored]) -> dict[str, float | int | None]:
    """Balanced accuracy, ROC-AUC and recall/precision on `unsupported`; None where undefined."""
    unsupported = [s for s in scored if not s.supported]
    supported = [s for s in scored if s.supported]
    flagged = [s for s in scored if not s.predicted]
    caught = sum(1 for s in unsupported if not s.predicted)
    passed = sum(1 for s in supported if s.predicted)
    recall_u = caught / len(unsupported) if unsupported else None
    recall_s = passed / len(supported) if supported else None
    return {
        "n": len(scored),
        "accuracy": (caught + passed) / len(scored) if scored else None,
        "balanced_accuracy": (recall_u + recall_s) / 2 if recall_u is not None and recall_s is not None else None,
        "roc_auc": roc_auc([s.score for s in scored], [s.supported for s in scored]),
        "recall_unsupported": recall_u,
        "precision_unsupported": caught / len(flagged) if flagged else None,
    }


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Probability that a random positive outscores a random negative (ties count half); None without both."""
    ranked = sorted(zip(scores, positive, strict=True))
    n_pos = sum(positive)
    n_neg = len(ranked) - n_pos
    if not n_pos or not n_neg:
        return None
    rank_sum, index = 0.0, 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        mid_rank = (index + end + 1) / 2  # 1-based average rank of the tied run
        rank_sum += mid_rank * sum(1 for _, p in ranked[index:end] if p)
        index = end
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def evaluate_file(path: Path, check: Grounder | None = None) -> dict[str, Any]:
    """The `briefing eval grounding` figures: overall, then per origin (contract keys plus n, threshold and
    which check ran)."""
    check = check or default_check()
    scored = score_claims(read_claims(path), check)
    result: dict[str, Any] = dict(metrics(scored))
    result["threshold"] = check.settings.threshold
    result["check"] = check.describe()
    result["per_origin"] = {origin: _origin_metrics(rows) for origin, rows in sorted(_by_origin(scored).items())}
    return result


def _by_origin(scored: Iterable[Scored]) -> dict[str, list[Scored]]:
    groups: dict[str, list[Scored]] = {}
    for row in scored:
        groups.setdefault(row.origin, []).append(row)
    return groups


def _origin_metrics(rows: Sequence[Scored]) -> dict[str, float | int | None]:
    full = metrics(rows)
    keys = ["n", "accuracy", "balanced_accuracy", "roc_auc", "recall_unsupported", "precision_unsupported"]
    return {k: full[k] for k in keys if full[k] is not None}
