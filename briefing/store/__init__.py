"""The store: the only module that speaks SQL. SQLite (WAL) is the embedded default; backends live in
`briefing.store.sqlite` (and, later, `briefing.store.postgres`)."""

from __future__ import annotations

from briefing.store.sqlite import Store, open_store, open_store_from_settings, sqlite_path_from_url

__all__ = ["Store", "open_store", "open_store_from_settings", "sqlite_path_from_url"]
