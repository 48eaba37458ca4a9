"""Commands: `init`, `config check`, `feeds` (health, import-opml, export-opml) and `poll`."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
import yaml
from rich import box
from rich.markup import escape
from rich.table import Table

from briefing.cli._app import (
    EXIT_CONFIG,
    EXIT_PARTIAL,
    AppContext,
    app,
    plain,
    plural,
    print_table,
    progress_bars,
    stderr,
    stdout,
)
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
    """Write a starter feeds.yaml (real news feeds, commented) and a copy of the templates into FOLDER.

    FOLDER defaults to the current folder. The templates land in FOLDER/templates/, which rendering searches
    before the bundled ones. An existing feeds.yaml is kept unless --force; so are templates you already have.
    """
    config = folder / "feeds.yaml"
    if config.exists() and not force:
        raise ConfigError(f"{config} already exists; pass --force to overwrite it", hint="or choose another FOLDER")
    folder.mkdir(parents=True, exist_ok=True)
    config.write_bytes(resources.files("briefing").joinpath("starter.yaml").read_bytes())
    templates = _copy_templates(folder / "templates", force)
    stdout.print(f"wrote {plain(config)}")
    stdout.print(f"wrote {plain(templates)}/ (edit them to restyle your briefing; yours are used first)")
    stderr.print(f"next: edit {plain(config)}, then `briefing config check` and `briefing run`")


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
@click.option("--json", "as_json", is_flag=True, help="Print {valid, problems, warnings, settings} as JSON.")
@click.pass_obj
def config_check(ctx: AppContext, as_json: bool) -> None:
    """Validate feeds.yaml and print the effective settings as YAML, secrets redacted.

    Defaults are filled in; a secret shows as `***` when its environment variable is set and `(not set)`
    otherwise. Every problem is one line naming the file, the key and the bad value; exit 2 when there is
    any. Delivery is checked too (subscribers, From, subject, unsubscribe URL and secret, channel URLs), and a
    warning says when feeds are written without render.site_url. `--json` prints `{valid, problems, warnings,
    settings}`, also when the file has problems.
    """
    from briefing.deliver.check import delivery_warnings

    try:
        settings: Settings = ctx.checked_settings()
    except ConfigError as error:
        if not as_json:
            raise
        stdout.print_json(json.dumps({"valid": False, "problems": error.problems, "settings": None}))
        sys.exit(EXIT_CONFIG)
    from briefing.ground import grounder

    shown = redacted(settings)
    warnings = [f"{ctx.config_path}: {warning}" for warning in delivery_warnings(settings)]
    check = grounder(settings.grounding, settings.encoder).describe()
    if as_json:
        document = {"valid": True, "problems": [], "warnings": warnings, "settings": shown, "grounding_check": check}
        stdout.print_json(json.dumps(document))
        return
    for warning in warnings:
        stderr.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    stdout.print(yaml.safe_dump(shown, sort_keys=False, allow_unicode=True), end="", markup=False)
    feeds = feeds_from_settings(settings)
    stderr.print(
        f"{plain(ctx.config_path)}: valid ({plural(len(feeds), 'feed')} in {plural(len(settings.sections), 'section')})"
    )
    stderr.print(f"grounding: {check}", markup=False)


# ----------------------------------------------------------------------------------------------------- feeds


@app.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the feeds' health as a JSON list.")
@click.pass_context
def feeds(click_ctx: click.Context, as_json: bool) -> None:
    """Feed health: section, feed, status, last success, next poll, articles stored; then each failing feed's
    last error.

    Status is ok, failing (the last poll failed; it is retried with back-off), retired (the server answered
    410 Gone; it is not polled again) or never polled. Times are in the configured timezone; `--json` prints
    one object per feed with ISO-8601 UTC times.
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
        print_table(_health_table(known, ZoneInfo(settings.timezone), datetime.now(UTC)))
        errors = _health_errors(known)
        if errors:
            stdout.print("Last errors:")
        for line in errors:
            stdout.print(f"  {line}", markup=False)


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
    """Feed health, narrow enough for 80 columns; the last errors follow the table (`_health_errors`)."""
    today = now.astimezone(zone).date()

    def local(value: datetime | None) -> str:
        if value is None:
            return "-"
        moment = value.astimezone(zone)
        return moment.strftime("%H:%M" if moment.date() == today else "%d %b %H:%M")

    def next_poll(feed: Feed) -> str:
        if feed.retired:
            return "-"
        return "due now" if feed.next_poll is None or feed.next_poll <= now else local(feed.next_poll)

    table = Table(
        "Section",
        "Feed",
        "Status",
        "Last success",
        "Next poll",
        "Articles",
        box=box.SIMPLE_HEAD,
        caption=f"Times in {zone.key}.",
        caption_justify="left",
    )
    for short in (2, 3, 4, 5):  # status, times and counts stay on one line; names wrap instead
        table.columns[short].no_wrap = True
    table.columns[5].justify = "right"
    for feed in known:
        status = feed_status(feed)
        style = _STATUS_STYLE[status]
        cells = (
            plain(feed.section),
            plain(feed_label(feed)),
            f"[{style}]{status}[/]",
            local(feed.last_success),
            next_poll(feed),
        )
        table.add_row(*cells, str(feed.articles))
    return table


def _health_errors(known: list[Feed]) -> list[str]:
    """`label: last error` for each failing or retired feed, printed under the table at full width."""
    shown = [feed for feed in known if feed_status(feed) in ("failing", "retired") and feed.last_error]
    return [f"{feed_label(feed)}: {feed.last_error}" for feed in shown]


def feed_label(feed: Feed) -> str:
    """How a feed is told apart in a list: its name or title, else its URL without the scheme (a bare host
    would show every feed of one server alike)."""
    return feed.name or feed.title or feed.key.split("://", 1)[-1]


@feeds.command("import-opml")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--section", metavar="NAME", help="Put every feed in this section (default: the OPML's folders).")
@click.pass_obj
def import_opml_command(ctx: AppContext, file: Path, section: str | None) -> None:
    """Add the feeds of an OPML file (from another reader) to feeds.yaml, keeping its comments.

    Each feed goes under its OPML folder's name (top-level feeds under `Imported`), or all under --section.
    Feeds already configured (URLs compared without regard to case) and non-http(s) URLs are skipped and
    listed. The file is edited as text and validated before it atomically replaces the old one; only a layout
    that cannot be edited in place (flow-style `sections: [...]`) is re-written from its data, and then the
    command says that comments were lost. OPML is read with defusedxml (no entity expansion).
    """
    from briefing.opml import import_opml, parse_opml

    report = import_opml(ctx.config_path, parse_opml(file.read_bytes(), source=str(file)), section)
    _print_import(report, ctx.config_path)


def _print_import(report: ImportReport, config: Path) -> None:
    added = ", ".join(f"{name} ({len(feeds)})" for name, feeds in report.added.items()) or "nothing new"
    stdout.print(f"added {plural(report.added_count, 'feed')} to {plain(config)}: {plain(added)}")
    for url, reason in report.skipped:
        stderr.print(f"skipped {plain(url)}: {plain(reason)}", highlight=False)
    if report.rewritten:
        stderr.print(
            f"[yellow]note:[/yellow] {plain(config)} was re-written from its data (its layout could not be edited in "
            "place), so its comments were lost"
        )


@feeds.command("export-opml")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def export_opml_command(ctx: AppContext, file: Path | None) -> None:
    """Write the configured feeds as OPML 2.0 (sections as folders) to FILE, or to stdout.

    Each feed is labelled with its configured name, else the title its feed gave when last polled. OPML has
    no place for `weight` and `full_text`; they are not exported.
    """
    from briefing.opml import write_opml

    settings = ctx.settings()
    data = write_opml(_with_stored_titles(settings, feeds_from_settings(settings)), now=datetime.now(UTC))
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        file.write_bytes(data)
        stderr.print(f"wrote {plain(file)}")


def _with_stored_titles(settings: Settings, configured: list[Feed]) -> list[Feed]:
    """The feeds with the titles the store learnt when polling them (none before the first poll)."""
    if not settings.database_path.exists():
        return configured
    with open_store_from_settings(settings) as store:
        stored = {feed.key: feed for feed in (store.feed(f.key) for f in configured) if feed is not None}
    return [replace(feed, title=stored[feed.key].title) if feed.key in stored else feed for feed in configured]


# ------------------------------------------------------------------------------------------------------ poll


@app.command()
@click.option("--now", is_flag=True, help="Poll every feed now, due or not (ignores the interval, back-off and ttl).")
@click.option("--feed", "selector", metavar="NAME|URL", help="Poll only this feed, now (its URL, name or title).")
@click.option("--json", "as_json", is_flag=True, help="Print the poll report as JSON.")
@click.pass_obj
def poll(ctx: AppContext, now: bool, selector: str | None, as_json: bool) -> None:
    """Fetch every due feed once, store the new articles and attach them to stories.

    A feed is due when its poll interval (`poll.interval_minutes`, or longer when the feed's `<ttl>` or
    `Cache-Control` asks) has passed, or its back-off after failures has. `--now` polls every feed at once, and
    `--feed` one feed, whatever their next poll time: after fixing a feed, or to see new articles now. Each
    failing feed is one `warning:` line on stderr. Exit 3 when some feeds failed (the others are stored).
    """
    from briefing import pipeline  # imported when needed: it pulls in every stage

    settings = ctx.settings()
    with open_store_from_settings(settings) as store, progress_bars(ctx.quiet or as_json) as progress:
        if now or selector:
            report = pipeline.poll_now(settings, store, datetime.now(UTC), selector, progress=progress)
        else:
            report = pipeline.poll(settings, store, datetime.now(UTC), progress=progress)
        upcoming = [f.next_poll for f in store.feeds(include_retired=False) if f.next_poll]
    if as_json:
        stdout.print_json(json.dumps(report.summary()))
    else:
        print_table(_poll_table(report))
    if not report.polled and upcoming and not ctx.quiet:
        soonest = min(upcoming).astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z")
        stderr.print(f"no feed was due; the next is due at {soonest} (`briefing poll --now` polls them all now)")
    if report.failed:
        sys.exit(EXIT_PARTIAL)


def _poll_table(report: PollReport) -> Table:
    summary = report.summary()
    table = Table("Poll", "Count", title=f"{plural(summary['feeds'], 'feed')} polled", title_justify="left")
    table.add_row("new content", str(summary["ok"]))
    table.add_row("304 not modified", str(summary["not_modified"]))
    table.add_row("unchanged body", str(summary["unchanged"]))
    table.add_row("failed", str(summary["failed"]), style="red" if summary["failed"] else None)
    table.add_row("new articles", str(summary["new_articles"]), end_section=True)
    return table
