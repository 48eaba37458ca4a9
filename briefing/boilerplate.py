"""Per-feed boilerplate: the text many items of one feed share, learned from that feed's own items.

A YouTube channel ends every description with the same blurb ("Subscribe to ..., follow us on ..."), a site
opens every item with a dateline, a feed of show episodes titles each one "<show> | <network>". Left in, they make
a feed's unrelated items look alike to clustering, and they turn up in bullets. There is no list per outlet: a
feed teaches its own boilerplate.

What is counted (`spans`): each item's text cut into overlapping runs of `SHINGLE` words (lower-cased, digits,
month and weekday names folded, so "May 30, 2020 5:00 PM" and "June 1, 2020 4:10 AM" are one run), and its title
cut into segments at `|`, `:`, dashes and brackets. The store keeps, per feed, how many of its items carried each
span (`briefing.store.boilerplate`), counted once per item when the item is first stored; so what one poll
teaches, the next process knows.

What is boilerplate (`learned`): a span carried by at least `MIN_ITEMS` items of a feed, and at least
`OTHER_SITES` times more often there than by the items of every other site together. The second rule keeps
the words of a big story ("the death of George Floyd") that one feed repeats but other outlets write too.
A span seen once is never boilerplate.

What is removed (`Boilerplate.strip`): title segments that are boilerplate (a title is never emptied), and
runs of text covered by boilerplate spans that reach the start or the end of the text, or are whole sentences.
A repeated phrase in the middle of a sentence stays, so the text handed to the summariser still reads.
`strip` is applied wherever article text is consumed: clustering, kinds, summarising and grounding; the stored
article keeps its text as published.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from urllib.parse import urlsplit

from briefing.models import Article

__all__ = [
    "MEMORY",
    "MIN_ITEMS",
    "OTHER_SITES",
    "SHINGLE",
    "Boilerplate",
    "SpanCounts",
    "learned",
    "site",
    "span_counts",
    "spans",
]

SHINGLE = 5  # words per text span: long enough to be specific to a blurb, short enough to survive truncation
MIN_ITEMS = 3  # items of one feed that must carry a span
OTHER_SITES = 4  # how many times more often than on all other sites together
MEMORY = timedelta(days=30)  # a span carried by fewer than MIN_ITEMS items and unseen this long is forgotten

_WORD = re.compile(r"\S+")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TITLE_SEPARATOR = re.compile(r"\s*(?:\||:\s|\s[-–—]\s|[\[\]()])\s*")
_EDGE_PUNCTUATION = ".,:;!?()[]{}\"'“”‘’|-–—•*#"
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_DIGIT = re.compile(r"\d")
_MONTH = re.compile(
    r"^(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)$"
)
_WEEKDAY = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day$")


@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    """A word as spans compare it: lower case, no edge punctuation, digits, months and weekdays folded. Cached:
    every word of every new item is folded when it is counted and again when its kind is judged, and a few
    thousand words make up most of any text."""
    word = _DIGIT.sub("0", word.lower().strip(_EDGE_PUNCTUATION))
    if _MONTH.match(word):
        return "<month>"
    return "<day>" if _WEEKDAY.match(word) else word


def _hash(kind: str, words: Sequence[str]) -> int:
    """A stable signed 64-bit id for a span (the store keeps it in an INTEGER column; Python's `hash` is
    salted per process)."""
    digest = hashlib.blake2b(f"{kind}:{' '.join(words)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_blake2b, _from_bytes = hashlib.blake2b, int.from_bytes


def _text_spans(words: Sequence[str]) -> list[int]:
    """One id per run of `SHINGLE` words; a text shorter than that is one span. The same ids as `_hash("t", run)`
    for each run, from one encoded copy of the text cut at its words' byte offsets (a string built, encoded and
    hashed per run cost a poll about as much as writing the counts)."""
    if len(words) < SHINGLE:
        return [_hash("t", words)] if words else []
    encoded = " ".join(words).encode()
    starts = [0]
    for word in words:
        starts.append(starts[-1] + len(word.encode()) + 1)
    runs = (b"t:" + encoded[starts[i] : starts[i + SHINGLE] - 1] for i in range(len(words) - SHINGLE + 1))
    return [_from_bytes(_blake2b(run, digest_size=8).digest(), "big", signed=True) for run in runs]


def _title_segments(title: str) -> list[tuple[str, int]]:
    """(segment as written, its span id) for each non-empty segment of a title."""
    parts = [part.strip() for part in _TITLE_SEPARATOR.split(title)]
    return [(part, _hash("h", [_fold(w) for w in part.split()])) for part in parts if part.strip(_EDGE_PUNCTUATION)]


@lru_cache(maxsize=1024)
def _spans_of_text(text: str) -> tuple[int, ...]:
    """The ids of a text's runs of words, in order. Cached for a feed's worth of items: a poll counts the spans
    of a feed's new items and then strips that feed's boilerplate from the same texts to judge their kinds."""
    return tuple(_text_spans([_fold(word) for word in text.split()]))  # str.split() cuts where `_WORD` does


def spans(article: Article) -> frozenset[int]:
    """The span ids an article carries (each counted once per item)."""
    return frozenset(_spans_of_text(article.text)) | {span for _, span in _title_segments(article.title)}


def span_counts(articles: Iterable[Article]) -> Counter[int]:
    """How many of `articles` carry each span (what the store adds to one feed's counts)."""
    counts = Counter[int]()
    for article in articles:
        counts.update(spans(article))
    return counts


@lru_cache(maxsize=65_536)
def site(feed_key: str) -> str:
    """The site a feed belongs to (its host without `www.`): feeds of one site may share boilerplate. Cached:
    `learned` asks it for every count row, and a process meets few feeds."""
    host = urlsplit(feed_key).hostname if "://" in feed_key else None
    return (host or feed_key).removeprefix("www.")


@dataclass(frozen=True)
class Boilerplate:
    """The learned model: for each feed key, the span ids that are boilerplate in its items."""

    by_feed: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def strip(self, article: Article) -> Article:
        """The article with its feeds' boilerplate removed from title and text (unchanged if there is none)."""
        learnt = frozenset().union(*(self.by_feed.get(key, frozenset()) for key in article.feeds))
        if not learnt:
            return article
        title, text = _stripped_title(article.title, learnt), _stripped_text(article.text, learnt)
        if title == article.title and text == article.text:
            return article
        return replace(article, title=title, text=text)

    def strip_all(self, articles: Iterable[Article]) -> list[Article]:
        return [self.strip(article) for article in articles]

    def digest(self) -> str:
        """Identifies the model: what was computed from texts stripped by another model is computed again
        (clustering's stored features)."""
        spans = sorted((feed, sorted(found)) for feed, found in self.by_feed.items())
        return hashlib.sha256(json.dumps(spans).encode("utf-8")).hexdigest()[:16]

    def title_share(self, article: Article) -> float:
        """How much of the title (in characters of its segments) is its feeds' boilerplate: 1.0 for a title
        that only names a show and a date ("Red Alert (31 May 2020) | Teleradyo")."""
        learnt = frozenset().union(*(self.by_feed.get(key, frozenset()) for key in article.feeds))
        if not learnt:
            return 0.0
        segments = _title_segments(article.title)
        total = sum(len(part) for part, _ in segments)
        return sum(len(part) for part, span in segments if span in learnt) / total if total else 0.0


def _stripped_title(title: str, learnt: frozenset[int]) -> str:
    segments = _title_segments(title)
    kept = [part for part, span in segments if span not in learnt]
    if not kept or len(kept) == len(segments):
        return title
    return " - ".join(kept) if len(kept) > 1 else kept[0]


def _stripped_text(text: str, learnt: frozenset[int]) -> str:
    matches = list(_WORD.finditer(text))
    covered = _bridged(_covered(len(matches), _spans_of_text(text), learnt), matches)
    ends = [bool(_SENTENCE_END.search(m.group())) for m in matches]  # a sentence ends with this word
    covered = _with_cut_tail(covered, ends)
    dropped = [cut for run in _runs(covered) if (cut := _removable(run, ends)) is not None]
    if not dropped:
        return text
    pieces, start = [], 0
    for first, last in dropped:
        pieces.append(text[start : matches[first].start()])
        start = matches[last].end()
    pieces.append(text[start:])
    return " ".join(" ".join(piece.split()) for piece in pieces if piece.strip())


def _covered(words: int, runs: Sequence[int], learnt: frozenset[int]) -> list[bool]:
    """Which of the `words` words lie in a run (`runs`: `_spans_of_text`) that is boilerplate."""
    if words < SHINGLE:
        return [bool(words) and runs[0] in learnt] * words
    covered = [False] * words
    for i, span in enumerate(runs):
        if span in learnt:
            covered[i : i + SHINGLE] = [True] * SHINGLE
    return covered


def _bridged(covered: list[bool], matches: list[re.Match[str]]) -> list[bool]:
    """Links next to boilerplate count as boilerplate: a blurb lists a different playlist link under each
    show, which would otherwise cut it into pieces that each keep some of it."""
    bridged = list(covered)
    for i, match in enumerate(matches):
        if not covered[i] and _LINK.match(match.group()):
            bridged[i] = (i > 0 and covered[i - 1]) or (i + 1 < len(covered) and covered[i + 1])
    return bridged


def _with_cut_tail(covered: list[bool], ends: list[bool]) -> list[bool]:
    """A feed that cuts descriptions at a length leaves a few words after its blurb that differ from item to
    item ("... available in nearly 90 mil"): fewer than `SHINGLE` words after a covered run, ending no sentence,
    go with the blurb."""
    if not covered or covered[-1] or True not in covered:
        return covered
    last = len(covered) - 1 - covered[::-1].index(True)
    tail = range(last + 1, len(covered))
    if len(tail) >= SHINGLE or any(ends[i] for i in tail):
        return covered
    return covered[: last + 1] + [True] * len(tail)


def _runs(covered: list[bool]) -> list[tuple[int, int]]:
    """(first, last) word index of each run of covered words."""
    runs, start = [], None
    for i, flag in enumerate([*covered, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _removable(run: tuple[int, int], ends: list[bool]) -> tuple[int, int] | None:
    """The part of a covered run that goes: whole sentences, or what reaches the start or end of the text
    without cutting into a sentence it shares with the item's own words (a run at the end that begins
    mid-sentence goes from the next sentence on; one at the start that ends mid-sentence goes up to the last
    sentence end in it, or entirely when it holds none, like a dateline)."""
    first, last = run
    starts_sentence = first == 0 or ends[first - 1]
    ends_sentence = last == len(ends) - 1 or ends[last]
    if starts_sentence and ends_sentence:
        return run
    if last == len(ends) - 1:  # reaches the end, begins mid-sentence
        inner = [i for i in range(first, last) if ends[i]]
        return (inner[0] + 1, last) if inner else None
    if first == 0:  # reaches the start, ends mid-sentence
        inner = [i for i in range(first, last + 1) if ends[i]]
        return (first, inner[-1]) if inner else run
    return None


def learned(rows: Iterable[tuple[str, int, int]]) -> Boilerplate:
    """The model from count rows (feed key, span id, items), ordered by span (as the store gives them). Every
    feed's row for a span is needed, since a span is boilerplate for a feed only when other sites rarely carry
    it. One span's rows are held at a time: after a first poll of 10,000 feeds there are millions."""
    by_feed: dict[str, set[int]] = {}
    for span, group in groupby(rows, key=itemgetter(1)):
        counts = [(feed_key, items) for feed_key, _, items in group]
        per_site = Counter[str]()
        for feed_key, items in counts:
            per_site[site(feed_key)] += items
        total = sum(per_site.values())
        for feed_key, items in counts:
            elsewhere = total - per_site[site(feed_key)]
            if items >= MIN_ITEMS and items >= OTHER_SITES * elsewhere:
                by_feed.setdefault(feed_key, set()).add(span)
    return Boilerplate({key: frozenset(found) for key, found in by_feed.items()})


class SpanTotals:
    """For each span read so far: its items over every feed, and per site. Kept for one poll, so deciding one
    feed's boilerplate (`model`) costs the spans that feed carries, not every feed's rows for them again: a
    sentence 2,000 feeds carry is read once a poll, not once per feed. Gives what `learned` gives on that feed's
    rows of `frequent_spans`."""

    def __init__(self) -> None:
        self._total: dict[int, int] = {}
        self._by_site: dict[int, Counter[str]] = {}

    def missing(self, spans: Iterable[int]) -> list[int]:
        """The spans whose counts have not been read yet."""
        return [span for span in spans if span not in self._total]

    def read(self, rows: Iterable[tuple[str, int, int]], spans: Iterable[int] = ()) -> None:
        """Every feed's count rows (feed key, span, items) of spans not read before; `spans`, the spans they were
        read for, count as read even when no feed has counted them yet (`add` then counts for them)."""
        for span in spans:
            self._total.setdefault(span, 0)
            self._by_site.setdefault(span, Counter())
        for feed_key, span, items in rows:
            self._total[span] = self._total.get(span, 0) + items
            self._by_site.setdefault(span, Counter())[site(feed_key)] += items

    def add(self, feed_key: str, counts: Mapping[int, int]) -> None:
        """Counts just added to the store for `feed_key`, for the spans already read (the others are read with
        them included)."""
        home, total, by_site = site(feed_key), self._total, self._by_site
        for span in counts.keys() & total.keys():  # in C: few of a feed's spans were read (some feed repeats them)
            items = counts[span]
            total[span] += items
            by_site[span][home] += items

    def model(self, feed_key: str, own: Mapping[int, int]) -> Boilerplate:
        """The boilerplate of `feed_key`, from its own counts of at least `MIN_ITEMS` (every span read)."""
        home = site(feed_key)
        found = frozenset(
            span
            for span, items in own.items()
            if items >= MIN_ITEMS and items >= OTHER_SITES * (self._total[span] - self._by_site[span][home])
        )
        return Boilerplate({feed_key: found} if found else {})


class SpanCounts:
    """Span counts held in memory, as the store holds them (for evaluation replays and tests)."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[int]] = {}

    def add(self, feed_key: str, articles: Iterable[Article]) -> None:
        """Count the spans of items first seen from `feed_key` (each item once)."""
        self._counts.setdefault(feed_key, Counter()).update(span_counts(articles))

    def model(self) -> Boilerplate:
        frequent = {span for counts in self._counts.values() for span, n in counts.items() if n >= MIN_ITEMS}
        rows = [(key, span, n) for key, found in self._counts.items() for span, n in found.items() if span in frequent]
        return learned(sorted(rows, key=itemgetter(1)))
