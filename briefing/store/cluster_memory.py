"""What story clustering keeps between polls (`ClusterMemory`): each article's features and each story's sums.

A poll from cron is a fresh process; without these it would featurise every article of the window again on
every poll. Rows carry the `stamp` of what computed them, and a read asks for one stamp, so features of another
format or another `title_weight` are never mixed in (they are overwritten as the stories are clustered again).
An article's features go with the article (ON DELETE CASCADE), a story's sums with the story; sums also name
the articles they were computed from, so `briefing.cluster` recomputes those of a story that has changed since.
"""

from __future__ import annotations

from collections.abc import Sequence

from briefing.models import ClusterMemory
from briefing.store._sql import SqlMixin

_CHUNK = 500  # ids per query


class ClusterMemorySql(SqlMixin):
    """Clustering's features and sums (`ClusterMemoryStore`)."""

    def cluster_memory(self, stamp: str, cluster_ids: Sequence[str], article_ids: Sequence[str]) -> ClusterMemory:
        """The stored sums of `cluster_ids` and features of `article_ids` written under `stamp` (others are
        simply absent)."""
        features: dict[str, bytes] = {}
        for chunk in _chunks(article_ids):
            condition, value = self._db.any_of("article_id", chunk)
            rows = self._db.query(
                f"SELECT article_id, features FROM article_features WHERE stamp = ? AND {condition}", (stamp, value)
            )
            features.update((row[0], bytes(row[1])) for row in rows)
        sums: dict[str, tuple[tuple[str, ...], bytes]] = {}
        for chunk in _chunks(cluster_ids):
            condition, value = self._db.any_of("cluster_id", chunk)
            rows = self._db.query(
                f"SELECT cluster_id, article_ids, sums FROM cluster_sums WHERE stamp = ? AND {condition}",
                (stamp, value),
            )
            sums.update((row[0], (tuple(row[1].split("\n")), bytes(row[2]))) for row in rows)
        return ClusterMemory(stamp, features, sums)

    def save_cluster_memory(self, memory: ClusterMemory) -> None:
        """Store (or replace) features and sums, in one transaction. Ids the store does not hold (an article or
        story deleted meanwhile) are skipped."""
        with self._db.transaction():
            self._db.execute_many(
                "INSERT INTO article_features (article_id, stamp, features)"
                " SELECT id, ?, ? FROM articles WHERE id = ?"
                " ON CONFLICT (article_id) DO UPDATE SET stamp = excluded.stamp, features = excluded.features",
                [(memory.stamp, blob, article_id) for article_id, blob in memory.features.items()],
            )
            self._db.execute_many(
                "INSERT INTO cluster_sums (cluster_id, stamp, article_ids, sums)"
                " SELECT id, ?, ?, ? FROM clusters WHERE id = ?"
                " ON CONFLICT (cluster_id) DO UPDATE SET stamp = excluded.stamp, article_ids = excluded.article_ids,"
                " sums = excluded.sums",
                [(memory.stamp, "\n".join(ids), blob, cluster_id) for cluster_id, (ids, blob) in memory.sums.items()],
            )


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[start : start + _CHUNK]) for start in range(0, len(ids), _CHUNK)]
