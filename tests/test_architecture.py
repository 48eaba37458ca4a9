"""The pipeline's imports go one way: the import contracts in pyproject.toml (`[tool.importlinter]`) hold.

import-linter reads every import of the package, including those inside functions and under TYPE_CHECKING: a
lazy import of a later stage is still a dependency on it. The contracts state the layers (a module imports only
from layers below its own; `a | b` are siblings that may not import each other) and that the stages between
ingest and delivery take values, never the store. docs/development.md#architecture explains the order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import briefing

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# In a child process: import-linter configures logging with `dictConfig`, which would silence this process's
# loggers for the tests that run after this one.
LINT = "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(no_cache=True, no_logo=True))"


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts of `project`'s pyproject.toml against the `briefing` package in `project`."""
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},  # ahead of any installed copy of the package
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_read_the_package_under_test() -> None:
    """An installed copy of briefing elsewhere would make the contract check the wrong code."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]

    assert (config["root_package"], Path(briefing.__file__).parent) == ("briefing", ROOT / "briefing")


def test_a_lazy_import_of_a_later_stage_breaks_the_contract(tmp_path: Path) -> None:
    """The contract has teeth: a copy of the package whose summariser imports the review inside a function."""
    shutil.copytree(ROOT / "briefing", tmp_path / "briefing", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    with (tmp_path / "briefing" / "summarise" / "__init__.py").open("a", encoding="utf-8") as module:
        module.write("\n\ndef _late() -> None:\n    from briefing import review  # noqa: F401\n")

    result = lint(tmp_path)

    assert (result.returncode, "briefing.summarise is not allowed to import briefing.review" in result.stdout) == (
        1,
        True,
    ), result.stdout + result.stderr
