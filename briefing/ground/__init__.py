"""The grounding check: is a bullet supported by the text of the articles it cites?

ground knows claims, source texts and the cluster a bullet belongs to; it must not know how bullets were
written (extractive or LLM), nor what the summariser does with a failing verdict (repair, drop, fall back).

A claim passes only if every rule passes:

1. every cited id belongs to the cluster (`check_bullet`);
2. the evidence span, if given, occurs in a cited source (case, whitespace, quotes and dashes normalised);
3. every number, amount, percentage and date appears in the cited sources in an equivalent form
   (6,000 = 6000 = 6k; 50% = 50 percent = fifty per cent; $2.5 billion = 2.5bn; "June 1" = "1 June");
4. every name (a capitalised word, unless a common word opening a sentence) appears in the cited sources,
   whole or in part;
5. negation does not flip between the claim and the source sentences that best match it;
6. the support score (how much of the claim's wording the best-matching source sentences carry) reaches
   `GroundingSettings.threshold`.

The score is a fixed logistic model over a few overlap features of each claim sentence, the sentences'
probabilities multiplied (weights fitted by `bench/ground.py` on the dev set, see the README, "Grounding"); a
failed rule caps it below the threshold, so it stays monotone in how confident the check is that the claim is
supported. Anything that stops the check from running raises
`GroundingError`: an unchecked claim must never look supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.config import GroundingSettings
from briefing.errors import GroundingError
from briefing.ground._facts import name_reasons, number_reasons
from briefing.ground._support import (
    SENTENCES_EXPONENT,
    Support,
    load_source,
    logit,
    score_of,
    support_of,
)
from briefing.ground._text import WORD_RE, normalise, parse_sentence, split_sentences
from briefing.models import Bullet, Cluster, Verdict

__all__ = [
    "MAX_CLAIM_CHARS",
    "MAX_SOURCE_CHARS",
    "SENTENCES_EXPONENT",
    "check_bullet",
    "check_claim",
    "normalise",
    "sentence_features",
]

MAX_SOURCE_CHARS = 200_000  # per source: longer feed payloads are cut (untrusted input)
MAX_CLAIM_CHARS = 2_000  # a bullet longer than this is not a bullet: rejected, never checked in part


def check_claim(claim: str, sources: Sequence[str], settings: GroundingSettings | None = None) -> Verdict:
    """Is `claim` supported by the texts in `sources`? Raises GroundingError when it cannot tell."""
    settings = settings or GroundingSettings()
    if isinstance(claim, str) and len(claim.strip()) > MAX_CLAIM_CHARS:
        return Verdict(
            False, 0.0, (f"too long to be a bullet ({len(claim.strip())} characters; at most {MAX_CLAIM_CHARS})",)
        )
    supports, reasons = _assess(claim, sources)
    score = score_of(supports)
    if score < settings.threshold:
        reasons.append(_low_support_reason(score, supports))
    elif reasons:
        score = settings.threshold * score * 0.999  # a failed rule keeps the ordering but stays below
    return Verdict(supported=not reasons, score=score, reasons=tuple(reasons))


def sentence_features(claim: str, sources: Sequence[str]) -> tuple[list[dict[str, float]], bool]:
    """The score's inputs for each sentence of the claim, and whether a rule failed (for bench/ground.py)."""
    supports, reasons = _assess(claim, sources)
    features = [
        {"sentence": s.sentence, "document": s.document, "pairs": s.pairs, "length": s.length} for s in supports
    ]
    return features, bool(reasons)


def _assess(claim: str, sources: Sequence[str]) -> tuple[list[Support], list[str]]:
    """Support of each claim sentence, and the reasons of every failed rule."""
    text = _usable_claim(claim)
    joined = "\n".join(s[:MAX_SOURCE_CHARS] for s in sources if isinstance(s, str) and s.strip())
    if not joined:
        raise GroundingError("cannot check a claim against sources without text")
    source = load_source(joined)
    supports = [support_of(parse_sentence(s), source) for s in split_sentences(text)]
    reasons = number_reasons(normalise(text), source.values, source.dates)
    reasons += name_reasons(text, source.words, source.initials)
    reasons += [s.negation for s in supports if s.negation]
    return supports, reasons


def _usable_claim(claim: str) -> str:
    text = claim.strip() if isinstance(claim, str) else ""
    if not WORD_RE.search(text):
        raise GroundingError("cannot check an empty claim")
    return text


def _low_support_reason(score: float, supports: Sequence[Support]) -> str:
    weakest = min(supports, key=logit)
    reason = (
        f"low support from cited sources (score {score:.2f}; "
        f"the best-matching source sentence carries {weakest.sentence:.0%} of its words)"
    )
    if weakest.missing:
        reason += "; not in sources: " + ", ".join(weakest.missing[:6])
    return reason


def check_bullet(bullet: Bullet, cluster: Cluster, settings: GroundingSettings | None = None) -> Verdict:
    """Check a bullet against the articles it cites; citations outside the cluster fail the bullet."""
    articles = {a.id: a for a in cluster.articles}
    if not bullet.sources:
        return Verdict(False, 0.0, ("cites no source",))
    unknown = [s for s in bullet.sources if s not in articles]
    if unknown:
        return Verdict(False, 0.0, tuple(f"cited id '{s}' is not an article of cluster {cluster.id}" for s in unknown))
    texts = [f"{articles[s].title}\n{articles[s].text}" for s in bullet.sources]
    verdict = check_claim(bullet.text, texts, settings)
    bad_spans = _evidence_reasons(bullet.evidence, texts)
    if not bad_spans:
        return verdict
    score = min(verdict.score, (settings or GroundingSettings()).threshold * verdict.score * 0.999)
    return Verdict(False, score, (*verdict.reasons, *bad_spans))


def _evidence_reasons(evidence: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Each span must occur in one cited source; a quotation shortened with "..." must occur piece by piece."""
    haystack = [normalise(t) for t in texts]
    reasons = []
    for span in evidence:
        pieces = [p.strip(" \"'.,") for p in re.split(r"\.\.\.|\u2026", normalise(span))]
        pieces = [p for p in pieces if p]
        if pieces and not any(all(p in h for p in pieces) for h in haystack):
            reasons.append(f"evidence '{span[:80]}' does not occur in a cited source")
    return reasons
