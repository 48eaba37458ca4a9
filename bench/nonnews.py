"""Non-news in the real-day editions: stories led by an item the labels call non-news, and labelled non-news
items inside multi-article stories (issues #12 and #13 ask for none of either).

    .venv/bin/python bench/nonnews.py                  # builds the three shared real days in a temporary folder
    .venv/bin/python bench/nonnews.py --held-out       # each day with a kinds classifier fitted on the other two
    .venv/bin/python bench/nonnews.py --built /tmp/rd  # or reads editions already built (/work/tools/realdays.py)

Each edition is built as a user builds it (`tests/realday.py`: the day's feeds served from 127.0.0.1, `briefing
run`). With the shipped classifier the figure is in sample (it was fitted on these three days); with
`--held-out` each day's items are classified by a model fitted, with its settings chosen, on the other two days
(`bench/fit_kinds.py`), which is what an unseen day would meet. An edition's
articles (`briefing.json`, `sections[].stories[].articles[]`) are matched to the labelled items of
`../shared/data/eval/real-stories-dev.jsonl` by URL, else by title (and outlet name when titles repeat).
Prints each offending story (its leading title, the labelled kinds of its items) and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DAYS = ("2020-05-30", "2020-05-31", "2020-06-01")
LABELS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eval" / "real-stories-dev.jsonl"
NON_NEWS = {"live", "roundup", "promo", "other"}


def labelled(path: Path, field: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each labelled item's `field` ("kind", "cluster") by URL, and by title (a title carried by items with
    different values is left out of the title map, since it cannot say which one an edition holds)."""
    by_url: dict[str, str] = {}
    by_title: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("url"):
                by_url[record["url"]] = record[field]
            by_title.setdefault(record["title"].strip(), set()).add(record[field])
    return by_url, {title: values.pop() for title, values in by_title.items() if len(values) == 1}


def measure(edition: Path, by_url: dict[str, str], by_title: dict[str, str]) -> dict[str, Any]:
    """Counts for one `briefing.json`, and the stories that break the rule."""
    data = json.loads(edition.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    offending = []
    for section in data["sections"]:
        for story in section["stories"]:
            kinds = [by_url.get(a.get("url") or "") or by_title.get(a["title"].strip(), "?") for a in story["articles"]]
            counts["stories"] += 1
            counts["unmatched articles"] += kinds.count("?")
            led = kinds[0] in NON_NEWS
            inside = len(kinds) > 1 and any(k in NON_NEWS for k in kinds)
            counts["led by non-news"] += led
            counts["led by opinion (not non-news)"] += kinds[0] == "opinion"
            counts["multi-article stories"] += len(kinds) > 1
            counts["non-news items in multi-article stories"] += sum(k in NON_NEWS for k in kinds) if inside else 0
            if led or inside:
                offending.append({"headline": story["headline"], "kinds": kinds})
    return {"counts": dict(counts), "offending": offending}


def build(folder: Path, held_out_from: Path | None) -> None:
    """The three real days built into `folder`; with `held_out_from` (the labelled file), each day's items are
    classified by a model that never saw that day (the shipped one is swapped for it during the build)."""
    import numpy as np
    from feedserver import FeedServer
    from fit_kinds import choose, fit
    from realday import build_real_day

    from briefing import kinds
    from briefing.evaluate.kinds import load_kinds, replayed_features

    if held_out_from is not None:
        records, labels = load_kinds(held_out_from)
        rows = np.array(replayed_features(records), dtype=np.float64)
    shipped = kinds.load_model
    with FeedServer() as server:
        for day in DAYS:
            if held_out_from is not None:
                train = np.array([r.day != day for r in records])
                train_labels = [k for k, t in zip(labels, train, strict=True) if t]
                train_days = [r.day for r, t in zip(records, train, strict=True) if t]
                model = fit(rows[train], train_labels, *choose(rows[train], train_labels, train_days))
                setattr(kinds, "load_model", lambda model=model: model)  # noqa: B010
            (folder / day).mkdir(parents=True, exist_ok=True)
            try:
                build_real_day(server, day, folder / day)
            finally:
                setattr(kinds, "load_model", shipped)  # noqa: B010


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, help="a folder of built days (<day>/outputs/editions/<day>/)")
    parser.add_argument("--held-out", action="store_true", help="classify each day with a model fitted without it")
    parser.add_argument("--labels", type=Path, default=LABELS)
    options = parser.parse_args()
    if not options.labels.is_file():
        sys.exit(f"{options.labels} is absent: the measure needs the labelled real stream")
    by_url, by_title = labelled(options.labels, "kind")
    folder = options.built or Path(tempfile.mkdtemp(prefix="nonnews-"))
    if options.built is None:
        build(folder, options.labels if options.held_out else None)
    total: Counter[str] = Counter()
    for day in DAYS:
        result = measure(folder / day / "outputs" / "editions" / day / "briefing.json", by_url, by_title)
        total.update(result["counts"])
        for story in result["offending"]:
            print(f"{day}  {story['headline'][:90]}  {story['kinds']}")
    print(json.dumps(dict(total), indent=2))


if __name__ == "__main__":
    main()
