"""Benchmark: one edition to N email subscribers (default 10,000) and 5 webhook channels, the product's own send
path (`pipeline.send`: the edition from the store, its email rendered, the lock, the ledger, SMTP, Apprise).

    .venv/bin/python bench/send.py [--recipients 10000] [--write-docs]

The servers run in their own process and only count what they receive: an aiosmtpd server on 127.0.0.1 and an
HTTP server taking the channels' JSON posts. The baseline, in the same run and this process, is a bare
`smtplib` loop handing one composed message's bytes to the same server for every recipient over one connection,
with no composing and no store. For speed the two
take turns in `--rounds` slices of N/rounds messages each (the machine is shared; its load changes by the
minute). For memory the product runs in a fresh process (so its peak RSS is its own) at N and at N/10
recipients, to show memory flat in the number of recipients. `--write-docs` writes the figures into the
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


def make_settings(root: Path, smtp_port: int, http_port: int, recipients: int, first: int = 0) -> Settings:
    lines = ["email,name"] + [f"reader{n:05d}@example.org,Reader {n}" for n in range(first, first + recipients)]
    (root / "subscribers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    channels = [ChannelSettings(name=f"hook-{n}", url=f"json://127.0.0.1:{http_port}/c{n}") for n in range(CHANNELS)]
    return Settings(
        config_path=root / "feeds.yaml",
        email=EmailSettings(
            enabled=True,
            smtp=SmtpSettings(host="127.0.0.1", port=smtp_port, security="none"),
            subscribers_file=str(root / "subscribers.csv"),
            unsubscribe_url="https://example.org/unsubscribe?token={token}",
            rate_per_second=10_000,  # the most the config allows; never binds at these rates
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


def baseline(smtp_port: int, recipients: int, data: bytes) -> float:
    """Bare smtplib: the same bytes to every recipient over one connection, no composing, no store."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
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


def interleaved(smtp_port: int, http_port: int, n: int, rounds: int, data: bytes) -> dict[str, float]:
    """Seconds for n messages each way, in `rounds` alternating slices: the machine is shared and its load
    changes by the minute, so each way takes its turn in every slice instead of one long stretch each."""
    from briefing import pipeline
    from briefing.deliver.sending import send_channel
    from briefing.store import open_store_from_settings

    share = n // rounds
    totals = {"plain": 0.0, "product": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for number in range(rounds):
            before = dict(totals)
            totals["plain"] += baseline(smtp_port, share, data)
            settings = make_settings(root, smtp_port, http_port, share, first=number * share)
            with open_store_from_settings(settings) as store:
                edition = store.edition(EDITION)
                if edition is None:
                    edition = synthetic_edition()
                    store.save_edition(edition, built_at=NOW)
                    store.mark_published(EDITION, NOW)
                # Rendering the edition's email and the channels' digests is per edition, not per message: made
                # untimed here; the email channel's send loop (claims, compose, SMTP, ledger) is what is timed.
                email_channel = pipeline.delivery_channels(settings, store, edition, NOW, include_email=True)[0]
                started = time.perf_counter()
                send_channel(email_channel, EDITION, store, now=NOW, claimant=f"round-{number}")
                totals["product"] += time.perf_counter() - started
            spent = {way: totals[way] - before[way] for way in totals}
            print(
                f"slice {number + 1}/{rounds}: " + ", ".join(f"{way} {share / spent[way]:,.0f}/s" for way in spent),
                flush=True,
            )
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10, help="alternating slices for the speed comparison")
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
    times = interleaved(smtp_port, http_port, n, args.rounds, data)
    seconds, sent, rss = in_fresh_process(smtp_port, http_port, n)
    small_seconds, small_sent, small_rss = in_fresh_process(smtp_port, http_port, max(1, n // 10))
    server.terminate()

    rate = {way: n // args.rounds * args.rounds / spent for way, spent in times.items()}
    rows = [
        f"| bare `smtplib` loop, same bytes, one connection (baseline) | {rate['plain']:,.0f} | 1.00 | — |",
        f"| `briefing send`'s email loop, {args.rounds} slices of {n // args.rounds:,} subscribers, "
        f"interleaved with the baseline | {rate['product']:,.0f} | {rate['product'] / rate['plain']:.2f} | — |",
        f"| `briefing send`, one edition to {n:,} subscribers + {CHANNELS} channels, fresh process "
        f"| {sent.get('email', 0) / seconds:,.0f} | — | {rss:.0f} MB |",
        f"| `briefing send`, one edition to {n // 10:,} subscribers + {CHANNELS} channels, fresh process "
        f"| {small_sent.get('email', 0) / small_seconds:,.0f} | — | {small_rss:.0f} MB |",
    ]
    table = "| run | messages per second | ratio to baseline | peak RSS |\n|---|---|---|---|\n" + "\n".join(rows)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    table += f"\n\n{len(data) / 1024:.0f} KB a message; load average at the end of the run {load} (2 cores)."
    print(f"server received {count.value} emails and {posts.value} posts")
    print(f"channels posted in the fresh-process run: {sorted(k for k, v in sent.items() if v and k != 'email')}")
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
