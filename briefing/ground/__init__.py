"""The grounding check: is a bullet supported by the text of the articles it cites?

ground knows claims, source texts and the cluster a bullet belongs to; it must not know how bullets were
written (extractive or LLM), nor what the summariser does with a failing verdict (repair, drop, fall back).

A claim passes only if every rule passes:

1. every cited id belongs to the cluster (`Grounder.check_bullet`);
2. the evidence span, if given, occurs in a cited source (case, whitespace, quotes and dashes normalised);
3. every number, amount, percentage and date appears in the cited sources in an equivalent form
   (6,000 = 6000 = 6k; 50% = 50 percent = fifty per cent; $2.5 billion = 2.5bn; "June 1" = "1 June");
4. every name (a capitalised word, unless a common word opening a sentence) appears in the cited sources,
   whole or in part;
5. negation does not flip between the claim and the source sentences that best match it;
6. no word the sources never use stands where a best-matching source sentence has its WordNet opposite
   ("shares fell sharply" against "shares rose sharply"), when WordNet is installed;
7. the support score reaches `GroundingSettings.threshold`.

The score is a logistic model over a few features of each claim sentence (word overlap with the best-matching
source sentence, with the whole of the sources, adjacent pairs, length; the semantic check adds the encoder's
cosine with the closest source sentence), the sentences' probabilities multiplied. The weights ship in
`weights.json` (fitted by `bench/ground.py`, held out by document and by origin; docs/grounding.md). A failed
rule caps the score below the threshold, so it stays monotone in how confident the check is that the claim is
supported. Anything that stops the check from running raises `GroundingError`: an unchecked claim must never
look supported.

`grounder(settings.grounding, settings.encoder, store)` builds the check a configuration asks for: semantic
when the sentence encoder loads, else lexical (and says why). `check_claim` and `check_bullet` are the lexical
check, for callers without an encoder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from briefing.config import EncoderSettings, GroundingSettings
from briefing.encoder import encoder_status
from briefing.errors import GroundingError
from briefing.ground._facts import name_reasons, number_reasons
from briefing.ground._support import (
    SENTENCES_EXPONENT,
    Support,
    feature_values,
    load_source,
    logit,
    score_of,
    support_of,
)
from briefing.ground._text import WORD_RE, normalise, parse_sentence, split_sentences
from briefing.ground._vectors import SentenceVectors, VectorStore
from briefing.models import Bullet, Cluster, Verdict
from briefing.wordnet import WordNet, load_wordnet

__all__ = [
    "MAX_CLAIM_CHARS",
    "MAX_SOURCE_CHARS",
    "SENTENCES_EXPONENT",
    "Grounder",
    "SentenceVectors",
    "VectorStore",
    "check_bullet",
    "check_claim",
    "grounder",
    "normalise",
    "sentence_features",
]

log = logging.getLogger(__name__)

MAX_SOURCE_CHARS = 200_000  # per source: longer feed payloads are cut (untrusted input)
MAX_CLAIM_CHARS = 2_000  # a bullet longer than this is not a bullet: rejected, never checked in part


class Grounder:
    """The check with what it may use besides words: sentence vectors (the semantic check; without them, the
    lexical one) and WordNet (the antonym rule). Build one per edition with `grounder`; it is thread-safe."""

    def __init__(
        self,
        settings: GroundingSettings | None = None,
        vectors: SentenceVectors | None = None,
        wordnet: WordNet | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.settings = settings or GroundingSettings()
        self.vectors = vectors
        self.wordnet = wordnet
        self.notes = tuple(notes)  # why a part is missing, for `briefing config check`

    @property
    def kind(self) -> str:
        return "semantic" if self.vectors else "lexical"

    @property
    def identity(self) -> str:
        """What decides this check's verdicts besides its settings: the kind, the encoder, WordNet. A summary
        checked by one check is not reused under another (part of the summary cache key)."""
        encoder = self.vectors.encoder.name if self.vectors else "-"
        return f"{self.kind}:{encoder}:{'wordnet' if self.wordnet else '-'}"

    def describe(self) -> str:
        """One line for `briefing config check`: which check runs, with what, and what is missing and why."""
        encoder = f" ({self.vectors.encoder.name} from {self.vectors.encoder.origin})" if self.vectors else ""
        wordnet = f"WordNet antonyms from {self.wordnet.root}" if self.wordnet else "no antonym rule"
        return "; ".join([f"{self.kind} check{encoder}", wordnet, *self.notes])

    def __call__(self, bullet: Bullet, cluster: Cluster) -> Verdict:
        return self.check_bullet(bullet, cluster)

    def check_claim(self, claim: str, sources: Sequence[str]) -> Verdict:
        """Is `claim` supported by the texts in `sources`? Raises GroundingError when it cannot tell."""
        return _verdict(claim, lambda: self._assess(claim, sources), self.settings)

    def check_bullet(self, bullet: Bullet, cluster: Cluster) -> Verdict:
        """Check a bullet against the articles it cites; citations outside the cluster fail the bullet."""
        articles = {a.id: a for a in cluster.articles}
        if not bullet.sources:
            return Verdict(False, 0.0, ("cites no source",))
        unknown = [s for s in bullet.sources if s not in articles]
        if unknown:
            reasons = (f"cited id '{s}' is not an article of cluster {cluster.id}" for s in unknown)
            return Verdict(False, 0.0, tuple(reasons))
        texts = [_article_text(articles[s].title, articles[s].text) for s in bullet.sources]
        verdict = self.check_claim(bullet.text, texts)
        bad_spans = _evidence_reasons(bullet.evidence, texts)
        if not bad_spans:
            return verdict
        score = min(verdict.score, self.settings.threshold * verdict.score * 0.999)
        return Verdict(False, score, (*verdict.reasons, *bad_spans))

    def preload(self, clusters: Iterable[Cluster]) -> None:
        """Embed (or read from the store) the sentence vectors of every article of `clusters`, on the store's
        thread, so the checks that follow (on any thread) find them in memory."""
        if self.vectors is not None:
            texts = [_article_text(a.title, a.text)[:MAX_SOURCE_CHARS] for c in clusters for a in c.articles]
            self.vectors.preload(t for t in texts if t.strip())

    def flush(self) -> None:
        """Save vectors embedded during the checks (on the store's thread)."""
        if self.vectors is not None:
            self.vectors.flush()

    def features(self, claim: str, sources: Sequence[str]) -> tuple[list[dict[str, float]], bool]:
        """The score's inputs for each sentence of the claim, and whether a rule failed (bench/ground.py)."""
        supports, reasons = self._assess(claim, sources)
        return [feature_values(s) for s in supports], bool(reasons)

    def _assess(self, claim: str, sources: Sequence[str]) -> tuple[list[Support], list[str]]:
        """Support of each claim sentence, and the reasons of every failed rule."""
        text = _usable_claim(claim)
        cited = [s[:MAX_SOURCE_CHARS] for s in sources if isinstance(s, str) and s.strip()]
        if not cited:
            raise GroundingError("cannot check a claim against sources without text")
        source = load_source("\n".join(cited))
        sentences = split_sentences(text)
        similarities = self._similarities(sentences, cited)
        supports = [
            support_of(parse_sentence(s), source, similarity, self.wordnet)
            for s, similarity in zip(sentences, similarities, strict=True)
        ]
        reasons = number_reasons(normalise(text), source.values, source.dates)
        reasons += name_reasons(text, source.words, source.initials)
        reasons += [s.negation for s in supports if s.negation]
        reasons += [s.opposite for s in supports if s.opposite]
        return supports, reasons

    def _similarities(self, sentences: list[str], cited: list[str]) -> list[float | None]:
        """Each claim sentence's cosine with the closest sentence of the cited sources (None: lexical check)."""
        if self.vectors is None:
            return [None] * len(sentences)
        rows = [self.vectors.of(text) for text in cited]
        source = np.vstack([r for r in rows if len(r)]) if any(len(r) for r in rows) else None
        if source is None:
            return [0.0] * len(sentences)
        best = (self.vectors.encoder.embed(sentences) @ source.T).max(axis=1)
        return [float(min(1.0, max(-1.0, b))) for b in best]


def grounder(
    settings: GroundingSettings, encoder: EncoderSettings | None = None, store: VectorStore | None = None
) -> Grounder:
    """The check the settings ask for: semantic when the encoder loads, else lexical (the reason is kept for
    `briefing config check` and logged); the antonym rule when WordNet is found. `store` keeps vectors."""
    notes = []
    status = encoder_status(encoder or EncoderSettings())
    vectors = SentenceVectors(status.encoder, store) if status.encoder else None
    if status.encoder is None:
        notes.append(f"no encoder: {status.reason}")
        log.info("grounding: lexical check (%s)", status.reason)
    wordnet = load_wordnet(settings.wordnet) if settings.wordnet else None
    if settings.wordnet and wordnet is None:
        notes.append(f"no WordNet database files in {settings.wordnet} (Debian: apt install wordnet-base)")
    return Grounder(settings, vectors, wordnet, notes)


def _lexical(settings: GroundingSettings | None) -> Grounder:
    settings = settings or GroundingSettings()
    return Grounder(settings, None, load_wordnet(settings.wordnet) if settings.wordnet else None)


def check_claim(claim: str, sources: Sequence[str], settings: GroundingSettings | None = None) -> Verdict:
    """The lexical check (with the antonym rule when WordNet is there) of `claim` against `sources`."""
    return _lexical(settings).check_claim(claim, sources)


def check_bullet(bullet: Bullet, cluster: Cluster, settings: GroundingSettings | None = None) -> Verdict:
    """The lexical check of a bullet against the articles it cites (see `Grounder.check_bullet`)."""
    return _lexical(settings).check_bullet(bullet, cluster)


def sentence_features(claim: str, sources: Sequence[str]) -> tuple[list[dict[str, float]], bool]:
    """The lexical score's inputs for each sentence of the claim, and whether a rule failed."""
    return _lexical(None).features(claim, sources)


def _verdict(claim: str, assess: Callable[[], tuple[list[Support], list[str]]], settings: GroundingSettings) -> Verdict:
    if isinstance(claim, str) and len(claim.strip()) > MAX_CLAIM_CHARS:
        return Verdict(
            False, 0.0, (f"too long to be a bullet ({len(claim.strip())} characters; at most {MAX_CLAIM_CHARS})",)
        )
    supports, reasons = assess()
    score = score_of(supports)
    if score < settings.threshold:
        reasons.append(_low_support_reason(score, supports))
    elif reasons:
        score = settings.threshold * score * 0.999  # a failed rule keeps the ordering but stays below
    return Verdict(supported=not reasons, score=score, reasons=tuple(reasons))


def _article_text(title: str, text: str) -> str:
    return f"{title}\n{text}"


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
