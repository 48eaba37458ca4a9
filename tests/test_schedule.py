"""When editions run: local times across days and daylight saving, the grace period, the ledger, one instance."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from briefing.config import EditionSettings, EmailSettings, Settings
from briefing.errors import BriefingError
from briefing.models import Feed, PruneReport, SendFailure, SendReport, SlotStatus
from briefing.schedule import MAX_SLOT_ATTEMPTS, describe_next, due_instant, idle_until, run_due, run_forever
from briefing.store import Store, open_store

LONDON = "Europe/London"


@dataclass
class RecordingJobs:
    """Records what the schedule asked for; can be told to fail."""

    polled_feeds: int = 0
    polls: int = 0
    built: list[tuple[str, datetime]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    build_error: Exception | None = None
    send_error: Exception | None = None
    send_failures: list[SendFailure] = field(default_factory=list)  # reported by the next send, then cleared
    poll_error: Exception | None = None
    on_build: list[object] = field(default_factory=list)
    prunes: int = 0

    def poll(self) -> int:
        self.polls += 1
        if self.poll_error:
            raise self.poll_error
        return self.polled_feeds

    def build(self, edition_name: str, at: datetime) -> str:
        if self.build_error:
            raise self.build_error
        for action in self.on_build:
            action()  # type: ignore[operator]
        self.built.append((edition_name, at))
        return f"{at.astimezone(UTC):%Y-%m-%d}-{edition_name}"

    def send(self, edition_id: str) -> tuple[SendReport, ...]:
        if self.send_error:
            raise self.send_error
        self.sent.append(edition_id)
        failed, self.send_failures = tuple(self.send_failures), []
        return (SendReport(edition_id, failed=failed),)

    def prune(self) -> PruneReport:
        self.prunes += 1
        return PruneReport({"articles": 0})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_settings(tmp_path: Path, at: str = "06:30", email: bool = True, **values: object) -> Settings:
    return Settings(
        config_path=tmp_path / "feeds.yaml",
        timezone=LONDON,
        editions=[EditionSettings(name="morning", at=at)],
        email=EmailSettings(enabled=email),
        **values,  # type: ignore[arg-type]
    )


@pytest.fixture
def jobs() -> RecordingJobs:
    return RecordingJobs()


# ------------------------------------------------------------------------------------------- due times


def test_due_instant_follows_the_local_clock_through_the_year() -> None:
    assert (
        due_instant(date(2026, 1, 15), "06:30", LONDON),
        due_instant(date(2026, 7, 15), "06:30", LONDON),
    ) == (utc("2026-01-15T06:30"), utc("2026-07-15T05:30"))


def test_local_time_skipped_by_spring_forward_runs_at_the_first_valid_instant() -> None:
    # 29 March 2026: London clocks jump from 01:00 GMT to 02:00 BST; 01:30 does not exist.
    assert due_instant(date(2026, 3, 29), "01:30", LONDON) == utc("2026-03-29T01:00")


def test_local_time_repeated_by_fall_back_runs_at_its_first_occurrence() -> None:
    # 25 October 2026: 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT).
    assert due_instant(date(2026, 10, 25), "01:30", LONDON) == utc("2026-10-25T00:30")


# ------------------------------------------------------------------------------------------------ run-due


def test_nothing_is_due_before_the_editions_time(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    report = run_due(make_settings(tmp_path), store, utc("2026-11-25T06:29"), jobs)

    assert (report.nothing_due, jobs.built) == (True, [])


def test_edition_is_built_and_sent_once_when_its_time_has_come(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path)

    first = run_due(settings, store, utc("2026-11-25T06:31"), jobs)
    again = run_due(settings, store, utc("2026-11-25T06:45"), jobs)

    assert ([s.status for s in first.ran], again.nothing_due) == ([SlotStatus.SENT], True)
    assert (jobs.built, jobs.sent) == ([("morning", utc("2026-11-25T06:30"))], ["2026-11-25-morning"])


def test_without_email_the_edition_is_built_and_not_sent(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    report = run_due(make_settings(tmp_path, email=False), store, utc("2026-11-25T06:31"), jobs)

    assert ([s.status for s in report.ran], jobs.sent) == ([SlotStatus.BUILT], [])


def test_polling_due_feeds_counts_as_something_due(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    jobs.polled_feeds = 3

    report = run_due(make_settings(tmp_path), store, utc("2026-11-25T05:00"), jobs)

    assert (report.polled, report.nothing_due) == (3, False)


def test_slot_of_the_previous_evening_runs_after_midnight(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path, at="23:50")

    run_due(settings, store, utc("2026-11-25T00:10"), jobs)

    assert jobs.built == [("morning", utc("2026-11-24T23:50"))]


def test_missed_edition_within_grace_runs_once_for_its_own_time(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path)

    run_due(settings, store, utc("2026-11-25T12:00"), jobs)  # 5.5 hours late, grace is 6
    run_due(settings, store, utc("2026-11-25T12:15"), jobs)

    assert jobs.built == [("morning", utc("2026-11-25T06:30"))]


def test_missed_edition_beyond_grace_is_recorded_as_skipped_and_never_backfilled(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path)

    report = run_due(settings, store, utc("2026-11-25T13:00"), jobs)
    run_due(settings, store, utc("2026-11-25T20:00"), jobs)

    assert ([(s.local_date, s.status) for s in report.skipped], jobs.built) == (
        [(date(2026, 11, 25), SlotStatus.SKIPPED)],
        [],
    )
    assert store.slot("morning", date(2026, 11, 25)).status is SlotStatus.SKIPPED  # type: ignore[union-attr]


def test_after_an_outage_only_the_latest_slot_runs(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path)
    run_due(settings, store, utc("2026-11-20T06:31"), jobs)

    report = run_due(settings, store, utc("2026-11-25T07:00"), jobs)  # four days later

    assert [s.local_date.day for s in report.skipped] == [24, 23, 22, 21]
    assert jobs.built[1:] == [("morning", utc("2026-11-25T06:30"))]


def test_grace_period_is_configurable(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path, grace_hours=1)

    report = run_due(settings, store, utc("2026-11-25T08:00"), jobs)

    assert ([s.status for s in report.skipped], jobs.built) == ([SlotStatus.SKIPPED], [])


def test_spring_forward_edition_runs_once_at_the_end_of_the_gap(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path, at="01:30")

    before = run_due(settings, store, utc("2026-03-29T00:59"), jobs)
    for minute in range(0, 120, 15):
        run_due(settings, store, utc("2026-03-29T01:00") + timedelta(minutes=minute), jobs)

    assert (before.ran, jobs.built) == ((), [("morning", utc("2026-03-29T01:00"))])


def test_fall_back_edition_runs_once_although_its_time_happens_twice(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path, at="01:30")

    for minute in range(0, 180, 15):  # 00:00 to 03:00 UTC covers both 01:30s
        run_due(settings, store, utc("2026-10-25T00:00") + timedelta(minutes=minute), jobs)

    assert jobs.built == [("morning", utc("2026-10-25T00:30"))]


def test_failing_build_is_recorded_retried_and_given_up_after_a_few_attempts(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path)
    jobs.build_error = RuntimeError("no articles table")

    reports = [run_due(settings, store, utc("2026-11-25T06:31") + timedelta(minutes=m), jobs) for m in range(5)]

    assert [len(r.failed) for r in reports] == [1] * MAX_SLOT_ATTEMPTS + [0] * (5 - MAX_SLOT_ATTEMPTS)
    slot = store.slot("morning", date(2026, 11, 25))
    assert (slot.status, slot.error) == (SlotStatus.FAILED, "build failed: no articles table")  # type: ignore[union-attr]


def test_failed_send_is_retried_without_rebuilding(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path)
    jobs.send_error = RuntimeError("smtp down")
    run_due(settings, store, utc("2026-11-25T06:31"), jobs)
    jobs.send_error = None

    run_due(settings, store, utc("2026-11-25T06:40"), jobs)

    assert (len(jobs.built), jobs.sent) == (1, ["2026-11-25-morning"])


def test_recipients_that_failed_for_now_are_retried_by_the_next_run(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path)
    jobs.send_failures = [SendFailure("a@example.org", "451 try later", permanent=False)]
    first = run_due(settings, store, utc("2026-11-25T06:31"), jobs)

    run_due(settings, store, utc("2026-11-25T06:40"), jobs)

    assert (first.partial, jobs.sent, len(jobs.built)) == (True, ["2026-11-25-morning"] * 2, 1)
    assert store.slot("morning", date(2026, 11, 25)).status is SlotStatus.SENT  # type: ignore[union-attr]


def test_a_permanent_refusal_does_not_keep_the_edition_open(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path)
    jobs.send_failures = [SendFailure("gone@example.org", "550 no such user", permanent=True)]
    run_due(settings, store, utc("2026-11-25T06:31"), jobs)

    run_due(settings, store, utc("2026-11-25T06:40"), jobs)

    assert jobs.sent == ["2026-11-25-morning"]


def test_a_failing_poll_does_not_stop_the_edition(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    jobs.poll_error = RuntimeError("disk full")

    report = run_due(make_settings(tmp_path), store, utc("2026-11-25T06:31"), jobs)

    assert (report.poll_error, len(report.ran)) == ("disk full", 1)


def test_editions_share_the_ledger_across_store_connections(tmp_path: Path, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path)
    for minute in (31, 32):
        with open_store(settings.database_path) as store:
            run_due(settings, store, utc("2026-11-25T06:00") + timedelta(minutes=minute), jobs)

    assert len(jobs.built) == 1


# ------------------------------------------------------------------------------------------- daily prune


def test_run_due_prunes_when_the_runs_log_has_no_prune_from_the_last_day(
    tmp_path: Path, store: Store, jobs: RecordingJobs
) -> None:
    store.start_run("prune", utc("2026-11-24T06:00"))

    settings = make_settings(tmp_path)

    reports = [run_due(settings, store, utc(at), jobs).pruned for at in ("2026-11-25T05:00", "2026-11-25T06:01")]

    assert (reports[0], reports[1], jobs.prunes) == (None, PruneReport({"articles": 0}), 1)


def test_a_failing_prune_does_not_fail_the_pass(tmp_path: Path, store: Store, jobs: RecordingJobs) -> None:
    def broken() -> PruneReport:
        raise RuntimeError("disk full")

    jobs.prune = broken  # type: ignore[method-assign]

    report = run_due(make_settings(tmp_path), store, utc("2026-11-25T06:31"), jobs)

    assert (report.pruned, len(report.ran)) == (None, 1)


# -------------------------------------------------------------------------------------------- run forever


class TravellingClock:
    """Time passes only when the loop sleeps, a minute per nap (the loop asks for at most a second, so it
    notices signals quickly; a minute keeps a simulated day to 1,440 turns). SIGTERM is sent to this process
    once `stop_at` is reached."""

    def __init__(self, traveller: time_machine.Coordinates, stop_at: datetime) -> None:
        self._traveller = traveller
        self._stop_at = stop_at
        self.slept = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        self.slept += 60
        self._traveller.shift(timedelta(seconds=60))
        if datetime.now(UTC) >= self._stop_at:
            os.kill(os.getpid(), signal.SIGTERM)


@pytest.fixture
def travel() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(utc("2026-11-25T06:20"), tick=False) as traveller:
        yield traveller


def forever(settings: Settings, jobs: RecordingJobs, clock: TravellingClock, said: list[str] | None = None) -> None:
    say = said.append if said is not None else lambda line: None
    with open_store(settings.database_path) as store:
        run_forever(settings, store, jobs, clock, say=say)


def test_schedule_says_it_runs_what_it_did_and_when_the_next_edition_is(
    tmp_path: Path, jobs: RecordingJobs, travel: time_machine.Coordinates
) -> None:
    said: list[str] = []
    jobs.polled_feeds = 2

    forever(make_settings(tmp_path), jobs, TravellingClock(travel, stop_at=utc("2026-11-25T06:32")), said)

    assert said == [
        "running; next edition 'morning' at 06:30 Europe/London on Wed 25 Nov; due feeds are polled every 30 min",
        "polled 2 due feeds",
        "edition 'morning' of 2026-11-25: sent (2026-11-25-morning); "
        "next edition 'morning' at 06:30 Europe/London on Thu 26 Nov",
        "stopped",
    ]


def test_the_next_editions_are_listed_soonest_first_in_local_time(tmp_path: Path) -> None:
    settings = make_settings(tmp_path).model_copy(
        update={"editions": [EditionSettings(name="morning", at="06:30"), EditionSettings(name="evening", at="18:00")]}
    )
    assert describe_next(settings, utc("2026-11-25T12:00")) == (
        "next editions 'evening' at 18:00 Europe/London on Wed 25 Nov, 'morning' at 06:30 Europe/London on Thu 26 Nov"
    )


def test_schedule_polls_at_the_interval_and_builds_at_the_editions_time(
    tmp_path: Path, jobs: RecordingJobs, travel: time_machine.Coordinates
) -> None:
    settings = make_settings(tmp_path, poll={"interval_minutes": 10})

    forever(settings, jobs, TravellingClock(travel, stop_at=utc("2026-11-25T06:45")))

    assert (jobs.polls, jobs.built, jobs.sent) == (
        3,  # 06:20, 06:30, 06:40
        [("morning", utc("2026-11-25T06:30"))],
        ["2026-11-25-morning"],
    )


def test_schedule_runs_a_late_evening_edition_once_across_midnight(tmp_path: Path, jobs: RecordingJobs) -> None:
    settings = make_settings(tmp_path, at="23:50", poll={"interval_minutes": 120})

    with time_machine.travel(utc("2026-11-25T23:40"), tick=False) as traveller:
        forever(settings, jobs, TravellingClock(traveller, stop_at=utc("2026-11-26T00:30")))

    assert jobs.built == [("morning", utc("2026-11-25T23:50"))]  # not again once the local date is the 26th


def test_schedule_goes_on_after_a_job_raises(
    tmp_path: Path, jobs: RecordingJobs, travel: time_machine.Coordinates
) -> None:
    jobs.poll_error = RuntimeError("feeds exploded")

    forever(
        make_settings(tmp_path, poll={"interval_minutes": 10}),
        jobs,
        TravellingClock(travel, stop_at=utc("2026-11-25T06:45")),
    )

    assert (jobs.polls > 1, len(jobs.built)) == (True, 1)


def test_sigterm_during_a_build_finishes_the_build_and_stops(
    tmp_path: Path, jobs: RecordingJobs, travel: time_machine.Coordinates
) -> None:
    settings = make_settings(tmp_path)
    jobs.on_build.append(lambda: os.kill(os.getpid(), signal.SIGTERM))

    forever(settings, jobs, TravellingClock(travel, stop_at=utc("2026-11-26T00:00")))

    with open_store(settings.database_path) as store:
        slot = store.slot("morning", date(2026, 11, 25))
    assert (datetime.now(UTC) < utc("2026-11-25T06:40"), slot.status) == (True, SlotStatus.SENT)  # type: ignore[union-attr]


def test_schedule_refuses_to_start_beside_a_running_instance(
    tmp_path: Path, jobs: RecordingJobs, travel: time_machine.Coordinates
) -> None:
    settings = make_settings(tmp_path)

    with (
        open_store(settings.database_path) as other,
        other.instance_lock(),
        pytest.raises(BriefingError, match="already running"),
    ):
        forever(settings, jobs, TravellingClock(travel, stop_at=utc("2026-11-25T06:45")))
    assert jobs.polls == 0


def test_schedule_runs_the_spring_forward_edition_once_as_the_clocks_change(
    tmp_path: Path, jobs: RecordingJobs
) -> None:
    settings = make_settings(tmp_path, at="01:30")  # 01:30 does not exist in London on 29 March 2026

    with time_machine.travel(utc("2026-03-29T00:40"), tick=False) as traveller:
        forever(settings, jobs, TravellingClock(traveller, stop_at=utc("2026-03-29T02:00")))

    assert jobs.built == [("morning", utc("2026-03-29T01:00"))]  # 02:00 BST, the first valid instant


# ------------------------------------------------------------------------------------ the idle note's horizon


def polled_feed(store: Store, next_poll: datetime, pruned: datetime | None) -> None:
    """One feed polled, next due at `next_poll`; the store last pruned at `pruned` (never when None)."""
    store.sync_feeds([Feed(key="https://e.org/rss", url="https://e.org/rss", section="World")])
    store.save_feed(replace(store.feeds()[0], next_poll=next_poll))
    if pruned is not None:
        store.finish_run(store.start_run("prune", pruned), pruned, "ok", {})


def test_nothing_is_due_until_the_next_edition_when_it_comes_first(tmp_path: Path, store: Store) -> None:
    polled_feed(store, next_poll=utc("2026-11-25T09:00"), pruned=utc("2026-11-25T01:00"))

    assert idle_until(make_settings(tmp_path), store, utc("2026-11-25T05:00")) == utc("2026-11-25T06:30")


def test_nothing_is_due_until_the_next_feed_poll_when_it_comes_first(tmp_path: Path, store: Store) -> None:
    polled_feed(store, next_poll=utc("2026-11-25T05:20"), pruned=utc("2026-11-25T01:00"))

    assert idle_until(make_settings(tmp_path), store, utc("2026-11-25T05:00")) == utc("2026-11-25T05:20")


def test_a_store_never_pruned_is_due_at_once(tmp_path: Path, store: Store) -> None:
    polled_feed(store, next_poll=utc("2026-11-25T05:20"), pruned=None)

    assert idle_until(make_settings(tmp_path), store, utc("2026-11-25T05:00")) == utc("2026-11-25T05:00")
