"""Per-feed span counts: how many items of each feed carried each span (`briefing.boilerplate`).

Counted once per item, when the item is first stored, so the learned boilerplate survives the process and
grows with every poll. Spans no feed has repeated are forgotten after a while (`forget_rare_spans`): a
sentence seen once in a month is not a feed's boilerplate, and keeping it would only grow the table. Span ids
are signed 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT).

Two tables, like a small log-structured merge tree. `count_spans` appends a feed's counts to
`feed_spans_staged`, in the caller's transaction (a feed's articles and its counts are stored together or not
at all); `merge_spans` adds every staged count to `feed_spans` in one statement, in span order, and empties the
staging table, in one transaction. A poll merges when it ends, and between its commits once many are staged
(`briefing.ingest.MERGE_SPANS`); a poll that crashed leaves its counts staged, and the next one merges them.
Every reader sees both tables.

Why: span ids are hashes, so the rows of one commit land all over `feed_spans`' index by span; once that index
held more pages than a commit had rows, every commit wrote most of its pages again, and a first poll's time
a feed grew with the feeds (bench/poll.py scale). The staging table's own indexes stay as small as the counts
staged between merges, and the big index is written in order, once per merge instead of once per commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin

_STAGE = "INSERT INTO feed_spans_staged (feed_key, span, items, last_seen) VALUES (?, ?, ?, ?)"
# every staged count of a (feed, span) summed, in span order (the order of the index by span: each of its pages
# written once); `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join's `ON`
_MERGE = (
    "INSERT INTO feed_spans (feed_key, span, items, last_seen)"
    " SELECT feed_key, span, SUM(items), MAX(last_seen) FROM feed_spans_staged WHERE true"
    " GROUP BY span, feed_key ORDER BY span, feed_key"
    " ON CONFLICT (feed_key, span) DO UPDATE SET items = feed_spans.items + excluded.items,"
    " last_seen = excluded.last_seen"
)
_CHUNK = 500  # span ids bound in one statement


class BoilerplateSql(SqlMixin):
    """Span counts per feed (`SpanStore`)."""

    _staged_rows: int | None = None  # counts staged, as this process knows them (None: not read yet)

    def count_spans(self, feed_key: str, counts: Counter[int], seen: datetime) -> None:
        """Add `counts` (span id -> items that carried it) to the feed's counts: staged, in the caller's
        transaction (a savepoint rolled back takes them back); `merge_spans` moves them to the main table."""
        when = to_db_time(seen)
        with self._db.transaction():
            self._db.execute_many(_STAGE, [(feed_key, span, items, when) for span, items in sorted(counts.items())])
        self._staged_rows = self.staged_spans() if self._staged_rows is None else self._staged_rows + len(counts)

    def staged_spans(self) -> int:
        """How many counts are staged (not merged yet)."""
        return int(self._db.query("SELECT COUNT(*) FROM feed_spans_staged")[0][0])

    def merge_spans(self, at_least: int = 0) -> int:
        """Add the staged counts to the main table and empty the staging table, in one transaction, when this
        process has seen at least `at_least` staged (all of them always: any process's); returns how many
        staged counts were merged. Call it outside the transaction that staged them, or it commits with it."""
        if at_least and (self._staged_rows or 0) < at_least:
            return 0
        with self._db.transaction():
            self._db.execute(_MERGE)
            merged = self._db.execute("DELETE FROM feed_spans_staged")
        self._staged_rows = 0
        return merged

    def frequent_spans(self, min_items: int, feed_key: str | None = None) -> Iterator[tuple[str, int, int]]:
        """(feed key, span, items) for every feed's count of each span that some feed (`feed_key` alone, when
        given: what learning that one feed's boilerplate needs) carried `min_items` times or more, staged
        counts included, ordered by span: what `briefing.boilerplate.learned` needs."""
        mine = "" if feed_key is None else " AND feed_key = ?"
        key: tuple[str, ...] = () if feed_key is None else (feed_key,)
        # the count as a literal: the index of frequent spans is partial (items >= 3), and a planner can only
        # use it for a condition it can see implies that one
        frequent = f"SELECT span FROM feed_spans WHERE items >= {int(min_items)}{mine}"
        if not self._db.query("SELECT 1 FROM feed_spans_staged LIMIT 1"):
            sql, params = (
                f"SELECT feed_key, span, items FROM feed_spans WHERE span IN ({frequent}) ORDER BY span, feed_key",
                key,
            )
        else:  # a staged count only adds to a stored one: the spans frequent in the main table, and staged ones
            theirs = "" if feed_key is None else " AND s.feed_key = ?"
            frequent += (
                f" UNION SELECT s.span FROM feed_spans_staged s WHERE true{theirs} GROUP BY s.feed_key, s.span"
                " HAVING SUM(s.items) + COALESCE((SELECT f.items FROM feed_spans f WHERE f.feed_key = s.feed_key"
                f" AND f.span = s.span), 0) >= {int(min_items)}"
            )
            sql = (
                "SELECT feed_key, span, SUM(items) FROM (SELECT feed_key, span, items FROM feed_spans"
                f" WHERE span IN ({frequent}) UNION ALL SELECT feed_key, span, items FROM feed_spans_staged"
                f" WHERE span IN ({frequent})) AS counts GROUP BY span, feed_key ORDER BY span, feed_key"
            )
            params = key * 4
        batches = self._db.stream(sql, params)  # millions of rows after a big first poll: never all in memory
        for rows in batches:
            for found, span, items in rows:
                yield str(found), int(span), int(items)

    def own_spans(self, feed_key: str, min_items: int, adding: Mapping[int, int] | None = None) -> dict[int, int]:
        """The spans `feed_key` carried `min_items` times or more, with their counts (its primary-key range, and
        its staged counts); with `adding`, as they would be once those counts are added (what a feed's new items
        teach, read before they are counted)."""
        rows = self._db.query(
            "SELECT span, items FROM feed_spans WHERE feed_key = ? AND items >= ?", (feed_key, min_items)
        )
        own = {int(span): int(items) for span, items in rows}
        extra = Counter(adding or {})
        for span, items in self._db.query("SELECT span, items FROM feed_spans_staged WHERE feed_key = ?", (feed_key,)):
            extra[int(span)] += int(items)
        if not extra:
            return own
        stored = self._feed_counts(feed_key, list(extra))
        for span, items in extra.items():
            if stored.get(span, 0) + items >= min_items:
                own[span] = stored.get(span, 0) + items
        return own

    def _feed_counts(self, feed_key: str, spans: Sequence[int]) -> dict[int, int]:
        """The feed's merged counts of `spans` (its primary key); none read for a feed never merged."""
        found: dict[int, int] = {}
        if not self._db.query("SELECT 1 FROM feed_spans WHERE feed_key = ? LIMIT 1", (feed_key,)):
            return found
        for start in range(0, len(spans), _CHUNK):
            chunk = spans[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.query(
                f"SELECT span, items FROM feed_spans WHERE feed_key = ? AND span IN ({marks})", (feed_key, *chunk)
            )
            found.update((int(span), int(items)) for span, items in rows)
        return found

    def span_rows(self, spans: Sequence[int]) -> Iterator[tuple[str, int, int]]:
        """(feed key, span, items) of every feed for `spans`, staged counts included, a few hundred at a time."""
        for start in range(0, len(spans), _CHUNK):
            chunk = spans[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found = Counter[tuple[str, int]]()
            for table in ("feed_spans", "feed_spans_staged"):
                sql = f"SELECT feed_key, span, items FROM {table} WHERE span IN ({marks})"
                for feed_key, span, items in self._db.query(sql, tuple(chunk)):
                    found[(str(feed_key), int(span))] += int(items)
            for (feed_key, span), items in found.items():
                yield feed_key, span, items

    def forget_rare_spans(self, below: int, before: datetime) -> int:
        """Forget counts under `below` items not seen since `before` (staged counts merged first, so that a
        count just raised is not forgotten); returns how many were forgotten."""
        self.merge_spans()
        # `items + 0`: SQLite would otherwise walk the (items, span) index over every rare count, most of the table,
        # on every poll; the last_seen index finds the few old ones
        return self._db.execute(
            "DELETE FROM feed_spans WHERE last_seen < ? AND items + 0 < ?", (to_db_time(before), below)
        )
