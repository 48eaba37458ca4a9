"""The log of runs: one row per poll, build, send or run, with its outcome and statistics.

The log answers "when did this last run and how did it go" for people and for `run-due`; it is never read
back into the pipeline's decisions except through explicit queries.
"""

from __future__ import annotations

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


class RunStore:
    """Mixin of `Store`: the runs log."""

    _db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # provided by Store

    def start_run(self, kind: str, now: datetime) -> int:
        """Record that a run of `kind` started; returns its id for `finish_run`."""
        with self.transaction():
            cursor = self._db.execute("INSERT INTO runs (kind, started) VALUES (?, ?)", (kind, to_db_time(now)))
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

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first, optionally of one kind."""
        where, params = ("WHERE kind = ?", (kind, limit)) if kind else ("", (limit,))
        rows = self._db.execute(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", params).fetchall()
        return [_run_from_row(row) for row in rows]


def _run_from_row(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        kind=row["kind"],
        started=from_db_time(row["started"]),
        finished=from_db_time_or_none(row["finished"]),
        status=row["status"],
        stats=from_db_json(row["stats"]) or {},
    )
