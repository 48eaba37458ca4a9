"""When editions are due: the cron-friendly `run_due` and the long-running `run_forever`, sharing one ledger.

Knows edition times ("06:30" in `settings.timezone`), daylight saving, the grace period and the schedule
ledger in the store; knows nothing of how an edition is polled, built or sent — that is `Jobs`, injected.

A slot is (edition name, local date). Its due instant is the local time on that date; a local time that does
not exist (the spring-forward gap) runs at the first valid instant after it, and one that happens twice (fall
back) runs at its first occurrence, once, because the ledger has one row per slot. A slot whose time has
passed runs once if it is at most `grace_hours` late; older missed slots are recorded as skipped and never
backfilled. Only the latest due slot of each edition runs in a pass.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Protocol
from zoneinfo import ZoneInfo

from briefing.config import EditionSettings, Settings
from briefing.errors import ConfigError
from briefing.models import DueReport, PruneReport, ScheduleSlot, SendReport, SlotStatus
from briefing.store import InstanceLock, RunStore, ScheduleLedger

log = logging.getLogger(__name__)

MAX_SLOT_ATTEMPTS = 3  # a build that keeps raising is not retried every minute for the whole grace period
LOOKBACK_DAYS = 7  # how far back missed slots are recorded as skipped after a long outage
PRUNE_EVERY = timedelta(days=1)  # retention is applied daily, by whichever of run-due and schedule runs


class ScheduleStore(ScheduleLedger, RunStore, InstanceLock, Protocol):
    """What the schedule needs of the store: the slot ledger, the runs log (when it last pruned), the lock."""


class Jobs(Protocol):
    """The work the schedule triggers; `briefing.pipeline` provides the real one, tests a recording fake."""

    def poll(self) -> int:
        """Poll the feeds that are due now; return how many were polled (0 when none was due)."""
        ...

    def build(self, edition_name: str, at: datetime) -> str:
        """Build (and write) the edition `edition_name` for the instant `at`; return its edition id."""
        ...

    def send(self, edition_id: str) -> tuple[SendReport, ...]:
        """Send a built edition on every channel: email if enabled, each chat channel (exactly once each)."""
        ...

    def prune(self) -> PruneReport:
        """Apply the retention settings to the store (recorded in the runs log as a `prune` run)."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# ------------------------------------------------------------------------------------------- due times


def due_instant(day: date, at: str, timezone: str) -> datetime:
    """The UTC instant of local time `at` ("HH:MM") on `day` in `timezone`, daylight saving resolved."""
    zone = ZoneInfo(timezone)
    hour, minute = _parse_at(at)
    wall = datetime(day.year, day.month, day.day, hour, minute)
    first = wall.replace(tzinfo=zone, fold=0)  # fold=0: the first of two occurrences when the clocks go back
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # The local time does not exist (clocks went forward): run at the first valid instant after it.
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # the earlier reading of the gap
    while instant.astimezone(zone).replace(tzinfo=None) < wall:
        instant += timedelta(minutes=1)
    return instant


def next_editions(settings: Settings, now: datetime) -> list[tuple[str, datetime]]:
    """Each edition's next due instant after `now` (UTC), soonest first."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    upcoming = []
    for edition in settings.editions:
        for offset in range(3):  # today or tomorrow; a third day only if a clock change swallowed tomorrow's
            due = due_instant(today + timedelta(days=offset), edition.at, settings.timezone)
            if due > now:
                upcoming.append((edition.name, due))
                break
    return sorted(upcoming, key=lambda item: item[1])


def describe_next(settings: Settings, now: datetime) -> str:
    """`next edition 'morning' at 06:30 Europe/London on Thu 26 Nov`, for people watching the schedule."""
    zone = ZoneInfo(settings.timezone)
    parts = [
        f"{name!r} at {due.astimezone(zone):%H:%M} {settings.timezone} on {due.astimezone(zone):%a %d %b}"
        for name, due in next_editions(settings, now)
    ]
    return ("next edition " if len(parts) == 1 else "next editions ") + ", ".join(parts)


def _parse_at(at: str) -> tuple[int, int]:
    try:
        parsed = datetime.strptime(at, "%H:%M")
    except ValueError:
        raise ConfigError(f'editions: at: expected a local time "HH:MM", got {at!r}') from None
    return parsed.hour, parsed.minute


# ------------------------------------------------------------------------------------------------- run-due


def run_due(settings: Settings, store: ScheduleStore, now: datetime, jobs: Jobs) -> DueReport:
    """Poll the feeds that are due, build (and send) every edition slot that is due, and prune once a day:
    `briefing run-due`."""
    try:
        polled, poll_error = jobs.poll(), None
    except Exception as error:  # editions are still built from what is stored
        log.error("poll failed: %s", error, exc_info=True)
        polled, poll_error = 0, str(error)
    report = replace(run_due_editions(settings, store, now, jobs), polled=polled, poll_error=poll_error)
    return replace(report, pruned=prune_if_due(store, now, jobs))


def prune_if_due(store: ScheduleStore, now: datetime, jobs: Jobs) -> PruneReport | None:
    """Prune when the runs log has no prune from the last `PRUNE_EVERY`; a failing prune is logged, not fatal."""
    last = store.runs("prune", limit=1)
    if last and now - last[0].started < PRUNE_EVERY:
        return None
    try:
        return jobs.prune()
    except Exception as error:  # housekeeping: the editions are done, the next pass tries again
        log.error("prune failed: %s", error, exc_info=True)
        return None


class IdleStore(RunStore, Protocol):
    def has_due_feeds(self, now: datetime) -> bool: ...
    def next_poll_time(self) -> datetime | None: ...


def idle_until(settings: Settings, store: IdleStore, now: datetime) -> datetime:
    """Until when nothing can be due, as seen at `now` by a pass that found nothing due: the soonest of the
    next edition, the next feed poll and the next prune (`briefing.idle` keeps it for the next cron tick)."""
    if store.has_due_feeds(now):
        return now
    soonest = [due for _, due in next_editions(settings, now)]
    soonest.append(store.next_poll_time() or now + PRUNE_EVERY)
    last_prune = store.runs("prune", limit=1)
    soonest.append(last_prune[0].started + PRUNE_EVERY if last_prune else now)
    return max(now, min(soonest))


def run_due_editions(settings: Settings, store: ScheduleStore, now: datetime, jobs: Jobs) -> DueReport:
    """Build (and send) the edition slots that are due at `now`; record missed ones as skipped."""
    ran: list[ScheduleSlot] = []
    skipped: list[ScheduleSlot] = []
    failed: list[ScheduleSlot] = []
    sends: list[SendReport] = []
    for edition in settings.editions:
        plan = _plan(edition, settings, store, now)
        for slot in plan.skip:
            skipped.append(slot)
            store.save_slot(slot)
        if plan.run is not None:
            outcome = _run_slot(plan.run, settings, store, now, jobs)
            (failed if outcome.slot.error else ran).append(outcome.slot)
            sends += outcome.sends
    return DueReport(ran=tuple(ran), skipped=tuple(skipped), failed=tuple(failed), sends=tuple(sends))


@dataclass(frozen=True)
class _Plan:
    run: ScheduleSlot | None = None
    skip: list[ScheduleSlot] = field(default_factory=list)


def _plan(edition: EditionSettings, settings: Settings, store: ScheduleStore, now: datetime) -> _Plan:
    """Which slot of this edition runs now (the latest unfinished one within grace) and which are skipped."""
    grace = timedelta(hours=settings.grace_hours)
    pending = [slot for slot in _past_slots(edition, settings, store, now) if _unfinished(slot, settings)]
    plan = _Plan()
    for slot in sorted(pending, key=lambda s: s.due, reverse=True):
        if plan.run is None and now - slot.due <= grace:
            plan = replace(plan, run=slot)
        elif slot.status is not SlotStatus.BUILT:  # a built edition stays built, even if it was never sent
            reason = "missed by more than the grace period" if now - slot.due > grace else "a later slot ran"
            plan.skip.append(replace(slot, status=SlotStatus.SKIPPED, updated=now, error=reason))
    return plan


def _past_slots(
    edition: EditionSettings, settings: Settings, store: ScheduleStore, now: datetime
) -> list[ScheduleSlot]:
    """Slots of this edition whose time has come, from the ledger's last one (on a first run: from the
    earliest date the grace period reaches) to today."""
    zone = ZoneInfo(settings.timezone)
    today = now.astimezone(zone).date()
    latest = store.latest_slot(edition.name)
    reach = (now - timedelta(hours=settings.grace_hours)).astimezone(zone).date()
    start = reach if latest is None else latest.local_date
    start = max(start, today - timedelta(days=LOOKBACK_DAYS))
    slots = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        due = due_instant(day, edition.at, settings.timezone)
        if due <= now:
            known = store.slot(edition.name, day)
            slots.append(known or ScheduleSlot(edition.name, day, due, SlotStatus.STARTED, now, attempts=0))
    return slots


def _unfinished(slot: ScheduleSlot, settings: Settings) -> bool:
    """Still to do: new, interrupted, failed (under the attempt cap), or built but not yet sent."""
    if slot.attempts >= MAX_SLOT_ATTEMPTS:
        return False
    if slot.status is SlotStatus.BUILT:
        return _delivers(settings)
    return slot.status in (SlotStatus.STARTED, SlotStatus.FAILED)


def _delivers(settings: Settings) -> bool:
    return settings.email.enabled or bool(settings.channels)


@dataclass(frozen=True)
class _Outcome:
    slot: ScheduleSlot
    sends: tuple[SendReport, ...] = ()


def _run_slot(slot: ScheduleSlot, settings: Settings, store: ScheduleStore, now: datetime, jobs: Jobs) -> _Outcome:
    """Build the slot's edition (unless already built) and send it if email is enabled; every step is
    recorded before the next starts, so a crash leaves the ledger telling the next run where to resume."""
    slot = replace(slot, attempts=slot.attempts + 1, updated=now, error=None)
    if slot.status is not SlotStatus.BUILT:
        store.save_slot(replace(slot, status=SlotStatus.STARTED))
        try:
            slot = replace(slot, status=SlotStatus.BUILT, edition_id=jobs.build(slot.name, slot.due))
        except Exception as error:  # a job that raises is recorded; the schedule goes on
            return _Outcome(_record_failure(store, replace(slot, status=SlotStatus.FAILED), "build", error))
        store.save_slot(slot)
    if not _delivers(settings) or slot.edition_id is None:
        return _Outcome(slot)
    try:
        reports = jobs.send(slot.edition_id)
    except Exception as error:
        return _Outcome(_record_failure(store, slot, "send", error))
    if any(report.stopped or any(not f.permanent for f in report.failed) for report in reports):
        store.save_slot(slot)  # stays built: the next run within the grace period retries those recipients
        return _Outcome(slot, reports)
    slot = replace(slot, status=SlotStatus.SENT)
    store.save_slot(slot)
    return _Outcome(slot, reports)


def _record_failure(store: ScheduleStore, slot: ScheduleSlot, step: str, error: Exception) -> ScheduleSlot:
    log.error("%s %s (%s) failed: %s", step, slot.name, slot.local_date, error, exc_info=True)
    failed = replace(slot, error=f"{step} failed: {error}")
    store.save_slot(failed)
    return failed


# ------------------------------------------------------------------------------------------- run forever


class _StopSignals:
    """SIGTERM/SIGINT ask the loop to stop after the current step; previous handlers come back on exit."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _handle(self, number: int, frame: FrameType | None) -> None:
        log.warning("received %s: finishing the current step, then stopping", signal.Signals(number).name)
        self.requested = True


def run_forever(
    settings: Settings,
    store: ScheduleStore,
    jobs: Jobs,
    clock: Clock | None = None,
    say: Callable[[str], None] = log.info,
) -> None:
    """`briefing schedule`: poll feeds every poll interval, check edition slots every minute and prune daily,
    until SIGTERM/SIGINT. Slots go through `run_due_editions`, so this loop and `run-due` share one ledger;
    the store's instance lock keeps a second `schedule` or `run-due` out meanwhile.

    `say` is told, one line each, that the loop runs and what is next, what each pass did, and that it stopped:
    someone watching a service wants to know it is alive and when the next edition comes."""
    clock = clock or SystemClock()
    with store.instance_lock(), _StopSignals() as stop:

        def guarded(name: str, step: Callable[[], object]) -> None:
            if stop.requested:
                return
            try:
                step()
            except Exception:  # a job that raises is logged and the loop goes on
                log.exception("%s failed; the schedule goes on", name)

        def editions() -> None:
            report = run_due_editions(settings, store, clock.now(), jobs)
            for slot in (*report.ran, *report.failed, *report.skipped):
                say(f"{_slot_outcome(slot)}; {describe_next(settings, clock.now())}")
            prune_if_due(store, clock.now(), jobs)

        def poll() -> None:
            polled = jobs.poll()
            if polled:
                say(f"polled {polled} due feed{'s' if polled != 1 else ''}")

        interval = settings.poll.interval_minutes
        say(f"running; {describe_next(settings, clock.now())}; due feeds are polled every {interval:g} min")
        import schedule  # only the long-running loop needs it; a cron tick (`run_due`) does not

        scheduler = schedule.Scheduler()
        scheduler.every(round(interval * 60)).seconds.do(guarded, "poll", poll)
        scheduler.every(1).minutes.do(guarded, "editions", editions)
        scheduler.run_all()  # start with a poll and a slot check rather than a minute's wait
        while not stop.requested:
            scheduler.run_pending()
            if not stop.requested:
                clock.sleep(max(0.0, min(scheduler.idle_seconds or 1.0, 1.0)))
        say("stopped")


def _slot_outcome(slot: ScheduleSlot) -> str:
    """`edition 'morning' of 2026-11-25: sent (2026-11-25-morning)`, or the error of a failed or skipped slot."""
    what = f"{slot.status.value} ({slot.edition_id})" if slot.edition_id and not slot.error else slot.status.value
    return f"edition {slot.name!r} of {slot.local_date}: {what}" + (f": {slot.error}" if slot.error else "")
