"""Summarise: the writers of a story's headline and bullets, and the rules a bullet must meet.

summarise knows two backends and what they read: `extractive` (the offline summariser: the story's central
sentences), and `llm` with `prompt` (any OpenAI-compatible server: drafting, repairing and judging bullets);
the sentence rules (`rules`: no caption, sign-off, promo, teaser, question, listing or recurring advisory;
`leaning`: no sentence that leans on one the reader never sees; `sentences`: what may be a bullet at all),
`headlines`, `repeats` (the same fact in other words), `timewords` (relative times an older article no longer
supports) and `recurring` (lines printed under every story).

It must not know whether a bullet is supported by its sources (that is `briefing.ground`), nor what is done
with a draft that fails (check, repair once, drop, fall back: `briefing.review`, which calls these backends),
nor how an edition is built or rendered. It imports nothing downstream (checked by the import contract in
pyproject.toml).
"""

from __future__ import annotations

from dataclasses import replace

from briefing.models import Article, Cluster
from briefing.summarise import extractive, headlines, language, prompt

__all__ = ["bounded", "prompt_articles"]


def bounded(cluster: Cluster) -> Cluster:
    """The cluster as both backends and the check see it: at most `MAX_ARTICLES` articles of at most
    `MAX_TEXT_CHARS` (neither backend reads further; feed payloads can be huge), without instructions aimed
    at a model (prompt injections)."""
    articles = tuple(
        replace(a, title=prompt.defang(a.title[:1_000]), text=prompt.defang(a.text[: extractive.MAX_TEXT_CHARS]))
        for a in cluster.articles[: extractive.MAX_ARTICLES]
    )
    return replace(cluster, articles=articles)


def prompt_articles(cluster: Cluster, max_sources: int) -> list[Article]:
    """Up to `max_sources` articles for the prompt: those that may supply bullets (never a live page, gallery
    or programme notice; in English when the story has any, `language`), one per outlet first (breadth), in
    cluster order."""
    usable = language.english_first([a for a in cluster.articles if headlines.may_supply_bullets(a)])
    first_per_outlet = list({a.outlet: a for a in reversed(usable)}.values())[::-1]
    rest = [a for a in usable if a not in first_per_outlet]
    return (first_per_outlet + rest)[:max_sources]
