"""Summarise: each cluster becomes a checked `Summary` (a headline and 1..max_bullets cited bullets).

summarise knows the two backends (`extractive`, `openai`), the policy that decides what is published, the
summary cache and the edition's token budget; it must not know how clusters were formed or ranked, how
bullets are checked (that is `briefing.ground`), or how an edition is rendered.

The policy, for every story:

1. a cached summary of the same content (same articles and texts, prompt version, backend, model, check
   settings, and the edition context that changes what may be said: which articles are older than the
   edition's day, which sentences recur across the edition, what earlier editions said) is reused without any
   LLM call;
2. the `openai` backend drafts a summary, unless the edition's token budget is spent (then `extractive`);
3. every bullet, drafted or extracted, must be a fact of the story (`rules`: no caption, sign-off, promo,
   teaser, question, listing or recurring advisory), self-contained (no dangling opener or pronoun), free of
   relative times an older article no longer supports (`timewords`), and new: a bullet that states the same fact
   as a kept one, or as a bullet an earlier edition published about the story, is dropped (`repeats`);
4. every bullet is checked with `ground.check_bullet` (plus an LLM entailment judge with `judge: llm`); the
   check sees each older article with its dateline, so an anchored date is checked like any other;
5. LLM bullets that fail the check get ONE repair round with the check's reasons; a rewritten bullet passes
   the same rules (3) and the check again, or is dropped;
6. a story left with no LLM bullet, or with one where the offline summariser finds two distinct facts, or
   whose LLM call failed (timeout, 5xx, malformed JSON after one corrective retry), gets extractive bullets
   instead, which are checked too (failures are dropped).

A story gets two to `max_bullets` bullets when its sources hold that many distinct facts, and one when they
hold one. No bullet leaves this package without a supported verdict, and an LLM failure never escapes
`summarise_clusters`: it is counted in the story's stats (`fell_back`, `fallback_reason`, `llm_failed`), and
every skipped candidate is counted by reason (`SummaryStats.rejected`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from briefing.config import GroundingSettings, SummariserSettings
from briefing.errors import GroundingError
from briefing.models import Article, Bullet, Cluster, EditionContext, Summary, SummaryStats, Verdict
from briefing.summarise import extractive, headlines, prompt, recurring, repeats, rules, timewords
from briefing.summarise.rules import Rejection
from briefing.summarise.sentences import StoryContext

__all__ = [
    "Checker",
    "MemoryCache",
    "SummaryCache",
    "cache_key",
    "estimate_story_tokens",
    "llm_outage",
    "summarise_cluster",
    "summarise_clusters",
]

log = logging.getLogger(__name__)

EXTRACTIVE_VERSION = "2"  # bump when extractive selection changes: part of the cache key
OUTPUT_TOKENS_PER_BULLET = 90  # what an answer costs, for the budget estimate before a call
MAX_HEADLINE_WORDS = 20  # a longer "headline" is a paragraph: the best title is used instead

Checker = Callable[[Bullet, Cluster], Verdict]
Tick = Callable[[], None]  # called once per finished story, on the calling thread


class SummaryCache(Protocol):
    """Where checked summaries are kept between builds (the store implements it; see `store.summary_cache`)."""

    def get(self, key: str) -> Summary | None: ...

    def put(self, key: str, summary: Summary) -> None: ...


class MemoryCache:
    """A cache for one process (tests, benchmarks, dry runs)."""

    def __init__(self) -> None:
        self._items: dict[str, Summary] = {}

    def get(self, key: str) -> Summary | None:
        return self._items.get(key)

    def put(self, key: str, summary: Summary) -> None:
        self._items[key] = summary


@dataclass(frozen=True)
class Plan:
    """One story as the policy works on it: the cluster both summarisers read (bounded, defanged), the cluster
    the check reads (older articles carry their dateline), and what its sentences are judged against."""

    cluster: Cluster
    checkable: Cluster
    context: StoryContext
    shows: frozenset[str] = frozenset()  # title segments that recur across the edition (show names)


def plan_story(
    cluster: Cluster, edition: EditionContext | None = None, learnt: recurring.Recurring | None = None
) -> Plan:
    """The story's plan within an edition (`learnt`: what recurs across the edition's stories)."""
    edition = edition or EditionContext()
    bounded = _defanged(cluster)
    within = (learnt or recurring.Recurring()).within(bounded)
    context = StoryContext(edition.day, edition.timezone, within.sentences, tuple(edition.said.get(cluster.id, ())))
    return Plan(bounded, _checkable(bounded, context), context, within.title_parts)


def _checkable(cluster: Cluster, context: StoryContext) -> Cluster:
    """The cluster as the check reads it: an article older than the edition states its own date (what an
    anchored "on Saturday 30 May" is checked against)."""
    articles = tuple(
        replace(a, text=f"{timewords.dateline(context.published_day(a))}\n{a.text}") if context.is_older(a) else a
        for a in cluster.articles
    )
    return replace(cluster, articles=articles)


def cache_key(
    cluster: Cluster, settings: SummariserSettings, grounding: GroundingSettings, plan: Plan | None = None
) -> str:
    """A hash of everything a summary depends on: the articles' content and dates, the prompt, backend, model,
    check, and the edition context that changes what may be said about the story."""
    context = plan.context if plan else StoryContext()
    recipe = {
        "backend": settings.backend,
        "version": prompt.PROMPT_VERSION if settings.backend == "openai" else EXTRACTIVE_VERSION,
        "model": settings.model if settings.backend == "openai" else None,
        "settings": [settings.max_bullets, settings.max_source_tokens, settings.max_sources, settings.judge],
        "grounding": grounding.model_dump(mode="json"),
        "articles": sorted([a.id, a.outlet, a.title, a.text, a.kind.value] for a in cluster.articles),
        "older": sorted(str(context.published_day(a)) for a in cluster.articles if context.is_older(a)),
        "recurring": sorted(context.recurring) + sorted(plan.shows if plan else ()),
        "said": list(context.said),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def summarise_clusters(
    clusters: Sequence[Cluster],
    settings: SummariserSettings,
    grounding: GroundingSettings,
    cache: SummaryCache | None,
    api_key: str | None,
    *,
    context: EditionContext | None = None,
    checker: Checker | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Summary]:
    """Checked summaries of `clusters`, in the same order; LLM stories run `settings.concurrency` at a time.

    `context` is the edition they are written for (its day and zone, what earlier editions said); what recurs
    across `clusters` is learnt here. The cache is read and written on the calling thread only (a store
    connection belongs to one thread). `checker` replaces the grounding check (tests of the policy); by default
    it is `ground.check_bullet`. `progress(done, total)` is called on the calling thread as stories finish.
    """
    check = checker or _offline_checker(grounding)
    learnt = recurring.learn(clusters)
    plans = [plan_story(cluster, context, learnt) for cluster in clusters]
    keys = [cache_key(cluster, settings, grounding, plan) for cluster, plan in zip(clusters, plans, strict=True)]
    found = [cache.get(key) if cache else None for key in keys]
    todo = [i for i, hit in enumerate(found) if hit is None]
    counter = itertools.count(len(clusters) - len(todo) + 1)
    tick = (lambda: progress(next(counter), len(clusters))) if progress else (lambda: None)
    fresh = _summarise([plans[i] for i in todo], settings, check, api_key, tick)
    summaries: list[Summary | None] = [_from_cache(hit) if hit else None for hit in found]
    for index, outcome in zip(todo, fresh, strict=True):
        summaries[index] = outcome.summary
        if cache is not None and outcome.cacheable:
            cache.put(keys[index], outcome.summary)
    return [summary for summary in summaries if summary is not None]


def estimate_story_tokens(cluster: Cluster, settings: SummariserSettings) -> int:
    """What drafting this story is expected to cost against `max_edition_tokens` (prompt + answer)."""
    articles = prompt_articles(_defanged(cluster), settings.max_sources)
    messages = prompt.summary_messages(articles, settings.max_bullets, settings.max_source_tokens)
    answer = OUTPUT_TOKENS_PER_BULLET * settings.max_bullets
    return prompt.estimate_tokens("".join(m["content"] for m in messages)) + answer


def summarise_cluster(
    cluster: Cluster, settings: SummariserSettings, grounding: GroundingSettings, api_key: str | None = None
) -> Summary:
    """One story, uncached: a convenience over `summarise_clusters`."""
    return summarise_clusters([cluster], settings, grounding, None, api_key)[0]


def llm_outage(summaries: Sequence[Summary]) -> str | None:
    """Why, when every story of a run that tried the LLM failed on it (so the edition is all offline bullets);
    None when any story got an answer, or none tried (extractive backend, all cached, budget spent)."""
    tried = [s for s in summaries if not s.stats.cached and (s.stats.llm_calls or s.stats.llm_failed)]
    if not tried or not all(s.stats.llm_failed for s in tried):
        return None
    reasons = Counter(s.stats.fallback_reason or "the LLM failed" for s in tried)
    return reasons.most_common(1)[0][0]


# -------------------------------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class Outcome:
    summary: Summary
    cacheable: bool  # False after a failure that may not happen next time (timeout, budget, no key)


@dataclass
class Tally:
    """Bullets checked, repaired and dropped for one story, and candidates skipped by reason."""

    checked: int = 0
    repaired: int = 0
    dropped: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: Rejection, count: int = 1) -> None:
        self.rejected[str(reason)] += count


def _summarise(
    plans: Sequence[Plan], settings: SummariserSettings, check: Checker, api_key: str | None, tick: Tick
) -> list[Outcome]:
    if settings.backend == "extractive" or not plans:
        return [ticked(_extractive_outcome(p, settings, check), tick) for p in plans]
    from briefing.summarise import _openai  # only the openai backend pays for importing the client

    return _openai.summarise(plans, settings, check, api_key, tick)


def ticked(outcome: Outcome, tick: Tick) -> Outcome:
    tick()
    return outcome


def _extractive_outcome(plan: Plan, settings: SummariserSettings, check: Checker) -> Outcome:
    """One story with the extractive backend; a surprise on one story leaves it without bullets, not the
    edition without stories (STYLE: per-item boundary)."""
    try:
        return Outcome(extractive_summary(plan, settings, check, Tally()), cacheable=True)
    except Exception as exc:
        log.exception("summariser: extractive summary of %s failed", plan.cluster.id)
        title = plan.cluster.articles[0].title if plan.cluster.articles else plan.cluster.id
        stats = SummaryStats(fallback_reason=f"the extractive summariser failed: {exc}")
        return Outcome(Summary(headline=title, bullets=(), summariser="extractive", stats=stats), cacheable=False)


def extractive_summary(plan: Plan, settings: SummariserSettings, check: Checker, tally: Tally) -> Summary:
    bullets = _checked_extractive(plan, settings, check, tally)
    return Summary(
        headline=story_headline(plan, bullets),
        bullets=bullets,
        summariser="extractive",
        stats=SummaryStats(
            bullets_checked=tally.checked, bullets_dropped=tally.dropped, rejected=dict(sorted(tally.rejected.items()))
        ),
    )


def story_headline(plan: Plan, bullets: Sequence[Bullet]) -> str:
    """The most representative news title; the lead bullet when no title may name the story."""
    return headlines.headline(plan.cluster, plan.shows, fallback=bullets[0].text if bullets else None)


def _checked_extractive(plan: Plan, settings: SummariserSettings, check: Checker, tally: Tally) -> tuple[Bullet, ...]:
    """The best extractive candidates that pass the check; a failing candidate is dropped, the next one tried."""
    found = extractive.candidates(plan.cluster, settings.max_bullets * 2, plan.context)
    tally.rejected.update(found.rejected)
    kept: list[Bullet] = []
    for candidate in found.bullets:
        if len(kept) == settings.max_bullets:
            break
        verdict = verdict_of(check, candidate, plan.checkable)
        tally.checked += 1
        if verdict.supported:
            kept.append(replace(candidate, grounding=verdict))
        else:
            tally.dropped += 1
            tally.reject(Rejection.UNSUPPORTED)
    return tuple(kept)


def vetted(bullet: Bullet, plan: Plan, kept: Sequence[Bullet]) -> Rejection | None:
    """Why a drafted (or repaired) bullet may not be published, or None: the sentence rules, relative times its
    cited older articles no longer support, and repeats of a kept bullet or of what earlier editions said."""
    text = bullet.text
    reason = rules.junk_reason(text)
    if reason is not None:
        return reason
    if rules.leans_back(text):
        return Rejection.DANGLING
    if _stale(bullet, plan):
        return Rejection.STALE_TIME
    if repeats.repeats(text, [b.text for b in kept] + list(plan.context.said)):
        return Rejection.REPEAT
    return None


def _stale(bullet: Bullet, plan: Plan) -> bool:
    day = plan.context.edition_day
    if day is None:
        return False
    cited = [a for a in plan.cluster.articles if a.id in bullet.sources]
    return any(timewords.stale_words(bullet.text, plan.context.published_day(a), day) for a in cited)


def verdict_of(check: Checker, bullet: Bullet, cluster: Cluster) -> Verdict:
    """The check's verdict; a check that cannot run rejects the bullet (it must never look supported)."""
    try:
        return check(bullet, cluster)
    except GroundingError as exc:
        log.warning("grounding check failed on a bullet of %s: %s", cluster.id, exc)
        return Verdict(False, 0.0, (f"the grounding check could not run: {exc}",))


def _offline_checker(grounding: GroundingSettings) -> Checker:
    from briefing.ground import check_bullet

    def check(bullet: Bullet, cluster: Cluster) -> Verdict:
        return check_bullet(bullet, cluster, grounding)

    return check


def _from_cache(summary: Summary) -> Summary:
    stats = replace(summary.stats, cached=True, llm_calls=0, llm_tokens=0, llm_seconds=0.0)
    return replace(summary, stats=stats)


def _defanged(cluster: Cluster) -> Cluster:
    """The cluster as both summarisers and the check see it: at most `MAX_ARTICLES` articles of at most
    `MAX_TEXT_CHARS` (neither summariser reads further; feed payloads can be huge), without instructions aimed
    at a model (prompt injections)."""
    articles = tuple(
        replace(a, title=prompt.defang(a.title[:1_000]), text=prompt.defang(a.text[: extractive.MAX_TEXT_CHARS]))
        for a in cluster.articles[: extractive.MAX_ARTICLES]
    )
    return replace(cluster, articles=articles)


def prompt_articles(cluster: Cluster, max_sources: int) -> list[Article]:
    """Up to `max_sources` articles for the prompt: those that may supply bullets (never a live page, gallery
    or programme notice), one per outlet first (breadth), in cluster order."""
    usable = [a for a in cluster.articles if headlines.may_supply_bullets(a)]
    first_per_outlet = list({a.outlet: a for a in reversed(usable)}.values())[::-1]
    rest = [a for a in usable if a not in first_per_outlet]
    return (first_per_outlet + rest)[:max_sources]
