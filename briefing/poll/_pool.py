"""Connections inside `briefing.poll`: how many requests run at once, and which httpx client carries each.

`Limits` bounds requests in flight overall (`concurrency`) and per host (`per_host`), and remembers hosts that
time out: after SKIP_AFTER_TIMEOUTS timeouts in one poll, a host's remaining feeds are skipped for the rest of
it, so an unresponsive server costs a poll one `timeout` or two, not one per feed it hosts.

`Clients` gives each origin (scheme, host, port) its own httpx client, each pool holding at most POOL_SIZE
connections. httpcore's pool looks at every connection and every waiting request on each request and each
response, so one shared client costs CPU in the square of its connections: fetching 1,000 feeds took 1.2 s of
CPU at concurrency 16 and 7.3 s at 64 through one client. Small pools keep it linear. A client is closed as
soon as the last feed of its origin is done, so open connections stay bounded by what is in flight.

`new_transport` is the one place where every client's transport is made: the SSRF guard (`_guard`), which
checks every address before connecting, with one CA bundle shared by all of them.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx

from briefing import __version__
from briefing.config import PollSettings
from briefing.poll._guard import GuardedTransport

USER_AGENT = f"briefing/{__version__} (+https://github.com/briefing-news/briefing)"
ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"

SKIP_AFTER_TIMEOUTS = 2  # timeouts of one host in one poll after which its other feeds wait for the next poll
POOL_SIZE = 8  # connections per client; a host allowed more (per_host > 8) gets several clients


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class Limits:
    """A global bound and a per-host bound on requests in flight, and each host's timeouts in this poll."""

    def __init__(self, settings: PollSettings) -> None:
        self._all = asyncio.Semaphore(settings.concurrency)
        self._per_host = settings.per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._timeouts: Counter[str] = Counter()

    def slot(self, url: str) -> Slot:
        host = host_of(url)
        return Slot(self._all, self._hosts.setdefault(host, asyncio.Semaphore(self._per_host)))

    def timed_out(self, url: str) -> None:
        self._timeouts[host_of(url)] += 1

    def skipped(self, url: str) -> str | None:
        """Why a request to this URL's host is not made in this poll (None when it may be)."""
        host = host_of(url)
        count = self._timeouts[host]
        return f"skipped: {host} timed out {count} times in this poll" if count >= SKIP_AFTER_TIMEOUTS else None


class Slot:
    def __init__(self, overall: asyncio.Semaphore, host: asyncio.Semaphore) -> None:
        self._overall, self._host = overall, host

    async def __aenter__(self) -> None:
        await self._host.acquire()  # host first: a busy host must not hold global slots idle
        await self._overall.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._overall.release()
        self._host.release()


class Clients:
    """An httpx client per origin (or several, POOL_SIZE connections each), closed when its feeds are done.

    With an injected `transport` (tests, a recording transport) every request goes through one client on it.
    """

    def __init__(
        self, settings: PollSettings, urls: Iterable[str], transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings, self._transport = settings, transport
        self._remaining: Counter[tuple[str, str, int | None]] = Counter(origin_of(url) for url in urls)
        self._open: dict[tuple[str, str, int | None], list[httpx.AsyncClient]] = {}
        self._turn: Counter[tuple[str, str, int | None]] = Counter()
        self._shared: httpx.AsyncClient | None = None
        self._ssl: ssl.SSLContext | None = None  # one CA bundle load, shared by every client of the poll

    def client(self, url: str) -> httpx.AsyncClient:
        """The client for this URL's origin (round-robin among its clients when it has several)."""
        if self._transport is not None:
            self._shared = self._shared or new_client(self._settings, self._transport)
            return self._shared
        origin = origin_of(url)
        if origin not in self._open:
            count = -(-min(self._settings.per_host, self._settings.concurrency) // POOL_SIZE)
            self._open[origin] = [self._new() for _ in range(count)]
        clients = self._open[origin]
        self._turn[origin] += 1
        return clients[self._turn[origin] % len(clients)]

    async def done(self, url: str) -> None:
        """One feed of this origin is finished; the origin's clients close with its last feed."""
        origin = origin_of(url)
        self._remaining[origin] -= 1
        if self._remaining[origin] <= 0 and origin in self._open:
            for client in self._open.pop(origin):
                await client.aclose()

    async def aclose(self) -> None:
        for clients in self._open.values():
            for client in clients:
                await client.aclose()
        self._open.clear()
        if self._shared is not None:
            await self._shared.aclose()

    def _new(self) -> httpx.AsyncClient:
        if self._ssl is None:  # even for http: a redirect may lead to https, which is always verified
            self._ssl = httpx.create_ssl_context(trust_env=False)
        size = min(POOL_SIZE, self._settings.per_host, self._settings.concurrency)
        return new_client(self._settings, new_transport(size, self._ssl))


def new_transport(connections: int, ssl_context: ssl.SSLContext) -> httpx.AsyncBaseTransport:
    """The transport of one client: guarded (every address checked against the SSRF policy before connecting)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return GuardedTransport(limits, ssl_context=ssl_context)


def new_client(settings: PollSettings, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    headers = {
        "User-Agent": settings.user_agent or USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate, br",
    }
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
    return httpx.AsyncClient(
        headers=headers, timeout=timeout, transport=transport, follow_redirects=False, trust_env=False
    )
