"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It answers `POST /v1/chat/completions` and `GET /v1/models` the way a real server does (same JSON shapes,
status codes and headers), so the real `openai` client talks to it unchanged. What it answers is scripted:
`server.script(reply, reply, ...)` queues replies for the next calls; after the queue, `server.model` (a
function of the request) answers. Every request is recorded in `server.requests` so tests can assert on the
prompts and the number of calls.

Helpers build replies: `chat(content)` for a completion, `summary_json(...)` for the summary JSON the prompt
asks for, `judge_json(...)` for the LLM judge's verdict, `error(status)` for an HTTP error, and
`copying_model` is a well-behaved "model" that builds its summary by quoting the sources it was given (and
finds every claim it is asked to judge supported). `sloppy_model(repeat=..., dangle=..., relative=...)` behaves like
it but adds the mistakes real models make: the first fact again in other words, a bullet that opens with "But"
and leans on another, and "today" in a bullet from an older source.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a completion's `content`, or an HTTP error `status`; `delay` seconds first."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 50


@dataclass(frozen=True)
class Request:
    """A recorded chat completion request."""

    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def text(self) -> str:
        """All the messages' text, for asserting on what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    @property
    def last(self) -> str:
        return str(self.messages[-1].get("content", "")) if self.messages else ""

    @property
    def response_format(self) -> str | None:
        fmt = self.body.get("response_format")
        return fmt.get("type") if isinstance(fmt, dict) else None

    @property
    def is_repair(self) -> bool:
        return "source check rejected" in self.last

    @property
    def is_judge(self) -> bool:
        return "entail" in self.last and len(self.messages) == 1

    @property
    def claim(self) -> str:
        """The claim a judge request asks about ("" for other requests)."""
        return self.last.split("\nClaim: ", 1)[-1].split("\n", 1)[0] if self.is_judge else ""


def chat(content: str, **kwargs: Any) -> Reply:
    return Reply(content=content, **kwargs)


def error(status: int, message: str = "scripted error", **kwargs: Any) -> Reply:
    return Reply(status=status, content=message, **kwargs)


def summary_json(headline: str, *bullets: tuple[str, list[int], str]) -> str:
    """The JSON the summary prompt asks for; each bullet is (text, source numbers, evidence)."""
    items = [{"text": t, "sources": s, "evidence": e} for t, s, e in bullets]
    return json.dumps({"headline": headline, "bullets": items})


def repair_json(*bullets: tuple[str, list[int], str]) -> str:
    return json.dumps({"bullets": [{"text": t, "sources": s, "evidence": e} for t, s, e in bullets]})


def judge_json(supported: bool, reason: str = "") -> str:
    """The LLM judge's structured verdict."""
    return json.dumps({"supported": supported, "reason": reason})


_SOURCE = re.compile(
    r'<source number="(\d+)">\s*Outlet: (.*?)\nTitle: (.*?)\n(?:Published: .*?\n)?Text: (.*?)\n</source>', re.S
)


def prompt_sources(request: Request) -> dict[int, tuple[str, str]]:
    """The numbered sources in a summary prompt: number -> (title, text)."""
    return {int(n): (title, text) for n, _, title, text in _SOURCE.findall(request.text)}


def _first_sentences(text: str, count: int) -> list[str]:
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if len(s.split()) >= 6]
    return sentences[:count]


def copying_model(request: Request) -> Reply:
    """A faithful model: headline from source 1's title, bullets quoting the sources' first sentences."""
    if request.is_judge:
        return chat(judge_json(True, "the source states it"))
    sources = prompt_sources(request)
    bullets = []
    for number, (_, text) in sorted(sources.items()):
        bullets += [(s, [number], s) for s in _first_sentences(text, 2)]
    headline = sources[min(sources)][0] if sources else "A story"
    return chat(summary_json(headline, *bullets[:4]))


def sloppy_model(*, repeat: bool = False, dangle: bool = False, relative: bool = False) -> Callable[[Request], Reply]:
    """`copying_model` with the chosen mistakes added to its answer (see the module docstring)."""

    def model(request: Request) -> Reply:
        if request.is_judge or request.is_repair:
            return copying_model(request)
        sources = prompt_sources(request)
        first = _first_sentences(sources[min(sources)][1], 2) if sources else []
        bullets = [(text, [n], text) for n, (_, body) in sorted(sources.items()) for text in _first_sentences(body, 1)]
        if repeat and first:
            bullets.append((f"Officials said that {first[0][0].lower()}{first[0][1:]}", [min(sources)], first[0]))
        if dangle and len(first) > 1:
            bullets.append((f"But {first[1][0].lower()}{first[1][1:]}", [min(sources)], first[1]))
        if relative and first:
            bullets.append((first[0].rstrip(".") + " today.", [min(sources)], first[0]))
        headline = sources[min(sources)][0] if sources else "A story"
        return chat(summary_json(headline, *bullets))

    return model


class LLMServer:
    """Runs on an ephemeral port in a background thread; `base_url` is what the client is given."""

    def __init__(self, model: Callable[[Request], Reply] = copying_model) -> None:
        self.model = model
        self.requests: list[Request] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> LLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers waiting out a scripted delay
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._queue.popleft() if self._queue else None
        return scripted or self.model(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                reply = server._next(Request(body))
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                if reply.status != 200:
                    error = {"error": {"message": reply.content or "error", "type": "server_error", "code": None}}
                    self._send(reply.status, error, reply.headers)
                    return
                self._send(200, _completion(body, reply), reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        return Handler


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": body.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


@contextmanager
def running(model: Callable[[Request], Reply] = copying_model) -> Iterator[LLMServer]:
    server = LLMServer(model).start()
    try:
        yield server
    finally:
        server.stop()
