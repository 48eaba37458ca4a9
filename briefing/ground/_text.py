"""Words and sentences as the grounding rules see them: typography folded, crude stems, negation cues.

Knows text only; knows nothing of claims, sources or verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# ----------------------------------------------------------------------------------------------- normalising

_FOLD = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b`\u00b4", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb", '"')
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-")
    | {"\u00a0": " "}
)


def normalise(text: str) -> str:
    """Case, quotes, dashes and whitespace folded, so that quoting a source never fails on typography."""
    folded = text.translate(_FOLD).replace("''", '"').lower()
    return re.sub(r"\s+", " ", folded).strip()


def fold_typography(text: str) -> str:
    """Quotes and dashes folded, case kept (names are found by their capitals)."""
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip()


# ------------------------------------------------------------------------------------------------ words


def wordlist(words: str) -> list[str]:
    return words.split()


def wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOPWORDS = wordset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself of off on
    once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves s t said says say told
    tell tells according per cent percent mr mrs ms dr via ll ve re d m one may might must shall however despite
    although though whereas thus therefore moreover furthermore meanwhile additionally eventually previously
    currently including various due indeed instead yet even already"""
)
NEGATIONS = wordset("not no never none nobody nothing neither nor cannot")
# Verbs that deny. They negate only their object or their "to" verb ("refused to comment" = "did not comment"),
# so "sales declined" and "a decline in sales" are not negations.
DENIALS = wordset(
    """deny denies denied denying refuse refuses refused refusing decline declines declined declining reject
    rejects rejected unable fail fails failed lack lacks lacked without"""
)
_SYNONYMS = {  # stems mapped to one key; small on purpose: each entry is a guess about paraphrase
    **dict.fromkeys(("state", "stat", "announc", "claim", "declar", "report", "tell", "told"), "say"),
    **dict.fromkeys(("big", "huge", "major"), "larg"),
    **dict.fromkeys(("kill", "dead", "death"), "die"),
    **dict.fromkeys(("begin", "began", "launch"), "start"),
    **dict.fromkeys(("purchas", "bought", "acquir"), "buy"),
    **dict.fromkeys(("help", "assist"), "aid"),
    **dict.fromkeys(("approx", "nearly", "almost", "roughly", "around"), "about"),
    **dict.fromkeys(("u.s", "america", "american"), "usa"),
    **dict.fromkeys(("uk", "british"), "britain"),
    "end": "finish",
    "officer": "offici",
}
WORD_RE = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*", re.UNICODE)


def stem_word(word: str) -> str:
    """A crude suffix stripper: only needs to map a word and its inflections to one key, on both sides."""
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, keep in (("ies", 4), ("ing", 5), ("ed", 4), ("es", 5), ("s", 3), ("ly", 5)):
        if word.endswith(suffix) and len(word) > keep and not word.endswith("ss"):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if len(word) > 5 and word[-1] == "e":
        word = word[:-1]
    return _SYNONYMS.get(word, word)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of normalised text; "n't" stays on its word so negation can be seen, and hyphenated
    words count as their parts ("two-year" matches a source's "two - year")."""
    return [q for w in WORD_RE.findall(text) for p in w.split("-") if (q := p.strip(".'"))]


def content_stems(words: Iterable[str]) -> list[str]:
    """Words that carry a checkable fact: no function words or connectives, no digits (numbers have their own
    rule), no negations (they have theirs)."""
    return [stem_word(w) for w in words if w not in STOPWORDS and not w.isdigit() and len(w) > 1 and not is_negation(w)]


def is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


def has_negation(words: Sequence[str]) -> bool:
    """A negation cue, except the idioms that are not one ("not only", "no doubt")."""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if is_negation(word) and not (word == "not" and following == "only") and following != "doubt":
            return True
    return False


# -------------------------------------------------------------------------------------------- sentences

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


@dataclass(frozen=True)
class Sentence:
    text: str
    words: tuple[str, ...]
    content: frozenset[str]  # stems of the words that carry a checkable fact


def parse_sentence(text: str) -> Sentence:
    words = tuple(tokens(text))
    return Sentence(text, words, frozenset(content_stems(words)))


# A full stop after an initial or a common abbreviation ("U.S.", "Jan.", "Mr.") does not end a sentence.
_ABBREVIATION = re.compile(
    r"(?:\b[a-z]|\b(?:mr|mrs|ms|dr|st|jr|sr|gov|sen|rep|gen|col|lt|sgt|capt|prof|inc|corp|co|ltd|vs|no|jan|feb|mar"
    r"|apr|jun|jul|aug|sep|sept|oct|nov|dec|approx|est|dept|ft|mt|rev|hon))\.$"
)


def split_sentences(text: str) -> list[str]:
    """Sentences, normalised: a line break always ends one; a full stop does unless it follows an abbreviation
    or, in cased text, the next piece starts in lower case ("(R-Calif.) to force a vote")."""
    folded = text.translate(_FOLD)
    cased = folded != folded.lower()
    sentences: list[str] = []
    for line in folded.split("\n"):
        pieces = [p for p in (normalise(p) for p in _SPLIT.split(line)) if p]
        raw = [p.strip() for p in _SPLIT.split(line) if p.strip()]
        for index, piece in enumerate(pieces):
            joins = index > 0 and (_ABBREVIATION.search(pieces[index - 1]) or (cased and raw[index][:1].islower()))
            if joins:
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                sentences.append(piece)
    return sentences
