"""Clustering real feeds: the big stories of 30 May - 1 June 2020 come out as one story across their outlets.

Reads `../shared/data/feeds/real-news/<day>/*.xml` (20 outlets a day), parses each file with the product's parser,
and feeds each day to `cluster_articles` as one poll, as the product does: each feed first teaches its
boilerplate and the items get their kinds, then every article is read without its feed's boilerplate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from briefing.boilerplate import Boilerplate, SpanCounts
from briefing.cluster import cluster_articles
from briefing.config import ClusterSettings
from briefing.kinds import classify
from briefing.models import Article, Cluster, Feed
from briefing.parse import parse_feed

REAL_NEWS = Path(__file__).parent.parent.parent / "shared" / "data" / "feeds" / "real-news"
SETTINGS = ClusterSettings()


@pytest.fixture(scope="module")
def clusters() -> list[Cluster]:
    """Every cluster after polling the three days in order, each cluster as it stands at the end."""
    if not REAL_NEWS.is_dir():
        pytest.skip("../shared/data/feeds/real-news is absent: real-feed clustering checks need it")
    found: dict[str, Cluster] = {}
    stored: dict[str, Article] = {}  # like the store: an article seen on an earlier day is not new again
    counts = SpanCounts()
    for day in sorted(p for p in REAL_NEWS.iterdir() if p.is_dir()):
        now = datetime.fromisoformat(f"{day.name}T23:59:00+00:00")
        by_feed = {path: [a for a in _parse(path, now) if a.id not in stored] for path in sorted(day.glob("*.xml"))}
        for articles in by_feed.values():
            counts.add(articles[0].feeds[0], articles) if articles else None
        learnt = counts.model()
        fresh = classify([a for articles in by_feed.values() for a in articles], learnt)
        stored.update((a.id, a) for a in fresh)
        window = [_stripped(c, stored, learnt) for c in found.values() if c.articles[-1].published >= now - _reach()]
        found.update((c.id, c) for c in cluster_articles(learnt.strip_all(fresh), window, SETTINGS))
    return [_stripped(c, stored, Boilerplate()) for c in found.values()]


def _stripped(cluster: Cluster, stored: dict[str, Article], learnt: Boilerplate) -> Cluster:
    """The cluster as the store holds it (the articles as published), read with `learnt` boilerplate."""
    return replace(cluster, articles=tuple(learnt.strip(stored[a.id]) for a in cluster.articles))


def _parse(path: Path, now: datetime) -> tuple[Article, ...]:
    """One saved feed file, as if polled from https://<file name>.example/feed (outlet: the file name)."""
    url = f"https://{path.stem}.example/feed"
    return parse_feed(path.read_bytes(), {}, Feed(key=url, url=url, section="News", name=path.stem), now).articles


def _reach() -> timedelta:
    return timedelta(hours=SETTINGS.window_hours) + timedelta(days=1)  # the window, from the start of the poll day


def cluster_of(clusters: list[Cluster], title_start: str, outlet: str) -> Cluster:
    """The one cluster holding the article from `outlet` whose title starts with `title_start`."""
    matches = [c for c in clusters for a in c.articles if a.title.startswith(title_start) and outlet in a.outlet]
    assert matches, f"no article {title_start!r} from {outlet}"
    return matches[0]


def same_story(clusters: list[Cluster], *articles: tuple[str, str]) -> Cluster:
    """Assert the articles (title start, outlet) are in one cluster; return it."""
    ids = {cluster_of(clusters, title, outlet).id for title, outlet in articles}
    assert len(ids) == 1, f"split over {len(ids)} clusters: {articles}"
    return cluster_of(clusters, *articles[0])


@pytest.mark.slow
def test_crew_dragon_launch_is_one_story_across_outlets(clusters: list[Cluster]) -> None:
    launch = same_story(
        clusters,
        ("NASA, SpaceX launch astronauts from US soil for the first time", "cnn-edition"),
        ("NASA and Elon Musk's SpaceX successfully launch", "dailymail"),
        ("SpaceX Lifts NASA Astronauts to Orbit", "nytimes-us"),
        ("SpaceX, NASA launch two US astronauts", "foxnews-youtube"),
        ("NASA, SpaceX launch astronauts from US soil", "cnn-youtube"),
    )
    assert len(launch.outlets) >= 5


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap: the bar that grows with the window (cluster.threshold_growth), chosen held out by day to keep "
    "unrelated events apart, splits this 112-item story; a huge story makes its own words common (low IDF)",
)
def test_george_floyd_protests_spreading_is_one_story_across_outlets(clusters: list[Cluster]) -> None:
    protests = same_story(
        clusters,
        ("George Floyd death: US cities order curfews", "bbc-news"),
        ("Curfews across the US as George Floyd riots", "smh"),
        ("Protests over George Floyd death escalate in Los Angeles", "cnn-youtube"),
        ("US protests over death of George Floyd in Minneapolis rage on", "gmanews"),
        ("Protests rock US over Floyd", "dailytelegraph-au"),
    )
    assert len(protests.outlets) >= 8


@pytest.mark.slow
def test_independent_autopsy_stays_apart_from_the_governors_call(clusters: list[Cluster]) -> None:
    autopsy = cluster_of(clusters, "Independent autopsy finds George Floyd died by strangulation", "gmanews")
    call = same_story(
        clusters,
        ("Agitated Trump tells governors to exact 'retribution'", "cnn-edition"),
        ("Trump urges governors to 'dominate' protesters", "smh"),
        ("Trump tells governors 'most of you are weak'", "dailymail"),
    )
    assert autopsy.id != call.id
    assert not [a.title for a in call.articles if "autopsy" in a.title.lower()]


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap: read with its own description (not its photo caption, which mentioned the family autopsy), "
    "the New York Times item and two others form one story, and the Daily Mail and Fox News items another",
)
def test_independent_autopsy_is_one_story(clusters: list[Cluster]) -> None:
    same_story(
        clusters,
        ("Independent autopsy finds George Floyd died by strangulation", "gmanews"),
        ("How Did George Floyd Die? A Private Autopsy", "nytimes-us"),
        ("George Floyd was MURDERED says independent autopsy", "dailymail"),
    )


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap: with the bar chosen held out by day to keep fewer than 1 in 20 stories mixing unrelated events "
    "(cluster.threshold_growth 0.2), one outlet's item, whose text is mostly about the security law, stays apart "
    "(the other three are one story, asserted below)",
)
def test_hong_kong_vigil_ban_is_one_story(clusters: list[Cluster]) -> None:
    same_story(
        clusters,
        ("Hong Kong Police Ban Tiananmen Massacre Vigil", "wsj-world"),
        ("China criticised as Hong Kong Tiananmen vigil banned", "dailymail"),
        ("Hong Kong bans Tiananmen vigil for first time", "smh"),
    )


@pytest.mark.slow
def test_hong_kong_vigil_ban_is_one_story_across_three_outlets(clusters: list[Cluster]) -> None:
    same_story(
        clusters,
        ("Hong Kong Police Ban Tiananmen Massacre Vigil", "wsj-world"),
        ("China criticised as Hong Kong Tiananmen vigil banned", "dailymail"),
        ("For the first time in 30 years, Hong Kong will not hold a mass vigil", "cnn-edition"),
    )


@pytest.mark.slow
def test_youtube_boilerplate_does_not_glue_a_channels_videos_together(clusters: list[Cluster]) -> None:
    """Every Fox News video description ends with the same paragraphs; the launch and a protest video differ."""
    launch = cluster_of(clusters, "SpaceX, NASA launch two US astronauts", "foxnews-youtube")
    protest = cluster_of(clusters, "Atlanta mayor calls for peaceful protests", "foxnews-youtube")
    assert launch.id != protest.id


def test_real_news_articles_are_all_clustered_once(clusters: list[Cluster]) -> None:
    ids = [a.id for c in clusters for a in c.articles]
    assert len(ids) == len(set(ids))


ROBUSTNESS = REAL_NEWS.parent / "robustness" / "fastfeedparser" / "benchmark_data"


def test_a_whole_article_joins_a_one_sentence_report_of_the_same_development() -> None:
    """Clustering reads a text's lead (`LEAD_WORDS` words). Dawn's feed carries its whole article on Tarique
    Rahman's swearing-in (eleven paragraphs: his family, the interim government, the ceremony, the seat count);
    Al Jazeera's carries one sentence. Read whole, the article shared too few of its words with the sentence for
    the two to join, on a held-out day's first poll and even as a pair."""
    dawn, al_jazeera = ROBUSTNESS / "ce5f942d1cd40fc0", ROBUSTNESS / "3f9eeff5039a008d"
    if not (dawn.is_file() and al_jazeera.is_file()):
        pytest.skip("../shared/data/feeds/robustness is absent: the Dawn and Al Jazeera feeds of 17 Feb 2026")
    now = datetime.fromisoformat("2026-02-17T23:00:00+00:00")
    pair = [
        next(a for a in _parse(path, now) if a.title.startswith("Tarique Rahman sworn in"))
        for path in (dawn, al_jazeera)
    ]
    assert len(pair[0].text.split()) > 300 and len(pair[1].text.split()) < 30
    clusters = cluster_articles(pair, [], SETTINGS)
    assert [len(c.articles) for c in clusters] == [2]
