"""Feeds, their polling state, and the articles they carried.

A feed row is keyed by the URL written in feeds.yaml (`Feed.key`); `url` is where it is fetched now. The
configuration owns section, name, weight and full_text (`sync_feeds`); polling owns the rest (`save_feed`).
A feed that leaves feeds.yaml keeps its row (and its history) but is no longer listed or polled; it comes back
with its state if it is configured again.

An article is stored once, whatever number of feeds carried it; `article_feeds` remembers every feed, in the
order they brought it, and becomes `Article.feeds`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from briefing.models import Article, ArticleKind, Feed
from briefing.store._codec import from_db_time, from_db_time_or_none, to_db_time, to_db_time_or_none
from briefing.store._sql import Row, SqlMixin, one

_FEED_SELECT = """
SELECT feeds.*, (SELECT COUNT(*) FROM article_feeds WHERE feed_key = feeds.key) AS article_count
FROM feeds
"""


# A new row's place: after every other (feeds in the order first configured, an article's feeds in the order
# they brought it). Within one transaction on either engine; two PostgreSQL writers may tie, and ties are
# broken by key.
_NEXT_FEED_POSITION = "(SELECT COALESCE(MAX(position), 0) + 1 FROM feeds)"


class FeedsSql(SqlMixin):
    """Feeds, articles and which feed carried which article (`FeedStore` and `ArticleStore`)."""

    # ------------------------------------------------------------------------------------------------ feeds

    def sync_feeds(self, configured: list[Feed]) -> None:
        """Make the stored feeds match feeds.yaml: add new keys, update config fields, keep polling state.

        Writes only when something changed: every cron tick syncs, and a tick with nothing to do should neither
        wait for a running poll's write lock nor hold one itself."""
        wanted = {(f.key, f.section, f.name, float(f.weight), int(f.full_text)) for f in configured}
        stored = self._db.query("SELECT key, section, name, weight, full_text FROM feeds WHERE configured = 1")
        if {(r[0], r[1], r[2], float(r[3]), int(r[4])) for r in stored} == wanted and len(stored) == len(wanted):
            return
        with self.transaction():
            self._db.execute("UPDATE feeds SET configured = 0")
            self._db.execute_many(
                f"""
                INSERT INTO feeds (key, url, section, name, weight, full_text, configured, position)
                VALUES (?, ?, ?, ?, ?, ?, 1, {_NEXT_FEED_POSITION})
                ON CONFLICT (key) DO UPDATE SET
                    section = excluded.section, name = excluded.name, weight = excluded.weight,
                    full_text = excluded.full_text, configured = 1
                """,
                [(f.key, f.url, f.section, f.name, f.weight, int(f.full_text)) for f in configured],
            )

    def feeds(self, include_retired: bool = True) -> list[Feed]:
        """The configured feeds, in the order they were first configured, with their article counts."""
        where = "WHERE configured = 1" + ("" if include_retired else " AND retired = 0")
        rows = self._db.query(f"{_FEED_SELECT} {where} ORDER BY position, key")
        return [_feed_from_row(row) for row in rows]

    def feed(self, key: str) -> Feed | None:
        """One feed by key, configured or not (None when never seen)."""
        row = one(self._db, f"{_FEED_SELECT} WHERE key = ?", (key,))
        return None if row is None else _feed_from_row(row)

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Configured, not retired, and never polled or due at `now`."""
        rows = self._db.query(
            f"{_FEED_SELECT} WHERE configured = 1 AND retired = 0 AND (next_poll IS NULL OR next_poll <= ?)"
            " ORDER BY position, key",
            (to_db_time(now),),
        )
        return [_feed_from_row(row) for row in rows]

    def has_due_feeds(self, now: datetime) -> bool:
        """Whether `due_feeds(now)` would list any (one cheap query: what an idle cron tick asks)."""
        return (
            one(
                self._db,
                "SELECT 1 FROM feeds WHERE configured = 1 AND retired = 0 AND (next_poll IS NULL OR next_poll <= ?)"
                " LIMIT 1",
                (to_db_time(now),),
            )
            is not None
        )

    def next_poll_time(self) -> datetime | None:
        """The soonest time a configured feed is next due (None when no feed has one): until then an idle
        cron tick need not poll."""
        row = one(self._db, "SELECT MIN(next_poll) AS soonest FROM feeds WHERE configured = 1 AND retired = 0")
        return None if row is None else from_db_time_or_none(row["soonest"])

    def save_feed(self, feed: Feed) -> None:
        """Write a feed's polling state (validators, times, errors, back-off, URL, retired).

        The config fields (section, name, weight, full_text) are only written when the feed is new: feeds.yaml
        owns them through `sync_feeds`.
        """
        self.save_feeds([feed])

    def save_feeds(self, feeds: Iterable[Feed]) -> None:
        """`save_feed` for several feeds in one transaction (a poll's 304s and failures, a hundred at a time)."""
        with self.transaction():
            self._db.execute_many(
                f"""
                INSERT INTO feeds (key, url, section, name, weight, full_text, title, etag, last_modified,
                    content_hash, last_success, last_attempt, last_error, consecutive_failures, next_poll, retired,
                    position)
                VALUES (:key, :url, :section, :name, :weight, :full_text, :title, :etag, :last_modified,
                    :content_hash, :last_success, :last_attempt, :last_error, :consecutive_failures, :next_poll,
                    :retired, {_NEXT_FEED_POSITION})
                ON CONFLICT (key) DO UPDATE SET
                    url = excluded.url, title = excluded.title, etag = excluded.etag,
                    last_modified = excluded.last_modified, content_hash = excluded.content_hash,
                    last_success = excluded.last_success, last_attempt = excluded.last_attempt,
                    last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures,
                    next_poll = excluded.next_poll, retired = excluded.retired
                """,
                [_feed_params(feed) for feed in feeds],
            )

    def retire_feed(self, key: str, retired: bool = True) -> None:
        """Stop (or resume) polling a feed, keeping its history. `briefing` never un-retires on its own."""
        with self.transaction():
            self._db.execute("UPDATE feeds SET retired = ? WHERE key = ?", (int(retired), key))

    def article_count_by_feed(self) -> dict[str, int]:
        """Articles stored per feed key (an article carried by two feeds counts for both)."""
        rows = self._db.query("SELECT feed_key, COUNT(*) FROM article_feeds GROUP BY feed_key")
        return {row[0]: int(row[1]) for row in rows}

    # --------------------------------------------------------------------------------------------- articles

    def add_articles(self, feed_key: str, articles: Iterable[Article]) -> int:
        """Store new articles and remember that `feed_key` carried them; returns how many were new.

        An id already stored is not rewritten (the first copy wins, so ids and texts stay stable for clusters
        and editions); only the extra feed is remembered.
        """
        batch = list(articles)
        carried = [(a.id, key, a.id) for a in batch for key in dict.fromkeys((feed_key, *a.feeds))]
        with self.transaction():  # two statements, each run for every row (PostgreSQL: pipelined)
            new = self._db.execute_many(
                "INSERT INTO articles (id, url, title, text, outlet, published, first_seen, language, guid, kind,"
                " published_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                [_article_params(article) for article in batch],
            )
            self._db.execute_many(
                "INSERT INTO article_feeds (article_id, feed_key, position) VALUES (?, ?,"
                " (SELECT COALESCE(MAX(position), 0) + 1 FROM article_feeds WHERE article_id = ?))"
                " ON CONFLICT (article_id, feed_key) DO NOTHING",
                carried,
            )
        return new

    def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles published in [start, end), oldest first (ties by id, so the order is reproducible)."""
        rows = self._db.query(
            "SELECT * FROM articles WHERE published >= ? AND published < ? ORDER BY published, id",
            (to_db_time(start), to_db_time(end)),
        )
        return self._articles_from_rows(rows)

    def stored_article_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` already stored (a poll's question for every feed: reads ids only, never texts)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        condition, param = self._db.any_of("id", wanted)
        return {row[0] for row in self._db.query(f"SELECT id FROM articles WHERE {condition}", (param,))}

    def articles_by_id(self, ids: Iterable[str], *, texts: bool = True) -> dict[str, Article]:
        """The stored articles among `ids` (unknown ids are simply absent); with `texts=False`, each with an
        empty text (not read)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        condition, param = self._db.any_of("id", wanted)
        columns = "*" if texts else _WITHOUT_TEXT
        rows = self._db.query(f"SELECT {columns} FROM articles WHERE {condition}", (param,))
        return {article.id: article for article in self._articles_from_rows(rows)}

    def _articles_from_rows(self, rows: list[Row]) -> list[Article]:
        feeds_of = self._feeds_of([row["id"] for row in rows])
        return [_article_from_row(row, feeds_of.get(row["id"], ())) for row in rows]

    def _feeds_of(self, ids: list[str]) -> dict[str, tuple[str, ...]]:
        if not ids:
            return {}
        condition, param = self._db.any_of("article_id", ids)
        rows = self._db.query(
            f"SELECT article_id, feed_key FROM article_feeds WHERE {condition} ORDER BY article_id, position, feed_key",
            (param,),
        )
        feeds_of: dict[str, list[str]] = {}
        for article_id, feed_key in rows:
            feeds_of.setdefault(article_id, []).append(feed_key)
        return {article_id: tuple(keys) for article_id, keys in feeds_of.items()}


def _feed_params(feed: Feed) -> dict[str, object]:
    return {
        "key": feed.key,
        "url": feed.url,
        "section": feed.section,
        "name": feed.name,
        "weight": feed.weight,
        "full_text": int(feed.full_text),
        "title": feed.title,
        "etag": feed.etag,
        "last_modified": feed.last_modified,
        "content_hash": feed.content_hash,
        "last_success": to_db_time_or_none(feed.last_success),
        "last_attempt": to_db_time_or_none(feed.last_attempt),
        "last_error": feed.last_error,
        "consecutive_failures": feed.consecutive_failures,
        "next_poll": to_db_time_or_none(feed.next_poll),
        "retired": int(feed.retired),
    }


def _feed_from_row(row: Row) -> Feed:
    return Feed(
        key=row["key"],
        url=row["url"],
        section=row["section"],
        name=row["name"],
        weight=row["weight"],
        full_text=bool(row["full_text"]),
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        last_success=from_db_time_or_none(row["last_success"]),
        last_attempt=from_db_time_or_none(row["last_attempt"]),
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        next_poll=from_db_time_or_none(row["next_poll"]),
        retired=bool(row["retired"]),
        articles=row["article_count"],
    )


def _article_params(article: Article) -> tuple[object, ...]:
    return (
        article.id,
        article.url,
        article.title,
        article.text,
        article.outlet,
        to_db_time(article.published),
        to_db_time(article.first_seen),
        article.language,
        article.guid,
        article.kind.value,
        article.published_offset,
    )


_WITHOUT_TEXT = "id, url, title, '' AS text, outlet, published, first_seen, language, guid, kind, published_offset"


def _article_from_row(row: Row, feeds: tuple[str, ...]) -> Article:
    return Article(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        text=row["text"],
        outlet=row["outlet"],
        published=from_db_time(row["published"]),
        first_seen=from_db_time(row["first_seen"]),
        language=row["language"],
        guid=row["guid"],
        kind=ArticleKind(row["kind"]),
        feeds=feeds,
        published_offset=row["published_offset"],
    )
