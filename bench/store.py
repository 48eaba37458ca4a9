"""The store on SQLite and on PostgreSQL (loopback), in one run.

    eval "$(.ci/postgres start /tmp/pg)"      # or point BRIEFING_TEST_POSTGRES_URL (+ _PASSWORD) at a server
    .venv/bin/python bench/store.py [--feeds 1000] [--items 30] [--articles 100000]

Reports, for each backend, from the same process:
- poll + build: `pipeline.poll` of `--feeds` generated feeds (served from a local process, no added latency)
  into an empty store, then `pipeline.build` of the edition; wall time, and the part of it spent in the store's
  database calls; the ratio PostgreSQL / SQLite;
- prune: a store filled with `--articles` old articles (about 1.5 KB of text each, in stories of four, each
  carried by one feed) and 1,000 recent ones; `store.prune` with a cutoff that removes every old one; wall
  time, and the database's size before and after (SQLite: the file after its incremental vacuum; PostgreSQL:
  briefing's tables with their indexes and TOAST, after VACUUM, which keeps the space for reuse).

The PostgreSQL server is the one the tests use (`BRIEFING_TEST_POSTGRES_URL`); each run gets a schema of its
own, dropped at the end. Without a server, only SQLite is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/poll.py's feed generator and server process

from poll import NOW, WORDS, _server_process

from briefing import pipeline
from briefing.config import FeedSettings, PollSettings, SectionSettings, Settings
from briefing.models import Article, Cluster, PrunePolicy
from briefing.store import Store, open_store

T = TypeVar("T")
DAY = timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    server, password = os.environ.get("BRIEFING_TEST_POSTGRES_URL"), os.environ.get("BRIEFING_TEST_POSTGRES_PASSWORD")
    print(f"{os.cpu_count()} cores; PostgreSQL: {server or 'none (set BRIEFING_TEST_POSTGRES_URL)'}")
    with tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": lambda name: _sqlite(Path(folder), name)}
        if server:
            backends["postgresql"] = lambda name: _postgres(server, password)
        _pipeline(backends, args.feeds, args.items)
        _prune(backends, args.articles)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


# ------------------------------------------------------------------------------------------ poll + build


def _pipeline(backends: dict[str, Callable[[str], Any]], feeds: int, items: int) -> None:
    print(f"\npoll + build, {feeds} feeds x {items} items    wall s   in store s   (poll, build)")
    totals: dict[str, float] = {}
    with _server_process(feeds, items, 0.0) as base_url:
        settings = _settings(base_url, feeds)
        for name, opened in backends.items():
            with opened("pipeline") as location, open_store(location[0], password=location[1]) as store:
                timer = _StoreTimer(store)
                poll, _ = _timed(lambda store=store: pipeline.poll(settings, store, NOW))  # type: ignore[misc]
                build, report = _timed(lambda store=store: pipeline.build(settings, store, NOW, NOW))  # type: ignore[misc]
                totals[name] = poll + build
                print(
                    f"  {name:<12} {poll + build:26.2f} {timer.seconds:12.2f}   ({poll:.2f}, {build:.2f});"
                    f" {len(report.edition.stories)} stories"
                )
    if len(totals) == 2:
        print(f"  ratio postgresql / sqlite: {totals['postgresql'] / totals['sqlite']:.2f}")


def _settings(base_url: str, feeds: int) -> Settings:
    poll = PollSettings(concurrency=16, per_host=16)
    section = SectionSettings(name="World", feeds=[FeedSettings(url=f"{base_url}/feeds/{i}.xml") for i in range(feeds)])
    return Settings(sections=[section], poll=poll, timezone="UTC", config_path=Path(tempfile.gettempdir()) / "x.yaml")


class _StoreTimer:
    """Adds up the wall time of every call the store makes to its database adapter."""

    def __init__(self, store: Store) -> None:
        self.seconds = 0.0
        db = store._db  # type: ignore[attr-defined]
        for method in ("query", "execute", "execute_many"):
            setattr(db, method, self._timed(getattr(db, method)))

    def _timed(self, call: Callable[..., T]) -> Callable[..., T]:
        def timed(*args: Any) -> T:
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


# ------------------------------------------------------------------------------------------------- prune


def _prune(backends: dict[str, Callable[[str], Any]], count: int) -> None:
    print(f"\nprune of {count:,} articles (1,000 recent ones stay)   fill s   prune s   size before -> after")
    for name, opened in backends.items():
        with opened("prune") as location, open_store(location[0], password=location[1]) as store:
            fill, _ = _timed(lambda store=store: _fill(store, count))  # type: ignore[misc]
            before = store.stats().size_bytes
            seconds, report = _timed(lambda store=store: store.prune(PrunePolicy(articles_before=NOW - 10 * DAY)))  # type: ignore[misc]
            per = before / (count + 1000) * 100_000
            print(
                f"  {name:<12} {fill:31.1f} {seconds:9.1f}   {_mb(report.size_before)} -> {_mb(report.size_after)}"
                f" ({report.removed.get('articles', 0):,} removed; {_mb(per)} per 100,000 articles before)"
            )


def _fill(store: Store, count: int) -> None:
    rng = random.Random(0)
    for start in range(0, count + 1000, 2000):
        batch = [_article(rng, n, old=n < count) for n in range(start, min(start + 2000, count + 1000))]
        store.add_articles("https://feed.example/rss", batch)
        store.save_clusters(Cluster(f"c-{a.id}", tuple(batch[i : i + 4])) for i, a in enumerate(batch) if i % 4 == 0)


def _article(rng: random.Random, n: int, old: bool) -> Article:
    published = NOW - (timedelta(days=20 + n % 300 / 10) if old else timedelta(hours=n % 48))
    text = " ".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(16))
    return Article(
        id=f"a-{n:07d}",
        url=f"https://outlet.example/news/{n}",
        title=" ".join(rng.choice(WORDS) for _ in range(9)).capitalize(),
        text=text,
        outlet="Outlet",
        published=published,
        first_seen=published,
        feeds=("https://feed.example/rss",),
    )


# -------------------------------------------------------------------------------------------------- setup


@contextmanager
def _sqlite(folder: Path, name: str) -> Iterator[tuple[str, None]]:
    yield f"sqlite:///{folder / (name + '.sqlite')}", None


@contextmanager
def _postgres(server: str, password: str | None) -> Iterator[tuple[str, str | None]]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, password=password, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{server}{'&' if '?' in server else '?'}options={quote(f'-csearch_path={schema}')}", password
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _mb(size: float) -> str:
    return f"{size / 1_000_000:,.1f} MB"


if __name__ == "__main__":
    main()
