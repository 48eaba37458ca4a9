"""Runs the stages in order: poll -> cluster -> rank -> review -> edition -> render -> write -> send.

`review` is handed the check (`ground`) and calls the summariser's backends (`summarise`) itself.

Each function here reads as one named step per line and passes values from stage to stage; the stages
themselves know nothing of each other. The clock is passed in (`now`, `at`), never read inside a stage.
Each step imports the stages it runs, so a poll never loads rendering and a send never loads clustering.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from briefing import rank
from briefing.config import Settings
from briefing.edition import (
    Candidate,
    Slot,
    Window,
    assemble,
    other_items,
    said_before,
    same_content,
    select_new,
    slot_for,
    split_standalone,
    stats_for,
    window_for,
)
from briefing.errors import DeliveryError
from briefing.models import (
    Cluster,
    Edition,
    EditionContext,
    OtherItems,
    PollReport,
    PrunePolicy,
    PruneReport,
    RankedCluster,
    SendReport,
    Summary,
)
from briefing.store import Store
from briefing.subscribers import load_subscribers

if TYPE_CHECKING:
    from briefing.boilerplate import Boilerplate
    from briefing.deliver.channel import Channel
    from briefing.deliver.email import EditionMail

Progress = Callable[[str, int, int], None]  # (step, done, total)
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    edition: Edition
    written: tuple[str, ...] = ()  # output files whose bytes changed, relative to `outputs`
    unchanged: int = 0  # output files already up to date
    email_trimmed: int = 0  # stories left out of the email to stay under its size budget
    warnings: tuple[str, ...] = ()
    dry_run: bool = False
    llm_outage: str | None = None  # why, when every LLM call of the build failed (the edition is all offline)


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _recorded(store: Store, kind: str, work: Callable[[], T], outcome: Callable[[T], tuple[str, dict[str, Any]]]) -> T:
    """Run `work`, recording it in the store's runs log as ok, partial or failed with its counts."""
    run_id = store.start_run(kind, _utcnow())
    try:
        result = work()
    except BaseException as error:
        store.finish_run(run_id, _utcnow(), "failed", {"error": str(error) or type(error).__name__})
        raise
    status, stats = outcome(result)
    store.finish_run(run_id, _utcnow(), status, stats)
    return result


def poll(settings: Settings, store: Store, now: datetime, progress: Progress = _no_progress) -> PollReport:
    """Fetch due feeds, store new articles, and attach them to stories."""
    from briefing import ingest

    return _clustered_poll(settings, store, lambda: ingest.poll(settings, store, now, progress=_step(progress)))


def poll_now(
    settings: Settings, store: Store, now: datetime, selector: str | None = None, progress: Progress = _no_progress
) -> PollReport:
    """Fetch every feed (or the one `selector` names) now, due or not; then as `poll`. A selector that names no
    feed is a ConfigError before anything is fetched or recorded."""
    from briefing import ingest

    feeds = ingest.feeds_to_poll_now(settings, store, selector)
    return _clustered_poll(
        settings, store, lambda: ingest.poll_these(settings, store, feeds, now, progress=_step(progress))
    )


def _step(progress: Progress) -> Callable[[int, int], None]:
    return lambda done, total: progress("poll", done, total)


def _clustered_poll(settings: Settings, store: Store, fetch: Callable[[], PollReport]) -> PollReport:
    def work() -> PollReport:
        report = fetch()
        cluster_pending(settings, store)
        return report

    return _recorded(store, "poll", work, lambda r: ("partial" if r.failed else "ok", r.summary()))


def cluster_pending(settings: Settings, store: Store) -> int:
    """Attach articles not yet in a cluster to the clusters around them (incremental, ids stable), each read
    without its feed's boilerplate."""
    pending = store.unclustered_articles()
    if not pending:
        return 0
    from briefing import cluster  # numpy and scipy: only when there is something to cluster

    reach = timedelta(hours=settings.cluster.window_hours)
    earliest = min(a.published for a in pending) - reach
    latest = max(a.published for a in pending) + reach
    learnt = learned_boilerplate(store)
    version = learnt.digest()  # the stored features hold for texts stripped by this model
    skeletons = [_stripped(c, learnt) for c in store.clusters_between(earliest, latest, texts=False)]
    existing = _recalled(settings, store, skeletons, learnt, version)
    changed = cluster.cluster_articles(learnt.strip_all(pending), existing, settings.cluster, text_version=version)
    with store.transaction():
        store.save_clusters(changed)
        store.save_cluster_memory(cluster.memory_of(changed, settings.cluster, version))
    return len(pending)


def _recalled(
    settings: Settings, store: Store, existing: list[Cluster], learnt: Boilerplate, version: str
) -> list[Cluster]:
    """The window's stories, read without texts, after handing clustering what it kept in the store for them
    (nothing in a long-running process that already holds it; everything in a fresh one). The few articles
    with nothing usable stored (a new version, an older database, boilerplate learned since) come with their
    texts, stripped."""
    from briefing import cluster

    clusters, articles = cluster.unremembered(existing, settings.cluster, version)
    if not clusters and not articles:
        return existing
    memory = store.cluster_memory(cluster.memory_stamp(settings.cluster, version), clusters, articles)
    without = cluster.recall(existing, memory, settings.cluster, version)
    if not without:
        return existing
    texts = {a.id: a for a in learnt.strip_all(store.articles_by_id(without).values())}
    return [replace(c, articles=tuple(texts.get(a.id, a) for a in c.articles)) for c in existing]


def learned_boilerplate(store: Store) -> Boilerplate:
    """What the feeds have taught so far (`briefing.boilerplate`), from the counts in the store."""
    from briefing import boilerplate

    return boilerplate.learned(store.frequent_spans(boilerplate.MIN_ITEMS))


def _stripped(story: Cluster, learnt: Boilerplate) -> Cluster:
    return replace(story, articles=tuple(learnt.strip_all(story.articles)))


def build(
    settings: Settings,
    store: Store,
    at: datetime,
    now: datetime,
    *,
    edition_name: str | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> BuildReport:
    """Build the edition that `at` belongs to (or the named one), store it, and write every output format."""
    slot = slot_for(at, settings.editions, settings.timezone, name=edition_name)
    if dry_run:
        return _build(settings, store, slot, at, now, dry_run=True, progress=progress)
    return _recorded(
        store,
        "build",
        lambda: _build(settings, store, slot, at, now, dry_run=False, progress=progress),
        lambda r: (
            "partial" if r.llm_outage else "ok",
            {"edition": r.edition.id, "written": len(r.written), **vars(r.edition.stats)},
        ),
    )


def _build(
    settings: Settings, store: Store, slot: Slot, at: datetime, now: datetime, *, dry_run: bool, progress: Progress
) -> BuildReport:
    from briefing import render, review

    if not dry_run:
        publish_pending(settings, store, now)
    kept = store.edition(slot.id)
    if kept is not None and store.edition_delivered(slot.id):
        return _keep_sent(settings, store, kept, dry_run=dry_run)
    cluster_pending(settings, store)
    window = _window(settings, store, slot, at)
    candidates = _candidates(settings, store, slot, window)
    news, standalone = split_standalone(candidates)
    ranked = _rank(settings, news, at)
    others = [stored for stored in store.editions() if stored.id != slot.id]
    context = EditionContext(slot.local_date, settings.timezone, said_before(others, window.end))
    summaries = _summarise(settings, store, ranked, context, now, progress)
    listed = other_items(standalone, settings.rank)
    edition = _assemble(settings, store, slot, window, candidates, ranked, summaries, now, listed)
    outage = review.llm_outage(summaries)
    if dry_run:
        rendered = render.render_edition(edition, settings.render, previous=others)
        return BuildReport(
            edition, email_trimmed=rendered.trimmed_stories, warnings=rendered.warnings, dry_run=True, llm_outage=outage
        )
    store.save_edition(edition, built_at=now)  # stored unpublished: a run that dies here is completed later
    return replace(_publish(settings, store, edition, now), llm_outage=outage)


def _keep_sent(settings: Settings, store: Store, edition: Edition, *, dry_run: bool) -> BuildReport:
    """A rebuild of an edition already handed to readers keeps what they were sent; what came in since goes to
    the next edition (nothing new is recorded as reported)."""
    note = f"edition {edition.id} has already been sent: kept as sent; new stories go to the next edition"
    if dry_run:
        return BuildReport(edition, warnings=(note,), dry_run=True)
    report = _publish(settings, store, edition, None)
    return replace(report, warnings=(*report.warnings, note))


def _publish(settings: Settings, store: Store, edition: Edition, now: datetime | None) -> BuildReport:
    """Write the edition's files and the site, then record it as published (only once the files are in place)."""
    from briefing import render
    from briefing.deliver import files

    editions = store.editions()
    rendered = render.render_edition(edition, settings.render, previous=editions)
    site = render.render_site(editions, settings.render) if "site" in settings.render.formats else {}
    outputs = {**rendered.files, **site}
    written = files.write_outputs(settings.outputs_path, outputs)
    store.mark_published(edition.id, now or _utcnow())
    return BuildReport(
        edition,
        written=tuple(written),
        unchanged=len(outputs) - len(written),
        email_trimmed=rendered.trimmed_stories,
        warnings=rendered.warnings,
    )


def publish_pending(settings: Settings, store: Store, now: datetime) -> list[str]:
    """Complete what a run that stopped between storing an edition and writing its files left undone."""
    pending = store.unpublished_editions()
    for edition in pending:
        log.warning("edition %s was stored but its files were never written: publishing it now", edition.id)
        _publish(settings, store, edition, now)
    return [edition.id for edition in pending]


def send(
    settings: Settings,
    store: Store,
    edition_id: str,
    now: datetime,
    *,
    include_email: bool = True,
    retry_unclear: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[SendReport, ...]:
    """Send a stored edition on every channel (email to every subscriber, each chat or webhook channel once),
    exactly once per recipient: the one send path of `send`, `run`, `run-due` and `schedule`. Each channel's
    run is recorded in the runs log; a channel that fails is reported and the others go on.

    An edition without stories (every feed failed, or nothing happened) is not worth a reader's attention: it
    is skipped with a warning rather than sent."""
    publish_pending(settings, store, now)
    edition = _stored(store, edition_id)
    if not edition.stories:
        log.warning("edition %s has no stories; not sending it", edition_id)
        return ()
    claimant = uuid.uuid4().hex
    channels = delivery_channels(settings, store, edition, now, include_email=include_email)
    return tuple(
        _send_recorded(store, channel, edition_id, now, claimant, retry_unclear, sleep) for channel in channels
    )


def delivery_channels(
    settings: Settings, store: Store, edition: Edition, now: datetime, *, include_email: bool
) -> list[Channel]:
    """The channels an edition goes out on, each with its message made for it."""
    from briefing import render
    from briefing.deliver import email

    channels: list[Channel] = []
    subscribers = load_subscribers(settings) if include_email else []
    if subscribers:
        channels.append(email.email_channel(edition_mail(settings, store, edition), settings, subscribers, now))
    if not settings.channels:
        return channels
    from briefing.deliver import chat  # imports apprise, which every other command can do without

    previous = store.editions()
    for index, configured in enumerate(settings.channels):
        limit = chat.body_limit(configured.url, f"channels[{index}]")
        title, body = render.chat_message(
            edition, settings.render, configured.format, limit, sections=configured.sections, previous=previous
        )
        channels.append(chat.ChatChannel(configured, edition.id, title, body))
    return channels


def _send_recorded(
    store: Store,
    channel: Channel,
    edition_id: str,
    now: datetime,
    claimant: str,
    retry_unclear: bool,
    sleep: Callable[[float], None],
) -> SendReport:
    from briefing.deliver import sending

    def work() -> SendReport:
        return sending.send_channel(
            channel, edition_id, store, now=now, claimant=claimant, retry_unclear=retry_unclear, sleep=sleep
        )

    def outcome(report: SendReport) -> tuple[str, dict[str, Any]]:
        stats = {
            "edition": edition_id,
            "channel": report.channel,
            "sent": len(report.sent),
            "failed": len(report.failed),
            "maybe_sent": len(report.unclear),
            "resent": list(report.resent),
            "stopped": report.stopped,
        }
        return ("partial" if report.partial else "ok", stats)

    return _recorded(store, "send", work, outcome)


def send_dry_run(settings: Settings, store: Store, edition_id: str, folder: Path, now: datetime) -> SendReport:
    """Write the messages `send` would send now into `folder`, record nothing."""
    from briefing.deliver import email

    edition = _stored(store, edition_id)
    return email.write_dry_run(edition_mail(settings, store, edition), settings, store, folder, now=now)


def send_test_copy(settings: Settings, store: Store, edition_id: str, address: str, now: datetime) -> SendReport:
    from briefing.deliver import email

    edition = _stored(store, edition_id)
    return email.send_test_copy(edition_mail(settings, store, edition), settings, address, now=now)


def _stored(store: Store, edition_id: str) -> Edition:
    edition = store.edition(edition_id)
    if edition is None:
        raise DeliveryError(
            f"no edition {edition_id!r} in the store", hint="run `briefing build` first, or check the id"
        )
    return edition


def edition_mail(settings: Settings, store: Store, edition: Edition) -> EditionMail:
    """The edition and its email for every sections filter the subscribers chose, rendered from the store."""
    from briefing import render
    from briefing.deliver.email import EditionMail

    filters = {subscriber.sections for subscriber in load_subscribers(settings)}
    variants = render.email_variants(edition, settings.render, filters, previous=store.editions())
    return EditionMail(edition, variants)


def prune(settings: Settings, store: Store, now: datetime) -> PruneReport:
    """Apply `retention:` to the store (`briefing store prune`; `run-due` and `schedule` call it daily)."""
    return _recorded(
        store,
        "prune",
        lambda: store.prune(prune_policy(settings, now)),
        lambda r: ("ok", {"removed": r.removed, "size_before": r.size_before, "size_after": r.size_after}),
    )


def prune_policy(settings: Settings, now: datetime) -> PrunePolicy:
    """The cutoffs `retention:` sets at `now`; an edition built within the grace period may still be sent."""
    keep = settings.retention

    def before(days: float | None) -> datetime | None:
        return None if days is None else now - timedelta(days=days)

    return PrunePolicy(
        articles_before=before(keep.articles_days),
        runs_before=before(keep.runs_days),
        editions_before=before(keep.editions_days),
        sends_before=before(keep.sends_days),
        story_reach=timedelta(hours=settings.cluster.window_hours),
        unsent_since=now - timedelta(hours=settings.grace_hours),
    )


class PipelineJobs:
    """The schedule's `Jobs` over this pipeline: poll due feeds, build a named edition, send it, prune."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] = _utcnow) -> None:
        self._settings, self._store, self._clock = settings, store, clock
        self.llm_outages: list[tuple[str, str]] = []  # (edition id, why) of each build whose LLM calls all failed

    def poll(self) -> int:
        return poll(self._settings, self._store, self._clock()).polled

    def build(self, edition_name: str, at: datetime) -> str:
        report = build(self._settings, self._store, at, self._clock(), edition_name=edition_name)
        if report.llm_outage:
            log.error(
                "%s: every LLM call failed (%s); the edition used the offline summariser",
                report.edition.id,
                report.llm_outage,
            )
            self.llm_outages.append((report.edition.id, report.llm_outage))
        return report.edition.id

    def send(self, edition_id: str) -> tuple[SendReport, ...]:
        return send(self._settings, self._store, edition_id, self._clock(), include_email=self._settings.email.enabled)

    def prune(self) -> PruneReport:
        return prune(self._settings, self._store, self._clock())


def _window(settings: Settings, store: Store, slot: Slot, at: datetime) -> Window:
    previous = store.previous_edition(at, exclude_id=slot.id)
    lookback = timedelta(hours=settings.lookback_hours)
    if previous is None:
        return window_for(at, None, None, lookback)
    edition, built_at = previous
    return window_for(at, edition.window_end, built_at, lookback)


def _candidates(settings: Settings, store: Store, slot: Slot, window: Window) -> list[Candidate]:
    reach = timedelta(hours=settings.cluster.window_hours)
    clusters = store.clusters_between(min(window.start, window.end - reach), window.end)
    return select_new(clusters, window, store.reported_articles(slot.id), store.reported_clusters(slot.id))


def _rank(settings: Settings, candidates: list[Candidate], at: datetime) -> list[RankedCluster]:
    sections = {feed.url: section.name for section in settings.sections for feed in section.feeds}
    weights = {feed.url: feed.weight for section in settings.sections for feed in section.feeds}
    return rank.rank_clusters([c.cluster for c in candidates], sections, weights, settings.rank, at)


def _summarise(
    settings: Settings,
    store: Store,
    ranked: list[RankedCluster],
    context: EditionContext,
    now: datetime,
    progress: Progress,
) -> list[Summary]:
    """Summaries (and their grounding) read each article without its feed's boilerplate."""
    from briefing import ground, review

    learnt = learned_boilerplate(store)
    stories = [_stripped(item.cluster, learnt) for item in ranked]
    check = ground.grounder(settings.grounding, settings.encoder, store)
    check.preload(stories)  # on this thread: the store's vectors, or embedded and kept
    summaries = review.checked_summaries(
        stories,
        settings.summariser,
        settings.grounding,
        checker=check,
        checker_identity=check.identity,
        cache=store.summary_cache(now),
        api_key=settings.openai_api_key,
        context=context,
        progress=lambda done, total: progress("summarise", done, total),
    )
    check.flush()
    return summaries


def _assemble(
    settings: Settings,
    store: Store,
    slot: Slot,
    window: Window,
    candidates: list[Candidate],
    ranked: list[RankedCluster],
    summaries: list[Summary],
    now: datetime,
    others: OtherItems | None,
) -> Edition:
    feeds = store.feeds(include_retired=False)
    stats = stats_for(
        summaries,
        feeds=len(feeds),
        feeds_failed=sum(1 for feed in feeds if feed.consecutive_failures > 0),
        articles=sum(len(c.cluster.articles) for c in candidates),
        clusters=len(candidates),
        stories=len(ranked),
    )
    edition = assemble(
        slot,
        window,
        timezone=settings.timezone,
        section_order=[section.name for section in settings.sections],
        ranked=ranked,
        summaries=summaries,
        statuses={c.cluster.id: c.status for c in candidates},
        stats=stats,
        summariser=settings.summariser.backend,
        model=settings.summariser.model if settings.summariser.backend == "openai" else None,
        generated_at=now,
        others=others,
    )
    stored = store.edition(slot.id)
    if stored is not None and same_content(edition, stored):
        return replace(edition, generated_at=stored.generated_at)  # no new input: identical bytes
    return edition
