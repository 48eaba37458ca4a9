"""Retention, on both backends: `store.prune` removes what the policy allows and never what an edition needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from edition_fixture import sample_edition
from factories import make_article

from briefing import pipeline
from briefing.config import EditionSettings, FeedSettings, RetentionSettings, SectionSettings, Settings
from briefing.models import Article, Cluster, Edition, PrunePolicy, ScheduleSlot, SlotStatus, Summary
from briefing.store import Store

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
DAY = timedelta(days=1)
FEED = "https://a.example/rss"


def aged(article_id: str, days: float) -> Article:
    return make_article(article_id, NOW - timedelta(days=days))


def story(cluster_id: str, *articles: Article) -> Cluster:
    return Cluster(cluster_id, articles)


def edition(edition_id: str, end: datetime, name: str = "morning") -> Edition:
    return replace(sample_edition(), id=edition_id, name=name, window_start=end - DAY, window_end=end, sections=())


def stored(store: Store, *articles: Article) -> None:
    store.add_articles(FEED, articles)


def article_ids(store: Store) -> list[str]:
    return sorted(a.id for a in store.articles_between(NOW - 400 * DAY, NOW + DAY))


# ------------------------------------------------------------------------------------------------ articles


def test_old_articles_go_with_their_feeds_and_story_places(store: Store) -> None:
    old, new = aged("a-old", 40), aged("a-new", 1)
    stored(store, old, new)
    store.save_clusters([story("c-old", old), story("c-new", new)])

    report = store.prune(PrunePolicy(articles_before=NOW - 30 * DAY))

    assert report.removed == {
        "articles": 1,
        "article_feeds": 1,
        "cluster_articles": 1,
        "clusters": 1,
        "summaries": 0,
        "sentence_vectors": 0,
    }
    assert (article_ids(store), list(store.clusters_by_id(["c-old", "c-new"]))) == (["a-new"], ["c-new"])


def test_a_story_with_a_recent_article_is_kept_whole(store: Store) -> None:
    old, new = aged("a-old", 40), aged("a-new", 1)
    stored(store, old, new)
    store.save_clusters([story("c-1", old, new)])

    store.prune(PrunePolicy(articles_before=NOW - 30 * DAY))

    assert [a.id for a in store.clusters_by_id(["c-1"])["c-1"].articles] == ["a-old", "a-new"]


def test_an_article_first_seen_recently_is_kept_whatever_its_date(store: Store) -> None:
    republished = replace(aged("a-1", 40), first_seen=NOW - DAY)  # a feed listing an old item again
    stored(store, republished)

    store.prune(PrunePolicy(articles_before=NOW - 30 * DAY))

    assert article_ids(store) == ["a-1"]


def test_the_latest_edition_keeps_the_articles_its_stories_reach_into(store: Store) -> None:
    store.save_edition(edition("2026-10-01-morning", NOW - 55 * DAY), built_at=NOW - 55 * DAY)
    store.save_edition(edition("2026-10-16-morning", NOW - 40 * DAY), built_at=NOW - 40 * DAY)  # the latest
    stored(store, aged("a-reach", 41.4), aged("a-gone", 41.6), aged("a-older", 50))

    report = store.prune(PrunePolicy(articles_before=NOW - 30 * DAY, story_reach=timedelta(hours=12)))

    assert (article_ids(store), report.articles_before) == (["a-reach"], NOW - 41 * DAY - timedelta(hours=12))


def test_each_edition_name_keeps_its_latest(store: Store) -> None:
    store.save_edition(edition("2026-10-16-evening", NOW - 40 * DAY, "evening"), built_at=NOW - 40 * DAY)
    store.save_edition(edition("2026-11-24-morning", NOW - DAY), built_at=NOW - DAY)
    stored(store, aged("a-1", 40.5))

    store.prune(PrunePolicy(articles_before=NOW - 30 * DAY, story_reach=timedelta(0)))

    assert article_ids(store) == ["a-1"]


def test_old_cached_summaries_go_with_the_articles(store: Store) -> None:
    summary = Summary("Bridge closes", (), "extractive")
    store.cache_summary("key-old", summary, NOW - 40 * DAY)
    store.cache_summary("key-new", summary, NOW - DAY)

    store.prune(PrunePolicy(articles_before=NOW - 30 * DAY))

    assert (store.cached_summaries(), store.cached_summary("key-new") is not None) == (1, True)


# ------------------------------------------------------------------------------------------- editions, sends


def test_old_editions_go_but_not_the_latest_nor_one_that_may_still_be_sent(store: Store) -> None:
    for days, edition_id in ((60, "2026-09-26-morning"), (50, "2026-10-06-morning"), (45, "2026-10-11-morning")):
        store.save_edition(edition(edition_id, NOW - days * DAY), built_at=NOW - days * DAY)
    store.save_slot(
        ScheduleSlot(
            "morning", date(2026, 10, 6), NOW - 50 * DAY, SlotStatus.BUILT, NOW - 2 * DAY, "2026-10-06-morning"
        )
    )

    report = store.prune(PrunePolicy(editions_before=NOW - 30 * DAY, unsent_since=NOW - 3 * DAY))

    assert [e.id for e in store.editions()] == ["2026-10-06-morning", "2026-10-11-morning"]
    assert report.removed == {"editions": 1, "edition_articles": 0}


def test_what_an_old_edition_reported_goes_with_it(store: Store) -> None:
    reported = replace(sample_edition(), window_start=NOW - 41 * DAY, window_end=NOW - 40 * DAY)
    store.save_edition(reported, built_at=NOW - 40 * DAY)
    store.save_edition(edition("2026-11-24-morning", NOW - DAY), built_at=NOW - DAY)

    report = store.prune(PrunePolicy(editions_before=NOW - 30 * DAY))

    articles = sum(len(s.articles) for s in reported.stories)
    assert (report.removed["edition_articles"], store.reported_articles("none")) == (0 + articles, set())


def test_final_sends_go_unless_their_edition_still_has_unfinished_ones(store: Store) -> None:
    """A rerun of an edition with unfinished sends must still know who was sent it, or it sends them again."""
    old = NOW - 40 * DAY
    for edition_id in ("2026-10-15-morning", "2026-10-16-morning"):
        wanted = [(recipient, f"<{recipient}>") for recipient in ("sent@x.example", "other@x.example")]
        store.claim_sends("email", edition_id, wanted, "a run", old)
        store.mark_sent("email", edition_id, "sent@x.example", old)
    store.mark_failed("email", "2026-10-15-morning", "other@x.example", "550 no such user", True, old)  # all final
    store.mark_failed("email", "2026-10-16-morning", "other@x.example", "421 try later", False, old)  # retried later

    store.prune(PrunePolicy(sends_before=NOW - 30 * DAY))

    assert (sorted(store.sends("2026-10-15-morning")), sorted(store.sends("2026-10-16-morning"))) == (
        [],
        ["other@x.example", "sent@x.example"],
    )


# ------------------------------------------------------------------------------------------------ runs log


def test_old_runs_and_slots_go_but_each_editions_latest_slot_stays(store: Store) -> None:
    old_run, new_run = store.start_run("poll", NOW - 100 * DAY), store.start_run("poll", NOW - DAY)
    for day, name in ((date(2026, 8, 1), "morning"), (date(2026, 8, 2), "morning"), (date(2026, 8, 1), "evening")):
        due = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        store.save_slot(ScheduleSlot(name, day, due, SlotStatus.SENT, due))

    store.prune(PrunePolicy(runs_before=NOW - 90 * DAY))

    assert ([run.id for run in store.runs()], [(s.name, s.local_date.day) for s in store.slots()]) == (
        [new_run],
        [("morning", 2), ("evening", 1)],
    )
    assert old_run not in [run.id for run in store.runs()]


def test_a_policy_that_keeps_everything_removes_nothing(store: Store) -> None:
    stored(store, aged("a-1", 400))
    store.start_run("poll", NOW - 400 * DAY)

    report = store.prune(PrunePolicy())

    assert (report.removed, report.total, article_ids(store)) == ({}, 0, ["a-1"])


# --------------------------------------------------------------------------------------- what editions need


def daily_settings(tmp_path: Path) -> Settings:
    feeds = [FeedSettings(url=FEED)]
    return Settings(
        config_path=tmp_path / "feeds.yaml",
        timezone="UTC",
        editions=[EditionSettings(name="morning", at="06:30")],
        sections=[SectionSettings(name="World", feeds=feeds)],
    )


TOPICS = {
    "bridge": "The harbour bridge closes for repairs. Engineers found cracks in two cables. Ferries run all week.",
    "budget": "The council approves the city budget. Spending on schools rises by a tenth. Rates stay unchanged.",
    "comet": "Astronomers spot a bright comet at dawn. It will be visible for a fortnight. Binoculars help.",
}


def topic_article(article_id: str, topic: str, when: datetime) -> Article:
    return replace(make_article(article_id, when), title=f"{topic.title()} news", text=TOPICS[topic], feeds=(FEED,))


def test_a_rebuild_of_the_latest_edition_after_pruning_writes_the_same_bytes(store: Store, tmp_path: Path) -> None:
    settings = daily_settings(tmp_path)
    first, second, latest = (datetime(2026, 11, day, 6, 30, tzinfo=UTC) for day in (10, 19, 25))
    stored(store, topic_article("a-1", "bridge", first - timedelta(hours=5)))
    pipeline.build(settings, store, first, first)
    stored(store, topic_article("a-2", "budget", second - timedelta(hours=5)))
    pipeline.build(settings, store, second, second)
    stored(store, topic_article("a-3", "comet", latest - timedelta(hours=5)))
    pipeline.build(settings, store, latest, latest)
    outputs = {p: p.read_bytes() for p in (tmp_path / "outputs").rglob("*") if p.is_file()}

    pruned = pipeline.prune(
        settings.model_copy(update={"retention": RetentionSettings(articles_days=1)}), store, latest + 60 * DAY
    )
    again = pipeline.build(settings, store, latest, latest + 60 * DAY)

    assert (pruned.removed["articles"], again.written) == (1, ())  # a-1 went; a-2 is within the latest's reach
    assert {p: p.read_bytes() for p in (tmp_path / "outputs").rglob("*") if p.is_file()} == outputs


@pytest.mark.parametrize("days", [None, 30])
def test_prune_is_recorded_in_the_runs_log(store: Store, tmp_path: Path, days: int | None) -> None:
    settings = daily_settings(tmp_path).model_copy(update={"retention": RetentionSettings(articles_days=days)})
    pipeline.prune(settings, store, NOW)
    [run] = store.runs("prune")
    assert (run.status, sorted(run.stats)) == ("ok", ["removed", "size_after", "size_before"])


@pytest.mark.parametrize(("cutoff", "kept"), [(-DAY, 1), (DAY, 0)])
def test_cached_sentence_vectors_older_than_the_article_cutoff_go(store: Store, cutoff: timedelta, kept: int) -> None:
    store.cache_vectors("model-a", {"digest-1": np.ones((2, 4), np.float32)})

    store.prune(PrunePolicy(articles_before=datetime.now(UTC) + cutoff))

    assert len(store.cached_vectors("model-a", ["digest-1"])) == kept
