"""The versioned schema: `MIGRATIONS[n - 1]` takes a database from version n - 1 to version n.

The version lives in `PRAGMA user_version`. Opening a store applies every missing step in order, each step in
its own transaction together with the version bump, so a database is always at exactly one version.

How the schema grows:
- Version 1 is assembled from each mixin module's `SCHEMA` string (`CREATE TABLE IF NOT EXISTS ...`). To add
  your tables: write `briefing/store/<yours>.py` with a `SCHEMA` and a mixin class (`_db: sqlite3.Connection`,
  `with self.transaction(): ...` for multi-row changes), add the module to `_MIXIN_MODULES` below and the class
  to the bases of `Store` in `briefing/store/__init__.py`. Until the first release, edit your own `SCHEMA`
  freely (delete your local database to pick the change up).
- After a release, never edit a shipped step: append a new SQL string to `MIGRATIONS` (ALTER TABLE, new
  tables, data fixes). It runs once, in place, on every existing database.
"""

from __future__ import annotations

from types import ModuleType

from briefing.store import clusters, editions, feeds, runs, sends, summaries

_MIXIN_MODULES: list[ModuleType] = [feeds, runs, editions, sends, clusters, summaries]


def _version_1() -> str:
    return "\n".join(module.SCHEMA for module in _MIXIN_MODULES)


MIGRATIONS: list[str] = [
    _version_1(),
    # 2: what each item is (news, opinion, live, roundup, promo, other); existing articles count as news
    "ALTER TABLE articles ADD COLUMN kind TEXT NOT NULL DEFAULT 'news';",
    # 3: placeholder dates (the .NET/Go zero date, year 1) stored by older versions broke date arithmetic in every
    # later stage; such an article counts as published when it was first seen, as parse now decides
    "UPDATE articles SET published = first_seen WHERE published < '1990-01-01';",
    # 4: the process running each run, so that a run whose process was killed is marked at the next start
    "ALTER TABLE runs ADD COLUMN pid INTEGER;",
]
