"""One story as the review works on it: what the backends read, what the check reads, and what its sentences
are judged against (the edition's day, what recurs across the edition, what earlier editions said)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from briefing.models import Cluster, EditionContext
from briefing.summarise import bounded, recurring, timewords
from briefing.summarise.sentences import StoryContext


@dataclass(frozen=True)
class Plan:
    """The cluster both backends read (bounded, defanged), the cluster the check reads (older articles carry
    their dateline), and the story's context within the edition."""

    cluster: Cluster
    checkable: Cluster
    context: StoryContext
    shows: frozenset[str] = frozenset()  # title segments that recur across the edition (show names)


def plan_story(
    cluster: Cluster, edition: EditionContext | None = None, learnt: recurring.Recurring | None = None
) -> Plan:
    """The story's plan within an edition (`learnt`: what recurs across the edition's stories)."""
    edition = edition or EditionContext()
    within_bounds = bounded(cluster)
    within = (learnt or recurring.Recurring()).within(within_bounds)
    context = StoryContext(edition.day, edition.timezone, within.sentences, tuple(edition.said.get(cluster.id, ())))
    return Plan(within_bounds, _checkable(within_bounds, context), context, within.title_parts)


def _checkable(cluster: Cluster, context: StoryContext) -> Cluster:
    """The cluster as the check reads it: an article older than the edition states its own date (what an
    anchored "on Saturday 30 May" is checked against)."""
    articles = tuple(
        replace(a, text=f"{timewords.dateline(context.published_day(a))}\n{a.text}")
        if context.written_another_day(a)
        else a
        for a in cluster.articles
    )
    return replace(cluster, articles=articles)
