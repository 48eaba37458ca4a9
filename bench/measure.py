"""What the benchmarks measure with: costs of actions and of child processes, peak memory of a process tree,
medians, and the figure tables they write into docs/figures/ (which the docs pages include).

Every figure is a median over repeats of one run, and every ratio is taken between two costs measured in the
same run (interleaved), because absolute times on a shared machine move with its load.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


@dataclass(frozen=True)
class Cost:
    wall: float  # seconds
    cpu: float  # seconds of CPU, user + system, child processes included once they have ended
    peak_mb: float = 0.0  # peak resident memory (of a process tree, when measured)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (and theirs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], T]) -> tuple[Cost, T]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = action()
    return Cost(time.perf_counter() - wall, cpu_seconds() - cpu), result


def run_process(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[Cost, str]:
    """Run a command to its end: its wall and CPU time (its own children included), the peak of the summed
    resident memory of its process tree (sampled every 50 ms), and its stdout."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    sampler = _TreeMemory(process.pid)
    sampler.start()
    output, _ = process.communicate()
    sampler.stop()
    if process.returncode not in (0, 3, 4):
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return Cost(time.perf_counter() - wall, cpu_seconds() - cpu, sampler.peak_mb), output


class _TreeMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants, summed, and keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._pid, self._stop_event, self.peak_mb = pid, threading.Event(), 0.0

    def run(self) -> None:
        while not self._stop_event.wait(0.05):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(pid) for pid in _tree(self._pid)))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in children.read_text().split())
            except OSError:
                continue
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# Runs one command and reports its wall time, CPU time and peak memory as JSON. A child's ru_maxrss keeps the
# resident size of the process it was forked from (Linux records it at exec), so a command started from a large
# process would show that process's size: this launcher is a bare interpreter without site (~8 MB), smaller
# than anything it measures.
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def run_alone(command: Sequence[str], cwd: Path) -> tuple[Cost, int]:
    """Run a short command from a small launcher: its wall and CPU time, its own peak memory, its exit code."""
    done = subprocess.run(
        [sys.executable, "-S", "-I", "-c", _LAUNCHER, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    wall, cpu, peak, code = json.loads(done.stdout)
    return Cost(wall, cpu, peak), code


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, load average {load:.1f} at the end, {datetime.now(UTC):%Y-%m-%d}"


def write_figures(name: str, command: str, table: str, notes: str = "") -> Path:
    """Write the run's table as docs/figures/<name>.md, which a docs page includes: figures are never typed."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.md"
    text = f"{table.rstrip()}\n\n<small>Written by `{command}` ({machine()}).{(' ' + notes) if notes else ''}</small>\n"
    path.write_text(text, encoding="utf-8")
    return path


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
