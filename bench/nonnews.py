"""Non-news in the real-day editions: stories led by an item the labels call non-news, and labelled non-news
items inside multi-article stories (issues #12 and #13 ask for none of either).

    .venv/bin/python bench/nonnews.py                          # builds the three shared real days in a temp folder
    .venv/bin/python bench/nonnews.py --held-out-by day        # each day with a classifier fitted on the other two
    .venv/bin/python bench/nonnews.py --held-out-by outlet     # each item with a classifier fitted without its outlet
    .venv/bin/python bench/nonnews.py --max-stories 20         # editions of 20 stories (the default of feeds.yaml)
    .venv/bin/python bench/nonnews.py --no-outlet-cap          # rank without the cap of stories per lead outlet
    .venv/bin/python bench/nonnews.py --built /tmp/rd          # reads editions built by /work/tools/realdays.py

Each edition is built as a user builds it (`tests/realday.py`: the day's feeds served from 127.0.0.1, `briefing
run`, `max_stories` 60 unless `--max-stories`, the default `per_outlet_cap` of 3 unless `--no-outlet-cap`). With
the shipped classifier the figure is in sample (it was fitted on these three days). With `--held-out-by day`
(or `--held-out`) each day's items are classified by a model fitted, with its settings chosen, on the other two
days (`bench/fit_kinds.py`), which is what an unseen day would meet. With `--held-out-by outlet` each item is
classified by a model fitted on the other 19 outlets (leave one outlet out, the labels' `source`, one feed: the
folds of `bench/fit_kinds.py`'s "held out by outlet"; 20 fits, settings chosen by day inside each), which is what
an unseen outlet would meet. An edition's articles (`briefing.json`, `sections[].stories[].articles[]`) are
matched to the labelled items of `../shared/data/eval/real-stories-dev.jsonl` by URL, else by title (and
outlet name when titles repeat). Prints each offending story (each item's labelled -> stored kind, outlet and
title) and a JSON summary, which also counts the labelled non-news items each build ingested and how many of them
it stored as news or opinion (`missed`: what the editions could show). `--json FILE` writes all of it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

if TYPE_CHECKING:
    from briefing.kinds import KindModel
    from briefing.models import Article

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
    """Counts for one `briefing.json`, and the stories that break the rule (each article's title, labelled kind
    and the kind it was stored with)."""
    data = json.loads(edition.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    offending = []
    for section in data["sections"]:
        for story in section["stories"]:
            articles = story["articles"]
            kinds = [by_url.get(a.get("url") or "") or by_title.get(a["title"].strip(), "?") for a in articles]
            counts["stories"] += 1
            counts["unmatched articles"] += kinds.count("?")
            led = kinds[0] in NON_NEWS
            inside = len(kinds) > 1 and any(k in NON_NEWS for k in kinds)
            counts["led by non-news"] += led
            counts["led by opinion (not non-news)"] += kinds[0] == "opinion"
            counts["multi-article stories"] += len(kinds) > 1
            counts["non-news items in multi-article stories"] += sum(k in NON_NEWS for k in kinds) if inside else 0
            if led or inside:
                offending.append(
                    {
                        "headline": story["headline"],
                        "articles": [
                            {"title": a["title"], "outlet": a.get("outlet"), "labelled": k, "predicted": a.get("kind")}
                            for a, k in zip(articles, kinds, strict=True)
                        ],
                    }
                )
    return {"counts": dict(counts), "offending": offending}


def held_out_models(labels: Path, by: str) -> tuple[dict[str, KindModel], dict[str, str], dict[str, str]]:
    """A kinds model for each day (`by="day"`) or each outlet (`by="outlet"`, the labels' `source`: one feed)
    fitted without it, as `bench/fit_kinds.py` scores it held out: C and the stand-alone threshold chosen by
    leave-one-day-out inside the rest. With the item -> group maps (by URL, by title) for `by="outlet"`."""
    import numpy as np
    from fit_kinds import choose, fit

    from briefing.evaluate.kinds import load_kinds, replayed_features

    records, kinds_ = load_kinds(labels)
    rows = np.array(replayed_features(records), dtype=np.float64)
    groups = [r.day if by == "day" else r.article.outlet for r in records]
    models = {}
    for group in sorted(set(groups)):
        train = np.array([g != group for g in groups])
        train_labels = [k for k, t in zip(kinds_, train, strict=True) if t]
        train_days = [r.day for r, t in zip(records, train, strict=True) if t]
        models[group] = fit(rows[train], train_labels, *choose(rows[train], train_labels, train_days))
    by_url, by_title = labelled(labels, "source")
    return models, by_url, by_title


def build(
    folder: Path, held_out_from: Path | None, by: str = "day", max_stories: int = 60, per_outlet_cap: int | None = None
) -> dict[str, Counter[str]]:
    """The three real days built into `folder`; with `held_out_from` (the labelled file), each item is
    classified by a model that never saw its day (`by="day"`: the day being built) or its outlet (`by="outlet"`:
    the item's labelled source; an item the labels lack takes the source of its feed's other items). The shipped
    classifier is swapped for a wrapper during the build. Returns, per day, how the build's labelled non-news
    items were classified (`missed`: stored as news or opinion), so the edition counts can be read against
    how many misses there were to show."""
    from feedserver import FeedServer
    from realday import build_real_day

    from briefing import kinds

    models: dict[str, KindModel] = {}
    source_by_url: dict[str, str] = {}
    source_by_title: dict[str, str] = {}
    if held_out_from is not None:
        models, source_by_url, source_by_title = held_out_models(held_out_from, by)
    kind_by_url, kind_by_title = labelled(held_out_from or LABELS, "kind")
    shipped = kinds.classify
    exposure: dict[str, Counter[str]] = {}

    def source_of(article: Article) -> str | None:
        return source_by_url.get(article.url) or source_by_title.get(article.title.strip())

    with FeedServer() as server:
        for day in DAYS:
            tally: Counter[str] = Counter()
            exposure[day] = tally

            def classify(
                articles: Sequence[Article],
                boilerplate: Any,
                model: Any = None,
                day: str = day,
                tally: Counter[str] = tally,
            ) -> list[Article]:
                if held_out_from is None:
                    done = shipped(articles, boilerplate, model)
                elif by == "day":
                    done = shipped(articles, boilerplate, models[day])
                else:
                    sources = [source_of(a) for a in articles]
                    known = Counter(s for s in sources if s)
                    fallback = known.most_common(1)[0][0] if known else None
                    tally["articles without a labelled source"] += sum(1 for s in sources if not s)
                    done = [
                        shipped([a], boilerplate, models[s] if s else None)[0]
                        for a, s in zip(articles, (s or fallback for s in sources), strict=True)
                    ]
                for a in done:
                    truth = kind_by_url.get(a.url) or kind_by_title.get(a.title.strip())
                    if truth in NON_NEWS:
                        tally["labelled non-news ingested"] += 1
                        tally["missed (stored as news or opinion)"] += not a.kind.standalone
                return done

            (folder / day).mkdir(parents=True, exist_ok=True)
            setattr(kinds, "classify", classify)  # noqa: B010
            try:
                build_real_day(server, day, folder / day, max_stories, per_outlet_cap)
            finally:
                setattr(kinds, "classify", shipped)  # noqa: B010
    return exposure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, help="a folder of built days (<day>/outputs/editions/<day>/)")
    parser.add_argument("--held-out", action="store_true", help="same as --held-out-by day")
    parser.add_argument(
        "--held-out-by", choices=("day", "outlet"), help="classify each item with a model fitted without its day/outlet"
    )
    parser.add_argument("--max-stories", type=int, default=60, help="stories in an edition (default 60)")
    parser.add_argument("--no-outlet-cap", action="store_true", help="rank without the cap of stories per lead outlet")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", type=Path, help="also write the counts and offending stories here")
    options = parser.parse_args()
    if not options.labels.is_file():
        sys.exit(f"{options.labels} is absent: the measure needs the labelled real stream")
    by = options.held_out_by or ("day" if options.held_out else None)
    by_url, by_title = labelled(options.labels, "kind")
    folder = options.built or Path(tempfile.mkdtemp(prefix="nonnews-"))
    exposure: dict[str, Counter[str]] = {}
    if options.built is None:
        cap = options.max_stories if options.no_outlet_cap else None
        exposure = build(folder, options.labels if by else None, by or "day", options.max_stories, cap)
    total: Counter[str] = Counter()
    report: dict[str, Any] = {
        "held_out_by": by,
        "max_stories": options.max_stories,
        "outlet_cap": not options.no_outlet_cap,
    }
    for day in DAYS:
        result = measure(folder / day / "outputs" / "editions" / day / "briefing.json", by_url, by_title)
        total.update(result["counts"])
        total.update(exposure.get(day, {}))
        report[day] = result
        for story in result["offending"]:
            print(f"{day}  {story['headline'][:90]}")
            for a in story["articles"]:
                print(f"    [{a['labelled']} -> {a['predicted']}] {a['outlet']}: {a['title'][:100]}")
    report["total"] = dict(total)
    print(json.dumps(dict(total), indent=2))
    if options.json:
        options.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
