"""Benchmark: one edition to N recipients (default 10,000) through a local aiosmtpd server.

    .venv/bin/python bench/send.py [--recipients 10000]

The server runs in its own process and only counts messages, so the figures are the sender's: messages per
second and peak memory (tracemalloc peak of Python allocations, and the process's peak RSS). The baseline, in
the same run, is a bare smtplib loop handing the same pre-built message to the same server over one
connection, with no composing and no store; the ratio is the cost of per-recipient composition, the
unsubscribe token and the two commits per recipient that make sends exactly-once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import smtplib
import socket
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing import render
from briefing.config import EmailSettings, RenderSettings, Settings, SmtpSettings
from briefing.deliver.email import UNSUBSCRIBE_PLACEHOLDER, send_edition
from briefing.models import ArticleRef, Bullet, Edition, Section, Story, StoryStatus, edition_to_dict
from briefing.store import open_store

NOW = datetime(2026, 11, 25, 6, 31, tzinfo=UTC)
EDITION = "2026-11-25-morning"


def serve(port: int, ready: Any, count: Any) -> None:
    """The counting server (runs in a child process)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
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
        bullets = tuple(
            Bullet(
                f"Bullet {b} of story {n}: a sentence of about twenty words that stands for a summary.", (refs[0].id,)
            )
            for b in range(4)
        )
        made.append(
            Story(f"c-{n}", f"Headline number {n} about something that happened", StoryStatus.NEW, bullets, refs)
        )
    return Edition(
        id="2026-11-25-morning",
        title="Morning briefing, 25 November 2026",
        name="morning",
        generated_at=NOW,
        window_start=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        window_end=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        timezone="Europe/London",
        summariser="extractive",
        sections=(Section("World", tuple(made[: stories // 2])), Section("Business", tuple(made[stories // 2 :]))),
    )


def write_edition(root: Path, edition: Edition) -> None:
    folder = root / "outputs" / "editions" / edition.id
    folder.mkdir(parents=True)
    parts = render.render_email(edition, RenderSettings())
    html = (
        parts.html
        if UNSUBSCRIBE_PLACEHOLDER in parts.html
        else parts.html.replace("</body>", f'<a href="{UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a></body>')
    )
    (folder / "briefing.json").write_text(json.dumps(edition_to_dict(edition)), encoding="utf-8")
    (folder / "email.html").write_text(html, encoding="utf-8")
    (folder / "email.txt").write_text(parts.text + f"\nUnsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n", encoding="utf-8")


def make_settings(root: Path, port: int, recipients: int) -> Settings:
    lines = ["email,name"] + [f"reader{n:05d}@example.org,Reader {n}" for n in range(recipients)]
    (root / "subscribers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Settings(
        config_path=root / "feeds.yaml",
        email=EmailSettings(
            enabled=True,
            smtp=SmtpSettings(host="127.0.0.1", port=port, security="none"),
            subscribers_file="subscribers.csv",
            unsubscribe_url="https://example.org/unsubscribe?token={token}",
            rate_per_second=1_000_000,
        ),
        unsubscribe_secret="bench-secret",
    )


def baseline(settings: Settings, recipients: int) -> float:
    """Bare smtplib: one composed message's bytes, one connection, no composing, no store. Returns seconds."""
    with open_store(settings.resolve("state/baseline.sqlite")) as store:
        report = send_edition(EDITION, settings, store, now=NOW, dry_run=True, to="reader00000@example.org")
    data = report.dry_run_files[0].read_bytes()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", settings.email.smtp.port) as smtp:
        for n in range(recipients):
            smtp.sendmail("briefing@example.org", [f"reader{n:05d}@example.org"], data)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    args = parser.parse_args()

    port = free_port()
    ready, count = multiprocessing.Event(), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(port, ready, count), daemon=True)
    server.start()
    ready.wait(30)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_edition(root, synthetic_edition())
        settings = make_settings(root, port, args.recipients)
        html_kb = (root / "outputs/editions/2026-11-25-morning/email.html").stat().st_size / 1024
        base_seconds = baseline(settings, args.recipients)
        with count.get_lock():
            count.value = 0
        tracemalloc.start()
        started = time.perf_counter()
        with open_store(root / "state" / "briefing.sqlite") as store:
            report = send_edition(EDITION, settings, store, now=NOW)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    server.terminate()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"edition: {html_kb:.0f} KB of inlined HTML; {args.recipients} recipients; server received {count.value}")
    print(f"baseline (bare smtplib, same bytes): {args.recipients / base_seconds:,.0f} msg/s")
    print(
        f"briefing send:                       {len(report.sent) / seconds:,.0f} msg/s "
        f"({seconds:.1f} s; {base_seconds / seconds:.2f}x the baseline's rate), failed {len(report.failed)}"
    )
    print(f"peak Python allocations during send: {peak / 1e6:.1f} MB; process peak RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
