"""The offline summariser: the cluster's most central sentences that state distinct facts, each citing its article.

extractive knows sentence vectors and selection; it must not know about LLMs, caching or grounding (the policy
in `briefing.review` checks whatever this module proposes). What may be a bullet at all is decided by
`briefing.summarise.sentences` (and the rules it applies); which article may name the story by `headlines`. It
never writes a word that is not in a source: a bullet is a source sentence, possibly cut at a clause boundary,
possibly joined to the lead it leans on, its relative times anchored to the article's date; its evidence is
the original sentence.

Scoring: a sentence's centrality is its mean cosine similarity to the cluster's other sentences plus its
similarity to the article titles (what editors judged the story to be), with a small bonus for leads (news is
written lead-first). Selection is MMR-style (maximal marginal relevance): each next sentence trades centrality
against similarity to the sentences already chosen, and a sentence stating a fact already chosen (or one an
earlier edition published: `StoryContext.said`) is skipped outright (`repeats.same_fact`). A story gets as
many bullets as its sources hold distinct facts, up to the limit: one when they hold one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from briefing.models import Bullet, Cluster
from briefing.summarise import headlines, language, leaning, repeats
from briefing.summarise.headlines import MAX_TITLE_WORDS as MAX_TITLE_WORDS
from briefing.summarise.headlines import clean_title
from briefing.summarise.rules import Rejection
from briefing.summarise.sentences import MAX_SENTENCES as MAX_SENTENCES
from briefing.summarise.sentences import MAX_TEXT_CHARS as MAX_TEXT_CHARS
from briefing.summarise.sentences import MAX_WORDS as MAX_WORDS
from briefing.summarise.sentences import Sentence, StoryContext, usable_sentences
from briefing.summarise.sentences import trim_sentence as trim_sentence
from briefing.summarise.splitting import split_sentences as split_sentences

VERSION = "39"  # bump when selection changes: part of the summary cache key (`briefing.review.cache_key`)
MAX_CITATIONS = 3  # a bullet printed by every wire client cites a few outlets, not all of them
MAX_ARTICLES = 40  # per story: enough outlets to find the centre; bounds the similarity matrix (untrusted input)
REDUNDANT = 0.45  # cosine similarity above which a sentence repeats one already chosen
MMR_LAMBDA = 0.6  # weight of centrality against redundancy
LEAD_BONUS = 0.05  # first sentences of an article summarise it
LONG_PENALTY = 0.6  # score factor for a sentence longer than MAX_WORDS after trimming


@dataclass
class Candidates:
    """Bullets best first, and how many source sentences were skipped for each reason."""

    bullets: list[Bullet] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)


# -------------------------------------------------------------------------------------------------- scoring


def _centrality(sentences: Sequence[Sentence], titles: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's centrality score, and the sentence-to-sentence similarity matrix."""
    vectors = headlines.vectors([s.text for s in sentences] + list(titles))
    own, title_vectors = vectors[: len(sentences)], vectors[len(sentences) :]
    claims = headlines.vectors([repeats.claim(s.text) for s in sentences])  # who said it is not what was said
    similarity = claims @ claims.T
    n = len(sentences)
    mean_similarity = (similarity.sum(axis=1) - 1.0) / max(n - 1, 1) if n > 1 else np.ones(1)
    title_similarity = (own @ title_vectors.T).mean(axis=1) if len(titles) else np.zeros(n)
    lead = np.array([LEAD_BONUS if s.position == 0 else 0.0 for s in sentences])
    # A sentence that could not be cut to bullet length must be clearly more central to be chosen.
    fits = np.array([1.0 if len(s.text.split()) <= MAX_WORDS else LONG_PENALTY for s in sentences])
    return (mean_similarity + 0.5 * title_similarity + lead) * fits, similarity


def _select(
    sentences: Sequence[Sentence], scores: np.ndarray, similarity: np.ndarray, limit: int, said: Sequence[str]
) -> tuple[list[int], int]:
    """MMR: repeatedly take the sentence with the best centrality after a penalty for repeating the chosen;
    sentences that state a chosen (or already published) fact are skipped. Returns the chosen and how many
    sentences were skipped as repeats."""
    facts = [repeats.facts(s.text) for s in sentences]
    published = [repeats.facts(text) for text in said]
    chosen: list[int] = []
    skipped: set[int] = set()
    remaining = [int(i) for i in np.argsort(-scores, kind="stable")]
    while remaining and len(chosen) < limit:
        best, best_value = -1, -np.inf
        for index in remaining:
            overlap = max((similarity[index, c] for c in chosen), default=0.0)
            if overlap >= REDUNDANT or any(
                repeats.same_fact(facts[index], f) for f in _chosen(chosen, facts, published)
            ):
                skipped.add(index)
                continue
            value = MMR_LAMBDA * scores[index] - (1 - MMR_LAMBDA) * overlap
            if value > best_value:
                best, best_value = index, value
        if best < 0:
            break
        chosen.append(best)
        remaining.remove(best)
        skipped.discard(best)
    return chosen, len(skipped - set(chosen))


def _chosen(chosen: list[int], facts: list[repeats.Facts], published: list[repeats.Facts]) -> list[repeats.Facts]:
    return [facts[c] for c in chosen] + published


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
    """The article the sentence comes from, plus other outlets that print it verbatim (up to MAX_CITATIONS;
    never a live page, gallery or programme notice that happens to repeat it)."""
    outlets = {sentence.article.outlet}
    cited = [sentence.article.id]
    for article in cluster.articles[:MAX_ARTICLES]:
        if len(cited) == MAX_CITATIONS:
            break
        if (
            article.outlet not in outlets
            and sentence.original in article.text
            and headlines.may_supply_bullets(article)
        ):
            outlets.add(article.outlet)
            cited.append(article.id)
    return tuple(cited)


def candidates(cluster: Cluster, limit: int, context: StoryContext | None = None) -> Candidates:
    """Up to `limit` bullets, best first (more than a summary needs, so that the policy can skip failures), from
    the articles that may supply bullets; with the count of skipped sentences by reason."""
    context = context or StoryContext()
    articles = cluster.articles[:MAX_ARTICLES]
    news = [a for a in articles if headlines.may_supply_bullets(a)]
    supplying = language.english_first(news)
    found = usable_sentences(supplying, context)
    found.rejected[str(Rejection.NON_NEWS)] += len(articles) - len(news)
    found.rejected[str(Rejection.OTHER_LANGUAGE)] += len(news) - len(supplying)
    sentences = _unique(found.sentences)
    if not sentences:
        return Candidates([], found.rejected)
    scores, similarity = _centrality(sentences, [clean_title(a.title, a.outlet) for a in supplying])
    chosen, skipped = _select(sentences, scores, similarity, limit, context.said)
    found.rejected[str(Rejection.REPEAT)] += skipped
    bullets = [_bullet(sentences[i], cluster) for i in _opening_first(chosen, sentences)]
    return Candidates(bullets, Counter({k: v for k, v in found.rejected.items() if v}))


def _opening_first(chosen: list[int], sentences: Sequence[Sentence]) -> list[int]:
    """The chosen in order, except that the best one that may open a story goes first: "The move comes amid ..."
    says which move only after a bullet that states it (`leaning.reported_subject`). Without one, the story
    has none of them."""
    opening = next((i for i in chosen if leaning.opens_story(sentences[i].text)), None)
    if opening is None:
        return []
    return [opening, *(i for i in chosen if i != opening)]


def _bullet(sentence: Sentence, cluster: Cluster) -> Bullet:
    return Bullet(text=sentence.text, sources=_sources(sentence, cluster), evidence=(sentence.original,))


def candidate_bullets(cluster: Cluster, limit: int, context: StoryContext | None = None) -> list[Bullet]:
    """Up to `limit` bullets, best first."""
    return candidates(cluster, limit, context).bullets


def headline(cluster: Cluster) -> str:
    """The most representative news title (see `briefing.summarise.headlines`)."""
    return headlines.headline(cluster)


def extractive_bullets(cluster: Cluster, max_bullets: int) -> list[Bullet]:
    """The summary's bullets before any check: one per distinct fact the sources hold, up to `max_bullets`."""
    return candidate_bullets(cluster, max_bullets)
