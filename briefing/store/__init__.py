"""The store: the only module that speaks SQL. SQLite (one file, WAL) is the default; PostgreSQL serves
deployments that outgrow one file.

Consumers type against the Protocols of `briefing.store.protocols` (one per concern; `Store` is all of them)
and never see a driver. Each concern's SQL is written once, portably (`_sql` says what that means), in the
mixin modules beside this one (`feeds`, `clusters`, `summaries`, `editions`, `sends`, `runs`, `retention`,
`transfer`); `sqlite/` and `postgres/` hold only what differs (connections, migrations, locks, vacuum, sizes,
bulk copy). Values go in and come out as models from `briefing.models`; times are ISO-8601 UTC text in both
engines. Every multi-row change runs inside `store.transaction()`; transactions nest as savepoints. A damaged
database, a full disk or an unwritable file is a one-line `StoreError` naming the file and what to do, from a
read, a write or the COMMIT (`sqlite/_damage.py`); `integrity_problems` backs `briefing store check`.

    with open_store_from_settings(settings) as store:
        store.sync_feeds(feeds_from_settings(settings))
        for feed in store.due_feeds(now): ...
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from briefing.errors import ConfigError
from briefing.store.protocols import (
    ArticleStore,
    ClusterStore,
    EditionStore,
    FeedStore,
    InstanceLock,
    Maintenance,
    RunStore,
    ScheduleLedger,
    SendStore,
    Store,
    SummaryStore,
)
from briefing.store.sqlite import SqliteStore, integrity_problems, open_sqlite_store
from briefing.store.transfer import copy_store

if TYPE_CHECKING:
    from briefing.config import Settings
    from briefing.store.postgres import PostgresStore

__all__ = [
    "ArticleStore",
    "ClusterStore",
    "EditionStore",
    "FeedStore",
    "InstanceLock",
    "Maintenance",
    "RunStore",
    "ScheduleLedger",
    "SendStore",
    "Store",
    "SummaryStore",
    "database_file",
    "integrity_problems",
    "migrate_store",
    "open_store",
    "open_store_from_settings",
]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(location: Path | str, *, password: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `location`: a SQLite file path, `sqlite:///PATH`,
    or `postgresql://user@host/db` (`password`, when given, overrides what libpq would find)."""
    return _open(location, password)


def open_store_from_settings(settings: Settings) -> Store:
    """The store the settings name: `database_url` when set, else the SQLite file `database`."""
    return _open(_location(settings), settings.database_password)


def migrate_store(settings: Settings, target: str) -> dict[str, tuple[int, int]]:
    """`briefing store migrate --to TARGET`: copy the configured store into the empty store at `target` (a
    database URL or a SQLite path), verify the row counts, and return them by table (source, target)."""
    with (
        _open(_location(settings), settings.database_password) as source,
        _open(_beside_config(target, settings), settings.database_password) as copy,
    ):
        return copy_store(source, copy)


def database_file(settings: Settings) -> Path | None:
    """The SQLite file the settings name (None for a PostgreSQL store)."""
    location = _location(settings)
    return location if isinstance(location, Path) else None


def _location(settings: Settings) -> Path | str:
    if settings.database_url is None:
        return settings.database_path
    return _beside_config(settings.database_url, settings)


def _beside_config(location: str, settings: Settings) -> Path | str:
    """A database URL as it is; a SQLite path or `sqlite:///` URL relative to the config file's folder."""
    if location.startswith(_POSTGRES_SCHEMES):
        return location
    path = sqlite_path_from_url(location) if "://" in location else Path(location)
    return settings.resolve(str(path))


def _open(location: Path | str, password: str | None) -> SqliteStore | PostgresStore:
    if isinstance(location, str) and location.startswith(_POSTGRES_SCHEMES):
        from briefing.store.postgres import open_postgres_store  # psycopg loads only for a PostgreSQL store

        return open_postgres_store(location, password)
    return open_sqlite_store(sqlite_path_from_url(location) if isinstance(location, str) else location)


def sqlite_path_from_url(url: str) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` -> the path; a plain path is itself; other
    schemes are refused."""
    prefix = "sqlite:///"
    if "://" not in url:
        return Path(url)
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError(
            f"database_url: expected postgresql://user@host/dbname or sqlite:///PATH, got {url!r}",
            hint="or remove database_url and set `database: state/briefing.sqlite`",
        )
    return Path(url[len(prefix) :])
