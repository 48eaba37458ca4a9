"""The seam between the store's SQL and a database driver: each concern's SQL is written once, portably.

Portable means the SQL that SQLite (>= 3.35) and PostgreSQL both run unchanged: `INSERT ... ON CONFLICT (...)
DO NOTHING | DO UPDATE SET col = excluded.col` (qualify the old row's columns with the table name, as
PostgreSQL requires: `attempts = sends.attempts + 1`), `RETURNING`, `COALESCE`, sub-queries, `LIMIT ?`.
Placeholders are `?` (positional) or `:name` (named). Booleans are 0/1 integers and times fixed-width ISO-8601
UTC text (`_codec`), so comparisons and `ORDER BY` mean the same on both; never rely on `rowid` or on the order
of rows without `ORDER BY`, and never on `SUM` (PostgreSQL returns a decimal).

A backend's `Database` runs that SQL: it converts placeholders, returns rows that read by name or position,
turns driver errors into one-line `StoreError`s, and opens transactions the way its engine needs (SQLite:
`BEGIN IMMEDIATE`; PostgreSQL: `BEGIN` on a connection from its pool), nested ones as savepoints. What truly
differs between engines (DDL and migrations, locks, vacuum, sizes, bulk copy) lives in `store/sqlite/` and
`store/postgres/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """One result row: `row["column"]` or `row[0]`."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> list[str]: ...


class Database(Protocol):
    """A connection (or a pool of them) that runs portable SQL."""

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row the statement returns (a write with `RETURNING` included)."""
        ...

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement per parameter set, in order; return how many rows they changed in all."""
        ...

    def stream(self, sql: str, params: Params = (), batch: int = 1000) -> Iterator[list[Row]]:
        """The rows of a large query, `batch` at a time, without holding them all in memory."""
        ...

    def any_of(self, column: str, values: Sequence[str]) -> tuple[str, Any]:
        """`column` is one of `values`, however many: an SQL condition with one `?` and the value to bind."""
        ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


def one(db: Database, sql: str, params: Params = ()) -> Row | None:
    """The first row, or None."""
    rows = db.query(sql, params)
    return rows[0] if rows else None


def scalar(db: Database, sql: str, params: Params = ()) -> Any:
    """The first column of the first row (None when there is no row)."""
    row = one(db, sql, params)
    return None if row is None else row[0]


class SqlMixin:
    """Base of the concern mixins: they run their SQL on `_db`, grouped by `transaction()`."""

    _db: Database

    def transaction(self) -> AbstractContextManager[None]:
        """One atomic unit of work; nested calls become savepoints of the outer transaction."""
        return self._db.transaction()
