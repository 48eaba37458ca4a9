"""The documentation stays true to the code: every command, option, config key and exit code is documented in
the README or the docs site (`docs/`); the configuration and command references are generated from the code
(regenerate both: `.venv/bin/python tests/docs_reference.py`); a key is described once, in the configuration
reference; and the site builds with `mkdocs build --strict`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import docs_reference
import pytest
from pydantic import BaseModel

from briefing.cli import app
from briefing.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {page.name: page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").rglob("*.md"))}
DOCS = README + "".join(PAGES.values())
REGENERATE = "stale: regenerate with `.venv/bin/python tests/docs_reference.py` and review the diff"


def commands(group: click.Group, prefix: str = "briefing") -> Iterator[tuple[str, click.Command]]:
    context = click.Context(group)
    for name in group.list_commands(context):  # the group loads its commands lazily
        command = group.get_command(context, name)
        assert command is not None, f"`{prefix} {name}` is listed but cannot be loaded"
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from commands(command, path)


def config_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        key = f"{prefix}{field.alias or name}"
        yield key
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        for candidate in inner:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                yield from config_keys(candidate, f"{key}.")


@pytest.mark.parametrize("path", [path for path, _ in commands(app)])
def test_every_command_is_documented(path: str) -> None:
    assert f"`{path}" in DOCS, f"neither the README nor docs/ document `{path}`"


@pytest.mark.parametrize(
    ("path", "option"),
    [
        (path, opt)
        for path, command in commands(app)
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    ],
)
def test_every_option_is_documented(path: str, option: str) -> None:
    assert option in DOCS, f"neither the README nor docs/ document {option} of `{path}`"


@pytest.mark.parametrize("key", list(config_keys(Settings)))
def test_every_config_key_is_documented(key: str) -> None:
    leaf = key.rsplit(".", 1)[-1]
    assert re.search(rf"`{re.escape(key)}`|`{re.escape(leaf)}`", DOCS), f"docs/ do not document `{key}`"


@pytest.mark.parametrize("code", ["0", "1", "2", "3", "4"])
def test_every_exit_code_is_in_the_readme(code: str) -> None:
    assert re.search(rf"\|\s*{code}\s*\|", README), f"README's exit-code table lacks {code}"


def test_the_configuration_reference_is_generated_from_the_settings_model() -> None:
    """Defaults and meanings too, not only the keys: a reference with a stale default misleads."""
    documented = docs_reference.block(docs_reference.CONFIG_PAGE, "config-reference")
    assert documented == docs_reference.config_reference(), f"docs/configuration.md's reference is {REGENERATE}"


def test_the_command_reference_is_generated_from_the_click_commands() -> None:
    documented = docs_reference.block(docs_reference.COMMANDS_PAGE, "command-reference")
    assert documented == docs_reference.command_reference(), f"docs/commands.md's reference is {REGENERATE}"


def key_table_rows(text: str) -> list[str]:
    """Table rows that start with a feeds.yaml key (`poll.interval_minutes`, `editions[].at`)."""
    keys = set(docs_reference.config_keys()) - {key for key in docs_reference.config_keys() if "." not in key}
    return [row for row in re.findall(r"^\|\s*`([^`]+)`\s*\|", text, flags=re.MULTILINE) if row in keys]


def annotated_yaml_keys(text: str) -> int:
    """The most `key: value  # comment` lines in one YAML block: a block that explains every key it sets is a
    second reference."""
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.DOTALL)
    return max((len(re.findall(r"^\s*-?\s*[\w-]+:[^#\n]*#", block, flags=re.MULTILINE)) for block in blocks), default=0)


@pytest.mark.parametrize("name", ["README.md", *(name for name in PAGES if name != "configuration.md")])
def test_every_key_is_described_once_in_the_configuration_reference(name: str) -> None:
    """Other pages explain behaviour and link to the reference; a second table of keys drifts from it."""
    text = README if name == "README.md" else PAGES[name]
    assert (key_table_rows(text), annotated_yaml_keys(text) <= 3) == ([], True), (
        f"{name} repeats keys from the configuration reference; link to configuration.md#configuration-reference"
    )


def readme_setup_commands() -> list[str]:
    """The README's two set-up lines: install and demo, install the test tools and run the tests."""
    found = re.search(r"## Set up a fresh machine\n.*?```sh\n(.*?)```", README, flags=re.DOTALL)
    assert found is not None, "README.md lost its 'Set up a fresh machine' commands"
    return found.group(1).strip().splitlines()


def test_ci_runs_the_readmes_test_command() -> None:
    """CI tests what a newcomer runs; the commands themselves are tried on a fresh clone before each release."""
    install, tests = readme_setup_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert (tests.split(" && ")[-1] in ci, install.split(" && ")[0] in ci) == (True, True)


def test_the_readme_is_short_enough_to_read() -> None:
    """The README is for users: what it is, the two set-up commands, a minimal config, the commands, links into
    the docs. Reference and figures live in docs/."""
    assert len(README.splitlines()) <= 220


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    """Broken links, missing pages and pages outside the nav fail the build."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
