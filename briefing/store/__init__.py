"""The store: the only module that speaks SQL. SQLite in WAL mode is the embedded default.

`Store` is a composition of mixins, one module per group of tables (see `briefing.store.schema` for how to
add one). Values go in and come out as models from `briefing.models`, never as rows. Times are stored as
ISO-8601 UTC text. Every multi-row change runs inside `store.transaction()` (BEGIN IMMEDIATE ... COMMIT, or
ROLLBACK on error); transactions nest as savepoints, so a caller can group several calls into one.

    with open_store(path) as store:
        store.sync_feeds(feeds_from_settings(settings))
        for feed in store.due_feeds(now): ...

A damaged database, a full disk or an unwritable file is a one-line `StoreError` naming the file and what to
do (`_damage`), whether it shows in a read, a write or the COMMIT; `integrity_problems` backs `briefing store
check`.

Only SQLite is supported in this version; `open_store_from_settings` is the seam where a server database
(`database_url`) would plug in.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from briefing.errors import ConfigError, StoreError
from briefing.store._damage import Connection, integrity_problems, store_error
from briefing.store.clusters import ClusterStore
from briefing.store.editions import EditionStore
from briefing.store.feeds import FeedStore
from briefing.store.runs import RunStore
from briefing.store.schema import MIGRATIONS
from briefing.store.sends import SendStore
from briefing.store.summaries import SummaryStore

if TYPE_CHECKING:
    from briefing.config import Settings

__all__ = [
    "Store",
    "database_file",
    "integrity_problems",
    "open_store",
    "open_store_from_settings",
    "sqlite_path_from_url",
]

BUSY_TIMEOUT_MS = 10_000  # a poll and a build may overlap (cron); writers wait rather than fail


class Store(FeedStore, RunStore, EditionStore, SendStore, ClusterStore, SummaryStore):
    """An open database. Use as a context manager, or call `close()`."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested calls become savepoints of the outer transaction."""
        if self._depth:
            yield from self._savepoint()
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self._db
            self._db.execute("COMMIT")  # a full disk often shows only here, when the pages are written
        except BaseException as error:
            self._rollback()
            self._reraise_as_store_error(error)
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        """Undo what is left of a failed transaction; sqlite may already have rolled back (disk full, I/O)."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error, StoreError):  # the original error is the one to report
                self._db.execute("ROLLBACK")

    def _reraise_as_store_error(self, error: BaseException) -> None:
        if isinstance(error, sqlite3.Error):
            raise (store_error(self.path, error) or StoreError(f"database error: {error}")) from error
        raise error

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        name = f"sp{self._depth}"
        self._db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self._db
        except BaseException:
            self._db.execute(f"ROLLBACK TO {name}")
            self._db.execute(f"RELEASE {name}")
            raise
        else:
            self._db.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def open_store(path: Path) -> Store:
    """Open (creating folders and file as needed) and migrate the SQLite database at `path`."""
    try:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, factory=Connection)
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot open the database {path}: {error}") from error
    db.path = path
    db.row_factory = sqlite3.Row
    try:
        _configure(db)
        _migrate(db, path)
    except sqlite3.Error as error:
        db.close()
        raise StoreError(f"cannot open the database {path}: {error}") from error
    except StoreError:
        db.close()
        raise
    return Store(db, path)


def open_store_from_settings(settings: Settings) -> Store:
    """Open the store the settings name: `database_url` (sqlite:///PATH only, for now), else `database`."""
    return open_store(database_file(settings))


def database_file(settings: Settings) -> Path:
    """The SQLite file the settings name."""
    if settings.database_url is None:
        return settings.database_path
    return settings.resolve(str(sqlite_path_from_url(settings.database_url)))


def sqlite_path_from_url(url: str) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` -> the path; any other scheme is refused."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError(
            f"database_url: only sqlite is supported in this version; set database: PATH (got {url!r})",
            hint="remove database_url and set `database: state/briefing.sqlite`, or use sqlite:///PATH",
        )
    return Path(url[len(prefix) :])


def _configure(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses at most the last commit


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
