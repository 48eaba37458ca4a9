"""The portable SQL's runner on one `sqlite3` connection (autocommit outside `transaction()`).

A transaction is `BEGIN IMMEDIATE`: it takes SQLite's single write lock at the start, so a read inside it sees
what the write will change; another process waits up to `busy_timeout` for it. Nested transactions are
savepoints. Every `sqlite3.Error` becomes a one-line `StoreError` naming the file.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from briefing.errors import StoreError
from briefing.store._sql import Params, Row
from briefing.store.sqlite._damage import store_error


class SqliteDatabase:
    """`briefing.store._sql.Database` over one sqlite3 connection, used from the thread that opened it."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self._depth = 0

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            self._fail(error)

    def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return self.connection.execute(sql, params).rowcount
        except sqlite3.Error as error:
            self._fail(error)

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        try:
            return self.connection.executemany(sql, rows).rowcount
        except sqlite3.Error as error:
            self._fail(error)

    def run_to_completion(self, pragma: str) -> None:
        """Run a statement that does its work step by step (`PRAGMA incremental_vacuum(N)`) to its end:
        `execute()` steps it once, which frees one page."""
        try:
            self.connection.executescript(pragma)
        except sqlite3.Error as error:
            self._fail(error)

    def stream(self, sql: str, params: Params = (), batch: int = 1000) -> Iterator[list[Row]]:
        try:
            cursor = self.connection.execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield rows
        except sqlite3.Error as error:
            self._fail(error)

    def any_of(self, column: str, values: Sequence[str]) -> tuple[str, Any]:
        # One JSON parameter instead of one `?` per value: no variable limit, one statement to prepare.
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(values))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            with self._savepoint():
                yield
            return
        self.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            self.execute("COMMIT")  # a full disk often shows only here, when the pages are written
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        """Undo what is left of a failed transaction; sqlite may already have rolled back (disk full, I/O)."""
        if self.connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the original error is the one to report
                self.connection.execute("ROLLBACK")

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        name = f"sp{self._depth}"
        self.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.execute(f"ROLLBACK TO {name}")
            self.execute(f"RELEASE {name}")
            raise
        else:
            self.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def close(self) -> None:
        self.connection.close()

    def _fail(self, error: sqlite3.Error) -> NoReturn:
        raise (store_error(self.path, error) or StoreError(f"database error in {self.path}: {error}")) from error
