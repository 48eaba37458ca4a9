"""Benchmark: one edition to N email subscribers (default 10,000) and 5 webhook channels, the product's own send
path (`pipeline.send`: the edition from the store, its email rendered, the lock, the ledger, SMTP, Apprise).

    .venv/bin/python bench/send.py [--recipients 10000] [--write-docs]

The servers run in their own process and only count what they receive: an aiosmtpd server on 127.0.0.1 and an
HTTP server taking the channels' JSON posts. The baseline, in the same run and this process, is a bare
`smtplib` loop handing one composed message's bytes to the same server for every recipient over one connection,
with no composing and no store. The product runs in a fresh process (so its peak RSS is its own), at N and at
N/10 recipients, to show memory flat in the number of recipients. `--write-docs` writes the figures into the
table in docs/benchmarks.md (between the `bench/send.py` markers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import smtplib
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from briefing.config import ChannelSettings, EmailSettings, Settings, SmtpSettings
from briefing.models import ArticleRef, Bullet, Edition, Section, Story, StoryStatus

NOW = datetime(2026, 11, 25, 6, 31, tzinfo=UTC)
EDITION = "2026-11-25-morning"
CHANNELS = 5
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- bench/send.py: start -->", "<!-- bench/send.py: end -->"


def serve(smtp_port: int, http_port: int, ready: Any, count: Any, posts: Any) -> None:
    """The counting servers (run in a child process)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    class Hook(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with posts.get_lock():
                posts.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    controller = Controller(Counter(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hooks = ThreadingHTTPServer(("127.0.0.1", http_port), Hook)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def synthetic_edition(stories: int = 15) -> Edition:
    published = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    made = []
    for n in range(stories):
        refs = tuple(
            ArticleRef(
                f"a-{n}-{k}", f"Source {k} on story {n}", f"https://news{k}.example/{n}", f"Outlet {k}", published
            )
            for k in range(3)
        )
        text = f"Bullet of story {n}: a sentence of about twenty words that stands for a summary of the story."
        bullets = tuple(Bullet(f"{text} ({b})", (refs[0].id,)) for b in range(4))
        made.append(
            Story(f"c-{n}", f"Headline number {n} about something that happened", StoryStatus.NEW, bullets, refs)
        )
    return Edition(
        id=EDITION,
        title="Morning briefing, 25 November 2026",
        name="morning",
        generated_at=NOW,
        window_start=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        window_end=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        timezone="Europe/London",
        summariser="extractive",
        sections=(Section("World", tuple(made[: stories // 2])), Section("Business", tuple(made[stories // 2 :]))),
    )


def make_settings(root: Path, smtp_port: int, http_port: int, recipients: int) -> Settings:
    lines = ["email,name"] + [f"reader{n:05d}@example.org,Reader {n}" for n in range(recipients)]
    (root / "subscribers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    channels = [ChannelSettings(name=f"hook-{n}", url=f"json://127.0.0.1:{http_port}/c{n}") for n in range(CHANNELS)]
    return Settings(
        config_path=root / "feeds.yaml",
        email=EmailSettings(
            enabled=True,
            smtp=SmtpSettings(host="127.0.0.1", port=smtp_port, security="none"),
            subscribers_file=str(root / "subscribers.csv"),
            unsubscribe_url="https://example.org/unsubscribe?token={token}",
            rate_per_second=1_000_000,
        ),
        channels=channels,
        unsubscribe_secret="bench-secret",
    )


def product_pass(smtp_port: int, http_port: int, recipients: int, result: Any) -> None:
    """One fresh process: store the edition, then `pipeline.send` it; report time, counts and peak RSS."""
    from briefing import pipeline
    from briefing.store import open_store_from_settings

    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder), smtp_port, http_port, recipients)
        with open_store_from_settings(settings) as store:
            store.save_edition(synthetic_edition(), built_at=NOW)
            store.mark_published(EDITION, NOW)
            started = time.perf_counter()
            reports = pipeline.send(settings, store, EDITION, NOW)
            seconds = time.perf_counter() - started
    sent = {report.channel: len(report.sent) for report in reports}
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.put((seconds, sent, rss_mb))


def one_message(settings: Settings) -> bytes:
    """One subscriber's message exactly as the product composes it."""
    from briefing import render
    from briefing.deliver.compose import Composer
    from briefing.models import Subscriber

    edition = synthetic_edition()
    variants = render.email_variants(edition, settings.render, [None])
    composer = Composer(EDITION, variants, settings.email, settings.unsubscribe_secret, NOW)
    return composer.compose(Subscriber("reader00000@example.org", "Reader 0"))


def baseline(smtp_port: int, recipients: int, data: bytes, *, no_delay: bool = False) -> float:
    """Bare smtplib: the same bytes to every recipient over one connection, no composing, no store.
    `no_delay` sets TCP_NODELAY as the product does (Nagle's algorithm otherwise holds the body's last packet
    until the server acknowledges the previous one, which a delayed ACK can make wait)."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        if no_delay and smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for n in range(recipients):
            smtp.sendmail("briefing@example.org", [f"reader{n:05d}@example.org"], data)
    return time.perf_counter() - started


def in_fresh_process(smtp_port: int, http_port: int, recipients: int) -> tuple[float, dict[str, int], float]:
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    process = context.Process(target=product_pass, args=(smtp_port, http_port, recipients, result))
    process.start()
    outcome: tuple[float, dict[str, int], float] = result.get()
    process.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()
    n = args.recipients

    smtp_port, http_port = free_port(), free_port()
    ready, count, posts = multiprocessing.Event(), multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(smtp_port, http_port, ready, count, posts), daemon=True)
    server.start()
    ready.wait(30)
    with tempfile.TemporaryDirectory() as folder:
        data = one_message(make_settings(Path(folder), smtp_port, http_port, 1))
    # The machine is shared: the product's pass is bracketed by the TCP_NODELAY loop before and after, and
    # compared with their mean rate, so a change of load during the run shows (and is averaged) rather than
    # landing on one side of the ratio.
    base_seconds = baseline(smtp_port, n, data)
    before = baseline(smtp_port, n, data, no_delay=True)
    seconds, sent, rss = in_fresh_process(smtp_port, http_port, n)
    after = baseline(smtp_port, n, data, no_delay=True)
    nodelay_seconds = 2 / (1 / before + 1 / after)  # the harmonic mean of the two: their mean rate
    small_seconds, small_sent, small_rss = in_fresh_process(smtp_port, http_port, max(1, n // 10))
    server.terminate()

    base_rate, rate = n / base_seconds, sent.get("email", 0) / seconds
    rows = [
        f"| bare `smtplib` loop, same bytes, one connection (baseline) | {n:,} | {base_rate:,.0f} | 1.00 | — |",
        f"| bare `smtplib` loop with TCP_NODELAY, as the product sets it (before / after the product) | {n:,} "
        f"| {n / before:,.0f} / {n / after:,.0f} | {base_seconds / nodelay_seconds:.2f} | — |",
        f"| `briefing send`: {n:,} subscribers + {CHANNELS} webhook channels | {n:,} | {rate:,.0f} "
        f"| {rate / base_rate:.2f} ({rate * nodelay_seconds / n:.2f} of the TCP_NODELAY loop) | {rss:.0f} MB |",
        f"| `briefing send`: {n // 10:,} subscribers + {CHANNELS} webhook channels | {n // 10:,} "
        f"| {small_sent.get('email', 0) / small_seconds:,.0f} | — | {small_rss:.0f} MB |",
    ]
    table = "| run | emails | messages per second | ratio to baseline | peak RSS |\n|---|---|---|---|---|\n"
    table += "\n".join(rows)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    table += f"\n\n{len(data) / 1024:.0f} KB a message; load average at the end of the run {load} (2 cores)."
    print(f"message: {len(data) / 1024:.0f} KB; server received {count.value} emails and {posts.value} posts")
    print(f"channels posted: {sorted(k for k, v in sent.items() if v and k != 'email')}")
    print(table)
    if args.write_docs:
        text = DOCS.read_text(encoding="utf-8")
        before, _, rest = text.partition(START)
        if not rest:
            raise SystemExit(f"{DOCS}: no {START} marker")
        DOCS.write_text(f"{before}{START}\n{table}\n{END}{rest.partition(END)[2]}", encoding="utf-8")
        print(f"wrote the table into {DOCS}")


if __name__ == "__main__":
    main()
