"""The offline summariser: the cluster's most central, non-redundant sentences, each citing its article.

extractive knows sentences, TF-IDF vectors and titles; it must not know about LLMs, caching or grounding
(the policy in `briefing.summarise` checks whatever this module proposes). It never writes a word that is not
in a source: a bullet is a source sentence, possibly cut at a clause boundary, and its evidence is the whole
original sentence.

Scoring: a sentence's centrality is its mean cosine similarity to the cluster's other sentences plus its
similarity to the article titles (what editors judged the story to be), with a small bonus for leads (news is
written lead-first). Selection is MMR-style (maximal marginal relevance): each next sentence trades centrality
against similarity to the sentences already chosen, and near-copies (wire rewrites) are skipped outright.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from briefing.models import Article, Bullet, Cluster

MAX_WORDS = 40  # a bullet is read at a glance; longer sentences are cut at a clause boundary
HARD_MAX_WORDS = 55  # a sentence that cannot be cut below this is not proposed at all
MIN_WORDS = 6  # shorter "sentences" are captions, bylines and fragments
MAX_SENTENCE_CHARS = 1_000  # untrusted input: a "sentence" longer than this is markup or a list
MAX_TEXT_CHARS = 20_000  # per article: the lead carries the story; huge payloads are cut
MAX_SENTENCES = 25  # per article, from the top: news is written lead-first
MAX_TITLE_WORDS = 25  # a longer "title" is a feed putting its summary in <title>
MAX_CITATIONS = 3  # a bullet printed by every wire client cites a few outlets, not all of them
MAX_ARTICLES = 40  # per story: enough outlets to find the centre; bounds the similarity matrix (untrusted input)
REDUNDANT = 0.45  # cosine similarity above which a sentence repeats one already chosen
NEAR_COPY = 0.9  # ... and above which it is the same sentence reworded by a copy desk
MMR_LAMBDA = 0.6  # weight of centrality against redundancy
MIN_BULLETS = 2  # a story has at least two bullets when its sources allow
LEAD_BONUS = 0.05  # first sentences of an article summarise it
LONG_PENALTY = 0.6  # score factor for a sentence longer than MAX_WORDS after trimming
PRONOUN_PENALTY = 0.85  # ... and for one opening with a pronoun, whose referent the reader may not have

# ------------------------------------------------------------------------------------------------ sentences

_ABBREVIATION_WORDS = """
    mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm st jr sr inc corp co ltd vs etc no nos fig
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave blvd dept est approx rev hon pres supt
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_DATELINE = re.compile(  # "LONDON (Reuters) - ", "WASHINGTON, D.C. — ", "(CNN) — ", followed by a sentence
    r"^(?:[A-Z][A-Z.'\- ]{2,40}(?:,\s*[A-Z][A-Za-z.\- ]{1,30})?\s*(?:\([A-Za-z .]{1,30}\))?|\([A-Za-z .]{1,30}\))"
    r"\s*[-—–]+\s*(?=[A-Z\"“])"
)
_LABEL = re.compile(  # newsletter-style labels ("Why it matters: ...") are layout, not content
    r"^(?:why it matters|the big picture|driving the news|the bottom line|bottom line|what's next|what’s next"
    r"|between the lines|the backstory|catch up quick|by the numbers|context|details|flashback)\s*:\s*",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"click here|subscribe|sign up|newsletter|read more|all rights reserved|copyright|©|cookie|advertisement"
    r"|follow (?:us|him|her)|share this|download (?:the|our) app|watch the video|javascript|your browser"
    r"|related:|photo:|image:|getty images|\bap photo\b|reporting by|editing by|contributed to this report"
    r"|^(?:updated|published|posted)\b|https?://|www\.",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """A usable source sentence: `text` is the bullet wording, `original` the sentence as the source has it."""

    text: str
    original: str
    article: Article
    position: int  # index among the article's sentences


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; paragraph breaks always end one, abbreviations and initials never do."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        pieces = _BOUNDARY.split(paragraph.strip())
        sentences.extend(_merge_abbreviations([p.strip() for p in pieces if p.strip()]))
    return sentences


def _merge_abbreviations(pieces: list[str]) -> list[str]:
    merged: list[str] = []
    for piece in pieces:
        if merged and _ends_with_abbreviation(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _ends_with_abbreviation(text: str) -> bool:
    last = text.rstrip("\"'”’)]").split()[-1] if text.split() else ""
    if not last.endswith("."):
        return False
    word = last[:-1].lstrip("\"'“‘([")
    # "J." and "U.S." are initials; "Mr." and "Sept." are known abbreviations.
    return len(word) == 1 or bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word)) or word.lower() in _ABBREVIATIONS


def _usable(sentence: str) -> bool:
    return (
        _usable_leniently(sentence)
        and _terminated(sentence)
        and _quotes_balanced(sentence)  # else the split fell inside a quotation: half a quote misleads
        and not _FIRST_PERSON.search(_QUOTED.sub("", sentence))  # the writer's own voice is opinion, not news
    )


def _usable_leniently(sentence: str) -> bool:
    words = sentence.split()
    bare = sentence.rstrip("\"'”’) ")
    return (
        len(words) >= MIN_WORDS
        and len(sentence) <= MAX_SENTENCE_CHARS
        and not bare.endswith("?")  # a teaser question states nothing
        and not _BOILERPLATE.search(sentence)
        and not bare.endswith(("...", "…"))  # a lead cut off by the feed
        and (_terminated(sentence) or _complete_without_stop(words))
    )


def _terminated(sentence: str) -> bool:
    return sentence.rstrip("\"'”’) ")[-1:] in {".", "!"}


_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_FIRST_PERSON = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Ww]e|[Oo]ur|us|[Ll]et's|[Ll]et’s)\b")


def _quotes_balanced(sentence: str) -> bool:
    return sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")


def _complete_without_stop(words: list[str]) -> bool:
    """Feed summaries often drop the final full stop; a feed that cuts mid-word ("police cars s") does not count."""
    return len(words) >= MIN_WORDS + 2 and len(words[-1].strip("\"'”’)")) >= 3 and words[-1][-1:] not in ",;:-—"


def _as_bullet(sentence: str) -> str:
    return sentence if _terminated(sentence) else sentence + "."


def article_sentences(article: Article, *, lenient: bool = False) -> list[Sentence]:
    """The usable sentences of one article, datelines removed and cut to bullet length.

    `lenient` also admits first-person sentences and half quotations: a story told only in columns still gets
    its best effort rather than no bullets at all.
    """
    found: list[Sentence] = []
    text = html.unescape(article.text[:MAX_TEXT_CHARS])
    for position, original in enumerate(split_sentences(text)[:MAX_SENTENCES]):
        if not _usable(original) and not (lenient and _usable_leniently(original)):
            continue
        undated = _LABEL.sub("", _DATELINE.sub("", original, count=1), count=1)
        trimmed = trim_sentence(undated)
        if trimmed is not None and not _terminated(original) and trimmed != " ".join(undated.split()):
            continue  # an unterminated sentence may be cut off by the feed: never cut it further
        if trimmed is not None and len(trimmed.split()) >= MIN_WORDS:
            found.append(Sentence(_as_bullet(trimmed), original, article, position))
    return found


# ------------------------------------------------------------------------------------------------- trimming

_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without)\b|n't\b", re.I)
# Cuts that leave the main clause standing: what follows these adds to the sentence, it does not qualify it.
_TRAILING_CLAUSE = re.compile(
    r"(?:;\s+|\s+[—–]\s+|\s+--\s+|,\s+(?=(?:which|who|whom|whose|where|while|as|after|before|but|saying|adding"
    r"|although|though|amid|despite|including|according)\b)|,\s+and\s+(?=(?:the|it|he|she|they|we|his|her"
    r"|their|its|this|that|officials|police)\b)"
    # a trailing participle phrase: "..., blaming the weather", "..., prompting protests"
    r"|,\s+(?=(?!(?:nothing|something|anything|everything|morning|evening|king|thing|spring|bring)\b)[a-z]+ing\b)"
    r"|\s+as\s+(?=(?:he|she|they|it|we|the|a|an|his|her|their|officials|police)\b))"
)
_PRONOUN_START = re.compile(r"[\"“‘']?(?:It|He|She|They|This|That|These|Those|His|Her|Their|Its)\b")
_PARENTHETICAL = re.compile(r"\s*\([^()]{1,120}\)")
_PAIRED_DASHES = re.compile(r"\s+[—–]\s+[^—–]{1,150}?\s+[—–](?=\s)")  # "The Senate — in a vote — passed"


def trim_sentence(sentence: str, max_words: int = MAX_WORDS) -> str | None:
    """The sentence cut to at most `max_words` at a clause boundary, or None when no safe cut exists.

    A cut keeps the sentence's opening (its main clause) and removes only a trailing clause or a parenthesis,
    so what remains is still stated by the source. A cut never splits a number or a quotation, and never
    removes a negation (removing "not" from what is left would flip it; removing it with its clause is
    allowed only when the clause does not carry one, to stay on the safe side).
    """
    sentence = " ".join(sentence.split())
    if len(sentence.split()) <= max_words:
        return sentence
    shorter = _PARENTHETICAL.sub(lambda m: "" if _safe_to_remove(m.group(0)) else m.group(0), sentence)
    if len(shorter.split()) <= max_words:
        return shorter
    shorter = _PAIRED_DASHES.sub(lambda m: "" if _safe_to_remove(m.group(0)) else m.group(0), shorter)
    if len(shorter.split()) <= max_words:
        return shorter
    for match in reversed(list(_TRAILING_CLAUSE.finditer(shorter))):
        head, tail = shorter[: match.start()], shorter[match.start() :]
        if len(head.split()) <= max_words and _safe_cut(head, tail):
            return head.rstrip(" ,;:") + "."
    return shorter if len(shorter.split()) <= HARD_MAX_WORDS else None


def _safe_to_remove(removed: str) -> bool:
    return not _NEGATION.search(removed)


def _safe_cut(head: str, tail: str) -> bool:
    quotes = len(re.findall(r"[\"“”]", head))
    if len(re.findall(r"\s(?:[—–]|--)\s", head)) % 2 or head.count("(") != head.count(")"):
        return False  # the cut would end inside a dash aside or a parenthesis
    # Without a comma the tail may restrict a negated head ("did not resign as the party asked"): keep it.
    restrictive = not tail.startswith((",", ";", " —", " –", " --")) and bool(_NEGATION.search(head))
    if not tail.startswith((";", " —", " –", " --")) and "," in tail[1:]:
        return False  # the clause may close with that comma and the sentence's own verb follow it
    return len(head.split()) >= MIN_WORDS + 2 and quotes % 2 == 0 and _safe_to_remove(tail) and not restrictive


# -------------------------------------------------------------------------------------------------- scoring


def _vectors(texts: Sequence[str]) -> np.ndarray:
    """Rows are l2-normalised TF-IDF vectors, so a dot product is a cosine similarity."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b\w[\w'.-]*\w\b|\d")
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every word is a stop word
        return np.zeros((len(texts), 1))
    return np.asarray(matrix.toarray())


def _centrality(sentences: Sequence[Sentence], titles: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's centrality score, and the sentence-to-sentence similarity matrix."""
    vectors = _vectors([s.text for s in sentences] + list(titles))
    own, title_vectors = vectors[: len(sentences)], vectors[len(sentences) :]
    similarity = own @ own.T
    n = len(sentences)
    mean_similarity = (similarity.sum(axis=1) - 1.0) / max(n - 1, 1) if n > 1 else np.ones(1)
    title_similarity = (own @ title_vectors.T).mean(axis=1) if len(titles) else np.zeros(n)
    lead = np.array([LEAD_BONUS if s.position == 0 else 0.0 for s in sentences])
    # A sentence that could not be cut to bullet length must be clearly more central to be chosen.
    fits = np.array([1.0 if len(s.text.split()) <= MAX_WORDS else LONG_PENALTY for s in sentences])
    standalone = np.array([PRONOUN_PENALTY if _PRONOUN_START.match(s.text) else 1.0 for s in sentences])
    return (mean_similarity + 0.5 * title_similarity + lead) * fits * standalone, similarity


def _select(scores: np.ndarray, similarity: np.ndarray, limit: int) -> list[int]:
    """MMR: repeatedly take the sentence with the best centrality after a penalty for repeating the chosen."""
    chosen: list[int] = []
    remaining = [int(i) for i in np.argsort(-scores, kind="stable")]
    while remaining and len(chosen) < limit:
        best, best_value = -1, -np.inf
        for index in remaining:
            overlap = max((similarity[index, c] for c in chosen), default=0.0)
            if overlap >= REDUNDANT:
                continue
            value = MMR_LAMBDA * scores[index] - (1 - MMR_LAMBDA) * overlap
            if value > best_value:
                best, best_value = index, value
        if best < 0:
            break
        chosen.append(best)
        remaining.remove(best)
    return chosen + _second(chosen, remaining, similarity, limit)


def _second(chosen: list[int], remaining: list[int], similarity: np.ndarray, limit: int) -> list[int]:
    """A story has two bullets whenever it has two usable sentences that are not near-copies of each other,
    even when the second repeats part of the first (remaining is in score order)."""
    if len(chosen) != 1 or limit < 2:
        return []
    return [i for i in remaining if similarity[i, chosen[0]] < NEAR_COPY][:1]


# -------------------------------------------------------------------------------------------------- bullets


def _unique(sentences: list[Sentence]) -> list[Sentence]:
    """Wire copies carry the same sentence: keep the first (earliest article) of each."""
    seen: set[str] = set()
    unique: list[Sentence] = []
    for sentence in sentences:
        key = re.sub(r"\W+", " ", sentence.text.lower()).strip()
        if key not in seen:
            seen.add(key)
            unique.append(sentence)
    return unique


def _sources(sentence: Sentence, cluster: Cluster) -> tuple[str, ...]:
    """The article the sentence comes from, plus other outlets that print it verbatim (up to MAX_CITATIONS)."""
    outlets = {sentence.article.outlet}
    cited = [sentence.article.id]
    for article in cluster.articles[:MAX_ARTICLES]:
        if len(cited) == MAX_CITATIONS:
            break
        if article.outlet not in outlets and sentence.original in article.text:
            outlets.add(article.outlet)
            cited.append(article.id)
    return tuple(cited)


def candidate_bullets(cluster: Cluster, limit: int) -> list[Bullet]:
    """Up to `limit` bullets, best first: more than a summary needs, so that the policy can skip failures."""
    articles = cluster.articles[:MAX_ARTICLES]
    sentences = _unique([s for article in articles for s in article_sentences(article)])
    if len(sentences) < MIN_BULLETS:
        lenient = [s for article in articles for s in article_sentences(article, lenient=True)]
        sentences = _unique(sentences + lenient)
    if not sentences:
        return []
    scores, similarity = _centrality(sentences, [_clean_title(a.title, a.outlet) for a in articles])
    return [
        Bullet(text=sentences[i].text, sources=_sources(sentences[i], cluster), evidence=(sentences[i].original,))
        for i in _select(scores, similarity, limit)
    ]


# ------------------------------------------------------------------------------------------------ headlines

_SUFFIX = re.compile(r"\s+[-|–—]\s+(?P<suffix>[^-|–—]{1,60})$")  # not ":", which heads a quote ("Trump: I Will Win")
_PREFIX = re.compile(r"^(?:watch|video|live|listen|breaking|exclusive|opinion|analysis|update[d]?)\s*:\s*", re.I)


def _clean_title(title: str, outlet: str) -> str:
    """A title without markup, " - Outlet" / " | Outlet" suffixes and "WATCH:"-style labels."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", title)).split())
    match = _SUFFIX.search(text)
    if match and _is_outlet(match.group("suffix"), outlet, text[: match.start()]):
        text = text[: match.start()]
    return _PREFIX.sub("", text).strip()


_BRAND = re.compile(
    r"\b(?:news|times|post|herald|journal|tribune|guardian|telegraph|mail|press|radio|tv|online|daily|weekly|wire"
    r"|gazette|observer|independent|bbc|cnn|abc|nbc|cbs|fox|reuters|ap|afp|npr|pbs)\b|\.(?:com|org|net|co\.uk)\b",
    re.IGNORECASE,
)


def _is_outlet(suffix: str, outlet: str, head: str) -> bool:
    """Whether " - suffix" names the publisher: it is the outlet, or a short capitalised name that either looks
    like a publication or follows a sentence-case title (in a Title Case title it may be part of the headline)."""
    words = suffix.split()
    simple = suffix.lower().replace(".com", "").strip()
    named = bool(outlet) and (simple in outlet.lower() or outlet.lower() in simple)
    capitalised = len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words)
    sentence_case = any(w[:1].islower() for w in head.split()[1:])
    return named or (capitalised and (sentence_case or bool(_BRAND.search(suffix))))


def headline(cluster: Cluster) -> str:
    """The most representative article title (closest to all the others and the text), cleaned."""
    articles = cluster.articles[:MAX_ARTICLES]
    titles = [_clean_title(a.title[:MAX_SENTENCE_CHARS], a.outlet) for a in articles]
    usable = [t for t in titles if t and len(t.split()) <= MAX_TITLE_WORDS]
    if not usable:  # only overlong titles (a feed's summary in <title>) or none: the first, cut short
        first = next((t.split() for t in titles if t), ["Untitled", "story"])
        return " ".join(first[:MAX_TITLE_WORDS]) + (" …" if len(first) > MAX_TITLE_WORDS else "")
    if len(usable) <= 2:
        return usable[0]
    texts = [" ".join(a.text.split()[:80]) for a in articles]
    vectors = _vectors(usable + texts)
    title_vectors = vectors[: len(usable)]
    centroid = vectors.sum(axis=0)
    return usable[int(np.argmax(title_vectors @ centroid))]


def extractive_bullets(cluster: Cluster, max_bullets: int) -> list[Bullet]:
    """The summary's bullets before any check: 2..max_bullets when the sources have that many usable sentences."""
    return candidate_bullets(cluster, max_bullets)
