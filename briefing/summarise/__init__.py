"""Summarise: each cluster becomes a checked `Summary` (a headline and 2..max_bullets cited bullets).

summarise knows the two backends (`extractive`, `openai`), the policy that decides what is published, the
summary cache and the edition's token budget; it must not know how clusters were formed or ranked, how
bullets are checked (that is `briefing.ground`), or how an edition is rendered.

The policy, for every story:

1. a cached summary of the same content (same articles and texts, prompt version, backend, model and check
   settings) is reused without any LLM call;
2. the `openai` backend drafts a summary, unless the edition's token budget is spent (then `extractive`);
3. every bullet is checked with `ground.check_bullet` (plus an LLM entailment judge with `judge: llm`);
4. LLM bullets that fail get ONE repair round with the check's reasons; what still fails is dropped;
5. a story left with fewer than two LLM bullets, or whose LLM call failed (timeout, 5xx, malformed JSON after
   one corrective retry), gets extractive bullets instead, which are checked too (failures are dropped).

No bullet leaves this package without a supported verdict, and an LLM failure never escapes
`summarise_clusters`: it is counted in the story's stats (`fell_back`, `fallback_reason`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from briefing.config import GroundingSettings, SummariserSettings
from briefing.errors import GroundingError, SummariserError
from briefing.models import Article, Bullet, Cluster, Summary, SummaryStats, Verdict
from briefing.summarise import extractive, prompt

if TYPE_CHECKING:  # the openai client is imported only when the openai backend runs
    from briefing.summarise.llm import Draft, LlmSummariser, Meter

__all__ = [
    "Checker",
    "MemoryCache",
    "SummaryCache",
    "cache_key",
    "estimate_story_tokens",
    "summarise_cluster",
    "summarise_clusters",
]

log = logging.getLogger(__name__)

EXTRACTIVE_VERSION = "1"  # bump when extractive selection changes: part of the cache key
OUTPUT_TOKENS_PER_BULLET = 90  # what an answer costs, for the budget estimate before a call
MIN_BULLETS = 2
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


def cache_key(cluster: Cluster, settings: SummariserSettings, grounding: GroundingSettings) -> str:
    """A hash of everything a summary depends on: the articles' content, the prompt, backend, model and check."""
    recipe = {
        "backend": settings.backend,
        "version": prompt.PROMPT_VERSION if settings.backend == "openai" else EXTRACTIVE_VERSION,
        "model": settings.model if settings.backend == "openai" else None,
        "settings": [settings.max_bullets, settings.max_source_tokens, settings.max_sources, settings.judge],
        "grounding": grounding.model_dump(mode="json"),
        "articles": sorted([a.id, a.outlet, a.title, a.text] for a in cluster.articles),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def summarise_clusters(
    clusters: Sequence[Cluster],
    settings: SummariserSettings,
    grounding: GroundingSettings,
    cache: SummaryCache | None,
    api_key: str | None,
    *,
    checker: Checker | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Summary]:
    """Checked summaries of `clusters`, in the same order; LLM stories run `settings.concurrency` at a time.

    The cache is read and written on the calling thread only (a store connection belongs to one thread).
    `checker` replaces the grounding check (tests of the policy); by default it is `ground.check_bullet`.
    `progress(done, total)` is called on the calling thread as stories finish.
    """
    check = checker or _offline_checker(grounding)
    keys = [cache_key(cluster, settings, grounding) for cluster in clusters]
    found = [cache.get(key) if cache else None for key in keys]
    todo = [i for i, hit in enumerate(found) if hit is None]
    counter = itertools.count(len(clusters) - len(todo) + 1)
    tick = (lambda: progress(next(counter), len(clusters))) if progress else (lambda: None)
    fresh = _summarise([_defanged(clusters[i]) for i in todo], settings, check, api_key, tick)
    summaries: list[Summary | None] = [_from_cache(hit) if hit else None for hit in found]
    for index, outcome in zip(todo, fresh, strict=True):
        summaries[index] = outcome.summary
        if cache is not None and outcome.cacheable:
            cache.put(keys[index], outcome.summary)
    return [summary for summary in summaries if summary is not None]


def estimate_story_tokens(cluster: Cluster, settings: SummariserSettings) -> int:
    """What drafting this story is expected to cost against `max_edition_tokens` (prompt + answer)."""
    articles = _prompt_articles(_defanged(cluster), settings.max_sources)
    messages = prompt.summary_messages(articles, settings.max_bullets, settings.max_source_tokens)
    answer = OUTPUT_TOKENS_PER_BULLET * settings.max_bullets
    return prompt.estimate_tokens("".join(m["content"] for m in messages)) + answer


def summarise_cluster(
    cluster: Cluster, settings: SummariserSettings, grounding: GroundingSettings, api_key: str | None = None
) -> Summary:
    """One story, uncached: a convenience over `summarise_clusters`."""
    return summarise_clusters([cluster], settings, grounding, None, api_key)[0]


# -------------------------------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class _Outcome:
    summary: Summary
    cacheable: bool  # False after a failure that may not happen next time (timeout, budget, no key)


@dataclass
class _Tally:
    """Bullets checked, repaired and dropped for one story."""

    checked: int = 0
    repaired: int = 0
    dropped: int = 0


def _summarise(
    clusters: Sequence[Cluster], settings: SummariserSettings, check: Checker, api_key: str | None, tick: Tick
) -> list[_Outcome]:
    if settings.backend == "extractive" or not clusters:
        return [_ticked(_extractive_outcome(c, settings, check), tick) for c in clusters]
    from briefing.summarise import llm  # only the openai backend pays for importing the client

    try:
        client = llm.client_for(settings, api_key)
    except SummariserError as exc:
        log.warning("summariser: %s; using extractive summaries", exc)
        return [_ticked(_fallback(c, settings, check, _Tally(), llm.Meter(), str(exc)), tick) for c in clusters]
    try:
        return _Edition(settings, check, llm.LlmSummariser(settings, client)).run(clusters, tick)
    finally:
        client.close()


def _ticked(outcome: _Outcome, tick: Tick) -> _Outcome:
    tick()
    return outcome


def _extractive_outcome(cluster: Cluster, settings: SummariserSettings, check: Checker) -> _Outcome:
    """One story with the extractive backend; a surprise on one story leaves it without bullets, not the
    edition without stories (STYLE: per-item boundary)."""
    try:
        return _Outcome(_extractive_summary(cluster, settings, check, _Tally()), cacheable=True)
    except Exception as exc:
        log.exception("summariser: extractive summary of %s failed", cluster.id)
        title = cluster.articles[0].title if cluster.articles else cluster.id
        stats = SummaryStats(fallback_reason=f"the extractive summariser failed: {exc}")
        return _Outcome(Summary(headline=title, bullets=(), summariser="extractive", stats=stats), cacheable=False)


def _extractive_summary(cluster: Cluster, settings: SummariserSettings, check: Checker, tally: _Tally) -> Summary:
    bullets = _checked_extractive(cluster, settings, check, tally)
    return Summary(
        headline=extractive.headline(cluster),
        bullets=bullets,
        summariser="extractive",
        stats=SummaryStats(bullets_checked=tally.checked, bullets_dropped=tally.dropped),
    )


def _checked_extractive(
    cluster: Cluster, settings: SummariserSettings, check: Checker, tally: _Tally
) -> tuple[Bullet, ...]:
    """The best extractive candidates that pass the check; a failing candidate is dropped, the next one tried."""
    kept: list[Bullet] = []
    for candidate in extractive.candidate_bullets(cluster, settings.max_bullets * 2):
        if len(kept) == settings.max_bullets:
            break
        verdict = _verdict(check, candidate, cluster)
        tally.checked += 1
        if verdict.supported:
            kept.append(replace(candidate, grounding=verdict))
        else:
            tally.dropped += 1
    return tuple(kept)


def _fallback(
    cluster: Cluster, settings: SummariserSettings, check: Checker, tally: _Tally, meter: Meter, reason: str
) -> _Outcome:
    """Extractive bullets for a story the LLM could not summarise, with what the attempt cost."""
    summary = _extractive_summary(cluster, settings, check, tally)
    stats = replace(
        summary.stats,
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        fell_back=True,
        fallback_reason=reason,
    )
    return _Outcome(replace(summary, stats=stats), cacheable=False)


def _verdict(check: Checker, bullet: Bullet, cluster: Cluster) -> Verdict:
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


# ------------------------------------------------------------------------------------------- openai stories


class _Budget:
    """The edition's token budget. Drafts are planned in ranking order before any call, so which stories get
    the LLM does not depend on thread timing; repairs and judgements spend what is left after the plan."""

    def __init__(self, total: int) -> None:
        self._total = total
        self._committed = 0
        self._lock = threading.Lock()

    def plan(self, estimates: Sequence[int]) -> list[bool]:
        allowed = []
        for estimate in estimates:
            fits = self._committed + estimate <= self._total
            self._committed += estimate if fits else 0
            allowed.append(fits)
        return allowed

    def settle(self, estimate: int, spent: int) -> None:
        with self._lock:
            self._committed += spent - estimate

    def reserve(self, estimate: int) -> bool:
        with self._lock:
            fits = self._committed + estimate <= self._total
            self._committed += estimate if fits else 0
            return fits


class _Edition:
    """The openai backend over one edition's clusters: plans the budget, runs stories concurrently."""

    def __init__(self, settings: SummariserSettings, check: Checker, summariser: LlmSummariser) -> None:
        self._settings = settings
        self._offline = check
        self._llm = summariser
        self._budget = _Budget(settings.max_edition_tokens)

    def run(self, clusters: Sequence[Cluster], tick: Tick) -> list[_Outcome]:
        articles = [_prompt_articles(c, self._settings.max_sources) for c in clusters]
        estimates = [self._estimate(a) for a in articles]
        planned = self._budget.plan(estimates)
        jobs = list(zip(clusters, articles, estimates, planned, strict=True))
        with ThreadPoolExecutor(max_workers=min(self._settings.concurrency, len(jobs))) as pool:
            return [_ticked(outcome, tick) for outcome in pool.map(lambda job: self._story(*job), jobs)]

    def _estimate(self, articles: Sequence[Article]) -> int:
        return estimate_story_tokens(Cluster("", tuple(articles)), self._settings)

    def _story(self, cluster: Cluster, articles: list[Article], estimate: int, planned: bool) -> _Outcome:
        from briefing.summarise.llm import Meter

        meter, tally = Meter(), _Tally()
        if not planned:
            return _fallback(
                cluster, self._settings, self._offline, tally, meter, "the edition's token budget is spent"
            )
        try:
            return self._llm_story(cluster, articles, meter, tally)
        except SummariserError as exc:
            log.warning("summariser: %s: %s; using extractive bullets", cluster.id, exc)
            return _fallback(cluster, self._settings, self._offline, tally, meter, str(exc))
        except Exception as exc:  # one story's surprise must not cost the edition (STYLE: per-item boundary)
            log.exception("summariser: unexpected failure on %s; using extractive bullets", cluster.id)
            return _fallback(cluster, self._settings, self._offline, tally, meter, f"unexpected error: {exc}")
        finally:
            self._budget.settle(estimate, meter.tokens)

    def _llm_story(self, cluster: Cluster, articles: list[Article], meter: Meter, tally: _Tally) -> _Outcome:
        draft = self._llm.draft(articles, meter)
        bullets = self._checked_draft(cluster, draft, articles, meter, tally)
        if len(bullets) < MIN_BULLETS:
            tally.dropped += len(bullets)
            reason = f"only {len(bullets)} LLM bullet(s) passed the source check"
            outcome = _fallback(cluster, self._settings, self._offline, tally, meter, reason)
            return replace(outcome, cacheable=True)  # the same draft would fail the same way next time
        summary = Summary(
            headline=self._headline(cluster, draft.headline, articles),
            bullets=tuple(bullets),
            summariser="openai",
            model=self._settings.model,
            stats=_stats(meter, tally),
        )
        return _Outcome(summary, cacheable=True)

    def _checked_draft(
        self, cluster: Cluster, draft: Draft, articles: list[Article], meter: Meter, tally: _Tally
    ) -> list[Bullet]:
        """The draft's bullets that pass, failures repaired once in place; what still fails is dropped."""
        results = [self._check(b, cluster, meter, tally) for b in draft.bullets[: self._settings.max_bullets]]
        failing = [(bullet, verdict.reasons) for bullet, verdict in results if not verdict.supported]
        repairs = iter(self._repair(cluster, draft, failing, articles, meter, tally) if failing else [])
        kept: list[Bullet] = []
        for bullet, verdict in results:
            replacement = replace(bullet, grounding=verdict) if verdict.supported else next(repairs, None)
            if replacement is not None:
                kept.append(replacement)
            else:
                tally.dropped += 1
        return kept

    def _repair(
        self,
        cluster: Cluster,
        draft: Draft,
        failing: list[tuple[Bullet, tuple[str, ...]]],
        articles: list[Article],
        meter: Meter,
        tally: _Tally,
    ) -> list[Bullet | None]:
        """One repair call for all the failing bullets; each rewritten bullet is checked again (None: dropped)."""
        if not self._budget.reserve(self._estimate(articles)):
            return [None] * len(failing)
        try:
            rewritten = self._llm.repair(draft, failing, articles, meter)
        except SummariserError as exc:
            log.warning("summariser: repair of %s failed: %s", cluster.id, exc)
            return [None] * len(failing)
        kept: list[Bullet | None] = []
        for bullet in rewritten[: len(failing)]:
            bullet, verdict = self._check(bullet, cluster, meter, tally)
            kept.append(replace(bullet, grounding=verdict) if verdict.supported else None)
            tally.repaired += verdict.supported
        return kept + [None] * (len(failing) - len(kept))

    def _check(self, bullet: Bullet, cluster: Cluster, meter: Meter, tally: _Tally) -> tuple[Bullet, Verdict]:
        """The offline check, then (with `judge: llm`) the LLM's entailment judgement on what passed."""
        tally.checked += 1
        verdict = _verdict(self._offline, bullet, cluster)
        if not verdict.supported or self._settings.judge != "llm":
            return bullet, verdict
        return bullet, self._judged(bullet, cluster, verdict, meter)

    def _judged(self, bullet: Bullet, cluster: Cluster, verdict: Verdict, meter: Meter) -> Verdict:
        cited = "\n\n".join(a.text for a in cluster.articles if a.id in bullet.sources)
        if not self._budget.reserve(prompt.estimate_tokens(cited[: 3000 * prompt.CHARS_PER_TOKEN]) + 20):
            return verdict  # no budget for the judge: the offline verdict stands
        try:
            entailed = self._llm.judge(cited, bullet.text, meter)
        except SummariserError as exc:
            log.warning("summariser: the LLM judge failed on %s: %s; the offline verdict stands", cluster.id, exc)
            return verdict
        if entailed:
            return verdict
        return Verdict(False, min(verdict.score, 0.49), (*verdict.reasons, "an LLM judge found it not entailed"))

    def _headline(self, cluster: Cluster, text: str, articles: list[Article]) -> str:
        """The model's headline when the check supports it against the prompt's sources, else the best title."""
        if text and len(text.split()) <= MAX_HEADLINE_WORDS:
            candidate = Bullet(text=text, sources=tuple(a.id for a in articles))
            if _verdict(self._offline, candidate, cluster).supported:
                return text
        return extractive.headline(cluster)


def _defanged(cluster: Cluster) -> Cluster:
    """The cluster as both summarisers and the check see it: at most `MAX_ARTICLES` articles of at most
    `MAX_TEXT_CHARS` (neither summariser reads further; feed payloads can be huge), without instructions aimed
    at a model (prompt injections)."""
    articles = tuple(
        replace(a, title=prompt.defang(a.title[:1_000]), text=prompt.defang(a.text[: extractive.MAX_TEXT_CHARS]))
        for a in cluster.articles[: extractive.MAX_ARTICLES]
    )
    return replace(cluster, articles=articles)


def _prompt_articles(cluster: Cluster, max_sources: int) -> list[Article]:
    """Up to `max_sources` articles for the prompt: one per outlet first (breadth), in cluster order."""
    first_per_outlet = list({a.outlet: a for a in reversed(cluster.articles)}.values())[::-1]
    rest = [a for a in cluster.articles if a not in first_per_outlet]
    return (first_per_outlet + rest)[:max_sources]


def _stats(meter: Meter, tally: _Tally) -> SummaryStats:
    return SummaryStats(
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        bullets_checked=tally.checked,
        bullets_repaired=tally.repaired,
        bullets_dropped=tally.dropped,
    )
