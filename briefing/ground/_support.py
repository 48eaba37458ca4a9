"""How well the cited sources carry each sentence of a claim, and the fitted score over it.

Knows words, sentences and the facts of the sources; knows nothing of bullets, clusters or verdicts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from briefing.ground._facts import dates_in, source_values
from briefing.ground._text import (
    DENIALS,
    STOPWORDS,
    Sentence,
    content_stems,
    has_negation,
    is_negation,
    normalise,
    parse_sentence,
    split_sentences,
    stem_word,
    wordset,
)
from briefing.wordnet import WordNet


@dataclass(frozen=True)
class Source:
    """Everything the rules need from the cited texts, computed once per distinct source text."""

    text: str
    sentences: tuple[Sentence, ...]
    words: frozenset[str]
    content: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    values: frozenset[float]
    dates: frozenset[tuple[int, int]]
    initials: frozenset[str] = frozenset()  # of 2-5 consecutive words: "chief executive officer" spells "ceo"


def _spelled_out(words: Sequence[str]) -> set[str]:
    """Initials of each run of 2-5 consecutive words, "of" and "and" skipped ("Police and Crime Commissioner"
    spells "pcc"): an acronym in a bullet is supported by a source that writes it out."""
    letters = [w[0] for w in words if w not in ("of", "and", "the")]
    return {"".join(letters[i : i + n]) for n in range(2, 6) for i in range(len(letters) - n + 1)}


def _pairs(content: Sequence[str], reach: int) -> set[tuple[str, str]]:
    return {(a, b) for i, a in enumerate(content) for b in content[i + 1 : i + 1 + reach]}


@lru_cache(maxsize=128)  # a cluster's articles are checked together; 128 covers an edition's working set
def load_source(text: str) -> Source:
    sentences = tuple(parse_sentence(s) for s in split_sentences(text))
    normalised = normalise(text)
    pairs: set[tuple[str, str]] = set()
    for sentence in sentences:
        pairs |= _pairs(content_stems(sentence.words), reach=3)
    words = frozenset(
        part for s in sentences for w in s.words for part in (w[:-2] if w.endswith("'s") else w).split("-")
    )
    return Source(
        text=normalised,
        sentences=sentences,
        words=words,
        content=frozenset(c for s in sentences for c in s.content),
        pairs=frozenset(pairs),
        values=source_values(normalised),
        dates=frozenset(dates_in(normalised)),
        initials=frozenset(i for s in sentences for i in _spelled_out(s.words)),
    )


# ---------------------------------------------------------------------------------------------- support


@dataclass(frozen=True)
class Support:
    """How well the best-matching source sentences carry one sentence of the claim."""

    sentence: float  # share of its content words in the best-matching source sentence
    document: float  # share anywhere in the cited sources
    pairs: float  # share of its ordered word pairs found close together in one source sentence
    missing: tuple[str, ...]  # content words found nowhere in the cited sources
    negation: str | None  # why the negation differs, if it does
    length: float  # log(1 + words in the sentence): every added word is another chance to be wrong
    similarity: float | None = None  # cosine with the closest source sentence (encoder); None: lexical check
    opposite: str | None = None  # why a word is the opposite of the source's, if one is


def _window(claim: frozenset[str], sentences: Sequence[Sentence]) -> Sequence[Sentence]:
    """The two consecutive source sentences sharing the most content words with the claim (negation is judged
    there: a claim often joins a sentence and the next)."""
    shared = [len(claim & (s.content | n.content)) for s, n in zip(sentences, (*sentences[1:], _EMPTY), strict=True)]
    start = max(range(len(sentences)), key=shared.__getitem__, default=0)
    return sentences[start : start + 2]


_EMPTY = Sentence("", (), frozenset())


def _negation_scope(words: Sequence[str]) -> list[tuple[str, str, str]]:
    """Each negation cue with the first content word it governs, as written and as a stem
    ("did not win" -> ("not win", "win")). A denying verb governs only its object or its "to" verb ("refused
    to comment", "denied the charges"), never a prepositional phrase ("a decline in sales")."""
    scopes = []
    for index, word in enumerate(words):
        if word in DENIALS:
            following = list(words[index + 1 : index + 4])
            while following and following[0] in _DENIAL_LINKS:
                following.pop(0)
            governed = following[:1] if following and content_stems(following[:1]) else []
        elif is_negation(word) and has_negation(words[index : index + 2]):
            governed = [w for w in words[index + 1 : index + 5] if content_stems([w])][:1]
        else:
            continue
        if governed:
            scopes.append((f"{word} {governed[0]}", stem_word(governed[0]), word))
    return scopes


_DENIAL_LINKS = wordset("to the a an any his her their its")


def _negates(words: Sequence[str], target: str) -> bool | None:
    """Whether `target` (a content stem) stands within four words after a negation cue; None if it is absent."""
    found: bool | None = None
    for index, word in enumerate(words):
        if word not in STOPWORDS and stem_word(word) == target:
            before = words[max(0, index - 4) : index]
            negated = any(w in DENIALS for w in before) or has_negation(before)
            found = negated or bool(found)
    return found


def _negation_differs(claim: Sentence, window: Sequence[Sentence]) -> str | None:
    """Flags a flip only where both sides speak of the same thing: the word a negation governs must occur on
    the other side, without a negation of its own. A negation about something the other side never mentions
    is left to the word overlap."""
    if not window:
        return None
    best = max(window, key=lambda s: len(s.content & claim.content))
    source_words = [w for s in window for w in s.words]
    quoted = best.text[:160]
    for phrase, governed, _ in _negation_scope(claim.words):
        if _negates(source_words, governed) is False:
            return f"negation differs from source: the claim says '{phrase}', the source does not: '{quoted}'"
    for phrase, governed, _ in _negation_scope(best.words):
        if _negates(claim.words, governed) is False:
            return f"negation differs from source: the source says '{phrase}', the claim does not: '{quoted}'"
    return None


def support_of(
    claim: Sentence, source: Source, similarity: float | None = None, wordnet: WordNet | None = None
) -> Support:
    length = math.log1p(len(claim.words))
    if not claim.content:
        return Support(1.0, 1.0, 1.0, (), None, length, similarity)
    sentence = max((len(claim.content & s.content) for s in source.sentences), default=0) / len(claim.content)
    window = _window(claim.content, source.sentences)
    ordered = content_stems(claim.words)
    claim_pairs = _pairs(ordered, reach=1)
    pairs = len(claim_pairs & source.pairs) / len(claim_pairs) if claim_pairs else 1.0
    missing = tuple(dict.fromkeys(w for w in claim.words if content_stems([w]) and stem_word(w) not in source.content))
    document = len(claim.content & source.content) / len(claim.content)
    negation = _negation_differs(claim, window)
    opposite = _opposite_word(claim, window, source.content, wordnet) if wordnet else None
    return Support(sentence, document, pairs, missing, negation, length, similarity, opposite)


def _opposite_word(
    claim: Sentence, window: Sequence[Sentence], everywhere: frozenset[str], wordnet: WordNet
) -> str | None:
    """A claim word the cited sources never use, standing where the best-matching source sentences have its
    opposite: the same word before or after it ("shares fell sharply" where they say "shares rose sharply").
    A word the sources use elsewhere is left alone ("released" near "Frozen", a film), and so is an opposite in
    another place of the sentence ("lost the final" against "after winning the semi-final")."""
    for i, word in enumerate(claim.words):
        if not _comparable(word) or stem_word(word) in everywhere:
            continue
        for sentence in window:
            for j, other in enumerate(sentence.words):
                if _same_place(claim.words, i, sentence.words, j) and wordnet.opposite(word, other):
                    return f"'{word}' is the opposite of the source's '{other}': '{sentence.text[:160]}'"
    return None


def _same_place(mine: Sequence[str], i: int, theirs: Sequence[str], j: int) -> bool:
    before = i > 0 and j > 0 and mine[i - 1] == theirs[j - 1]
    after = i + 1 < len(mine) and j + 1 < len(theirs) and mine[i + 1] == theirs[j + 1]
    return before or after


def _comparable(word: str) -> bool:
    """Words that carry a checkable fact (function words such as "before" and "more" are left out: swapping
    them in was tried, and flagged five faithful dev claims for every false one)."""
    return bool(content_stems([word]))


# ------------------------------------------------------------------------------------------------ score

# Fitted by bench/ground.py (logistic regression over claim sentences, cross-validated by document and by
# origin) on grounding-dev.jsonl: one model for the lexical check, one that adds the encoder's similarity.
_WEIGHTS: dict[str, dict[str, float]] = json.loads(
    resources.files("briefing.ground").joinpath("weights.json").read_text(encoding="utf-8")
)["models"]
LEXICAL_FEATURES: tuple[str, ...] = ("sentence", "document", "pairs", "length")
SEMANTIC_FEATURES: tuple[str, ...] = (*LEXICAL_FEATURES, "similarity")


# A claim of k sentences has its product raised to k ** 0.25 (1 for one sentence, 1.32 for three): the weights are
# fitted on one-sentence claims, and a sentence of a longer claim, read without its neighbours, looks better
# supported than it is. Held out on the dev set (bench/ground.py): claims of 3+ sentences 0.64 -> 0.69 balanced
# accuracy, all claims 0.736 -> 0.742; one-sentence claims are unchanged.
SENTENCES_EXPONENT = 0.25


def score_of(supports: Sequence[Support]) -> float:
    """Confidence that the whole claim is supported: every sentence must hold, so their confidences multiply
    (on the dev set this beats taking the weakest sentence on multi-sentence claims: 0.73 vs 0.64)."""
    product = math.prod(_sigmoid(logit(s)) for s in supports)
    return float(product ** (len(supports) ** SENTENCES_EXPONENT))


def logit(support: Support) -> float:
    """The fitted model of the check that produced `support`: semantic when it carries a similarity."""
    if support.similarity is None:
        weights, names = _WEIGHTS["lexical"], LEXICAL_FEATURES
    else:
        weights, names = _WEIGHTS["semantic"], SEMANTIC_FEATURES
    values = feature_values(support)
    return weights["bias"] + sum(weights[name] * values[name] for name in names)


def feature_values(support: Support) -> dict[str, float]:
    return {
        "sentence": support.sentence,
        "document": support.document,
        "pairs": support.pairs,
        "length": support.length,
        "similarity": support.similarity if support.similarity is not None else 0.0,
    }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
