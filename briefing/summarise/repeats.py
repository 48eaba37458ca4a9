"""Whether a bullet states a fact an earlier bullet already stated, however they are worded.

Wire rewrites and outlets covering one development say the same thing in different words ("raised its rate to
4.25%" / "increased its benchmark rate to 4.25 percent"). A later bullet repeats an earlier one when its main
claim (below) and the earlier bullet

1. share a salient number (4.25% = 4.25 percent = 4.25 per cent; 12 billion = 12bn; not a year, not a small
   count) and also a name or some of their wording; or share the day something happens on ("on 1 June" = "from
   Monday, June 1") and three content words, names aside, a fifth of the shorter one's (a day alone is no fact,
   and a day that names an event, "the Jan. 6 attack", is the topic every bullet of its story mentions); or
2. share a good part of the shorter one's content words, names aside (names say who or where: the story's
   topic, which every bullet shares): a paraphrase, after folding inflections and a small table of synonyms for
   the predicates news repeats most (raise/increase, postpone/delay, refuse/deny, ...), unless both state
   salient numbers and none is shared (the same wording about different figures); or
3. say nothing the earlier bullet did not: every content word, name and salient number of the main claim is in
   the earlier bullet ("The space agency confirmed that Helios-3 reached orbit." after "The Helios-3 satellite
   reached its planned orbit on Tuesday."), however few words that is.

The main claim is what a sentence asserts, without what it only mentions: a trailing attribution (", officials
said"; for the third test, an opening one too: "The company said (that) ..."), a trailing clause that recalls the
background (", following his murder charge", ", when the city reopens") and a short aside between commas that says
who someone is (", the nephew of the king,"). A second bullet may recall the first one's fact as background while
stating a new one; it repeats the first only when what it asserts was said already. So the comparison has a
direction: the later bullet's main claim against the whole of the earlier one. What a "whether" clause asks is not
asserted either ("Police are investigating whether the party broke the rules" reports an inquiry, not a breach): a
later bullet whose main claim, the question aside, shares no word with the earlier bullet reports something new (an
inquiry the earlier one did not mention), however much of the question the earlier one answered; when the rest is
shared ("The mayor will announce this week whether ..."), the question is part of the comparison.

repeats knows English words and numbers; it must not know summarisers, scores or the store. Both summarisers
use it for drafted and repaired bullets, against each other and against what earlier editions published;
`briefing check` counts the pairs it finds in a built edition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PARAPHRASE = 0.35  # share of the shorter bullet's content words (names aside) found in the other
SHARED_NUMBER_OVERLAP = 0.2  # ... enough, with a salient number in common, to be the same fact
MIN_SHARED_WORDS = 3  # a paraphrase shares at least this many content words (two short lines share a topic)

# Words that say nothing about which fact a sentence states.
_STOP = frozenset(
    """a an the and or but if of at by for with about against between into through during before after above
    below to from up down in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very s t can will just don should
    now is are was were be been being have has had having do does did doing would could may might must shall it
    its it's he him his she her they them their we us our you your i me my this that these those who whom which
    what as also while since until because although though yet still even per cent percent according said says
    say told tells announced reported reports added stated claimed confirmed noted""".split()  # noqa: SIM905
)
# Predicates news repeats in other words: each group folds to its first word. Small on purpose.
_SYNONYM_GROUPS = (
    "increase rise raise hike climb jump grow boost lift",
    "decrease fall drop decline cut lower reduce slash plunge slump",
    "postpone delay defer push",
    "meeting summit talks conference",
    "die death dead kill killed fatal",
    "arrest detain custody",
    "launch liftoff blast",
    "ban prohibit bar",
    "refuse deny reject block",
    "resign quit step",
    "protest demonstration rally vigil march",
    "charge indict",
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*")
_NUMBER = re.compile(
    r"(?<![\w.])(?P<currency>[$£€¥₱]|(?:us|a|nz|s)\$|p(?=\d))?(?P<value>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"\s*(?P<scale>thousand|million|billion|trillion|bn|m|k)?\b\s*(?P<unit>%|per ?cent|percent)?",
    re.IGNORECASE,
)
# "1 June" / "June 1" / "Jun. 1": a day of a month names one day however it is written; "30 May" is a date, not a
# count of 30.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})|(?P<month2>{_MONTH})\.?\s+(?P<day2>\d{{1,2}})"
    r"(?:st|nd|rd|th)?)\b"
)
# What introduces the day something happens on: "on", "from", "until" ..., or a weekday ("Saturday 30 May").
_WHEN = re.compile(
    r"(?:\b(?:on|from|by|until|till|since|before|after|to)|day,?)\s+$",
    re.IGNORECASE,
)
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_NOT_NAMES = frozenset(
    """The A An In On At By For But And Or If As It Its He She They His Her Their This That These Those
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Mr Mrs Ms Dr""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Wording:
    """A text reduced for comparison."""

    numbers: frozenset[tuple[float, bool]]  # (value, is a percentage)
    names: frozenset[str]
    words: frozenset[str]  # content words, folded
    plain: frozenset[str]  # ... without names: what is said, not who or where (the story's topic)


@dataclass(frozen=True)
class Facts:
    """What a sentence states: all of it (what a later bullet must not repeat), and its main claim (what it
    asserts, compared with the bullets before it)."""

    whole: Wording
    main: Wording
    inquiry: Wording | None = None  # the main claim without what a "whether" clause leaves open, when it has one
    said: Wording | None = None  # the main claim without an opening "The agency confirmed that", when it has one


# ", said Trade Minister Jo Bloggs on Saturday." / ", the council said." / ", according to police.": who said it is
# not what was said, and two different claims by one speaker share it.
_ATTRIBUTION = re.compile(
    r",\s+(?:(?:said|says|told|added|announced)\s+[^,;]{1,80}|(?:the\s+)?[^,;]{1,60}\s+(?:said|says|told \w+|added"
    r"|announced)(?:\s+on\s+\w+)?(?:\s*\([^()]{1,20}\))?|according to\s+[^,;]{1,80})\s*[.!]?[\"'”’]?\s*$",
    re.IGNORECASE,
)


# "The space agency confirmed that ..." / "Police said ...": a short subject and a verb of saying opening the
# sentence, followed by what was said (at least three words of it).
_LEADING_ATTRIBUTION = re.compile(
    r"^(?:[^\s,;]+\s+){1,6}?(?:said|says|confirmed|confirms|announced|announces|added|told\s+\w+)\s+(?:that\s+)?"
    r"(?=(?:\S+\s+){2,}\S)",
    re.IGNORECASE,
)


# ", following his murder charge." / ", when the city reopens.": a last clause that recalls the background, up to
# the end of the sentence (a clause closed by a comma may be followed by the sentence's own verb).
_BACKGROUND = re.compile(
    r",\s+(?:following|after|before|amid|as|when|despite)\s+[^,;]+?\s*[.!]?[\"'”’]?\s*$",
    re.IGNORECASE,
)
# "Prince Jo, the nephew of the king, has ...": a short aside saying who someone is (a noun phrase of up to eight
# words, without a figure), between commas after a name. A relative clause ("who led the party") or an aside
# with a figure ("its plan, a $2 billion proposal, ...") may state a fact, and stays.
_ASIDE = re.compile(r"(\b[A-Z][\w.'’-]*),\s+(?:a|an|the)(?:\s+[^\s,;\d]+){1,7},(?=\s+[a-z])")
# "Police are investigating whether the party broke the rules": what the clause asks is not asserted.
_WHETHER = re.compile(r"\s+whether\s+[^,;]+?(?=\s*[,;]|[.!]?[\"'”’]?\s*$)", re.IGNORECASE)


def claim(text: str) -> str:
    """The sentence without a trailing attribution (", officials said."): what is claimed, to compare."""
    return _ATTRIBUTION.sub(".", text.strip())


def main_claim(text: str) -> str:
    """What the sentence asserts: the claim without a trailing background clause or asides about who someone is
    (see the module docstring)."""
    stated = _BACKGROUND.sub(".", claim(text))
    return claim(_ASIDE.sub(r"\1", stated))  # an attribution may precede the background clause


def facts(text: str) -> Facts:
    main = main_claim(text)
    asked = _WHETHER.sub("", main)
    said = _LEADING_ATTRIBUTION.sub("", main)  # lower case left as it is: "police" opening it is no name
    return Facts(
        _wording(claim(text)),
        _wording(main),
        _wording(asked) if asked != main else None,
        _wording(said) if said != main else None,
    )


def _wording(text: str) -> Wording:
    return Wording(_numbers(text), _names(text), _content(text), _content(text, names=False))


def same_fact(later: Facts, earlier: Facts) -> bool:
    """Whether the `later` bullet's main claim was already stated by the `earlier` one (see the module
    docstring)."""
    if later.inquiry is not None and _unrelated(later.inquiry, earlier.whole):
        return False  # an inquiry the earlier bullet does not mention, into what it may have stated
    a, b = later.main, earlier.whole
    overlap = _overlap(a.words, b.words)
    shared = a.numbers & b.numbers
    days = {number for number in shared if number[0] < 0}  # a day of a month (`_dates`); amounts are never negative
    if shared - days and (a.names & b.names or overlap >= SHARED_NUMBER_OVERLAP):
        return True
    if days and _overlap(a.plain, b.plain) >= SHARED_NUMBER_OVERLAP and len(a.plain & b.plain) >= MIN_SHARED_WORDS:
        return True  # the same day ("1 June" / "June 1") and what happens on it, in other words
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        return False  # different figures: different counts, days or places, however alike the wording
    if _nothing_new(later.said or a, b):
        return True
    return _overlap(a.plain, b.plain) >= PARAPHRASE and len(a.plain & b.plain) >= MIN_SHARED_WORDS


def _nothing_new(a: Wording, b: Wording) -> bool:
    """Every content word, name and salient number of `a` is in `b`: `a` says nothing `b` did not."""
    return bool(a.words) and a.words <= b.words and a.names <= b.names and a.numbers <= b.numbers


def _unrelated(a: Wording, b: Wording) -> bool:
    return bool(a.plain) and not a.plain & b.plain and not a.numbers & b.numbers


def repeats(text: str, others: Iterable[str]) -> bool:
    """Whether `text` states a fact one of `others` (said before it) already states."""
    mine = facts(text)
    return any(same_fact(mine, facts(other)) for other in others)


def repeated_pairs(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs (earlier, later) of `texts`, in reading order, where the later states a fact the earlier did."""
    found = [facts(t) for t in texts]
    return [(i, j) for i in range(len(found)) for j in range(i + 1, len(found)) if same_fact(found[j], found[i])]


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _numbers(text: str) -> frozenset[tuple[float, bool]]:
    """Salient numbers: with a unit, a currency or a decimal part, or at least 10 and not a year; and days of a
    month (see `_dates`)."""
    found = set(_dates(text))
    for match in _NUMBER.finditer(_DATE.sub(lambda m: m[0] if _date(m) is None else " ", text)):
        value = float(match["value"].replace(",", "") + (match["frac"] or ""))
        scale = _SCALES.get((match["scale"] or "").lower(), 1.0)
        percent = bool(match["unit"])
        if not (percent or match["currency"] or match["frac"] or match["scale"]) and (
            value < 10 or 1900 <= value <= 2100
        ):
            continue
        found.add((value * scale, percent))
    return frozenset(found)


def _dates(text: str) -> list[tuple[float, bool]]:
    """Days on which something happens ("on 1 June", "from Monday, June 1"), as negative numbers
    (-(month * 100 + day)) so that no count or amount equals one. A day that names an event ("the Jan. 6 attack",
    "the Jan. 6 committee") is the story's topic, which every bullet about it mentions: not counted."""
    found = []
    for match in _DATE.finditer(text):
        value = _date(match)
        if value is not None and _WHEN.search(text, 0, match.start()):
            found.append((-float(value), False))
    return found


def _date(match: re.Match[str]) -> int | None:
    month, day = (match["month"] or match["month2"])[:3].lower(), int(match["day"] or match["day2"])
    return _MONTHS.index(month) * 100 + 100 + day if 1 <= day <= 31 else None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _names(text: str) -> frozenset[str]:
    words = [w.strip("'’.,-") for w in _WORD.findall(text)]
    names = {_stem(w.lower()) for i, w in enumerate(words) if w[:1].isupper() and w not in _NOT_NAMES and i > 0}
    if words and words[0][:1].isupper() and words[0] not in _NOT_NAMES and words[0].lower() not in _STOP:
        names.add(_stem(words[0].lower()))  # may be a name ("Norvale's central bank") or not ("Police"): counted
    return frozenset(names)


def _content(text: str, *, names: bool = True) -> frozenset[str]:
    """Content words, folded; without capitalised words after the first when `names` is False."""
    stems = set()
    for index, token in enumerate(_WORD.findall(text)):
        word = token.strip("'’.,-").replace("’", "'")
        if not word or word[0].isdigit() or (not names and index > 0 and word[0].isupper()):
            continue
        lowered = word.lower()
        if lowered not in _STOP and len(lowered) > 1:
            stems.add(_fold(lowered))
    return frozenset(stems)


def _fold(word: str) -> str:
    stem = _stem(word)
    return _SYNONYMS.get(stem, stem)


def _stem(word: str) -> str:
    """A crude suffix fold: enough to match "increased" with "increase", "rates" with "rate", "forecasters"
    with "forecast", "temporarily" with "temporary" and "closed" with "closure"."""
    word = word.removesuffix("'s").removesuffix("’s")
    if len(word) > 5 and word.endswith(("ied", "ies")):  # "denied" and "denies" are "deny"
        word = word[:-3] + "y"
    for suffix in ("ing", "ers", "er", "ed", "es", "s", "e", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("ur") and len(word) >= 6:  # "closure", "measured": "clos", "meas"
        return word[:-2]
    return word[:-1] + "i" if len(word) > 4 and word.endswith("y") else word  # "temporary", "temporarily"


_SYNONYMS = {_stem(word): _stem(group.split()[0]) for group in _SYNONYM_GROUPS for word in group.split()}
