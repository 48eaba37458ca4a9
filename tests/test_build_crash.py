"""A `briefing build` killed at any moment leaves no half-written output, and the rerun completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html

from briefing.config import load_settings
from briefing.demo import DEMO_AT, serve_demo_feeds, write_demo_config
from briefing.pipeline import poll
from briefing.store import open_store_from_settings

AT = DEMO_AT.isoformat()


@pytest.fixture
def polled_config(tmp_path: Path) -> Iterator[Path]:
    """A config whose feeds were polled already, so `build` has work to do without a server."""
    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        settings = load_settings(config)
        with open_store_from_settings(settings) as store:
            poll(settings, store, DEMO_AT)
    yield config


def start_build(config: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "briefing", "-q", "--config", str(config), "build", "--at", AT]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def assert_outputs_whole(out: Path) -> None:
    """Every output that exists under its final name is complete and parses."""
    for path in out.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        assert data, f"{path} is empty"
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), f"{path} is cut off"
            lxml_html.fromstring(data)
        elif path.name == "briefing.md":
            assert data.startswith(b"---\n"), f"{path} lost its front matter"


def kill_after_writes(config: Path, out: Path, writes: int) -> bool:
    """Start a build and SIGKILL it as soon as it has replaced `writes` output files; False if it finished."""
    started = time.time_ns()
    process = start_build(config)
    while process.poll() is None:
        fresh = [p for p in out.rglob("*") if _modified_since(p, started)]
        if len(fresh) >= writes:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.005)
    return False


def _modified_since(path: Path, started: int) -> bool:
    """A file written since `started`; a temporary file renamed away between the scan and this look is not."""
    try:
        return path.is_file() and path.stat().st_mtime_ns >= started
    except FileNotFoundError:
        return False


def test_build_killed_mid_write_leaves_whole_files_and_reruns(polled_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    kills = sum(kill_after_writes(polled_config, out, writes) for writes in (1, 3, 5, 7))
    assert_outputs_whole(out)
    final = start_build(polled_config)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert_outputs_whole(out)
    assert json.loads((out / "editions" / "2026-11-25" / "briefing.json").read_text())["stats"]["stories"] > 0
    assert kills > 0, "every build finished before it could be killed; the test proved nothing"


# --------------------------------------------------- storing and publishing are one step (issue 18.8)

NEXT_DAY = "2026-11-26T06:30:00+00:00"
KILL_ON_PUBLISH = """
import os, signal, sys
from briefing.deliver import files
from briefing.cli import main
files.write_outputs = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
sys.argv = ["briefing", "-q", "--config", sys.argv[1], "build", "--at", sys.argv[2]]
main()
"""


def build_at(config: Path, at: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "briefing", "-q", "--config", str(config), "build", "--at", at]
    return subprocess.run(command, capture_output=True, timeout=120)


def test_build_killed_between_storing_and_publishing_is_published_by_the_next_run(
    polled_config: Path, tmp_path: Path
) -> None:
    killed = subprocess.run([sys.executable, "-c", KILL_ON_PUBLISH, str(polled_config), AT], timeout=120)
    assert killed.returncode == -signal.SIGKILL

    later = build_at(polled_config, NEXT_DAY)  # the next edition's window starts after the lost one

    out = tmp_path / "out"
    assert later.returncode == 0, later.stderr.decode()
    assert json.loads((out / "editions" / "2026-11-25" / "briefing.json").read_text())["stats"]["stories"] > 0
    assert b"2026-11-25.html" in (out / "site" / "archive.html").read_bytes()


def test_disk_full_while_publishing_is_completed_by_a_rerun(
    polled_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.config import load_settings
    from briefing.deliver import files
    from briefing.errors import DeliveryError
    from briefing.pipeline import build

    settings = load_settings(polled_config)
    real_write = files.write_atomic
    written: list[Path] = []

    def fill_up(target: Path, data: bytes) -> None:
        if len(written) == 2:
            raise DeliveryError(f"cannot write {target}: No space left on device")
        written.append(target)
        real_write(target, data)

    monkeypatch.setattr(files, "write_atomic", fill_up)
    with open_store_from_settings(settings) as store, pytest.raises(DeliveryError, match="No space left"):
        build(settings, store, DEMO_AT, DEMO_AT)
    monkeypatch.setattr(files, "write_atomic", real_write)

    assert build_at(polled_config, NEXT_DAY).returncode == 0
    assert (tmp_path / "out" / "editions" / "2026-11-25" / "email.html").is_file()
