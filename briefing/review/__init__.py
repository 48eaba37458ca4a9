"""Review: the editorial policy that decides what is published. Each cluster becomes a checked `Summary` (a
headline and 1..max_bullets cited bullets): the summariser's backends write, the grounding check judges, and
review checks, repairs, drops and falls back.

review knows the policy, the summary cache and the edition's token budget. It calls the backends of
`briefing.summarise` (extractive selection, the LLM's drafts, repairs and judgements, the sentence rules) and
the check it is given (`checker`: the pipeline passes `briefing.ground`'s; review never imports it). It must not
know how clusters were formed or ranked, how a bullet is checked, or how an edition is rendered.

The policy, for every story:

1. a cached summary of the same content (same articles and texts, prompt version, backend, model, check and
   judge settings, and the edition context that changes what may be said: which articles are older than the
   edition's day, which sentences recur across the edition, what earlier editions said) is reused without any
   LLM call;
2. the `openai` backend drafts a summary, unless the edition's token budget is spent (then `extractive`);
3. every bullet, drafted or extracted, must be a fact of the story (`summarise.rules`: no caption, sign-off,
   promo, teaser, question, listing or recurring advisory), self-contained (`summarise.leaning`: no dangling
   opener or pronoun), free of relative times an older article no longer supports (`summarise.timewords`), and
   new: a bullet that states the same fact as a kept one, or as a bullet an earlier edition published about the
   story, is dropped (`summarise.repeats`);
4. every bullet is checked by the checker; the check sees each older article with its dateline, so an
   anchored date is checked like any other. An LLM bullet the check passes without being sure of it goes to
   the LLM judge (`summariser.judge`, see `_judge`), whose "no" fails it;
5. LLM bullets that fail get ONE repair round with the check's reasons; a rewritten bullet passes the same
   rules (3) and the check (4) again, or is dropped;
6. a story left with no LLM bullet, or with one where the offline summariser finds two distinct facts, or
   whose LLM call failed (timeout, 5xx, malformed JSON after one corrective retry), gets extractive bullets
   instead, which are checked too (failures are dropped).

A story gets two to `max_bullets` bullets when its sources hold that many distinct facts, and one when they
hold one. No bullet leaves this package without a supported verdict, and an LLM failure never escapes
`checked_summaries`: it is counted in the story's stats (`fell_back`, `fallback_reason`, `llm_failed`), and
every skipped candidate is counted by reason (`SummaryStats.rejected`).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence

from briefing.config import GroundingSettings, SummariserSettings
from briefing.models import Cluster, EditionContext, Summary
from briefing.review._budget import estimate_story_tokens
from briefing.review._cache import MemoryCache, SummaryCache, cache_key, from_cache
from briefing.review._extractive import Outcome, Tick, extractive_outcome, ticked
from briefing.review._plan import Plan, plan_story
from briefing.review._vetting import Checker
from briefing.summarise import recurring

__all__ = [
    "Checker",
    "MemoryCache",
    "SummaryCache",
    "cache_key",
    "checked_summaries",
    "estimate_story_tokens",
    "llm_outage",
]


def checked_summaries(
    clusters: Sequence[Cluster],
    settings: SummariserSettings,
    grounding: GroundingSettings,
    *,
    checker: Checker,
    checker_identity: str = "",
    cache: SummaryCache | None = None,
    api_key: str | None = None,
    context: EditionContext | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Summary]:
    """Checked summaries of `clusters`, in the same order; LLM stories run `settings.concurrency` at a time.

    `checker` is the grounding check (`grounding` is what it was built with: part of the cache key, and the
    threshold the judge's band is measured from); `checker_identity` names which check it is (lexical or
    semantic, with what), so a summary checked by another check is not taken from the cache. `context` is the
    edition they are written for (its day and zone, what earlier editions said); what recurs across `clusters`
    is learnt here. The cache is read and written on the calling thread only (a store connection belongs to one
    thread). `progress(done, total)` is called on the calling thread as stories finish.
    """
    learnt = recurring.learn(clusters)
    plans = [plan_story(cluster, context, learnt) for cluster in clusters]
    keys = [
        cache_key(cluster, settings, grounding, plan, checker_identity)
        for cluster, plan in zip(clusters, plans, strict=True)
    ]
    found = [cache.get(key) if cache else None for key in keys]
    todo = [i for i, hit in enumerate(found) if hit is None]
    counter = itertools.count(len(clusters) - len(todo) + 1)
    tick = (lambda: progress(next(counter), len(clusters))) if progress else (lambda: None)
    fresh = _reviewed([plans[i] for i in todo], settings, grounding, checker, api_key, tick)
    summaries: list[Summary | None] = [from_cache(hit) if hit else None for hit in found]
    for index, outcome in zip(todo, fresh, strict=True):
        summaries[index] = outcome.summary
        if cache is not None and outcome.cacheable:
            cache.put(keys[index], outcome.summary)
    return [summary for summary in summaries if summary is not None]


def llm_outage(summaries: Sequence[Summary]) -> str | None:
    """Why, when every story of a run that tried the LLM failed on it (so the edition is all offline bullets);
    None when any story got an answer, or none tried (extractive backend, all cached, budget spent)."""
    tried = [s for s in summaries if not s.stats.cached and (s.stats.llm_calls or s.stats.llm_failed)]
    if not tried or not all(s.stats.llm_failed for s in tried):
        return None
    reasons = Counter(s.stats.fallback_reason or "the LLM failed" for s in tried)
    return reasons.most_common(1)[0][0]


def _reviewed(
    plans: Sequence[Plan],
    settings: SummariserSettings,
    grounding: GroundingSettings,
    check: Checker,
    api_key: str | None,
    tick: Tick,
) -> list[Outcome]:
    if settings.backend == "extractive" or not plans:
        return [ticked(extractive_outcome(p, settings, check), tick) for p in plans]
    from briefing.review._llm import review_with_llm  # only the openai backend pays for importing the client

    return review_with_llm(plans, settings, grounding, check, api_key, tick)
