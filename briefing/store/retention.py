"""Retention and sizes: what `briefing store prune` removes and what `briefing store stats` counts.

The rules are written once, in portable SQL. Pruning never removes what an edition still needs: the latest
edition of each name (a rebuild of it must give the same bytes) keeps the articles of its window and of the
stories that reach into it (`PrunePolicy.story_reach`); a story is kept whole while any of its articles is
newer than the cutoff; an edition that may still be sent keeps its row, its sends and its ledger slot.
Articles go in batches of `_BATCH`, each its own transaction, so a poll or a send waiting for the write lock
barely notices. Each backend then gives the space back its own way (`_reclaim`) and measures itself
(`_size_bytes`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from briefing.models import PrunePolicy, PruneReport, StoreStats
from briefing.store._codec import from_db_time, from_db_time_or_none, to_db_time
from briefing.store._sql import SqlMixin, scalar
from briefing.store.schema import TABLES

_BATCH = 2000  # articles deleted per transaction

# Stories with an article at or after the cutoff: none of their articles goes.
# Old (published and first seen before the cutoff), and in no story with a newer article: looked up per
# article through the story's index, so checking a batch again costs the batch, not the table. Four `?`: the
# cutoff; `{only}` narrows it to a batch.
_PRUNABLE_ARTICLES = (
    "SELECT a.id FROM articles a LEFT JOIN cluster_articles ca ON ca.article_id = a.id"
    " WHERE {only} a.published < ? AND a.first_seen < ? AND (ca.cluster_id IS NULL OR NOT EXISTS ("
    "SELECT 1 FROM cluster_articles mate JOIN articles m ON m.id = mate.article_id"
    " WHERE mate.cluster_id = ca.cluster_id AND (m.published >= ? OR m.first_seen >= ?)))"
)


class RetentionSql(SqlMixin):
    """`stats()` and `prune()` of `Maintenance`; the backend provides `_size_bytes`, `_reclaim` and the rest."""

    backend: str
    location: str

    if TYPE_CHECKING:

        @property
        def schema_version(self) -> int: ...

    def _size_bytes(self) -> int:
        raise NotImplementedError  # per backend

    def _reclaim(self) -> None:
        raise NotImplementedError  # per backend

    def stats(self) -> StoreStats:
        rows = {table: int(scalar(self._db, f"SELECT COUNT(*) FROM {table}")) for table in TABLES}
        [span] = self._db.query("SELECT MIN(published), MAX(published) FROM articles")
        return StoreStats(
            self.backend,
            self.location,
            self.schema_version,
            self._size_bytes(),
            rows,
            from_db_time_or_none(span[0]),
            from_db_time_or_none(span[1]),
        )

    def prune(self, policy: PrunePolicy) -> PruneReport:
        """Remove what `policy` allows, keep what editions need, then give the space back."""
        size_before = self._size_bytes()
        protected = self._protected_editions(policy)
        cutoff = self._article_cutoff(policy, protected)
        removed: dict[str, int] = {}
        if cutoff is not None:
            removed.update(self._prune_articles(cutoff))
        if policy.runs_before is not None:
            removed.update(self._prune_runs(policy.runs_before, protected))
        if policy.editions_before is not None:
            removed.update(self._prune_editions(policy.editions_before, protected))
        if policy.sends_before is not None:
            removed["sends"] = self._prune_sends(policy.sends_before, protected)
        self._reclaim()
        return PruneReport(removed, size_before, self._size_bytes(), cutoff)

    # ------------------------------------------------------------------------------------------ protection

    def _protected_editions(self, policy: PrunePolicy) -> list[str]:
        """The latest edition of each name, and every edition that may still be sent."""
        since = to_db_time(policy.unsent_since) if policy.unsent_since else ""
        rows = self._db.query(
            "SELECT id FROM editions e WHERE window_end = (SELECT MAX(window_end) FROM editions WHERE name = e.name)"
            " UNION SELECT edition_id FROM schedule_slots"
            " WHERE status = 'built' AND edition_id IS NOT NULL AND updated >= :since"
            " UNION SELECT edition_id FROM sends"
            " WHERE (status IN ('queued', 'sending') OR (status = 'failed' AND permanent = 0)) AND updated >= :since",
            {"since": since},
        )
        return sorted(row[0] for row in rows)

    def _article_cutoff(self, policy: PrunePolicy, protected: list[str]) -> datetime | None:
        """`articles_before`, moved back to where the protected editions' stories began."""
        if policy.articles_before is None:
            return None
        condition, param = self._db.any_of("id", protected)
        earliest = scalar(self._db, f"SELECT MIN(window_start) FROM editions WHERE {condition}", (param,))
        if earliest is None:
            return policy.articles_before
        return min(policy.articles_before, from_db_time(earliest) - policy.story_reach)

    # ------------------------------------------------------------------------------------------- deletions

    def _prune_articles(self, cutoff: datetime) -> dict[str, int]:
        old = (to_db_time(cutoff),) * 4
        ids = [row[0] for row in self._db.query(_PRUNABLE_ARTICLES.format(only=""), old)]
        removed = dict.fromkeys(("articles", "article_feeds", "cluster_articles"), 0)
        for start in range(0, len(ids), _BATCH):
            with self.transaction():
                for table, count in self._delete_articles(ids[start : start + _BATCH], old).items():
                    removed[table] += count
        with self.transaction():
            removed["clusters"] = self._db.execute(
                "DELETE FROM clusters"
                " WHERE NOT EXISTS (SELECT 1 FROM cluster_articles ca WHERE ca.cluster_id = clusters.id)"
            )
            removed["summaries"] = self._db.execute("DELETE FROM summaries WHERE created < ?", old[:1])
            removed["sentence_vectors"] = self._db.execute("DELETE FROM sentence_vectors WHERE created < ?", old[:1])
        return removed

    def _delete_articles(self, batch: list[str], old: tuple[str, ...]) -> dict[str, int]:
        """One batch, checked again inside its transaction (a poll may have made a story live meanwhile); an
        article's feeds and story places go with it (ON DELETE CASCADE)."""
        condition, param = self._db.any_of("a.id", batch)
        rows = self._db.query(_PRUNABLE_ARTICLES.format(only=f"{condition} AND"), (param, *old))
        confirmed = [row[0] for row in rows]
        if not confirmed:
            return {}
        (of_articles, param), (of_ids, _) = self._db.any_of("article_id", confirmed), self._db.any_of("id", confirmed)
        counts = {
            table: int(scalar(self._db, f"SELECT COUNT(*) FROM {table} WHERE {of_articles}", (param,)))
            for table in ("article_feeds", "cluster_articles")
        }
        return {**counts, "articles": self._db.execute(f"DELETE FROM articles WHERE {of_ids}", (param,))}

    def _prune_runs(self, before: datetime, protected: list[str]) -> dict[str, int]:
        """The runs log, and ledger slots other than each edition's latest and those of unsent editions."""
        condition, param = self._db.any_of("edition_id", protected)
        with self.transaction():
            runs = self._db.execute("DELETE FROM runs WHERE started < ?", (to_db_time(before),))
            slots = self._db.execute(
                "DELETE FROM schedule_slots WHERE updated < ?"
                " AND local_date < (SELECT MAX(s.local_date) FROM schedule_slots s WHERE s.name = schedule_slots.name)"
                f" AND (edition_id IS NULL OR NOT ({condition}))",
                (to_db_time(before), param),
            )
        return {"runs": runs, "schedule_slots": slots}

    def _prune_editions(self, before: datetime, protected: list[str]) -> dict[str, int]:
        condition, param = self._db.any_of("id", protected)
        old, params = f"SELECT id FROM editions WHERE built_at < ? AND NOT ({condition})", (to_db_time(before), param)
        with self.transaction():  # what an edition reported goes with it (ON DELETE CASCADE)
            reported = scalar(self._db, f"SELECT COUNT(*) FROM edition_articles WHERE edition_id IN ({old})", params)
            editions = self._db.execute(f"DELETE FROM editions WHERE id IN ({old})", params)
        return {"editions": editions, "edition_articles": int(reported)}

    def _prune_sends(self, before: datetime, protected: list[str]) -> int:
        """Final sends only: a send still `sending`, or failed for now, is an edition's unfinished business."""
        condition, param = self._db.any_of("edition_id", protected)
        with self.transaction():
            return self._db.execute(
                f"DELETE FROM sends WHERE updated < ? AND (status IN ('sent', 'maybe_sent') OR permanent = 1)"
                f" AND NOT ({condition})",
                (to_db_time(before), param),
            )
