"""Benchmark: summarising 60 stories with the openai backend against a local server answering in 500 ms.

Reports the wall time with `concurrency` calls at once against the serial run (concurrency 1) in the same
process, and a cached rebuild's call count (it must be 0), using the real SQLite store as the cache. The
extractive backend on the same stories is the offline baseline.

    .venv/bin/python bench/summarise.py [--stories 60] [--latency 0.5] [--concurrency 4 8] [--json]
    .venv/bin/python bench/summarise.py --extractive-quality   # check rejections and bullet lengths, all stories

Stories come from ../shared/data/eval/clustering-dev.jsonl (real leads grouped by people) when it is there,
else from generated text.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from llm_server import LLMServer, Reply, Request, copying_model  # noqa: E402

from briefing.config import GroundingSettings, SummariserSettings  # noqa: E402
from briefing.ground import check_bullet  # noqa: E402
from briefing.models import Article, Cluster, Summary  # noqa: E402
from briefing.review import SummaryCache, checked_summaries  # noqa: E402
from briefing.store import open_store  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "eval" / "clustering-dev.jsonl"
GROUNDING = GroundingSettings()
CHECK = functools.partial(check_bullet, settings=GROUNDING)
WHEN = datetime(2021, 4, 22, 12, tzinfo=UTC)


def load_clusters(count: int) -> list[Cluster]:
    if not DATA.exists():
        return [_generated(i) for i in range(count)]
    stories: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stories[row["cluster"]].append(row)
    chosen = sorted(stories.items())[:count]
    return [Cluster(f"c-{label}", tuple(_article(row) for row in rows)) for label, rows in chosen]


def _article(row: dict[str, str]) -> Article:
    return Article(row["id"], row["url"], row["title"], row["text"], row["source"], WHEN, WHEN)


def _generated(index: int) -> Cluster:
    text = (
        f"The council of town {index} approved a budget of {index + 2} million pounds on Monday after a long debate. "
        f"The budget includes money for {index + 3} new schools and a repaired bridge over the river. "
        "Opposition members said the plan did not do enough for housing in the town centre."
    )
    return Cluster(
        f"c-{index}",
        tuple(
            Article(f"a-{index}-{n}", "u", f"Town {index} budget", text, f"Outlet {n}", WHEN, WHEN) for n in range(2)
        ),
    )


def slow(latency: float) -> Callable[[Request], Reply]:
    def model(request: Request) -> Reply:
        reply = copying_model(request)
        return Reply(content=reply.content, delay=latency)

    return model


def timed(
    clusters: list[Cluster], settings: SummariserSettings, cache: SummaryCache | None
) -> tuple[float, list[Summary]]:
    started = time.perf_counter()
    summaries = checked_summaries(clusters, settings, GROUNDING, checker=CHECK, cache=cache)
    return time.perf_counter() - started, summaries


def run(stories: int, latency: float, levels: list[int]) -> dict[str, Any]:
    clusters = load_clusters(stories)
    server = LLMServer(slow(latency)).start()
    runs: list[dict[str, Any]] = []
    try:
        offline, _ = timed(clusters, SummariserSettings(), None)
        base = SummariserSettings(backend="openai", base_url=server.base_url, timeout=30, retries=0)
        for level in [1, *levels]:
            before = server.calls
            seconds, summaries = timed(clusters, base.model_copy(update={"concurrency": level}), None)
            runs.append(_row(level, seconds, server.calls - before, summaries))
        cached = _cached_rebuild(clusters, base.model_copy(update={"concurrency": max(levels)}), server)
    finally:
        server.stop()
    for row in runs:
        row["speedup_vs_serial"] = round(runs[0]["seconds"] / row["seconds"], 2)
    return {
        "stories": len(clusters),
        "latency_s": latency,
        "extractive_s": round(offline, 2),
        "runs": runs,
        "cached_rebuild": cached,
    }


def _cached_rebuild(clusters: list[Cluster], settings: SummariserSettings, server: LLMServer) -> dict[str, Any]:
    """Build twice with the SQLite store as the cache; the second build must make no calls."""
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "bench.sqlite") as store:
        timed(clusters, settings, store.summary_cache(WHEN))
        before = server.calls
        seconds, summaries = timed(clusters, settings, store.summary_cache(WHEN))
    return {
        "seconds": round(seconds, 3),
        "llm_calls": server.calls - before,
        "cached": sum(s.stats.cached for s in summaries),
    }


def _row(level: int, seconds: float, calls: int, summaries: list[Summary]) -> dict[str, Any]:
    return {
        "concurrency": level,
        "seconds": round(seconds, 2),
        "llm_calls": calls,
        "openai_stories": sum(s.summariser == "openai" for s in summaries),
        "fell_back": sum(s.stats.fell_back for s in summaries),
        "bullets": sum(len(s.bullets) for s in summaries),
        "bullets_dropped": sum(s.stats.bullets_dropped for s in summaries),
    }


def extractive_quality() -> dict[str, Any]:
    """On every story of the dev set: how many top extractive candidates the grounding check rejects, how many
    bullets each story gets, and how many bullets are over MAX_WORDS."""
    from briefing.summarise.extractive import MAX_WORDS, candidate_bullets

    clusters = load_clusters(10_000)
    grounding = GroundingSettings()
    verdicts = [check_bullet(b, c, grounding) for c in clusters for b in candidate_bullets(c, 4)]
    summaries = checked_summaries(clusters, SummariserSettings(), grounding, checker=CHECK)
    bullets = [b for s in summaries for b in s.bullets]
    return {
        "stories": len(clusters),
        "candidates": len(verdicts),
        "candidates_rejected": sum(not v.supported for v in verdicts),
        "bullets_per_story": dict(sorted(Counter(len(s.bullets) for s in summaries).items())),
        "bullets_over_max_words": sum(len(b.text.split()) > MAX_WORDS for b in bullets),
        "bullets": len(bullets),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the server takes per call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--extractive-quality", action="store_true", help="only the extractive figures, all stories")
    args = parser.parse_args()
    if args.extractive_quality:
        print(json.dumps(extractive_quality(), indent=2))
        return
    results = run(args.stories, args.latency, args.concurrency)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    latency = f"{args.latency * 1000:.0f} ms"
    print(f"{results['stories']} stories, {latency} per LLM call; extractive backend: {results['extractive_s']} s")
    print("| concurrency | wall time (s) | vs serial | LLM calls | openai stories | fell back |")
    print("|---|---|---|---|---|---|")
    for row in results["runs"]:
        print(
            f"| {row['concurrency']} | {row['seconds']} | {row['speedup_vs_serial']}x | {row['llm_calls']} "
            f"| {row['openai_stories']} | {row['fell_back']} |"
        )
    print(f"cached rebuild: {results['cached_rebuild']}")


if __name__ == "__main__":
    main()
