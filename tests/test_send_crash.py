"""Crash safety of `briefing send`: SIGKILL it mid-run, rerun it, and count what the SMTP server received."""

from __future__ import annotations

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
