"""`briefing store migrate`: a SQLite store copied into an empty store on each backend, every row, counts checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from edition_fixture import sample_edition
from factories import make_article, make_feed

from briefing.cli import app
from briefing.config import Settings
from briefing.demo import serve_demo_feeds, write_demo_config
from briefing.errors import StoreError
from briefing.models import Cluster, ClusterMemory, ScheduleSlot, SlotStatus, Summary
from briefing.store import Store, migrate_store, open_store, open_store_from_settings
from briefing.store.schema import TABLES

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def filled(store: Store) -> None:
    """One row or more in every table."""
    store.sync_feeds([make_feed("https://b.example/rss"), make_feed("https://a.example/rss")])
    store.add_articles("https://b.example/rss", [make_article("a-1"), make_article("a-2")])
    store.add_articles("https://a.example/rss", [make_article("a-1")])
    store.save_clusters([Cluster("c-1", (make_article("a-1"),))])
    store.save_edition(sample_edition(), built_at=NOW)
    store.mark_published(sample_edition().id, NOW)
    store.claim_sends("email", sample_edition().id, [("ann@example.org", "<m1>")], "a run", NOW)
    store.mark_handing_over("email", sample_edition().id, "ann@example.org", NOW)
    store.mark_sent("email", sample_edition().id, "ann@example.org", NOW)
    store.unsubscribe("bob@example.org", NOW)
    store.save_slot(ScheduleSlot("morning", date(2026, 11, 25), NOW, SlotStatus.SENT, NOW, sample_edition().id))
    store.finish_run(store.start_run("poll", NOW), NOW, "ok", {"feeds": 2})
    store.cache_summary("key-1", Summary("Headline", (), "extractive"), NOW)
    store.cache_vectors("model-1", {"digest-1": np.arange(8, dtype=np.float32).reshape(2, 4) / 8})
    store.save_cluster_memory(ClusterMemory("stamp-1", {"a-1": b"\x00\x01"}, {"c-1": (("a-1",), b"\x02")}))
    store.count_spans("https://a.example/rss", Counter({-(2**63): 3, 2**63 - 1: 1}), NOW)


def everything(store: Store) -> tuple[object, ...]:
    """What a consumer can read back, table by table."""
    articles = store.articles_by_id(["a-1", "a-2"])
    return (
        store.feeds(),
        articles,
        store.clusters_by_id(["c-1"]),
        store.editions(),
        store.reported_articles("none"),
        store.sends(sample_edition().id),
        store.unsubscribed(),
        store.slots(),
        [replace(run, id=0) for run in store.runs()],
        store.cached_summary("key-1"),
        store.cached_vectors("model-1", ["digest-1"])["digest-1"].tolist(),
        store.cluster_memory("stamp-1", ["c-1"], ["a-1", "a-2"]),
        list(store.frequent_spans(1)),
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(config_path=tmp_path / "feeds.yaml", database="state/source.sqlite")


def test_migrate_copies_every_row_and_checks_every_count(
    settings: Settings, store_url: str, database_password: str | None
) -> None:
    with open_store_from_settings(settings) as source:
        filled(source)
        expected = everything(source)
    counts = migrate_store(settings.model_copy(update={"database_password": database_password}), store_url)
    with open_store(store_url, password=database_password) as copy:
        assert everything(copy) == expected
    assert sorted(counts) == sorted(TABLES) and all(a == b and a > 0 for a, b in counts.values())


def test_new_runs_in_the_copy_follow_the_copied_ones(
    settings: Settings, store_url: str, database_password: str | None
) -> None:
    with open_store_from_settings(settings) as source:
        copied = [source.start_run("poll", NOW) for _ in range(3)]
    migrate_store(settings.model_copy(update={"database_password": database_password}), store_url)
    with open_store(store_url, password=database_password) as copy:
        assert copy.start_run("build", NOW) > max(copied)


def test_migrate_refuses_a_target_that_holds_data(
    settings: Settings, store_url: str, database_password: str | None
) -> None:
    with open_store(store_url, password=database_password) as target:
        target.unsubscribe("ann@example.org", NOW)
    with pytest.raises(StoreError, match=r"is not empty: unsubscribes \(1\)"):
        migrate_store(settings.model_copy(update={"database_password": database_password}), store_url)


def test_a_store_moved_to_another_backend_rebuilds_the_same_edition(
    tmp_path: Path, store_url: str, database_password: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_DATABASE_PASSWORD", database_password or "")
    with serve_demo_feeds() as site:
        config = write_demo_config(site, tmp_path / "work", tmp_path / "out")
        assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
        moved = invoke("--config", str(config), "store", "migrate", "--to", store_url)
        config.write_text(config.read_text() + f"database_url: '{store_url}'\n")
        rebuilt = invoke("--config", str(config), "build", "--at", "2026-11-25T06:30:00+00:00")
    assert (moved.exit_code, "every count matches" in moved.output) == (0, True)
    assert (rebuilt.exit_code, "0 files written" in rebuilt.output) == (0, True), rebuilt.output


@pytest.mark.parametrize("target", ["state/copy.sqlite", "sqlite:///state/copy.sqlite"])
def test_a_relative_sqlite_target_lands_beside_the_config(settings: Settings, tmp_path: Path, target: str) -> None:
    with open_store_from_settings(settings) as source:
        source.unsubscribe("ann@example.org", NOW)
    migrate_store(settings, target)
    with open_store(tmp_path / "state" / "copy.sqlite") as copy:
        assert list(copy.unsubscribed()) == ["ann@example.org"]
