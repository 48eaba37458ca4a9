"""Polling as a user runs it: a first poll of thousands of feeds in a fresh process, and a re-poll of 304s.

    .venv/bin/python bench/poll.py first [--feeds 2000] [--items 30] [--repeat 3] [--write-docs]
    .venv/bin/python bench/poll.py scale [--sizes 2000 5000 10000] [--cluster] [--write-docs]
    .venv/bin/python bench/poll.py threshold [--counts 2 4 8 16 32 64] [--write-docs]
    .venv/bin/python bench/poll.py memory [--counts 4 32 64] [--body-mb 9.5] [--write-docs]
    .venv/bin/python bench/poll.py fetch [--feeds 1000] [--concurrencies 16 64] [--write-docs]
    .venv/bin/python bench/poll.py digest [--feeds 300]
    .venv/bin/python bench/poll.py parse [--feeds 300] [--repeat 5]
    .venv/bin/python bench/poll.py stages [--feeds 400]
    common: [--latency 0.05] [--hosts 32] [--concurrency 16]

The feeds are generated from the real items in ../shared/data/feeds/real-news, read at run time (newsfeeds.py),
so stories form when they are clustered. A separate process serves them on `--hosts` loopback addresses
(127.0.0.2, 127.0.0.3, ...), adding `--latency` to every response; they are polled with the product's default
`concurrency` and `per_host`.

first: each repeat runs, in this order, (1) the floor: `feedparser.parse` of the same bodies one after the
other, on one core, with the product's own parser options (`briefing.parse.FEEDPARSER_OPTIONS`); (2) once the
load average has settled to leave the cores idle (`settle`: the path a cron tick on an idle machine runs), a first
poll into an empty store in a fresh process (`bench/poll.py _child`: load the config, poll, then cluster, as
`briefing poll` does), timed from outside (wall, CPU of the process and its parse workers, peak memory of the
process tree) and step by step inside. Then, in this process, a re-poll where every feed answers 304, alternated
with the fetch-only floor: `poll_feeds` on the same feeds with the same validators (no parsing, no store).
Figures are medians over the repeats; ratios are taken within each repeat.

scale: first polls of each size in fresh processes (clustering left out unless `--cluster`); time per feed
and peak memory show whether the poll is linear in feeds and its memory flat.
threshold: polls of a few feeds parsed in this process and in worker processes: where parallel parsing pays.
memory: first polls of large bodies (`--body-mb`): peak memory at 4, 32 and 64 feeds.
fetch: fetch-only CPU per feed at each concurrency (one connection pool per origin keeps it flat).
digest: what a first poll and its clustering produce (the learned boilerplate, each article's kind, the
stories), as one digest, from a poll in a fixed order (one feed at a time, parsed in this process): run it on
two commits (PYTHONPATH=<other checkout>) to show that a change to the poll's speed changed none of its results.
parse: the CPU of the product's `parse_feed` against the floor's bare `feedparser.parse` on the same bodies, the
two alternated in this process (no server, no store): what cleaning, the prompt-injection scan, ids and
canonical links add to feedparser. The ratio is taken within each repeat; the median is printed.
stages: where a first poll's CPU goes: a first poll and its clustering, in this process, every body parsed on
its main thread (no workers), with each stage's function wrapped to add up its own CPU (its callees' excluded);
fetching and the event loop are what the poll costs beyond the stages named. Imports are done before the clock.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from measure import Cost, markdown_table, median, run_process, timed, write_figures

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
HERE = Path(__file__).resolve()


# ------------------------------------------------------------------------------------------------ feeds


def bodies(feeds: int, items: int, body_mb: float = 0.0) -> Iterator[bytes]:
    """The feeds' bodies, the same in every process (seeded by feed number)."""
    import random

    from newsfeeds import load_seeds, news_feed, popularity

    seeds = load_seeds()
    weights = popularity(seeds, random.Random(0))
    padding = round(body_mb * 1_000_000 / items / 250) if body_mb else 0  # a seed's text is about 250 bytes
    for index in range(feeds):
        yield news_feed(index, items, seeds, weights, NOW, padding)


def _serve(feeds: int, items: int, body_mb: float, latency: float, hosts: int, ready: Queue[str], stop: Event) -> None:
    """The server, in its own process: its threads must not share the poll's GIL."""
    from feedserver import FeedServer

    servers = [FeedServer(latency=latency, host=f"127.0.0.{2 + k}") for k in range(hosts)]
    for index, body in enumerate(bodies(feeds, items, body_mb)):
        headers = {"Content-Type": "application/rss+xml"}
        servers[index % hosts].route(f"/feeds/{index}.xml", body=body, headers=headers, etag=f'"v{index}"')
    ready.put(json.dumps([servers[index % hosts].url(f"/feeds/{index}.xml") for index in range(feeds)]))
    stop.wait()
    for server in servers:
        server.close()


@contextmanager
def served(feeds: int, items: int, args: argparse.Namespace, body_mb: float = 0.0) -> Iterator[list[str]]:
    """Start the server process; yield the feeds' URLs."""
    context = multiprocessing.get_context("spawn")
    ready: Queue[str] = context.Queue()
    stop = context.Event()
    server = context.Process(
        target=_serve, args=(feeds, items, body_mb, args.latency, args.hosts, ready, stop), daemon=True
    )
    server.start()
    try:
        yield json.loads(ready.get(timeout=1800))
    finally:
        stop.set()
        server.join(timeout=60)


def write_config(folder: Path, urls: list[str], concurrency: int) -> Path:
    config = folder / "feeds.yaml"
    feeds = "".join(f"      - url: {url}\n" for url in urls)
    config.write_text(
        f"database: poll.sqlite\npoll:\n  concurrency: {concurrency}\nsections:\n  - name: World\n    feeds:\n{feeds}",
        encoding="utf-8",
    )
    return config


# ------------------------------------------------------------------------------------------------ a fresh poll


def child(config: str, cluster: bool, workers: str) -> None:
    """`bench/poll.py _child CONFIG`: one first poll as `briefing poll` does it, timing each step."""
    steps: dict[str, float] = {}
    imported, _ = timed(lambda: __import__("briefing.ingest"))
    steps["import"] = imported.wall
    from briefing import ingest, pipeline
    from briefing.config import load_settings
    from briefing.store import open_store_from_settings

    settings = load_settings(Path(config))
    with open_store_from_settings(settings) as store:
        chosen = None if workers == "auto" else int(workers)
        steps["idle_cores"] = ingest.idle_cores()  # what "auto" starts workers on (from PARALLEL_FROM due feeds)
        polled, report = timed(lambda: ingest.poll(settings, store, NOW, workers=chosen))
        steps["poll"], steps["poll_cpu"] = polled.wall, polled.cpu
        if cluster:
            clustered, _ = timed(lambda: pipeline.cluster_pending(settings, store))
            steps["cluster"], steps["cluster_cpu"] = clustered.wall, clustered.cpu
            steps["stories"] = len(store.clusters_between(NOW - timedelta(days=3), NOW + timedelta(days=1)))
    steps["articles"], steps["failed"] = report.new_articles, report.failed
    print(json.dumps(steps))


def fresh_poll(config: Path, cluster: bool, workers: str = "auto") -> tuple[Cost, dict[str, float]]:
    command = [sys.executable, str(HERE), "_child", str(config), "--workers", workers]
    cost, output = run_process([*command, "--cluster"] if cluster else command)
    return cost, json.loads(output.strip().splitlines()[-1])


def settle(most: float = 300.0) -> float:
    """Wait (at most `most` seconds) until the 1-minute load average leaves idle every core the product would use
    for parse workers, as on the idle machine a user's cron tick finds; the load average when the wait ended.

    The floor and earlier repeats run just before each fresh poll, and the load average remembers them for a
    minute or more: without the wait, later repeats' polls saw a load of 1.3-1.5 and started 1 or 0 workers
    (`idle_cores`), measuring a busy machine's path instead of an idle one's. The raw load average is read here:
    this process's own floor is other work to the poll's process."""
    from briefing import ingest

    cores = os.cpu_count() or 1
    wanted = min(cores, ingest.MAX_WORKERS)
    deadline = time.monotonic() + most
    while int(cores - os.getloadavg()[0] + 0.5) < wanted and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def floor(feeds: int, items: int) -> Cost:
    """feedparser over the same bodies, one after the other, with the product's options, on one core."""
    import feedparser

    from briefing.parse import FEEDPARSER_OPTIONS

    headers = {"content-type": "application/rss+xml"}
    everything = list(bodies(feeds, items))
    cost, _ = timed(lambda: [feedparser.parse(b, response_headers=headers, **FEEDPARSER_OPTIONS) for b in everything])
    return cost


# ------------------------------------------------------------------------------------------------ first


def first(args: argparse.Namespace) -> None:
    rows: list[dict[str, float]] = []
    with served(args.feeds, args.items, args) as urls, tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeat):
            base = floor(args.feeds, args.items)
            folder = Path(tmp) / f"r{repeat}"
            folder.mkdir()
            config = write_config(folder, urls, args.concurrency)
            load = settle()
            cost, steps = fresh_poll(config, cluster=True)
            rows.append({**_first_row(base, cost, steps), "load": load})
            print(f"repeat {repeat + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in rows[-1].items()), flush=True)
        again = repoll(config, urls, args)
    table = _first_table(rows, again, args)
    print(table)
    if args.write_docs:
        command = f"bench/poll.py first --feeds {args.feeds} --items {args.items} --repeat {args.repeat}"
        print(f"wrote {write_figures('poll-first', command, table)}")


def _first_row(base: Cost, cost: Cost, steps: dict[str, float]) -> dict[str, float]:
    without = cost.wall - steps["cluster"]
    return {
        "floor": base.wall,
        "floor_cpu": base.cpu,
        "process": cost.wall,
        "process_cpu": cost.cpu,
        "without_cluster": without,
        "without_cluster_cpu": cost.cpu - steps["cluster_cpu"],
        "cluster": steps["cluster"],
        "poll": steps["poll"],
        "peak_mb": cost.peak_mb,
        "ratio": cost.wall / base.wall,
        "ratio_without": without / base.wall,
        "ratio_cpu": cost.cpu / base.cpu,
        "articles": steps["articles"],
        "stories": steps["stories"],
        "failed": steps["failed"],
        "idle_cores": steps["idle_cores"],
    }


def repoll(config: Path, urls: list[str], args: argparse.Namespace) -> dict[str, float]:
    """Every feed answers 304: `pipeline.poll` against `poll_feeds` on the same feeds, alternately."""
    from briefing import pipeline
    from briefing.config import load_settings
    from briefing.poll import poll_feeds
    from briefing.store import open_store_from_settings

    settings = load_settings(config)
    polls, fetches = [], []
    with open_store_from_settings(settings) as store:
        for repeat in range(args.repeat):
            later = NOW + timedelta(hours=1 + repeat)
            fetched, _ = timed(lambda at=later: poll_feeds(store.feeds(), settings.poll, at))
            polled, report = timed(lambda at=later: pipeline.poll(settings, store, at))
            assert report.not_modified == len(urls), report.summary()
            polls.append(polled)
            fetches.append(fetched)
    return {
        "repoll": median([c.wall for c in polls]),
        "repoll_cpu": median([c.cpu for c in polls]),
        "fetch": median([c.wall for c in fetches]),
        "fetch_cpu": median([c.cpu for c in fetches]),
        "ratio": median([p.wall / f.wall for p, f in zip(polls, fetches, strict=True)]),
        "ratio_cpu": median([p.cpu / f.cpu for p, f in zip(polls, fetches, strict=True)]),
    }


def _first_table(rows: list[dict[str, float]], again: dict[str, float], args: argparse.Namespace) -> str:
    def m(key: str) -> float:
        return median([row[key] for row in rows])

    lines = [
        ("feedparser floor: the same bodies, one core, the product's options", m("floor"), m("floor_cpu"), 1.0),
        ("first poll in a fresh process, clustering included", m("process"), m("process_cpu"), m("ratio")),
        ("the same, without its clustering step", m("without_cluster"), m("without_cluster_cpu"), m("ratio_without")),
        ("re-poll, every feed answering 304 (`pipeline.poll`)", again["repoll"], again["repoll_cpu"], again["ratio"]),
        ("fetch-only floor of the re-poll (`poll_feeds`)", again["fetch"], again["fetch_cpu"], 1.0),
    ]
    table = markdown_table(
        ("", "wall s", "CPU s", "wall ratio to its floor"),
        [(name, f"{wall:.2f}", f"{cpu:.2f}", f"{ratio:.2f}") for name, wall, cpu, ratio in lines],
    )
    return (
        f"{table}\n\n{args.feeds:,} feeds x {args.items} items: {int(m('articles')):,} articles, "
        f"{int(m('stories')):,} stories, {int(m('failed'))} feeds failed. Clustering took {m('cluster'):.1f} s of "
        f"the first poll. Peak memory of the first poll (process and parse workers): {m('peak_mb'):.0f} MB. CPU "
        f"ratios: first poll {m('ratio_cpu'):.2f}, re-poll {again['ratio_cpu']:.2f}. Latency "
        f"{args.latency * 1000:.0f} ms, {args.hosts} hosts, concurrency {args.concurrency}; medians of "
        f"{args.repeat} repeats; each poll started on an idle machine (load average {m('load'):.2f}, median)."
    )


# ------------------------------------------------------------------------------------------------ scale


def scale(args: argparse.Namespace) -> None:
    lines = []
    for size in args.sizes:
        with served(size, args.items, args) as urls, tempfile.TemporaryDirectory() as tmp:
            config = write_config(Path(tmp), urls, args.concurrency)
            cost, steps = fresh_poll(config, cluster=args.cluster)
        per_feed = cost.wall / size * 1000
        clustering = f"{steps['cluster']:.1f}" if args.cluster else "not run"
        articles = f"{int(steps['articles']):,}"
        lines.append(
            (
                f"{size:,}",
                articles,
                f"{cost.wall:.1f}",
                f"{cost.cpu:.1f}",
                f"{per_feed:.1f}",
                clustering,
                f"{cost.peak_mb:.0f}",
            )
        )
        print(lines[-1], flush=True)
    header = ("feeds", "articles", "wall s", "CPU s", "ms per feed", "of which clustering s", "peak MB")
    table = markdown_table(header, lines)
    print(table)
    if args.write_docs:
        sizes = " ".join(map(str, args.sizes))
        command = f"bench/poll.py scale --sizes {sizes}" + (" --cluster" if args.cluster else "")
        print(f"wrote {write_figures('poll-scale' + ('-cluster' if args.cluster else ''), command, table)}")


# ------------------------------------------------------------------------------------------------ threshold


def threshold(args: argparse.Namespace) -> None:
    """Polls of N feeds parsed here (workers=0) and with worker processes (one per core, started with the poll,
    taking over once started), alternately, in this process (a fresh process's imports would drown the
    difference), each into an empty store."""
    from briefing import ingest
    from briefing.config import load_settings
    from briefing.store import open_store_from_settings

    lines = []
    # "workers" below: the product's own way (started with the poll, taking over once started), for any count
    # and whatever the load: the product would not start them on a machine without idle cores
    ingest.PARALLEL_FROM = 0
    ingest.idle_cores = lambda: os.cpu_count() or 1
    for count in args.counts:
        costs: dict[int | None, list[Cost]] = {0: [], None: []}
        with served(count, args.items, args) as urls, tempfile.TemporaryDirectory() as tmp:
            for repeat in range(args.repeat):
                for workers, measured in costs.items():
                    folder = Path(tmp) / f"{workers}-{repeat}"
                    folder.mkdir()
                    settings = load_settings(write_config(folder, urls, args.concurrency))
                    with open_store_from_settings(settings) as store:
                        poll = functools.partial(ingest.poll, settings, store, NOW, workers=workers)
                        measured.append(timed(poll)[0])
        wall = {workers: median([c.wall for c in measured]) for workers, measured in costs.items()}
        cpu = {workers: median([c.cpu for c in measured]) for workers, measured in costs.items()}
        here, pooled = wall[0], wall[None]
        lines.append((str(count), f"{here:.2f}", f"{pooled:.2f}", f"{pooled / here:.2f}", f"{cpu[None] / cpu[0]:.2f}"))
        print(lines[-1], flush=True)
    header = ("feeds", "parsed in the poll process, wall s", "with worker processes, wall s", "wall ratio", "CPU ratio")
    table = markdown_table(header, lines) + f"\n\nMedians of {args.repeat} alternated polls of each size."
    print(table)
    if args.write_docs:
        command = f"bench/poll.py threshold --counts {' '.join(map(str, args.counts))} --repeat {args.repeat}"
        print(f"wrote {write_figures('poll-threshold', command, table)}")


# ------------------------------------------------------------------------------------------------ fetch


def fetch(args: argparse.Namespace) -> None:
    """Fetch-only CPU at each concurrency: linear in feeds whatever the concurrency, or not."""
    from briefing.config import PollSettings
    from briefing.models import Feed
    from briefing.poll import poll_feeds

    lines = []
    with served(args.feeds, args.items, args) as urls:
        feeds = [Feed(key=url, url=url, section="World") for url in urls]
        for concurrency in args.concurrencies:
            settings = PollSettings(concurrency=concurrency)
            costs = [timed(lambda s=settings: poll_feeds(feeds, s, NOW))[0] for _ in range(args.repeat)]
            cpu = median([c.cpu for c in costs])
            lines.append((str(concurrency), f"{median([c.wall for c in costs]):.2f}", f"{cpu:.2f}",
                          f"{cpu / len(feeds) * 1000:.2f}"))  # fmt: skip
            print(lines[-1], flush=True)
    table = markdown_table(("concurrency", "wall s", "CPU s", "CPU ms per feed"), lines)
    table += f"\n\n{args.feeds:,} feeds on {args.hosts} hosts, no validators, no parsing; medians of {args.repeat}."
    print(table)
    if args.write_docs:
        command = f"bench/poll.py fetch --feeds {args.feeds} --concurrencies {' '.join(map(str, args.concurrencies))}"
        print(f"wrote {write_figures('poll-fetch', command, table)}")


# ------------------------------------------------------------------------------------------------ memory


def memory(args: argparse.Namespace) -> None:
    lines = []
    for count in args.counts:
        with served(count, args.items, args, body_mb=args.body_mb) as urls, tempfile.TemporaryDirectory() as tmp:
            cost, steps = fresh_poll(write_config(Path(tmp), urls, args.concurrency), cluster=False)
        lines.append((str(count), f"{int(steps['articles']):,}", f"{cost.wall:.1f}", f"{cost.peak_mb:.0f}"))
        print(lines[-1], flush=True)
    table = markdown_table(("feeds", "articles", "wall s", "peak MB"), lines)
    print(table)
    if args.write_docs:
        command = f"bench/poll.py memory --counts {' '.join(map(str, args.counts))} --body-mb {args.body_mb}"
        print(f"wrote {write_figures('poll-memory', command, table)}")


# ------------------------------------------------------------------------------------------------ digest


def digest(args: argparse.Namespace) -> None:
    import hashlib

    import briefing
    from briefing import ingest, pipeline
    from briefing.config import load_settings
    from briefing.store import open_store_from_settings

    with served(args.feeds, args.items, args) as urls, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(write_config(Path(tmp), urls, concurrency=1))
        with open_store_from_settings(settings) as store:
            report = ingest.poll(settings, store, NOW, workers=0)
            pipeline.cluster_pending(settings, store)
            model = pipeline.learned_boilerplate(store).digest()
            kinds = sorted((a.id, str(a.kind)) for a in store.articles_by_id(report.new_article_ids).values())
            stories = sorted(
                sorted(a.id for a in c.articles) for c in store.clusters_between(NOW - timedelta(days=30), NOW)
            )
    parts = {"boilerplate": model, "kinds": kinds, "stories": stories}
    found = {name: hashlib.sha256(json.dumps(part).encode()).hexdigest()[:16] for name, part in parts.items()}
    print(json.dumps({"briefing": str(Path(briefing.__file__).parent), "articles": len(kinds), **found}))


# ------------------------------------------------------------------------------------------------ parse


def parse(args: argparse.Namespace) -> None:
    import feedparser

    from briefing.models import Feed
    from briefing.parse import FEEDPARSER_OPTIONS, parse_feed

    everything = list(bodies(args.feeds, args.items))
    headers = {"content-type": "application/rss+xml"}
    urls = [f"http://127.0.0.{2 + index % args.hosts}/feeds/{index}.xml" for index in range(args.feeds)]
    feeds = [Feed(key=url, url=url, section="World") for url in urls]

    def bare() -> None:
        for body in everything:
            feedparser.parse(body, response_headers=headers, **FEEDPARSER_OPTIONS)

    def product() -> None:
        for body, feed in zip(everything, feeds, strict=True):
            parse_feed(body, headers, feed, NOW)

    bare()
    product()  # warm: imports, compiled patterns, the confusables table
    floors, costs = [], []
    for _ in range(args.repeat):
        floors.append(timed(bare)[0].cpu)
        costs.append(timed(product)[0].cpu)
    ratios = [cost / base for base, cost in zip(floors, costs, strict=True)]
    print(
        f"{args.feeds:,} feeds x {args.items} items: feedparser {median(floors):.2f} s CPU, parse_feed "
        f"{median(costs):.2f} s CPU, ratio {median(ratios):.2f} (each repeat: {', '.join(f'{r:.2f}' for r in ratios)};"
        f" load average {os.getloadavg()[0]:.1f})"
    )


# ------------------------------------------------------------------------------------------------ stages


class _StageClock:
    """Each wrapped function's own CPU (process time less that of the wrapped functions it calls)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = {}
        self._open: list[list[float]] = []  # [start, CPU of wrapped callees] per call in progress

    def wrap(self, owner: object, attribute: str, stage: str) -> None:
        inner = getattr(owner, attribute)

        @functools.wraps(inner)
        def timed_stage(*args: object, **kwargs: object) -> object:
            self._open.append([time.process_time(), 0.0])
            try:
                return inner(*args, **kwargs)
            finally:
                start, callees = self._open.pop()
                spent = time.process_time() - start
                self.own[stage] = self.own.get(stage, 0.0) + spent - callees
                if self._open:
                    self._open[-1][1] += spent

        setattr(owner, attribute, timed_stage)


class _HereNow(concurrent.futures.Executor):
    """Runs what it is given at once, in the calling thread (so the poll's parsing is measured there)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        done: concurrent.futures.Future[object] = concurrent.futures.Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except Exception as exc:
            done.set_exception(exc)
        return done


def _stage_clock() -> _StageClock:
    import feedparser

    import briefing.cluster as cluster
    from briefing import boilerplate, ingest, kinds, pipeline
    from briefing.cluster import _features
    from briefing.store import boilerplate as spans
    from briefing.store.sqlite import SqliteStore

    clock = _StageClock()
    for owner, attribute, stage in [
        (feedparser, "parse", "parse: feedparser"),
        (ingest, "parse_feed", "parse: parse_feed beyond feedparser"),
        (boilerplate, "span_counts", "spans: hashing each item's runs of words"),
        (ingest, "_learn", "spans: learning each feed's boilerplate"),
        (SqliteStore, "own_spans", "spans: learning each feed's boilerplate"),
        (SqliteStore, "span_rows", "spans: learning each feed's boilerplate"),
        (SqliteStore, "count_spans", "spans: held in the batch"),
        (spans._Batch, "rows", "spans: the batch's rows, sorted"),
        (ingest._GroupCommit, "close", "commits (span rows written, COMMIT)"),
        (kinds, "classify", "kinds"),
        (SqliteStore, "stored_article_ids", "store: articles and feeds"),
        (SqliteStore, "add_articles", "store: articles and feeds"),
        (SqliteStore, "save_feeds", "store: articles and feeds"),
        (pipeline, "cluster_pending", "cluster: other"),
        (SqliteStore, "unclustered_articles", "cluster: reading the new articles"),
        (pipeline, "learned_boilerplate", "cluster: the learned boilerplate read again"),
        (_features, "featurise", "cluster: featurising"),
        (cluster, "_group_new", "cluster: grouping by average linkage"),
        (cluster, "_attach", "cluster: other"),
        (cluster, "_count_duplicates", "cluster: wire copies"),
        (SqliteStore, "save_clusters", "cluster: writing stories and memory"),
        (SqliteStore, "save_cluster_memory", "cluster: writing stories and memory"),
        (cluster, "memory_of", "cluster: writing stories and memory"),
    ]:
        clock.wrap(owner, attribute, stage)
    here = ingest._Parsers.__init__

    def parsed_here(parsers: ingest._Parsers, *args: object, **kwargs: object) -> None:
        here(parsers, *args, **kwargs)  # type: ignore[arg-type]
        parsers._here.shutdown()
        parsers._here = _HereNow()  # type: ignore[assignment]

    ingest._Parsers.__init__ = parsed_here  # type: ignore[method-assign]
    return clock


def stages(args: argparse.Namespace) -> None:
    from briefing import ingest, pipeline
    from briefing.config import load_settings
    from briefing.store import open_store_from_settings

    clock = _stage_clock()
    with served(args.feeds, args.items, args) as urls, tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(write_config(Path(tmp), urls, args.concurrency))
        with open_store_from_settings(settings) as store:
            polled, report = timed(lambda: ingest.poll(settings, store, NOW, workers=0))
            clustered, _ = timed(lambda: pipeline.cluster_pending(settings, store))
    total = polled.cpu + clustered.cpu
    own = dict(clock.own)
    own["fetching, the event loop, the rest of the poll"] = polled.cpu - sum(
        cpu for stage, cpu in own.items() if not stage.startswith("cluster")
    )
    lines = [(stage, f"{cpu:.2f}", f"{cpu / total:.1%}") for stage, cpu in sorted(own.items(), key=lambda s: -s[1])]
    table = markdown_table(("stage", "CPU s", "share"), [*lines, ("all", f"{total:.2f}", "100%")])
    notes = (
        f"{args.feeds:,} feeds x {args.items} items ({report.new_articles:,} articles), one process, parsed on its "
        f"main thread; each stage's own CPU."
    )
    print(f"{table}\n\n{notes} Load average {os.getloadavg()[0]:.1f}.")
    if args.write_docs:
        command = f"bench/poll.py stages --feeds {args.feeds} --items {args.items}"
        print(f"wrote {write_figures('poll-stages', command, table, notes)}")


# ------------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    modes = parser.add_subparsers(dest="mode", required=True)
    for name in ("first", "scale", "threshold", "memory", "fetch", "digest", "parse", "stages"):
        mode = modes.add_parser(name)
        mode.add_argument("--items", type=int, default=30)
        mode.add_argument("--latency", type=float, default=0.05)
        mode.add_argument("--hosts", type=int, default=32)
        mode.add_argument("--concurrency", type=int, default=16)
        mode.add_argument("--repeat", type=int, default=3)
        mode.add_argument("--write-docs", action="store_true", help="write the table into docs/figures/")
    modes.choices["first"].add_argument("--feeds", type=int, default=2000)
    modes.choices["digest"].add_argument("--feeds", type=int, default=300)
    modes.choices["parse"].add_argument("--feeds", type=int, default=300)
    modes.choices["stages"].add_argument("--feeds", type=int, default=400)
    modes.choices["scale"].add_argument("--sizes", type=int, nargs="+", default=[2000, 5000, 10000])
    modes.choices["scale"].add_argument("--cluster", action="store_true")
    modes.choices["threshold"].add_argument("--counts", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    modes.choices["memory"].add_argument("--counts", type=int, nargs="+", default=[4, 32, 64])
    modes.choices["memory"].add_argument("--body-mb", type=float, default=9.5)
    modes.choices["fetch"].add_argument("--feeds", type=int, default=1000)
    modes.choices["fetch"].add_argument("--concurrencies", type=int, nargs="+", default=[16, 64])
    inner = modes.add_parser("_child")
    inner.add_argument("config")
    inner.add_argument("--cluster", action="store_true")
    inner.add_argument("--workers", default="auto")
    args = parser.parse_args()
    if args.mode == "_child":
        child(args.config, args.cluster, args.workers)
    else:
        modes_run = {"first": first, "scale": scale, "threshold": threshold, "memory": memory, "fetch": fetch,
                     "digest": digest, "parse": parse, "stages": stages}  # fmt: skip
        modes_run[args.mode](args)


if __name__ == "__main__":
    main()
