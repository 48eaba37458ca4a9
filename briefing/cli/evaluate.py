"""Commands: `briefing eval clustering` and `briefing eval grounding` (input formats in ARCHITECTURE.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from briefing.cli._app import app, plain, print_table, stderr, stdout


@app.group("eval")
def eval_group() -> None:
    """Score briefing's own clustering and grounding code on labelled JSON Lines files."""


def _print_scores(title: str, scores: dict[str, Any], as_json: bool) -> None:
    if as_json:
        stdout.print_json(json.dumps(scores))
        return
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        if isinstance(value, int | float):
            table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    print_table(table)
    for name, value in scores.items():
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            sub = Table(title=name)
            columns = sorted({k for v in value.values() for k in v})
            sub.add_column(name)
            for column in columns:
                sub.add_column(column, justify="right")
            for key, row in value.items():
                sub.add_row(plain(key), *(_cell(row.get(c)) for c in columns))  # origins come from the file
            print_table(sub)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


@eval_group.command("clustering")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--window-days", type=float, default=None, help="Cluster this many days at once (default: day by day).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the within-day shuffle.")
def eval_clustering(path: Path, as_json: bool, window_days: float | None, seed: int) -> None:
    """Score story clustering: BCubed and pairwise precision/recall/F1.

    PATH is JSON Lines with `id, title, text, published, source, url, cluster`. Articles are fed day by day,
    shuffled within each day, through the same code the product uses.
    """
    from briefing.evaluate.clustering import evaluate_file

    _print_scores("clustering", evaluate_file(path, window_days=window_days, seed=seed), as_json)


@eval_group.command("grounding")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--lexical", is_flag=True, help="Score the lexical check even when the sentence encoder loads.")
def eval_grounding(path: Path, as_json: bool, lexical: bool) -> None:
    """Score the grounding check: balanced accuracy, ROC-AUC, recall/precision on `unsupported`, per origin.

    PATH is JSON Lines with `id, source, claim, label` (supported | unsupported) and optional `origin`. The
    check is the one a default configuration runs (semantic when the encoder loads, else lexical); the output
    says which.
    """
    from briefing.evaluate.grounding import default_check, evaluate_file

    scores = evaluate_file(path, default_check(lexical))
    if not as_json:
        stderr.print(f"check: {scores['check']}", markup=False)
    _print_scores("grounding", scores, as_json)
