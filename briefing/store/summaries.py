"""The summary cache: checked summaries by the hash of what they were made from.

The key (from `briefing.summarise.cache_key`) covers the cluster's articles and texts, the prompt version,
backend, model and check settings, so a hit is a summary that would be made again identically; a rebuild
with no new articles therefore makes no LLM calls. A row that cannot be read back is a miss, never an error:
the summary is simply made again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, fields
from typing import Any

from briefing.models import Bullet, Summary, SummaryStats, bullet_from_dict, bullet_to_dict

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,        -- sha256 of the cluster content + prompt version + backend + model + check
    summariser TEXT NOT NULL,    -- "extractive" or "openai"
    model TEXT,
    json TEXT NOT NULL           -- the checked Summary
);
"""


class SummaryStore:
    """Mixin of `Store`: the summary cache. `store.summary_cache()` is what `summarise_clusters` takes."""

    _db: sqlite3.Connection

    def cached_summary(self, key: str) -> Summary | None:
        row = self._db.execute("SELECT json FROM summaries WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return _summary_from_dict(json.loads(row[0]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("summary cache: unreadable entry %s (%s); it will be made again", key[:12], exc)
            return None

    def cache_summary(self, key: str, summary: Summary) -> None:
        """Store (or replace) one summary: a single statement, atomic on its own (the store autocommits)."""
        self._db.execute(
            "INSERT INTO summaries (key, summariser, model, json) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET summariser=excluded.summariser, model=excluded.model, json=excluded.json",
            (key, summary.summariser, summary.model, json.dumps(_summary_to_dict(summary), sort_keys=True)),
        )

    def cached_summaries(self) -> int:
        """How many summaries the cache holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0])

    def summary_cache(self) -> StoreSummaryCache:
        """This store as a `briefing.summarise.SummaryCache` (use it on the thread that opened the store)."""
        return StoreSummaryCache(self)


class StoreSummaryCache:
    """`get`/`put` over a `SummaryStore` (the `SummaryCache` protocol of `briefing.summarise`)."""

    def __init__(self, store: SummaryStore) -> None:
        self._store = store

    def get(self, key: str) -> Summary | None:
        return self._store.cached_summary(key)

    def put(self, key: str, summary: Summary) -> None:
        self._store.cache_summary(key, summary)


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
