"""A webhook receiver on 127.0.0.1 for Apprise's `json://` URLs: records every POST by path, answers a chosen
status per path, and can hold a path's answer (`hold`) so a test can kill the sender while its post is out."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookServer:
    def __init__(self) -> None:
        self.posts: dict[str, list[dict[str, Any]]] = {}
        self.status: dict[str, int] = {}  # path -> status to answer (default 200)
        self.on_post: Callable[[str], None] | None = None  # called after a post is recorded, before the answer
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self._httpd.server_address[1]}/{path.lstrip('/')}"

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {path: len(posts) for path, posts in self.posts.items()}

    def _record(self, path: str, body: bytes) -> int:
        with self._lock:
            self.posts.setdefault(path, []).append(json.loads(body or b"{}"))
        if self.on_post is not None:
            self.on_post(path)
        return self.status.get(path, 200)

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(server: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = server._record(self.path.lstrip("/"), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler
