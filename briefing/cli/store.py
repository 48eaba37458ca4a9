"""Commands: `store stats`, `store prune`, `store migrate` and `store check` — looking after the store itself."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from rich.table import Table

from briefing.cli._app import EXIT_FAILURE, AppContext, app, plain, print_table, stderr, stdout
from briefing.models import PruneReport, StoreStats
from briefing.store import database_file, integrity_problems, migrate_store, open_store_from_settings


@app.group("store")
def store_group() -> None:
    """Look after the store: its size, what retention removes, moving it to another database, its health."""


@store_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.pass_obj
def stats(ctx: AppContext, as_json: bool) -> None:
    """Which store, its size on disk, its schema version, and the rows each table holds."""
    with open_store_from_settings(ctx.settings()) as store:
        found = store.stats()
    if as_json:
        stdout.print_json(json.dumps(_stats_dict(found)))
        return
    stdout.print(f"{found.backend} store: {plain(found.location)} (schema version {found.schema_version})")
    span = f"articles published from {_day(found.oldest_article)} to {_day(found.newest_article)}"
    stdout.print(f"size: {_size(found.size_bytes)}; {span if found.oldest_article else 'no articles yet'}")
    table = Table("table")
    table.add_column("rows", justify="right")
    for name, count in found.rows.items():
        table.add_row(name, f"{count:,}")
    print_table(table)


@store_group.command("prune")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.pass_obj
def prune(ctx: AppContext, as_json: bool) -> None:
    """Remove what `retention:` no longer keeps, then give the space back (SQLite: incremental vacuum).

    Never removes what an edition still needs: the articles of the latest edition of each name and of the
    stories it reported, and anything of an edition that may still be sent. `run-due` and `schedule` run this
    once a day on their own.
    """
    from briefing import pipeline  # imported when needed: it pulls in every stage

    settings = ctx.settings()
    with open_store_from_settings(settings) as store:
        report = pipeline.prune(settings, store, datetime.now(UTC))
    if as_json:
        stdout.print_json(json.dumps(_prune_dict(report)))
        return
    print_prune_report(report)


def print_prune_report(report: PruneReport) -> None:
    removed = ", ".join(f"{count:,} {table}" for table, count in report.removed.items() if count) or "nothing"
    stdout.print(f"pruned: {removed}")
    stdout.print(f"size: {_size(report.size_before)} -> {_size(report.size_after)}")


@store_group.command("migrate")
@click.option("--to", "target", required=True, metavar="URL", help="The empty store to copy into (URL or path).")
@click.pass_obj
def migrate(ctx: AppContext, target: str) -> None:
    """Copy everything in the configured store into the empty store at URL and check every table's count.

    URL is `postgresql://user@host/dbname` (password from BRIEFING_DATABASE_PASSWORD or libpq's ~/.pgpass), or a
    SQLite path or `sqlite:///PATH` to move back. The configured store is left as it was; point
    `database_url:` at the new one when the copy succeeds.
    """
    counts = migrate_store(ctx.settings(), target)
    table = Table("table", "source", "copied")
    for name, (source, copied) in counts.items():
        table.add_row(name, f"{source:,}", f"{copied:,}")
    print_table(table)
    stdout.print(f"copied {sum(c for _, c in counts.values()):,} rows; every count matches. Now set database_url.")


@store_group.command("check")
@click.pass_obj
def store_check(ctx: AppContext) -> None:
    """Run SQLite's integrity check on the database. Exit 1 when it finds damage (restore from a backup).

    A PostgreSQL store is checked by its server (page checksums, `amcheck`); this says so and exits 0.
    """
    path = database_file(ctx.settings())
    if path is None:
        stdout.print("a PostgreSQL store: the server checks its own pages (see amcheck); nothing to do here")
        return
    problems = integrity_problems(path)
    if not problems:
        stdout.print(f"{plain(path)}: ok")
        return
    for problem in problems:
        stdout.print(plain(problem), highlight=False)
    stderr.print(f"[red]error:[/red] {plain(path)}: the database is damaged; restore it from a backup")
    sys.exit(EXIT_FAILURE)


def _stats_dict(found: StoreStats) -> dict[str, object]:
    return {
        "backend": found.backend,
        "location": found.location,
        "schema_version": found.schema_version,
        "size_bytes": found.size_bytes,
        "rows": found.rows,
        "oldest_article": found.oldest_article.isoformat() if found.oldest_article else None,
        "newest_article": found.newest_article.isoformat() if found.newest_article else None,
    }


def _prune_dict(report: PruneReport) -> dict[str, object]:
    cutoff = report.articles_before.isoformat() if report.articles_before else None
    return {
        "removed": report.removed,
        "size_before": report.size_before,
        "size_after": report.size_after,
        "articles_before": cutoff,
    }


def _size(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.1f} kB"


def _day(when: datetime | None) -> str:
    return when.date().isoformat() if when else "-"
