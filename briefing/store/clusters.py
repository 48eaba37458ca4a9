"""Which story each article belongs to: article -> cluster id, and what each cluster counts.

An article belongs to at most one cluster, and a cluster id never changes once given (`briefing.cluster` derives
it from the founding article). Clusters come back with their articles, whatever the window: a story that began
before the window still shows where it began.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from briefing.models import Article, Cluster
from briefing.store._codec import to_db_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters (
    id TEXT PRIMARY KEY,                  -- "c-" + hex, stable across polls and editions
    duplicates INTEGER NOT NULL DEFAULT 0 -- near-identical wire copies folded into the cluster
);

CREATE TABLE IF NOT EXISTS cluster_articles (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS cluster_articles_cluster ON cluster_articles (cluster_id);
"""


class ClusterStore:
    """Mixin of `Store`: cluster assignments. Needs the articles of `FeedStore`."""

    _db: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Store (FeedStore)

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def articles_by_id(self, ids: Iterable[str]) -> dict[str, Article]: ...

    def save_clusters(self, clusters: Iterable[Cluster]) -> None:
        """Record clusters and their articles in one transaction (an article moves if it was elsewhere)."""
        with self.transaction():
            for cluster in clusters:
                self._db.execute(
                    "INSERT INTO clusters (id, duplicates) VALUES (?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET duplicates = excluded.duplicates",
                    (cluster.id, cluster.duplicates),
                )
                self._db.executemany(
                    "INSERT INTO cluster_articles (article_id, cluster_id) VALUES (?, ?)"
                    " ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id",
                    [(article.id, cluster.id) for article in cluster.articles],
                )

    def clusters_between(self, start: datetime, end: datetime) -> list[Cluster]:
        """Clusters with an article published in [start, end), each with all its articles.

        Ordered by their first article (published, id), so the order is reproducible.
        """
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT DISTINCT ca.cluster_id FROM articles a JOIN cluster_articles ca ON ca.article_id = a.id"
                " WHERE a.published >= ? AND a.published < ?",
                (to_db_time(start), to_db_time(end)),
            )
        ]
        return self._clusters(ids)

    def clusters_by_id(self, ids: Iterable[str]) -> dict[str, Cluster]:
        """The stored clusters among `ids`, with their articles (unknown ids are simply absent)."""
        return {cluster.id: cluster for cluster in self._clusters(list(dict.fromkeys(ids)))}

    def unclustered_articles(self, since: datetime | None = None) -> list[Article]:
        """Stored articles not yet in any cluster (published at or after `since`), oldest first."""
        rows = self._db.execute(
            "SELECT a.id FROM articles a LEFT JOIN cluster_articles ca ON ca.article_id = a.id"
            " WHERE ca.cluster_id IS NULL AND a.published >= ? ORDER BY a.published, a.id",
            (to_db_time(since) if since else "",),
        ).fetchall()
        found = self.articles_by_id(row[0] for row in rows)
        return [found[row[0]] for row in rows if row[0] in found]

    def _clusters(self, ids: list[str]) -> list[Cluster]:
        members: dict[str, list[str]] = {}
        duplicates: dict[str, int] = {}
        for start in range(0, len(ids), 500):  # well under SQLite's variable limit
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for cluster_id, count in self._db.execute(
                f"SELECT id, duplicates FROM clusters WHERE id IN ({marks})", chunk
            ):
                duplicates[cluster_id] = count
            for article_id, cluster_id in self._db.execute(
                f"SELECT article_id, cluster_id FROM cluster_articles WHERE cluster_id IN ({marks})", chunk
            ):
                members.setdefault(cluster_id, []).append(article_id)
        articles = self.articles_by_id(a for group in members.values() for a in group)
        clusters = []
        for cluster_id, article_ids in members.items():
            found = sorted((articles[a] for a in article_ids if a in articles), key=lambda a: (a.published, a.id))
            if found:
                clusters.append(Cluster(cluster_id, tuple(found), duplicates.get(cluster_id, 0)))
        return sorted(clusters, key=lambda c: (c.articles[0].published, c.articles[0].id, c.id))
