"""Two `briefing run-due` processes on one PostgreSQL database (as on two machines): an edition is built once
and each reader is sent it once, whichever process gets there first."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer
from smtpserver import SmtpServer, running_server, write_email_config

from briefing.models import SlotStatus
from briefing.store import open_store

READERS = [f"reader{n}@example.org" for n in range(3)]
REPO = Path(__file__).resolve().parents[1]

smtp_server = pytest.fixture(running_server)


def fresh_feed(now: datetime) -> bytes:
    """Two reports of one story, published in the last hours (run-due builds from the real clock)."""
    items = "".join(
        f"<item><title>Harbour bridge closes for repairs {n}</title><link>https://harbour.example/{n}</link>"
        f"<guid>harbour-{n}</guid><pubDate>{(now - timedelta(hours=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate><description>The harbour bridge closes on Monday for repairs after engineers found cracks in "
        "two cables. Ferries will run every twenty minutes while the work lasts.</description></item>"
        for n in (1, 2)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour</title>{items}</channel></rss>'.encode()


@pytest.fixture
def config(tmp_path: Path, smtp_server: SmtpServer, feed_server: FeedServer, postgres_store_url: str) -> Path:
    """Email on, one edition whose time passed five minutes ago (UTC), a fresh feed, the shared database."""
    now = datetime.now(UTC)
    feed = feed_server.route("/harbour.xml", body=fresh_feed(now), headers={"Content-Type": "application/rss+xml"})
    path = write_email_config(tmp_path, smtp_server, [f"{{email: {address}}}" for address in READERS], timeout=60)
    due = (now - timedelta(minutes=5)).strftime("%H:%M")
    text = path.read_text().replace("timezone: Europe/London", "timezone: UTC")
    text = text.replace("http://127.0.0.1:9/world.xml", feed)
    path.write_text(text + f"database_url: '{postgres_store_url}'\neditions: [{{name: morning, at: '{due}'}}]\n")
    return path


def start_run_due(config: Path, password: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env |= {"PYTHONPATH": str(REPO), "BRIEFING_DATABASE_PASSWORD": password or ""}
    return subprocess.Popen(
        [sys.executable, "-m", "briefing", "--config", str(config), "run-due"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )


def builds_and_slot(url: str, password: str | None) -> tuple[int, SlotStatus | None]:
    with open_store(url, password=password) as store:
        slots = store.slots()
        return len(store.runs("build")), slots[0].status if slots else None


@pytest.mark.slow
def test_a_second_run_due_while_the_first_sends_is_refused_and_nothing_is_done_twice(
    config: Path, smtp_server: SmtpServer, postgres_store_url: str, postgres_password: str | None
) -> None:
    smtp_server.hold_after(0)  # the first process stops at its first message, holding the lock
    first = start_run_due(config, postgres_password)
    assert smtp_server.wait_until_held(120), "the first run-due never reached its send"

    second = start_run_due(config, postgres_password)
    _, refused = second.communicate(timeout=120)
    smtp_server.release()
    first.communicate(timeout=120)
    third = start_run_due(config, postgres_password)  # after both: nothing is left to do
    third.communicate(timeout=120)

    assert (first.returncode, second.returncode, third.returncode) == (0, 1, 4)
    assert "another briefing (briefing pid" in refused and "already running the schedule" in refused
    assert {address: len(copies) for address, copies in smtp_server.by_recipient().items()} == dict.fromkeys(READERS, 1)
    assert builds_and_slot(postgres_store_url, postgres_password) == (1, SlotStatus.SENT)


@pytest.mark.slow
def test_two_run_due_started_together_build_and_send_once(
    config: Path, smtp_server: SmtpServer, postgres_store_url: str, postgres_password: str | None
) -> None:
    processes = [start_run_due(config, postgres_password) for _ in range(2)]
    codes = sorted(process.wait(120) for process in processes)

    assert codes in ([0, 1], [0, 4])  # the later one was refused the lock, or found nothing left to do
    assert {address: len(copies) for address, copies in smtp_server.by_recipient().items()} == dict.fromkeys(READERS, 1)
    assert builds_and_slot(postgres_store_url, postgres_password) == (1, SlotStatus.SENT)
