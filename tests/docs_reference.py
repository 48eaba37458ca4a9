"""The two generated references in docs/: every feeds.yaml key from the settings model, every command from the
click commands. Each lives between marker comments in its page; `tests/test_docs.py` fails when a block is
stale, and this script rewrites both:

    .venv/bin/python tests/docs_reference.py

A key's default and meaning, and a command's options, are written once, in the code (pydantic `Field`
descriptions, click docstrings and `help=`); the pages explain behaviour and link here.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args, get_origin

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from briefing.cli import app
from briefing.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
CONFIG_PAGE, COMMANDS_PAGE = DOCS / "configuration.md", DOCS / "commands.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->\n", f"<!-- {name}:end -->\n"


def block(page: Path, name: str) -> str:
    """The text between a page's markers (markers excluded)."""
    start, end = markers(name)
    return page.read_text(encoding="utf-8").partition(start)[2].partition(end)[0]


def rewrite(page: Path, name: str, content: str) -> None:
    start, end = markers(name)
    before, found, rest = page.read_text(encoding="utf-8").partition(start)
    assert found, f"{page} has no {start.strip()} marker"
    page.write_text(before + start + content + end + rest.partition(end)[2], encoding="utf-8")


# ------------------------------------------------------------------------------------------- configuration


def config_rows(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """One Markdown table row per key of feeds.yaml, from the settings model's defaults and descriptions."""
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = f"{prefix}{info.alias or name}"
        inner = [c for c in get_args(info.annotation) or (info.annotation,) if isinstance(c, type)]
        nested = next((c for c in inner if issubclass(c, BaseModel)), None)
        is_list = get_origin(info.annotation) is list
        default = "" if nested else f"`{json.dumps(info.get_default(call_default_factory=True), default=str)}`"
        if info.is_required():
            default = "required"
        meaning = markdown_text(info.description or "").replace("|", "\\|") + value_range(info)
        yield f"| `{key}` | {default} | {meaning} |"
        if nested is not None:
            yield from config_rows(nested, f"{key}[]." if is_list else f"{key}.")


def value_range(info: FieldInfo) -> str:
    """` (more than 0, at most 720)` from a number's bounds (every number in feeds.yaml has them)."""
    words = {"gt": "more than", "ge": "at least", "lt": "less than", "le": "at most"}
    parts = [
        f"{words[name]} {getattr(bound, name):,}"
        for bound in info.metadata
        for name in words
        if getattr(bound, name, None) is not None
    ]
    return f" ({', '.join(parts)})" if parts else ""


def config_reference() -> str:
    return "| Key | Default | Meaning |\n|---|---|---|\n" + "\n".join(config_rows(Settings)) + "\n"


def config_keys() -> list[str]:
    return re.findall(r"^\| `([^`]+)` \|", config_reference(), flags=re.MULTILINE)


# ------------------------------------------------------------------------------------------------ commands


def commands(group: click.Group, parent: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    """Every visible command under `group`, depth first in the order they are listed, with its context."""
    for name in group.list_commands(parent):
        command = group.get_command(parent, name)
        if command is None or command.hidden:
            continue
        context = click.Context(command, info_name=name, parent=parent)
        yield command, context
        if isinstance(command, click.Group):
            yield from commands(command, context)


def markdown_text(text: str) -> str:
    """Plain text as Markdown: `<` and `>` outside code spans escaped (`<id>` is not a tag), paragraphs kept."""
    text = inspect.cleandoc(text).split("\f")[0].replace("\b\n", "")
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if part.startswith("`") else part.replace("<", "&lt;").replace(">", "&gt;") for part in parts)


def _option_rows(command: click.Command, context: click.Context) -> list[str]:
    """`| `--feed NAME|URL` | meaning |` per option, `--help` aside (every command has it). Pipes inside a
    code span do not split a Markdown table cell; elsewhere they are escaped."""
    rows = []
    for param in command.get_params(context):
        record = param.get_help_record(context) if isinstance(param, click.Option) else None
        if record is None or "--help" in param.opts:
            continue
        names, meaning = record
        rows.append(f"| `{names}` | {markdown_text(meaning).replace('|', chr(92) + '|')} |")
    return rows


def command_section(command: click.Command, context: click.Context) -> str:
    usage = " ".join([context.command_path, *command.collect_usage_pieces(context)])
    text = f"### `{context.command_path}`\n\n```\n{usage}\n```\n\n{markdown_text(command.help or '')}\n"
    return text + _options_table(command, context)


def _options_table(command: click.Command, context: click.Context) -> str:
    rows = _option_rows(command, context)
    return "\n| Option | Meaning |\n|---|---|\n" + "\n".join(rows) + "\n" if rows else ""


def command_reference() -> str:
    """Global options first, then every command in alphabetical order (as `briefing --help` lists them)."""
    root = click.Context(app, info_name="briefing")
    usage = " ".join(["briefing", *app.collect_usage_pieces(root)])
    sections = [f"### Global options\n\n```\n{usage}\n```\n" + _options_table(app, root)]
    sections += [command_section(command, context) for command, context in commands(app, root)]
    return "\n".join(sections)


def main() -> None:
    rewrite(CONFIG_PAGE, "config-reference", config_reference())
    rewrite(COMMANDS_PAGE, "command-reference", command_reference())
    print(f"rewrote the references in {CONFIG_PAGE} and {COMMANDS_PAGE}")


if __name__ == "__main__":
    main()
