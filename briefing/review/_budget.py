"""The edition's token budget (`summariser.max_edition_tokens`): every LLM call of a build spends from it.

Drafts are planned in ranking order before any call, so which stories get the LLM does not depend on thread
timing; repairs and judgements reserve what they are expected to cost from what the plan left, and each story
settles what it reserved against what its calls really cost (the server's token counts) when it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.config import SummariserSettings
from briefing.models import Article, Cluster
from briefing.summarise import bounded, prompt, prompt_articles

OUTPUT_TOKENS_PER_BULLET = 90  # what an answer costs, for the budget estimate before a call
JUDGE_ANSWER_TOKENS = 40  # {"supported": ..., "reason": "..."}


class Budget:
    """Tokens committed so far against the edition's total; safe to share between threads."""

    def __init__(self, total: int) -> None:
        self._total = total
        self._committed = 0
        self._lock = threading.Lock()

    def plan(self, estimates: Sequence[int]) -> list[bool]:
        """Which drafts fit, in order; a draft that does not fit leaves room for a cheaper one after it."""
        allowed = []
        for estimate in estimates:
            fits = self._committed + estimate <= self._total
            self._committed += estimate if fits else 0
            allowed.append(fits)
        return allowed

    def reserve(self, estimate: int) -> bool:
        with self._lock:
            fits = self._committed + estimate <= self._total
            self._committed += estimate if fits else 0
            return fits

    def settle(self, reserved: int, spent: int) -> None:
        """Replace what a story reserved by what its calls cost."""
        with self._lock:
            self._committed += spent - reserved


@dataclass
class Account:
    """One story's reservations against the edition's budget (filled while the story is reviewed)."""

    budget: Budget
    reserved: int = 0

    def reserve(self, estimate: int) -> bool:
        fits = self.budget.reserve(estimate)
        self.reserved += estimate if fits else 0
        return fits


def estimate_story_tokens(cluster: Cluster, settings: SummariserSettings) -> int:
    """What drafting this story is expected to cost against `max_edition_tokens` (prompt + answer)."""
    return estimate_draft_tokens(prompt_articles(bounded(cluster), settings.max_sources), settings)


def estimate_draft_tokens(articles: Sequence[Article], settings: SummariserSettings) -> int:
    """A draft's prompt for these articles (as `prompt_articles` chose them), and its answer."""
    messages = prompt.summary_messages(articles, settings.max_bullets, settings.max_source_tokens)
    answer = OUTPUT_TOKENS_PER_BULLET * settings.max_bullets
    return prompt.estimate_tokens("".join(m["content"] for m in messages)) + answer


def estimate_judge_tokens(source: str, claim: str) -> int:
    """A judgement's prompt (the cited sources as the judge reads them, and the claim), and its answer."""
    messages = prompt.judge_messages(source, claim)
    return prompt.estimate_tokens("".join(m["content"] for m in messages)) + JUDGE_ANSWER_TOKENS
