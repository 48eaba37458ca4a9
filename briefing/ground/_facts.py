"""Facts a claim asserts, and the rules that check them against the cited sources: numbers (with their
magnitudes), dates and names.

Knows text and the words, values, dates and initials of the sources; knows nothing of scores or verdicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.ground._text import DENIALS, NEGATIONS, STOPWORDS, fold_typography, normalise, wordlist, wordset

# ---------------------------------------------------------------------------------------------- numbers

_UNITS = {
    **{word: n for n, word in enumerate(wordlist("zero one two three four five six seven eight nine ten eleven"))},
    **{word: n for n, word in enumerate(wordlist("twelve thirteen fourteen fifteen sixteen seventeen"), start=12)},
    **{word: n for n, word in enumerate(wordlist("eighteen nineteen twenty"), start=18)},
    **{word: 10 * n for n, word in enumerate(wordlist("thirty forty fifty sixty seventy eighty ninety"), start=3)},
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


def numbers_in(text: str) -> list[_Number]:
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


def source_values(text: str) -> frozenset[float]:
    values: set[float] = set()
    for number in numbers_in(text):
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


def dates_in(text: str) -> set[tuple[int, int]]:
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


_NOT_NAMES = STOPWORDS | NEGATIONS | {"unk"}  # "UNK": an unknown-word marker left by old summarisers
# Days and months are checked wherever they stand: "Tuesday, officials said" starts with a date, not a common word.
_CALENDAR = wordset(
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
_OPENINGS = wordset(
    """another other former many most several some both each every all any no note prior click new great top
    police officials authorities researchers scientists experts critics lawmakers residents people hundreds
    thousands dozens millions workers doctors analysts investigators witnesses"""
)


def _common_opening(word: str) -> bool:
    lower = word.lower()
    return lower in _OPENINGS or lower in _UNITS or lower.endswith("ly") or lower in DENIALS


def _acronym_of(name: str, initials: frozenset[str]) -> bool:
    """An all-capitals name the source writes out in full: "CEO" for "chief executive officer"."""
    return 2 <= len(name) <= 5 and name.isalpha() and name.isupper() and name.lower() in initials


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


# ------------------------------------------------------------------------------------------------ rules


def number_reasons(claim: str, values: frozenset[float], dates: frozenset[tuple[int, int]]) -> list[str]:
    """Each number and date of the (normalised) claim must occur in the sources' `values` and `dates`."""
    reasons = []
    listed = re.match(r"\s*\d{1,2}\.\s", claim)  # "2. ..." numbers a list item
    for number in numbers_in(claim):
        if (number.spelled and number.text.split("-")[0] in _AMBIGUOUS_WORDS) or (
            listed and number.end <= listed.end()
        ):
            continue
        if not _number_supported(number, values):
            reasons.append(f"number '{number.text}' not in cited sources")
    for month, day in sorted(dates_in(claim) - dates):
        reasons.append(f"date '{_MONTH_NAMES[month - 1]} {day}' not in cited sources")
    return reasons


_MONTH_NAMES = [
    name for name, _ in sorted(((n, i) for n, i in _MONTHS.items() if len(n) > 3 or n == "may"), key=lambda p: p[1])
]


def name_reasons(claim: str, words: frozenset[str], initials: frozenset[str]) -> list[str]:
    """Presence only: requiring a name to stand next to the same words as in the source (to catch a name swapped
    for another of the same article) flagged more faithful dev claims than false ones (73 against 54)."""
    names = (m.group(0) for m in _names(fold_typography(claim)))
    missing = dict.fromkeys(n for n in names if not _name_supported(n, words) and not _acronym_of(n, initials))
    return [f"name '{name}' not in cited sources" for name in missing]
