"""The documentation stays true to the code: every command, option, config key and exit code is documented in
the README or the docs site (`docs/`), and the site builds with `mkdocs build --strict`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from briefing.cli import app
from briefing.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + "".join(page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").rglob("*.md")))


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
