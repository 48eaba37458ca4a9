"""Commands: `send`, `subscribers` and `unsubscribe`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click
from rich.table import Table

from briefing.cli._app import EXIT_PARTIAL, AppContext, app, plain, print_table, stderr, stdout
from briefing.deliver.email import latest_edition_id, send_edition
from briefing.errors import ConfigError
from briefing.models import SendReport
from briefing.store import open_store_from_settings
from briefing.subscribers import is_address, load_subscribers


@app.command()
@click.argument("edition", required=False)
@click.option("--dry-run", is_flag=True, help="Write one .eml per recipient under the edition's outbox/ instead.")
@click.option("--to", "to", metavar="ADDR", help="Send one test copy to ADDR (not recorded, list untouched).")
@click.pass_obj
def send(ctx: AppContext, edition: str | None, dry_run: bool, to: str | None) -> None:
    """Email EDITION (default: the latest built) to every subscriber who has not been sent it yet.

    Each recipient is recorded as sent the moment the server accepts the message, so a rerun (or a run after
    a crash) sends only to the rest. Exit 3 when some recipients failed; they are listed on stderr.
    """
    settings = ctx.settings()
    edition_id = edition or latest_edition_id(settings.outputs_path)
    with open_store_from_settings(settings) as store:
        report = send_edition(edition_id, settings, store, now=datetime.now(UTC), dry_run=dry_run, to=to)
    _print_send_report(report, dry_run=dry_run)
    if report.partial:
        sys.exit(EXIT_PARTIAL)


def _print_send_report(report: SendReport, dry_run: bool = False) -> None:
    if dry_run:
        stdout.print(f"dry run: wrote {len(report.dry_run_files)} messages, nothing sent or recorded")
        for path in report.dry_run_files[:1]:
            stdout.print(f"  in {plain(path.parent)}")
    else:
        stdout.print(f"{plain(report.edition_id)}: sent {len(report.sent)}, failed {len(report.failed)}")
    skipped = len(report.skipped_already_sent) + len(report.skipped_unsubscribed)
    if skipped:
        stdout.print(
            f"skipped {len(report.skipped_already_sent)} already sent, {len(report.skipped_unsubscribed)} unsubscribed"
        )
    for address in report.resent:
        stderr.print(
            f"[yellow]resent:[/yellow] {plain(address)} (an earlier run stopped before the outcome was recorded)"
        )
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
