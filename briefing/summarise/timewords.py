"""Relative times in older articles: "today" in Friday's article is not today in Sunday's edition.

A bullet is read on the edition's day. When the article it comes from was written on another day (an earlier
one, or, in a zone ahead of the reader's, a later one: `writers_day`), every relative time in it is either
anchored to the article's own date ("today" -> "on Saturday 30 May",
"yesterday" -> "on Friday 29 May") or, when that cannot be done faithfully ("this week" in last week's
article, "tomorrow's vote"), the sentence is not used. A weekday that means the same day to the writer and to
the reader is left as it is.

timewords knows calendars and English time expressions; it must not know summarisers or grounding. The
grounding check sees each older article with `dateline(published)` in front of it, so anchored dates are
checked like any other date the source states.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)
_MONTH_NAMES = "|".join(_MONTHS + [m[:3] for m in _MONTHS] + ["Sept"])
_PARTS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"}

# Day words: (pattern, days before the article's date, part of the day). "tomorrow" is not anchored: the
# dateline gives the check the article's day and the day before, and a promised future is no fact to restate.
_DAY_WORDS = re.compile(
    r"\b(?P<prep>(?:earlier|later|from|until|since|by|before|after|starting)\s+)?"
    r"(?P<word>today|tonight|this (?:morning|afternoon|evening)|yesterday(?: (?:morning|afternoon|evening))?"
    r"|last night|tomorrow(?: (?:morning|afternoon|evening|night))?|overnight)(?P<possessive>['’]s)?\b",
    re.IGNORECASE,
)
# "by the evening", "later in the morning": a part of the writer's day that no date can be attached to faithfully.
_PART_OF_THEIR_DAY = re.compile(
    r"\b(?:by|in|into|until|later in|early in|late in|during) the (?:morning|afternoon|evening|night)\b"
    rf"(?! of (?:{'|'.join(_WEEKDAYS)}) \d)",  # "until the night of Wednesday 27 May": a date, as anchoring writes it
    re.IGNORECASE,
)
# "in two days", "three days ago": days counted from the writer's day, wrong by as many days as the article is
# old (not "in 10 days of protests", a span, not a date).
_FEW = r"(?:a|one|two|three|four|five|six|\d{1,2})"
# "hours ago", "in the coming hours": counted from the writer's hour, wrong by the whole age of the article.
_COUNTED_DAYS = re.compile(
    rf"\bin {_FEW} days?\b(?! of\b)|\b{_FEW} days? ago\b"
    rf"|\b(?:(?:{_FEW}|an|a few|several|\d{{1,3}})\s+(?:hours?|minutes?)|hours|minutes|moments)\s+ago\b"
    r"|\b(?:in|within|over) the (?:coming|next)(?: few)? hours\b|\bwithin hours\b|\bin a few hours\b",
    re.IGNORECASE,
)
_PERIODS = re.compile(
    r"\b(?:(?:earlier|later)\s+)?(?P<which>this|last|next|past)\s+(?P<period>week(?:end)?|month|year)\b",
    re.IGNORECASE,
)
# "by the weekend", "over the weekend": the writer's weekend, as "this weekend" is.
_SATURDAY = 5
_THE_WEEKEND = re.compile(r"\b(?:by|over|at|during|until|till|before|after|for|on)\s+the\s+weekend\b", re.IGNORECASE)
# A weekday not followed by its date. The part of the day is taken whole or not at all (`?+`): given back, it
# would let "on Wednesday night (27 May)", as anchoring writes it, read as a "Wednesday" without a date.
_WEEKDAY = re.compile(
    r"\b(?P<which>last|this|next|on|since|until|by|from)?\s*\b(?P<day>" + "|".join(_WEEKDAYS) + r")"
    r"(?P<possessive>['’]s)?(?P<part>\s+(?:morning|afternoon|evening|night)\b)?+\b"
    r"(?!\s*(?:,\s*|\(\s*)?(?:\d{1,2}\b|(?:" + _MONTH_NAMES + r")\b))",
)
_FUTURE = re.compile(
    r"\b(?:will|won['’]t|shall|is to|are to|set to|due to|plans? to|planning to|scheduled|expected to|going to"
    r"|ahead of|upcoming|next)\b",
    re.IGNORECASE,
)


def long_day(day: date, edition: date | None = None) -> str:
    """ "Saturday 30 May" (with the year when it is not the edition's)."""
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return text if edition is not None and edition.year == day.year else f"{text} {day.year}"


def dateline(published: date) -> str:
    """What an article written on another day says about its own date, for the grounding check and the prompt."""
    before = published - timedelta(days=1)
    return f"Published on {long_day(published)}; the day before was {long_day(before)}."


def writers_day(published: datetime, offset: int | None, reader: ZoneInfo) -> date:
    """The day the writer wrote on: in the zone the feed wrote its date in when it gave one (a Singapore paper's
    05:00 +08:00 on 2 June is 2 June there, though still 1 June in London), else in the reader's."""
    return published.astimezone(timezone(timedelta(minutes=offset)) if offset else reader).date()


def anchored(sentence: str, published: date, edition: date) -> str | None:
    """`sentence` with its relative times anchored to `published`; unchanged when the writer's day is the
    edition's or it says nothing relative; None when a relative time cannot be anchored."""
    if published == edition:  # else an earlier day, or a later one in a zone ahead of the reader's
        return sentence
    if (
        _stale_period(sentence, published, edition)
        or _PART_OF_THEIR_DAY.search(sentence)
        or _COUNTED_DAYS.search(sentence)
    ):
        return None
    text = _anchor_day_words(sentence, published, edition)
    return None if text is None else _anchor_weekdays(text, published, edition)


def stale_words(sentence: str, published: date, edition: date) -> list[str]:
    """The relative times a reader on `edition` would misread in a sentence published on `published`
    (what `briefing check` counts)."""
    if published == edition:
        return []
    found = [m.group(0) for m in _DAY_WORDS.finditer(sentence)]
    found += [m.group(0) for m in _PART_OF_THEIR_DAY.finditer(sentence)]
    found += [m.group(0) for m in _COUNTED_DAYS.finditer(sentence)]
    found += [m.group(0) for m in _PERIODS.finditer(sentence) if _period_differs(m, published, edition)]
    found += [m.group(0) for m in _THE_WEEKEND.finditer(sentence) if _other_weekend(sentence, published, edition)]
    future = bool(_FUTURE.search(sentence))
    for match in _WEEKDAY.finditer(sentence):
        if _weekday_misread(match, published, edition, future):
            found.append(match.group(0).strip())
    return found


def _stale_period(sentence: str, published: date, edition: date) -> bool:
    return any(_period_differs(m, published, edition) for m in _PERIODS.finditer(sentence)) or bool(
        _THE_WEEKEND.search(sentence) and _other_weekend(sentence, published, edition)
    )


def _other_weekend(sentence: str, published: date, edition: date) -> bool:
    """Whether "the weekend" is another one to the reader: the coming one to both in the future tense ("will
    reopen by the weekend"), the last one in the past tense ("crowds gathered over the weekend", written on
    Sunday and read on Wednesday, is the same weekend; written on Thursday and read on Monday, it is not), else
    the nearest to each."""
    if _FUTURE.search(sentence):
        return _resolve(_SATURDAY, published, True) != _resolve(_SATURDAY, edition, True)
    if _PAST.search(sentence):
        return _resolve(_SATURDAY, published, False) != _resolve(_SATURDAY, edition, False)
    return _nearest(_SATURDAY, published) != _nearest(_SATURDAY, edition)


def _period_differs(match: re.Match[str], published: date, edition: date) -> bool:
    period = match["period"].lower()
    if period.startswith("week"):
        return published.isocalendar()[:2] != edition.isocalendar()[:2]
    if period == "month":
        return (published.year, published.month) != (edition.year, edition.month)
    return published.year != edition.year


def _anchor_day_words(sentence: str, published: date, edition: date) -> str | None:
    def replace(match: re.Match[str]) -> str:
        word = match["word"].lower()
        if match["possessive"] or word.startswith(("tomorrow", "overnight")):
            raise _Unanchorable
        day = published - timedelta(days=1) if word.startswith(("yesterday", "last night")) else published
        part = _part_of(word)
        when = long_day(day, edition)
        prep = (match["prep"] or "").lower().strip()
        phrase = f"the {part} of {when}" if part else when
        if prep in ("", "earlier", "later"):
            phrase = f"on {phrase}"
        text = f"{match['prep'] or ''}{phrase}"
        return text[0].upper() + text[1:] if match.start() == 0 else text

    try:
        return _DAY_WORDS.sub(replace, sentence)
    except _Unanchorable:
        return None


def _part_of(word: str) -> str | None:
    if word in ("tonight", "last night"):
        return "night"
    last = word.rsplit(" ", 1)[-1]
    return _PARTS.get(last) if " " in word else None


class _Unanchorable(Exception):
    pass


def _anchor_weekdays(sentence: str, published: date, edition: date) -> str | None:
    future = bool(_FUTURE.search(sentence))

    def replace(match: re.Match[str]) -> str:
        if not _weekday_misread(match, published, edition, future):
            return match.group(0)
        if (
            _WEEKDAYS.index(match["day"]) != published.weekday()
            or match["possessive"]
            or match["which"]
            in (
                "last",
                "next",
            )
        ):
            raise _Unanchorable
        return f"{match.group(0)} ({published.day} {_MONTHS[published.month - 1]})"

    try:
        return _WEEKDAY.sub(replace, sentence)
    except _Unanchorable:
        return None


_AHEAD_CUE = re.compile(  # "until Sunday", "to 5:30 a.m. Sunday", "from 8 p.m. Saturday"
    r"\b(?:to|until|till|through|by|before|from|starting|beginning|ahead of)\s+"
    r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)\s+)?(?:on\s+)?$",
    re.IGNORECASE,
)
_PASSIVE = re.compile(r"\b(?:be|being)\s+[a-z]+(?:ed|en)\b")
_PAST = re.compile(r"\b(?:was|were|had|did|said|told|began|came|went|took|made|met|spoke|[a-z]{3,}ed)\b")


def _weekday_misread(match: re.Match[str], published: date, edition: date, future: bool) -> bool:
    """Whether the weekday names a different day for the writer (on `published`) and the reader (on
    `edition`). The writer's day follows the words just before the weekday ("until", "to 5 a.m."), else the
    sentence's tense, else the nearest such day; the reader takes the nearest such day to the edition's, or the
    one "last" or the future tense points at. When in doubt they differ, and the sentence is not used."""
    which = (match["which"] or "").lower()
    weekday = _WEEKDAYS.index(match["day"])
    before = match.string[max(0, match.start() - 24) : match.start()]
    ahead = future and not _dates_a_past_verb(match)
    if which in ("last", "since"):
        writer, reader = _resolve(weekday, published, False), _resolve(weekday, edition, False)
    elif which in ("next", "until", "from") or _AHEAD_CUE.search(before) or ahead:
        # In the future tense the reader looks ahead too: "will reopen on Sunday", written on a Saturday, is read
        # on Monday as the next Sunday ("a curfew from 8 p.m. Saturday", read on Sunday, is last night's).
        writer = _resolve(weekday, published, True)
        reader = _resolve(weekday, edition, True) if ahead else _nearest(weekday, edition)
    else:
        past = bool(_PAST.search(match.string))
        writer = _resolve(weekday, published, False) if past else _nearest(weekday, published)
        reader = _nearest(weekday, edition)
    return writer != reader


def _dates_a_past_verb(match: re.Match[str]) -> bool:
    """The weekday dates a past verb beside it ("said Saturday", "on Saturday announced", "was shut down Sunday"),
    whatever else the sentence says will happen: the future tense elsewhere in it says nothing of this day."""
    before = " ".join(match.string[: match.start()].split()[-5:])
    after = " ".join(match.string[match.end() :].split()[:2])
    if _FUTURE.search(before) or _PASSIVE.search(before):  # "will be charged in court on Tuesday"
        return False
    return bool(_PAST.search(" ".join(before.split()[-3:])) or _PAST.search(after))


def _nearest(weekday: int, day: date) -> date:
    """The day of that name closest to `day` (within three days either side)."""
    ahead = (weekday - day.weekday()) % 7
    return day + timedelta(days=ahead) if ahead <= 3 else day - timedelta(days=7 - ahead)


def _resolve(weekday: int, day: date, ahead: bool) -> date:
    if ahead:
        return day + timedelta(days=(weekday - day.weekday()) % 7)
    return day - timedelta(days=(day.weekday() - weekday) % 7)
