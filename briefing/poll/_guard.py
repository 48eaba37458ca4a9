"""Which addresses a fetch may contact (the SSRF policy), enforced where connections are made.

A feed is a URL someone else controls: it can redirect, and its items link anywhere (full-text feeds fetch
those links). Policy, for every connection a fetch makes:

- link-local (169.254/16, fe80::/10), cloud-metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200, ...)
  and unroutable addresses (0.0.0.0, multicast, reserved) are never contacted, not even when configured;
- public addresses may be contacted;
- a loopback or private address may be contacted only when the configured feed URL (the feed's key in
  feeds.yaml) itself resolves to that class: an intranet feed may redirect within the intranet, a public feed
  may never lead into it, and only a feed on this machine may lead to this machine.

The check runs on the resolved address, right before connecting to that very address (never a second lookup
that DNS rebinding could answer differently), on every hop of a redirect chain and for every item link.
`GuardedTransport` keeps one connection pool per policy, so a connection opened for an intranet feed is never
reused by a request from a public one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum
from urllib.parse import urlsplit

import httpcore
import httpx

ORIGIN = "briefing.origin"  # request extension: the configured feed URL a request is made for
Resolver = Callable[[str, int], Awaitable[list[str]]]


class AddressClass(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"
    METADATA = "cloud metadata"
    UNROUTABLE = "unroutable"


NEVER = frozenset({AddressClass.LINK_LOCAL, AddressClass.METADATA, AddressClass.UNROUTABLE})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server
        "192.0.0.192",  # Oracle Cloud
    )
)


class AddressRefused(httpcore.ConnectError):
    """A connection the SSRF policy does not allow; httpx reports it as a ConnectError with this message."""


# ---------------------------------------------------------------------------------------------- the policy


def address_class(address: str) -> AddressClass:
    """The class of an IP address (IPv4-mapped, 6to4 and NAT64 IPv6 addresses by the IPv4 inside them)."""
    try:
        ip = _embedded_ipv4(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return AddressClass.UNROUTABLE
    if ip in METADATA_ADDRESSES:
        return AddressClass.METADATA
    if ip.is_unspecified:
        return AddressClass.UNROUTABLE
    if ip.is_loopback:
        return AddressClass.LOOPBACK
    if ip.is_link_local:
        return AddressClass.LINK_LOCAL
    if ip.is_multicast or ip.is_reserved:
        return AddressClass.UNROUTABLE
    return AddressClass.PUBLIC if ip.is_global else AddressClass.PRIVATE


def refusal(address: str, home: frozenset[AddressClass]) -> str | None:
    """Why `address` may not be contacted for a feed whose configured URL resolves to `home`; None if it may."""
    kind = address_class(address)
    if kind in NEVER:
        return f"{address} is a {kind} address, never contacted"
    if kind is AddressClass.PUBLIC or kind in home:
        return None
    return f"{address} is a {kind} address, and the configured feed URL is not"


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64 (RFC 6052)
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the system's order of preference."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


# ---------------------------------------------------------------------------------------------- enforcing


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the policy in front: resolve once, check, connect to the checked address."""

    def __init__(self, home: frozenset[AddressClass], resolve: Resolver, inner: httpcore.AsyncNetworkBackend) -> None:
        self._home, self._resolve, self._inner = home, resolve, inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port, timeout)
        allowed = [a for a in addresses if refusal(a, self._home) is None]
        if not allowed:
            raise AddressRefused(f"refused to connect to {host}: {refusal(addresses[0], self._home)}")
        error: httpcore.ConnectError | None = None
        for address in allowed:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        try:
            addresses = await asyncio.wait_for(self._resolve(host, port), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        return addresses

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[typing.Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are never contacted")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """The transport poll uses: each request goes through a pool whose connections obey the policy of the
    configured feed URL named in its `briefing.origin` extension (none: public addresses only)."""

    def __init__(
        self,
        limits: httpx.Limits,
        *,
        resolve: Resolver = system_resolver,
        network: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits, self._resolve = limits, resolve
        self._network = network or httpcore.AnyIOBackend()
        self._ssl = ssl_context  # shared by the poll's many small transports: loading the CA bundle is costly
        self._homes: dict[str, frozenset[AddressClass]] = {}
        self._pools: dict[frozenset[AddressClass], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        home = await self._home(request.extensions.get(ORIGIN))
        return await self._pool(home).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()

    async def _home(self, origin: object) -> frozenset[AddressClass]:
        """The classes the configured feed URL resolves to (remembered for the life of the transport)."""
        if not isinstance(origin, str):
            return frozenset()
        if origin not in self._homes:
            self._homes[origin] = await self._classes_of(origin)
        return self._homes[origin]

    async def _classes_of(self, url: str) -> frozenset[AddressClass]:
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
            addresses = await self._resolve(host, port)
        except (ValueError, OSError):
            return frozenset()
        return frozenset(address_class(a) for a in addresses) - NEVER

    def _pool(self, home: frozenset[AddressClass]) -> httpx.AsyncHTTPTransport:
        if home not in self._pools:
            transport = httpx.AsyncHTTPTransport(verify=self._ssl_context(), limits=self._limits, trust_env=False)
            # httpx does not take a network backend; its pool does (httpcore's documented extension point)
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context(),
                max_connections=self._limits.max_connections,
                max_keepalive_connections=self._limits.max_keepalive_connections,
                keepalive_expiry=self._limits.keepalive_expiry,
                network_backend=GuardedBackend(home, self._resolve, self._network),
            )
            self._pools[home] = transport
        return self._pools[home]

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(trust_env=False)
        return self._ssl
