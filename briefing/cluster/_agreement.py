"""Which members of a joining group agree with the story they join (`agreements`), many groups at a time.

A group is formed by average linkage and joins on its centroid; a member that only resembles another member
(not the story) would be chained in. Each member is scored on its own against the story's core (the centroid
of the story's articles so far) and those under `member_agreement` of the threshold stay apart.

A first poll of many feeds has thousands of joining groups, and scoring them one at a time built a dozen small
sparse matrices per group, which cost more than the arithmetic. Here the caller hands the groups of one "wave"
(groups joining distinct stories: see `briefing.cluster._attach`), their members are scored against all their
stories' cores in one product, and each member keeps its own story's score. A product's entry adds the same
terms in the same order whatever the other rows and columns, so every score is the one a group alone gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from briefing.cluster._weighed import Weighed
from briefing.cluster._window import Vectors, decay, hours, normalize, similarity
from briefing.config import ClusterSettings
from briefing.models import Article


class Story(Protocol):
    """What this module reads and keeps of a story being joined (`briefing.cluster._Draft`)."""

    articles: list[Article]
    latest_hours: float
    sole_feed: str | None
    core_sum: Vectors | None
    core_count: int


def agreements(
    groups: Sequence[list[Article]], stories: Sequence[Story], weighed: Weighed, settings: ClusterSettings
) -> list[tuple[list[Article], list[Article]]]:
    """For each group, the members that agree with the story it joins (`stories[i]`, each a different one) on
    their own, and the others, each in the group's order."""
    if not groups:
        return []
    cores = [core(story, weighed) for story in stories]
    stacked = Vectors(
        sp.vstack([c.words for c in cores], format="csr"), sp.vstack([c.names for c in cores], format="csr")
    )
    members = [a for group in groups for a in group]
    own = np.repeat(np.arange(len(groups)), [len(group) for group in groups])  # each member's story
    when = np.array([hours(a.published) for a in members])
    latest = np.array([story.latest_hours for story in stories])[own]
    scores = similarity(weighed.vectors(members), stacked, settings)[np.arange(len(members)), own]
    scores = scores * decay(when - latest, settings)
    factors = [_feed_factor(group, story, settings) for group, story in zip(groups, stories, strict=True)]
    scores *= np.array(factors)[own]
    bar = settings.threshold * settings.member_agreement
    found: list[tuple[list[Article], list[Article]]] = [([], []) for _ in groups]
    for article, g, score in zip(members, own.tolist(), scores.tolist(), strict=True):
        # not `a not in agree`: quadratic in Article ==
        (found[g][0] if score >= bar else found[g][1]).append(article)
    return found


def core(story: Story, weighed: Weighed) -> Vectors:
    """The story's centroid (`window.centroids_of` its articles), from a running sum of its articles' rows kept
    on the draft: a story of thousands of articles joined again and again in a big first poll is not weighed
    again each time."""
    added = story.articles[story.core_count :]
    if added:
        part = weighed.vectors(added).total()
        before = story.core_sum
        story.core_sum = part if before is None else Vectors(before.words + part.words, before.names + part.names)
        story.core_count = len(story.articles)
    assert story.core_sum is not None
    return Vectors(normalize(story.core_sum.words), normalize(story.core_sum.names))


def _feed_factor(group: list[Article], story: Story, settings: ClusterSettings) -> float:
    """`same_feed_factor` when the group and the story come from one and the same feed, else 1."""
    feed = one_feed(group)
    return settings.same_feed_factor if feed is not None and story.sole_feed == feed else 1.0


def feed_of(article: Article) -> str:
    return article.feeds[0] if article.feeds else article.outlet


def one_feed(articles: Sequence[Article]) -> str | None:
    """The feed all the articles come from, or None when they come from several."""
    first = feed_of(articles[0])
    return first if all(feed_of(a) == first for a in articles) else None
