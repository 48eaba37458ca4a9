"""One `briefing poll`: due feeds -> fetch -> parse -> store, each feed isolated from the others.

    report = ingest.poll(settings, store, now)

Steps: sync feeds.yaml into the store; fetch the due feeds concurrently (`briefing.poll`); parse each new body
(`briefing.parse`) as it arrives, in worker processes when there are many, so CPU-bound parsing never stalls
the event loop and overlaps the network; apply RSS `<ttl>` to the next poll; fetch full pages for `full_text`
feeds; store the articles and the feed's new state in one transaction per feed.

A body that fails to parse is recorded on the feed exactly like a fetch failure (reason, failure count,
back-off), and its validators and hash are not kept, so the same bytes are parsed again next time.
Ingest knows the order of the steps, not HTTP (poll) nor feed formats (parse) nor SQL (store).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from briefing import boilerplate, kinds
from briefing.config import PollSettings, Settings, feeds_from_settings
from briefing.errors import ConfigError
from briefing.models import Article, Feed, FeedOutcome, FetchResult, FetchStatus, ParsedFeed, PollReport
from briefing.parse import extract_article, parse_feed
from briefing.poll import Random, fetch_pages, poll_feeds, record_failure
from briefing.store import ArticleStore, FeedStore, SpanStore

log = logging.getLogger(__name__)


class IngestStore(FeedStore, ArticleStore, SpanStore, Protocol):
    """What a poll needs of the store: feeds and their state, articles, and the span counts each feed's
    boilerplate is learned from."""


Progress = Callable[[int, int], None]
PARALLEL_FROM = 8  # due feeds from which parsing moves to worker processes (their start-up costs ~0.5 s)
MAX_FULL_TEXT = 30  # article pages fetched per full-text feed and poll: polite to the publisher


def poll(
    settings: Settings,
    store: IngestStore,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    *,
    rand: Random = random.random,
) -> PollReport:
    """Fetch every due feed once and store its new articles. Never raises for one feed."""
    store.sync_feeds(feeds_from_settings(settings))
    return _poll(settings, store, store.due_feeds(now), now, transport, progress, rand)


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
) -> PollReport:
    with _parser(len(due)) as parser:
        pending = _Pending(parser, now, progress, len(due))
        results = poll_feeds(due, settings.poll, now, transport, rand=rand, on_result=pending.arrived)
        outcomes = [
            _settle(store, settings.poll, pending, feed, result, now, rand, transport)
            for feed, result in zip(due, results, strict=True)
        ]
    new_ids = tuple(article_id for outcome, ids in outcomes for article_id in ids)
    store.forget_rare_spans(boilerplate.MIN_ITEMS, now - boilerplate.MEMORY)
    return PollReport(outcomes=tuple(outcome for outcome, _ in outcomes), new_article_ids=new_ids)


# ------------------------------------------------------------------------------------------------ parsing


class _Pending:
    """Parses bodies as their fetches complete, and reports progress."""

    def __init__(self, parser: Executor | None, now: datetime, progress: Progress | None, total: int) -> None:
        self._parser, self._now, self._progress, self._total = parser, now, progress, total
        self._futures: dict[str, Future[ParsedFeed]] = {}
        self._done = 0

    def arrived(self, result: FetchResult) -> None:
        if self._parser is not None and result.status is FetchStatus.OK and result.body is not None:
            try:
                self._futures[result.feed.key] = self._parser.submit(
                    parse_feed, result.body, result.headers, result.feed, self._now
                )
            except BrokenProcessPool:
                self._parser = None  # parse the rest in-process, after fetching
        self._done += 1
        if self._progress is not None:
            self._progress(self._done, self._total)

    def parsed(self, result: FetchResult) -> ParsedFeed | None:
        """The parse of an OK body (raising what the parser raised); None for anything else."""
        if result.status is not FetchStatus.OK or result.body is None:
            return None
        future = self._futures.get(result.feed.key)
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:  # workers could not start (e.g. a script without a __main__ guard)
                log.debug("parse workers unavailable; parsing %s in-process", result.feed.key)
        return parse_feed(result.body, result.headers, result.feed, self._now)


@contextmanager
def _parser(due: int) -> Iterator[Executor | None]:
    """Worker processes for many feeds on several cores; None (parse in-process afterwards) otherwise."""
    cores = os.cpu_count() or 1
    if due < PARALLEL_FROM or cores < 2:
        yield None
        return
    # spawn, not fork: the caller may run threads (a progress bar, a test server) whose locks fork would copy
    pool = ProcessPoolExecutor(max_workers=min(cores, 4), mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------------------------------------ storing


def _settle(
    store: IngestStore,
    settings: PollSettings,
    pending: _Pending,
    before: Feed,
    result: FetchResult,
    now: datetime,
    rand: Random,
    transport: httpx.AsyncBaseTransport | None,
) -> tuple[FeedOutcome, tuple[str, ...]]:
    """Store one feed's articles and state; any failure here is this feed's alone."""
    try:
        if result.status is not FetchStatus.OK:
            return _not_parsed(store, before, result), ()
        parsed = pending.parsed(result)
        if parsed is None or parsed.error:
            return _failed(store, settings, before, result, _reason(parsed), now, rand), ()
        return _store_articles(store, settings, _learnt(result.feed, parsed, settings, now), parsed, transport, now)
    except Exception as exc:  # the per-feed boundary: a worker crash or a bad entry must not stop the poll
        reason = f"could not read the feed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return _failed(store, settings, before, result, reason, now, rand), ()


def _not_parsed(store: IngestStore, before: Feed, result: FetchResult) -> FeedOutcome:
    """304, unchanged bytes, 410 or a fetch failure: only the feed's state changes."""
    store.save_feed(result.feed)
    if result.error:
        log.warning("feed %s failed: %s", before.key, result.error)
    return FeedOutcome(before.key, result.status, error=result.error)


def _store_articles(
    store: IngestStore,
    settings: PollSettings,
    feed: Feed,
    parsed: ParsedFeed,
    transport: httpx.AsyncBaseTransport | None,
    now: datetime,
) -> tuple[FeedOutcome, tuple[str, ...]]:
    """Store what is new (with full text where configured and its kind), remember this feed for what is known.

    The new items' spans are counted first, so their kinds are judged with the boilerplate they just taught
    (a channel's first poll already shows its blurb under every video)."""
    known = store.articles_by_id(a.id for a in parsed.articles)
    fresh = tuple(a for a in parsed.articles if a.id not in known)
    if feed.full_text and fresh:
        fresh = _with_full_text(fresh, settings, transport, origin=feed.key)
    with store.transaction():
        if fresh:
            store.count_spans(feed.key, boilerplate.span_counts(fresh), now)
            learnt = boilerplate.learned(store.frequent_spans(boilerplate.MIN_ITEMS, feed.key))  # this feed's
            fresh = tuple(kinds.classify(fresh, learnt))
        store.add_articles(feed.key, fresh + tuple(a for a in parsed.articles if a.id in known))
        store.save_feed(feed)
    new_ids = tuple(a.id for a in fresh)
    return FeedOutcome(feed.key, FetchStatus.OK, len(new_ids), len(parsed.articles), warning=parsed.warning), new_ids


def _reason(parsed: ParsedFeed | None) -> str:
    return (parsed.error if parsed else None) or "no body to parse"


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


def _with_full_text(
    articles: tuple[Article, ...], settings: PollSettings, transport: httpx.AsyncBaseTransport | None, *, origin: str
) -> tuple[Article, ...]:
    """Replace each article's text by the body extracted from its page, when that is richer. The pages are
    fetched under the SSRF policy of the feed's configured URL (`origin`)."""
    urls = [a.url for a in articles if a.url][:MAX_FULL_TEXT]
    pages = fetch_pages(urls, settings, transport, origin=origin)
    improved = []
    for article in articles:
        page = pages.get(article.url)
        text = extract_article(page, article.url) if page else None
        improved.append(replace(article, text=text) if text and len(text) > len(article.text) else article)
    return tuple(improved)
