"""Stored editions, and which articles and clusters each one reported.

What an edition reported is what makes the next one honest: an article is reported once, and a cluster seen
in an earlier edition comes back only as an update. A rebuild of the same edition id ignores its own earlier
record, so rebuilding with no new input gives the same edition.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime

from briefing.models import Edition, edition_from_dict, edition_to_dict
from briefing.store._codec import from_db_time, to_db_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS editions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    built_at TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS editions_window_end ON editions(window_end);
CREATE TABLE IF NOT EXISTS edition_articles (
    edition_id TEXT NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    PRIMARY KEY (edition_id, article_id)
);
CREATE INDEX IF NOT EXISTS edition_articles_article ON edition_articles(article_id);
CREATE INDEX IF NOT EXISTS edition_articles_cluster ON edition_articles(cluster_id);
"""

# Storing an edition and publishing its files are one recoverable step: an edition is stored unpublished,
# its files are written, then it is marked published; a run that finds an unpublished edition completes it.
MIGRATION_PUBLISHED = """
CREATE TABLE IF NOT EXISTS edition_publications (
    edition_id TEXT PRIMARY KEY REFERENCES editions(id) ON DELETE CASCADE,
    published_at TEXT NOT NULL
);
INSERT INTO edition_publications (edition_id, published_at) SELECT id, built_at FROM editions WHERE true
    ON CONFLICT (edition_id) DO NOTHING;
"""


class EditionStore:
    _db: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # provided by Store

    def save_edition(self, edition: Edition, built_at: datetime) -> None:
        """Store (or replace) an edition and the articles it reported, in one transaction, as not yet published."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO editions (id, name, window_start, window_end, built_at, json) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET name=excluded.name, window_start=excluded.window_start,"
                " window_end=excluded.window_end, built_at=excluded.built_at, json=excluded.json",
                (
                    edition.id,
                    edition.name,
                    to_db_time(edition.window_start),
                    to_db_time(edition.window_end),
                    to_db_time(built_at),
                    json.dumps(edition_to_dict(edition), sort_keys=True),
                ),
            )
            self._db.execute("DELETE FROM edition_publications WHERE edition_id = ?", (edition.id,))
            self._db.execute("DELETE FROM edition_articles WHERE edition_id = ?", (edition.id,))
            self._db.executemany(
                "INSERT OR IGNORE INTO edition_articles (edition_id, article_id, cluster_id) VALUES (?,?,?)",
                [(edition.id, ref.id, story.id) for story in edition.stories for ref in story.articles],
            )

    def mark_published(self, edition_id: str, now: datetime) -> None:
        """Record that the edition's files are in place."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO edition_publications (edition_id, published_at) VALUES (?, ?)"
                " ON CONFLICT (edition_id) DO UPDATE SET published_at = excluded.published_at",
                (edition_id, to_db_time(now)),
            )

    def unpublished_editions(self) -> list[Edition]:
        """Editions stored by a run that stopped before their files were in place, oldest first."""
        rows = self._db.execute(
            "SELECT json FROM editions AS e WHERE NOT EXISTS"
            " (SELECT 1 FROM edition_publications AS p WHERE p.edition_id = e.id) ORDER BY window_end, id"
        ).fetchall()
        return [edition_from_dict(json.loads(row[0])) for row in rows]

    def built_at(self, edition_id: str) -> datetime | None:
        row = self._db.execute("SELECT built_at FROM editions WHERE id = ?", (edition_id,)).fetchone()
        return from_db_time(row[0]) if row else None

    def latest_edition_id(self) -> str | None:
        """The most recently generated edition's id."""
        row = self._db.execute("SELECT id FROM editions ORDER BY built_at DESC, id DESC").fetchone()
        return row[0] if row else None

    def edition(self, edition_id: str) -> Edition | None:
        row = self._db.execute("SELECT json FROM editions WHERE id = ?", (edition_id,)).fetchone()
        return edition_from_dict(json.loads(row[0])) if row else None

    def editions(self) -> list[Edition]:
        """All editions, oldest first."""
        rows = self._db.execute("SELECT json FROM editions ORDER BY window_end, id").fetchall()
        return [edition_from_dict(json.loads(row[0])) for row in rows]

    def previous_edition(self, before: datetime, exclude_id: str) -> tuple[Edition, datetime] | None:
        """The latest other edition whose window ended at or before `before`, with when it was built."""
        rows = self._db.execute(
            "SELECT json, built_at, window_end FROM editions WHERE id != ? ORDER BY window_end DESC", (exclude_id,)
        ).fetchall()
        for row in rows:
            if from_db_time(row[2]) <= before:
                return edition_from_dict(json.loads(row[0])), from_db_time(row[1])
        return None

    def reported_articles(self, exclude_edition: str) -> set[str]:
        return set(self._column("SELECT article_id FROM edition_articles WHERE edition_id != ?", exclude_edition))

    def reported_clusters(self, exclude_edition: str) -> set[str]:
        return set(self._column("SELECT cluster_id FROM edition_articles WHERE edition_id != ?", exclude_edition))

    def _column(self, sql: str, *args: object) -> Iterator[str]:
        return (row[0] for row in self._db.execute(sql, args))
