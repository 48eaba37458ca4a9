"""Item kinds: is an item a report of one development (`news`, `opinion`), or something that is not a story
(`live`, `roundup`, `promo`, `other`: live blogs, digests and galleries, show episodes and listings, horoscopes,
recipes, quizzes)? Definitions: docs, "Item kinds".

Knows an article's title and text, and how much of its title is its feed's boilerplate (a title that is only a
show name and a date is an episode). Runs at ingest, after the feed's boilerplate is learned, so the kind is
stored with the article.

How: a multinomial logistic regression over features that mean the same in any outlet: words of the title and
of the start of the text from a short list of cue words ("live", "episode", "horoscope", "in pictures", ...),
a date in the title, the share of the title that is boilerplate, an empty or short text, capitals, a question.
The weights live in `kinds-model.json` beside this module, fitted by `bench/fit_kinds.py` on the labelled real
stream (`real-stories-dev.jsonl`); the figures held out by day and by outlet are in the docs ("Quality").
An item is given a stand-alone kind only when the model puts at least `STANDALONE_AT` on the four stand-alone
kinds together: dropping a news item from an edition costs more than keeping a digest.
Two things are definitions rather than weights (`_declared`): a page that says it is live, and a title that
declares a stand-alone format in the words outlets everywhere use ("The Papers:", "This Day in History", "full
episode"); each format is one or two outlets' habit, too rare to be learned for an outlet the model never saw.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

import numpy as np

from briefing.boilerplate import Boilerplate
from briefing.models import Article, ArticleKind

__all__ = ["CUES", "FEATURES", "KindModel", "classify", "features", "load_model"]

MODEL_FILE = Path(__file__).with_name("kinds-model.json")

CUES: tuple[str, ...] = (  # words and phrases that mark what an item is, in any outlet (not names of shows or outlets)
    *("live", "updates", "update", "as it happened", "rolling", "livestream", "replay", "full episode", "episode"),
    *("watch", "podcast", "on demand", "coming soon", "presents", "documentary", "how to watch", "picks", "tv"),
    *("papers", "gossip", "in pictures", "pictures", "photos", "photo", "gallery", "week in", "cartoon"),
    *("cartoons", "briefing", "need to know", "top stories", "daily update", "you may have missed", "things to know"),
    *("recap", "what happened", "snapshot", "digest", "highlights", "horoscope", "recipe", "puzzle"),
    *("quiz", "crossword", "deals", "deal", "this day in history", "from the archives", "archives", "tips"),
    *("preview", "weather", "opinion", "analysis", "explainer", "column", "review", "why", "how", "what", "who"),
    *("interactive", "best of", "special", "conversation", "celebrates", "anniversary", "join us", "subscribe"),
    *("today's", "morning", "evening", "weekend", "news alert", "breaking"),
)
# Cues that say an item is one of the stand-alone formats, grouped by what they mark. Each cue alone is rare (a
# "cartoons" page a day, TV listings on one day), too rare for its own weight to be learned from a few days; a
# group pools them, so a format first met on a new day still weighs as its kin did.
_GROUPS = {
    "digest": (
        *("papers", "gossip", "in pictures", "pictures", "photos", "gallery", "week in", "cartoon", "cartoons"),
        *("briefing", "need to know", "top stories", "daily update", "you may have missed", "things to know"),
        *("recap", "snapshot", "digest", "plus more", "other stories"),
        *("what else", "tip sheet", "illustrated", "round-up", "roundup"),
    ),
    "programme": (
        *("full episode", "episode", "podcast", "on demand", "coming soon", "presents", "picks"),
        *("how to watch", "tv", "celebrates", "anniversary", "join us", "subscribe", "replay", "livestream"),
        *("looks back", "look back", "relive", "rewind", "best of", "tune in", "programme", "series"),
    ),
    "service": (
        *("horoscope", "recipe", "recipes", "crossword", "deals", "this day in history", "from the archives"),
        "archives",
    ),
}
CUES = (*CUES, *(c for group in _GROUPS.values() for c in group if c not in CUES))
_CUE_PATTERNS = tuple(re.compile(r"(?<![a-z'])" + re.escape(cue) + r"(?![a-z])") for cue in CUES)  # the definition


def _cue_finder() -> tuple[re.Pattern[str], dict[str, tuple[int, ...]]]:
    """One pattern that finds every cue (each a whole word or phrase) in one pass, and for each cue the columns
    it sets: a cue and the shorter cues it starts with ("how to watch", "how"), which the same position carries.

    A zero-width lookahead at every word start, trying the longest cues first, so cues that overlap or start
    where another one does are all found; ninety separate searches per field cost more than the rest of
    ingesting an item (`_CUE_PATTERNS` is what this must agree with: tests/test_kinds.py)."""
    longest_first = sorted(CUES, key=len, reverse=True)
    pattern = re.compile(r"(?<![a-z'])(?=(" + "|".join(re.escape(cue) for cue in longest_first) + r")(?![a-z]))")
    columns = {
        cue: tuple(
            i
            for i, shorter in enumerate(CUES)
            if cue.startswith(shorter) and not re.match("[a-z]", cue[len(shorter) :])
        )
        for cue in CUES
    }
    return pattern, columns


_CUE_FINDER, _CUE_COLUMNS = _cue_finder()
_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_SHOUTED = re.compile(r"\b[A-Z]{4,}\b")
# A title that opens by saying what format the item is ("Live: ...", "WATCH | ...", "In pictures - ...")
_FORMAT_OPENING = re.compile(
    r"^\W*(?:live(?: updates?)?|updates?|watch|video|listen|podcast|in pictures|pictures|photos?|gallery|episode"
    r"|quiz|horoscopes?|recipes?|cartoons?|briefing|digest|recap|highlights)\s*[:|\-–—]",
    re.IGNORECASE,
)
# A rolling page says so: "LIVE" in capitals, a "Live:" opening, "live updates", "rolling coverage". The word
# "live" alone is not a mark ("where people live", a show called "Live PD").
# "Watch live" is a stream of one event (an address, a launch): a report of it, not a rolling page.
_LIVE_MARK = re.compile(
    r"(?<!WATCH )(?<!Watch )(?<!watch )\bLIVE\b|^\W*(?i:live)\s*[:|\-–—]"
    r"|(?i:\blive (?:updates?|blog|coverage)\b|\bupdates? live\b|\brolling coverage\b)"
)
# The same said in a title, in the other ways outlets write it: "Live World Updates on ...", "Live Stock Market
# News", "Protests Today Live: ...", "George Floyd Updates: ...". Not after "watch" (one event's stream, above),
# and "live ... news" only opening the title ("Families who live near the plant get news ..." is news). A wire's
# rolling page opens "The Latest:" (none on the labelled days; written from the wire's feeds).
_LIVE_TITLE = re.compile(
    r"(?i:^\W*live\s+(?:\S+\s+){0,3}(?:news|updates?|coverage|blog)\b|(?<!watch )\blive\s*[:|]|\bupdates\s*[:|]"
    r"|^\W*the latest\s*:)"
)
# Titles that declare a stand-alone format in the words outlets everywhere use for it. Like the live mark, a
# definition rather than a weight: each format is one or two outlets' habit on the labelled days, too few to
# teach a model that has not seen the outlet (held out by outlet, the model alone took 45 of the 119 non-news
# items for news or opinion, most of them saying what they are in their title). Small on purpose: a phrase is
# here only if items of the labelled days carry it in their titles, none of them labelled news or opinion, and a
# news title is unlikely to use it otherwise. So "In pictures:" and "Photos:" are left to the weights (a gallery
# of one event is news by the labels), and so are quizzes, puzzles and how-to-watch pages (the labels call
# how-to pages opinion), "recipe" ("a recipe for disaster"), "coming soon to" (a shop coming soon to a town) and
# "what happened in ... on <day>" (an explainer of one day's events).
_DECLARED: tuple[tuple[ArticleKind, re.Pattern[str]], ...] = (
    (
        ArticleKind.ROUNDUP,
        re.compile(
            r"(?i:^\W*(?:the papers|gallery)\s*[:|]|\bexpress\s*:\s*\w+\.? \d{1,2},? \d{4}"
            r"|\bstories you may have missed\b"
            # a blog's post of links, as blogs everywhere title it (held-out feeds; none on the labelled days)
            r"|\blink love\b|\blinks (?:for|of) (?:the week|this week|\d)|\blinks? round-?up\b"
            r"|\b(?:weekend|weekly|friday|saturday|sunday) links\b"
            # a morning newsletter's two headlines in one title: "Jesse Jackson has died. And, U.S. and Iran set for
            # ..." (NPR's, a held-out day: it joined the first story and printed the second in it)
            r"|[.!?]\s+And,\s)"
        ),
    ),
    (ArticleKind.OTHER, re.compile(r"(?i:\bthis day in history\b|\bhoroscopes?\b|\bcrosswords?\b|\brace-by-race\b)")),
    (ArticleKind.PROMO, re.compile(r"(?i:\bfull episode\b|\bjoin us for\b)")),
)
# A newsletter's issue says what it is in its first words: "Welcome back to the Abstract! These are the studies
# this week ...", "Welcome back to This Week in Stratechery!" (held-out feeds; no item of the labelled days, and
# none of the shared feed corpora's other items, opens so). It sets the digest's declared column, as a title
# would: its stories are the digest's several, and its title names only one of them.
_DECLARED_OPENINGS = {ArticleKind.ROUNDUP: re.compile(r"^\W*welcome back to [^.!?\n]{1,60}!", re.IGNORECASE)}
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TEXT_START = 200  # characters of the text whose cue words count
_SHAPE = (
    *("title date", "title boilerplate", "no text", "text words", "title words", "shouted", "question", "year"),
    *("format opening", "live mark"),
    *(f"title: any {group}" for group in _GROUPS),
    *(f"text: any {group}" for group in _GROUPS),
    *(f"label: any {group}" for group in _GROUPS),
    "text opens with a day",
    *(f"declared {kind.value}" for kind, _ in _DECLARED),
)
FEATURES = (*(f"title: {c}" for c in CUES), *(f"text: {c}" for c in CUES), *_SHAPE)
_GROUP_COLUMNS = tuple(tuple(CUES.index(c) for c in group) for group in _GROUPS.values())
_GROUP_CUES = tuple(itemgetter(*columns) for columns in _GROUP_COLUMNS)  # each group's cues, in one C call
_LABEL = re.compile(r"^([^:|]{1,40})[:|]")  # the part of a title before its first colon or bar ("The Papers: ...")
_DAY_OPENING = re.compile(
    r"^\W*(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight)\s*:", re.IGNORECASE
)
_LIVE_COLUMN = FEATURES.index("live mark")  # a page that says it is live is live, whatever the weights say
_DECLARED_COLUMNS = tuple(FEATURES.index(f"declared {kind.value}") for kind, _ in _DECLARED)  # likewise declared


def features(article: Article, boilerplate: Boilerplate) -> list[float]:
    """The classifier's input for one article as stored (its feeds' boilerplate is looked up here)."""
    stripped = boilerplate.strip(article)
    head = stripped.text[:_TEXT_START]
    title, text = article.title.lower(), head.lower()
    title_cues, text_cues = _cues(title), _cues(text)
    label = _LABEL.match(title)
    label_cues = _cues(label.group(1)) if label else [0.0] * len(CUES)
    return [
        *title_cues,
        *text_cues,
        1.0 if _DATE.search(article.title) else 0.0,
        boilerplate.title_share(article),
        0.0 if stripped.text.strip() else 1.0,
        math.log1p(len(stripped.text.split())),
        math.log1p(len(stripped.title.split())),
        1.0 if _SHOUTED.search(article.title) else 0.0,
        1.0 if "?" in article.title else 0.0,
        1.0 if _YEAR.search(article.title) else 0.0,
        1.0 if _FORMAT_OPENING.search(stripped.title) or _FORMAT_OPENING.search(article.title) else 0.0,
        1.0
        if (
            _may_say_live(title, article.title)
            and (_LIVE_MARK.search(article.title) or _LIVE_TITLE.search(article.title))
        )
        or (_may_say_live(text, head) and _LIVE_MARK.search(head))
        else 0.0,
        *_any(title_cues),
        *_any(text_cues),
        *_any(label_cues),
        1.0 if _DAY_OPENING.search(stripped.text) else 0.0,
        *(1.0 if _declares(kind, pattern, article.title, stripped.text) else 0.0 for kind, pattern in _DECLARED),
    ]


def _declares(kind: ArticleKind, pattern: re.Pattern[str], title: str, text: str) -> bool:
    """Whether the title declares the stand-alone format `kind` (`_DECLARED`), or the text's opening does."""
    opening = _DECLARED_OPENINGS.get(kind)
    return bool(pattern.search(title) or (opening and opening.match(text)))


def _may_say_live(lowered: str, raw: str) -> bool:
    """False only where neither `_LIVE_MARK` nor `_LIVE_TITLE` can match `raw` (`lowered` is `raw.lower()`): each
    of their alternatives needs "live", "updates", "rolling coverage" or "the latest" in some case, and a letter
    that a case-blind pattern takes for an ASCII one (`_FOLDS_TO_ASCII`) sends the string to the patterns too. Few items
    say any of these words, and the patterns' searches cost about a third of judging an item's kind (they
    cannot skip ahead to a literal)."""
    return (
        "live" in lowered
        or "updates" in lowered
        or "rolling coverage" in lowered
        or "the latest" in lowered
        or (not raw.isascii() and not _FOLDS_TO_ASCII.isdisjoint(raw))
    )


_FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")  # İ ı ſ K: re's IGNORECASE matches them to i, i, s, k


def _any(found: list[float]) -> list[float]:
    """For each group of `_GROUPS`, 1.0 when any of its cues was found."""
    return [max(group(found)) for group in _GROUP_CUES]


def _cues(lowered: str) -> list[float]:
    """1.0 for each cue of `CUES` the lower-cased text carries as a whole word or phrase, else 0.0."""
    found = [0.0] * len(CUES)
    for match in _CUE_FINDER.finditer(lowered):
        for column in _CUE_COLUMNS[match.group(1)]:
            found[column] = 1.0
    return found


@dataclass(frozen=True)
class KindModel:
    """Multinomial logistic regression weights: one row of `coefficients` per kind in `kinds`."""

    kinds: tuple[ArticleKind, ...]
    coefficients: np.ndarray  # kinds x features
    intercepts: np.ndarray
    standalone_at: float  # total probability of the stand-alone kinds needed to give one of them

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        scores = rows @ self.coefficients.T + self.intercepts
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def kinds_of(self, rows: np.ndarray) -> list[ArticleKind]:
        """The kind of each row: what the item says it is, when it says so (`_declared`); else the likeliest
        stand-alone kind when they weigh `standalone_at` together, else the likelier of news and opinion."""
        if not len(rows):
            return []
        probabilities = self.probabilities(rows)
        standalone = np.array([kind.standalone for kind in self.kinds])
        alone = probabilities[:, standalone].sum(axis=1) >= self.standalone_at
        masked = np.where(alone[:, None] == standalone[None, :], probabilities, -1.0)
        weighed = [self.kinds[int(i)] for i in masked.argmax(axis=1)]
        return [_declared(row, kind) for row, kind in zip(rows, weighed, strict=True)]

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "kinds": [kind.value for kind in self.kinds],
            "coefficients": [[round(float(w), 6) for w in row] for row in self.coefficients],
            "intercepts": [round(float(b), 6) for b in self.intercepts],
            "standalone_at": self.standalone_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KindModel:
        if data.get("features") != list(FEATURES):
            raise ValueError("kinds model: its features are not this version's; refit with bench/fit_kinds.py")
        return cls(
            tuple(ArticleKind(k) for k in data["kinds"]),  # type: ignore[attr-defined]
            np.array(data["coefficients"], dtype=np.float64),
            np.array(data["intercepts"], dtype=np.float64),
            float(data["standalone_at"]),  # type: ignore[arg-type]
        )


def _declared(row: np.ndarray, weighed: ArticleKind) -> ArticleKind:
    """A page that says it is live is `live` (`_LIVE_MARK`, `_LIVE_TITLE`), and a title that declares a stand-alone
    format (`_DECLARED`) makes the item that format when the weights called it news or opinion: definitions, not
    weights, since a dozen live blogs or a few digests in a day are too few to teach a model, least of all one
    that has not seen the outlet."""
    if row[_LIVE_COLUMN] > 0:
        return ArticleKind.LIVE
    if weighed.standalone:
        return weighed
    columns = zip(_DECLARED, _DECLARED_COLUMNS, strict=True)
    return next((kind for (kind, _), column in columns if row[column] > 0), weighed)


@lru_cache(maxsize=1)
def load_model() -> KindModel:
    """The shipped model (`kinds-model.json`)."""
    return KindModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def classify(articles: Sequence[Article], boilerplate: Boilerplate, model: KindModel | None = None) -> list[Article]:
    """The articles with their `kind` set, in order."""
    from dataclasses import replace

    model = model or load_model()
    rows = np.array([features(article, boilerplate) for article in articles], dtype=np.float64)
    # most items keep the kind they were parsed with (news): no copy for them
    return [
        a if a.kind is kind else replace(a, kind=kind) for a, kind in zip(articles, model.kinds_of(rows), strict=True)
    ]
