"""The summary cache: a checked summary is kept under a hash of everything it depends on, so a rebuild with no
new input makes no LLM call and runs no check.

The store keeps the entries (`store.summary_cache()` satisfies `SummaryCache`); this module decides the key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Protocol

from briefing.config import GroundingSettings, SummariserSettings
from briefing.models import Cluster, Summary
from briefing.review._plan import Plan
from briefing.summarise import extractive, prompt
from briefing.summarise.sentences import StoryContext


class SummaryCache(Protocol):
    """Where checked summaries are kept between builds (the store implements it: `store.summary_cache()`)."""

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


def cache_key(
    cluster: Cluster,
    settings: SummariserSettings,
    grounding: GroundingSettings,
    plan: Plan | None = None,
    checker_identity: str = "",
) -> str:
    """A hash of everything a summary depends on: the articles' content and dates, the prompt, backend, model,
    check (its settings and which check it is) and judge, and the edition context that changes what may be
    said about the story."""
    context = plan.context if plan else StoryContext()
    llm = settings.backend == "openai"
    recipe = {
        "backend": settings.backend,
        "version": prompt.PROMPT_VERSION if llm else extractive.VERSION,
        "model": settings.model if llm else None,
        "settings": [settings.max_bullets, settings.max_source_tokens, settings.max_sources, *_judging(settings)],
        "grounding": grounding.model_dump(mode="json"),
        "check": checker_identity,
        "articles": sorted([a.id, a.outlet, a.title, a.text, a.kind.value] for a in cluster.articles),
        "older": sorted(str(context.published_day(a)) for a in cluster.articles if context.written_another_day(a)),
        "recurring": sorted(context.recurring) + sorted(plan.shows if plan else ()),
        "said": list(context.said),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _judging(settings: SummariserSettings) -> list[str | float]:
    """The judge settings, where they change what is published: only LLM bullets are judged."""
    if settings.backend != "openai" or settings.judge == "none":
        return []
    return [settings.judge, settings.judge_band] if settings.judge == "auto" else [settings.judge]


def from_cache(summary: Summary) -> Summary:
    """A cached summary as this build reports it: cached, and free."""
    stats = replace(summary.stats, cached=True, llm_calls=0, llm_tokens=0, llm_seconds=0.0)
    return replace(summary, stats=stats)
