"""Per-feed span counts: how many items of each feed carried each span (`briefing.boilerplate`).

Counted once per item, when the item is first stored, so the learned boilerplate survives the process and
grows with every poll. Spans no feed has repeated are forgotten after a while (`forget_rare_spans`): a
sentence seen once in a month is not a feed's boilerplate, and keeping it would only grow the table. Span ids
are signed 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin


class BoilerplateSql(SqlMixin):
    """Span counts per feed (`SpanStore`)."""

    def count_spans(self, feed_key: str, counts: Counter[int], seen: datetime) -> None:
        """Add `counts` (span id -> items that carried it) to the feed's counts."""
        when = to_db_time(seen)
        with self._db.transaction():
            self._db.execute_many(
                "INSERT INTO feed_spans (feed_key, span, items, last_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (feed_key, span) DO UPDATE SET items = feed_spans.items + excluded.items,"
                " last_seen = excluded.last_seen",
                [(feed_key, span, items, when) for span, items in sorted(counts.items())],
            )

    def frequent_spans(self, min_items: int, feed_key: str | None = None) -> Iterator[tuple[str, int, int]]:
        """(feed key, span, items) for every feed's count of each span that some feed (`feed_key` alone, when
        given: what learning that one feed's boilerplate needs) carried `min_items` times or more: what
        `briefing.boilerplate.learned` needs."""
        mine = "" if feed_key is None else " AND feed_key = ?"
        # the count as a literal: the index of frequent spans is partial (items >= 3), and a planner can only
        # use it for a condition it can see implies that one
        batches = self._db.stream(  # millions of rows after a big first poll: never all in memory at once
            "SELECT feed_key, span, items FROM feed_spans WHERE span IN"
            f" (SELECT span FROM feed_spans WHERE items >= {int(min_items)}{mine}) ORDER BY span, feed_key",
            () if feed_key is None else (feed_key,),
        )
        for rows in batches:
            for found, span, items in rows:
                yield str(found), int(span), int(items)

    def own_spans(self, feed_key: str, min_items: int) -> dict[int, int]:
        """The spans `feed_key` carried `min_items` times or more, with their counts (its primary-key range)."""
        rows = self._db.query(
            "SELECT span, items FROM feed_spans WHERE feed_key = ? AND items >= ?", (feed_key, min_items)
        )
        return {int(span): int(items) for span, items in rows}

    def span_rows(self, spans: Sequence[int]) -> Iterator[tuple[str, int, int]]:
        """(feed key, span, items) of every feed for `spans`, a few hundred at a time."""
        for start in range(0, len(spans), 500):
            chunk = spans[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for feed_key, span, items in self._db.query(
                f"SELECT feed_key, span, items FROM feed_spans WHERE span IN ({marks})", tuple(chunk)
            ):
                yield str(feed_key), int(span), int(items)

    def forget_rare_spans(self, below: int, before: datetime) -> int:
        """Forget counts under `below` items not seen since `before`; returns how many were forgotten."""
        # `items + 0`: SQLite would otherwise walk the (items, span) index over every rare count, most of the table,
        # on every poll; the last_seen index finds the few old ones
        return self._db.execute(
            "DELETE FROM feed_spans WHERE last_seen < ? AND items + 0 < ?", (to_db_time(before), below)
        )
