"""Splits a reader sees: two stories of one real-day edition that the labels call one story, and why they stayed
apart, computed with clustering's own functions.

    .venv/bin/python bench/splits.py                  # builds the three shared real days in a temporary folder
    .venv/bin/python bench/splits.py --built /tmp/rd  # or reads days already built (/work/tools/realdays.py)

Each edition (`tests/realday.py`: one first poll of the day's feeds into a fresh store, `briefing run`) is read
from its `briefing.json`; its articles are matched to `../shared/data/eval/real-stories-dev.jsonl` by URL, else
by title (as `bench/nonnews.py` does). A split is a pair of the edition's stories holding articles of one
labelled story; the largest labelled story (protest scenes in many cities, see docs/clustering.md, "What limits
recall") is left out unless `--all`. For each split, the window of the day's store is rebuilt as the poll saw it
(every article, stripped of its feed's learned boilerplate, with its stored kind) and the pair is scored as
average linkage scores it (the mean over the two stories' article pairs of words tempered by names, times time
decay, times the same-feed factor) against the bar for that window; with each factor left out in turn, so the
one that kept the pair under the bar shows. Prints one block per split and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from nonnews import labelled

from briefing.cluster import threshold_for
from briefing.cluster._agreement import feed_of
from briefing.cluster._features import _entities, _tokens
from briefing.cluster._similarity import decay, hours, mix
from briefing.cluster._window import WindowState
from briefing.config import ClusterSettings, load_settings
from briefing.pipeline import learned_boilerplate
from briefing.store import open_store_from_settings

DAYS = ("2020-05-30", "2020-05-31", "2020-06-01")
LABELS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eval" / "real-stories-dev.jsonl"


def largest_story(path: Path) -> str:
    sizes = Counter(json.loads(line)["cluster"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    return sizes.most_common(1)[0][0]


def edition_splits(edition: Path, by_url: dict[str, str], by_title: dict[str, str], skip: str) -> list[dict[str, Any]]:
    """Pairs of the edition's stories sharing a labelled story: (label, story a, story b)."""
    data = json.loads(edition.read_text(encoding="utf-8"))
    stories = [s for section in data["sections"] for s in section["stories"]]
    labels = [
        {by_url.get(a.get("url") or "") or by_title.get(a["title"].strip(), "?") for a in s["articles"]} - {"?"}
        for s in stories
    ]
    found = []
    for i in range(len(stories)):
        for j in range(i + 1, len(stories)):
            for label in sorted((labels[i] & labels[j]) - {skip}):
                found.append({"label": label, "a": stories[i], "b": stories[j]})
    return found


class DayWindow:
    """The day's store read back as the poll clustered it: every article stripped, weighed in one window."""

    def __init__(self, folder: Path, settings: ClusterSettings) -> None:
        config = load_settings(folder / "feeds.yaml")
        store = open_store_from_settings(config)
        learnt = learned_boilerplate(store)
        clusters = store.clusters_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        self.articles = {a.id: a for a in learnt.strip_all(a for c in clusters for a in c.articles)}
        self.story_of = {a.id: c.id for c in clusters for a in c.articles}
        self.settings = settings
        self.window = WindowState().window([], list(self.articles.values()), settings)
        self.bar = threshold_for(self.window.size, settings)

    def scores(self, left: list[str], right: list[str]) -> dict[str, Any]:
        """Average-linkage terms of two sets of article ids (as the poll's grouping scores them)."""
        a = [self.articles[i] for i in left]
        b = [self.articles[i] for i in right]
        va, vb = self.window.vectors(a), self.window.vectors(b)
        words = (va.words @ vb.words.T).toarray()
        names = (va.names @ vb.names.T).toarray()
        has = (va.names.getnnz(axis=1) > 0)[:, None] & (vb.names.getnnz(axis=1) > 0)[None, :]
        mixed = mix(words, names, has, self.settings)
        gap = np.array([hours(x.published) for x in a])[:, None] - np.array([hours(y.published) for y in b])[None, :]
        time = decay(gap, self.settings)
        same = np.array([[feed_of(x) == feed_of(y) for y in b] for x in a])
        feed = np.where(same, self.settings.same_feed_factor, 1.0)
        return {
            "linkage": float((mixed * time * feed).mean()),
            "no_decay": float((mixed * feed).mean()),
            "no_same_feed": float((mixed * time).mean()),
            "words_only": float((words * time * feed).mean()),
            "words": float(words.mean()),
            "names": float(names.mean()),
            "decay": float(time.mean()),
            "same_feed_pairs": float(same.mean()),
            "gap_hours": float(np.abs(gap).mean()),
            "best_pair": float((mixed * time * feed).max()),
            "kinds": sorted({x.kind.value for x in a + b}),
        }


def diagnose(split: dict[str, Any], day: DayWindow) -> dict[str, Any]:
    ids = set(day.articles)
    left = [a["id"] for a in split["a"]["articles"] if a["id"] in ids]
    right = [a["id"] for a in split["b"]["articles"] if a["id"] in ids]
    found = day.scores(left, right)
    found["bar"] = day.bar
    found["label"] = split["label"]
    found["titles"] = (
        [day.articles[i].title for i in left],
        [day.articles[i].title for i in right],
    )
    found["sizes"] = (len(left), len(right))
    found["outlets"] = (sorted({day.articles[i].outlet for i in left}), sorted({day.articles[i].outlet for i in right}))
    title_a = set(_tokens(" ".join(found["titles"][0])))
    title_b = set(_tokens(" ".join(found["titles"][1])))
    found["title_words_only_a"], found["title_words_only_b"] = sorted(title_a - title_b), sorted(title_b - title_a)
    found["title_names"] = (
        sorted(set(_entities(" ".join(found["titles"][0])))),
        sorted(set(_entities(" ".join(found["titles"][1])))),
    )
    return found


def cause(found: dict[str, Any], bar: float) -> str:
    """What kept two pieces of one labelled story apart: the first factor whose removal alone lifts their
    average-linkage score to the bar (`kind`: a side is a stand-alone kind; `words`: none does)."""
    if any(k not in ("news", "opinion") for k in found["kinds"]):
        return "kind"
    for key, name in (("linkage", "joined elsewhere"), ("words_only", "names"), ("no_decay", "time decay")):
        if found[key] >= bar:
            return name
    if found["no_same_feed"] >= bar:
        return "same feed"
    return "names and time" if found["words"] >= bar else "words"


def store_splits(day: DayWindow, by_url: dict[str, str], by_title: dict[str, str], skip: str) -> list[tuple[str, str]]:
    """Every labelled story the day's store holds in several stories (not only the edition's): each smaller
    piece against the largest, with its cause."""
    pieces: dict[str, dict[str, list[str]]] = {}
    for a in day.articles.values():
        label = by_url.get(a.url or "") or by_title.get(a.title.strip())
        if label and label != skip:
            pieces.setdefault(label, {}).setdefault(day.story_of[a.id], []).append(a.id)
    lines = []
    for label, parts in sorted(pieces.items()):
        ordered = sorted(parts.values(), key=len, reverse=True)
        for part in ordered[1:]:
            found = day.scores(ordered[0], part)
            why = cause(found, day.bar)
            lines.append(
                (
                    why,
                    f"{why:16s} {label[:44]:44s} {len(ordered[0])}v{len(part)} linkage"
                    f" {found['linkage']:.3f}/{day.bar:.3f} | {day.articles[ordered[0][0]].title[:50]}"
                    f" || {day.articles[part[0]].title[:50]}",
                )
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, help="a folder of built days (<day>/outputs/editions/<day>/)")
    parser.add_argument("--all", action="store_true", help="also the largest labelled story's splits")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--store", action="store_true", help="also every split in the day's store, with its cause")
    options = parser.parse_args()
    if not options.labels.is_file():
        sys.exit(f"{options.labels} is absent: the measure needs the labelled real stream")
    by_url, by_title = labelled(options.labels, "cluster")
    skip = "" if options.all else largest_story(options.labels)
    folder = options.built or Path(tempfile.mkdtemp(prefix="splits-"))
    if options.built is None:
        from feedserver import FeedServer
        from realday import build_real_day

        with FeedServer() as server:
            for day in DAYS:
                (folder / day).mkdir(parents=True, exist_ok=True)
                build_real_day(server, day, folder / day)
    summary: dict[str, Any] = {"splits": 0, "stories": 0, "by_day": {}, "store_splits_by_cause": Counter()}
    for day in DAYS:
        edition = folder / day / "outputs" / "editions" / day / "briefing.json"
        splits = edition_splits(edition, by_url, by_title, skip)
        window = DayWindow(folder / day, ClusterSettings())
        stories = sum(len(s["stories"]) for s in json.loads(edition.read_text(encoding="utf-8"))["sections"])
        summary["by_day"][day] = len(splits)
        summary["splits"] += len(splits)
        summary["stories"] += stories
        for split in splits:
            found = diagnose(split, window)
            print(f"== {day} {found['label']}  sizes {found['sizes']}  bar {found['bar']:.3f}")
            for side in (0, 1):
                print(f"   {'ab'[side]}: {found['outlets'][side]} {[t[:80] for t in found['titles'][side]]}")
            print(
                "   linkage {linkage:.3f}  no decay {no_decay:.3f}  no same-feed {no_same_feed:.3f}  words only"
                " {words_only:.3f} | words {words:.3f} names {names:.3f} decay {decay:.2f} gap {gap_hours:.1f} h"
                " same-feed pairs {same_feed_pairs:.2f} best pair {best_pair:.3f} kinds {kinds}".format(**found)
            )
            print(f"   title words only a {found['title_words_only_a']}  only b {found['title_words_only_b']}")
            print(f"   title names a {found['title_names'][0]}  b {found['title_names'][1]}")
        if options.store:
            for why, line in store_splits(window, by_url, by_title, skip):
                print(f"store {day} {line}")
                summary["store_splits_by_cause"][why] += 1
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
