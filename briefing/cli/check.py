"""Command: `briefing check EDITION_PATH` — what a reader would object to in a built edition, counted."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from briefing.cli._app import app, stdout


@app.command("check")
@click.argument("edition_path", metavar="EDITION_PATH", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (counts and findings) instead.")
def check(edition_path: Path, as_json: bool) -> None:
    """Count junk, dangling and repeated bullets, stale relative times and non-news leads in a built edition.

    EDITION_PATH is an edition's briefing.json or its folder (outputs/editions/<id>). Also prints the share of
    multi-article stories with two or more bullets and the candidates the build skipped, by reason.
    """
    from briefing.evaluate.edition import check_edition, load_edition

    counts = check_edition(load_edition(edition_path)).counts()
    if as_json:
        stdout.print_json(json.dumps(counts))
        return
    table = Table(title=f"check: {counts['edition']}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            table.add_row(key, str(value))
    for reason, count in counts["rejected"].items():
        table.add_row(f"skipped: {reason}", str(count))
    stdout.print(table)
    for name, findings in counts["findings"].items():
        for finding in findings:
            stdout.print(f"{name}: [{finding['story']}] {finding['text']} ({finding['reason']})", markup=False)
