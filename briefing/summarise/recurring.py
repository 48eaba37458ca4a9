"""Text that recurs across the stories of an edition is not a fact of any one of them.

A helpline printed under every virus story, a channel's blurb under every video, a show name on every episode
title: each is a faithful copy of its source, and none says what happened. They are learnt from the material
being summarised rather than listed: a sentence found in articles of two or more different stories, and a
title segment (around " | ", " - ", ": ") found in three or more titles, recur. Within one story the same
sentence in several articles is the opposite signal (wire copies of the story's facts), so it does not count.

recurring knows sentences and titles; it must not know scoring, LLMs or the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.models import Cluster
from briefing.summarise.headlines import title_parts
from briefing.summarise.rules import fingerprint
from briefing.summarise.splitting import split_sentences

MIN_STORIES = 2  # a sentence in articles of this many different stories recurs
MIN_TITLES = 3  # a title segment in this many titles is a show or section name
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class Recurring:
    """What recurs in an edition's material: sentence fingerprints and lowercased title segments."""

    sentences: frozenset[str] = frozenset()
    title_parts: frozenset[str] = frozenset()

    def within(self, cluster: Cluster) -> Recurring:
        """Only what occurs in `cluster` (a story's summary depends on this, so its cache key does too)."""
        found = {
            key
            for article in cluster.articles
            for key in map(fingerprint, split_sentences(article.text[:MAX_TEXT_CHARS]))
            if key in self.sentences
        }
        parts = {p.lower() for a in cluster.articles for p in title_parts(a.title) if p.lower() in self.title_parts}
        return Recurring(frozenset(found), frozenset(parts))


def learn(clusters: Sequence[Cluster]) -> Recurring:
    """What recurs across the stories of `clusters` (see the module docstring)."""
    stories: dict[str, set[tuple[str, str]]] = defaultdict(set)  # sentence -> (story id, article id)
    titles: dict[str, set[str]] = defaultdict(set)
    for cluster in clusters:
        for article in cluster.articles:
            for sentence in split_sentences(article.text[:MAX_TEXT_CHARS]):
                stories[fingerprint(sentence)].add((cluster.id, article.id))
            parts = title_parts(article.title)
            for part in {p.lower() for p in parts} if len(parts) > 1 else ():
                titles[part].add(article.id)
    sentences = frozenset(key for key, seen in stories.items() if _across_stories(seen) and len(key) > 12)
    shows = frozenset(part for part, ids in titles.items() if len(ids) >= MIN_TITLES and _show_like(part))
    return Recurring(sentences, shows)


def _across_stories(seen: set[tuple[str, str]]) -> bool:
    """In different articles of at least MIN_STORIES different stories."""
    return len({story for story, _ in seen}) >= MIN_STORIES and len({article for _, article in seen}) >= MIN_STORIES


def _show_like(part: str) -> bool:
    """A recurring title segment worth removing: a few words, not a whole headline."""
    return 0 < len(part.split()) <= 5
