"""`briefing store stats|prune|migrate`, and every command writing the same bytes on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from briefing.cli import app
from briefing.demo import DemoSite, serve_demo_feeds, write_demo_config
from briefing.store.schema import TABLES

FROZEN = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)  # the wall clock of every command below (run-due is due)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with serve_demo_feeds() as serving:
        yield serving


@pytest.fixture
def config(
    site: DemoSite, tmp_path: Path, store_url: str, database_password: str | None, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The demo's feeds.yaml on this test's backend (its password, if any, from BRIEFING_DATABASE_PASSWORD)."""
    monkeypatch.setenv("BRIEFING_DATABASE_PASSWORD", database_password or "")
    return write_demo_config(site, tmp_path / "work", tmp_path / "out", store_url)


# ----------------------------------------------------------------------------------------------- commands


def test_store_stats_names_the_backend_and_counts_rows(config: Path, store_url: str) -> None:
    assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0

    result = invoke("--config", str(config), "store", "stats", "--json")

    found = json.loads(result.output)
    assert (found["backend"], sorted(found["rows"]), found["rows"]["editions"]) == (
        "sqlite" if store_url.startswith("sqlite") else "postgresql",
        sorted(TABLES),
        1,
    )
    assert (found["rows"]["articles"] > 0, found["size_bytes"] > 0, found["oldest_article"][:10]) == (
        True,
        True,
        "2026-11-24",
    )


def test_store_stats_prints_a_table(config: Path) -> None:
    result = invoke("--config", str(config), "store", "stats")
    assert (result.exit_code, "schema version" in result.output, "articles" in result.output) == (0, True, True)


def test_store_prune_reports_what_it_removed_and_the_sizes(config: Path) -> None:
    assert invoke("--config", str(config), "run", "--at", "2026-11-25T06:30:00+00:00").exit_code == 0
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=False):
        result = invoke("--config", str(config), "store", "prune", "--json")
    report = json.loads(result.output)
    # The only edition is the latest: its articles stay, whatever their age; its runs log entries do not.
    assert (report["removed"].get("articles"), report["removed"]["runs"], report["size_after"] > 0) == (0, 2, True)


def test_store_prune_prints_a_summary(config: Path) -> None:
    result = invoke("--config", str(config), "store", "prune")
    assert (result.exit_code, result.output.splitlines()[0]) == (0, "pruned: nothing")


def test_store_migrate_needs_a_target(config: Path) -> None:
    result = CliRunner().invoke(app, ["--config", str(config), "store", "migrate"])
    assert (result.exit_code, "Missing option '--to'" in result.output) == (2, True)


# ----------------------------------------------------------------------------------------- same bytes


def every_command(config: Path) -> list[str]:
    """Run the commands that write editions, in order, on a frozen wall clock; return what each printed."""
    base = ["--config", str(config)]
    commands = [
        ["poll"],
        ["build", "--at", "2026-11-25T06:30:00+00:00"],
        ["build", "--at", "2026-11-25T06:30:00+00:00"],  # a rebuild: identical bytes, 0 files written
        ["build", "--at", "2026-11-26T06:30:00+00:00"],  # nothing new since the last edition
        ["run", "--at", "2026-11-26T18:00:00+00:00"],
        ["build", "--at", "2026-11-25T06:30:00+00:00", "--dry-run", "--json"],
        ["run-due"],
        ["store", "prune"],
        ["build", "--at", "2026-11-27T06:30:00+00:00"],  # the run-due edition, rebuilt after the prune
    ]
    printed = []
    with time_machine.travel(FROZEN, tick=False):
        for command in commands:
            result = invoke(*base, *command)
            assert result.exit_code in (0, 4), (command, result.output)
            printed.append(result.output)
    return printed


def outputs_on(backend_url: str, site: DemoSite, folder: Path) -> tuple[dict[str, bytes], list[str]]:
    config = write_demo_config(site, folder / "work", folder / "out", backend_url)
    printed = every_command(config)
    return tree(folder / "out"), printed[5:6]  # the dry run's briefing.json on stdout


def test_every_command_writes_the_same_bytes_on_both_backends(
    site: DemoSite,
    tmp_path: Path,
    postgres_store_url: str,
    postgres_password: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRIEFING_DATABASE_PASSWORD", postgres_password or "")
    on_sqlite = outputs_on(f"sqlite:///{tmp_path / 'lite.sqlite'}", site, tmp_path / "lite")
    on_postgres = outputs_on(postgres_store_url, site, tmp_path / "server")
    assert len(on_sqlite[0]) > 10 and "editions/2026-11-27/briefing.json" in on_sqlite[0]
    assert on_postgres == on_sqlite


def test_the_demo_writes_the_same_bytes_on_both_backends(
    tmp_path: Path, postgres_store_url: str, postgres_password: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_DATABASE_PASSWORD", postgres_password or "")
    assert invoke("demo", "--out", str(tmp_path / "lite")).exit_code == 0
    result = invoke("demo", "--out", str(tmp_path / "server"), "--database-url", postgres_store_url)
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "server") == tree(tmp_path / "lite")
