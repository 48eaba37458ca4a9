"""Polling as a good citizen, against a real HTTP server on 127.0.0.1; each test asserts the stored feed state.

Every poll runs through `ingest.poll` with the real store, at an injected `now`, with the back-off's random
draw fixed at its maximum (1.0) unless the test is about jitter.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from feedserver import FeedServer, rss_feed

from briefing import ingest
from briefing.config import FeedSettings, PollSettings, SectionSettings, Settings
from briefing.models import Feed, FetchStatus, PollReport
from briefing.parse import parse_feed
from briefing.poll import USER_AGENT, backoff, poll_feeds
from briefing.poll._body import Inflater
from briefing.store import Store

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=30)
ITEMS = [
    {"title": "Ministers meet over budget", "link": "https://example.org/news/1", "guid": "https://example.org/news/1"},
    {"title": "Storm closes coast roads", "link": "https://example.org/news/2", "guid": "https://example.org/news/2"},
]
FEED = rss_feed(ITEMS)
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}


class Poller:
    """Polls the given server paths as configured feeds and reads back what the store remembers."""

    def __init__(self, server: FeedServer, store: Store) -> None:
        self.server, self.store = server, store
        self.poll_settings: dict[str, Any] = {}
        self.parsed = 0

    def settings(self, *paths: str) -> Settings:
        feeds = [FeedSettings(url=self.server.url(path)) for path in paths]
        return Settings(sections=[SectionSettings(name="World", feeds=feeds)], poll=PollSettings(**self.poll_settings))

    def poll(self, *paths: str, now: datetime = NOW, rand: Callable[[], float] = lambda: 1.0) -> PollReport:
        return ingest.poll(self.settings(*paths), self.store, now, rand=rand)

    def feed(self, path: str) -> Feed:
        feed = self.store.feed(self.server.url(path))
        assert feed is not None
        return feed


@pytest.fixture
def poller(feed_server: FeedServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Poller]:
    poller = Poller(feed_server, store)
    real_parse = parse_feed

    def counting_parse(*args: Any) -> Any:
        poller.parsed += 1
        return real_parse(*args)

    monkeypatch.setattr(ingest, "parse_feed", counting_parse)
    yield poller


# ------------------------------------------------------------------------------------------------ success


def test_first_poll_stores_articles_validators_and_schedule(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers=XML, etag='"v1"', last_modified="Tue, 24 Nov 2026 10:00:00 GMT")

    report = poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (report.ok, report.new_articles, feed.articles) == (1, 2, 2)
    assert (feed.etag, feed.last_modified) == ('"v1"', "Tue, 24 Nov 2026 10:00:00 GMT")
    assert (feed.last_success, feed.next_poll, feed.consecutive_failures, feed.last_error) == (
        NOW,
        NOW + INTERVAL,
        0,
        None,
    )
    assert feed.title == "Test Feed"


def test_requests_name_the_project_in_the_user_agent(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers=XML)

    poller.poll("/rss.xml")

    assert poller.server.requests("/rss.xml")[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("briefing/") and "(+https://github.com/briefing-news/briefing)" in USER_AGENT


def test_etag_makes_the_second_poll_a_304_that_is_not_parsed(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers=XML, etag='"v1"')
    poller.poll("/rss.xml")

    report = poller.poll("/rss.xml", now=NOW + INTERVAL)

    assert poller.server.requests("/rss.xml")[1].headers["if-none-match"] == '"v1"'
    assert report.outcomes[0].status is FetchStatus.NOT_MODIFIED
    assert poller.parsed == 1
    feed = poller.feed("/rss.xml")
    assert (feed.etag, feed.last_success, feed.next_poll) == ('"v1"', NOW + INTERVAL, NOW + 2 * INTERVAL)


def test_last_modified_makes_the_second_poll_a_304(poller: Poller) -> None:
    stamp = "Tue, 24 Nov 2026 10:00:00 GMT"
    poller.server.route("/rss.xml", body=FEED, headers=XML, last_modified=stamp)
    poller.poll("/rss.xml")

    report = poller.poll("/rss.xml", now=NOW + INTERVAL)

    assert poller.server.requests("/rss.xml")[1].headers["if-modified-since"] == stamp
    assert (report.outcomes[0].status, poller.parsed) == (FetchStatus.NOT_MODIFIED, 1)


def test_a_server_ignoring_conditional_get_is_unchanged_and_not_parsed_again(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers=XML, etag='"v1"', conditional=False)
    poller.poll("/rss.xml")

    report = poller.poll("/rss.xml", now=NOW + INTERVAL)

    assert (report.outcomes[0].status, poller.parsed, poller.server.hits("/rss.xml")) == (FetchStatus.UNCHANGED, 1, 2)
    assert poller.feed("/rss.xml").last_success == NOW + INTERVAL


def test_a_changed_body_is_parsed_and_only_new_items_are_new(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers=XML)
    poller.poll("/rss.xml")
    third = {"title": "Port strike ends", "link": "https://example.org/news/3", "guid": "https://example.org/news/3"}
    poller.server.route("/rss.xml", body=rss_feed([*ITEMS, third]), headers=XML)

    report = poller.poll("/rss.xml", now=NOW + INTERVAL)

    assert (report.ok, report.new_articles, poller.feed("/rss.xml").articles) == (1, 1, 3)


def test_gzip_bodies_are_decoded(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=gzip.compress(FEED), headers={**XML, "Content-Encoding": "gzip"})

    report = poller.poll("/rss.xml")

    assert (report.ok, report.new_articles) == (1, 2)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress),
    ],
)
def test_deflate_and_brotli_bodies_are_decoded(
    poller: Poller, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    poller.server.route("/rss.xml", body=compress(FEED), headers={**XML, "Content-Encoding": encoding})

    report = poller.poll("/rss.xml")

    assert (report.ok, report.new_articles) == (1, 2)


def test_an_unknown_content_encoding_is_a_failure(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers={**XML, "Content-Encoding": "zstd"})

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").last_error == "unsupported Content-Encoding 'zstd'"


def test_cache_control_max_age_raises_the_next_poll(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers={**XML, "Cache-Control": "public, max-age=7200"})

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").next_poll == NOW + timedelta(hours=2)


def test_rss_ttl_raises_the_next_poll(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=rss_feed(ITEMS, extra="<ttl>180</ttl>"), headers=XML)

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").next_poll == NOW + timedelta(hours=3)


# ------------------------------------------------------------------------------------------------ redirects


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_stored_url(poller: Poller, status: int) -> None:
    poller.server.route("/new.xml", body=FEED, headers=XML)
    poller.server.redirect("/old.xml", "/new.xml", status=status)

    poller.poll("/old.xml")

    feed = poller.feed("/old.xml")
    assert (feed.key, feed.url, feed.articles) == (poller.server.url("/old.xml"), poller.server.url("/new.xml"), 2)
    poller.poll("/old.xml", now=NOW + INTERVAL)
    assert poller.server.hits("/old.xml") == 1  # the second poll went straight to the new home


@pytest.mark.parametrize("status", [302, 307])
def test_a_temporary_redirect_keeps_the_stored_url(poller: Poller, status: int) -> None:
    poller.server.route("/new.xml", body=FEED, headers=XML)
    poller.server.redirect("/old.xml", "/new.xml", status=status)

    poller.poll("/old.xml")

    feed = poller.feed("/old.xml")
    assert (feed.url, feed.articles) == (poller.server.url("/old.xml"), 2)


def test_a_redirect_to_ftp_is_refused(poller: Poller) -> None:
    poller.server.redirect("/rss.xml", "ftp://127.0.0.1/rss.xml", status=301)

    report = poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert report.failed == 1
    assert feed.last_error == "redirected to 'ftp://127.0.0.1/rss.xml': only http(s) URLs are fetched"
    assert (feed.url, feed.consecutive_failures) == (poller.server.url("/rss.xml"), 1)


def test_a_non_http_feed_url_fails_without_a_request() -> None:
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(record)
    feed = Feed(key="ftp://example.org/rss.xml", url="ftp://example.org/rss.xml", section="World")

    [result] = poll_feeds([feed], PollSettings(), NOW, transport, rand=lambda: 1.0)

    assert (result.status, result.error, requests) == (
        FetchStatus.ERROR,
        "feed URL is 'ftp://example.org/rss.xml': only http(s) URLs are fetched",
        [],
    )
    assert (result.feed.consecutive_failures, result.feed.next_poll) == (1, NOW + INTERVAL)


def test_a_redirect_loop_is_a_failure(poller: Poller) -> None:
    poller.server.redirect("/a.xml", "/b.xml", status=302)
    poller.server.redirect("/b.xml", "/a.xml", status=302)

    poller.poll("/a.xml")

    assert poller.feed("/a.xml").last_error == "more than 5 redirects"


# ------------------------------------------------------------------------------------------------ refusals


def test_a_refused_connection_is_a_network_error(poller: Poller) -> None:
    closed = FeedServer()
    url = closed.url("/rss.xml")
    closed.close()
    feed = Feed(key=url, url=url, section="World")

    [result] = poll_feeds([feed], PollSettings(), NOW, rand=lambda: 1.0)

    assert result.error is not None and result.error.startswith("network error: ConnectError")
    assert (result.feed.consecutive_failures, result.feed.next_poll) == (1, NOW + INTERVAL)


def test_an_exception_inside_one_fetch_stays_with_that_feed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bad.xml":
            raise RuntimeError("transport exploded")
        return httpx.Response(200, content=FEED, headers=XML)

    feeds = [
        Feed(key=f"https://x.org/{name}", url=f"https://x.org/{name}", section="World")
        for name in ("bad.xml", "ok.xml")
    ]

    bad, ok = poll_feeds(feeds, PollSettings(), NOW, httpx.MockTransport(handler), rand=lambda: 1.0)

    assert (bad.status, bad.error, ok.status) == (
        FetchStatus.ERROR,
        "unexpected error: RuntimeError: transport exploded",
        FetchStatus.OK,
    )


def test_410_retires_the_feed(poller: Poller) -> None:
    poller.server.route("/rss.xml", status=410, body=b"gone")

    report = poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (report.outcomes[0].status, feed.retired, feed.last_error) == (
        FetchStatus.GONE,
        True,
        "HTTP 410 Gone: feed retired",
    )
    assert poller.poll("/rss.xml", now=NOW + timedelta(days=2)).polled == 0


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(poller: Poller, status: int) -> None:
    poller.server.route("/rss.xml", status=status, headers={"Retry-After": "7200"})

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (feed.next_poll, feed.consecutive_failures) == (NOW + timedelta(hours=2), 1)
    assert feed.last_error is not None and feed.last_error.startswith(f"HTTP {status} ")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_http_date_is_honoured(poller: Poller, status: int) -> None:
    when = NOW + timedelta(hours=5)
    poller.server.route("/rss.xml", status=status, headers={"Retry-After": format_datetime(when, usegmt=True)})

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").next_poll == when


def test_retry_after_is_capped_by_the_backoff_cap(poller: Poller) -> None:
    poller.server.route("/rss.xml", status=429, headers={"Retry-After": str(90 * 24 * 3600)})

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").next_poll == NOW + timedelta(hours=24)


def test_absurd_retry_after_is_capped_not_an_overflow(poller: Poller) -> None:
    poller.server.route("/rss.xml", status=429, headers={"Retry-After": "99999999999999999999"})

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (feed.next_poll, feed.last_error) == (
        NOW + timedelta(hours=24),
        "HTTP 429 Too Many Requests (Retry-After 31536000 s)",
    )


def test_absurd_max_age_still_stores_the_feeds_items_and_is_capped(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED, headers={**XML, "Cache-Control": "max-age=99999999999999"})

    report = poller.poll("/rss.xml")

    assert (report.new_articles, poller.feed("/rss.xml").next_poll) == (2, NOW + timedelta(hours=24))


def test_server_errors_back_off_exponentially_up_to_the_cap_and_never_give_up(poller: Poller) -> None:
    poller.server.route("/rss.xml", status=500, body=b"oops")
    now, delays = NOW, []
    for _ in range(10):
        poller.poll("/rss.xml", now=now)
        feed = poller.feed("/rss.xml")
        assert feed.next_poll is not None
        delays.append(feed.next_poll - now)
        now = feed.next_poll

    assert [d / INTERVAL for d in delays] == [1, 2, 4, 8, 16, 32, 48, 48, 48, 48]  # 48 x 30 min = the 24 h cap
    assert (feed.consecutive_failures, feed.retired, feed.last_error) == (10, False, "HTTP 500 Internal Server Error")

    poller.server.route("/rss.xml", body=FEED, headers=XML)
    poller.poll("/rss.xml", now=now)
    assert (poller.feed("/rss.xml").consecutive_failures, poller.feed("/rss.xml").last_error) == (0, None)


def test_backoff_draws_uniformly_below_the_exponential_ceiling() -> None:
    settings = PollSettings(interval_minutes=30, max_backoff_hours=24)

    assert backoff(3, settings, rand=lambda: 0.5) == timedelta(minutes=60)  # half of 4 x 30 min
    assert backoff(3, settings, rand=lambda: 0.0) == timedelta(minutes=1)  # never an immediate retry


def test_a_slow_response_past_the_timeout_fails(poller: Poller) -> None:
    poller.poll_settings = {"timeout": 0.3}
    poller.server.route("/rss.xml", body=FEED, headers=XML, delay=5)

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert feed.last_error is not None and "timed out" in feed.last_error
    assert (feed.consecutive_failures, feed.next_poll) == (1, NOW + INTERVAL)


def test_a_body_that_stalls_after_the_headers_hits_the_total_timeout(poller: Poller) -> None:
    poller.poll_settings = {"timeout": 0.3}
    poller.server.route("/rss.xml", body=FEED, headers=XML, body_delay=5)

    poller.poll("/rss.xml")

    last_error = poller.feed("/rss.xml").last_error
    assert last_error is not None and "timed out" in last_error


def test_an_oversized_body_is_refused(poller: Poller) -> None:
    poller.poll_settings = {"max_bytes": 10_000}
    body = FEED + b" " * 20_000
    poller.server.route("/rss.xml", body=body, headers=XML)

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").last_error == f"body too large: {len(body):,} bytes declared, the limit is 10,000"


def test_a_gzip_bomb_stops_at_the_cap(poller: Poller) -> None:
    poller.poll_settings = {"max_bytes": 1_000_000}
    poller.server.route("/rss.xml", body=_gzip_zeros(100_000_000), headers={**XML, "Content-Encoding": "gzip"})

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert feed.last_error == "body too large: more than 1,000,000 bytes after decompression"
    assert (feed.consecutive_failures, feed.content_hash) == (1, None)


def test_decoding_never_produces_more_than_the_reader_can_accept() -> None:
    bomb = _gzip_zeros(100_000_000)

    inflated = Inflater("gzip").feed(bomb, 1_000_001)  # the whole compressed body in one network chunk

    assert len(inflated) == 1_000_001


def test_an_html_page_served_with_200_is_a_failure(poller: Poller) -> None:
    page = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hello</body></html>"
    poller.server.route("/rss.xml", body=page, headers={"Content-Type": "text/html; charset=utf-8"})

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").last_error == "an HTML page, not a feed (Content-Type text/html)"


def test_an_html_403_page_is_a_failure(poller: Poller) -> None:
    page = b"<html><head><title>403 Forbidden</title></head><body>Request blocked</body></html>"
    poller.server.route("/rss.xml", status=403, body=page, headers={"Content-Type": "text/html"})

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (feed.last_error, feed.consecutive_failures, feed.articles) == ("HTTP 403 Forbidden", 1, 0)


def test_an_html_page_with_a_feed_content_type_fails_in_parse(poller: Poller) -> None:
    page = b"<html><head><title>Access denied</title></head><body>Blocked</body></html>"
    poller.server.route("/rss.xml", body=page, headers=XML)

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert (feed.last_error, feed.content_hash, feed.etag) == ("an HTML page, not a feed: 'Access denied'", None, None)


def test_an_empty_body_is_a_failure(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=b"", headers=XML)

    poller.poll("/rss.xml")

    assert poller.feed("/rss.xml").last_error == "empty body (HTTP 200)"


def test_truncated_xml_keeps_the_complete_items(poller: Poller) -> None:
    cut = FEED[: FEED.index(b"<item>", FEED.index(b"</item>")) + 20]
    poller.server.route("/rss.xml", body=cut, headers=XML)

    report = poller.poll("/rss.xml")

    assert (report.new_articles, poller.feed("/rss.xml").last_error) == (1, None)
    warning = report.outcomes[0].warning
    assert warning is not None and warning.startswith("malformed feed, kept 1 entries")


def test_truncated_xml_without_items_is_a_failure(poller: Poller) -> None:
    poller.server.route("/rss.xml", body=FEED[: FEED.index(b"<item>") - 10], headers=XML)

    poller.poll("/rss.xml")

    feed = poller.feed("/rss.xml")
    assert feed.last_error is not None and "no readable entries" in feed.last_error
    assert feed.consecutive_failures == 1


# ------------------------------------------------------------------------------------------------ isolation


def test_one_failing_feed_never_stops_the_others(poller: Poller) -> None:
    poller.server.route("/bad.xml", status=500)
    poller.server.route("/empty.xml", body=b"", headers=XML)
    poller.server.route("/good.xml", body=FEED, headers=XML)

    report = poller.poll("/bad.xml", "/empty.xml", "/good.xml")

    assert (report.polled, report.failed, report.ok, poller.feed("/good.xml").articles) == (3, 2, 1, 2)


def test_requests_to_one_host_stay_within_the_per_host_bound(poller: Poller) -> None:
    poller.poll_settings = {"per_host": 2, "concurrency": 8}
    paths = [f"/feed{i}.xml" for i in range(6)]
    for path in paths:
        poller.server.route(path, body=FEED, headers=XML, delay=0.1)

    report = poller.poll(*paths)

    assert report.ok == 6
    assert poller.server.max_in_flight <= 2


def test_a_host_that_keeps_timing_out_is_skipped_for_the_rest_of_the_poll(store: Store) -> None:
    with FeedServer(host="127.0.0.2") as hanging, FeedServer() as healthy:
        stuck = [hanging.route(f"/{i}.xml", body=FEED, headers=XML, delay=3600) for i in range(5)]
        fine = healthy.route("/rss.xml", body=FEED, headers=XML)
        feeds = [FeedSettings(url=url) for url in [*stuck, fine]]
        config = Settings(
            sections=[SectionSettings(name="World", feeds=feeds)], poll=PollSettings(per_host=1, timeout=0.3)
        )

        report = ingest.poll(config, store, NOW, rand=lambda: 1.0)

        asked = sum(hanging.hits(f"/{i}.xml") for i in range(5))
    errors = [o.error for o in report.outcomes]
    errors = ["timed out" if e and "timed out" in e and not e.startswith("skipped") else e for e in errors]
    skipped = "skipped: 127.0.0.2 timed out 2 times in this poll"
    assert (errors, asked) == (["timed out", "timed out", skipped, skipped, skipped, None], 2)


def _gzip_zeros(size: int) -> bytes:
    """A gzip body far smaller than what it inflates to (100 MB of zeros -> ~0.4 MB)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1_000_000)
    return b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()
