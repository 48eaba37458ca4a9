"""The SSRF policy: as a function, and enforced on real connections without any traffic leaving loopback.

Integration tests give the guarded transport a fake DNS (names -> addresses) and a test network that records
every address a connection is attempted to, serves the "public" test addresses from the feed server on
127.0.0.1, and refuses anything else that is not loopback: a policy failure shows up as a recorded attempt,
never as a packet off this machine.
"""

from __future__ import annotations

import ipaddress
import typing
from collections.abc import Iterable
from datetime import UTC, datetime

import httpcore
import httpx
import pytest
from feedserver import FeedServer, rss_feed

from briefing import ingest
from briefing.config import FeedSettings, PollSettings, SectionSettings, Settings
from briefing.models import Feed, FetchStatus
from briefing.poll import AddressClass, GuardedTransport, address_class, poll_feeds, refusal
from briefing.store import Store

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}
PUBLIC = "93.184.216.34"  # a public address, served by the feed server on 127.0.0.1 in these tests
DNS = {
    "news.example": [PUBLIC],
    "intranet.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "dual.example": ["169.254.10.10", PUBLIC],
    "localhost": ["127.0.0.1"],
}
LOOPBACK, PRIVATE = frozenset({AddressClass.LOOPBACK}), frozenset({AddressClass.PRIVATE})


class LoopbackNetwork(httpcore.AsyncNetworkBackend):
    """Records every connection attempt; PUBLIC is routed to 127.0.0.1; other non-loopback addresses refused."""

    def __init__(self, routed: Iterable[str] = (PUBLIC,)) -> None:
        self.attempts: list[str] = []
        self._routed = set(routed)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append(host)
        if host in self._routed:
            host = "127.0.0.1"
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test network: {host} is off loopback")
        return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def fake_dns(host: str, port: int) -> list[str]:
    if host in DNS:
        return DNS[host]
    ipaddress.ip_address(host)  # a literal resolves to itself; anything else is unknown
    return [host]


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def transport(network: LoopbackNetwork) -> GuardedTransport:
    return GuardedTransport(httpx.Limits(max_connections=4), resolve=fake_dns, network=network)


def fetch(url: str, network: LoopbackNetwork) -> tuple[FetchStatus, str | None]:
    feed = Feed(key=url, url=url, section="World")
    result = poll_feeds([feed], PollSettings(timeout=5), NOW, transport(network))[0]
    return result.status, result.error


# ------------------------------------------------------------------------------------------- the policy


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("93.184.216.34", AddressClass.PUBLIC),
        ("2606:4700::1111", AddressClass.PUBLIC),
        ("10.0.0.1", AddressClass.PRIVATE),
        ("172.16.5.4", AddressClass.PRIVATE),
        ("192.168.1.1", AddressClass.PRIVATE),
        ("100.64.0.1", AddressClass.PRIVATE),  # carrier-grade NAT
        ("fd12:3456::1", AddressClass.PRIVATE),
        ("127.0.0.1", AddressClass.LOOPBACK),
        ("127.8.9.10", AddressClass.LOOPBACK),
        ("::1", AddressClass.LOOPBACK),
        ("::ffff:127.0.0.1", AddressClass.LOOPBACK),
        ("169.254.1.1", AddressClass.LINK_LOCAL),
        ("fe80::1%eth0", AddressClass.LINK_LOCAL),
        ("169.254.169.254", AddressClass.METADATA),
        ("::ffff:169.254.169.254", AddressClass.METADATA),
        ("fd00:ec2::254", AddressClass.METADATA),
        ("100.100.100.200", AddressClass.METADATA),
        ("64:ff9b::a9fe:a9fe", AddressClass.METADATA),  # NAT64 of 169.254.169.254
        ("2002:a00:1::", AddressClass.PRIVATE),  # 6to4 of 10.0.0.1
        ("0.0.0.0", AddressClass.UNROUTABLE),
        ("::", AddressClass.UNROUTABLE),
        ("224.0.0.1", AddressClass.UNROUTABLE),
        ("not an address", AddressClass.UNROUTABLE),
    ],
)
def test_address_class(address: str, expected: AddressClass) -> None:
    assert address_class(address) == expected


@pytest.mark.parametrize(
    ("address", "home", "allowed"),
    [
        ("93.184.216.34", frozenset(), True),
        ("10.1.2.3", frozenset(), False),
        ("127.0.0.1", frozenset(), False),
        ("10.1.2.3", PRIVATE, True),
        ("127.0.0.1", PRIVATE, False),
        ("127.0.0.1", LOOPBACK, True),
        ("10.1.2.3", LOOPBACK, False),
        ("93.184.216.34", LOOPBACK, True),
        ("169.254.169.254", LOOPBACK | PRIVATE, False),
        ("169.254.3.4", frozenset({AddressClass.LINK_LOCAL}), False),
    ],
)
def test_refusal_allows_public_and_the_configured_urls_own_class_only(
    address: str, home: frozenset[AddressClass], allowed: bool
) -> None:
    assert (refusal(address, home) is None) == allowed


# ------------------------------------------------------------------------------------------ redirects


def test_public_feed_redirecting_into_a_private_network_is_refused_before_connecting(feed_server: FeedServer) -> None:
    feed_server.redirect("/feed.xml", f"http://intranet.example:{port(feed_server)}/admin", status=302)
    network = LoopbackNetwork()

    status, error = fetch(f"http://news.example:{port(feed_server)}/feed.xml", network)

    assert (status, "10.1.2.3 is a private address" in (error or ""), network.attempts) == (
        FetchStatus.ERROR,
        True,
        [PUBLIC],
    )


def test_public_feed_redirecting_to_this_machine_is_refused(feed_server: FeedServer) -> None:
    feed_server.redirect("/feed.xml", f"http://127.0.0.1:{port(feed_server)}/local.xml", status=301)
    feed_server.route("/local.xml", body=rss_feed([{"title": "local"}]), headers=XML)
    network = LoopbackNetwork()

    status, _ = fetch(f"http://news.example:{port(feed_server)}/feed.xml", network)

    assert (status, network.attempts, feed_server.hits("/local.xml")) == (FetchStatus.ERROR, [PUBLIC], 0)


def test_local_feed_redirecting_to_cloud_metadata_is_refused(feed_server: FeedServer) -> None:
    feed_server.redirect("/feed.xml", "http://metadata.example/latest/meta-data/", status=302)
    network = LoopbackNetwork()

    status, error = fetch(feed_server.url("/feed.xml"), network)

    assert (status, "169.254.169.254 is a cloud metadata address" in (error or ""), network.attempts) == (
        FetchStatus.ERROR,
        True,
        ["127.0.0.1"],
    )


def test_redirect_to_a_metadata_ip_literal_is_refused(feed_server: FeedServer) -> None:
    feed_server.redirect("/feed.xml", "http://[::ffff:169.254.169.254]/", status=302)
    network = LoopbackNetwork()

    status, _ = fetch(feed_server.url("/feed.xml"), network)

    assert (status, network.attempts) == (FetchStatus.ERROR, ["127.0.0.1"])


def test_local_feed_redirecting_within_this_machine_is_followed(feed_server: FeedServer) -> None:
    feed_server.redirect("/old.xml", "/feed.xml", status=302)
    feed_server.route("/feed.xml", body=rss_feed([{"title": "moved"}]), headers=XML)
    network = LoopbackNetwork()

    status, error = fetch(feed_server.url("/old.xml"), network)

    assert (status, error) == (FetchStatus.OK, None)


def test_configured_private_feed_is_fetched_and_may_stay_private(feed_server: FeedServer) -> None:
    feed_server.redirect("/feed.xml", f"http://10.1.2.3:{port(feed_server)}/moved.xml", status=302)
    feed_server.route("/moved.xml", body=rss_feed([{"title": "intranet"}]), headers=XML)
    network = LoopbackNetwork(routed=(PUBLIC, "10.1.2.3"))

    status, _ = fetch(f"http://intranet.example:{port(feed_server)}/feed.xml", network)

    assert (status, network.attempts) == (FetchStatus.OK, ["10.1.2.3", "10.1.2.3"])


def test_only_the_allowed_addresses_of_a_name_are_contacted(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", body=rss_feed([{"title": "ok"}]), headers=XML)
    network = LoopbackNetwork()

    status, _ = fetch(f"http://dual.example:{port(feed_server)}/feed.xml", network)

    assert (status, network.attempts) == (FetchStatus.OK, [PUBLIC])


def test_the_checked_address_is_the_one_connected_to(feed_server: FeedServer) -> None:
    """DNS rebinding: the name answers a public address first and a private one next; no second lookup."""
    answers = iter([[PUBLIC], ["10.1.2.3"], ["10.1.2.3"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    network = LoopbackNetwork()
    guarded = GuardedTransport(httpx.Limits(max_connections=4), resolve=rebinding, network=network)
    url = f"http://rebind.example:{port(feed_server)}/feed.xml"
    feed = Feed(key=url, url=url, section="World")

    result = poll_feeds([feed], PollSettings(timeout=5), NOW, guarded)[0]

    assert (result.status, network.attempts) == (FetchStatus.ERROR, [])


# ------------------------------------------------------------------------------------------ item links


def test_full_text_item_links_into_a_private_network_are_never_fetched(feed_server: FeedServer, store: Store) -> None:
    items = [{"title": "Budget agreed", "link": "http://intranet.example/secret", "description": "Short text."}]
    feed_server.route("/feed.xml", body=rss_feed(items), headers=XML)
    network = LoopbackNetwork()
    feed = FeedSettings(url=f"http://news.example:{port(feed_server)}/feed.xml", full_text=True)
    settings = Settings(sections=[SectionSettings(name="World", feeds=[feed])])

    report = ingest.poll(settings, store, NOW, transport(network))

    assert (network.attempts, [a.text for a in store.articles_by_id(report.new_article_ids).values()]) == (
        [PUBLIC],
        ["Short text."],
    )


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://10.1.2.3/admin", "10.1.2.3 is a private address"),
    ],
)
def test_the_polls_own_clients_one_per_origin_refuse_a_redirect_out_of_the_feeds_class(
    feed_server: FeedServer, target: str, refusal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No injected transport: the clients the product makes per origin, on the system resolver (an IP literal
    # resolves to itself), so the refusal must come from their own guard. httpcore's own socket layer is
    # fenced to loopback, so were the guard ever removed this test fails on a recorded attempt, sending nothing.
    attempts: list[str] = []
    connect = httpcore.AnyIOBackend.connect_tcp

    async def loopback_only(
        backend: httpcore.AnyIOBackend, host: str, *args: typing.Any, **kwargs: typing.Any
    ) -> typing.Any:
        attempts.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test network: {host} is off loopback")
        return await connect(backend, host, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", loopback_only)
    feed_server.redirect("/feed.xml", target, status=302)
    feed = Feed(key=feed_server.url("/feed.xml"), url=feed_server.url("/feed.xml"), section="World")

    [result] = poll_feeds([feed], PollSettings(timeout=5), NOW)

    assert (result.status, refusal in (result.error or ""), attempts) == (FetchStatus.ERROR, True, ["127.0.0.1"])
