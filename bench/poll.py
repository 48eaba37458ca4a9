"""Polling 1,000 feeds of 30 items each from a local server that adds 50 ms to every response.

    .venv/bin/python bench/poll.py [--feeds 1000] [--items 30] [--latency 0.05] [--concurrency 16]

Reports, from one run:
- first poll: `ingest.poll` on an empty store (fetch, parse and clean, store 30,000 articles), wall time;
- the floor: the sum of `feedparser.parse` times for the same 1,000 bodies, parsed one after the other in this
  process (what any feed reader built on feedparser pays at least, on one core);
- their ratio (first poll / floor), in wall time and in CPU time (CPU time is what a busy machine inflates
  least; the poll's CPU time includes its parse worker processes);
- fetch only: `poll.poll_feeds` on the same feeds with no stored validators and no parsing (the network share);
- second poll: every feed due again, every feed answering 304 to its stored ETag, wall time.

The server runs in its own process (on the same cores). All feeds are served from 127.0.0.1, so `per_host`
is raised to `concurrency`: the run models 1,000 feeds on many hosts, which is what the global bound is for.
The feeds are synthetic (generated here), ~30 KB each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import TypeVar

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from feedserver import FeedServer

from briefing import ingest
from briefing.config import FeedSettings, PollSettings, SectionSettings, Settings, feeds_from_settings
from briefing.poll import poll_feeds
from briefing.store import open_store

T = TypeVar("T")
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
WORDS = (  # noqa: SIM905
    "government minister council election market shares bank rates storm flood coast river bridge rail "
    "strike court judge ruling police protest city mayor school hospital vaccine study scientists space "
    "launch rocket crew station energy prices oil gas wind solar climate talks summit leaders trade deal "
    "talks week report"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _feed(index: int, items: int) -> bytes:
    """An RSS 2.0 feed like a news outlet's: guid, link with tracking, date, an HTML description."""
    rng = random.Random(index)
    entries = []
    for n in range(items):
        published = NOW - timedelta(minutes=17 * n + index % 60)
        paragraphs = "".join(f"<p>{_sentence(rng, 18)} {_sentence(rng, 14)}</p>" for _ in range(3))
        entries.append(
            f"<item><title>{_sentence(rng, 9)}</title>"
            f"<link>https://outlet{index}.example.org/news/{n}?utm_source=rss&amp;utm_medium=feed</link>"
            f'<guid isPermaLink="false">outlet{index}-story-{n:06d}</guid>'
            f"<pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"<description><![CDATA[{paragraphs}<p>Read more</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {index}</title><link>https://outlet{index}.example.org/</link>"
        f"<description>News from outlet {index}</description><language>en-gb</language>{''.join(entries)}"
        "</channel></rss>"
    ).encode()


def _bodies(feeds: int, items: int) -> dict[str, bytes]:
    return {f"/feeds/{i}.xml": _feed(i, items) for i in range(feeds)}


def _serve(feeds: int, items: int, latency: float, ready: Queue[str], stop: Event) -> None:
    """The server, in its own process: its threads must not share this process's CPU and GIL."""
    with FeedServer(latency=latency) as server:
        for number, (path, body) in enumerate(_bodies(feeds, items).items()):
            server.route(path, body=body, headers={"Content-Type": "application/rss+xml"}, etag=f'"v{number}"')
        ready.put(server.base_url)
        stop.wait()


@contextmanager
def _server_process(feeds: int, items: int, latency: float) -> Iterator[str]:
    context = multiprocessing.get_context("spawn")
    ready: Queue[str] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve, args=(feeds, items, latency, ready, stop), daemon=True)
    process.start()
    try:
        yield ready.get(timeout=300)
    finally:
        stop.set()
        process.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    bodies = _bodies(args.feeds, args.items)
    with _server_process(args.feeds, args.items, args.latency) as base_url, tempfile.TemporaryDirectory() as tmp:
        poll_settings = PollSettings(concurrency=args.concurrency, per_host=args.concurrency)
        feeds = [FeedSettings(url=base_url + path) for path in bodies]
        settings = Settings(sections=[SectionSettings(name="World", feeds=feeds)], poll=poll_settings)

        with open_store(Path(tmp) / "bench.sqlite") as store:
            first, report = _timed(lambda: ingest.poll(settings, store, NOW))
            second, again = _timed(lambda: ingest.poll(settings, store, NOW + timedelta(hours=1)))
        fetch_only, _ = _timed(lambda: poll_feeds(feeds_from_settings(settings), poll_settings, NOW))
    floor = _timed(lambda: [feedparser.parse(body) for body in bodies.values()])[0]

    size = sum(map(len, bodies.values())) / len(bodies) / 1024
    print(
        f"{args.feeds} feeds x {args.items} items (~{size:.0f} KB each), {args.latency * 1000:.0f} ms latency, "
        f"concurrency {args.concurrency}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print("                     wall s    CPU s")
    print(f"first poll:         {first}  ({report.ok} feeds read, {report.new_articles} new articles)")
    print(f"feedparser floor:   {floor}  (feedparser.parse over the same bodies, one after the other)")
    print(f"ratio:              {first.wall / floor.wall:7.2f}  {first.cpu / floor.cpu:7.2f}  (first poll / floor)")
    print(f"fetch only:         {fetch_only}  (no validators, no parsing)")
    print(f"second poll (304):  {second}  ({again.not_modified} not modified, {again.new_articles} new)")


@dataclass(frozen=True)
class Cost:
    wall: float
    cpu: float  # this process and its finished worker processes (not the server's process)

    def __str__(self) -> str:
        return f"{self.wall:7.2f}  {self.cpu:7.2f}"


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action: Callable[[], T]) -> tuple[Cost, T]:
    """Wall time, and CPU time, which a busy machine inflates far less."""
    wall, cpu = time.perf_counter(), _cpu()
    result = action()
    return Cost(time.perf_counter() - wall, _cpu() - cpu), result


if __name__ == "__main__":
    main()
