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
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from briefing.cluster._similarity import Vectors, decay, hours, normalize, similarity
from briefing.cluster._weighed import Weighed
from briefing.config import ClusterSettings
from briefing.models import Article


@dataclass(frozen=True)
class CoreSum:
    """The sum of some articles' weighted rows, not normalised: one sparse row per space, entries in the order
    scipy left them (the order the core's length is summed in)."""

    words: tuple[np.ndarray, np.ndarray]  # (values, columns)
    names: tuple[np.ndarray, np.ndarray]


class Story(Protocol):
    """What this module reads and keeps of a story being joined (`briefing.cluster._Draft`)."""

    articles: list[Article]
    latest_hours: float
    sole_feed: str | None
    core_sum: CoreSum | None  # the sum of the rows of its first `core_count` articles (see `cores`)
    core_count: int


def agreements(
    groups: Sequence[list[Article]], stories: Sequence[Story], weighed: Weighed, settings: ClusterSettings
) -> list[tuple[list[Article], list[Article]]]:
    """For each group, the members that agree with the story it joins (`stories[i]`, each a different one) on
    their own, and the others, each in the group's order."""
    if not groups:
        return []
    members = [a for group in groups for a in group]
    own = np.repeat(np.arange(len(groups)), [len(group) for group in groups])  # each member's story
    when = np.array([hours(a.published) for a in members])
    latest = np.array([story.latest_hours for story in stories])[own]
    scores = similarity(weighed.vectors(members), cores(stories, weighed), settings)[np.arange(len(members)), own]
    scores = scores * decay(when - latest, settings)
    factors = [_feed_factor(group, story, settings) for group, story in zip(groups, stories, strict=True)]
    scores *= np.array(factors)[own]
    bar = settings.threshold * settings.member_agreement
    found: list[tuple[list[Article], list[Article]]] = [([], []) for _ in groups]
    for article, g, score in zip(members, own.tolist(), scores.tolist(), strict=True):
        # not `a not in agree`: quadratic in Article ==
        (found[g][0] if score >= bar else found[g][1]).append(article)
    return found


def cores(stories: Sequence[Story], weighed: Weighed) -> Vectors:
    """Each story's core: the centroid of its articles (`window.centroids_of` them), one row each, in order.

    From a running sum of its articles' rows kept on the story: a story of thousands of articles joined again
    and again in a big first poll is not weighed again each time. The sums are grown as one story's alone
    would be (its new articles' rows summed in their order, then added to the sum so far), for all the stories
    at once (`_grown`)."""
    added = [story.articles[story.core_count :] for story in stories]
    totals = weighed.totals(added)
    pending: dict[int, tuple[CoreSum, CoreSum]] = {}
    for i, (story, articles) in enumerate(zip(stories, added, strict=True)):
        if articles:
            part = CoreSum(_entries(totals.words, i), _entries(totals.names, i))
            if story.core_sum is None:
                story.core_sum = part
            else:
                pending[i] = (story.core_sum, part)
        story.core_count = len(story.articles)
    for i, total in _grown(pending, weighed.widths()).items():
        stories[i].core_sum = total
    final = [story.core_sum for story in stories]
    return Vectors(
        normalize(_stacked([t.words for t in final if t is not None], weighed.widths()[0])),
        normalize(_stacked([t.names for t in final if t is not None], weighed.widths()[1])),
    )


def _grown(pending: dict[int, tuple[CoreSum, CoreSum]], widths: tuple[int, int]) -> dict[int, CoreSum]:
    """Each sum so far plus its part, in one sparse addition per space and path.

    scipy adds two sparse rows on one of two paths, chosen for the whole matrices: one for sorted columns
    (entries out in column order) and one for any (entries out in another order), and the order of a sum's
    entries is the order its length is summed in. So the stories whose two sides both have sorted columns (in
    that space) are added in one batch, the others in another: each row comes out as it would alone."""
    found: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {"words": {}, "names": {}}
    for space, width in zip(found, widths, strict=True):
        sides = {i: (getattr(before, space), getattr(part, space)) for i, (before, part) in pending.items()}
        for path in (True, False):
            batch = [i for i, (a, b) in sides.items() if (_sorted(a) and _sorted(b)) == path]
            if batch:
                total = _stacked([sides[i][0] for i in batch], width) + _stacked([sides[i][1] for i in batch], width)
                found[space].update((i, _entries(total, row)) for row, i in enumerate(batch))
    return {i: CoreSum(found["words"][i], found["names"][i]) for i in pending}


def _sorted(entries: tuple[np.ndarray, np.ndarray]) -> bool:
    return bool(np.all(np.diff(entries[1]) > 0))


def _entries(matrix: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
    return matrix.data[start:end], matrix.indices[start:end]


def _stacked(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sp.csr_matrix:
    """One CSR row per (values, columns) pair, entries in their order."""
    indptr = np.concatenate([[0], np.cumsum([len(values) for values, _ in rows], dtype=np.int64)])
    data = np.concatenate([values for values, _ in rows]) if rows else np.zeros(0, np.float32)
    columns = np.concatenate([columns for _, columns in rows]) if rows else np.zeros(0, np.int32)
    return sp.csr_matrix((data, columns, indptr), shape=(len(rows), width))


def _feed_factor(group: list[Article], story: Story, settings: ClusterSettings) -> float:
    """`same_feed_factor` when the group and the story come from one and the same feed, and again when both
    only ask questions (`all_ask`); else 1."""
    feed = one_feed(group)
    factor = settings.same_feed_factor if feed is not None and story.sole_feed == feed else 1.0
    return factor * question_factor(all_ask(group), story.articles, settings)


def asks(article: Article) -> bool:
    """Whether the title is a question ("Do Runners Need to Wear Masks?"): an explainer's or a column's topic,
    which reports no development that another item could share."""
    return article.title.rstrip().endswith("?")


def all_ask(articles: Sequence[Article]) -> bool:
    return all(map(asks, articles))


def question_factor(group_asks: bool, story: Sequence[Article], settings: ClusterSettings) -> float:
    """`same_feed_factor` when a group whose titles all ask questions meets a story whose titles all do: two
    questions on one topic ("Do runners need masks?", "How do you make kids wear masks?") share words but no
    development, so they need the stronger evidence two items of one feed need."""
    return settings.same_feed_factor if group_asks and all_ask(story) else 1.0


def feed_of(article: Article) -> str:
    return article.feeds[0] if article.feeds else article.outlet


def one_feed(articles: Sequence[Article]) -> str | None:
    """The feed all the articles come from, or None when they come from several."""
    first = feed_of(articles[0])
    return first if all(feed_of(a) == first for a in articles) else None
