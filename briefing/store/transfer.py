"""`briefing store migrate`: copy every row of one store into another, empty one, and prove the counts match.

The tables go in `TABLES` order (each after those it refers to), a batch at a time, all inside one transaction
of the target: a copy that fails half-way leaves the target as empty as it was. Columns are copied by name;
the two stores must have the same tables and columns (both at this briefing's latest schema). Each backend
inserts its own fastest way (`bulk_insert`: executemany on SQLite, COPY on PostgreSQL) and fixes what its
engine needs afterwards (`finish_copy`: PostgreSQL moves its id sequences past the copied ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from briefing.errors import StoreError
from briefing.models import StoreStats
from briefing.store._sql import SqlMixin
from briefing.store.schema import TABLES


class Copyable(Protocol):
    """Either end of a copy: any backend's store."""

    location: str

    def stats(self) -> StoreStats: ...
    def transaction(self) -> Any: ...
    def table_columns(self, table: str) -> list[str]: ...
    def read_table(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]: ...
    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...
    def finish_copy(self) -> None: ...


class TransferSql(SqlMixin):
    """Reading whole tables in batches, for the copy (the writing side is each backend's `bulk_insert`)."""

    def read_table(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        for rows in self._db.stream(f"SELECT {', '.join(columns)} FROM {table}"):
            yield [tuple(row[column] for column in columns) for row in rows]


def copy_store(source: Copyable, target: Copyable) -> dict[str, tuple[int, int]]:
    """Copy every table of `source` into the empty `target`; return {table: (rows in source, rows in target)}.

    Raises `StoreError` (and leaves the target empty) when the target holds data, the schemas differ, or the
    counts do not match after the copy."""
    _check_empty(target)
    columns = {table: _same_columns(source, target, table) for table in TABLES}
    with target.transaction():
        for table in TABLES:
            for batch in source.read_table(table, columns[table]):
                target.bulk_insert(table, columns[table], batch)
        target.finish_copy()
        counts = _counts(source, target)
        wrong = [f"{table} ({a} -> {b})" for table, (a, b) in counts.items() if a != b]
        if wrong:
            raise StoreError(f"the copy to {target.location} does not match its source: {', '.join(wrong)}")
    return counts


def _check_empty(target: Copyable) -> None:
    held = {table: count for table, count in target.stats().rows.items() if count}
    if held:
        listed = ", ".join(f"{table} ({count})" for table, count in held.items())
        raise StoreError(
            f"the target store {target.location} is not empty: {listed}",
            hint="migrate into a new, empty database (it is created and migrated on first use)",
        )


def _same_columns(source: Copyable, target: Copyable, table: str) -> list[str]:
    ours, theirs = source.table_columns(table), target.table_columns(table)
    if sorted(ours) != sorted(theirs):
        raise StoreError(
            f"table {table} differs between {source.location} and {target.location}: {sorted(set(ours) ^ set(theirs))}",
            hint="open both stores with the same briefing version first (that migrates them to the same schema)",
        )
    return ours


def _counts(source: Copyable, target: Copyable) -> dict[str, tuple[int, int]]:
    before, after = source.stats().rows, target.stats().rows
    return {table: (before[table], after[table]) for table in TABLES}
