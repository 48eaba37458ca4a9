"""The store on SQLite and on PostgreSQL (loopback), in one run.

    eval "$(.ci/postgres start /tmp/pg)"      # or point BRIEFING_TEST_POSTGRES_URL (+ _PASSWORD) at a server
    .venv/bin/python bench/store.py [--feeds 1000] [--items 30] [--articles 100000]

Articles come from bench/cluster.py's generator: stories of heavy-tailed size over 7 days, a title and about
650 characters of text each (an RSS description's length), so stories form as they do in the product.

Reports, for each backend, from the same process:
- poll + build: `pipeline.poll` of `--feeds` feeds of `--items` items (served by a local process, no added
  latency) into an empty store, which stores and clusters them, then `pipeline.build` of the edition at the
  end of the 7 days; wall time, and the part of it spent in the store's database calls; the ratio
  PostgreSQL / SQLite of both;
- prune: a store filled with `--articles` old articles (each carried by one feed, in their stories) and 1,000
  recent ones; `store.prune` with a cutoff that removes every old one; wall time, and the store's size before
  and after (SQLite: the file, after its incremental vacuum; PostgreSQL: briefing's tables with their indexes
  and TOAST, after VACUUM, which keeps the space for new rows rather than giving it back).

The PostgreSQL server is the one the tests use (`BRIEFING_TEST_POSTGRES_URL`); each run gets a schema of its
own, dropped at the end. Without a server, only SQLite is measured.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/cluster.py's generator
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the feed server

from cluster import DAYS, START, synthetic_articles
from feedserver import FeedServer

from briefing import pipeline
from briefing.config import FeedSettings, PollSettings, SectionSettings, Settings
from briefing.models import Article, Cluster, PrunePolicy
from briefing.store import Store, open_store

T = TypeVar("T")
END = START + timedelta(days=DAYS)
Backend = Callable[[str], AbstractContextManager[tuple[str, str | None]]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    server, password = os.environ.get("BRIEFING_TEST_POSTGRES_URL"), os.environ.get("BRIEFING_TEST_POSTGRES_PASSWORD")
    print(f"{os.cpu_count()} cores; PostgreSQL: {server or 'none (set BRIEFING_TEST_POSTGRES_URL)'}")
    with tempfile.TemporaryDirectory() as folder:
        backends: dict[str, Backend] = {"sqlite": lambda name: _sqlite(Path(folder), name)}
        if server:
            backends["postgresql"] = lambda name: _postgres(server, password)
        _pipeline(backends, args.feeds, args.items)
        _prune(backends, args.articles)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


# ------------------------------------------------------------------------------------------ poll + build


def _pipeline(backends: dict[str, Backend], feeds: int, items: int) -> None:
    print(f"\npoll + build, {feeds} feeds x {items} items       wall s   in store s   (poll, build)")
    totals: dict[str, tuple[float, float]] = {}
    with _server_process(_bodies(feeds, items)) as base_url:
        settings = _settings(base_url, feeds)
        for name, opened in backends.items():
            with opened("pipeline") as (location, password), open_store(location, password=password) as store:
                timer = _StoreTimer(store)
                poll, _ = _timed(lambda store=store: pipeline.poll(settings, store, END))  # type: ignore[misc]
                build, report = _timed(lambda store=store: pipeline.build(settings, store, END, END))  # type: ignore[misc]
                totals[name] = (poll + build, timer.seconds)
                print(
                    f"  {name:<12} {poll + build:29.1f} {timer.seconds:12.2f}   ({poll:.1f}, {build:.1f});"
                    f" {report.edition.stats.clusters} stories, {len(report.edition.stories)} in the edition"
                )
    if len(totals) == 2:
        (server, server_store), (lite, lite_store) = totals["postgresql"], totals["sqlite"]
        print(f"  ratio postgresql / sqlite: {server / lite:.2f} (in the store: {server_store / lite_store:.2f})")


def _bodies(feeds: int, items: int) -> dict[str, bytes]:
    """The generated articles dealt out to `feeds` RSS feeds, newest first in each."""
    articles = sorted(synthetic_articles(feeds * items), key=lambda a: a.published, reverse=True)
    return {f"/feeds/{n}.xml": _rss(n, articles[n::feeds]) for n in range(feeds)}


def _rss(number: int, articles: list[Article]) -> bytes:
    items = "".join(
        f"<item><title>{a.title}</title><link>{a.url}</link><guid isPermaLink='false'>{a.id}</guid>"
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{_sentences(a.text)}</description></item>"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {number}</title>'
        f"<link>https://outlet{number}.example.org/</link><description>News</description>{items}</channel></rss>"
    ).encode()


def _sentences(text: str, length: int = 16) -> str:
    """The generator's one long sentence cut into sentences of `length` words, as an extractive summary needs."""
    words = text.rstrip(".").split()
    return " ".join(" ".join(words[n : n + length]).capitalize() + "." for n in range(0, len(words), length))


def _settings(base_url: str, feeds: int) -> Settings:
    poll = PollSettings(concurrency=16, per_host=16)
    section = SectionSettings(name="World", feeds=[FeedSettings(url=f"{base_url}/feeds/{n}.xml") for n in range(feeds)])
    return Settings(sections=[section], poll=poll, timezone="UTC", config_path=Path(tempfile.gettempdir()) / "x.yaml")


def _serve(bodies: dict[str, bytes], ready: Queue[str], stop: Event) -> None:
    """The feed server, in its own process: its threads must not share this process's CPU and GIL."""
    with FeedServer() as server:
        for path, body in bodies.items():
            server.route(path, body=body, headers={"Content-Type": "application/rss+xml"})
        ready.put(server.base_url)
        stop.wait()


@contextmanager
def _server_process(bodies: dict[str, bytes]) -> Iterator[str]:
    context = multiprocessing.get_context("spawn")
    ready: Queue[str] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve, args=(bodies, ready, stop), daemon=True)
    process.start()
    try:
        yield ready.get(timeout=300)
    finally:
        stop.set()
        process.join(timeout=30)


class _StoreTimer:
    """Adds up the wall time spent inside the store: its public methods (a call made from inside another is
    not counted twice) and the start and end of each transaction (BEGIN, COMMIT)."""

    def __init__(self, store: Store) -> None:
        self.seconds = 0.0
        self._depth = 0
        for name in _STORE_METHODS:
            setattr(store, name, self._timed(getattr(store, name)))
        begin = store.transaction
        store.transaction = lambda: self._timed_context(begin())  # type: ignore[method-assign]

    def _timed(self, call: Callable[..., T]) -> Callable[..., T]:
        def timed(*args: Any, **kwargs: Any) -> T:
            self._depth += 1
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self._depth -= 1
                if not self._depth:
                    self.seconds += time.perf_counter() - started

        return timed

    @contextmanager
    def _timed_context(self, context: AbstractContextManager[None]) -> Iterator[None]:
        value = self._timed(context.__enter__)()
        try:
            yield value
        except BaseException as error:
            if not self._timed(context.__exit__)(type(error), error, error.__traceback__):
                raise
        else:
            self._timed(context.__exit__)(None, None, None)


_STORE_METHODS = sorted(
    name
    for name in dir(Store)
    if not name.startswith("_")
    and name not in ("transaction", "instance_lock", "close", "stats", "prune")
    and callable(getattr(Store, name))
)


# ------------------------------------------------------------------------------------------------- prune


def _prune(backends: dict[str, Backend], count: int) -> None:
    print(f"\nprune of {count:,} articles (1,000 recent ones stay)   fill s   prune s   size before -> after")
    articles = _aged(synthetic_articles(count + 1000), count)
    for name, opened in backends.items():
        with opened("prune") as (location, password), open_store(location, password=password) as store:
            fill, _ = _timed(lambda store=store: _fill(store, articles))  # type: ignore[misc]
            cutoff = PrunePolicy(articles_before=END - timedelta(days=30))
            seconds, report = _timed(lambda store=store, cutoff=cutoff: store.prune(cutoff))  # type: ignore[misc]
            per = report.size_before / (count + 1000) * 100_000
            print(
                f"  {name:<12} {fill:31.1f} {seconds:9.1f}   {_mb(report.size_before)} -> {_mb(report.size_after)}"
                f" ({report.removed.get('articles', 0):,} removed; {_mb(per)} per 100,000 articles before)"
            )


def _aged(articles: list[Article], old: int) -> list[Article]:
    """The first `old` articles moved 60 days back (a story straddling the line stays whole); the rest stay
    in the last week."""
    back = timedelta(days=60)
    return [
        replace(a, published=a.published - back, first_seen=a.first_seen - back) if n < old else a
        for n, a in enumerate(articles)
    ]


def _fill(store: Store, articles: list[Article]) -> None:
    stories: dict[str, list[Article]] = {}
    for article in articles:
        stories.setdefault(article.id.rsplit("-", 1)[0], []).append(article)
    for start in range(0, len(articles), 2000):
        store.add_articles("https://feed.example/rss", articles[start : start + 2000])
    groups = [Cluster(f"c-{story[2:]}", tuple(members)) for story, members in stories.items()]
    for start in range(0, len(groups), 2000):
        store.save_clusters(groups[start : start + 2000])


# -------------------------------------------------------------------------------------------------- setup


@contextmanager
def _sqlite(folder: Path, name: str) -> Iterator[tuple[str, str | None]]:
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
