"""Per-feed span counts: how many items of each feed carried each span (`briefing.boilerplate`).

Counted once per item, when the item is first stored, so the learned boilerplate survives the process and
grows with every poll. Spans no feed has repeated are forgotten after a while (`forget_rare_spans`): a
sentence seen once in a month is not a feed's boilerplate, and keeping it would only grow the table.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from briefing.store._codec import to_db_time

# Shipped as migration 3 (see schema.MIGRATIONS); kept here as the table's documentation.
SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_spans (
    feed_key TEXT NOT NULL,               -- the feed (as written in feeds.yaml) whose items carried the span
    span INTEGER NOT NULL,                -- a span id (briefing.boilerplate: 64-bit hash of a folded span)
    items INTEGER NOT NULL,               -- how many of the feed's items carried it
    last_seen TEXT NOT NULL,              -- when an item last carried it
    PRIMARY KEY (feed_key, span)
);
CREATE INDEX IF NOT EXISTS feed_spans_span ON feed_spans (span);
CREATE INDEX IF NOT EXISTS feed_spans_frequent ON feed_spans (items, span);
CREATE INDEX IF NOT EXISTS feed_spans_last_seen ON feed_spans (last_seen);
"""


class BoilerplateStore:
    """Mixin of `Store`: span counts per feed."""

    _db: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Store

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def count_spans(self, feed_key: str, counts: Counter[int], seen: datetime) -> None:
        """Add `counts` (span id -> items that carried it) to the feed's counts."""
        when = to_db_time(seen)
        with self.transaction():
            self._db.executemany(
                "INSERT INTO feed_spans (feed_key, span, items, last_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (feed_key, span) DO UPDATE SET items = items + excluded.items, last_seen = ?",
                [(feed_key, span, items, when, when) for span, items in counts.items()],
            )

    def frequent_spans(self, min_items: int) -> Iterator[tuple[str, int, int]]:
        """(feed key, span, items) for every feed's count of each span that some feed carried `min_items` times
        or more: what `briefing.boilerplate.learned` needs."""
        yield from self._db.execute(
            "SELECT feed_key, span, items FROM feed_spans WHERE span IN"
            " (SELECT span FROM feed_spans WHERE items >= ?) ORDER BY span, feed_key",
            (min_items,),
        )

    def forget_rare_spans(self, below: int, before: datetime) -> int:
        """Forget counts under `below` items not seen since `before`; returns how many were forgotten."""
        with self.transaction():
            cursor = self._db.execute(
                "DELETE FROM feed_spans WHERE last_seen < ? AND items < ?", (to_db_time(before), below)
            )
        return cursor.rowcount
