"""The portable SQL's runner on a psycopg 3 connection pool.

Outside a transaction each statement borrows a pooled connection (in autocommit) and returns it at once; a
`transaction()` borrows one for its whole length, on this thread, and `BEGIN`s on it (nested ones are
savepoints). PostgreSQL runs transactions at READ COMMITTED and locks rows as they are written; where the
store needs more (migrations, the instance lock), it takes advisory locks itself.

Placeholders: the portable `?` and `:name` become psycopg's `%s` and `%(name)s` (a literal `%` is doubled).
Rows read by name or position, as `sqlite3.Row` does. Every psycopg error becomes a one-line `StoreError` that
names the database (never its password).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool

from briefing.errors import StoreError
from briefing.store._sql import Params, Row

_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|(?<!:):([A-Za-z_]\w*)|%")


class PgRow:
    """A result row that reads by column name or position."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values, self._index = values, index

    def __getitem__(self, key: int | str, /) -> Any:
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def pg_row(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    """psycopg row factory for `PgRow`."""
    index = {column.name: number for number, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(values, index)


PgConnection = psycopg.Connection[PgRow]


@functools.lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """`?` -> `%s`, `:name` -> `%(name)s`, `%` -> `%%`; string literals (and `::` casts) left alone."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token.replace("%", "%%")
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKENS.sub(replace, sql)


class PostgresDatabase:
    """`briefing.store._sql.Database` over a connection pool; each thread gets its own transactions."""

    def __init__(self, pool: ConnectionPool[PgConnection], location: str) -> None:
        self.pool = pool
        self.location = location
        self._local = threading.local()

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self.errors(), self.connection() as connection:
            cursor = connection.execute(to_psycopg(sql), params)
            return list(cursor.fetchall()) if cursor.description else []

    def execute(self, sql: str, params: Params = ()) -> int:
        with self.errors(), self.connection() as connection:
            return connection.execute(to_psycopg(sql), params).rowcount

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        batch = list(rows)
        if not batch:
            return 0
        with self.errors(), self.connection() as connection, connection.cursor() as cursor:
            cursor.executemany(to_psycopg(sql), batch)  # pipelined: one round trip, not one per row
            return max(cursor.rowcount, 0)

    def stream(self, sql: str, params: Params = (), batch: int = 1000) -> Iterator[list[Row]]:
        with (
            self.errors(),
            self.pool.connection() as connection,
            connection.transaction(),
            connection.cursor(name="briefing_stream") as cursor,  # server-side: rows arrive batch by batch
        ):
            cursor.execute(to_psycopg(sql), params)
            while rows := cursor.fetchmany(batch):
                yield list(rows)

    def any_of(self, column: str, values: Sequence[str]) -> tuple[str, Any]:
        return f"{column} = ANY(?::text[])", list(values)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        current: PgConnection | None = getattr(self._local, "connection", None)
        if current is not None:
            with self.errors(), current.transaction():  # a savepoint
                yield
            return
        with self.errors(), self.pool.connection() as connection:
            self._local.connection = connection
            try:
                with connection.transaction():
                    yield
            finally:
                self._local.connection = None

    @contextmanager
    def connection(self) -> Iterator[PgConnection]:
        """This thread's transaction's connection, else one borrowed from the pool for the statement."""
        current: PgConnection | None = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        with self.pool.connection() as connection:
            yield connection

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise StoreError(f"database error in {self.location}: {first}") from error

    def close(self) -> None:
        self.pool.close()
