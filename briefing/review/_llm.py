"""Review of LLM-written stories: plan the edition's token budget, draft each story, vet and check every bullet
(the LLM judge on passes it is asked to confirm), repair once, fall back to the offline summariser.

Imported only when the openai backend runs (it pulls in the `openai` client through `summarise.llm`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from briefing.config import GroundingSettings, SummariserSettings
from briefing.errors import SummariserError
from briefing.models import Article, Bullet, Summary, SummaryStats, Verdict
from briefing.review._budget import Account, Budget, estimate_draft_tokens, estimate_judge_tokens
from briefing.review._extractive import Outcome, Tick, extractive_summary, headed, news_title, ticked, under
from briefing.review._judge import judge_source, overruled, wants_judge
from briefing.review._plan import Plan
from briefing.review._vetting import Checker, Tally, stale, verdict_of, vetted
from briefing.summarise import extractive, headlines, prompt, prompt_articles
from briefing.summarise.llm import Draft, LlmSummariser, Meter, client_for
from briefing.summarise.rules import Rejection

log = logging.getLogger(__name__)

MAX_HEADLINE_WORDS = 20  # a longer "headline" is a paragraph: the best title is used instead


def review_with_llm(
    plans: Sequence[Plan],
    settings: SummariserSettings,
    grounding: GroundingSettings,
    check: Checker,
    api_key: str | None,
    tick: Tick,
) -> list[Outcome]:
    """Every story of the edition with the LLM, within the budget; failures fall back story by story."""
    try:
        client = client_for(settings, api_key)
    except SummariserError as exc:
        log.warning("summariser: %s; using extractive summaries", exc)
        unplanned = Account(Budget(0))
        return [ticked(fallback(_Story(p, unplanned), settings, check, str(exc), failed=True), tick) for p in plans]
    try:
        return _Edition(settings, grounding, check, LlmSummariser(settings, client)).run(plans, tick)
    finally:
        client.close()


@dataclass
class _Story:
    """One story while it is reviewed: the articles its prompt gives, whether the budget's plan lets it draft,
    what its calls cost and reserved, and what its bullets did."""

    plan: Plan
    account: Account
    articles: list[Article] = field(default_factory=list)
    planned: bool = False
    meter: Meter = field(default_factory=Meter)
    tally: Tally = field(default_factory=Tally)


def fallback(
    story: _Story, settings: SummariserSettings, check: Checker, reason: str, *, failed: bool = False
) -> Outcome:
    """Extractive bullets for a story the LLM could not summarise, with what the attempt cost; `failed` when
    the LLM itself failed (an error, a timeout, no key), rather than the budget or the check."""
    summary = extractive_summary(story.plan, settings, check, story.tally)
    meter = story.meter
    stats = replace(
        summary.stats,
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        bullets_judged=story.tally.judged,
        fell_back=True,
        fallback_reason=reason,
        llm_failed=failed,
    )
    return Outcome(replace(summary, stats=stats), cacheable=False)


class _Edition:
    """The openai backend over one edition's stories: plans the budget, runs stories concurrently."""

    def __init__(
        self, settings: SummariserSettings, grounding: GroundingSettings, check: Checker, llm: LlmSummariser
    ) -> None:
        self._settings = settings
        self._threshold = grounding.threshold
        self._offline = check
        self._llm = llm
        self._budget = Budget(settings.max_edition_tokens)

    def run(self, plans: Sequence[Plan], tick: Tick) -> list[Outcome]:
        stories = self._planned(plans)
        with ThreadPoolExecutor(max_workers=min(self._settings.concurrency, len(stories))) as pool:
            return [ticked(outcome, tick) for outcome in pool.map(self._story, stories)]

    def _planned(self, plans: Sequence[Plan]) -> list[_Story]:
        """Each story with the articles its prompt gives; the budget's plan, made in ranking order before any
        call, decides which may draft (a story with nothing to give the model never calls it)."""
        chosen = [prompt_articles(p.cluster, self._settings.max_sources) for p in plans]
        estimates = [estimate_draft_tokens(articles, self._settings) if articles else 0 for articles in chosen]
        allowed = self._budget.plan(estimates)
        return [
            _Story(plan, Account(self._budget, estimate if fits else 0), articles, fits and bool(articles))
            for plan, articles, estimate, fits in zip(plans, chosen, estimates, allowed, strict=True)
        ]

    def _story(self, story: _Story) -> Outcome:
        plan = story.plan
        if not story.articles:  # nothing that may supply a bullet: no call to make
            return Outcome(extractive_summary(plan, self._settings, self._offline, story.tally), cacheable=True)
        if not story.planned:
            return fallback(story, self._settings, self._offline, "the edition's token budget is spent")
        try:
            return self._llm_story(story)
        except SummariserError as exc:
            log.warning("summariser: %s: %s; using extractive bullets", plan.cluster.id, exc)
            return fallback(story, self._settings, self._offline, str(exc), failed=True)
        except Exception as exc:  # one story's surprise must not cost the edition (STYLE: per-item boundary)
            log.exception("summariser: unexpected failure on %s; using extractive bullets", plan.cluster.id)
            return fallback(story, self._settings, self._offline, f"unexpected error: {exc}", failed=True)
        finally:
            self._budget.settle(story.account.reserved, story.meter.tokens)

    def _llm_story(self, story: _Story) -> Outcome:
        plan = story.plan
        draft = self._llm.draft(story.articles, story.meter, _brief(plan))
        bullets = self._checked_draft(story, draft)
        if not bullets or (len(bullets) == 1 and _offline_finds_more(plan)):
            story.tally.dropped += len(bullets)
            reason = f"only {len(bullets)} LLM bullet(s) passed the rules and the source check"
            outcome = fallback(story, self._settings, self._offline, reason)
            return replace(outcome, cacheable=True)  # the same draft would fail the same way next time
        title, shown = self._headline(story, draft.headline, bullets)
        summary = Summary(
            headline=title,
            bullets=shown,
            summariser="openai",
            model=self._settings.model,
            stats=_stats(story),
        )
        return Outcome(summary, cacheable=True)

    def _checked_draft(self, story: _Story, draft: Draft) -> list[Bullet]:
        """The draft's bullets that pass the rules and the check, failures of the check repaired once in place;
        what still fails is dropped."""
        plan, tally = story.plan, story.tally
        drafted = _vetted(draft.bullets[: self._settings.max_bullets], plan, tally)
        results = [(bullet, self._check(bullet, story)) for bullet in drafted]
        failing = [(bullet, verdict.reasons) for bullet, verdict in results if not verdict.supported]
        repairs = iter(self._repair(story, draft, failing) if failing else [])
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

    def _repair(
        self, story: _Story, draft: Draft, failing: list[tuple[Bullet, tuple[str, ...]]]
    ) -> list[Bullet | None]:
        """One repair call for all the failing bullets; each rewritten bullet is checked again (None: dropped)."""
        if not story.account.reserve(estimate_draft_tokens(story.articles, self._settings)):
            return [None] * len(failing)
        try:
            rewritten = self._llm.repair(draft, failing, story.articles, story.meter)
        except SummariserError as exc:
            log.warning("summariser: repair of %s failed: %s", story.plan.cluster.id, exc)
            return [None] * len(failing)
        kept: list[Bullet | None] = []
        for bullet in rewritten[: len(failing)]:
            verdict = self._check(bullet, story)
            kept.append(replace(bullet, grounding=verdict) if verdict.supported else None)
            story.tally.repaired += verdict.supported
        return kept + [None] * (len(failing) - len(kept))

    def _check(self, bullet: Bullet, story: _Story) -> Verdict:
        """The offline check, then the LLM judge on a pass it is asked to confirm (`summariser.judge`)."""
        story.tally.checked += 1
        verdict = verdict_of(self._offline, bullet, story.plan.checkable)
        if not wants_judge(verdict, self._settings, self._threshold):
            return verdict
        return self._judged(bullet, verdict, story)

    def _judged(self, bullet: Bullet, verdict: Verdict, story: _Story) -> Verdict:
        """The judge's verdict on an offline pass; without budget, or when the call fails, the pass stands."""
        cluster = story.plan.checkable
        source = judge_source(bullet, cluster)
        if not story.account.reserve(estimate_judge_tokens(source, bullet.text)):
            log.info("summariser: no budget left to judge a bullet of %s; the offline verdict stands", cluster.id)
            return verdict
        try:
            judgement = self._llm.judge(source, bullet.text, story.meter)
        except SummariserError as exc:
            log.warning("summariser: the LLM judge failed on %s: %s; the offline verdict stands", cluster.id, exc)
            return verdict
        story.tally.judged += 1
        return verdict if judgement.supported else overruled(verdict, judgement.reason, self._threshold)

    def _headline(self, story: _Story, text: str, bullets: Sequence[Bullet]) -> tuple[str, tuple[Bullet, ...]]:
        """The model's headline when it names news (no question, live page or programme), says no relative time
        that is wrong on the edition's day for one of the story's articles, and the check supports it against
        the prompt's sources; else the best news title (see `headed`). Also the bullets to print."""
        plan = story.plan
        usable = text and len(text.split()) <= MAX_HEADLINE_WORDS and not headlines.question_title(text)
        if usable and headlines.title_kind(text) is None and not stale(text, story.articles, plan):
            candidate = Bullet(text=text, sources=tuple(a.id for a in story.articles))
            if verdict_of(self._offline, candidate, plan.checkable).supported:
                return text, under(text, bullets)
        return headed(plan, bullets, news_title(plan))


def _vetted(bullets: Sequence[Bullet], plan: Plan, tally: Tally) -> list[Bullet]:
    """The drafted bullets that pass the rules, in order; each must also be new against those before it."""
    kept: list[Bullet] = []
    for bullet in bullets:
        reason = vetted(bullet, plan, kept)
        if reason is None:
            kept.append(bullet)
        else:
            tally.reject(reason)
    return kept


def _offline_finds_more(plan: Plan) -> bool:
    """Whether the sources hold two distinct facts the offline summariser can state."""
    return len(extractive.candidates(plan.cluster, 2, plan.context).bullets) >= 2


def _brief(plan: Plan) -> prompt.Brief:
    context = plan.context
    return prompt.Brief(context.edition_day, context.timezone, context.said)


def _stats(story: _Story) -> SummaryStats:
    meter, tally = story.meter, story.tally
    return SummaryStats(
        llm_calls=meter.calls,
        llm_tokens=meter.tokens,
        llm_seconds=round(meter.seconds, 3),
        bullets_checked=tally.checked,
        bullets_judged=tally.judged,
        bullets_repaired=tally.repaired,
        bullets_dropped=tally.dropped,
        rejected=dict(sorted(tally.rejected.items())),
    )
