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

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from briefing.config import GroundingSettings
from briefing.errors import GroundingError
from briefing.models import Bullet, Cluster, Verdict

MAX_SOURCE_CHARS = 200_000  # per source: longer feed payloads are cut (untrusted input)
MAX_CLAIM_CHARS = 2_000  # a bullet longer than this is not a bullet: rejected, never checked in part

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


def _fold(text: str) -> str:
    """Quotes and dashes folded, case kept (names are found by their capitals)."""
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip()


# ------------------------------------------------------------------------------------------------ words


def _wordlist(words: str) -> list[str]:
    return words.split()


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _wordset(
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
_NEGATIONS = _wordset("not no never none nobody nothing neither nor cannot")
# Verbs that deny. They negate only their object or their "to" verb ("refused to comment" = "did not comment"),
# so "sales declined" and "a decline in sales" are not negations.
_DENIALS = _wordset(
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
_WORD = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*", re.UNICODE)


def _stem(word: str) -> str:
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


def _words(text: str) -> list[str]:
    """Lower-case word tokens of normalised text; "n't" stays on its word so negation can be seen, and hyphenated
    words count as their parts ("two-year" matches a source's "two - year")."""
    return [q for w in _WORD.findall(text) for p in w.split("-") if (q := p.strip(".'"))]


def _content(words: Iterable[str]) -> list[str]:
    """Words that carry a checkable fact: no function words or connectives, no digits (numbers have their own
    rule), no negations (they have theirs)."""
    return [_stem(w) for w in words if w not in _STOPWORDS and not w.isdigit() and len(w) > 1 and not _is_negation(w)]


def _is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't")


def _negated(words: Sequence[str]) -> bool:
    """A negation cue, except the idioms that are not one ("not only", "no doubt")."""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if _is_negation(word) and not (word == "not" and following == "only") and following != "doubt":
            return True
    return False


# ---------------------------------------------------------------------------------------------- numbers

_UNITS = {
    **{word: n for n, word in enumerate(_wordlist("zero one two three four five six seven eight nine ten eleven"))},
    **{word: n for n, word in enumerate(_wordlist("twelve thirteen fourteen fifteen sixteen seventeen"), start=12)},
    **{word: n for n, word in enumerate(_wordlist("eighteen nineteen twenty"), start=18)},
    **{word: 10 * n for n, word in enumerate(_wordlist("thirty forty fifty sixty seventy eighty ninety"), start=3)},
    "hundred": 100,
    "dozen": 12,
}
_SCALES = {
    **dict.fromkeys(("thousand", "k"), 1e3),
    **dict.fromkeys(("million", "millions", "m", "mn", "mln"), 1e6),
    **dict.fromkeys(("billion", "billions", "bn", "b"), 1e9),
    **dict.fromkeys(("trillion", "tn"), 1e12),
}
_NUMBER_WORD = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w.])(?:(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?:st|nd|rd|th)?"
    rf"|(?P<word>(?:{_NUMBER_WORD})(?:-(?:{_NUMBER_WORD}))?)\b)"
    r"(?:\s?(?P<scale>thousand|millions?|billions?|trillion|bn|mn|mln|tn|m|b|k)\b)?",
)
_AMBIGUOUS_WORDS = frozenset({"one", "zero"})  # "one of them", "zero-sum": not numbers a bullet asserts


@dataclass(frozen=True)
class _Number:
    text: str
    value: float  # scaled: "2.5bn" -> 2.5e9
    bare: float  # as written: "2.5bn" -> 2.5
    scaled: bool
    spelled: bool
    start: int = 0  # where it stands in the text it was found in
    end: int = 0


def _word_value(word: str) -> float:
    return float(sum(_UNITS[part] for part in word.split("-")))


def _numbers(text: str) -> list[_Number]:
    """Numbers in normalised text, with their magnitude words applied ("$2.5 billion" -> 2.5e9)."""
    found = []
    for match in _NUMBER.finditer(text):
        if match["digits"]:
            bare = float(match["digits"].replace(",", "") + ("." + match["frac"] if match["frac"] else ""))
        else:
            bare = _word_value(match["word"])
        scale = _SCALES.get(match["scale"] or "", 1.0)
        spelled = match["word"] is not None
        found.append(_Number(match.group(0), bare * scale, bare, scale != 1.0, spelled, match.start(), match.end()))
    return found


def _number_supported(number: _Number, values: frozenset[float]) -> bool:
    if _close(number.value, values):
        return True
    # A bare number in the claim may be written with its magnitude in the source, never the reverse:
    # "2.5" in a claim may be the source's "2.5 billion"; the claim's "2.5 billion" is not the source's "2.5 m".
    return not number.scaled and _close(number.bare, values)


def _close(value: float, values: frozenset[float]) -> bool:
    return value in values or any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in values)


def _source_values(text: str) -> frozenset[float]:
    values: set[float] = set()
    for number in _numbers(text):
        values.update((number.value, number.bare))
    return frozenset(values)


# ------------------------------------------------------------------------------------------------ dates

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sept sep",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\.? (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m2>{_MONTH})\b)"
)


def _dates(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs in normalised text, whichever order they are written in."""
    found = set()
    for match in _DATE.finditer(text):
        month, day = (match["m1"], match["d1"]) if match["m1"] else (match["m2"], match["d2"])
        if 1 <= int(day) <= 31:
            found.add((_MONTHS[month], int(day)))
    return found


# ------------------------------------------------------------------------------------------------ names

_NAME_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:['.][^\W_]+)*", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(]\s*)$")


_NOT_NAMES = _STOPWORDS | _NEGATIONS | {"unk"}  # "UNK": an unknown-word marker left by old summarisers
# Days and months are checked wherever they stand: "Tuesday, officials said" starts with a date, not a common word.
_CALENDAR = _wordset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december"""
)


def _names(claim: str) -> list[re.Match[str]]:
    """Capitalised words of the claim that are names: not stopwords, not a common word opening a sentence, and
    not in a title-cased or all-capitals claim. Days and months always count (a sentence-initial "May" excepted:
    it is usually the verb)."""
    matches = list(_NAME_TOKEN.finditer(claim))
    capitalised = [m for m in matches if m.group(0)[0].isupper()]
    if not matches or len(capitalised) > 0.6 * len(matches) + 1:
        return []
    names = []
    for match in matches:
        word = match.group(0)
        initial = _SENTENCE_START.search(claim[: match.start()]) is not None
        if word[0].isupper() and word.lower() in _CALENDAR and not (initial and word == "May"):
            names.append(match)
            continue
        if not word[0].isupper() or word.lower() in _NOT_NAMES:
            continue
        if initial and _common_opening(word):
            continue
        names.append(match)
    return names


# Capitalised only because they open a sentence: determiners, connectives, numbers, adverbs in -ly, and the
# collective nouns bullets open with. Any other opening word is taken for a name ("Rory McIlroy won" and
# "McIlroy won" alike): on the dev set this flags 25 false claims and 4 faithful ones.
_OPENINGS = _wordset(
    """another other former many most several some both each every all any no note prior click new great top
    police officials authorities researchers scientists experts critics lawmakers residents people hundreds
    thousands dozens millions workers doctors analysts investigators witnesses"""
)


def _common_opening(word: str) -> bool:
    lower = word.lower()
    return lower in _OPENINGS or lower in _UNITS or lower.endswith("ly") or lower in _DENIALS


def _acronym_of(name: str, source: _Source) -> bool:
    """An all-capitals name the source writes out in full: "CEO" for "chief executive officer"."""
    return 2 <= len(name) <= 5 and name.isalpha() and name.isupper() and name.lower() in source.initials


_ALIASES = {"us": ("u.s", "america", "american", "united"), "uk": ("u.k", "britain", "british", "united")}


def _name_supported(name: str, words: frozenset[str]) -> bool:
    """Whole or in part: "Israeli" is supported by "Israel", "Biden's" by "Biden"."""
    word = normalise(name)
    word = word[:-2] if word.endswith("'s") else word
    if len(word) < 2:
        return True  # initials and unit letters ("47C") are not names
    if any(alias in words for alias in _ALIASES.get(word, ())):
        return True
    if word in words or len(word) < 4:
        return word in words
    stem = word[: max(4, len(word) - 3)]
    return any(w.startswith(stem) and abs(len(w) - len(word)) <= 3 for w in words)


# -------------------------------------------------------------------------------------------- sentences

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: tuple[str, ...]
    content: frozenset[str]  # stems of the words that carry a checkable fact


def _sentence(text: str) -> _Sentence:
    words = tuple(_words(text))
    return _Sentence(text, words, frozenset(_content(words)))


# A full stop after an initial or a common abbreviation ("U.S.", "Jan.", "Mr.") does not end a sentence.
_ABBREVIATION = re.compile(
    r"(?:\b[a-z]|\b(?:mr|mrs|ms|dr|st|jr|sr|gov|sen|rep|gen|col|lt|sgt|capt|prof|inc|corp|co|ltd|vs|no|jan|feb|mar"
    r"|apr|jun|jul|aug|sep|sept|oct|nov|dec|approx|est|dept|ft|mt|rev|hon))\.$"
)


def _split(text: str) -> list[str]:
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


@dataclass(frozen=True)
class _Source:
    """Everything the rules need from the cited texts, computed once per distinct source text."""

    text: str
    sentences: tuple[_Sentence, ...]
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
def _source(text: str) -> _Source:
    sentences = tuple(_sentence(s) for s in _split(text))
    normalised = normalise(text)
    pairs: set[tuple[str, str]] = set()
    for sentence in sentences:
        pairs |= _pairs(_content(sentence.words), reach=3)
    words = frozenset(
        part for s in sentences for w in s.words for part in (w[:-2] if w.endswith("'s") else w).split("-")
    )
    return _Source(
        text=normalised,
        sentences=sentences,
        words=words,
        content=frozenset(c for s in sentences for c in s.content),
        pairs=frozenset(pairs),
        values=_source_values(normalised),
        dates=frozenset(_dates(normalised)),
        initials=frozenset(i for s in sentences for i in _spelled_out(s.words)),
    )


# ---------------------------------------------------------------------------------------------- support


@dataclass(frozen=True)
class _Support:
    """How well the best-matching source sentences carry one sentence of the claim."""

    sentence: float  # share of its content words in the best-matching source sentence
    document: float  # share anywhere in the cited sources
    pairs: float  # share of its ordered word pairs found close together in one source sentence
    missing: tuple[str, ...]  # content words found nowhere in the cited sources
    negation: str | None  # why the negation differs, if it does
    length: float  # log(1 + words in the sentence): every added word is another chance to be wrong


def _window(claim: frozenset[str], sentences: Sequence[_Sentence]) -> Sequence[_Sentence]:
    """The two consecutive source sentences sharing the most content words with the claim (negation is judged
    there: a claim often joins a sentence and the next)."""
    shared = [len(claim & (s.content | n.content)) for s, n in zip(sentences, (*sentences[1:], _EMPTY), strict=True)]
    start = max(range(len(sentences)), key=shared.__getitem__, default=0)
    return sentences[start : start + 2]


_EMPTY = _Sentence("", (), frozenset())


def _negation_scope(words: Sequence[str]) -> list[tuple[str, str, str]]:
    """Each negation cue with the first content word it governs, as written and as a stem
    ("did not win" -> ("not win", "win")). A denying verb governs only its object or its "to" verb ("refused
    to comment", "denied the charges"), never a prepositional phrase ("a decline in sales")."""
    scopes = []
    for index, word in enumerate(words):
        if word in _DENIALS:
            following = list(words[index + 1 : index + 4])
            while following and following[0] in _DENIAL_LINKS:
                following.pop(0)
            governed = following[:1] if following and _content(following[:1]) else []
        elif _is_negation(word) and _negated(words[index : index + 2]):
            governed = [w for w in words[index + 1 : index + 5] if _content([w])][:1]
        else:
            continue
        if governed:
            scopes.append((f"{word} {governed[0]}", _stem(governed[0]), word))
    return scopes


_DENIAL_LINKS = _wordset("to the a an any his her their its")


def _negates(words: Sequence[str], target: str) -> bool | None:
    """Whether `target` (a content stem) stands within four words after a negation cue; None if it is absent."""
    found: bool | None = None
    for index, word in enumerate(words):
        if word not in _STOPWORDS and _stem(word) == target:
            before = words[max(0, index - 4) : index]
            negated = any(w in _DENIALS for w in before) or _negated(before)
            found = negated or bool(found)
    return found


def _negation_differs(claim: _Sentence, window: Sequence[_Sentence]) -> str | None:
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


def _support(claim: _Sentence, source: _Source) -> _Support:
    length = math.log1p(len(claim.words))
    if not claim.content:
        return _Support(1.0, 1.0, 1.0, (), None, length)
    sentence = max((len(claim.content & s.content) for s in source.sentences), default=0) / len(claim.content)
    window = _window(claim.content, source.sentences)
    ordered = _content(claim.words)
    claim_pairs = _pairs(ordered, reach=1)
    pairs = len(claim_pairs & source.pairs) / len(claim_pairs) if claim_pairs else 1.0
    missing = tuple(dict.fromkeys(w for w in claim.words if _content([w]) and _stem(w) not in source.content))
    document = len(claim.content & source.content) / len(claim.content)
    return _Support(sentence, document, pairs, missing, _negation_differs(claim, window), length)


# ------------------------------------------------------------------------------------------------ score

# Fitted by bench/ground.py (logistic regression, doc-grouped cross-validation) on grounding-dev.jsonl.
_WEIGHTS = {"bias": -1.38, "sentence": 2.51, "document": 1.13, "pairs": 1.12, "length": -0.42}


# A claim of k sentences has its product raised to k ** 0.25 (1 for one sentence, 1.32 for three): the weights are
# fitted on one-sentence claims, and a sentence of a longer claim, read without its neighbours, looks better
# supported than it is. Held out on the dev set (bench/ground.py): claims of 3+ sentences 0.64 -> 0.69 balanced
# accuracy, all claims 0.736 -> 0.742; one-sentence claims are unchanged.
SENTENCES_EXPONENT = 0.25


def _score(supports: Sequence[_Support]) -> float:
    """Confidence that the whole claim is supported: every sentence must hold, so their confidences multiply
    (on the dev set this beats taking the weakest sentence on multi-sentence claims: 0.73 vs 0.64)."""
    product = math.prod(_sigmoid(_logit(s)) for s in supports)
    return float(product ** (len(supports) ** SENTENCES_EXPONENT))


def _logit(support: _Support) -> float:
    w = _WEIGHTS
    overlap = w["sentence"] * support.sentence + w["document"] * support.document + w["pairs"] * support.pairs
    return w["bias"] + overlap + w["length"] * support.length


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------------------------------------ rules


def _number_reasons(claim: str, source: _Source) -> list[str]:
    reasons = []
    listed = re.match(r"\s*\d{1,2}\.\s", claim)  # "2. ..." numbers a list item
    for number in _numbers(claim):
        if (number.spelled and number.text.split("-")[0] in _AMBIGUOUS_WORDS) or (
            listed and number.end <= listed.end()
        ):
            continue
        if not _number_supported(number, source.values):
            reasons.append(f"number '{number.text}' not in cited sources")
    for month, day in sorted(_dates(claim) - source.dates):
        reasons.append(f"date '{_MONTH_NAMES[month - 1]} {day}' not in cited sources")
    return reasons


_MONTH_NAMES = [
    name for name, _ in sorted(((n, i) for n, i in _MONTHS.items() if len(n) > 3 or n == "may"), key=lambda p: p[1])
]


def _name_reasons(claim: str, source: _Source) -> list[str]:
    """Presence only: requiring a name to stand next to the same words as in the source (to catch a name swapped
    for another of the same article) flagged more faithful dev claims than false ones (73 against 54)."""
    names = (m.group(0) for m in _names(_fold(claim)))
    missing = dict.fromkeys(n for n in names if not _name_supported(n, source.words) and not _acronym_of(n, source))
    return [f"name '{name}' not in cited sources" for name in missing]


def check_claim(claim: str, sources: Sequence[str], settings: GroundingSettings | None = None) -> Verdict:
    """Is `claim` supported by the texts in `sources`? Raises GroundingError when it cannot tell."""
    settings = settings or GroundingSettings()
    if isinstance(claim, str) and len(claim.strip()) > MAX_CLAIM_CHARS:
        return Verdict(
            False, 0.0, (f"too long to be a bullet ({len(claim.strip())} characters; at most {MAX_CLAIM_CHARS})",)
        )
    supports, reasons = _assess(claim, sources)
    score = _score(supports)
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


def _assess(claim: str, sources: Sequence[str]) -> tuple[list[_Support], list[str]]:
    """Support of each claim sentence, and the reasons of every failed rule."""
    text = _usable_claim(claim)
    joined = "\n".join(s[:MAX_SOURCE_CHARS] for s in sources if isinstance(s, str) and s.strip())
    if not joined:
        raise GroundingError("cannot check a claim against sources without text")
    source = _source(joined)
    supports = [_support(_sentence(s), source) for s in _split(text)]
    reasons = _number_reasons(normalise(text), source) + _name_reasons(text, source)
    reasons += [s.negation for s in supports if s.negation]
    return supports, reasons


def _usable_claim(claim: str) -> str:
    text = claim.strip() if isinstance(claim, str) else ""
    if not _WORD.search(text):
        raise GroundingError("cannot check an empty claim")
    return text


def _low_support_reason(score: float, supports: Sequence[_Support]) -> str:
    weakest = min(supports, key=_logit)
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
