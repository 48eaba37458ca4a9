"""Ranking: which stories make an edition, in which order and under which section.

Knows clusters, the feeds that carried their articles (`Article.feeds`, feed keys), each feed's section and
weight, and the clock it is given. Knows nothing of text similarity, summaries or the store.

score = coverage x recency x weight, where
- coverage is the number of distinct outlets, plus a little for extra articles (a story many outlets carry is
  news; one outlet's ten updates are still one voice);
- recency halves every `recency_half_life_hours` after the story's newest article;
- weight is the mean configured weight of the feeds that carried its articles (1.0 for an unknown feed).
Stories are then taken best first, skipping any that would exceed `max_per_section` in their section or
`per_outlet_cap` for their lead outlet (the one with most articles in the cluster), until `max_stories`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from briefing.config import RankSettings
from briefing.models import Cluster, RankedCluster

__all__ = ["lead_outlet", "rank_clusters", "score_cluster", "section_of"]

_EXTRA_ARTICLE = 0.1  # coverage added by each article beyond one per outlet


def rank_clusters(
    clusters: Sequence[Cluster],
    sections: Mapping[str, str],
    weights: Mapping[str, float],
    settings: RankSettings,
    now: datetime,
) -> list[RankedCluster]:
    """The stories of an edition, best first, within the section, outlet and overall caps.

    `sections` and `weights` map feed keys to the section name and weight from feeds.yaml; their order is the
    configuration's order and breaks ties between sections.
    """
    scored = [
        RankedCluster(cluster, section_of(cluster, sections, settings), score_cluster(cluster, weights, settings, now))
        for cluster in clusters
        if cluster.articles
    ]
    scored.sort(key=lambda r: (-r.score, r.cluster.id))
    return _within_caps([r for r in scored if r.score > 0], settings)


def score_cluster(cluster: Cluster, weights: Mapping[str, float], settings: RankSettings, now: datetime) -> float:
    """Coverage x recency x weight (see the module docstring)."""
    outlets = len(cluster.outlets)
    coverage = outlets + _EXTRA_ARTICLE * (len(cluster.articles) - outlets)
    age_hours = max(0.0, (now - max(a.published for a in cluster.articles)).total_seconds() / 3600)
    recency = math.pow(0.5, age_hours / settings.recency_half_life_hours)
    return coverage * recency * _weight(cluster, weights)


def section_of(cluster: Cluster, sections: Mapping[str, str], settings: RankSettings) -> str:
    """The section most of the cluster's feeds belong to; ties go to the section configured first."""
    votes = Counter(sections[key] for article in cluster.articles for key in article.feeds if key in sections)
    if not votes:
        return settings.default_section or next(iter(sections.values()), "News")
    order = {name: i for i, name in enumerate(dict.fromkeys(sections.values()))}
    return min(votes, key=lambda name: (-votes[name], order[name]))


def lead_outlet(cluster: Cluster) -> str:
    """The outlet with most articles in the cluster (the earliest of them on a tie)."""
    counts = Counter(article.outlet for article in cluster.articles)
    return max(cluster.outlets, key=lambda outlet: counts[outlet])  # max keeps the first of equals


def _weight(cluster: Cluster, weights: Mapping[str, float]) -> float:
    per_article = [max((weights.get(key, 1.0) for key in a.feeds), default=1.0) for a in cluster.articles]
    return sum(per_article) / len(per_article)


def _within_caps(ranked: list[RankedCluster], settings: RankSettings) -> list[RankedCluster]:
    chosen: list[RankedCluster] = []
    per_section: Counter[str] = Counter()
    per_outlet: Counter[str] = Counter()
    for item in ranked:
        lead = lead_outlet(item.cluster)
        if per_section[item.section] >= settings.max_per_section or per_outlet[lead] >= settings.per_outlet_cap:
            continue
        chosen.append(item)
        per_section[item.section] += 1
        per_outlet[lead] += 1
        if len(chosen) == settings.max_stories:
            break
    return chosen
