"""The log of runs: one row per poll, build, send or run, with its outcome and statistics.

The log answers "when did this last run and how did it go" for people and for `run-due`; it is never read
back into the pipeline's decisions except through explicit queries.

Each row remembers the process that runs it: its pid and its host (a PostgreSQL store is shared by several
hosts, and a pid means something only on its own). A process killed mid-run (SIGKILL, a reboot) cannot finish
its row, so every start first marks as "interrupted" the rows still "running" whose process, on this host, is
gone. Rows of other hosts are left to their own hosts' next start. A row also remembers the host's boot (Linux's
boot id), since after a reboot its pid may belong to another process: a row of an earlier boot is gone too.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from briefing.errors import StoreError
from briefing.models import Run
from briefing.store._codec import from_db_json, from_db_time, from_db_time_or_none, to_db_json, to_db_time
from briefing.store._sql import Row, SqlMixin

INTERRUPTED = "the process stopped before the run finished (killed, or the machine went down)"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")  # a new random id at every boot (Linux)


class RunsSql(SqlMixin):
    """The runs log (`RunStore`)."""

    def start_run(self, kind: str, now: datetime) -> int:
        """Record that a run of `kind` started (marking runs whose process died); returns its id for `finish_run`."""
        host = socket.gethostname()
        with self.transaction():
            self._mark_interrupted(host)
            [row] = self._db.query(
                "INSERT INTO runs (kind, started, pid, host, boot) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (kind, to_db_time(now), os.getpid(), host, boot_id()),
            )
        return int(row[0])

    def finish_run(self, run_id: int, now: datetime, status: str, stats: dict[str, Any]) -> None:
        """Record a run's end, its status and its statistics (any JSON-serialisable dict)."""
        with self.transaction():
            changed = self._db.execute(
                "UPDATE runs SET finished = ?, status = ?, stats = ? WHERE id = ?",
                (to_db_time(now), status, to_db_json(stats), run_id),
            )
            if changed != 1:
                raise StoreError(f"no run with id {run_id} to finish")

    def _mark_interrupted(self, host: str) -> None:
        rows = self._db.query(
            "SELECT id, pid, boot FROM runs WHERE status = 'running' AND pid IS NOT NULL AND host = ?", (host,)
        )
        boot = boot_id()
        gone = [
            (to_db_json({"error": INTERRUPTED}), row[0])
            for row in rows
            if (boot and row[2] and row[2] != boot) or not _alive(int(row[1]))
        ]
        self._db.execute_many(
            "UPDATE runs SET status = 'interrupted', stats = ? WHERE id = ? AND status = 'running'", gone
        )

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first, optionally of one kind."""
        where, params = ("WHERE kind = ?", (kind, limit)) if kind else ("", (limit,))
        rows = self._db.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", params)
        return [_run_from_row(row) for row in rows]


@cache
def boot_id() -> str | None:
    """This host's current boot, where the system says (Linux); None elsewhere, where only the pid is checked."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a reused id reads as alive: the row waits)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _run_from_row(row: Row) -> Run:
    return Run(
        id=row["id"],
        kind=row["kind"],
        started=from_db_time(row["started"]),
        finished=from_db_time_or_none(row["finished"]),
        status=row["status"],
        stats=from_db_json(row["stats"]) or {},
    )
