"""Can a "spread" story be gathered? Reactions of one kind to one trigger in many places (protests in many cities
over one killing) make one labelled story that clustering splits into many pieces. This measures, on a labelled
real stream, how far story-level merging of each day's stories could gather the file's largest story, and what it
costs the others, with and without knowing the story's event.

    .venv/bin/python bench/spread.py [FILE]     # default: ../shared/data/eval/real-stories-dev.jsonl

The file is replayed one day per poll at the shipped settings (as `briefing eval clustering` does; boilerplate
learned and kinds given day by day). Then, per day, the stories holding that day's items (each read as the
centroid of its day's items: sublinear tf x IDF over the day, as clustering weighs words) are merged by average
linkage at a bar `theta`, a merged story keeping the id of its largest piece (so cross-day continuity stays).
Which pairs of stories may merge:

- `anchor`: those sharing a bursting name, one held by at least 2% of the day's items from at least 5 outlets
  (the general rule: "George Floyd", "Minneapolis", "Trump", "Covid-19" on the labelled days);
- `event`: those whose items all belong to the largest story's labelled event (an oracle: the most any anchor
  rule could know), on words, and again on the sentence encoder (MiniLM: title and first sentence), if shipped.

Each prints story BCubed F1, precision and recall, event BCubed precision, multi-article stories mixing events,
the largest story's three largest pieces, and how many other labelled stories gain or lose (mean per-item F1).
For `anchor`, `theta` is also chosen held out by day (`bench/stories.py`'s rule: among bars that meet the
precision targets on the other two days, those within its tolerance of the best F1 there, the lowest bar) and the
held-out F1 printed. Last, why linkage cannot gather it: how often each of the story's items has its nearest
same-day item (by words) inside the story, and how alike the story's items are. docs/clustering.md ("What limits
recall") reports the figures.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

sys.path.insert(0, str(Path(__file__).parent))

from stories import MAX_MIXING, MIN_EVENT_PRECISION, TOLERANCE, mixing, per_item, summary

from briefing.boilerplate import SpanCounts
from briefing.cluster import cluster_articles
from briefing.cluster._features import entity_analyzer, word_analyzer
from briefing.config import ClusterSettings, EncoderSettings
from briefing.evaluate.clustering import Labelled, load_labelled
from briefing.kinds import classify
from briefing.models import Article, Cluster

DEFAULT = Path(__file__).parent.parent.parent / "shared" / "data" / "eval" / "real-stories-dev.jsonl"
THETAS = (0.5, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15)
ANCHOR_SHARE, ANCHOR_OUTLETS = 0.02, 5  # a bursting name: held by 2% of the day's items, from 5 outlets


def replayed(labelled: Labelled, settings: ClusterSettings) -> tuple[dict[str, str], dict[str, Article]]:
    """One poll per labelled day, as `replay` does: article id -> story id, and each article as clustering read
    it (stripped of its feed's boilerplate, with its kind)."""
    counts, stored, stories = SpanCounts(), {}, {}
    read: dict[str, Article] = {}
    window = settings.window_hours * 3600
    for day in sorted(set(labelled.days.values())):
        batch = [a for a in labelled.articles if labelled.days[a.id] == day]
        by_feed: dict[str, list[Article]] = defaultdict(list)
        for article in batch:
            by_feed[article.feeds[0] if article.feeds else ""].append(article)
        for feed, items in by_feed.items():
            counts.add(feed, items)
        model = counts.model()
        stored.update((a.id, a) for a in classify(batch, model))
        now = max(a.published for a in batch)
        current = [
            Cluster(c.id, tuple(model.strip(stored[a.id]) for a in c.articles))
            for c in stories.values()
            if (now - c.articles[-1].published).total_seconds() <= window
        ]
        fresh = model.strip_all(stored[a.id] for a in batch)
        read.update((a.id, a) for a in fresh)
        for cluster in cluster_articles(fresh, current, settings):
            stories[cluster.id] = cluster
    return {a.id: c.id for c in stories.values() for a in c.articles}, read


def word_rows(items: list[str], read: Mapping[str, Article], title_weight: int) -> sp.csr_matrix:
    """Unit-length sublinear tf x IDF rows of the items (IDF over them, with clustering's floor of 0.3)."""
    counted = [Counter(word_analyzer(read[i], title_weight)) for i in items]
    vocabulary = {w: n for n, w in enumerate(sorted(set().union(*counted)))}
    df = np.zeros(len(vocabulary))
    for words in counted:
        df[[vocabulary[w] for w in words]] += 1
    idf = np.log((1 + len(items)) / (1 + df)) + 0.3
    rows, columns, values = [], [], []
    for r, words in enumerate(counted):
        for w, n in words.items():
            rows.append(r)
            columns.append(vocabulary[w])
            values.append((1 + math.log(n)) * idf[vocabulary[w]])
    matrix = sp.csr_matrix((values, (rows, columns)), shape=(len(items), len(vocabulary)))
    return _unit(matrix)


def _unit(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / norms) @ matrix)


Pairs = Callable[[list[list[str]]], np.ndarray]  # the day's stories (their day items) -> which pairs may merge


def merged(
    labelled: Labelled,
    predicted: Mapping[str, str],
    rows_of: Callable[[str, list[str]], sp.csr_matrix | np.ndarray],
    allowed: Callable[[str, list[str], list[list[str]]], np.ndarray],
    theta: float,
    joinable: Callable[[list[str]], bool],
) -> dict[str, str]:
    """`predicted` with each day's joinable stories merged by average linkage of their day centroids at `theta`,
    among the pairs `allowed` (a boolean matrix over the day's joinable stories)."""
    found = dict(predicted)
    members: dict[str, list[str]] = defaultdict(list)
    for i, story in predicted.items():
        members[story].append(i)
    for day in sorted(set(labelled.days.values())):
        items = [i for i in labelled.stories if labelled.days[i] == day]
        pieces: dict[str, list[str]] = defaultdict(list)
        for i in items:
            pieces[predicted[i]].append(i)
        ids = [s for s, ms in pieces.items() if joinable(ms)]
        if len(ids) < 2:
            continue
        rows = rows_of(day, items)
        position = {i: n for n, i in enumerate(items)}
        indicator = sp.csr_matrix(
            (
                np.ones(sum(len(pieces[s]) for s in ids)),
                [position[i] for s in ids for i in pieces[s]],
                np.concatenate([[0], np.cumsum([len(pieces[s]) for s in ids])]),
            ),
            shape=(len(ids), len(items)),
        )
        centroids = indicator @ rows
        centroids = _unit(sp.csr_matrix(centroids)) if sp.issparse(centroids) else _normed(centroids)
        similar = centroids @ centroids.T
        similar = similar.toarray() if sp.issparse(similar) else similar
        distance = np.where(allowed(day, items, [pieces[s] for s in ids]), 1 - similar, 1.0)
        np.fill_diagonal(distance, 0.0)
        labels = fcluster(
            linkage(squareform(np.clip(distance, 0, None), checks=False), "average"), 1 - theta, "distance"
        )
        groups: dict[int, list[str]] = defaultdict(list)
        for story, label in zip(ids, labels, strict=True):
            groups[int(label)].append(story)
        for group in groups.values():
            head = max(group, key=lambda s: (len(members[s]), s))
            for story in group:
                for i in members[story]:
                    found[i] = head
    return found


def _normed(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1, norms))


def anchors(labelled: Labelled, read: Mapping[str, Article]) -> Callable[[str, list[str], list[list[str]]], np.ndarray]:
    """Pairs of stories sharing a bursting name (not a number)."""
    names = {i: set(entity_analyzer(a)) for i, a in read.items()}

    def allowed(day: str, items: list[str], stories: list[list[str]]) -> np.ndarray:
        held, outlets = Counter[str](), defaultdict[str, set[str]](set)
        for i in items:
            for name in names[i]:
                held[name] += 1
                outlets[name].add(read[i].outlet)
        bursting = {n for n in held if held[n] >= ANCHOR_SHARE * len(items) and len(outlets[n]) >= ANCHOR_OUTLETS} - {
            n for n in held if n[:1].isdigit()
        }
        shared = [set().union(*(names[i] for i in story)) & bursting for story in stories]
        return np.array([[bool(a & b) for b in shared] for a in shared])

    return allowed


def report(labelled: Labelled, predicted: Mapping[str, str], base: Mapping[str, str], largest: str) -> dict[str, Any]:
    items = list(labelled.stories)
    terms = per_item(labelled, predicted)
    scores = {k: round(v, 4) for k, v in summary(terms, items).items()}
    mixed, multi = mixing(labelled, predicted, items)
    pieces = Counter(predicted[i] for i in items if labelled.stories[i] == largest)
    before, after = _story_f1(labelled, base), _story_f1(labelled, predicted)
    others = [s for s in after if s != largest]
    return {
        **scores,
        "mixing": f"{mixed} of {multi}",
        "largest_story_pieces": [n for _, n in pieces.most_common(3)],
        "other_stories_gain": sum(after[s] > before[s] + 1e-9 for s in others),
        "other_stories_lose": sum(after[s] < before[s] - 1e-9 for s in others),
    }


def _story_f1(labelled: Labelled, predicted: Mapping[str, str]) -> dict[str, float]:
    found: dict[str, list[float]] = defaultdict(list)
    for i, (p, r, _) in per_item(labelled, predicted).items():
        found[labelled.stories[i]].append(2 * p * r / (p + r))
    return {s: float(np.mean(v)) for s, v in found.items()}


def held_out(labelled: Labelled, runs: dict[float, dict[str, str]]) -> dict[str, Any]:
    """Each day scored with the `theta` the other two days choose (bench/stories.py's rule)."""
    terms, chosen = {}, {}
    scored = {theta: per_item(labelled, predicted) for theta, predicted in runs.items()}
    for day in sorted(set(labelled.days.values())):
        train = [i for i in labelled.stories if labelled.days[i] != day]

        def precise(theta: float, train: list[str] = train) -> bool:
            mixed, multi = mixing(labelled, runs[theta], train)
            event = summary(scored[theta], train)["event_bcubed_precision"]
            return event >= MIN_EVENT_PRECISION and mixed < MAX_MIXING * multi

        candidates = [t for t in runs if precise(t)] or list(runs)
        f1 = {t: summary(scored[t], train)["bcubed_f1"] for t in candidates}
        chosen[day] = min(t for t in candidates if f1[t] >= max(f1.values()) - TOLERANCE)
        terms.update((i, scored[chosen[day]][i]) for i in labelled.stories if labelled.days[i] == day)
    return {**{k: round(v, 4) for k, v in summary(terms, list(labelled.stories)).items()}, "chosen": chosen}


def neighbours(labelled: Labelled, read: Mapping[str, Article], largest: str, title_weight: int) -> dict[str, Any]:
    """For the largest story's items: where each one's nearest same-day item (by words) is, and how alike the
    story's items of one day are."""
    where: Counter[str] = Counter()
    alike: list[float] = []
    for day in sorted(set(labelled.days.values())):
        items = [i for i in labelled.stories if labelled.days[i] == day and not read[i].kind.standalone]
        rows = word_rows(items, read, title_weight)
        similar = (rows @ rows.T).toarray()
        np.fill_diagonal(similar, -1.0)
        inside = np.array([labelled.stories[i] == largest for i in items])
        event = labelled.events[next(i for i in labelled.stories if labelled.stories[i] == largest)]
        for n in np.flatnonzero(inside):
            nearest = items[int(np.argmax(similar[n]))]
            where[
                "story"
                if labelled.stories[nearest] == largest
                else "event"
                if labelled.events[nearest] == event
                else "other"
            ] += 1
            alike.extend(similar[n][inside & (np.arange(len(items)) != n)].tolist())
    return {
        "nearest_same_day_item": dict(where),
        "word_cosine_within_story": {
            q: round(float(np.percentile(alike, p)), 3) for q, p in (("median", 50), ("p90", 90), ("p99", 99))
        },
    }


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.is_file():
        sys.exit(f"{path} is missing: this benchmark reads a labelled real stream")
    labelled = load_labelled(path)
    settings = ClusterSettings()
    base, read = replayed(labelled, settings)
    largest = Counter(labelled.stories.values()).most_common(1)[0][0]
    event = next(labelled.events[i] for i in labelled.stories if labelled.stories[i] == largest)
    cache: dict[str, sp.csr_matrix] = {}

    def words(day: str, items: list[str]) -> sp.csr_matrix:
        if day not in cache:
            cache[day] = word_rows(items, read, settings.title_weight)
        return cache[day]

    def joinable(items: list[str]) -> bool:
        return not any(read[i].kind.standalone for i in items)

    def in_event(day: str, items: list[str], stories: list[list[str]]) -> np.ndarray:
        inside = np.array([all(labelled.events[i] == event for i in story) for story in stories])
        return np.asarray(inside[:, None] & inside[None, :])

    found: dict[str, Any] = {"largest_story": largest, "shipped": report(labelled, base, base, largest)}
    anchored = {t: merged(labelled, base, words, anchors(labelled, read), t, joinable) for t in THETAS}
    found["anchor"] = {str(t): report(labelled, p, base, largest) for t, p in anchored.items()}
    found["anchor_held_out_by_day"] = held_out(labelled, anchored)
    found["event_oracle_words"] = {
        str(t): report(labelled, merged(labelled, base, words, in_event, t, joinable), base, largest) for t in THETAS
    }
    found["event_oracle_encoder"] = encoder_oracle(labelled, read, base, largest, in_event, joinable)
    found["neighbours"] = neighbours(labelled, read, largest, settings.title_weight)
    print(json.dumps(found, indent=2))


def encoder_oracle(
    labelled: Labelled,
    read: Mapping[str, Article],
    base: Mapping[str, str],
    largest: str,
    in_event: Callable[[str, list[str], list[list[str]]], np.ndarray],
    joinable: Callable[[list[str]], bool],
) -> dict[str, Any] | str:
    """The event oracle on sentence-encoder centroids (title and first sentence of each item)."""
    from briefing.encoder import load_encoder
    from briefing.errors import EncoderError

    try:
        encoder = load_encoder(EncoderSettings())
    except EncoderError as exc:
        return f"no encoder: {exc}"
    ids = list(labelled.stories)
    texts = [f"{read[i].title}. {_first_sentence(read[i].text)}" for i in ids]
    vectors = _normed(np.asarray(encoder.embed(texts)))
    row = {i: n for n, i in enumerate(ids)}

    def embedded(day: str, items: list[str]) -> np.ndarray:
        return vectors[[row[i] for i in items]]

    return {
        str(t): report(labelled, merged(labelled, base, embedded, in_event, t, joinable), base, largest)
        for t in (0.8, 0.7, 0.6, 0.5, 0.4)
    }


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:300]


if __name__ == "__main__":
    main()
