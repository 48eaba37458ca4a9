"""The embedded store: one SQLite file in WAL mode, the default.

What only SQLite has lives here: opening and configuring the file, its migrations (`schema.py`, versioned by
`PRAGMA user_version`), the instance lock (an flock on `<database>.lock` beside the file), incremental vacuum,
the file's size, and bulk inserts for `briefing store migrate`. Every query is the portable SQL of the concern
mixins, run by `SqliteDatabase`.

WAL lets a poll from cron and a build overlap: readers never block the writer, and writers wait up to
`BUSY_TIMEOUT_MS` for each other instead of failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from briefing.errors import BriefingError, StoreError
from briefing.store._sql import scalar
from briefing.store.portable import PortableSql
from briefing.store.sqlite._damage import integrity_problems, store_error
from briefing.store.sqlite._database import SqliteDatabase
from briefing.store.sqlite._lock import LockHeld, file_lock
from briefing.store.sqlite.schema import MIGRATIONS

__all__ = ["MIGRATIONS", "SqliteStore", "integrity_problems", "open_sqlite_store"]

CACHE_KB = 65_536
BUSY_TIMEOUT_MS = 10_000  # a poll and a build may overlap (cron); writers wait rather than fail
PAGE_BYTES = 16_384  # of a new file: see `_configure`
_VACUUM_STEP_BYTES = 8_192_000  # given back per incremental_vacuum step (2,000 pages of 4 KB, 500 of 16 KB)


class SqliteStore(PortableSql):
    """An open SQLite database: every concern of `briefing.store.Store`. A context manager; or call `close()`."""

    backend = "sqlite"
    _db: SqliteDatabase

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self.path = db.path
        self.location = str(db.path)

    @property
    def schema_version(self) -> int:
        return int(scalar(self._db, "PRAGMA user_version"))

    @contextmanager
    def instance_lock(self) -> Iterator[None]:
        """Hold `<database>.lock` (flock) for the duration; a second `schedule` or `run-due` fails at once."""
        path = self.path.with_name(self.path.name + ".lock")
        try:
            with file_lock(path, "the schedule", wait=False):
                yield
        except LockHeld as held:
            raise BriefingError(
                f"another briefing (pid {held.holder}) is already running the schedule; lock: {path}",
                hint="wait for it to finish, or stop it first",
            ) from None

    # ----------------------------------------------------------------------------------------- maintenance

    @contextmanager
    def delivery_lock(self) -> Iterator[None]:
        """`<database>.deliver.lock` (flock, blocking): released by the kernel if the holder dies, as a
        PostgreSQL session advisory lock is with its session."""
        with file_lock(self.path.with_name(self.path.name + ".deliver.lock"), "sending"):
            yield

    def _size_bytes(self) -> int:
        """The database file's size (pages in use and free), WAL excluded: `_reclaim` checkpoints it."""
        return int(scalar(self._db, "PRAGMA page_count")) * int(scalar(self._db, "PRAGMA page_size"))

    def _reclaim(self) -> None:
        """Give free pages back to the file system a step at a time, each step a short write lock."""
        if int(scalar(self._db, "PRAGMA auto_vacuum")) != 2:
            # A file made before incremental vacuum was on: one full VACUUM switches it (once, rewrites the file).
            self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self._db.execute("VACUUM")
        step = _VACUUM_STEP_BYTES // int(scalar(self._db, "PRAGMA page_size"))
        while int(scalar(self._db, "PRAGMA freelist_count")):
            self._db.run_to_completion(f"PRAGMA incremental_vacuum({step})")
        self._db.query("PRAGMA wal_checkpoint(TRUNCATE)")

    # -------------------------------------------------------------------------------------------- transfer

    def table_columns(self, table: str) -> list[str]:
        return [row["name"] for row in self._db.query(f"PRAGMA table_info({table})")]

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        self._db.execute_many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def finish_copy(self) -> None:
        """Nothing to do: SQLite's AUTOINCREMENT follows ids inserted explicitly."""

    # ----------------------------------------------------------------------------------------------- close

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sqlite_store(path: Path) -> SqliteStore:
    """Open (creating folders and file as needed) and migrate the SQLite database at `path`."""
    try:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot open the database {path}: {error}") from error
    connection.row_factory = sqlite3.Row
    try:
        _configure(connection)
        _migrate(connection, path)
    except sqlite3.Error as error:
        connection.close()
        raise (store_error(path, error) or StoreError(f"cannot open the database {path}: {error}")) from error
    except StoreError:
        connection.close()
        raise
    return SqliteStore(SqliteDatabase(connection, path))


def _configure(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # 16 KB pages rather than SQLite's 4 KB (a new file only; a file keeps the size it was made with, and WAL mode
    # keeps even VACUUM from changing it): a first poll writes hundreds of thousands of span counts all over their
    # indexes, each page a commit dirties is one WAL frame written and checkpointed, and the same rows dirty a
    # quarter as many 16 KB pages. The commits' share of `bench/poll.py stages --feeds 400` fell from 13.5-14.6%
    # to 10.7-13.2% (four runs each); an empty store takes 0.8 MB instead of 0.2 (a page per table and index)
    db.execute(f"PRAGMA page_size = {PAGE_BYTES}")
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect on a new file only; `_reclaim` converts old ones
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses at most the last commit
    # up to 64 MB of pages in memory, taken only as a command touches them (an idle cron tick touches a few): a
    # poll writes span counts all over their indexes, and with SQLite's 2 MB default each commit re-read and
    # spilled the same pages (bench/poll.py first: the span writes cost 3 times as much)
    db.execute(f"PRAGMA cache_size = -{CACHE_KB}")


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    current = int(db.execute("PRAGMA user_version").fetchone()[0])
    if current > len(MIGRATIONS):
        raise StoreError(
            f"the database {path} is at schema version {current}, newer than this briefing knows ({len(MIGRATIONS)})",
            hint="upgrade briefing, or point `database:` at another file",
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        _apply(db, version, MIGRATIONS[version - 1])


def _apply(db: sqlite3.Connection, version: int, script: str) -> None:
    """Run one migration step and its version bump in one transaction (re-checked under the write lock, so
    two processes opening the same new database do not both migrate it)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(db.execute("PRAGMA user_version").fetchone()[0]) < version:
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    """Split a script into complete statements (executescript would COMMIT the migration's transaction)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                yield pending
            pending = ""
    if pending.strip(" \n\t;"):
        yield pending
