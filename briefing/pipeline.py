"""Runs the stages in order: poll -> cluster -> rank -> summarise/ground -> edition -> render -> write -> send.

Each function here reads as one named step per line and passes values from stage to stage; the stages
themselves know nothing of each other. The clock is passed in (`now`, `at`), never read inside a stage.
Each step imports the stages it runs, so a poll never loads rendering and a send never loads clustering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from briefing import rank
from briefing.config import Settings
from briefing.edition import (
    Candidate,
    Slot,
    Window,
    assemble,
    said_before,
    same_content,
    select_new,
    slot_for,
    stats_for,
    window_for,
)
from briefing.models import Edition, EditionContext, PollReport, RankedCluster, SendReport, Summary
from briefing.store import Store

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
    """Attach articles not yet in a cluster to the clusters around them (incremental, ids stable)."""
    pending = store.unclustered_articles()
    if not pending:
        return 0
    from briefing import cluster  # numpy, scipy and scikit-learn: only when there is something to cluster

    reach = timedelta(hours=settings.cluster.window_hours)
    earliest = min(a.published for a in pending) - reach
    latest = max(a.published for a in pending) + reach
    existing = store.clusters_between(earliest, latest)
    store.save_clusters(cluster.cluster_articles(pending, existing, settings.cluster))
    return len(pending)


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
    cluster_pending(settings, store)
    window = _window(settings, store, slot, at)
    candidates = _candidates(settings, store, slot, window)
    ranked = _rank(settings, candidates, at)
    others = [stored for stored in store.editions() if stored.id != slot.id]
    context = EditionContext(slot.local_date, settings.timezone, said_before(others, window.end))
    summaries = _summarise(settings, store, ranked, context, progress)
    edition = _assemble(settings, store, slot, window, candidates, ranked, summaries, now)
    from briefing import render, summarise
    from briefing.deliver import files

    rendered = render.render_edition(edition, settings.render, previous=others)
    outage = summarise.llm_outage(summaries)
    if dry_run:
        return BuildReport(
            edition, email_trimmed=rendered.trimmed_stories, warnings=rendered.warnings, dry_run=True, llm_outage=outage
        )
    store.save_edition(edition, built_at=now)
    archive = sorted([*others, edition], key=lambda e: (e.window_end, e.id))  # the store's order
    outputs = {**rendered.files, **render.render_site(archive, settings.render)}
    written = files.write_outputs(settings.outputs_path, outputs)
    return BuildReport(
        edition,
        written=tuple(written),
        unchanged=len(outputs) - len(written),
        email_trimmed=rendered.trimmed_stories,
        warnings=rendered.warnings,
        llm_outage=outage,
    )


def send(settings: Settings, store: Store, edition_id: str, now: datetime) -> SendReport:
    """Email a built edition to every subscriber not yet sent it (exactly once per recipient).

    An edition without stories (every feed failed, or nothing happened) is not worth a reader's inbox: it is
    skipped with a warning rather than sent."""
    from briefing.deliver import email

    edition = store.edition(edition_id)
    if edition is not None and not edition.stories:
        log.warning("edition %s has no stories; not emailing it", edition_id)
        return SendReport(edition_id)
    return _recorded(
        store,
        "send",
        lambda: email.send_edition(edition_id, settings, store, now=now),
        lambda r: (
            "partial" if r.failed else "ok",
            {"edition": edition_id, "sent": len(r.sent), "failed": len(r.failed)},
        ),
    )


class PipelineJobs:
    """The schedule's `Jobs` over this pipeline: poll due feeds, build a named edition, send it."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] = _utcnow) -> None:
        self._settings, self._store, self._clock = settings, store, clock

    def poll(self) -> int:
        return poll(self._settings, self._store, self._clock()).polled

    def build(self, edition_name: str, at: datetime) -> str:
        return build(self._settings, self._store, at, self._clock(), edition_name=edition_name).edition.id

    def send(self, edition_id: str) -> SendReport:
        return send(self._settings, self._store, edition_id, self._clock())


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
    settings: Settings, store: Store, ranked: list[RankedCluster], context: EditionContext, progress: Progress
) -> list[Summary]:
    from briefing import summarise

    return summarise.summarise_clusters(
        [item.cluster for item in ranked],
        settings.summariser,
        settings.grounding,
        cache=store.summary_cache(),
        api_key=settings.openai_api_key,
        context=context,
        progress=lambda done, total: progress("summarise", done, total),
    )


def _assemble(
    settings: Settings,
    store: Store,
    slot: Slot,
    window: Window,
    candidates: list[Candidate],
    ranked: list[RankedCluster],
    summaries: list[Summary],
    now: datetime,
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
    )
    stored = store.edition(slot.id)
    if stored is not None and same_content(edition, stored):
        return replace(edition, generated_at=stored.generated_at)  # no new input: identical bytes
    return edition
