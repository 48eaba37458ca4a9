"""Which story each article belongs to: article -> cluster id, and what each cluster counts.

An article belongs to at most one cluster, and a cluster id never changes once given (`briefing.cluster` derives
it from the founding article). Clusters come back with their articles, whatever the window: a story that began
before the window still shows where it began.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from briefing.models import Article, Cluster
from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin


class ClustersSql(SqlMixin):
    """Cluster assignments (`ClusterStore`). Needs the articles of `FeedsSql`."""

    if TYPE_CHECKING:  # provided by the store (FeedsSql)

        def articles_by_id(self, ids: Iterable[str]) -> dict[str, Article]: ...

    def save_clusters(self, clusters: Iterable[Cluster]) -> None:
        """Record clusters and their articles in one transaction (an article moves if it was elsewhere)."""
        clusters = list(clusters)
        with self.transaction():
            self._db.execute_many(
                "INSERT INTO clusters (id, duplicates) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET duplicates = excluded.duplicates",
                [(cluster.id, cluster.duplicates) for cluster in clusters],
            )
            self._db.execute_many(
                "INSERT INTO cluster_articles (article_id, cluster_id) VALUES (?, ?)"
                " ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id",
                [(article.id, cluster.id) for cluster in clusters for article in cluster.articles],
            )

    def clusters_between(self, start: datetime, end: datetime) -> list[Cluster]:
        """Clusters with an article published in [start, end), each with all its articles.

        Ordered by their first article (published, id), so the order is reproducible.
        """
        ids = [
            row[0]
            for row in self._db.query(
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
        rows = self._db.query(
            "SELECT a.id FROM articles a LEFT JOIN cluster_articles ca ON ca.article_id = a.id"
            " WHERE ca.cluster_id IS NULL AND a.published >= ? ORDER BY a.published, a.id",
            (to_db_time(since) if since else "",),
        )
        found = self.articles_by_id(row[0] for row in rows)
        return [found[row[0]] for row in rows if row[0] in found]

    def _clusters(self, ids: list[str]) -> list[Cluster]:
        if not ids:
            return []
        condition, param = self._db.any_of("id", ids)
        rows = self._db.query(f"SELECT id, duplicates FROM clusters WHERE {condition}", (param,))
        duplicates = {row[0]: int(row[1]) for row in rows}
        condition, param = self._db.any_of("cluster_id", ids)
        members: dict[str, list[str]] = {}
        for article_id, cluster_id in self._db.query(
            f"SELECT article_id, cluster_id FROM cluster_articles WHERE {condition}", (param,)
        ):
            members.setdefault(cluster_id, []).append(article_id)
        articles = self.articles_by_id(a for group in members.values() for a in group)
        clusters = []
        for cluster_id, article_ids in members.items():
            found = sorted((articles[a] for a in article_ids if a in articles), key=lambda a: (a.published, a.id))
            if found:
                clusters.append(Cluster(cluster_id, tuple(found), duplicates.get(cluster_id, 0)))
        return sorted(clusters, key=lambda c: (c.articles[0].published, c.articles[0].id, c.id))
