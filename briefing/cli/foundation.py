"""Commands: `init`, `config check`, `feeds` (health, import-opml, export-opml) and `poll`."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
import yaml
from rich.table import Table

from briefing.cli._app import EXIT_CONFIG, EXIT_PARTIAL, AppContext, app, progress_bars, stderr, stdout
from briefing.config import Settings, feeds_from_settings, redacted
from briefing.errors import ConfigError
from briefing.models import Feed, PollReport
from briefing.store import open_store_from_settings

if TYPE_CHECKING:
    from briefing.opml import ImportReport

# ------------------------------------------------------------------------------------------------------ init


@app.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing feeds.yaml and templates.")
def init(folder: Path, force: bool) -> None:
    """Write a starter feeds.yaml (real news feeds, commented) and a copy of the templates into FOLDER."""
    config = folder / "feeds.yaml"
    if config.exists() and not force:
        raise ConfigError(f"{config} already exists; pass --force to overwrite it", hint="or choose another FOLDER")
    folder.mkdir(parents=True, exist_ok=True)
    config.write_bytes(resources.files("briefing").joinpath("starter.yaml").read_bytes())
    templates = _copy_templates(folder / "templates", force)
    stdout.print(f"wrote {config}")
    stdout.print(f"wrote {templates}/ (edit them to restyle your briefing; yours are used first)")
    stderr.print(f"next: edit {config}, then `briefing config check` and `briefing run`")


def _copy_templates(target: Path, force: bool) -> Path:
    """The bundled templates, copied without touching templates the user already has (unless --force)."""
    from briefing.render import bundled_templates_path

    source = bundled_templates_path()
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif force or not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return target


# ---------------------------------------------------------------------------------------------- config check


@app.group("config")
def config_group() -> None:
    """Inspect the configuration file."""


@config_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print {valid, problems, settings} as JSON.")
@click.pass_obj
def config_check(ctx: AppContext, as_json: bool) -> None:
    """Validate feeds.yaml and print the effective settings, secrets redacted. Exit 2 on any problem."""
    try:
        settings: Settings = ctx.settings()
    except ConfigError as error:
        if not as_json:
            raise
        stdout.print_json(json.dumps({"valid": False, "problems": error.problems, "settings": None}))
        sys.exit(EXIT_CONFIG)
    shown = redacted(settings)
    if as_json:
        stdout.print_json(json.dumps({"valid": True, "problems": [], "settings": shown}))
        return
    stdout.print(yaml.safe_dump(shown, sort_keys=False, allow_unicode=True), end="", markup=False)
    feeds = feeds_from_settings(settings)
    stderr.print(f"{ctx.config_path}: valid ({len(feeds)} feeds in {len(settings.sections)} sections)")


# ----------------------------------------------------------------------------------------------------- feeds


@app.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the feeds' health as a JSON list.")
@click.pass_context
def feeds(click_ctx: click.Context, as_json: bool) -> None:
    """A table of feed health: status, last success, last error, articles, next poll.

    Status is ok, failing (the last poll failed; it is retried with back-off), retired (the server said 410
    Gone) or never polled.
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: AppContext = click_ctx.obj
    settings = ctx.settings()
    with open_store_from_settings(settings) as store:
        store.sync_feeds(feeds_from_settings(settings))
        known = store.feeds()
    if as_json:
        stdout.print_json(json.dumps([feed_health(feed) for feed in known]))
    else:
        stdout.print(_health_table(known, ZoneInfo(settings.timezone), datetime.now(UTC)))


def feed_status(feed: Feed) -> str:
    if feed.retired:
        return "retired"
    if feed.last_attempt is None:
        return "never polled"
    return "failing" if feed.consecutive_failures else "ok"


def feed_health(feed: Feed) -> dict[str, Any]:
    """One feed's health as JSON (times in ISO-8601 UTC)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "key": feed.key,
        "url": feed.url,
        "section": feed.section,
        "outlet": feed.outlet,
        "status": feed_status(feed),
        "last_success": iso(feed.last_success),
        "last_attempt": iso(feed.last_attempt),
        "last_error": feed.last_error,
        "consecutive_failures": feed.consecutive_failures,
        "articles": feed.articles,
        "next_poll": iso(feed.next_poll),
    }


_STATUS_STYLE = {"ok": "green", "failing": "red", "retired": "dim", "never polled": "yellow"}


def _health_table(known: list[Feed], zone: ZoneInfo, now: datetime) -> Table:
    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "-"

    def next_poll(feed: Feed) -> str:
        if feed.retired:
            return "-"
        return "due now" if feed.next_poll is None or feed.next_poll <= now else local(feed.next_poll)

    table = Table("Section", "Feed", "Status", "Last success", "Last error", "Articles", "Next poll")
    table.columns[2].no_wrap = True
    for feed in known:
        status = feed_status(feed)
        error = feed.last_error if status == "failing" or feed.retired else None
        table.add_row(
            feed.section,
            feed.outlet,
            f"[{_STATUS_STYLE[status]}]{status}[/]",
            local(feed.last_success),
            error or "-",
            str(feed.articles),
            next_poll(feed),
        )
    return table


@feeds.command("import-opml")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--section", metavar="NAME", help="Put every feed in this section (default: the OPML's folders).")
@click.pass_obj
def import_opml_command(ctx: AppContext, file: Path, section: str | None) -> None:
    """Add the feeds of an OPML file (from another reader) to feeds.yaml, keeping its comments."""
    from briefing.opml import import_opml, parse_opml

    report = import_opml(ctx.config_path, parse_opml(file.read_bytes(), source=str(file)), section)
    _print_import(report, ctx.config_path)


def _print_import(report: ImportReport, config: Path) -> None:
    added = ", ".join(f"{name} ({len(feeds)})" for name, feeds in report.added.items()) or "nothing new"
    stdout.print(f"added {report.added_count} feeds to {config}: {added}")
    for url, reason in report.skipped:
        stderr.print(f"skipped {url}: {reason}", highlight=False)
    if report.rewritten:
        stderr.print(
            f"[yellow]note:[/yellow] {config} was re-written from its data (its layout could not be edited in "
            "place), so its comments were lost"
        )


@feeds.command("export-opml")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def export_opml_command(ctx: AppContext, file: Path | None) -> None:
    """Write the configured feeds as OPML 2.0 (sections as folders) to FILE, or to stdout."""
    from briefing.opml import write_opml

    data = write_opml(feeds_from_settings(ctx.settings()), now=datetime.now(UTC))
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        file.write_bytes(data)
        stderr.print(f"wrote {file}")


# ------------------------------------------------------------------------------------------------------ poll


@app.command()
@click.option("--json", "as_json", is_flag=True, help="Print the poll report as JSON.")
@click.pass_obj
def poll(ctx: AppContext, as_json: bool) -> None:
    """Fetch every due feed once and store new articles. Exit 3 when some feeds failed."""
    from briefing import pipeline  # imported when needed: it pulls in every stage

    settings = ctx.settings()
    with open_store_from_settings(settings) as store, progress_bars(ctx.quiet or as_json) as progress:
        report = pipeline.poll(settings, store, datetime.now(UTC), progress=progress)
        upcoming = [f.next_poll for f in store.feeds(include_retired=False) if f.next_poll]
    if as_json:
        stdout.print_json(json.dumps(report.summary()))
    else:
        stdout.print(_poll_table(report))
        for outcome in report.outcomes:
            if outcome.error:
                stderr.print(f"[yellow]failed:[/yellow] {outcome.key}: {outcome.error}", highlight=False)
    if not report.polled and upcoming and not ctx.quiet:
        soonest = min(upcoming).astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z")
        stderr.print(f"no feed was due; the next is due at {soonest} (`briefing feeds` lists each)")
    if report.failed:
        sys.exit(EXIT_PARTIAL)


def _poll_table(report: PollReport) -> Table:
    summary = report.summary()
    table = Table("Poll", "Count", title=f"{summary['feeds']} due feeds polled", title_justify="left")
    table.add_row("new content", str(summary["ok"]))
    table.add_row("304 not modified", str(summary["not_modified"]))
    table.add_row("unchanged body", str(summary["unchanged"]))
    table.add_row("failed", str(summary["failed"]), style="red" if summary["failed"] else None)
    table.add_row("new articles", str(summary["new_articles"]), end_section=True)
    return table
