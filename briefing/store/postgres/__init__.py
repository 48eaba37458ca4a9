"""The server store: PostgreSQL through psycopg 3, for deployments that outgrow one file.

Selected by `database_url: postgresql://user@host:port/dbname`. The password never comes from the file: it is
`BRIEFING_DATABASE_PASSWORD` when set, else whatever libpq finds itself (`PGPASSWORD`, `~/.pgpass`,
`PGPASSFILE`). Connections come from a small pool (`POOL_SIZE`), so a long-running `schedule` reuses them and
the instance lock can hold one while the work uses the others.

What only PostgreSQL has lives here: connecting, its migrations (`schema.py`, versioned in `briefing_schema`),
the instance lock as a session advisory lock (held by the pooled connection that took it, released when it is
returned or the connection drops, so a crashed process never leaves it behind), VACUUM after a prune, sizes
from `pg_total_relation_size`, and COPY for `briefing store migrate`. Every query is the portable SQL of the
concern mixins, run by `PostgresDatabase`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from briefing.errors import BriefingError, StoreError
from briefing.store._sql import scalar
from briefing.store.portable import PortableSql
from briefing.store.postgres._database import PgConnection, PostgresDatabase, pg_row
from briefing.store.postgres.schema import MIGRATIONS
from briefing.store.schema import TABLES

__all__ = ["MIGRATIONS", "PostgresStore", "open_postgres_store", "redact_url"]

POOL_SIZE = 4  # the work's connection, the instance lock's, and room for a reader
CONNECT_TIMEOUT_S = 10
# Advisory lock keys: (briefing's class, what), the second key of the instance lock being the schema's hash,
# so two briefings in two schemas of one database do not lock each other out.
_LOCK_CLASS = 0x62726966  # "brif"
_MIGRATION_LOCK = 1


class PostgresStore(PortableSql):
    """An open PostgreSQL store: every concern of `briefing.store.Store`. A context manager; or `close()`."""

    backend = "postgresql"
    _db: PostgresDatabase

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self.location = db.location

    @property
    def schema_version(self) -> int:
        return int(scalar(self._db, "SELECT version FROM briefing_schema"))

    @contextmanager
    def instance_lock(self) -> Iterator[None]:
        """A session advisory lock on its own pooled connection, held for the duration."""
        key = "hashtext(current_schema())"
        with self._db.errors(), self._db.pool.connection() as connection:
            taken = connection.execute(f"SELECT pg_try_advisory_lock(%s, {key})", (_LOCK_CLASS,)).fetchone()
            if not (taken and taken[0]):
                raise BriefingError(
                    f"another briefing ({self._lock_holder(connection)}) is already running the schedule;"
                    f" lock: advisory lock in {self.location}",
                    hint="wait for it to finish, or stop it first",
                )
            try:
                yield
            finally:
                with suppress(psycopg.OperationalError):  # a lost connection took its session's lock with it
                    connection.execute(f"SELECT pg_advisory_unlock(%s, {key})", (_LOCK_CLASS,))

    @contextmanager
    def delivery_lock(self) -> Iterator[None]:
        """A blocking session advisory lock on its own pooled connection: every send path takes it, so one
        process sends at a time; it goes with the session if the holder dies."""
        key = "hashtext(current_schema() || ':deliver')"
        with self._db.errors(), self._db.pool.connection() as connection:
            connection.execute(f"SELECT pg_advisory_lock(%s, {key})", (_LOCK_CLASS,))
            try:
                yield
            finally:
                with suppress(psycopg.OperationalError):
                    connection.execute(f"SELECT pg_advisory_unlock(%s, {key})", (_LOCK_CLASS,))

    def _lock_holder(self, connection: PgConnection) -> str:
        row = connection.execute(
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s"
            " AND l.objid = hashtext(current_schema())::oid AND l.objsubid = 2",
            (_LOCK_CLASS,),
        ).fetchone()
        return f"{row[0] or 'unnamed'}, server pid {row[1]}" if row else "unknown"

    # ----------------------------------------------------------------------------------------- maintenance

    def _size_bytes(self) -> int:
        """Tables, indexes and TOAST of briefing's tables (not the rest of the database)."""
        parts = " + ".join(f"pg_total_relation_size('{table}')" for table in TABLES)
        return int(scalar(self._db, f"SELECT {parts}"))

    def _reclaim(self) -> None:
        """VACUUM makes the space of deleted rows reusable (it stays with the tables; VACUUM FULL would give it
        back to the file system, but locks each table while it rewrites it)."""
        with self._db.errors(), self._db.pool.connection() as connection:
            connection.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")

    # -------------------------------------------------------------------------------------------- transfer

    def table_columns(self, table: str) -> list[str]:
        rows = self._db.query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [row[0] for row in rows]

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with (
            self._db.errors(),
            self._db.connection() as connection,
            connection.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def finish_copy(self) -> None:
        """Move the runs log's id sequence past the copied ids."""
        self._db.query("SELECT setval(pg_get_serial_sequence('runs', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM runs")

    # ----------------------------------------------------------------------------------------------- close

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_postgres_store(url: str, password: str | None = None) -> PostgresStore:
    """Connect to the database at `url` (a libpq URL), migrate it, and open the pool; `password` overrides
    libpq's own. The first connection is made directly, so a wrong password or an absent server fails at once
    with libpq's reason rather than after the pool's timeout."""
    location = redact_url(url)
    try:
        with psycopg.connect(url, **_connection_options(password)) as connection:
            _migrate(connection, location)
    except psycopg.Error as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        raise StoreError(
            f"cannot connect to the database {location}: {reason}",
            hint="check database_url, that the server runs, and the password (BRIEFING_DATABASE_PASSWORD or ~/.pgpass)",
        ) from error
    pool: ConnectionPool[PgConnection] = ConnectionPool(
        url, kwargs=_connection_options(password), min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT_S, open=False
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except PoolTimeout as error:
        pool.close()
        raise StoreError(f"cannot connect to the database {location}: {error}") from error
    return PostgresStore(PostgresDatabase(pool, location))


def redact_url(url: str) -> str:
    """The URL as it may be shown: without a password, should one have been written into it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _connection_options(password: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {
        "autocommit": True,  # transactions are explicit (`PostgresDatabase.transaction`)
        "row_factory": pg_row,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": f"briefing pid {os.getpid()} on {socket.gethostname()}"[:63],
    }
    if password:
        options["password"] = password
    return options


def _migrate(connection: PgConnection, location: str) -> None:
    """Apply every missing step, each in one transaction with its version bump, under an advisory lock and
    re-checked, so two processes opening a new database do not both migrate it (PostgreSQL's DDL is
    transactional, so a failing step leaves the database at its old version)."""
    for version in range(1, len(MIGRATIONS) + 1):
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_CLASS, _MIGRATION_LOCK))
            current = _version(connection)
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"the database {location} is at schema version {current}, newer than this briefing knows"
                    f" ({len(MIGRATIONS)})",
                    hint="upgrade briefing, or point database_url at another database",
                )
            if current < version:
                connection.execute(MIGRATIONS[version - 1])  # several statements: no parameters, simple protocol
                connection.execute("UPDATE briefing_schema SET version = %s", (version,))


def _version(connection: PgConnection) -> int:
    """The schema's version, creating its one-row table at 0 in a new database (inside the caller's lock)."""
    connection.execute("CREATE TABLE IF NOT EXISTS briefing_schema (version INTEGER NOT NULL)")
    connection.execute(
        "INSERT INTO briefing_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM briefing_schema)"
    )
    row = connection.execute("SELECT version FROM briefing_schema").fetchone()
    return int(row[0]) if row else 0
