"""Fetches feeds over HTTP, politely. Knows HTTP, not feeds: it never looks inside a body beyond a sniff test.

`stream_feeds` fetches every feed once, concurrently (bounded overall and per host), and hands each feed's
`FetchResult` (with the feed's new polling state) to the caller as soon as it is complete, waiting while the
caller is busy so that bodies never pile up; `poll_feeds` collects them into a list.

- conditional GET with the stored ETag / Last-Modified; a 304 is NOT_MODIFIED and a 200 with the same bytes as
  last time (sha256) is UNCHANGED, so neither is parsed again;
- 301/308 move the feed (`feed.url`), 302/307 do not; 410 retires it; 429/503 honour Retry-After;
- every other failure backs off exponentially with full jitter, capped at `max_backoff_hours`, never for good;
- success schedules the next poll at `now + max(interval, Cache-Control max-age)`;
- connect and total timeouts; a host that times out twice in a poll is skipped for the rest of it; the body is
  capped while streaming *after* decompression (a gzip bomb stops at the cap); only http(s) is fetched,
  redirects included;
- every connection obeys the SSRF policy of `_guard` (checked on the resolved address, on every redirect hop and
  for full-text item links): a public feed never leads into a private network or to this machine.

Nothing raises out of `stream_feeds` for one bad feed: every failure is a FetchResult with status ERROR and a
one-line reason. This package is the only place that imports httpx (here, in `_body`, which reads capped
bodies, and in `_pool`, which makes the clients and bounds what is in flight).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx

from briefing.config import PollSettings
from briefing.models import Feed, FetchResult, FetchStatus
from briefing.poll._body import BodyError, read_capped
from briefing.poll._guard import ORIGIN, AddressClass, GuardedTransport, address_class, refusal
from briefing.poll._headers import charset, lower, max_age, reason_phrase, retry_after
from briefing.poll._pool import ACCEPT, USER_AGENT, Clients, Limits

__all__ = [
    "ACCEPT",
    "USER_AGENT",
    "AddressClass",
    "GuardedTransport",
    "address_class",
    "backoff",
    "fetch_pages",
    "poll_feeds",
    "record_failure",
    "refusal",
    "stream_feeds",
]

MAX_REDIRECTS = 5
MIN_RETRY = timedelta(minutes=1)  # floor under jittered back-off so a failing feed never spins

Random = Callable[[], float]
OnResult = Callable[[FetchResult], None]
Admit = Callable[[int, FetchResult], Awaitable[None]]


class _FetchFailed(Exception):
    """A one-line reason why a fetch failed; becomes FetchResult.error."""


class _TimedOut(_FetchFailed):
    """A fetch that ran out of time: counts against its host for the rest of the poll."""


@dataclass(frozen=True)
class _Response:
    status: int
    url: str  # where the response came from after redirects
    permanent_url: str  # the feed's new home after a chain of permanent redirects only
    headers: dict[str, str]
    body: bytes


# ------------------------------------------------------------------------------------------------ public API


def poll_feeds(
    feeds: list[Feed],
    settings: PollSettings,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    rand: Random = random.random,
    on_result: OnResult | None = None,
) -> list[FetchResult]:
    """Fetch every feed once; results in the order of `feeds`. `on_result` sees each result as it arrives.

    Every body is held until the end: for many feeds, `stream_feeds` hands each one over as it arrives."""
    results: list[FetchResult | None] = [None] * len(feeds)

    async def collect(index: int, result: FetchResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    asyncio.run(stream_feeds(feeds, settings, now, collect, transport, rand=rand))
    return [result for result in results if result is not None]


async def stream_feeds(
    feeds: Sequence[Feed],
    settings: PollSettings,
    now: datetime,
    admit: Admit,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    rand: Random = random.random,
) -> None:
    """Fetch every feed once and await `admit(index in feeds, result)` for each as soon as it is complete.

    `admit` is awaited while the fetch still holds its slot: a caller that is behind (parsing, storing) makes
    fetching wait, so the bodies in memory stay bounded by `concurrency` plus what the caller keeps.
    """
    limits = Limits(settings)
    clients = Clients(settings, (feed.url for feed in feeds), transport)
    try:

        async def one(index: int, feed: Feed) -> None:
            if limits.skipped(feed.url):  # no wait for a slot on a host already given up on: fail at once
                await admit(index, await _fetch_guarded(clients, limits, feed, settings, now, rand))
            else:
                async with limits.slot(feed.url):
                    result = await _fetch_guarded(clients, limits, feed, settings, now, rand)
                    await admit(index, result)
            await clients.done(feed.url)

        async with asyncio.TaskGroup() as group:
            for index, feed in enumerate(feeds):
                group.create_task(one(index, feed))
    finally:
        await clients.aclose()


def fetch_page(
    url: str, settings: PollSettings, transport: httpx.AsyncBaseTransport | None = None, *, origin: str | None = None
) -> str | None:
    """The HTML of an article page (for full-text feeds), or None when it cannot be fetched politely."""
    return fetch_pages([url], settings, transport, origin=origin)[url]


def fetch_pages(
    urls: Iterable[str],
    settings: PollSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    origin: str | None = None,
) -> dict[str, str | None]:
    """Several pages at once, with the same bounds, User-Agent, caps and timeouts as feeds.

    `origin` is the configured URL of the feed that linked them: the SSRF policy allows what its class allows
    (without it, public addresses only).
    """
    return asyncio.run(gather_pages(urls, settings, transport, origin=origin))


def record_failure(
    feed: Feed, reason: str, now: datetime, settings: PollSettings, rand: Random = random.random
) -> Feed:
    """The feed's state after a failure: the reason, one more failure, and a jittered back-off."""
    failures = feed.consecutive_failures + 1
    return replace(
        feed,
        last_attempt=now,
        last_error=reason,
        consecutive_failures=failures,
        next_poll=now + backoff(failures, settings, rand),
    )


def backoff(failures: int, settings: PollSettings, rand: Random = random.random) -> timedelta:
    """Exponential back-off with full jitter (AWS architecture blog, 2015): uniform in [0, min(cap, base*2^n)).

    The base is the normal poll interval, so a feed that fails once is retried about as often as it is polled.
    """
    cap = timedelta(hours=settings.max_backoff_hours)
    doublings = min(failures - 1, 20)  # 2^20 intervals is far past any cap, and cannot overflow a timedelta
    ceiling = min(cap, timedelta(minutes=settings.interval_minutes) * (1 << doublings))
    return max(MIN_RETRY, ceiling * rand()) if ceiling > MIN_RETRY else ceiling


# ------------------------------------------------------------------------------------------------ one feed


async def _fetch_guarded(
    clients: Clients, limits: Limits, feed: Feed, settings: PollSettings, now: datetime, rand: Random
) -> FetchResult:
    """One feed, with every failure turned into a result: nothing escapes for one bad feed."""
    started = time.perf_counter()
    try:
        result = await _fetch(clients, limits, feed, settings, now, rand)
    except _FetchFailed as exc:
        if isinstance(exc, _TimedOut):
            limits.timed_out(feed.url)
        result = FetchResult(record_failure(feed, str(exc), now, settings, rand), FetchStatus.ERROR, error=str(exc))
    except Exception as exc:  # a per-feed boundary: record whatever went wrong, keep polling the others
        reason = f"unexpected error: {type(exc).__name__}: {_one_line(str(exc))}"
        result = FetchResult(record_failure(feed, reason, now, settings, rand), FetchStatus.ERROR, error=reason)
    return replace(result, elapsed=time.perf_counter() - started)


async def _fetch(
    clients: Clients, limits: Limits, feed: Feed, settings: PollSettings, now: datetime, rand: Random
) -> FetchResult:
    _check_scheme(feed.url)
    skipped = limits.skipped(feed.url)
    if skipped:
        raise _FetchFailed(skipped)
    client = clients.client(feed.url)
    try:
        response = await asyncio.wait_for(
            _get(client, feed.url, _conditional_headers(feed), settings, feed.key), timeout=settings.timeout
        )
    except TimeoutError:
        raise _TimedOut(f"timed out after {settings.timeout:g} s") from None
    moved = replace(feed, url=response.permanent_url)
    return _interpret(moved, response, settings, now, rand)


def _interpret(feed: Feed, response: _Response, settings: PollSettings, now: datetime, rand: Random) -> FetchResult:
    """Turn a final (non-redirect) response into the feed's new state."""
    status, headers = response.status, response.headers
    if status == 304:
        return FetchResult(_succeeded(feed, headers, settings, now), FetchStatus.NOT_MODIFIED, headers=headers)
    if status == 410:
        gone = replace(feed, retired=True, last_attempt=now, last_error="HTTP 410 Gone: feed retired", next_poll=None)
        return FetchResult(gone, FetchStatus.GONE, headers=headers, error=gone.last_error)
    if status in (429, 503):
        return _throttled(feed, response, settings, now, rand)
    if not 200 <= status < 300:
        raise _FetchFailed(f"HTTP {status} {reason_phrase(status)}".rstrip())
    _check_body(response)
    digest = hashlib.sha256(response.body).hexdigest()
    ok = replace(_succeeded(feed, headers, settings, now), content_hash=digest)
    if digest == feed.content_hash:
        return FetchResult(ok, FetchStatus.UNCHANGED, headers=headers)
    validated = replace(ok, etag=headers.get("etag"), last_modified=headers.get("last-modified"))
    return FetchResult(validated, FetchStatus.OK, body=response.body, headers=headers)


def _succeeded(feed: Feed, headers: dict[str, str], settings: PollSettings, now: datetime) -> Feed:
    interval = timedelta(minutes=settings.interval_minutes)
    asked = min(max_age(headers.get("cache-control", "")), timedelta(hours=settings.max_backoff_hours))
    return replace(
        feed,
        last_attempt=now,
        last_success=now,
        last_error=None,
        consecutive_failures=0,
        next_poll=now + max(interval, asked),
    )


def _throttled(feed: Feed, response: _Response, settings: PollSettings, now: datetime, rand: Random) -> FetchResult:
    """429/503: wait as long as the server asks (capped at the back-off cap), else back off as usual."""
    reason = f"HTTP {response.status} {reason_phrase(response.status)}"
    failed = record_failure(feed, reason, now, settings, rand)
    wait = retry_after(response.headers.get("retry-after", ""), now)
    if wait is not None:
        cap = timedelta(hours=settings.max_backoff_hours)
        failed = replace(failed, next_poll=now + min(cap, max(wait, MIN_RETRY)))
        reason += f" (Retry-After {int(wait.total_seconds())} s)"
        failed = replace(failed, last_error=reason)
    return FetchResult(failed, FetchStatus.ERROR, headers=response.headers, error=reason)


def _check_body(response: _Response) -> None:
    """Failures visible at the HTTP level: nothing sent, or a web page where a feed should be."""
    if not response.body.strip():
        raise _FetchFailed(f"empty body (HTTP {response.status})")
    content_type = response.headers.get("content-type", "").lower()
    if "html" in content_type and "xhtml+xml" not in content_type and not _has_feed_markers(response.body):
        raise _FetchFailed(f"an HTML page, not a feed (Content-Type {content_type.split(';')[0]})")


_FEED_MARKERS = re.compile(rb"<(rss|feed|rdf:RDF|channel)[\s>]|\"version\"\s*:\s*\"https?://jsonfeed", re.I)


def _has_feed_markers(body: bytes) -> bool:
    return _FEED_MARKERS.search(body[:4096]) is not None


# ------------------------------------------------------------------------------------------------ HTTP


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], settings: PollSettings, origin: str | None
) -> _Response:
    """GET with redirects followed by hand, so permanent moves are seen and every hop is checked for http(s).

    `origin` (the configured feed URL) travels with every hop to the transport, which applies its SSRF policy.
    """
    permanent_url, permanent = url, True
    extensions = {ORIGIN: origin} if origin else {}
    for _ in range(MAX_REDIRECTS + 1):
        try:
            async with client.stream("GET", url, headers=headers, extensions=extensions) as response:
                if response.is_redirect and "location" in response.headers:
                    target = urljoin(url, response.headers["location"].strip())
                    _check_scheme(target, redirected=True)
                    permanent = permanent and response.status_code in (301, 308)
                    permanent_url = target if permanent else permanent_url
                    url = target
                    continue
                ok = 200 <= response.status_code < 300
                body = await read_capped(response, settings.max_bytes) if ok else b""
                return _Response(response.status_code, url, permanent_url, lower(response.headers), body)
        except BodyError as exc:
            raise _FetchFailed(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise _TimedOut(f"{_timeout_kind(exc)} timed out") from exc
        except httpx.HTTPError as exc:
            raise _FetchFailed(f"network error: {type(exc).__name__}: {_one_line(str(exc)) or url}") from exc
    raise _FetchFailed(f"more than {MAX_REDIRECTS} redirects")


# ------------------------------------------------------------------------------------------------ pages


async def gather_pages(
    urls: Iterable[str],
    settings: PollSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    origin: str | None = None,
) -> dict[str, str | None]:
    """`fetch_pages` for callers inside an event loop. Pages have their own bounds, apart from the feeds'."""
    unique = list(dict.fromkeys(urls))
    limits = Limits(settings)
    clients = Clients(settings, unique, transport)

    async def one(url: str) -> str | None:
        try:
            _check_scheme(url)
            async with limits.slot(url):
                client = clients.client(url)
                response = await asyncio.wait_for(_get(client, url, {}, settings, origin), timeout=settings.timeout)
        except (_FetchFailed, TimeoutError):
            return None
        content_type = response.headers.get("content-type", "text/html").lower()
        if response.status != 200 or not response.body or "html" not in content_type:
            return None  # an error, an empty page, or a PDF or image: nothing to extract an article from
        return response.body.decode(charset(response.headers), errors="replace")

    try:
        pages = await asyncio.gather(*(one(url) for url in unique))
    finally:
        await clients.aclose()
    return dict(zip(unique, pages, strict=True))


# ------------------------------------------------------------------------------------------------ helpers


def _conditional_headers(feed: Feed) -> dict[str, str]:
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def _check_scheme(url: str, *, redirected: bool = False) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        where = "redirected to" if redirected else "feed URL is"
        raise _FetchFailed(f"{where} {url!r}: only http(s) URLs are fetched")


def _timeout_kind(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect"
    if isinstance(exc, httpx.ReadTimeout):
        return "read"
    return "request"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
