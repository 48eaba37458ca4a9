"""The summary cache: checked summaries by the hash of what they were made from.

The key (from `briefing.review.cache_key`) covers the cluster's articles and texts, the prompt version,
backend, model and check settings, so a hit is a summary that would be made again identically; a rebuild
with no new articles therefore makes no LLM calls. A row that cannot be read back is a miss, never an error:
the summary is simply made again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from briefing.models import Bullet, Summary, SummaryStats, bullet_from_dict, bullet_to_dict
from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin, one, scalar

log = logging.getLogger(__name__)


class SummariesSql(SqlMixin):
    """The summary cache (`SummaryStore`). `store.summary_cache()` is what `review.checked_summaries` takes."""

    def cached_summary(self, key: str) -> Summary | None:
        row = one(self._db, "SELECT json FROM summaries WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return _summary_from_dict(json.loads(row[0]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("summary cache: unreadable entry %s (%s); it will be made again", key[:12], exc)
            return None

    def cache_summary(self, key: str, summary: Summary, now: datetime) -> None:
        """Store (or replace) one summary made at `now`: a single statement, atomic on its own (the store
        autocommits). `now` decides when retention may drop the entry."""
        self._db.execute(
            "INSERT INTO summaries (key, summariser, model, json, created) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET summariser=excluded.summariser, model=excluded.model,"
            " json=excluded.json, created=excluded.created",
            (
                key,
                summary.summariser,
                summary.model,
                json.dumps(_summary_to_dict(summary), sort_keys=True),
                to_db_time(now),
            ),
        )

    def cached_summaries(self) -> int:
        """How many summaries the cache holds."""
        return int(scalar(self._db, "SELECT COUNT(*) FROM summaries"))

    def summary_cache(self, now: datetime) -> StoreSummaryCache:
        """This store as a `briefing.review.SummaryCache` for a build at `now` (use it on the thread that
        opened the store)."""
        return StoreSummaryCache(self, now)


class StoreSummaryCache:
    """`get`/`put` over the store's summaries (the `SummaryCache` protocol of `briefing.review`)."""

    def __init__(self, store: SummariesSql, now: datetime) -> None:
        self._store, self._now = store, now

    def get(self, key: str) -> Summary | None:
        return self._store.cached_summary(key)

    def put(self, key: str, summary: Summary) -> None:
        self._store.cache_summary(key, summary, self._now)


def _summary_to_dict(summary: Summary) -> dict[str, Any]:
    return {
        "headline": summary.headline,
        "summariser": summary.summariser,
        "model": summary.model,
        "stats": asdict(summary.stats),
        "bullets": [bullet_to_dict(b) for b in summary.bullets],
    }


def _summary_from_dict(data: dict[str, Any]) -> Summary:
    known = {f.name for f in fields(SummaryStats)}
    return Summary(
        headline=str(data["headline"]),
        summariser=str(data["summariser"]),
        model=data.get("model"),
        stats=SummaryStats(**{k: v for k, v in data.get("stats", {}).items() if k in known}),
        bullets=tuple(_bullet_from_dict(b) for b in data["bullets"]),
    )


def _bullet_from_dict(data: dict[str, Any]) -> Bullet:
    verdict = data.get("grounding")
    if not verdict or not verdict["supported"]:  # a published bullet is always a checked, supported one
        raise ValueError("a cached bullet has no supporting grounding verdict")
    return bullet_from_dict(data)
