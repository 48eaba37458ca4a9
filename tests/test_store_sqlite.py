"""What only the SQLite store does: one file in WAL mode, migrated forward in place, vacuumed incrementally."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from factories import WHEN, make_article, make_feed

from briefing.config import Settings
from briefing.errors import ConfigError, StoreError
from briefing.models import ArticleKind, PrunePolicy
from briefing.store import open_store, open_store_from_settings
from briefing.store.schema import TABLES
from briefing.store.sqlite import SqliteStore, open_sqlite_store, schema


def pragma(store: SqliteStore, name: str) -> object:
    return store._db.query(f"PRAGMA {name}")[0][0]


def old_database(path: Path, version: int) -> sqlite3.Connection:
    """A database as briefing left it at `version` (its steps applied by hand), for the caller to fill."""
    db = sqlite3.connect(path)
    for step in schema.MIGRATIONS[:version]:
        db.executescript(step)
    db.execute(f"PRAGMA user_version = {version}")
    return db


# -------------------------------------------------------------------------------------------- open, migrate


def test_open_store_creates_folders_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state" / "briefing.sqlite"
    with open_sqlite_store(path) as store:
        found = [pragma(store, name) for name in ("journal_mode", "foreign_keys", "auto_vacuum")]
        busy = pragma(store, "busy_timeout")
    assert (path.exists(), found, busy) == (True, ["wal", 1, 2], 10_000)


def test_a_new_file_has_16_kb_pages_and_an_older_file_keeps_its_own(tmp_path: Path) -> None:
    """Fewer, larger pages for the span counts a first poll writes; a file made with 4 KB pages (SQLite's default,
    and briefing's before) opens, is written and is pruned as before, its page size unchanged."""
    old = tmp_path / "old.sqlite"
    old_database(old, len(schema.MIGRATIONS)).close()
    with open_sqlite_store(tmp_path / "new.sqlite") as new, open_sqlite_store(old) as kept:
        kept.add_articles("https://a.example/rss", [make_article(f"a-{n}", text="x" * 4000) for n in range(100)])
        kept.prune(PrunePolicy(articles_before=WHEN + timedelta(days=1)))
        sizes = (pragma(new, "page_size"), pragma(kept, "page_size"), pragma(kept, "freelist_count"))
    assert sizes == (16_384, 4_096, 0)


def test_syncing_unchanged_feeds_neither_writes_nor_waits_for_a_running_poll(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    feeds = [make_feed(), make_feed("https://example.org/other.xml", name="Other")]
    with open_sqlite_store(path) as store:
        store.sync_feeds(feeds)
        poll = sqlite3.connect(path, timeout=0)
        poll.execute("BEGIN IMMEDIATE")  # another process holds the write lock, as a running poll does
        try:
            store.sync_feeds(feeds)  # the idle cron tick's sync: nothing changed, so no write and no wait
        finally:
            poll.rollback()
            poll.close()
        stored = [(feed.key, feed.name) for feed in store.feeds()]
    assert stored == [("https://example.org/world.xml", None), ("https://example.org/other.xml", "Other")]


def test_open_store_migrates_an_empty_database_to_the_latest_version(tmp_path: Path) -> None:
    with open_sqlite_store(tmp_path / "briefing.sqlite") as store:
        tables = {row[0] for row in store._db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert (store.schema_version, tables - {"sqlite_sequence"}) == (len(schema.MIGRATIONS), set(TABLES))


def test_open_store_migrates_an_older_database_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "briefing.sqlite"
    with open_store(path) as store:
        store.add_articles("https://example.org/world.xml", [make_article()])
    released = len(schema.MIGRATIONS)
    next_step = "ALTER TABLE articles ADD COLUMN image TEXT; CREATE TABLE extra (id INTEGER PRIMARY KEY);"
    monkeypatch.setattr("briefing.store.sqlite.MIGRATIONS", [*schema.MIGRATIONS, next_step])
    with open_sqlite_store(path) as store:
        columns = {row["name"] for row in store._db.query("PRAGMA table_info(articles)")}
        kept = store.articles_by_id(["a-1"])
        assert (store.schema_version, "image" in columns, list(kept)) == (released + 1, True, ["a-1"])


def test_a_version_1_database_gains_article_kinds(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    db = old_database(path, 1)
    db.execute(
        "INSERT INTO articles (id, url, title, text, outlet, published, first_seen)"
        " VALUES ('a-1', 'https://example.org/1', 'T', 'x', 'O', '2026-11-25T06:00:00.000000+00:00',"
        " '2026-11-25T06:00:00.000000+00:00')"
    )
    db.commit()
    db.close()
    with open_store(path) as store:
        assert store.articles_by_id(["a-1"])["a-1"].kind is ArticleKind.NEWS


def test_a_version_2_database_keeps_its_rowid_orders_as_explicit_positions(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    db = old_database(path, 2)
    for key in ("https://z.example/rss", "https://a.example/rss"):
        db.execute("INSERT INTO feeds (key, url, section) VALUES (?, ?, 'World')", (key, key))
    db.execute(
        "INSERT INTO articles (id, url, title, text, outlet, published, first_seen) VALUES"
        " ('a-1', 'u', 't', 'x', 'o', '2026-11-25T06:00:00.000000+00:00', '2026-11-25T06:00:00.000000+00:00')"
    )
    for key in ("https://z.example/rss", "https://a.example/rss"):
        db.execute("INSERT INTO article_feeds (article_id, feed_key) VALUES ('a-1', ?)", (key,))
    db.commit()
    db.close()
    with open_store(path) as store:
        store.save_feed(make_feed("https://m.example/rss"))
        store.add_articles("https://m.example/rss", [make_article("a-1")])
        feeds = [feed.key for feed in store.feeds()]
        assert (feeds, store.articles_by_id(["a-1"])["a-1"].feeds) == (
            ["https://z.example/rss", "https://a.example/rss", "https://m.example/rss"],
            ("https://z.example/rss", "https://a.example/rss", "https://m.example/rss"),
        )


def test_a_failing_migration_step_leaves_the_database_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "briefing.sqlite"
    open_store(path).close()
    broken = [*schema.MIGRATIONS, "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;"]
    monkeypatch.setattr("briefing.store.sqlite.MIGRATIONS", broken)
    with pytest.raises(StoreError, match="cannot open the database"):
        open_store(path)
    db = sqlite3.connect(path)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert (db.execute("PRAGMA user_version").fetchone()[0], "half" in tables) == (len(schema.MIGRATIONS), False)


def test_open_store_reports_an_unusable_path_as_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the database"):
        open_store(tmp_path / "a-file" / "briefing.sqlite")


def test_a_reader_is_not_blocked_by_a_writer_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    with open_store(path) as writer, open_store(path) as reader:
        with writer.transaction():
            writer.add_articles("https://a.example/rss", [make_article("a-1")])
            during = reader.articles_by_id(["a-1"])
        after = reader.articles_by_id(["a-1"])
    assert (list(during), list(after)) == ([], ["a-1"])


def test_open_store_refuses_a_database_from_a_newer_briefing(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(path)


def test_the_instance_lock_writes_its_holders_pid_beside_the_database(tmp_path: Path) -> None:
    with open_sqlite_store(tmp_path / "briefing.sqlite") as store, store.instance_lock():
        assert (tmp_path / "briefing.sqlite.lock").read_text().isdigit()


# ---------------------------------------------------------------------------------------------- settings


def test_open_store_from_settings_reads_a_sqlite_url_beside_the_config(tmp_path: Path) -> None:
    settings = Settings(config_path=tmp_path / "feeds.yaml", database_url="sqlite:///db/custom.sqlite")
    with open_store_from_settings(settings) as store:
        assert store.location == str(tmp_path / "db" / "custom.sqlite")


def test_open_store_from_settings_defaults_to_the_database_path(tmp_path: Path) -> None:
    settings = Settings(config_path=tmp_path / "feeds.yaml", database="state/x.sqlite")
    with open_store_from_settings(settings) as store:
        assert store.location == str(tmp_path / "state" / "x.sqlite")


def test_open_store_refuses_an_unknown_database_url(tmp_path: Path) -> None:
    settings = Settings(config_path=tmp_path / "feeds.yaml")
    # The settings model refuses it too; the store's seam checks again for settings built in code.
    with pytest.raises(ConfigError, match="expected postgresql://user@host/dbname or sqlite:///PATH"):
        open_store_from_settings(settings.model_copy(update={"database_url": "mysql://db/briefing"}))


# ---------------------------------------------------------------------------------------------- vacuum


def test_prune_gives_the_space_back_to_the_file_system(tmp_path: Path) -> None:
    """8 MB of articles pruned leave the empty tables (a page each: 0.8 MB at 16 KB pages) and nothing else."""
    with open_sqlite_store(tmp_path / "briefing.sqlite") as store:
        store.add_articles("https://a.example/rss", [make_article(f"a-{n}", text="x" * 4000) for n in range(2000)])
        report = store.prune(PrunePolicy(articles_before=WHEN + timedelta(days=1)))
        assert (report.removed["articles"], report.size_after < report.size_before / 8) == (2000, True)
        assert pragma(store, "freelist_count") == 0


def test_prune_switches_a_database_made_without_incremental_vacuum(tmp_path: Path) -> None:
    path = tmp_path / "briefing.sqlite"
    old_database(path, len(schema.MIGRATIONS)).close()  # auto_vacuum stays off in a file made by hand
    with open_sqlite_store(path) as store:
        before = pragma(store, "auto_vacuum")
        store.prune(PrunePolicy(articles_before=WHEN))
        assert (before, pragma(store, "auto_vacuum")) == (0, 2)
