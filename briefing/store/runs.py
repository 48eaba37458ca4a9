"""The log of runs: one row per poll, build, send or run, with its outcome and statistics.

The log answers "when did this last run and how did it go" for people and for `run-due`; it is never read
back into the pipeline's decisions except through explicit queries.

Each row remembers the process that runs it. A process killed mid-run (SIGKILL, a reboot) cannot finish its
row, so every start first marks the rows still "running" whose process is gone as "interrupted".
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from briefing.errors import StoreError
from briefing.models import Run
from briefing.store._codec import from_db_json, from_db_time, from_db_time_or_none, to_db_json, to_db_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                   -- poll | build | run | send | ...
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL DEFAULT 'running',  -- running | ok | partial | failed | ...
    stats TEXT                            -- JSON object
);
CREATE INDEX IF NOT EXISTS runs_kind_started ON runs (kind, started);
"""


INTERRUPTED = "the process stopped before the run finished (killed, or the machine went down)"


class RunStore:
    """Mixin of `Store`: the runs log."""

    _db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # provided by Store

    def start_run(self, kind: str, now: datetime) -> int:
        """Record that a run of `kind` started (marking runs whose process died); returns its id for `finish_run`."""
        with self.transaction():
            self._mark_interrupted()
            cursor = self._db.execute(
                "INSERT INTO runs (kind, started, pid) VALUES (?, ?, ?)", (kind, to_db_time(now), os.getpid())
            )
        if cursor.lastrowid is None:  # pragma: no cover - sqlite always sets it after an INSERT
            raise StoreError("the runs log did not return an id")
        return cursor.lastrowid

    def finish_run(self, run_id: int, now: datetime, status: str, stats: dict[str, Any]) -> None:
        """Record a run's end, its status and its statistics (any JSON-serialisable dict)."""
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE runs SET finished = ?, status = ?, stats = ? WHERE id = ?",
                (to_db_time(now), status, to_db_json(stats), run_id),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no run with id {run_id} to finish")

    def _mark_interrupted(self) -> None:
        rows = self._db.execute("SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL").fetchall()
        gone = [(to_db_json({"error": INTERRUPTED}), run_id) for run_id, pid in rows if not _alive(pid)]
        self._db.executemany("UPDATE runs SET status = 'interrupted', stats = ? WHERE id = ?", gone)

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first, optionally of one kind."""
        where, params = ("WHERE kind = ?", (kind, limit)) if kind else ("", (limit,))
        rows = self._db.execute(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", params).fetchall()
        return [_run_from_row(row) for row in rows]


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (a reused id reads as alive: the row waits)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _run_from_row(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        kind=row["kind"],
        started=from_db_time(row["started"]),
        finished=from_db_time_or_none(row["finished"]),
        status=row["status"],
        stats=from_db_json(row["stats"]) or {},
    )
