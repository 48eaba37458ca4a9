"""Headlines and leads: which articles may lead a story or name it, and the headline itself.

A story's headline is a news title from its most representative news article: never a live page, a gallery, a
programme or episode, a tool page, a quiz, a listing, a question or a how-to-watch title, and never one from an
item whose `kind` stands alone. Because the kind classifier can miss, titles are checked here too
(`title_kind`). Show names that recur across many titles of the material ("... | Talk Show", "24 Hours News
Alert: ...") are learnt per edition (`recurring.title_parts`) and removed from headlines.

headlines knows titles and article kinds; it must not know bullets' selection, LLMs or the store.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence

import numpy as np

from briefing.models import Article, ArticleKind, Cluster
from briefing.summarise import language
from briefing.summarise.rules import fingerprint
from briefing.summarise.splitting import double_quotes_closed, split_sentences
from briefing.words import tfidf_rows

_WORD = re.compile(r"(?u)\b\w[\w'.-]*\w\b|\d")  # a word, a hyphenated or dotted word, or a digit
MAX_TITLE_WORDS = 25  # a longer "title" is a feed putting its summary in <title>
MAX_SENTENCE_CHARS = 1_000
AsRead = Callable[[str, Article], str | None]  # a title of an article as the edition's reader reads it, or None

# Title conventions of pages that are not a report of one development. Each names a kind of page, not an outlet.
_TITLE_KINDS: tuple[tuple[ArticleKind, re.Pattern[str]], ...] = (
    (
        ArticleKind.LIVE,
        re.compile(
            r"^live\b|\blive\s*(?:updates?|blog|coverage|news|:)|\blive\b.{0,25}\bupdates\b"
            r"|\bupdates?\s*(?:live\b|:)|\bupdates from\b|\bas it happened\b|\brolling coverage\b|\blatest updates\b"
            r"|^(?:watch\s+)?live\s*:|^the latest\s*:"  # "The Latest: ...", a wire's rolling page
            r"|\bhighlights\s*:",  # "Oath-Taking Ceremony Highlights: ...", a rolling page of one event
            re.IGNORECASE,
        ),
    ),
    (
        ArticleKind.ROUNDUP,
        re.compile(
            r"\b(?:photos|pictures|images) of the (?:week|day|year)\b|\bweek in (?:pictures|photos)\b|\bin pictures\b"
            r"|^gallery\b|\bgallery:|\bcartoons?\b|^the papers\b|\bgossip\b"
            r"|\b(?:morning|evening|daily) (?:briefing|update)\b"
            r"|\btop stories\b|\byou may have missed\b|\bnews (?:in brief|round-?up)\b"
            r"|\bwhat happened (?:in|on|at|this|today|overnight)\b"
            r"|\bthings (?:you need )?to know\b|\bexpress\s*:|\bweek in review\b|^newsletter\s*:",
            re.IGNORECASE,
        ),
    ),
    (
        ArticleKind.PROMO,
        re.compile(
            r"\bfull episode\b|\bepisode\b|\blive ?stream\b(?!\s+of\b)|\breplay\b|\bpodcast\b|^tv for\b"
            r"|\btv (?:guide|listings)\b"
            r"|\bwhat to (?:watch|see|stream)\b|\bto stream\b|\bhow to watch\b|\bwhere to watch\b|\bwhat time is\b"
            r"|\bwatch live\b|\bcoming soon\b"
            r"|^sponsored\b|\b(?:sponsored|paid|partner) (?:content|post)\b|\bdeals? of the (?:day|week)\b"
            # a dated edition of a programme: "(30 May 2020)", "| 6/1/2020"
            r"|\(\s*\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s*\)|\b\d{1,2}/\d{1,2}/\d{4}\b|^\d{1,2}/\d{1,2}\s*:",  # "12/18: Show"
            re.IGNORECASE,
        ),
    ),
    (
        ArticleKind.OTHER,
        re.compile(
            r"\bhoroscopes?\b|\brecipes?\b|\bthis day in history\b|\bfrom the archives\b|\bquiz\b|\bcan you (?:spot"
            r"|guess|name|solve)\b|\bcrossword\b|\bin (?:my|your) area\b|\bnear (?:me|you)\b|\btracker\b"
            r"|\binteractive\b|\bcalculator\b|\b(?:gift|buying) guide\b|\bbest .{1,40} to buy\b"
            r"|\b(?:promo|coupon) codes?\b|\bsudoku\s+(?:no\.?\s*)?\d|\bwordle\b.{0,40}\b(?:answers?|hints?|clues?)\b",
            re.IGNORECASE,
        ),
    ),
)


def title_kind(title: str) -> ArticleKind | None:
    """The standalone kind a title announces (a live page, gallery, programme, tool page, ...), or None."""
    text = " ".join(html.unescape(title).split())
    return next((kind for kind, pattern in _TITLE_KINDS if pattern.search(text)), None)


def effective_kind(title: str, kind: ArticleKind) -> ArticleKind:
    """The article's kind, or the standalone kind its title announces when the classifier saw news."""
    if kind.standalone:
        return kind
    return title_kind(title) or kind


def may_supply_bullets(article: Article) -> bool:
    """Only news and opinion items supply bullets: a live page or a gallery covers many things, a programme
    notice or a listing states none."""
    return not effective_kind(article.title, article.kind).standalone


_QUESTION_THEN_HOW = re.compile(r"\?\s*(?:how|what|where|when|why|who)\b", re.I)
# "? I Inside Story", "? | Talk Show", "? - The Debate": up to four capitalised words (a show or outlet name) and
# nothing else after the question mark; a statement after it ("Not so fast") has lowercase words.
_QUESTION_THEN_NAME = re.compile(r"\?\s*(?:[|–—-]\s*)?(?:[A-Z0-9][\w'’.&]*\s*){1,4}$")


def question_title(title: str) -> bool:
    """A title that asks rather than tells ("What Time Is the SpaceX Launch?"), also when a how-to-watch line or
    a show name follows the question ("How can schools be safe? I Inside Story"): no headline."""
    text = title.rstrip()
    return "?" in text[-3:] or bool(_QUESTION_THEN_HOW.search(text) or _QUESTION_THEN_NAME.search(text))


# -------------------------------------------------------------------------------------------------- cleaning

_SUFFIX = re.compile(r"\s+[-|–—]\s+(?P<suffix>[^-|–—]{1,60})$")  # not ":", which heads a quote ("Trump: I Will Win")
_PREFIX = re.compile(
    r"^(?:watch|video|live|listen|breaking(?: news)?|exclusive|opinion|analysis|update[d]?)\s*[:|]\s*", re.I
)
# A wire's codes before the title: "UPDATE 2-Oil prices rise", "RPT-...", "EXCLUSIVE-..." (capitals, a hyphen, no
# space).
_WIRE_CODE = re.compile(
    r"^(?:UPDATE\s?\d*|RPT|REFILE|CORRECTED|EXCLUSIVE|BREAKINGVIEWS|WRAPUP\s?\d*|INSIGHT|ANALYSIS|FACTBOX|EXPLAINER"
    r"|PREVIEW|TIMELINE)-(?=\S)"
)
# "How the Dam Failed [Video]", "(PHOTOS) Floods hit the valley": a bracketed label naming the page's format.
_LABEL = r"[\[(](?:videos?|watch|photos?|pictures|gallery|audio|listen|podcast|graphic|interactive|updated?)[\])]"
# ... or after a dash at the end: "Storm hits the coast - video", "... – audio".
_FORMAT_LABEL = re.compile(rf"^\s*{_LABEL}\s*|\s*{_LABEL}\s*$|\s+[-–—]\s+(?:video|audio)\s*$", re.IGNORECASE)
_BRAND = re.compile(
    r"\b(?:news|times|post|herald|journal|tribune|guardian|telegraph|mail|press|radio|tv|online|daily|weekly|wire"
    r"|gazette|observer|independent|bbc|cnn|abc|nbc|cbs|fox|reuters|ap|afp|npr|pbs)\b|\.(?:com|org|net|co\.uk)\b",
    re.IGNORECASE,
)
_PARTS = re.compile(r"\s+[|–—-]\s+|\s*:\s+|\s*\|\s*")


def title_parts(title: str) -> list[str]:
    """A title's segments around " | ", " - " and ": " (where show names and outlets are attached)."""
    return [part.strip() for part in _PARTS.split(" ".join(html.unescape(title).split())) if part.strip()]


def clean_title(title: str, outlet: str, shows: Collection[str] = ()) -> str:
    """A title without markup, " - Outlet" / " | Outlet" suffixes, "WATCH:"-style labels, a bracketed format
    label ("[Video]") and recurring show names (`shows`, lowercased title parts learnt from the material)."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", title)).split())
    match = _SUFFIX.search(text)
    if match and _is_outlet(match.group("suffix"), outlet, text[: match.start()]):
        text = text[: match.start()]
    if shows:
        text = _without_shows(text, shows)
    text = _PREFIX.sub("", _WIRE_CODE.sub("", _FORMAT_LABEL.sub("", text))).strip()
    without_teaser = _TEASER_TAIL.sub("", text)
    return without_teaser.removesuffix(".") if without_teaser != text else text


# "Wildfires have burned 1,200 square miles. Here are the key fires": a promise of content after the news title.
_TEASER_TAIL = re.compile(
    r"(?<=[.!?])\s+(?:here(?:['’]s| is| are)|what (?:we know|to know|you need to know))\b[^.!?]*[.!?]?\s*$",
    re.IGNORECASE,
)


def _without_shows(text: str, shows: Collection[str]) -> str:
    parts = title_parts(text)
    kept = [p for p in parts if p.lower() not in shows]
    if not kept or len(kept) == len(parts):
        return text
    for part in parts:
        if part.lower() in shows:
            text = re.sub(rf"^\s*{re.escape(part)}\s*[|:–—-]\s*|\s*[|:–—-]\s*{re.escape(part)}\s*$", "", text)
    return text.strip()


def _is_outlet(suffix: str, outlet: str, head: str) -> bool:
    """Whether " - suffix" names the publisher: it is the outlet, or a short capitalised name that either looks
    like a publication or follows a sentence-case title (in a Title Case title it may be part of the headline)."""
    words = suffix.split()
    simple = suffix.lower().replace(".com", "").strip()
    named = bool(outlet) and (simple in outlet.lower() or outlet.lower() in simple)
    capitalised = len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words)
    sentence_case = any(w[:1].islower() for w in head.split()[1:])
    return named or (capitalised and (sentence_case or bool(_BRAND.search(suffix))))


# ------------------------------------------------------------------------------------------------ headlines


def vectors(texts: Sequence[str]) -> np.ndarray:
    """Rows are l2-normalised TF-IDF vectors of `texts`, so a dot product is a cosine similarity."""
    return tfidf_rows(texts, _WORD)


def headline_articles(articles: Sequence[Article]) -> list[Article]:
    """The articles a headline may come from: news first (opinion when a story has no news), never a standalone
    kind, a non-news title or a question; those in English first (`language`)."""
    usable = [a for a in articles if may_supply_bullets(a) and not question_title(a.title)]
    news = [a for a in usable if a.kind is ArticleKind.NEWS]
    return language.english_first(news or usable)


def headline(cluster: Cluster, shows: Collection[str] = (), fallback: str | None = None) -> str:
    """The most representative news title (closest to all the others and the texts), cleaned; `fallback` (the
    lead bullet) when no title may name the story."""
    title = news_title(cluster, shows)
    if title is not None:
        return title
    return from_text(fallback) if fallback else first_title(cluster)


def news_title(cluster: Cluster, shows: Collection[str] = (), as_read: AsRead | None = None) -> str | None:
    """The most representative news title, cleaned; None when no title may name the story (only questions,
    live pages, programmes, over-long titles). `as_read` gives a title as the edition's reader should read it
    (its relative times anchored to its writer's day: "Trains return from today" in tomorrow's paper of a zone
    ahead is "Trains return from Tuesday 2 June"), or None when that cannot be done and the title may not
    name the story."""
    articles = headline_articles(cluster.articles[:40])
    titles: list[str | None] = [
        unshouted(uncut_title(clean_title(a.title[:MAX_SENTENCE_CHARS], a.outlet, shows), a.text), a.text)
        for a in articles
    ]
    if as_read is not None:
        titles = [as_read(t, a) if t else t for t, a in zip(titles, articles, strict=True)]
    usable = [t for t in titles if t and len(t.split()) <= MAX_TITLE_WORDS and not question_title(t)]
    if not usable:
        return None
    if len(usable) <= 2:
        return usable[0]
    texts = [" ".join(a.text.split()[:80]) for a in cluster.articles[:40]]
    rows = vectors(usable + texts)
    centroid = rows.sum(axis=0)
    return usable[int(np.argmax(rows[: len(usable)] @ centroid))]


# A title the feed cut: an ellipsis at its end ("Palace warns ECQ may be reimposed if…").
_CUT_TITLE = re.compile(r"\s*(?:…|\.\.\.)$")
# Words no headline ends on: a title cut after one of them stops mid-phrase.
_OPEN_END = frozenset(
    {
        *("a", "an", "the", "and", "or", "but", "nor", "of", "if", "to", "for", "with", "as", "in", "on", "at"),
        *("by", "from", "that", "who", "which", "when", "after", "before", "than", "its", "their", "his", "her"),
    }
)


def unshouted(title: str, text: str) -> str:
    """A title in capitals ("JOHN HIGHGUARD HAS COME UNSTUCK IN TIME.") as its own article writes it in an
    opening sentence of the same words; else as it is, since which of its words are names is not known."""
    if not title.isupper() or len(title.split()) < 3:
        return title
    wanted = fingerprint(title)
    written = (s for s in split_sentences(text[: MAX_SENTENCE_CHARS * 3])[:3] if fingerprint(s) == wanted)
    return next((" ".join(s.split()).rstrip(" .") for s in written), title)


def uncut_title(title: str, text: str) -> str:
    """A title the feed cut ("Spider-Noir is an upcoming series starring...", "Palace warns ECQ may be
    reimposed if…"), made whole where its own article says how it goes on: the text's opening sentence that
    begins with the same words, without its full stop. Else the cut title without the words no headline ends
    on ("Palace warns ECQ may be reimposed"), or as it is when it stops on a word a title may end on (a teaser's
    "... set out to tame a young robin..."). Other titles are returned as they are."""
    cut = _CUT_TITLE.search(title)
    if cut is None:
        return title
    head = title[: cut.start()]
    if len(head.split()) < 3:
        return title
    if head.endswith("."):  # "AI Is Getting Scary Good at Making Predictions ....": a whole title, then a dot trail
        return head.rstrip(" .")
    opening = text[: MAX_SENTENCE_CHARS * 3]
    sentences = split_sentences(opening)[:3]
    first, spaced_head = (_spaced(sentences[0]) if sentences else ""), _spaced(head)
    if len(first) < len(spaced_head) and _spaced(opening).casefold().startswith(spaced_head.casefold()):
        # "The Mountain That Weighed the Earth . How scientists in...": the title ran on into the text's next
        # sentence, as its article opens; the title is the article's first sentence
        return first.rstrip(" .") if len(first.split()) >= 3 and double_quotes_closed(first) else title
    wanted = " ".join(head.split()).casefold()
    for sentence in sentences:
        whole = " ".join(sentence.split())
        if whole.casefold().startswith(wanted) and len(whole) > len(wanted) + 2:
            return whole.rstrip(" .")
    words = head.split()
    while words and words[-1].lower() in _OPEN_END:
        words.pop()
    return " ".join(words) if len(words) < len(head.split()) and len(words) >= 3 else title


def _spaced(text: str) -> str:
    """Single spaces, none before a stop or comma ("the Earth . How" -> "the Earth. How")."""
    return re.sub(r"\s+(?=[.,;:!?])", "", " ".join(text.split()))


def says_headline(headline: str, sentence: str) -> bool:
    """The sentence says the headline again: a title that is its article's first sentence ("Protesters clash with
    police in Santa Ana"), long or cut with an ellipsis. Printed under it, the reader reads one line twice."""
    head, said = fingerprint(headline.removesuffix("…")), fingerprint(sentence)
    return said == head or (headline.endswith("…") and said.startswith(head))


def from_text(sentence: str) -> str:
    """A bullet as a headline: without its full stop, cut to MAX_TITLE_WORDS (an ellipsis marks the cut)."""
    words = sentence.rstrip(" .").split()
    return " ".join(words[:MAX_TITLE_WORDS]) + (" …" if len(words) > MAX_TITLE_WORDS else "")


def first_title(cluster: Cluster) -> str:
    """The first non-empty title, cleaned and cut: for a story with neither a usable title nor a bullet."""
    titles = [clean_title(a.title[:MAX_SENTENCE_CHARS], a.outlet) for a in cluster.articles]
    first = next((t.split() for t in titles if t), ["Untitled", "story"])
    return " ".join(first[:MAX_TITLE_WORDS]) + (" …" if len(first) > MAX_TITLE_WORDS else "")
