"""The policy for the `openai` backend: plan the edition's token budget, draft each story, vet and check every
bullet, repair once, fall back to the offline summariser (see the policy in `briefing.summarise`).

Imported only when the openai backend runs (it pulls in the `openai` client through `llm`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from briefing.config import SummariserSettings
from briefing.errors import SummariserError
from briefing.models import Article, Bullet, Cluster, Summary, SummaryStats, Verdict
from briefing.summarise import (
    MAX_HEADLINE_WORDS,
    Checker,
    Outcome,
    Plan,
    Tally,
    Tick,
    extractive,
    extractive_summary,
    headlines,
    prompt,
    prompt_articles,
    story_headline,
    ticked,
    verdict_of,
    vetted,
)
from briefing.summarise import estimate_story_tokens as _estimate_story_tokens
from briefing.summarise.llm import Draft, LlmSummariser, Meter, client_for
from briefing.summarise.rules import Rejection

log = logging.getLogger(__name__)


def summarise(
    plans: Sequence[Plan], settings: SummariserSettings, check: Checker, api_key: str | None, tick: Tick
) -> list[Outcome]:
    """Every story of the edition with the LLM, within the budget; failures fall back story by story."""
    try:
        client = client_for(settings, api_key)
    except SummariserError as exc:
        log.warning("summariser: %s; using extractive summaries", exc)
        return [ticked(fallback(p, settings, check, Tally(), Meter(), str(exc), failed=True), tick) for p in plans]
    try:
        return _Edition(settings, check, LlmSummariser(settings, client)).run(plans, tick)
    finally:
        client.close()


def fallback(
    plan: Plan,
    settings: SummariserSettings,
    check: Checker,
    tally: Tally,
    meter: Meter,
    reason: str,
    *,
    failed: bool = False,
) -> Outcome:
    """Extractive bullets for a story the LLM could not summarise, with what the attempt cost; `failed` when
    the LLM itself failed (an error, a timeout, no key), rather than the budget or the check."""
    summary = extractive_summary(plan, settings, check, tally)
    stats = replace(
        summary.stats,
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        fell_back=True,
        fallback_reason=reason,
        llm_failed=failed,
    )
    return Outcome(replace(summary, stats=stats), cacheable=False)


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
    """The openai backend over one edition's stories: plans the budget, runs stories concurrently."""

    def __init__(self, settings: SummariserSettings, check: Checker, summariser: LlmSummariser) -> None:
        self._settings = settings
        self._offline = check
        self._llm = summariser
        self._budget = _Budget(settings.max_edition_tokens)

    def run(self, plans: Sequence[Plan], tick: Tick) -> list[Outcome]:
        articles = [prompt_articles(p.cluster, self._settings.max_sources) for p in plans]
        estimates = [self._estimate(a) for a in articles]
        planned = self._budget.plan([e if a else 0 for a, e in zip(articles, estimates, strict=True)])
        jobs = list(zip(plans, articles, estimates, planned, strict=True))
        with ThreadPoolExecutor(max_workers=min(self._settings.concurrency, len(jobs))) as pool:
            return [ticked(outcome, tick) for outcome in pool.map(lambda job: self._story(*job), jobs)]

    def _estimate(self, articles: Sequence[Article]) -> int:
        return _estimate_story_tokens(Cluster("", tuple(articles)), self._settings)

    def _brief(self, plan: Plan) -> prompt.Brief:
        context = plan.context
        return prompt.Brief(context.edition_day, context.timezone, context.said)

    def _story(self, plan: Plan, articles: list[Article], estimate: int, planned: bool) -> Outcome:
        meter, tally = Meter(), Tally()
        if not articles:  # nothing that may supply a bullet: no call to make
            return Outcome(extractive_summary(plan, self._settings, self._offline, tally), cacheable=True)
        if not planned:
            reason = "the edition's token budget is spent"
            return fallback(plan, self._settings, self._offline, tally, meter, reason)
        try:
            return self._llm_story(plan, articles, meter, tally)
        except SummariserError as exc:
            log.warning("summariser: %s: %s; using extractive bullets", plan.cluster.id, exc)
            return fallback(plan, self._settings, self._offline, tally, meter, str(exc), failed=True)
        except Exception as exc:  # one story's surprise must not cost the edition (STYLE: per-item boundary)
            log.exception("summariser: unexpected failure on %s; using extractive bullets", plan.cluster.id)
            reason = f"unexpected error: {exc}"
            return fallback(plan, self._settings, self._offline, tally, meter, reason, failed=True)
        finally:
            self._budget.settle(estimate, meter.tokens)

    def _llm_story(self, plan: Plan, articles: list[Article], meter: Meter, tally: Tally) -> Outcome:
        draft = self._llm.draft(articles, meter, self._brief(plan))
        bullets = self._checked_draft(plan, draft, articles, meter, tally)
        if not bullets or (len(bullets) == 1 and self._offline_finds_more(plan)):
            tally.dropped += len(bullets)
            reason = f"only {len(bullets)} LLM bullet(s) passed the rules and the source check"
            outcome = fallback(plan, self._settings, self._offline, tally, meter, reason)
            return replace(outcome, cacheable=True)  # the same draft would fail the same way next time
        summary = Summary(
            headline=self._headline(plan, draft.headline, articles, bullets),
            bullets=tuple(bullets),
            summariser="openai",
            model=self._settings.model,
            stats=_stats(meter, tally),
        )
        return Outcome(summary, cacheable=True)

    def _offline_finds_more(self, plan: Plan) -> bool:
        """Whether the sources hold two distinct facts the offline summariser can state."""
        return len(extractive.candidates(plan.cluster, 2, plan.context).bullets) >= 2

    def _checked_draft(
        self, plan: Plan, draft: Draft, articles: list[Article], meter: Meter, tally: Tally
    ) -> list[Bullet]:
        """The draft's bullets that pass the rules and the check, failures of the check repaired once in place;
        what still fails is dropped."""
        drafted = self._vetted(draft.bullets[: self._settings.max_bullets], plan, tally)
        results = [self._check(b, plan, meter, tally) for b in drafted]
        failing = [(bullet, verdict.reasons) for bullet, verdict in results if not verdict.supported]
        repairs = iter(self._repair(plan, draft, failing, articles, meter, tally) if failing else [])
        kept: list[Bullet] = []
        for bullet, verdict in results:
            replacement = replace(bullet, grounding=verdict) if verdict.supported else next(repairs, None)
            reason = vetted(replacement, plan, kept) if replacement is not None else Rejection.UNSUPPORTED
            if replacement is not None and reason is None:
                kept.append(replacement)
            else:
                tally.dropped += reason is Rejection.UNSUPPORTED
                tally.reject(reason or Rejection.UNSUPPORTED)
        return kept

    def _vetted(self, bullets: Sequence[Bullet], plan: Plan, tally: Tally) -> list[Bullet]:
        """The drafted bullets that pass the rules, in order; each must also be new against those before it."""
        kept: list[Bullet] = []
        for bullet in bullets:
            reason = vetted(bullet, plan, kept)
            if reason is None:
                kept.append(bullet)
            else:
                tally.reject(reason)
        return kept

    def _repair(
        self,
        plan: Plan,
        draft: Draft,
        failing: list[tuple[Bullet, tuple[str, ...]]],
        articles: list[Article],
        meter: Meter,
        tally: Tally,
    ) -> list[Bullet | None]:
        """One repair call for all the failing bullets; each rewritten bullet is checked again (None: dropped)."""
        if not self._budget.reserve(self._estimate(articles)):
            return [None] * len(failing)
        try:
            rewritten = self._llm.repair(draft, failing, articles, meter)
        except SummariserError as exc:
            log.warning("summariser: repair of %s failed: %s", plan.cluster.id, exc)
            return [None] * len(failing)
        kept: list[Bullet | None] = []
        for bullet in rewritten[: len(failing)]:
            bullet, verdict = self._check(bullet, plan, meter, tally)
            kept.append(replace(bullet, grounding=verdict) if verdict.supported else None)
            tally.repaired += verdict.supported
        return kept + [None] * (len(failing) - len(kept))

    def _check(self, bullet: Bullet, plan: Plan, meter: Meter, tally: Tally) -> tuple[Bullet, Verdict]:
        """The offline check, then (with `judge: llm`) the LLM's entailment judgement on what passed."""
        tally.checked += 1
        verdict = verdict_of(self._offline, bullet, plan.checkable)
        if not verdict.supported or self._settings.judge != "llm":
            return bullet, verdict
        return bullet, self._judged(bullet, plan.checkable, verdict, meter)

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

    def _headline(self, plan: Plan, text: str, articles: list[Article], bullets: Sequence[Bullet]) -> str:
        """The model's headline when it names news (no question, live page or programme) and the check supports
        it against the prompt's sources; else the best news title."""
        usable = text and len(text.split()) <= MAX_HEADLINE_WORDS and not headlines.question_title(text)
        if usable and headlines.title_kind(text) is None:
            candidate = Bullet(text=text, sources=tuple(a.id for a in articles))
            if verdict_of(self._offline, candidate, plan.checkable).supported:
                return text
        return story_headline(plan, bullets)


def _stats(meter: Meter, tally: Tally) -> SummaryStats:
    return SummaryStats(
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        bullets_checked=tally.checked,
        bullets_repaired=tally.repaired,
        bullets_dropped=tally.dropped,
        rejected=dict(sorted(tally.rejected.items())),
    )
