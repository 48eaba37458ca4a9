"""Per-feed span counts: how many items of each feed carried each span (`briefing.boilerplate`).

Counted once per item, when the item is first stored, so the learned boilerplate survives the process and
grows with every poll. Spans no feed has repeated are forgotten after a while (`forget_rare_spans`): a
sentence seen once in a month is not a feed's boilerplate, and keeping it would only grow the table. Span ids
are signed 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT).

A poll writes its counts in batches (`batched_spans`): held in memory while its feeds are stored, then written
in the order of the span index when the batch ends, inside the caller's transaction. Each feed's counts written
as they came cost a first poll about as much as parsing with feedparser (every row a random place in the index
by span); written in span order, half of that. `own_spans` and `span_rows` see the counts a batch holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import repeat
from operator import itemgetter

from briefing.store._codec import to_db_time
from briefing.store._sql import SqlMixin

_ADD_COUNTS = (
    "INSERT INTO feed_spans (feed_key, span, items, last_seen) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (feed_key, span) DO UPDATE SET items = feed_spans.items + excluded.items,"
    " last_seen = excluded.last_seen"
)
_CHUNK = 500  # span ids bound in one statement


class _Batch:
    """Counts added during a batch and not written yet, by feed, with when each feed's items carried them.

    Built for a poll, which adds each feed's counts once, at one time: a feed's counts are copied whole and
    its time kept once (a time per span only for a feed added again at another time), and which feeds hold a
    span is found when `span_rows` asks (for a few spans per feed), not indexed for every span as it is added.
    A time and a list of feeds kept per span cost three times as much CPU (0.5 s against 0.15 s for the
    324,000 counts of a first poll of 400 feeds, `bench/poll.py stages`)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[int, int]] = {}
        self.when: dict[str, str] = {}  # when each feed's items carried its spans ...
        self.seen: dict[str, dict[int, str]] = {}  # ... or each span, for a feed added at several times

    def add(self, feed_key: str, counts: Mapping[int, int], when: str) -> None:
        """A feed's counts; the first ones it adds to a batch are copied whole."""
        items = self.items.get(feed_key)
        if items is None:
            self.items[feed_key], self.when[feed_key] = dict(counts), when
            return
        if feed_key in self.seen or when != self.when[feed_key]:
            seen = self.seen.setdefault(feed_key, dict.fromkeys(items, self.when[feed_key]))
            seen.update(dict.fromkeys(counts, when))
        for span, count in counts.items():
            items[span] = items.get(span, 0) + count

    def holders(self, spans: Iterable[int]) -> dict[int, list[str]]:
        """The feeds holding a count of each of `spans` (those any feed holds), in the order they were added."""
        wanted, found = set(spans), dict[int, list[str]]()
        for feed_key, items in self.items.items():
            for span in items.keys() & wanted:  # walks the smaller of the two
                found.setdefault(span, []).append(feed_key)
        return found

    def rows(self) -> list[tuple[str, int, int, str]]:
        """Every held count, in span order (the order of the index by span: each of its pages written once)."""
        rows: list[tuple[str, int, int, str]] = []
        for key, items in self.items.items():
            seen = self.seen.get(key)
            if seen is None:
                rows.extend(zip(repeat(key), items, items.values(), repeat(self.when[key])))
            else:
                rows.extend((key, span, count, seen[span]) for span, count in items.items())
        rows.sort(key=itemgetter(1))
        return rows


class BoilerplateSql(SqlMixin):
    """Span counts per feed (`SpanStore`)."""

    _batch: _Batch | None = None

    def count_spans(self, feed_key: str, counts: Counter[int], seen: datetime) -> None:
        """Add `counts` (span id -> items that carried it) to the feed's counts. Inside `batched_spans` they are
        held until the batch ends: a savepoint rolled back after this call does not take them back, so count
        last in a unit of work that may fail."""
        when = to_db_time(seen)
        if self._batch is not None:
            self._batch.add(feed_key, counts, when)
            return
        with self._db.transaction():
            self._db.execute_many(
                _ADD_COUNTS, [(feed_key, span, items, when) for span, items in sorted(counts.items())]
            )

    @contextmanager
    def batched_spans(self) -> Iterator[None]:
        """Hold the counts added inside (`count_spans`) and write them, in span order, when the block ends
        without an error; call it inside the transaction they belong to. Nested calls join the open batch."""
        if self._batch is not None:
            yield
            return
        self._batch = _Batch()
        try:
            yield
            rows = self._batch.rows()
            self._batch = None
            if rows:
                with self._db.transaction():
                    self._db.execute_many(_ADD_COUNTS, rows)
        finally:
            self._batch = None

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

    def own_spans(self, feed_key: str, min_items: int, adding: Mapping[int, int] | None = None) -> dict[int, int]:
        """The spans `feed_key` carried `min_items` times or more, with their counts (its primary-key range);
        with `adding`, as they would be once those counts are added (what a feed's new items teach, read before
        they are counted)."""
        rows = self._db.query(
            "SELECT span, items FROM feed_spans WHERE feed_key = ? AND items >= ?", (feed_key, min_items)
        )
        own = {int(span): int(items) for span, items in rows}
        extra = Counter(adding or {})
        if self._batch is not None:
            extra.update(self._batch.items.get(feed_key, {}))
        if not extra:
            return own
        stored = self._feed_counts(feed_key, list(extra))
        for span, items in extra.items():
            if stored.get(span, 0) + items >= min_items:
                own[span] = stored.get(span, 0) + items
        return own

    def _feed_counts(self, feed_key: str, spans: Sequence[int]) -> dict[int, int]:
        """The feed's stored counts of `spans` (its primary key); none read for a feed never counted."""
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
        """(feed key, span, items) of every feed for `spans`, a few hundred at a time (with a batch's counts)."""
        for start in range(0, len(spans), _CHUNK):
            chunk = spans[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.query(f"SELECT feed_key, span, items FROM feed_spans WHERE span IN ({marks})", tuple(chunk))
            found = {(str(feed_key), int(span)): int(items) for feed_key, span, items in rows}
            if self._batch is not None:
                holders = self._batch.holders(chunk)
                for span in chunk:
                    for feed_key in holders.get(span, ()):
                        found[(feed_key, span)] = found.get((feed_key, span), 0) + self._batch.items[feed_key][span]
            for (feed_key, span), items in found.items():
                yield feed_key, span, items

    def forget_rare_spans(self, below: int, before: datetime) -> int:
        """Forget counts under `below` items not seen since `before`; returns how many were forgotten."""
        # `items + 0`: SQLite would otherwise walk the (items, span) index over every rare count, most of the table,
        # on every poll; the last_seen index finds the few old ones
        return self._db.execute(
            "DELETE FROM feed_spans WHERE last_seen < ? AND items + 0 < ?", (to_db_time(before), below)
        )
