"""The values that travel between stages.

Every stage takes and returns these frozen dataclasses; no dict or database row crosses a stage boundary.
Changed copies are made with `dataclasses.replace`. Times are timezone-aware UTC `datetime`s.

Flow: Feed -> FetchResult -> Article -> Cluster -> RankedCluster -> Summary (Bullets + Verdicts) -> Story
-> Edition. `Edition` round-trips through `briefing.json` with `edition_to_dict` / `edition_from_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------------- feeds


@dataclass(frozen=True)
class Feed:
    """A configured feed and what the store remembers about polling it.

    `key` is the URL as written in feeds.yaml and never changes; `url` is where it is fetched now (a permanent
    redirect moves it).
    """

    key: str
    url: str
    section: str
    name: str | None = None
    weight: float = 1.0
    full_text: bool = False
    title: str | None = None  # the feed's own <title>, learnt when parsed
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_poll: datetime | None = None
    retired: bool = False
    articles: int = 0  # articles stored from this feed (read-only, filled by the store)

    @property
    def outlet(self) -> str:
        """The name readers see: configured name, else the feed's title, else its host."""
        if self.name:
            return self.name
        if self.title:
            return self.title
        from urllib.parse import urlsplit

        return urlsplit(self.key).hostname or self.key


class FetchStatus(StrEnum):
    OK = "ok"  # a new body to parse
    NOT_MODIFIED = "not_modified"  # 304
    UNCHANGED = "unchanged"  # 200 but the same bytes as last time
    GONE = "gone"  # 410: the feed is retired
    ERROR = "error"


@dataclass(frozen=True)
class FetchResult:
    """One feed fetched once. `feed` is the feed's new state (validators, backoff, next poll, new URL)."""

    feed: Feed
    status: FetchStatus
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    elapsed: float = 0.0


# ------------------------------------------------------------------------------------------------ articles


class ArticleKind(StrEnum):
    """What an item is (definitions: docs, "Item kinds"). Only `news` and `opinion` can lead or join a story;
    the others stand alone: they never share a story, lead one, or supply a bullet."""

    NEWS = "news"  # a report of a development
    OPINION = "opinion"  # opinion, analysis, explainer, review
    LIVE = "live"  # a live blog or rolling page covering many things
    ROUNDUP = "roundup"  # a digest of several unrelated stories, a photo gallery
    PROMO = "promo"  # a programme listing, a show episode, a teaser with no news fact
    OTHER = "other"  # horoscope, recipe, weather or results table, quiz, advert

    @property
    def standalone(self) -> bool:
        """True for kinds that are not a report of one development and so never join or lead a story."""
        return self in (ArticleKind.LIVE, ArticleKind.ROUNDUP, ArticleKind.PROMO, ArticleKind.OTHER)


@dataclass(frozen=True)
class Article:
    """One cleaned news item. `id` is stable across polls and feeds ("a-" + a short hash)."""

    id: str
    url: str
    title: str
    text: str
    outlet: str
    published: datetime
    first_seen: datetime
    feeds: tuple[str, ...] = ()  # keys of the feeds that carried it
    language: str | None = None
    guid: str | None = None
    kind: ArticleKind = ArticleKind.NEWS
    # Minutes east of UTC in which the feed wrote `published` ("Tue, 02 Jun 2020 05:00:00 +0800": 480); None
    # when it gave no zone or +00:00, which many feeds write whatever their writer's zone. The writer's "today"
    # is a day in this zone (summarise.timewords).
    published_offset: int | None = None


@dataclass(frozen=True)
class Run:
    """One entry of the runs log (poll, build, send, ...): when, how it ended, and its statistics."""

    id: int
    kind: str
    started: datetime
    finished: datetime | None = None
    status: str = "running"
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedFeed:
    """What parse makes of one body: articles, or a reason why there are none."""

    articles: tuple[Article, ...]
    title: str | None = None
    ttl: timedelta | None = None  # RSS <ttl>
    error: str | None = None  # set when the body is not a usable feed
    warning: str | None = None  # set when articles were kept from a damaged body (a truncated feed)


@dataclass(frozen=True)
class FeedOutcome:
    """What one poll did with one feed. `error` is the one-line reason when it failed (or was retired)."""

    key: str
    status: FetchStatus
    new_articles: int = 0
    articles: int = 0  # articles read from the body (new or already stored)
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class PollReport:
    """One `briefing poll`: an outcome per due feed and the ids of the articles stored for the first time."""

    outcomes: tuple[FeedOutcome, ...] = ()
    new_article_ids: tuple[str, ...] = ()

    @property
    def polled(self) -> int:
        return len(self.outcomes)

    @property
    def ok(self) -> int:
        """Feeds that sent new content that was read."""
        return sum(1 for o in self.outcomes if o.status is FetchStatus.OK and o.error is None)

    @property
    def not_modified(self) -> int:
        """Feeds with nothing new (304, or the same bytes as last time): nothing parsed."""
        return sum(1 for o in self.outcomes if o.status in (FetchStatus.NOT_MODIFIED, FetchStatus.UNCHANGED))

    @property
    def failed(self) -> int:
        """Feeds that failed to fetch or parse, or were retired (410)."""
        return sum(1 for o in self.outcomes if o.error is not None)

    @property
    def new_articles(self) -> int:
        return len(self.new_article_ids)

    def summary(self) -> dict[str, Any]:
        """Counts of one poll: feeds by outcome and new articles, plus each failure's reason."""
        statuses = [outcome.status for outcome in self.outcomes]
        return {
            "feeds": self.polled,
            "ok": self.ok,
            "not_modified": statuses.count(FetchStatus.NOT_MODIFIED),
            "unchanged": statuses.count(FetchStatus.UNCHANGED),
            "failed": self.failed,
            "new_articles": self.new_articles,
            "failures": [{"key": o.key, "error": o.error} for o in self.outcomes if o.error],
        }


# ------------------------------------------------------------------------------------------------ clusters


@dataclass(frozen=True)
class ClusterMemory:
    """What story clustering computed and keeps between polls, as the store holds it, so that a fresh process
    (`briefing poll` from cron) clusters as fast as a long-running one without featurising the window again.

    Opaque to everyone but `briefing.cluster`, which writes and reads the bytes. `stamp` says what computed
    them (a format version and the settings features depend on): the store hands back only rows of the stamp
    asked for. `features` holds each article's hashed features by article id (an article's text never changes
    once stored); `sums` each story's sums by cluster id, with the article ids they were computed from, so a
    story that since gained or lost articles is recognised and its sums grown or computed again, never trusted.
    """

    stamp: str
    features: Mapping[str, bytes] = field(default_factory=dict)
    sums: Mapping[str, tuple[tuple[str, ...], bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cluster:
    """Articles about one story. `id` ("c-" + hex) is stable across polls and editions."""

    id: str
    articles: tuple[Article, ...]
    duplicates: int = 0  # near-identical wire copies folded into this cluster

    @property
    def outlets(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for article in self.articles:
            seen.setdefault(article.outlet, None)
        return tuple(seen)


@dataclass(frozen=True)
class RankedCluster:
    cluster: Cluster
    section: str
    score: float


# ----------------------------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Verdict:
    """The grounding check's finding on one bullet. `reasons` are human-readable and empty when supported."""

    supported: bool
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bullet:
    text: str
    sources: tuple[str, ...]  # article ids
    evidence: tuple[str, ...] = ()  # spans quoted from the sources
    grounding: Verdict | None = None  # None only before the check ran


@dataclass(frozen=True)
class SummaryStats:
    llm_calls: int = 0
    llm_tokens: int = 0
    llm_seconds: float = 0.0
    cached: bool = False
    fell_back: bool = False  # the LLM failed and extractive bullets were used
    bullets_checked: int = 0
    bullets_repaired: int = 0
    bullets_dropped: int = 0
    bullets_judged: int = 0  # offline passes put to the LLM judge (`summariser.judge`)
    fallback_reason: str | None = None  # why extractive bullets replaced the LLM's (error, budget, check)
    llm_failed: bool = False  # the fallback was an LLM failure (error, timeout, no key), not budget or the check
    rejected: dict[str, int] = field(default_factory=dict)  # candidate sentences and drafts skipped, by reason


@dataclass(frozen=True)
class Summary:
    """A checked summary of one cluster: every bullet has a supported verdict."""

    headline: str
    bullets: tuple[Bullet, ...]
    summariser: str  # "extractive" or "openai"
    model: str | None = None
    stats: SummaryStats = field(default_factory=SummaryStats)


@dataclass(frozen=True)
class EditionContext:
    """What an edition's summaries are written for: its local day and zone (relative times in older articles
    are anchored to their own date, or not used), and what earlier editions already said about each story
    (an update does not repeat it)."""

    day: date | None = None
    timezone: str = "UTC"
    said: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # story (cluster) id -> published bullets


# ------------------------------------------------------------------------------------------------ editions


@dataclass(frozen=True)
class ArticleRef:
    """What an edition keeps of an article: enough to cite and link it."""

    id: str
    title: str
    url: str
    outlet: str
    published: datetime
    kind: ArticleKind = ArticleKind.NEWS
    published_offset: int | None = None  # as `Article.published_offset`


@dataclass(frozen=True)
class OtherItems:
    """Items that are not one story (live blogs, digests, show episodes, listings: `ArticleKind.standalone`),
    listed under their own heading when `rank.non_news` is `list`. They have no bullets."""

    heading: str
    articles: tuple[ArticleRef, ...]


class StoryStatus(StrEnum):
    NEW = "new"
    UPDATE = "update"


@dataclass(frozen=True)
class Story:
    id: str  # the cluster id
    headline: str
    status: StoryStatus
    bullets: tuple[Bullet, ...]
    articles: tuple[ArticleRef, ...]
    summariser: str = "extractive"  # what wrote these bullets: "extractive" or "openai"
    model: str | None = None  # the LLM, when `summariser` is "openai"
    fallback: str | None = None  # why the offline summariser replaced the LLM's bullets, if it did

    @property
    def outlets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.outlet for a in self.articles))


@dataclass(frozen=True)
class Section:
    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class EditionStats:
    feeds: int = 0
    feeds_failed: int = 0
    articles: int = 0
    clusters: int = 0
    stories: int = 0
    bullets_checked: int = 0
    bullets_repaired: int = 0
    bullets_dropped: int = 0
    llm_calls: int = 0
    llm_tokens: int = 0
    llm_fallbacks: int = 0  # stories whose LLM bullets were replaced by the offline summariser's
    llm_failures: int = 0  # ... because the LLM failed (error, timeout, no key)
    bullets_fallback: int = 0  # bullets published from the offline summariser in place of the LLM's
    rejected: dict[str, int] = field(default_factory=dict)  # candidate sentences and drafts skipped, by reason


@dataclass(frozen=True)
class Edition:
    id: str  # e.g. "2026-11-25-morning"; stable, used as a folder name
    title: str
    name: str  # the edition's name in feeds.yaml ("morning")
    generated_at: datetime
    window_start: datetime
    window_end: datetime
    timezone: str
    summariser: str
    sections: tuple[Section, ...]
    stats: EditionStats = field(default_factory=EditionStats)
    model: str | None = None
    other_items: OtherItems | None = None

    @property
    def stories(self) -> tuple[Story, ...]:
        return tuple(story for section in self.sections for story in section.stories)


@dataclass(frozen=True)
class RenderedEdition:
    """One edition as files, ready for `briefing.deliver.files.write_files`.

    `files` maps paths relative to the outputs folder (`editions/<id>/email.html`, ...) to their bytes.
    `trimmed_stories` counts the lowest-ranked stories left out of the email parts to stay under the size
    budget (`briefing.json`, `briefing.md` always carry every story); `warnings` say why, for the run log.
    """

    edition_id: str
    files: dict[str, bytes]
    trimmed_stories: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmailVariant:
    """An edition's email for one sections filter (`sections` None: every section), rendered and inlined once
    by render; delivery only puts each recipient's unsubscribe link where `UNSUBSCRIBE_PLACEHOLDER` stands."""

    sections: tuple[str, ...] | None  # sorted
    edition: Edition  # the edition as this variant shows it: only those sections (its subject comes from it)
    text: str
    html: str


# ------------------------------------------------------------------------------------ briefing.json (contract)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _verdict_to_dict(verdict: Verdict | None, digits: int | None = None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    score = verdict.score if digits is None else round(verdict.score, digits)
    return {"supported": verdict.supported, "score": score, "reasons": list(verdict.reasons)}


def bullet_to_dict(bullet: Bullet) -> dict[str, Any]:
    """A bullet as JSON, exactly (briefing.json rounds its scores to four places for readers)."""
    return {
        "text": bullet.text,
        "sources": list(bullet.sources),
        "evidence": list(bullet.evidence),
        "grounding": _verdict_to_dict(bullet.grounding),
    }


def _story_to_dict(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "headline": story.headline,
        "status": story.status.value,
        "summariser": story.summariser,
        "model": story.model,
        "fallback": story.fallback,
        "bullets": [{**bullet_to_dict(b), "grounding": _verdict_to_dict(b.grounding, digits=4)} for b in story.bullets],
        "articles": [_article_ref_to_dict(a) for a in story.articles],
    }


def _article_ref_to_dict(a: ArticleRef) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "url": a.url,
        "outlet": a.outlet,
        "published": _iso(a.published),
        "published_offset": a.published_offset,
        "kind": a.kind.value,
    }


def _article_ref_from_dict(a: dict[str, Any]) -> ArticleRef:
    published = datetime.fromisoformat(a["published"])
    kind = ArticleKind(a.get("kind", "news"))
    return ArticleRef(a["id"], a["title"], a["url"], a["outlet"], published, kind, a.get("published_offset"))


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    """The `briefing.json` contract: fields may be added, none removed. `other_items` is written only when the
    edition lists items that are not stories (`rank.non_news: list`)."""
    data = {
        "id": edition.id,
        "title": edition.title,
        "name": edition.name,
        "generated_at": _iso(edition.generated_at),
        "window": {"start": _iso(edition.window_start), "end": _iso(edition.window_end)},
        "timezone": edition.timezone,
        "summariser": edition.summariser,
        "model": edition.model,
        "sections": [
            {"name": s.name, "stories": [_story_to_dict(story) for story in s.stories]} for s in edition.sections
        ],
        "stats": {**vars(edition.stats), "rejected": dict(sorted(edition.stats.rejected.items()))},
    }
    if edition.other_items is not None:
        others = edition.other_items
        data["other_items"] = {
            "heading": others.heading,
            "articles": [_article_ref_to_dict(a) for a in others.articles],
        }
    return data


def _verdict_from_dict(data: dict[str, Any] | None) -> Verdict | None:
    if data is None:
        return None
    return Verdict(bool(data["supported"]), float(data["score"]), tuple(data.get("reasons", ())))


def bullet_from_dict(data: dict[str, Any]) -> Bullet:
    return Bullet(
        text=data["text"],
        sources=tuple(data["sources"]),
        evidence=tuple(data.get("evidence", ())),
        grounding=_verdict_from_dict(data.get("grounding")),
    )


def _story_from_dict(data: dict[str, Any], summariser: str = "extractive", model: str | None = None) -> Story:
    """A story; one stored before stories named their summariser takes the edition's."""
    return Story(
        id=data["id"],
        headline=data["headline"],
        status=StoryStatus(data["status"]),
        summariser=data.get("summariser", summariser),
        model=data.get("model", model),
        fallback=data.get("fallback"),
        bullets=tuple(bullet_from_dict(b) for b in data["bullets"]),
        articles=tuple(_article_ref_from_dict(a) for a in data["articles"]),
    )


def edition_from_dict(data: dict[str, Any]) -> Edition:
    known = EditionStats.__dataclass_fields__
    return Edition(
        id=data["id"],
        title=data["title"],
        name=data.get("name", ""),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        window_start=datetime.fromisoformat(data["window"]["start"]),
        window_end=datetime.fromisoformat(data["window"]["end"]),
        timezone=data.get("timezone", "UTC"),
        summariser=data["summariser"],
        model=data.get("model"),
        sections=tuple(
            Section(
                s["name"],
                tuple(_story_from_dict(story, data["summariser"], data.get("model")) for story in s["stories"]),
            )
            for s in data["sections"]
        ),
        stats=EditionStats(**{k: v for k, v in data.get("stats", {}).items() if k in known}),
        other_items=_other_items_from_dict(data.get("other_items")),
    )


def _other_items_from_dict(data: dict[str, Any] | None) -> OtherItems | None:
    if data is None:
        return None
    return OtherItems(str(data["heading"]), tuple(_article_ref_from_dict(a) for a in data["articles"]))


# ------------------------------------------------------------------------------------------------ delivery


@dataclass(frozen=True)
class Subscriber:
    """One reader. `sections` limits what they get (None: every section); `email` is the bare address."""

    email: str
    name: str | None = None
    sections: tuple[str, ...] | None = None


class SendStatus(StrEnum):
    """The sends ledger's states (see `briefing.store.sends`)."""

    QUEUED = "queued"  # claimed by a run, nothing handed over yet
    SENDING = "sending"  # being handed over: after a crash the outcome is unknown, and a rerun resends
    SENT = "sent"  # the service accepted the message
    MAYBE_SENT = "maybe_sent"  # handed over, no answer: never retried automatically
    FAILED = "failed"


@dataclass(frozen=True)
class SendRecord:
    """What the store remembers about one (channel, edition, recipient) send."""

    edition_id: str
    recipient: str
    status: SendStatus
    message_id: str
    attempts: int
    updated: datetime
    error: str | None = None
    permanent: bool = False
    channel: str = "email"
    resends: int = 0  # copies beyond the first that may have arrived


@dataclass(frozen=True)
class SendFailure:
    recipient: str
    reason: str
    permanent: bool  # a 5xx answer: retrying will not help


@dataclass(frozen=True)
class SendReport:
    """The outcome of sending one edition on one channel.

    `resent` lists recipients who may have received a second copy (with the same Message-ID): a run stopped
    while handing their message over, or `--retry-unclear` sent it again; each is reported once, by whichever
    run finishes next. `unclear` lists those recorded as maybe sent (handed over, no answer)."""

    edition_id: str
    sent: tuple[str, ...] = ()
    skipped_already_sent: tuple[str, ...] = ()
    skipped_unsubscribed: tuple[str, ...] = ()
    resent: tuple[str, ...] = ()
    failed: tuple[SendFailure, ...] = ()
    dry_run_files: tuple[Path, ...] = ()
    unclear: tuple[str, ...] = ()
    channel: str = "email"
    stopped: str | None = None  # why the channel's run stopped early (unreachable service, refused login)

    @property
    def partial(self) -> bool:
        return bool(self.failed or self.unclear or self.stopped)


class SlotStatus(StrEnum):
    STARTED = "started"  # claimed; a run that finds it again knows the claimant stopped
    BUILT = "built"
    SENT = "sent"
    SKIPPED = "skipped"  # missed by more than the grace period; never backfilled
    FAILED = "failed"


@dataclass(frozen=True)
class ScheduleSlot:
    """One scheduled edition on one local date, as the schedule ledger records it."""

    name: str
    local_date: date
    due: datetime  # UTC instant of the local time (after daylight-saving adjustment)
    status: SlotStatus
    updated: datetime
    edition_id: str | None = None
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class DueReport:
    """What one `run-due` pass did."""

    polled: int = 0  # feeds polled
    ran: tuple[ScheduleSlot, ...] = ()  # slots built (and sent) in this pass
    skipped: tuple[ScheduleSlot, ...] = ()  # slots recorded as missed
    failed: tuple[ScheduleSlot, ...] = ()  # slots whose build or send raised
    sends: tuple[SendReport, ...] = ()
    poll_error: str | None = None  # the poll step raised (feeds failing one by one are not this)
    pruned: PruneReport | None = None  # the daily prune, when this pass ran it (housekeeping: not "something due")

    @property
    def nothing_due(self) -> bool:
        return not (self.polled or self.ran or self.failed or self.poll_error)

    @property
    def partial(self) -> bool:
        return any(report.partial for report in self.sends)


# --------------------------------------------------------------------------------------------------- store


@dataclass(frozen=True)
class PrunePolicy:
    """What `store.prune` may remove: rows older than each cutoff (None keeps that kind forever).

    Whatever the cutoffs, pruning keeps what an edition still needs: the articles of the latest edition of each
    name (and `story_reach` before its window, where its stories began), whole stories (an old article stays
    while its story has a newer one), and every edition, send and ledger row of an edition that may still be
    sent (its slot built since `unsent_since`, or a send not yet final).
    """

    articles_before: datetime | None = None  # articles (their feeds and cluster places), cached summaries
    runs_before: datetime | None = None  # the runs log and the schedule ledger (each edition's latest slot stays)
    editions_before: datetime | None = None  # stored editions and what they reported
    sends_before: datetime | None = None  # final sends (sent, refused for good)
    story_reach: timedelta = timedelta(hours=36)
    unsent_since: datetime | None = None


@dataclass(frozen=True)
class PruneReport:
    """What one prune removed, by table, and the store's size before and after (bytes on disk)."""

    removed: dict[str, int] = field(default_factory=dict)
    size_before: int = 0
    size_after: int = 0
    articles_before: datetime | None = None  # the article cutoff applied, after protection (None: none pruned)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


@dataclass(frozen=True)
class StoreStats:
    """`briefing store stats`: which store, its size on disk and how many rows each table holds."""

    backend: str
    location: str
    schema_version: int
    size_bytes: int
    rows: dict[str, int] = field(default_factory=dict)
    oldest_article: datetime | None = None
    newest_article: datetime | None = None
