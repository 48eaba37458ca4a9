"""The log of runs: one row per poll, build, send or run, with its outcome and statistics.

The log answers "when did this last run and how did it go" for people and for `run-due`; it is never read
back into the pipeline's decisions except through explicit queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from briefing.errors import StoreError
from briefing.models import Run
from briefing.store._codec import from_db_json, from_db_time, from_db_time_or_none, to_db_json, to_db_time
from briefing.store._sql import Row, SqlMixin


class RunsSql(SqlMixin):
    """The runs log (`RunStore`)."""

    def start_run(self, kind: str, now: datetime) -> int:
        """Record that a run of `kind` started; returns its id for `finish_run`."""
        with self.transaction():
            [row] = self._db.query(
                "INSERT INTO runs (kind, started) VALUES (?, ?) RETURNING id", (kind, to_db_time(now))
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

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first, optionally of one kind."""
        where, params = ("WHERE kind = ?", (kind, limit)) if kind else ("", (limit,))
        rows = self._db.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", params)
        return [_run_from_row(row) for row in rows]


def _run_from_row(row: Row) -> Run:
    return Run(
        id=row["id"],
        kind=row["kind"],
        started=from_db_time(row["started"]),
        finished=from_db_time_or_none(row["finished"]),
        status=row["status"],
        stats=from_db_json(row["stats"]) or {},
    )
