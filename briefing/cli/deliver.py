"""Commands: `send`, `subscribers` and `unsubscribe` (`run-due` and `schedule` are in `cli/schedule.py`)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from briefing.cli._app import EXIT_PARTIAL, AppContext, app, plain, print_table, stderr, stdout
from briefing.errors import ConfigError, DeliveryError
from briefing.models import SendReport
from briefing.store import open_store_from_settings
from briefing.subscribers import is_address, load_subscribers


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
