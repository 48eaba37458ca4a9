"""Ranking: coverage, recency and feed weight order the stories; caps keep an edition varied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefing.config import RankSettings
from briefing.models import Article, Cluster
from briefing.rank import lead_outlet, rank_clusters, section_of

NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
SECTIONS = {
    "https://world.example/rss": "World",
    "https://biz.example/rss": "Business",
    "https://b2.example/rss": "World",
}


def article(ident: str, outlet: str, feed: str = "https://world.example/rss", hours_ago: float = 1.0) -> Article:
    published = NOW - timedelta(hours=hours_ago)
    return Article(ident, f"https://{outlet}/{ident}", ident, "text", outlet, published, published, feeds=(feed,))


def cluster(name: str, *outlets: str, feed: str = "https://world.example/rss", hours_ago: float = 1.0) -> Cluster:
    return Cluster(
        f"c-{name}",
        tuple(article(f"{name}-{i}", outlet, feed, hours_ago) for i, outlet in enumerate(outlets)),
    )


def ranked_ids(clusters: list[Cluster], settings: RankSettings | None = None, weights: dict[str, float] | None = None):
    ranked = rank_clusters(clusters, SECTIONS, weights or {}, settings or RankSettings(), NOW)
    return [r.cluster.id for r in ranked]


def test_rank_wider_coverage_first() -> None:
    narrow = cluster("narrow", "A", "A", "A")
    wide = cluster("wide", "A", "B", "C")
    assert ranked_ids([narrow, wide]) == ["c-wide", "c-narrow"]


def test_rank_recent_story_beats_older_story_of_equal_coverage() -> None:
    old = cluster("old", "A", "B", hours_ago=30)
    fresh = cluster("fresh", "C", "D", hours_ago=1)
    assert ranked_ids([old, fresh]) == ["c-fresh", "c-old"]


def test_rank_feed_weight_lifts_a_story() -> None:
    plain = cluster("plain", "A", "B", feed="https://world.example/rss")
    favoured = cluster("favoured", "C", "D", feed="https://biz.example/rss")
    assert ranked_ids([plain, favoured], weights={"https://biz.example/rss": 2.0}) == ["c-favoured", "c-plain"]


def test_rank_per_outlet_cap_keeps_one_prolific_feed_from_filling_the_edition() -> None:
    prolific = [cluster(f"p{i}", "Prolific", "Prolific", "Prolific") for i in range(5)]
    other = cluster("other", "Quiet")
    ids = ranked_ids([*prolific, other], RankSettings(per_outlet_cap=2))
    assert ids == ["c-p0", "c-p1", "c-other"]


def test_rank_max_per_section_and_overall() -> None:
    world = [cluster(f"w{i}", "A", str(i)) for i in range(4)]
    business = [cluster(f"b{i}", "B", str(i), feed="https://biz.example/rss") for i in range(4)]
    ranked = rank_clusters(
        [*world, *business], SECTIONS, {}, RankSettings(max_per_section=2, max_stories=3, per_outlet_cap=9), NOW
    )
    assert [(r.cluster.id, r.section) for r in ranked] == [
        ("c-b0", "Business"),
        ("c-b1", "Business"),
        ("c-w0", "World"),
    ]


def test_section_is_the_majority_of_the_clusters_feeds() -> None:
    mixed = Cluster(
        "c-mixed",
        (
            article("1", "A", "https://biz.example/rss"),
            article("2", "B", "https://biz.example/rss"),
            article("3", "C", "https://world.example/rss"),
        ),
    )
    assert section_of(mixed, SECTIONS, RankSettings()) == "Business"


def test_section_tie_goes_to_the_section_configured_first() -> None:
    tied = Cluster("c-tied", (article("1", "A", "https://biz.example/rss"), article("2", "B")))
    assert section_of(tied, SECTIONS, RankSettings()) == "World"


@pytest.mark.parametrize(("default", "expected"), [(None, "World"), ("Elsewhere", "Elsewhere")])
def test_section_of_unknown_feeds_is_the_default(default: str | None, expected: str) -> None:
    stray = cluster("stray", "A", feed="https://unknown.example/rss")
    assert section_of(stray, SECTIONS, RankSettings(default_section=default)) == expected


def test_lead_outlet_is_the_one_with_most_articles() -> None:
    assert lead_outlet(cluster("x", "A", "B", "B")) == "B"


def test_rank_is_deterministic_on_ties() -> None:
    twins = [cluster("b", "A"), cluster("a", "B")]
    assert ranked_ids(twins) == ranked_ids(list(reversed(twins))) == ["c-a", "c-b"]
