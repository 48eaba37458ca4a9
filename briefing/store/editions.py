"""Stored editions, and which articles and clusters each one reported.

What an edition reported is what makes the next one honest: an article is reported once, and a cluster seen
in an earlier edition comes back only as an update. A rebuild of the same edition id ignores its own earlier
record, so rebuilding with no new input gives the same edition.
"""

from __future__ import annotations

import json
from datetime import datetime

from briefing.models import Edition, edition_from_dict, edition_to_dict
from briefing.store._codec import from_db_time, to_db_time
from briefing.store._sql import SqlMixin, one

# Storing an edition and publishing its files are one recoverable step: an edition is stored unpublished,
# its files are written, then it is marked published; a run that finds an unpublished edition completes it.


class EditionsSql(SqlMixin):
    """Stored editions and what each reported (`EditionStore`)."""

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
            self._db.execute_many(
                "INSERT INTO edition_articles (edition_id, article_id, cluster_id) VALUES (?,?,?)"
                " ON CONFLICT (edition_id, article_id) DO NOTHING",
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
        rows = self._db.query(
            "SELECT json FROM editions AS e WHERE NOT EXISTS"
            " (SELECT 1 FROM edition_publications AS p WHERE p.edition_id = e.id) ORDER BY window_end, id"
        )
        return [edition_from_dict(json.loads(row[0])) for row in rows]

    def built_at(self, edition_id: str) -> datetime | None:
        row = one(self._db, "SELECT built_at FROM editions WHERE id = ?", (edition_id,))
        return from_db_time(row[0]) if row else None

    def latest_edition_id(self) -> str | None:
        """The most recently generated edition's id."""
        row = one(self._db, "SELECT id FROM editions ORDER BY built_at DESC, id DESC LIMIT 1")
        return row[0] if row else None

    def edition(self, edition_id: str) -> Edition | None:
        row = one(self._db, "SELECT json FROM editions WHERE id = ?", (edition_id,))
        return edition_from_dict(json.loads(row[0])) if row else None

    def editions(self) -> list[Edition]:
        """All editions, oldest first."""
        rows = self._db.query("SELECT json FROM editions ORDER BY window_end, id")
        return [edition_from_dict(json.loads(row[0])) for row in rows]

    def previous_edition(self, before: datetime, exclude_id: str) -> tuple[Edition, datetime] | None:
        """The latest other edition whose window ended at or before `before`, with when it was built."""
        rows = self._db.query(
            "SELECT json, built_at, window_end FROM editions WHERE id != ? AND window_end <= ?"
            " ORDER BY window_end DESC, id DESC LIMIT 1",
            (exclude_id, to_db_time(before)),
        )
        if not rows:
            return None
        return edition_from_dict(json.loads(rows[0][0])), from_db_time(rows[0][1])

    def reported_articles(self, exclude_edition: str) -> set[str]:
        rows = self._db.query("SELECT article_id FROM edition_articles WHERE edition_id != ?", (exclude_edition,))
        return {row[0] for row in rows}

    def reported_clusters(self, exclude_edition: str) -> set[str]:
        rows = self._db.query("SELECT cluster_id FROM edition_articles WHERE edition_id != ?", (exclude_edition,))
        return {row[0] for row in rows}
