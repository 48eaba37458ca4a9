"""Commands: `store check` (more `store` commands join this group)."""

from __future__ import annotations

import sys

import click

from briefing.cli._app import EXIT_FAILURE, AppContext, app, plain, stderr, stdout
from briefing.store import database_file, integrity_problems


@app.group("store")
def store_group() -> None:
    """Look after the database."""


@store_group.command("check")
@click.pass_obj
def store_check(ctx: AppContext) -> None:
    """Run SQLite's integrity check on the database. Exit 1 when it finds damage (restore from a backup)."""
    path = database_file(ctx.settings())
    problems = integrity_problems(path)
    if not problems:
        stdout.print(f"{plain(path)}: ok")
        return
    for problem in problems:
        stdout.print(plain(problem), highlight=False)
    stderr.print(f"[red]error:[/red] {plain(path)}: the database is damaged; restore it from a backup")
    sys.exit(EXIT_FAILURE)
