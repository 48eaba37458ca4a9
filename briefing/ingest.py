"""One `briefing poll`: due feeds -> fetch -> parse -> store, each feed isolated from the others.

    report = ingest.poll(settings, store, now)

Steps: sync feeds.yaml into the store; fetch the due feeds concurrently (`briefing.poll`); as each fetch completes,
parse its body (`briefing.parse`): in worker processes when there are many feeds and idle cores, else in a thread
of this process, so parsing overlaps the network and never stalls the event loop; apply RSS `<ttl>` to the next
poll; fetch full pages for `full_text` feeds (their text extracted in the same thread); store the articles and the
feed's new state, each feed in its own savepoint, the feeds stored within a second sharing one commit
(`_GroupCommit`). Each feed is stored as soon as it is parsed, and at most BACKLOG bodies wait for a parser: when
parsing is the bottleneck fetching waits, so memory stays flat in the number of feeds (it grows with `concurrency`,
not with the feeds). The state of feeds that bring no articles (304, unchanged, failed) is written a hundred at a
time: a re-poll is mostly 304s, and a transaction per feed cost a third more CPU than the fetching itself.

A body that fails to parse is recorded on the feed exactly like a fetch failure (reason, failure count,
back-off), and its validators and hash are not kept, so the same bytes are parsed again next time.
Ingest knows the order of the steps, not HTTP (poll) nor feed formats (parse) nor SQL (store).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from briefing import boilerplate, kinds
from briefing._workers import idle_cores, process_pool
from briefing.config import PollSettings, Settings, feeds_from_settings
from briefing.errors import ConfigError
from briefing.models import Article, Feed, FeedOutcome, FetchResult, FetchStatus, ParsedFeed, PollReport
from briefing.parse import extract_article, parse_feed
from briefing.poll import Random, gather_pages, record_failure, stream_feeds
from briefing.store import ArticleStore, FeedStore, SpanStore

log = logging.getLogger(__name__)


class IngestStore(FeedStore, ArticleStore, SpanStore, Protocol):
    """What a poll needs of the store: feeds and their state, articles, and the span counts each feed's
    boilerplate is learned from."""


Progress = Callable[[int, int], None]
PARALLEL_FROM = 100  # due feeds from which workers start: measured, `bench/poll.py threshold` (docs/benchmarks.md)
MAX_WORKERS = 4
BACKLOG = 2  # bodies per parser waiting to be parsed, beyond the ones being parsed
STATE_BATCH = 100  # states of feeds without new articles written per transaction (a re-poll is mostly 304s)
COMMIT_FEEDS = 100  # feeds stored per commit at most ...
COMMIT_SECONDS = 1.0  # ... and for at most this long (another process's writes wait for it)
MAX_FULL_TEXT = 30  # article pages fetched per full-text feed and poll: polite to the publisher


def poll(
    settings: Settings,
    store: IngestStore,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    *,
    rand: Random = random.random,
    workers: int | None = None,
) -> PollReport:
    """Fetch every due feed once and store its new articles. Never raises for one feed.

    `workers`: parse worker processes (0 parses here, in this process); by default as many as there are cores
    (up to MAX_WORKERS) from PARALLEL_FROM due feeds, none below.
    """
    store.sync_feeds(feeds_from_settings(settings))
    return _poll(settings, store, store.due_feeds(now), now, transport, progress, rand, workers)


def feeds_to_poll_now(settings: Settings, store: IngestStore, selector: str | None = None) -> list[Feed]:
    """For `briefing poll --now`: every feed that is not retired, or the one `selector` names (its URL,
    configured name or feed title), due or not."""
    store.sync_feeds(feeds_from_settings(settings))
    if selector is None:
        return store.feeds(include_retired=False)
    return [select_feed(store.feeds(), selector)]


def poll_these(
    settings: Settings,
    store: IngestStore,
    feeds: list[Feed],
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    *,
    rand: Random = random.random,
) -> PollReport:
    """Fetch these feeds now, whatever their next poll time (the interval, back-off and `<ttl>` are ignored
    once); validators are still sent, so an unchanged feed costs a 304."""
    return _poll(settings, store, feeds, now, transport, progress, rand)


def select_feed(feeds: list[Feed], selector: str) -> Feed:
    """The one configured feed `selector` names: its URL (as configured or as now fetched), else its name or
    title, compared without regard to case. ConfigError when none, several or a retired feed matches."""
    wanted = selector.strip().casefold()
    matches = [f for f in feeds if wanted in (f.key.casefold(), f.url.casefold())]
    if not matches:
        matches = [f for f in feeds if wanted in {(f.name or "").casefold(), (f.title or "").casefold()}]
    hint = "`briefing feeds` lists the feeds with their names and URLs"
    if not matches:
        raise ConfigError(f"--feed: no configured feed has the URL or name {selector!r}", hint=hint)
    if len(matches) > 1:
        urls = ", ".join(f.key for f in matches)
        raise ConfigError(f"--feed: {selector!r} names {len(matches)} feeds ({urls}); give a URL instead", hint=hint)
    if matches[0].retired:
        raise ConfigError(
            f"--feed: {matches[0].key} is retired (its server answered 410 Gone) and is not polled again",
            hint="if the feed moved, put its new URL in feeds.yaml",
        )
    return matches[0]


def _poll(
    settings: Settings,
    store: IngestStore,
    due: list[Feed],
    now: datetime,
    transport: httpx.AsyncBaseTransport | None,
    progress: Progress | None,
    rand: Random,
    workers: int | None = None,
) -> PollReport:
    with _parsers(len(due), workers, now) as parsers:
        streaming = _Stream(settings, store, now, transport, progress, rand, parsers)
        report = asyncio.run(streaming.run(due, backlog=parsers.count * (1 + BACKLOG)))
    store.forget_rare_spans(boilerplate.MIN_ITEMS, now - boilerplate.MEMORY)
    return report


# ------------------------------------------------------------------------------------------------ streaming


class _Stream:
    """One poll in flight: each fetched feed is parsed and stored as it arrives, in its own task."""

    def __init__(
        self,
        settings: Settings,
        store: IngestStore,
        now: datetime,
        transport: httpx.AsyncBaseTransport | None,
        progress: Progress | None,
        rand: Random,
        parsers: _Parsers,
    ) -> None:
        self._settings, self._store, self._now, self._transport = settings.poll, store, now, transport
        self._progress, self._rand, self._parsers = progress, rand, parsers
        self._spans = boilerplate.SpanTotals()  # every feed's span counts, read once this poll
        self._commits = _GroupCommit(store)
        self._due: list[Feed] = []
        self._outcomes: list[FeedOutcome | None] = []
        self._new_ids: list[tuple[str, ...]] = []
        self._states: list[Feed] = []  # feed states to write, in batches of STATE_BATCH
        self._done = 0

    async def run(self, due: list[Feed], backlog: int) -> PollReport:
        self._due, self._outcomes, self._new_ids = due, [None] * len(due), [()] * len(due)
        self._backlog = asyncio.Semaphore(backlog)
        try:
            async with asyncio.TaskGroup() as self._group:
                await stream_feeds(due, self._settings, self._now, self._admit, self._transport, rand=self._rand)
        finally:
            self._save_states()
            self._commits.close()
        outcomes = tuple(outcome for outcome in self._outcomes if outcome is not None)
        return PollReport(outcomes=outcomes, new_article_ids=tuple(i for ids in self._new_ids for i in ids))

    async def _admit(self, index: int, result: FetchResult) -> None:
        """Called as each fetch completes; waits (holding the fetch's slot) while the parsers are behind."""
        if result.status is not FetchStatus.OK or result.body is None:
            self._states.append(result.feed)
            if len(self._states) >= STATE_BATCH:
                self._save_states()
            self._finish(index, _not_parsed(self._due[index], result), ())
            return
        await self._backlog.acquire()
        self._group.create_task(self._settle(index, result))

    async def _settle(self, index: int, result: FetchResult) -> None:
        try:
            outcome, ids = await self._read(self._due[index], result)
        finally:
            self._backlog.release()
        self._finish(index, outcome, ids)

    async def _read(self, before: Feed, result: FetchResult) -> tuple[FeedOutcome, tuple[str, ...]]:
        """Parse and store one feed's body; any failure here is this feed's alone."""
        settings, now = self._settings, self._now
        try:
            assert result.body is not None
            parsed = await self._parsers.parse(result.body, result.headers, result.feed, now)
            if parsed.error:
                return _failed(self._store, settings, before, result, parsed.error, now, self._rand), ()
            feed = _learnt(result.feed, parsed, settings, now)
            return await _store_articles(
                self._store, settings, feed, parsed, self._transport, self._parsers, self._spans, self._commits, now
            )
        except Exception as exc:  # the per-feed boundary: a worker crash or a bad entry must not stop the poll
            reason = f"could not read the feed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            return _failed(self._store, settings, before, result, reason, now, self._rand), ()

    def _save_states(self) -> None:
        """The new state of feeds that brought no articles (304, unchanged, failed), in one transaction."""
        if self._states:
            self._store.save_feeds(self._states)
            self._states = []

    def _finish(self, index: int, outcome: FeedOutcome, new_ids: tuple[str, ...]) -> None:
        self._outcomes[index], self._new_ids[index] = outcome, new_ids
        self._done += 1
        if self._progress is not None:
            self._progress(self._done, len(self._due))


class _GroupCommit:
    """Feeds stored in one poll share their commits: each feed is stored in its own savepoint (a feed that fails
    undoes only its own writes), and the transaction around them is committed every COMMIT_FEEDS feeds or
    COMMIT_SECONDS, whichever comes first, and when the poll ends however it ends (an interrupted poll keeps
    what it stored). A commit per feed wrote the same pages of the span counts' indexes again for every feed,
    which cost more than parsing (bench/poll.py). A crash before a commit loses that group's articles together
    with their feeds' new validators, so the next poll fetches and stores them again: nothing is half-stored."""

    def __init__(self, store: IngestStore) -> None:
        self._store = store
        self._open: ExitStack | None = None
        self._feeds = 0
        self._timer: asyncio.TimerHandle | None = None

    def hold(self) -> None:
        """Before a feed is stored: open the group's transaction if none is open."""
        if self._open is None:
            self._open = ExitStack()
            self._open.enter_context(self._store.transaction())
            self._open.enter_context(self._store.batched_spans())  # the group's span counts, written in span order
            self._feeds = 0
            self._timer = asyncio.get_running_loop().call_later(COMMIT_SECONDS, self.close)

    def stored(self) -> None:
        """After a feed is stored: commit when the group is full."""
        self._feeds += 1
        if self._feeds >= COMMIT_FEEDS:
            self.close()

    def close(self) -> None:
        """Commit what the group stored (between feeds, never inside one: the loop runs it between tasks)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._open is not None:
            group, self._open = self._open, None
            group.close()


class _Parsers:
    """Where bodies are parsed: in worker processes once they have started, in a thread of this process until
    then (and for a poll of a few feeds, which ends before workers would have started).

    The workers start with the poll and import the parser while the first fetches are in flight, so starting
    them costs CPU on the other cores, never time. Parsing here runs in one thread, never on the event loop:
    a loop busy parsing a large body would leave the other fetches unread until their timeouts ran out. With
    `eager`, every body waits for the workers (tests use it).
    """

    def __init__(self, pool: Executor | None, workers: int, now: datetime, *, eager: bool) -> None:
        self.count = max(workers, 1)  # bodies parsed at once
        self._pool, self._started = pool, pool
        self._here = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        warm_up = Feed(key="warm-up", url="http://warm.invalid/", section="")
        self._warming = [pool.submit(parse_feed, b"", {}, warm_up, now) for _ in range(workers)] if pool else []
        self._ready = eager

    async def parse(self, body: bytes, headers: dict[str, str], feed: Feed, now: datetime) -> ParsedFeed:
        self._ready = self._ready or all(started.done() for started in self._warming)
        if self._pool is not None and self._ready:
            try:
                return await asyncio.wrap_future(self._pool.submit(parse_feed, body, headers, feed, now))
            except BrokenProcessPool:  # workers could not start (e.g. a script without a __main__ guard)
                log.debug("parse workers unavailable; parsing in-process from %s on", feed.key)
                self._pool = None
        return await asyncio.wrap_future(self._here.submit(parse_feed, body, headers, feed, now))

    async def extract(self, page: str, url: str) -> str | None:
        """An article page's text (trafilatura), in the parse thread: never on the event loop."""
        return await asyncio.wrap_future(self._here.submit(extract_article, page, url))

    def close(self) -> None:
        self._here.shutdown(wait=True, cancel_futures=True)
        if self._started is not None:
            self._started.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _parsers(due: int, workers: int | None, now: datetime) -> Iterator[_Parsers]:
    """Worker processes for many feeds on several idle cores (see `_Parsers`), none for a few."""
    eager = workers is not None
    if workers is None:
        workers = min(idle_cores(), MAX_WORKERS) if due >= PARALLEL_FROM else 0
    parsers = _Parsers(process_pool(workers) if workers > 0 else None, workers, now, eager=eager)
    try:
        yield parsers
    finally:
        parsers.close()


# ------------------------------------------------------------------------------------------------ storing


def _not_parsed(before: Feed, result: FetchResult) -> FeedOutcome:
    """304, unchanged bytes, 410 or a fetch failure: only the feed's state changes (saved by the caller)."""
    if result.error:
        log.warning("feed %s failed: %s", before.key, result.error)
    return FeedOutcome(before.key, result.status, error=result.error)


async def _store_articles(
    store: IngestStore,
    settings: PollSettings,
    feed: Feed,
    parsed: ParsedFeed,
    transport: httpx.AsyncBaseTransport | None,
    parsers: _Parsers,
    spans: boilerplate.SpanTotals,
    commits: _GroupCommit,
    now: datetime,
) -> tuple[FeedOutcome, tuple[str, ...]]:
    """Store what is new (with full text where configured and its kind), remember this feed for what is known.

    The new items' spans are counted first, so their kinds are judged with the boilerplate they just taught
    (a channel's first poll already shows its blurb under every video); only this feed's model is read."""
    known = store.stored_article_ids(a.id for a in parsed.articles)
    fresh = tuple(a for a in parsed.articles if a.id not in known)
    if feed.full_text and fresh:
        fresh = await _with_full_text(fresh, settings, transport, parsers, origin=feed.key)
    commits.hold()
    with store.transaction():
        counts = boilerplate.span_counts(fresh)
        if fresh:
            fresh = tuple(kinds.classify(fresh, _learn(store, feed.key, counts, spans)))
        store.add_articles(feed.key, fresh + tuple(a for a in parsed.articles if a.id in known))
        store.save_feed(feed)
        if counts:  # last: the group's batch holds them, and a failure above must not leave them there
            store.count_spans(feed.key, counts, now)
    commits.stored()
    new_ids = tuple(a.id for a in fresh)
    return FeedOutcome(feed.key, FetchStatus.OK, len(new_ids), len(parsed.articles), warning=parsed.warning), new_ids


def _learn(
    store: IngestStore, feed_key: str, counts: Counter[int], spans: boilerplate.SpanTotals
) -> boilerplate.Boilerplate:
    """A feed's boilerplate as `boilerplate.learned` would find it from every feed's rows once its new counts
    are added (the caller adds them to the store after); the other feeds' counts of a span are read once a poll
    (`spans`), not once per feed."""
    own = store.own_spans(feed_key, boilerplate.MIN_ITEMS, adding=counts)
    missing = spans.missing(own)
    spans.read(store.span_rows(missing), missing)
    spans.add(feed_key, counts)
    return spans.model(feed_key, own)


def _failed(
    store: IngestStore,
    settings: PollSettings,
    before: Feed,
    result: FetchResult,
    reason: str,
    now: datetime,
    rand: Random,
) -> FeedOutcome:
    """A body that could not be read: back off, and forget its validators so it is fetched and parsed again."""
    moved = replace(before, url=result.feed.url)
    store.save_feed(record_failure(moved, reason, now, settings, rand))
    log.warning("feed %s failed: %s", before.key, reason)
    return FeedOutcome(before.key, FetchStatus.ERROR, error=reason)


def _learnt(feed: Feed, parsed: ParsedFeed, settings: PollSettings, now: datetime) -> Feed:
    """The feed's title, and RSS <ttl> raising the next poll (never past the back-off cap)."""
    feed = replace(feed, title=parsed.title or feed.title)
    if parsed.ttl is None or feed.next_poll is None:
        return feed
    ttl = min(parsed.ttl, timedelta(hours=settings.max_backoff_hours))
    return replace(feed, next_poll=max(feed.next_poll, now + ttl))


async def _with_full_text(
    articles: tuple[Article, ...],
    settings: PollSettings,
    transport: httpx.AsyncBaseTransport | None,
    parsers: _Parsers,
    *,
    origin: str,
) -> tuple[Article, ...]:
    """Replace each article's text by the body extracted from its page, when that is richer. The pages are
    fetched under the SSRF policy of the feed's configured URL (`origin`)."""
    urls = [a.url for a in articles if a.url][:MAX_FULL_TEXT]
    pages = await gather_pages(urls, settings, transport, origin=origin)
    improved = []
    for article in articles:
        page = pages.get(article.url)
        text = await parsers.extract(page, article.url) if page else None
        improved.append(replace(article, text=text) if text and len(text) > len(article.text) else article)
    return tuple(improved)
