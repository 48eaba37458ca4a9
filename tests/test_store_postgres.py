"""What only the PostgreSQL store does: connecting (the password from the environment, never the file), its own
migrations, the advisory instance lock, and the same tables and columns as SQLite."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from briefing.config import load_settings
from briefing.errors import BriefingError, StoreError
from briefing.store import open_store, open_store_from_settings
from briefing.store.postgres import POOL_SIZE, open_postgres_store, redact_url, schema
from briefing.store.postgres._database import to_psycopg
from briefing.store.schema import TABLES
from briefing.store.sqlite import open_sqlite_store


def columns_of(store: object, table: str) -> list[str]:
    return sorted(store.table_columns(table))  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------ placeholders


@pytest.mark.parametrize(
    ("portable", "psycopg_sql"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("VALUES (:key, :url)", "VALUES (%(key)s, %(url)s)"),
        ("WHERE id = ANY(?::text[])", "WHERE id = ANY(%s::text[])"),
        ("WHERE a LIKE '50%?' AND b = ?", "WHERE a LIKE '50%%?' AND b = %s"),
        ("SELECT 'it''s :not ?' || ?", "SELECT 'it''s :not ?' || %s"),
        ("SELECT 100 % 7", "SELECT 100 %% 7"),
    ],
)
def test_portable_placeholders_become_psycopgs(portable: str, psycopg_sql: str) -> None:
    assert to_psycopg(portable) == psycopg_sql


# -------------------------------------------------------------------------------------------- migrations


def test_a_new_database_is_migrated_to_every_table(postgres_url: str, postgres_password: str | None) -> None:
    with open_store(postgres_url, password=postgres_password) as store:
        tables = {
            row[0] for row in store._db.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }  # type: ignore[attr-defined]
        assert (store.schema_version, tables) == (len(schema.MIGRATIONS), {*TABLES, "briefing_schema"})


def test_both_engines_have_the_same_columns_in_every_table(
    postgres_store_url: str, postgres_password: str | None, tmp_path: Path
) -> None:
    with (
        open_sqlite_store(tmp_path / "briefing.sqlite") as lite,
        open_store(postgres_store_url, password=postgres_password) as server,
    ):
        differences = {
            table: sorted(set(columns_of(lite, table)) ^ set(columns_of(server, table)))
            for table in TABLES
            if columns_of(lite, table) != columns_of(server, table)
        }
    assert differences == {}


def test_two_processes_opening_a_new_database_migrate_it_once(postgres_url: str, postgres_password: str | None) -> None:
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            open_store(postgres_url, password=postgres_password).close()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with open_store(postgres_url, password=postgres_password) as store:
        assert (errors, store.schema_version) == ([], len(schema.MIGRATIONS))


def test_a_database_from_a_newer_briefing_is_refused(postgres_store_url: str, postgres_password: str | None) -> None:
    with psycopg.connect(postgres_store_url, password=postgres_password, autocommit=True) as admin:
        admin.execute("UPDATE briefing_schema SET version = 99")
        try:
            with pytest.raises(StoreError, match="schema version 99, newer than this briefing knows"):
                open_store(postgres_store_url, password=postgres_password)
        finally:
            admin.execute("UPDATE briefing_schema SET version = %s", (len(schema.MIGRATIONS),))


# -------------------------------------------------------------------------------------------- connecting


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f"database_url: '{url}'\nsections: [{{name: World, feeds: [{{url: 'http://127.0.0.1:9/x'}}]}}]\n")
    return path


def test_the_password_comes_from_briefing_database_password(
    tmp_path: Path, postgres_store_url: str, postgres_password: str | None
) -> None:
    settings = load_settings(
        write_config(tmp_path, postgres_store_url), {"BRIEFING_DATABASE_PASSWORD": postgres_password or ""}
    )
    with open_store_from_settings(settings) as store:
        assert store.backend == "postgresql"


def test_a_wrong_password_is_one_line_naming_the_database(
    postgres_store_url: str, postgres_password: str | None
) -> None:
    if postgres_password is None:
        pytest.skip("the test server asks for no password")
    with pytest.raises(StoreError) as raised:
        open_postgres_store(postgres_store_url, password="not-the-password")
    message = str(raised.value)
    assert message.startswith(f"cannot connect to the database {postgres_store_url}: ")
    assert ("password authentication failed" in message, "\n" in message) == (True, False)


def test_a_server_that_is_not_there_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to the database postgresql://nobody@127\.0\.0\.1:9/none: "):
        open_postgres_store("postgresql://nobody@127.0.0.1:9/none")


def test_a_password_written_into_a_url_is_never_shown() -> None:
    assert (
        redact_url("postgresql://ann:s3cret@db.example:5432/briefing")
        == "postgresql://ann:***@db.example:5432/briefing"
    )


# ---------------------------------------------------------------------------------------------- the lock


def test_a_refused_instance_lock_names_the_holder(postgres_store_url: str, postgres_password: str | None) -> None:
    with (
        open_store(postgres_store_url, password=postgres_password) as first,
        open_store(postgres_store_url, password=postgres_password) as second,
        first.instance_lock(),
        pytest.raises(BriefingError, match=r"another briefing \(briefing pid \d+ on .+, server pid \d+\)"),
        second.instance_lock(),
    ):
        pass


def test_the_lock_goes_with_its_session(postgres_store_url: str, postgres_password: str | None) -> None:
    """A holder that dies never leaves the lock behind: it belongs to the session, which the server ends."""
    with (
        open_store(postgres_store_url, password=postgres_password) as first,
        open_store(postgres_store_url, password=postgres_password) as second,
        psycopg.connect(postgres_store_url, password=postgres_password, autocommit=True) as admin,
        first.instance_lock(),
    ):
        [holder] = admin.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted").fetchall()
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", holder)  # as when the holder's process is killed
        with second.instance_lock():
            taken = True
    assert taken


def test_a_store_holds_no_more_connections_than_its_pool(
    postgres_store_url: str, postgres_password: str | None
) -> None:
    with open_store(postgres_store_url, password=postgres_password) as store, store.instance_lock():
        for _ in range(20):
            store.runs()
        stats = store._db.pool.get_stats()  # type: ignore[attr-defined]
    assert stats["pool_size"] <= POOL_SIZE
