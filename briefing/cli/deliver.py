"""Commands: `send`, `subscribers`, `unsubscribe`, `run-due` and `schedule`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from briefing.cli._app import (
    EXIT_FAILURE,
    EXIT_NOTHING_DUE,
    EXIT_PARTIAL,
    AppContext,
    app,
    plain,
    plural,
    print_table,
    stderr,
    stdout,
)
from briefing.cli.store import print_prune_report
from briefing.config import Settings
from briefing.errors import ConfigError, DeliveryError
from briefing.models import DueReport, SendReport
from briefing.schedule import Jobs, run_due, run_forever
from briefing.store import Store, open_store_from_settings
from briefing.subscribers import is_address, load_subscribers


def _pipeline_jobs(settings: Settings, store: Store) -> Jobs:
    from briefing.pipeline import PipelineJobs  # imported when needed: it pulls in every stage

    return PipelineJobs(settings, store)


@app.command()
@click.argument("edition", required=False)
@click.option("--dry-run", is_flag=True, help="Write one .eml per recipient (under the state folder) instead.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --dry-run: write the .eml files here (default: <state folder>/outbox/<edition>).",
)
@click.option("--to", "to", metavar="ADDR", help="Send one test copy to ADDR (not recorded, list untouched).")
@click.option("--retry-unclear", is_flag=True, help="Also resend recipients recorded as maybe sent.")
@click.pass_obj
def send(
    ctx: AppContext, edition: str | None, dry_run: bool, out: Path | None, to: str | None, retry_unclear: bool
) -> None:
    """Send EDITION (default: the latest built) to every subscriber and channel that has not had it yet.

    Each recipient is recorded as sent the moment the server accepts the message, so a rerun (or a run after
    a crash) sends only to the rest; a second send at the same time waits for the first. A message handed over
    without an answer (a timeout, a dropped connection) is recorded as maybe sent and not retried unless
    --retry-unclear is given. Exit 3 when some recipients failed or may not have been sent; they are listed on
    stderr.
    """
    from briefing import pipeline

    settings = ctx.settings()
    now = datetime.now(UTC)
    with open_store_from_settings(settings) as store:
        edition_id = edition or store.latest_edition_id()
        if edition_id is None:
            raise DeliveryError("no edition has been built yet", hint="run `briefing build` first")
        if dry_run:
            folder = out or settings.database_path.parent / "outbox" / edition_id
            report = pipeline.send_dry_run(settings, store, edition_id, folder, now)
        elif to is not None:
            report = pipeline.send_test_copy(settings, store, edition_id, to, now)
        else:
            reports = pipeline.send(settings, store, edition_id, now, retry_unclear=retry_unclear)
            _print_send_reports(edition_id, reports)
            if any(sent.partial for sent in reports):
                sys.exit(EXIT_PARTIAL)
            return
    _print_send_report(report, dry_run=dry_run)
    if report.partial:
        sys.exit(EXIT_PARTIAL)


def _print_send_reports(edition_id: str, reports: tuple[SendReport, ...]) -> None:
    if not reports:
        stdout.print(f"{plain(edition_id)}: no stories, nothing sent")
    for report in reports:
        _print_send_report(report)


def _print_send_report(report: SendReport, dry_run: bool = False) -> None:
    if dry_run:
        stdout.print(f"dry run: wrote {len(report.dry_run_files)} messages, nothing sent or recorded")
        for path in report.dry_run_files[:1]:
            stdout.print(f"  in {plain(path.parent)}")
    else:
        stdout.print(
            f"{plain(report.edition_id)} ({plain(report.channel)}): sent {len(report.sent)}, "
            f"failed {len(report.failed)}" + (f", maybe sent {len(report.unclear)}" if report.unclear else "")
        )
    skipped = len(report.skipped_already_sent) + len(report.skipped_unsubscribed)
    if skipped:
        stdout.print(
            f"skipped {len(report.skipped_already_sent)} already sent, {len(report.skipped_unsubscribed)} unsubscribed"
        )
    for address in report.resent:
        stderr.print(f"[yellow]resent:[/yellow] {plain(address)} (a copy may have arrived twice, with one Message-ID)")
    for address in report.unclear:
        stderr.print(
            f"[yellow]maybe sent:[/yellow] {plain(address)} (handed over, no answer; not retried: "
            "`briefing send --retry-unclear` resends it)"
        )
    if report.stopped:
        stderr.print(f"[red]stopped:[/red] {plain(report.channel)}: {plain(report.stopped)} (a rerun sends the rest)")
    for failure in report.failed:
        kind = "permanent" if failure.permanent else "transient, a rerun retries"
        stderr.print(
            f"[red]failed:[/red] {plain(failure.recipient)}: {plain(failure.reason)} ({kind})", highlight=False
        )


@app.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.pass_obj
def subscribers(ctx: AppContext, as_json: bool) -> None:
    """List subscribers with their status (subscribed/unsubscribed) and their last send."""
    settings = ctx.settings()
    with open_store_from_settings(settings) as store:
        suppressed = store.unsubscribed()
        last = store.last_sends()
    rows: list[dict[str, Any]] = [
        {
            "email": s.email,
            "name": s.name,
            "sections": list(s.sections) if s.sections else None,
            "status": "unsubscribed" if s.email.lower() in suppressed else "subscribed",
            "last_edition": last[s.email.lower()].edition_id if s.email.lower() in last else None,
            "last_status": last[s.email.lower()].status.value if s.email.lower() in last else None,
        }
        for s in load_subscribers(settings)
    ]
    if as_json:
        stdout.print_json(json.dumps(rows))
        return
    table = Table("email", "name", "sections", "status", "last edition", "last send")
    for row in rows:
        sections = ", ".join(row["sections"] or []) or "all"
        cells = (row["email"], row["name"], sections, row["status"], row["last_edition"], row["last_status"])
        table.add_row(*(plain(cell or "-") for cell in cells))
    print_table(table)


@app.command()
@click.argument("address")
@click.pass_obj
def unsubscribe(ctx: AppContext, address: str) -> None:
    """Add ADDRESS to the suppression list: it is never sent another edition (the list in feeds.yaml and the
    subscriber file is left as it is)."""
    if not is_address(address):
        raise ConfigError(f"ADDRESS: expected an address like reader@example.org, got {address!r}")
    settings = ctx.settings()
    with open_store_from_settings(settings) as store:
        added = store.unsubscribe(address, datetime.now(UTC))
    stdout.print(f"{plain(address)}: {'unsubscribed' if added else 'already unsubscribed'}")


@app.command("run-due")
@click.pass_obj
def run_due_command(ctx: AppContext) -> None:
    """Do what is due now and exit: poll due feeds, build (and send) each edition whose time has come.

    For cron or a systemd timer. A missed edition still runs if it is at most grace_hours late; older ones are
    recorded as skipped. Once a day it also prunes the store (`retention:`). Exit 4 when nothing was due, 3 when
    some recipients failed, 1 when a build failed.
    """
    settings = ctx.checked_settings()
    with open_store_from_settings(settings) as store, store.instance_lock():
        report = run_due(settings, store, datetime.now(UTC), _pipeline_jobs(settings, store))
    _print_due_report(report)
    if report.failed or (report.poll_error and not report.ran):
        sys.exit(EXIT_FAILURE)
    if report.partial:
        sys.exit(EXIT_PARTIAL)
    if report.nothing_due:
        sys.exit(EXIT_NOTHING_DUE)


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
    for sent in report.sends:
        _print_send_report(sent)
    if report.pruned is not None:
        print_prune_report(report.pruned)
    if report.nothing_due:
        stdout.print("nothing was due")


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

    with open_store_from_settings(settings) as store:
        run_forever(settings, store, _pipeline_jobs(settings, store), say=say)
