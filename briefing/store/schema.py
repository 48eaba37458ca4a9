"""The tables every backend has, in an order where each comes after the tables it refers to.

`briefing store migrate` copies them in this order, `briefing store stats` counts them, and a test checks that
the SQLite and PostgreSQL schemas (`store/sqlite/schema.py`, `store/postgres/schema.py`) both end with exactly
these tables and the same columns. Adding a table: a migration step in each backend, and its name here.
"""

from __future__ import annotations

TABLES: tuple[str, ...] = (
    "feeds",
    "articles",
    "article_feeds",
    "clusters",
    "cluster_articles",
    "editions",
    "edition_articles",
    "edition_publications",
    "sends",
    "unsubscribes",
    "schedule_slots",
    "runs",
    "summaries",
    "sentence_vectors",
    "article_features",
    "cluster_sums",
    "feed_spans",
)
