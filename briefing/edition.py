"""Assembles one `Edition` from ranked, summarised clusters.

Knows editions: their slots and ids, their windows, what is new since the previous one, and the stats footer.
It does not fetch, cluster, summarise or render, and it does not touch the store: the pipeline hands it values.

What is new (nothing is reported twice):
- the window starts where the previous edition ended (the first edition looks back `lookback_hours`);
- an article is new when no other edition reported it and it was published in the window, or it was
  published earlier but first seen after the previous edition was built (a late feed);
- a cluster reported before comes back as an `update` showing only its new articles; with none it is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from briefing.config import EditionSettings, RankSettings
from briefing.models import (
    Article,
    ArticleRef,
    Cluster,
    Edition,
    EditionStats,
    OtherItems,
    RankedCluster,
    Section,
    Story,
    StoryStatus,
    Summary,
    edition_to_dict,
)


@dataclass(frozen=True)
class Slot:
    """One scheduled edition: its name and id, and the local date it belongs to."""

    name: str
    id: str
    local_date: date
    title: str


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    previous_built_at: datetime | None = None  # when the previous edition was built, for late arrivals


@dataclass(frozen=True)
class Candidate:
    """A cluster cut down to what is new for this edition."""

    cluster: Cluster
    status: StoryStatus


def slot_for(at: datetime, editions: Sequence[EditionSettings], timezone: str, name: str | None = None) -> Slot:
    """The edition a build at `at` belongs to: the one `name`d, else the latest slot of that local day that
    has begun, or the day's first slot when built before it (an early build of today's edition)."""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    ordered = sorted(editions, key=lambda e: e.at)
    chosen = ordered[0]
    for edition in ordered:
        if edition.name == name or (name is None and edition.at <= local.strftime("%H:%M")):
            chosen = edition
    day = local.date()
    edition_id = day.isoformat() if len(ordered) == 1 else f"{day.isoformat()}-{chosen.name}"
    title = f"{chosen.name.replace('-', ' ').replace('_', ' ').capitalize()} briefing, {day.day} {day:%B %Y}"
    return Slot(name=chosen.name, id=edition_id, local_date=day, title=title)


def window_for(
    at: datetime, previous_end: datetime | None, previous_built_at: datetime | None, lookback: timedelta
) -> Window:
    start = previous_end if previous_end is not None and previous_end < at else at - lookback
    return Window(start=start, end=at, previous_built_at=previous_built_at)


def is_new(article: Article, window: Window, reported: Set[str]) -> bool:
    if article.id in reported or article.published > window.end:
        return False
    if article.published >= window.start:
        return True
    return window.previous_built_at is not None and article.first_seen > window.previous_built_at


def select_new(
    clusters: Sequence[Cluster], window: Window, reported_articles: Set[str], reported_clusters: Set[str]
) -> list[Candidate]:
    """Clusters with something new, each holding only its new articles."""
    candidates = []
    for cluster in clusters:
        fresh = tuple(a for a in cluster.articles if is_new(a, window, reported_articles))
        if not fresh:
            continue
        status = StoryStatus.UPDATE if cluster.id in reported_clusters else StoryStatus.NEW
        candidates.append(Candidate(replace(cluster, articles=fresh), status))
    return candidates


def split_standalone(candidates: Sequence[Candidate]) -> tuple[list[Candidate], list[Article]]:
    """News candidates (without any stand-alone article: it never leads a story nor supplies a bullet), and
    the stand-alone articles (live blogs, digests, episodes), newest first."""
    news: list[Candidate] = []
    alone: list[Article] = []
    for candidate in candidates:
        kept = tuple(a for a in candidate.cluster.articles if not a.kind.standalone)
        alone.extend(a for a in candidate.cluster.articles if a.kind.standalone)
        if kept:
            news.append(replace(candidate, cluster=replace(candidate.cluster, articles=kept)))
    return news, sorted(alone, key=lambda a: (a.published, a.id), reverse=True)


def other_items(articles: Sequence[Article], settings: RankSettings) -> OtherItems | None:
    """What the edition lists of the stand-alone articles: nothing by default (`non_news: omit`)."""
    if settings.non_news == "omit" or not articles:
        return None
    return OtherItems(settings.non_news_heading, tuple(_ref(a) for a in articles[: settings.max_non_news]))


def _ref(a: Article) -> ArticleRef:
    return ArticleRef(a.id, a.title, a.url, a.outlet, a.published, a.kind, a.published_offset)


def _story(ranked: RankedCluster, summary: Summary, status: StoryStatus) -> Story:
    articles = sorted(ranked.cluster.articles, key=lambda a: (a.published, a.id))
    refs = tuple(_ref(a) for a in articles)
    return Story(
        id=ranked.cluster.id,
        headline=summary.headline,
        status=status,
        bullets=summary.bullets,
        articles=refs,
        summariser=summary.summariser,
        model=summary.model,
        fallback=summary.stats.fallback_reason if summary.stats.fell_back else None,
    )


def said_before(editions: Sequence[Edition], before: datetime) -> dict[str, tuple[str, ...]]:
    """For each story, the bullets that editions built before `before` published about it (oldest first), so
    an update does not repeat them."""
    said: dict[str, list[str]] = {}
    for edition in sorted(editions, key=lambda e: (e.window_end, e.id)):
        if edition.window_end >= before:
            continue
        for story in edition.stories:
            said.setdefault(story.id, []).extend(b.text for b in story.bullets)
    return {story: tuple(texts[-12:]) for story, texts in said.items()}


def stats_for(
    summaries: Sequence[Summary], *, feeds: int, feeds_failed: int, articles: int, clusters: int, stories: int
) -> EditionStats:
    rejected: Counter[str] = Counter()
    for summary in summaries:
        rejected.update(summary.stats.rejected)
    return EditionStats(
        feeds=feeds,
        feeds_failed=feeds_failed,
        articles=articles,
        clusters=clusters,
        stories=stories,
        bullets_checked=sum(s.stats.bullets_checked for s in summaries),
        bullets_repaired=sum(s.stats.bullets_repaired for s in summaries),
        bullets_dropped=sum(s.stats.bullets_dropped for s in summaries),
        llm_calls=sum(s.stats.llm_calls for s in summaries),
        llm_tokens=sum(s.stats.llm_tokens for s in summaries),
        llm_fallbacks=sum(1 for s in summaries if s.stats.fell_back and s.bullets),
        llm_failures=sum(1 for s in summaries if s.stats.llm_failed),
        bullets_fallback=sum(len(s.bullets) for s in summaries if s.stats.fell_back),
        rejected=dict(sorted(rejected.items())),
    )


def assemble(
    slot: Slot,
    window: Window,
    *,
    timezone: str,
    section_order: Sequence[str],
    ranked: Sequence[RankedCluster],
    summaries: Sequence[Summary],
    statuses: Mapping[str, StoryStatus],
    stats: EditionStats,
    summariser: str,
    model: str | None,
    generated_at: datetime,
    others: OtherItems | None = None,
) -> Edition:
    """One Edition: sections in config order, stories in rank order; stories left without bullets are dropped.
    `others` are the stand-alone items it lists, if any (`other_items`)."""
    by_section: dict[str, list[Story]] = {name: [] for name in section_order}
    for item, summary in zip(ranked, summaries, strict=True):
        if summary.bullets:
            by_section.setdefault(item.section, []).append(_story(item, summary, statuses[item.cluster.id]))
    sections = tuple(Section(name, tuple(stories)) for name, stories in by_section.items() if stories)
    story_count = sum(len(s.stories) for s in sections)
    return Edition(
        id=slot.id,
        title=slot.title,
        name=slot.name,
        generated_at=generated_at.astimezone(UTC),
        window_start=window.start.astimezone(UTC),
        window_end=window.end.astimezone(UTC),
        timezone=timezone,
        summariser=summariser,
        model=model,
        sections=sections,
        stats=replace(stats, stories=story_count),
        other_items=others,
    )


def same_content(a: Edition, b: Edition) -> bool:
    """Equal but for when it was generated: a rebuild with no new input keeps the first `generated_at`."""
    ours, theirs = edition_to_dict(a), edition_to_dict(b)
    ours.pop("generated_at")
    theirs.pop("generated_at")
    return ours == theirs
