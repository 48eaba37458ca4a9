"""A real HTTP server on 127.0.0.1 for tests and benchmarks that need feeds served over the network.

It runs on an ephemeral port in a background thread and answers what each test registers:

    server.route("/rss.xml", body=xml, headers={"Content-Type": "application/rss+xml"}, etag='"v1"')
    server.redirect("/old.xml", "/rss.xml", status=301)
    server.serve_directory(Path("../shared/data/feeds/real-news/2020-05-30"), prefix="/news/")
    feed.url = server.url("/rss.xml")
    server.hits("/rss.xml")  # requests seen for that path
    server.max_in_flight  # the most requests it was answering at once (to check concurrency bounds)
    server.wait_for_request("/slow.xml")  # blocks until that path is requested (to act while it is answered)

`FeedServer(host="127.0.0.2")` listens on another loopback address: a second host, for per-host behaviour.

`rss_feed(...)` builds a small RSS 2.0 document for tests that write their own items.

Routes honour conditional GET (If-None-Match / If-Modified-Since -> 304) when given an `etag` or
`last_modified`, unless `conditional=False` (a server that ignores validators). `delay` holds the response
back before the headers (a slow server); `body_delay` sends the headers and then stalls before the body; `gate`
(a threading.Event) holds the response until the test sets it (or the server closes), to order events without
sleeping.
Served directories get an ETag (hash of the bytes) and Last-Modified (the file's mtime) per file.

Use it as a pytest fixture (`feed_server`) or as a context manager (`with FeedServer() as server:`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Route:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    body_delay: float = 0.0  # seconds between the headers and the body
    etag: str | None = None
    last_modified: str | None = None  # an HTTP date
    conditional: bool = True  # answer 304 when the client's validators match
    gate: threading.Event | None = None  # answer only once this is set (or the server closes)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


class FeedServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with routes registered at run time."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1") -> None:
        self.latency = latency  # added to every response, e.g. to model network round trips in benchmarks
        self._routes: dict[str, Route] = {}
        self._directories: dict[str, Path] = {}
        self._hits: Counter[str] = Counter()
        self._seen: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._requested = threading.Condition(self._lock)
        self._in_flight = 0
        self.max_in_flight = 0
        self._stopping = threading.Event()
        self._httpd = _QuietServer((host, 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="feed-server", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------------------------------ set up
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, **fields: object) -> str:
        """Register (or replace) the answer for `path`; returns its absolute URL. Fields are `Route`'s."""
        with self._lock:
            self._routes[path] = Route(**fields)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, to: str, *, status: int = 301) -> str:
        """Answer `path` with a redirect to `to` (a path on this server or an absolute URL)."""
        location = to if "://" in to else self.url(to)
        return self.route(path, status=status, headers={"Location": location})

    def serve_directory(self, directory: Path, prefix: str = "/") -> None:
        """Serve every file under `directory` at `prefix` + its relative path, with ETag and Last-Modified."""
        with self._lock:
            self._directories[prefix if prefix.endswith("/") else prefix + "/"] = directory

    # ------------------------------------------------------------------------------------------ observe
    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits[path]

    def requests(self, path: str | None = None) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self._seen if path is None or r.path == path]

    def wait_for_request(self, path: str, timeout: float = 60.0) -> bool:
        """Block until `path` has been requested at least once (False if `timeout` passes first)."""
        with self._requested:
            return self._requested.wait_for(lambda: self._hits[path] > 0, timeout)

    def reset(self) -> None:
        """Forget the request log (routes stay)."""
        with self._lock:
            self._hits.clear()
            self._seen.clear()

    # ------------------------------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        with self._lock:
            for route in self._routes.values():
                if route.gate is not None:
                    route.gate.set()  # and handlers waiting at a gate
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ internals
    def _record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._hits[path] += 1
            self._seen.append(SeenRequest(method, path, headers))
            self._requested.notify_all()

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            route = self._routes.get(path)
            if route is not None:
                return route
            for prefix, directory in self._directories.items():
                if path.startswith(prefix):
                    return _file_route(directory, path[len(prefix) :])
        return None

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server is closing; False when it is."""
        return not self._stopping.wait(seconds) if seconds > 0 else True


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's default backlog of 5 drops concurrent SYNs: 1 s retransmit stalls

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a size cap, a timeout, the end of a test) is normal here, not a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _file_route(directory: Path, relative: str) -> Route | None:
    target = (directory / relative).resolve()
    if not target.is_file() or directory.resolve() not in target.parents:
        return None
    body = target.read_bytes()
    content_type = "application/json" if target.suffix == ".json" else "application/xml"
    return Route(
        body=body,
        headers={"Content-Type": content_type},
        etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        last_modified=formatdate(target.stat().st_mtime, usegmt=True),
    )


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if not route.conditional or route.status != 200:
        return False
    if route.etag and headers.get("if-none-match"):
        return route.etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    if route.last_modified and headers.get("if-modified-since"):
        try:
            return parsedate_to_datetime(headers["if-modified-since"]) >= parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def log_message(self, format: str, *args: object) -> None:  # quiet: tests read hits() instead
            pass

        def _answer(self, *, send_body: bool) -> None:
            path = urlsplit(self.path).path
            headers = {k.lower(): v for k, v in self.headers.items()}
            server._record(self.command, path, headers)
            server._enter()
            try:
                self._respond(server._lookup(path) or Route(status=404, body=b"not found"), headers, send_body)
            finally:
                server._leave()

        def _respond(self, route: Route, headers: dict[str, str], send_body: bool) -> None:
            if not server._sleep(server.latency + route.delay):
                return
            if route.gate is not None:
                route.gate.wait(timeout=60)  # a deadline only against a test that forgets to open it
            if _not_modified(route, headers):
                self._send_head(304, route, length=None)
                return
            self._send_head(route.status, route, length=len(route.body))
            if send_body and server._sleep(route.body_delay):
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a size cap, a timeout)
                    self.close_connection = True

        def _send_head(self, status: int, route: Route, *, length: int | None) -> None:
            self.send_response(status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            self.send_header("Content-Length", str(length or 0))
            self.end_headers()

    return Handler


def rss_feed(
    items: list[dict[str, str]], *, title: str = "Test Feed", link: str = "https://example.org/", extra: str = ""
) -> bytes:
    """An RSS 2.0 document; each item's keys become child elements (values are inserted as written)."""
    rendered = "".join(
        "<item>" + "".join(f"<{key}>{value}</{key.split()[0]}>" for key, value in item.items()) + "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link><description>d</description>{extra}{rendered}"
        "</channel></rss>"
    ).encode()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh server per test, closed afterwards."""
    with FeedServer() as server:
        yield server
