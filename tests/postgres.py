"""Fixtures for running store tests on both backends.

SQLite needs nothing. PostgreSQL needs a server: `BRIEFING_TEST_POSTGRES_URL` (for example
`postgresql://postgres@127.0.0.1:5432/postgres`) and, when it asks for one, `BRIEFING_TEST_POSTGRES_PASSWORD`.
`.ci/run` starts a throwaway server and sets both (`eval "$(.ci/postgres start DIR)"` does the same by hand);
without them the PostgreSQL half of each test skips with a message saying so.

A PostgreSQL store test gets an empty store in a schema migrated once per session and emptied before each
test (creating tables costs PostgreSQL a third of a second each time; deleting a few rows costs nothing); a test
that needs a database nobody has migrated yet asks for `postgres_url`, a schema of its own (`search_path` in
the URL), dropped afterwards. Advisory locks are keyed by schema, so they never collide with other runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from briefing.store import open_store
from briefing.store.schema import TABLES

BACKENDS = ("sqlite", "postgresql")
NO_SERVER = (
    "PostgreSQL tests need a server: set BRIEFING_TEST_POSTGRES_URL (and BRIEFING_TEST_POSTGRES_PASSWORD); "
    '.ci/run starts one, or run eval "$(.ci/postgres start /tmp/pg)"'
)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server's URL, or a skip with the reason."""
    url = os.environ.get("BRIEFING_TEST_POSTGRES_URL")
    if not url:
        pytest.skip(NO_SERVER)
    return url


@pytest.fixture(scope="session")
def postgres_password() -> str | None:
    return os.environ.get("BRIEFING_TEST_POSTGRES_PASSWORD") or None


@contextmanager
def _schema(server: str, password: str | None) -> Iterator[tuple[str, psycopg.Connection[Any]]]:
    """A new schema, its URL (with `search_path`) and an admin connection; dropped on exit."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, password=password, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            separator = "&" if "?" in server else "?"
            yield f"{server}{separator}options={quote(f'-csearch_path={schema}')}", admin
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_url(postgres_server: str, postgres_password: str | None) -> Iterator[str]:
    """A URL whose tables live in a fresh, unmigrated schema of their own, dropped after the test."""
    with _schema(postgres_server, postgres_password) as (url, _):
        yield url


@pytest.fixture(scope="session")
def _shared_schema(postgres_server: str, postgres_password: str | None) -> Iterator[tuple[str, Any]]:
    with _schema(postgres_server, postgres_password) as (url, admin):
        open_store(url, password=postgres_password).close()  # migrated once
        yield url, admin


@pytest.fixture
def postgres_store_url(_shared_schema: tuple[str, psycopg.Connection[Any]]) -> str:
    """The URL of a migrated, empty PostgreSQL store (the session's schema, emptied now)."""
    url, admin = _shared_schema
    schema = url.rsplit("%3D", 1)[-1]
    with admin.transaction():
        for table in reversed(TABLES):
            admin.execute(f"DELETE FROM {schema}.{table}")
        admin.execute(f"ALTER SEQUENCE {schema}.runs_id_seq RESTART")
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives on this test's backend: a SQLite file URL, or a PostgreSQL schema's URL."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'briefing.sqlite'}"
    return str(request.getfixturevalue("postgres_store_url"))


@pytest.fixture
def database_password(backend: str, postgres_password: str | None) -> str | None:
    """The password a store on this backend is opened with (BRIEFING_DATABASE_PASSWORD in a deployment)."""
    return postgres_password if backend == "postgresql" else None
