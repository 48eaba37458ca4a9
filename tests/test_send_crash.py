"""Crash safety of `briefing send`: SIGKILL it mid-run, rerun it, and count what the SMTP server received."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtpserver import SmtpServer, running_server, write_email_config
from test_deliver_email import EDITION_ID, write_edition

from briefing.models import SendStatus
from briefing.store import open_store

READERS = [f"reader{n:02d}@example.org" for n in range(12)]
REPO = Path(__file__).resolve().parents[1]

smtp_server = pytest.fixture(running_server)


@pytest.fixture
def config_file(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    write_edition(tmp_path / "outputs")
    return write_email_config(tmp_path, smtp_server, [f"{{email: {address}}}" for address in READERS], timeout=10)


def start_send(config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "briefing", "--config", str(config), "send", EDITION_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )


def kill_when_held(process: subprocess.Popen[str], server: SmtpServer) -> None:
    assert server.wait_until_held(60), "the sender never reached the held point"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    server.release()


def received_counts(server: SmtpServer) -> dict[str, int]:
    return {address: len(copies) for address, copies in server.by_recipient().items()}


@pytest.mark.slow
def test_killed_send_rerun_delivers_every_recipient_exactly_once(config_file: Path, smtp_server: SmtpServer) -> None:
    smtp_server.hold_after(5)  # the 6th MAIL command waits: the kill lands between two messages
    kill_when_held(start_send(config_file), smtp_server)
    assert len(smtp_server.messages) == 5

    rerun = start_send(config_file)
    _, stderr = rerun.communicate(timeout=60)

    assert rerun.returncode == 0, stderr
    assert received_counts(smtp_server) == dict.fromkeys(READERS, 1)
    with open_store(config_file.parent / "state" / "briefing.sqlite") as store:
        assert {r.status for r in store.sends(EDITION_ID).values()} == {SendStatus.SENT}


@pytest.mark.slow
def test_kill_inside_the_acceptance_window_resends_one_copy_with_the_same_message_id(
    config_file: Path, smtp_server: SmtpServer
) -> None:
    # The documented duplicate window: the server has the 4th message but the sender dies before it hears
    # the 250 and commits `sent`. The rerun cannot know, so it sends that one recipient again, with the same
    # Message-ID (mail clients de-duplicate on it), and says so.
    smtp_server.hold_reply_after(4)
    kill_when_held(start_send(config_file), smtp_server)

    rerun = start_send(config_file)
    _, stderr = rerun.communicate(timeout=60)

    fourth = READERS[3]
    assert (rerun.returncode, f"resent: {fourth}" in stderr) == (0, True)
    assert received_counts(smtp_server) == {address: 2 if address == fourth else 1 for address in READERS}
    first, again = smtp_server.by_recipient()[fourth]
    assert first.message["Message-ID"] == again.message["Message-ID"]


def test_misbehaving_server_run_finishes_records_and_exits_3(config_file: Path, smtp_server: SmtpServer) -> None:
    # In-process (click's runner): nothing is killed here, and a subprocess costs the CLI's start-up twice.
    from briefing.cli import app

    smtp_server.script.refuse[READERS[1]] = 550
    smtp_server.script.refuse[READERS[2]] = 553
    smtp_server.script.busy[READERS[4]] = 2
    smtp_server.script.drop[READERS[6]] = 1
    runner = CliRunner()

    first = runner.invoke(app, ["--config", str(config_file), "send", EDITION_ID])
    second = runner.invoke(app, ["--config", str(config_file), "send", EDITION_ID])

    assert (first.exit_code, second.exit_code) == (3, 3)  # the refused recipients stay failed
    assert f"failed: {READERS[1]}" in first.output and f"failed: {READERS[2]}" in first.output
    delivered = {address: 1 for address in READERS if address not in (READERS[1], READERS[2])}
    assert received_counts(smtp_server) == delivered
    with open_store(config_file.parent / "state" / "briefing.sqlite") as store:
        records = store.sends(EDITION_ID)
    assert {a: r.status for a, r in records.items() if r.status is SendStatus.FAILED} == {
        READERS[1]: SendStatus.FAILED,
        READERS[2]: SendStatus.FAILED,
    }


# ------------------------------------------------------------------------ concurrent senders (issue 18.4)


def stored_edition(config: Path) -> None:
    """The edition in the store too (delivery reads it from there), recorded as built by the schedule."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from briefing.config import load_settings
    from briefing.models import ScheduleSlot, SlotStatus, edition_from_dict
    from briefing.schedule import due_instant
    from briefing.store import open_store_from_settings

    folder = config.parent / "outputs" / "editions" / EDITION_ID
    edition = edition_from_dict(json.loads((folder / "briefing.json").read_text(encoding="utf-8")))
    settings = load_settings(config)
    local = (datetime.now(UTC) - timedelta(minutes=2)).astimezone(ZoneInfo(settings.timezone))
    due = due_instant(local.date(), settings.editions[0].at, settings.timezone)
    with open_store_from_settings(settings) as store:
        store.save_edition(edition, built_at=due)
        if hasattr(store, "mark_published"):
            store.mark_published(EDITION_ID, due)
        slot = ScheduleSlot("morning", local.date(), due, SlotStatus.BUILT, due, edition_id=EDITION_ID, attempts=1)
        store.save_slot(slot)


@pytest.fixture
def slow_config(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    """Twenty readers, a server that takes 50 ms to answer each message, and an edition that is due now."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    smtp_server.script.reply_delay = 0.05
    write_edition(tmp_path / "outputs")
    readers = [f"{{email: {address}}}" for address in MANY_READERS]
    due = (datetime.now(UTC) - timedelta(minutes=2)).astimezone(ZoneInfo("Europe/London"))
    extra = f'editions:\n  - {{name: morning, at: "{due:%H:%M}"}}\n'
    config = write_email_config(tmp_path, smtp_server, readers, timeout=10, extra=extra)
    stored_edition(config)
    return config


MANY_READERS = [f"reader{n:02d}@example.org" for n in range(20)]


def start(config: Path, *command: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "briefing", "--config", str(config), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.parent,
    )


@pytest.mark.slow
def test_two_sends_at_once_deliver_each_recipient_once(slow_config: Path, smtp_server: SmtpServer) -> None:
    first, second = start(slow_config, "send", EDITION_ID), start(slow_config, "send", EDITION_ID)

    outcomes = [(p.wait(120), p.communicate()[1]) for p in (first, second)]

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert received_counts(smtp_server) == dict.fromkeys(MANY_READERS, 1)


@pytest.mark.slow
def test_run_due_and_a_manual_send_at_once_deliver_each_recipient_once(
    slow_config: Path, smtp_server: SmtpServer
) -> None:
    # The manual send starts the moment the scheduled one has delivered its first message.
    smtp_server.script.reply_delay = 0.2
    started: list[subprocess.Popen[str]] = []

    def start_manual(event: str, count: int) -> None:
        if event == "data" and not started:
            started.append(start(slow_config, "send", EDITION_ID))

    smtp_server.on_event = start_manual
    scheduled = start(slow_config, "run-due")
    scheduled.wait(120)
    manual = started[0]

    outcomes = [(p.wait(120), p.communicate()[1]) for p in (scheduled, manual)]

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert received_counts(smtp_server) == dict.fromkeys(MANY_READERS, 1)


# ------------------------------------------------------------------ SIGKILL at random moments (issue 18.6)


@pytest.mark.slow
def test_sigkill_at_random_moments_against_a_slow_server_reports_every_resend(
    slow_config: Path, smtp_server: SmtpServer
) -> None:
    # Each kill lands at a moment chosen (seeded) among the server's events: a MAIL command (before anything
    # was handed over) or an accepted message whose 250 is still on its way (inside the duplicate window).
    # Whatever happens, every recipient gets the edition, and every recipient who got two copies is reported.
    import random

    chooser = random.Random(18)
    victim: dict[str, subprocess.Popen[str]] = {}
    plan = [(chooser.choice(["mail", "data"]), chooser.randint(1, 3)) for _ in range(6)]
    reported: set[str] = set()
    kills = 0
    for kind, after in plan:
        seen = {"mail": 0, "data": 0}

        def kill_at(event: str, count: int, kind: str = kind, after: int = after, seen: dict[str, int] = seen) -> None:
            seen[event] += 1
            if event == kind and seen[event] == after and "process" in victim:
                victim.pop("process").send_signal(signal.SIGKILL)

        smtp_server.on_event = kill_at
        process = victim["process"] = start(slow_config, "send", EDITION_ID)
        _, stderr = process.communicate(timeout=120)
        kills += process.returncode == -signal.SIGKILL
        reported |= {line.split()[1] for line in stderr.splitlines() if line.startswith("resent:")}
    smtp_server.on_event = None
    final = start(slow_config, "send", EDITION_ID)
    _, stderr = final.communicate(timeout=120)
    reported |= {line.split()[1] for line in stderr.splitlines() if line.startswith("resent:")}

    counts = received_counts(smtp_server)
    duplicated = {address for address, copies in counts.items() if copies > 1}
    assert (final.returncode, set(counts), kills) == (0, set(MANY_READERS), len(plan))
    assert duplicated <= reported, f"resent without a report: {sorted(duplicated - reported)}"
    assert len(reported) <= kills
