"""Commands: `run-due` and `schedule` — doing what is due, from cron or as a long-running process.

An idle cron tick must cost about an interpreter start. A tick that finds the idle note of the last one still
valid (`briefing.idle`) loads nothing but click; otherwise it loads the config, the store and the schedule,
and the pipeline (every stage, and numpy and scipy with them) only once something is due.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from briefing.cli._app import (
    EXIT_FAILURE,
    EXIT_NOTHING_DUE,
    EXIT_PARTIAL,
    AppContext,
    app,
    plain,
    plural,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from briefing.config import Settings
    from briefing.models import DueReport, PruneReport, SendReport
    from briefing.pipeline import PipelineJobs
    from briefing.store import Store


class LazyPipelineJobs:
    """The pipeline's jobs, loaded on first use; `poll` asks the store whether any feed is due first."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime]) -> None:
        self._settings, self._store, self._clock = settings, store, clock
        self._loaded: PipelineJobs | None = None

    def poll(self) -> int:
        from briefing.config import feeds_from_settings

        self._store.sync_feeds(feeds_from_settings(self._settings))  # a feed new in feeds.yaml is due at once
        if not self._store.has_due_feeds(self._clock()):
            return 0
        return self._pipeline().poll()

    def build(self, edition_name: str, at: datetime) -> str:
        return self._pipeline().build(edition_name, at)

    def send(self, edition_id: str) -> tuple[SendReport, ...]:
        return self._pipeline().send(edition_id)

    def prune(self) -> PruneReport:
        return self._pipeline().prune()

    def llm_outages(self) -> list[tuple[str, str]]:
        """(edition id, why) for each edition built while every LLM call failed."""
        return list(self._loaded.llm_outages) if self._loaded is not None else []

    def _pipeline(self) -> PipelineJobs:
        if self._loaded is None:
            from briefing.pipeline import PipelineJobs  # every stage: only now that there is work to do

            self._loaded = PipelineJobs(self._settings, self._store, self._clock)
        return self._loaded


def _utcnow() -> datetime:
    return datetime.now(UTC)


def pipeline_jobs(settings: Settings, store: Store) -> LazyPipelineJobs:
    return LazyPipelineJobs(settings, store, _utcnow)


@app.command("run-due")
@click.pass_obj
def run_due_command(ctx: AppContext) -> None:
    """Do what is due now and exit: poll due feeds, build (and send) each edition whose time has come.

    For cron or a systemd timer. A missed edition still runs if it is at most grace_hours late; older ones are
    recorded as skipped. Once a day it also prunes the store (`retention:`). Exit 4 when nothing was due, 3 when
    some recipients failed or every LLM call of a build failed, 1 when a build failed.
    """
    from briefing import idle

    if idle.nothing_due_before(ctx.config_path, _utcnow()):
        click.echo("nothing was due")  # the last tick's note still holds: nothing loaded, nothing asked
        sys.exit(EXIT_NOTHING_DUE)
    report, jobs = _run_due_once(ctx)
    _print_due_report(report)
    if report.failed or (report.poll_error and not report.ran):
        sys.exit(EXIT_FAILURE)
    if report.partial or jobs.llm_outages():
        sys.exit(EXIT_PARTIAL)
    if report.nothing_due:
        sys.exit(EXIT_NOTHING_DUE)


def _run_due_once(ctx: AppContext) -> tuple[DueReport, LazyPipelineJobs]:
    """One pass of the schedule; a pass that found nothing due leaves a note for the next tick."""
    from briefing import idle
    from briefing.schedule import idle_until, run_due
    from briefing.store import database_file, open_store_from_settings

    settings = ctx.checked_settings()
    now = _utcnow()
    with open_store_from_settings(settings) as store, store.instance_lock():
        jobs = pipeline_jobs(settings, store)
        report = run_due(settings, store, now, jobs)
        until = idle_until(settings, store, _utcnow()) if report.nothing_due else None
    database = database_file(settings)
    if until is not None and database is not None:
        idle.leave_note(ctx.config_path, database, now, until)  # after closing: the files as the next tick sees them
    else:
        idle.forget_note(ctx.config_path)
    return report, jobs


def _print_due_report(report: DueReport) -> None:
    if report.polled:
        stdout.print(f"polled {plural(report.polled, 'feed')}")
    if report.poll_error:
        stderr.print(f"[red]poll failed:[/red] {plain(report.poll_error)}")
    for slot in report.ran:
        stdout.print(plain(f"{slot.name} {slot.local_date}: {slot.status.value} ({slot.edition_id})"))
    for slot in report.skipped:
        stderr.print(f"[yellow]skipped:[/yellow] {plain(f'{slot.name} {slot.local_date}: {slot.error}')}")
    for slot in report.failed:
        stderr.print(f"[red]failed:[/red] {plain(f'{slot.name} {slot.local_date}: {slot.error}')}")
    if report.sends:
        from briefing.cli.deliver import _print_send_report  # the email side, loaded when there is one

        for sent in report.sends:
            _print_send_report(sent)
    if report.pruned is not None:
        from briefing.cli.store import print_prune_report

        print_prune_report(report.pruned)
    if report.nothing_due:
        click.echo("nothing was due")  # plain: an idle cron tick need not load rich


@app.command("schedule")
@click.pass_obj
def schedule_command(ctx: AppContext) -> None:
    """Run forever: poll feeds every poll.interval_minutes and build (and send) each edition at its local time.

    Says on stderr that it is running and when the next edition is due, then one line per edition built,
    sent, failed or skipped (and per poll that fetched feeds). Shares its ledger with `run-due`, so nothing is
    done twice; only one instance runs at a time (a lock file beside a SQLite database, an advisory lock in
    PostgreSQL). Prunes the store once a day, as `run-due` does. SIGTERM or Ctrl-C finish the current step and
    exit.
    """
    settings = ctx.checked_settings()

    def say(line: str) -> None:
        if not ctx.quiet:
            stderr.print(line, markup=False, highlight=False)

    from briefing.schedule import run_forever
    from briefing.store import open_store_from_settings

    with open_store_from_settings(settings) as store:
        run_forever(settings, store, pipeline_jobs(settings, store), say=say)
