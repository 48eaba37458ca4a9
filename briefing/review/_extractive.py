"""Extractive bullets under review: the offline summariser's candidates, best first, each checked; a candidate
that fails the check is dropped and the next one tried. Also the outcome of a story, whichever backend wrote it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from briefing.config import SummariserSettings
from briefing.models import Bullet, Summary, SummaryStats
from briefing.review._plan import Plan
from briefing.review._vetting import Checker, Tally, verdict_of
from briefing.summarise import extractive, headlines, leaning
from briefing.summarise.rules import Rejection

log = logging.getLogger(__name__)

Tick = Callable[[], None]  # called once per finished story, on the calling thread


@dataclass(frozen=True)
class Outcome:
    summary: Summary
    cacheable: bool  # False after a failure that may not happen next time (timeout, budget, no key)


def ticked(outcome: Outcome, tick: Tick) -> Outcome:
    tick()
    return outcome


def extractive_outcome(plan: Plan, settings: SummariserSettings, check: Checker) -> Outcome:
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
    title = news_title(plan)
    title, bullets = headed(plan, _checked_extractive(plan, settings, check, tally, title), title)
    return Summary(
        headline=title,
        bullets=bullets,
        summariser="extractive",
        stats=SummaryStats(
            bullets_checked=tally.checked, bullets_dropped=tally.dropped, rejected=dict(sorted(tally.rejected.items()))
        ),
    )


def news_title(plan: Plan) -> str | None:
    """The story's most representative news title, its relative times anchored to its writer's day, as a
    bullet's are (`StoryContext.as_read`); None when no title may name the story."""
    return headlines.news_title(plan.cluster, plan.shows, plan.context.as_read)


def headed(plan: Plan, bullets: Sequence[Bullet], title: str | None) -> tuple[str, tuple[Bullet, ...]]:
    """The story's headline and the bullets to print under it: its news title (`news_title`); when no title may
    name the story (only questions, programmes, over-long titles), the lead bullet. A bullet that says the whole
    headline again is not printed below it while other bullets remain: the reader would read the same sentence
    twice."""
    if title is not None:
        return title, under(title, bullets)
    if not bullets:
        return headlines.first_title(plan.cluster), ()
    lead = headlines.from_text(bullets[0].text)
    whole = not lead.endswith("…")
    return lead, tuple(bullets[1:] if whole and len(bullets) > 1 else bullets)


def under(headline: str, bullets: Sequence[Bullet]) -> tuple[Bullet, ...]:
    """The bullets to print under a headline: those that do not say it again, unless none else remains."""
    others = tuple(b for b in bullets if not headlines.says_headline(headline, b.text))
    return others or tuple(bullets)


def _checked_extractive(
    plan: Plan, settings: SummariserSettings, check: Checker, tally: Tally, title: str | None
) -> tuple[Bullet, ...]:
    """The best extractive candidates that pass the check; a failing candidate is dropped, the next one tried.
    A candidate that says the headline again is tried last, so that another takes its place (`headed`).
    Extractive bullets quote their sources: they are never put to the LLM judge."""
    found = extractive.candidates(plan.cluster, settings.max_bullets * 2, plan.context)
    tally.rejected.update(found.rejected)
    kept: list[Bullet] = []
    restating = [b for b in found.bullets if title is not None and headlines.says_headline(title, b.text)]
    waiting = deque([b for b in found.bullets if b not in restating] + restating)
    while waiting and len(kept) < settings.max_bullets:
        candidate = waiting.popleft()
        if not kept and leaning.reported_subject(candidate.text):
            # "The move comes amid ..." may not open the story (the lead failed the check): it waits behind the
            # next bullet that may, or is dropped when none may
            opening = next((i for i, b in enumerate(waiting) if not leaning.reported_subject(b.text)), None)
            if opening is None:
                break
            waiting.insert(opening + 1, candidate)
            continue
        verdict = verdict_of(check, candidate, plan.checkable)
        tally.checked += 1
        if verdict.supported:
            kept.append(replace(candidate, grounding=verdict))
        else:
            tally.dropped += 1
            tally.reject(Rejection.UNSUPPORTED)
    return tuple(kept)
