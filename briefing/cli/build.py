"""Commands: `build`, `run` and `demo` — the main job, from stored articles (or feeds) to written outputs."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from briefing.cli._app import (
    EXIT_PARTIAL,
    AppContext,
    app,
    plain,
    plural,
    print_llm_outage,
    print_table,
    progress_bars,
    stderr,
    stdout,
)
from briefing.config import Settings, load_settings
from briefing.errors import ConfigError
from briefing.models import PollReport

if TYPE_CHECKING:
    from briefing.pipeline import BuildReport
from briefing.store import open_store_from_settings


def parse_at(value: str | None, settings: Settings) -> datetime:
    """`--at` as an aware datetime; a time without an offset is read in the configured timezone."""
    if value is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--at: expected an ISO-8601 time such as 2026-11-25T06:30, got {value!r}") from None
    return moment.replace(tzinfo=ZoneInfo(settings.timezone)) if moment.tzinfo is None else moment


def print_build_report(report: BuildReport, outputs: Path) -> None:
    edition = report.edition
    table = Table(title=plain(f"{edition.title} ({edition.id})") + (" — dry run" if report.dry_run else ""))
    table.add_column("section")
    table.add_column("stories", justify="right")
    table.add_column("bullets", justify="right")
    table.add_column("updates", justify="right")
    for section in edition.sections:
        bullets = sum(len(story.bullets) for story in section.stories)
        updates = sum(1 for story in section.stories if story.status == "update")
        table.add_row(plain(section.name), str(len(section.stories)), str(bullets), str(updates))
    print_table(table)
    stats = edition.stats
    llm = f" ({edition.model}, {plural(stats.llm_calls, 'call')}, {plural(stats.llm_fallbacks, 'fallback')})"
    stdout.print(
        f"articles {stats.articles} · clusters {stats.clusters} · bullets checked {stats.bullets_checked}, "
        f"repaired {stats.bullets_repaired}, dropped {stats.bullets_dropped} · summariser {edition.summariser}"
        + (llm if edition.model else "")
    )
    for warning in report.warnings:
        stderr.print(f"[yellow]warning:[/yellow] {plain(warning)}")
    if not report.dry_run:
        stdout.print(
            f"{plural(len(report.written), 'file')} written, {report.unchanged} unchanged, in {plain(outputs)}"
        )
        for path in report.written:
            stdout.print(f"  {plain(path)}", highlight=False)


def print_poll_summary(report: PollReport) -> None:
    """One line; each failed feed has already been reported (one `warning:` line each) as it failed."""
    stdout.print(
        f"polled {plural(report.polled, 'feed')}: {report.ok} new content, {report.not_modified} unchanged, "
        f"{report.failed} failed · {plural(report.new_articles, 'new article')}"
    )


def _build(settings: Settings, at: datetime, dry_run: bool, quiet: bool) -> BuildReport:
    from briefing import pipeline

    with open_store_from_settings(settings) as store, progress_bars(quiet) as progress:
        return pipeline.build(settings, store, at, datetime.now(UTC), dry_run=dry_run, progress=progress)


@app.command()
@click.option("--at", "at_text", metavar="ISO", help="Edition time (default: now). Fixes the edition id and window.")
@click.option("--dry-run", is_flag=True, help="Build and check, but write nothing and store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print briefing.json to stdout instead of a table.")
@click.pass_obj
def build(ctx: AppContext, at_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Cluster, summarise, check and render one edition from the stored articles (it polls nothing).

    Writes `outputs/editions/<id>/` (`briefing.json`, `briefing.md`, `email.html`, `email.txt`) and the site,
    then prints a summary: stories, bullets and updates per section, and the files written. --at fixes the
    edition's time (ISO-8601; without an offset it is read in the configured timezone): it decides the
    edition id and the end of its window. Rebuilding the same edition with no new articles rewrites identical
    bytes. Exit 3 when some feeds are failing.
    """
    settings = ctx.checked_settings()
    report = _build(settings, parse_at(at_text, settings), dry_run, ctx.quiet or as_json)
    if as_json:
        from briefing.models import edition_to_dict

        stdout.print_json(json.dumps(edition_to_dict(report.edition)))
    else:
        print_build_report(report, settings.outputs_path)
    print_llm_outage(report.llm_outage)
    if report.edition.stats.feeds_failed or report.llm_outage:
        raise SystemExit(EXIT_PARTIAL)


@app.command()
@click.option("--at", "at_text", metavar="ISO", help="Edition time (default: now).")
@click.pass_obj
def run(ctx: AppContext, at_text: str | None) -> None:
    """Poll every due feed, then build the edition (and email it, if email is enabled).

    Exit 3 when the edition was built but some feeds are failing (in this poll or since an earlier one) or some
    recipients failed, or every LLM call failed.
    """
    from briefing import pipeline

    settings = ctx.checked_settings()
    at = parse_at(at_text, settings)
    with open_store_from_settings(settings) as store, progress_bars(ctx.quiet) as progress:
        polled = pipeline.poll(settings, store, datetime.now(UTC), progress=progress)
        report = pipeline.build(settings, store, at, datetime.now(UTC), progress=progress)
        delivers = settings.email.enabled or bool(settings.channels)
        sent = (
            pipeline.send(settings, store, report.edition.id, datetime.now(UTC), include_email=settings.email.enabled)
            if delivers
            else ()
        )
    print_poll_summary(polled)
    print_build_report(report, settings.outputs_path)
    print_llm_outage(report.llm_outage)
    from briefing.cli.deliver import _print_send_report

    for channel in sent:
        _print_send_report(channel)
    failing = polled.failed or report.edition.stats.feeds_failed
    if failing or report.llm_outage or any(channel.partial for channel in sent):
        raise SystemExit(EXIT_PARTIAL)


@app.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs/demo"),
    show_default=True,
    help="Where the demo edition and site are written.",
)
@click.option(
    "--database-url",
    metavar="URL",
    default=None,
    help="Store the demo in this (empty) database, e.g. postgresql://user@host/db; else a temporary SQLite file.",
)
@click.pass_obj
def demo(ctx: AppContext, out: Path, database_url: str | None) -> None:
    """Run the whole pipeline offline on bundled sample feeds served from 127.0.0.1.

    Needs no network and no API key. Open <out>/site/index.html or <out>/editions/*/email.html afterwards.
    """
    from briefing import pipeline
    from briefing.demo import DEMO_AT, serve_demo_feeds, write_demo_config

    with tempfile.TemporaryDirectory(prefix="briefing-demo-") as work, serve_demo_feeds() as site:
        settings = load_settings(write_demo_config(site, Path(work), out, database_url))
        with open_store_from_settings(settings) as store, progress_bars(ctx.quiet) as progress:
            polled = pipeline.poll(settings, store, DEMO_AT, progress=progress)
            report = pipeline.build(settings, store, DEMO_AT, DEMO_AT, progress=progress)
    print_poll_summary(polled)
    print_build_report(report, out.resolve())
    stdout.print(f"open {plain((out / 'site' / 'index.html').resolve())}")
