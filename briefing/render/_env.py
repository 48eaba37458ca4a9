"""The Jinja2 environment: the user's templates first, the bundled ones second, strict and autoescaped.

A user's `templates_dir` shadows any bundled template of the same name; every bundled template is also reachable
as `bundled/<name>`, so a user template can `{% extends "bundled/email.html" %}` and override one block.
Autoescape is on for `.html` and `.xml`; Markdown and plain text templates escape with the `md` and `wrap` filters.
Templates receive values, never anything that can query the store.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from briefing.errors import ConfigError

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$<>&])")
# Liquid finds `{%` and `{{` even after a backslash, so braces become entities like `<`, `>` and `&`.
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "{": "&#123;", "}": "&#125;"}
# A block marker at the start of a line: a list item, an ordered list item, a heading.
_MD_LEADING = re.compile(r"^(\d*)([-+.)])")


def bundled_templates_path() -> Path:
    """The folder of the default templates: inside the installed package, or the repository's `templates/`."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates"
    if (installed / "email.html").is_file():
        return installed
    return package.parent / "templates"


def md_escape(value: object) -> str:
    """Text that a Markdown converter shows as typed: no emphasis, links, raw HTML, Liquid or shortcodes.

    Punctuation that Markdown, GFM tables or kramdown math read gets a backslash; `<`, `>`, `&` and the braces
    of Liquid (`{{`, `{%`) and Hugo shortcodes become entities, which every converter decodes and no template
    engine reads.
    A leading `-`, `+` or `1.` is escaped so the text cannot open a nested list. Texts are one line (clean_text).
    """

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        return _MD_ENTITIES.get(char, "\\" + char)

    escaped = _MD_SPECIAL.sub(one, str(value))
    leading = _MD_LEADING.match(escaped)
    if leading and (leading.group(1) or leading.group(2) in "-+"):
        escaped = f"{leading.group(1)}\\{escaped[leading.end(1) :]}"
    return escaped


def wrap(value: object, width: int = 72, indent: str = "", subsequent: str | None = None) -> str:
    """Text wrapped at `width` columns; URLs and long words are never broken."""
    return "\n".join(
        textwrap.wrap(
            str(value),
            width=width,
            initial_indent=indent,
            subsequent_indent=indent if subsequent is None else subsequent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


@cache
def environment(templates_dir: str | None) -> jinja2.Environment:
    """One environment per templates folder (cached: compiling templates is the slow part)."""
    bundled = jinja2.FileSystemLoader(str(bundled_templates_path()))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir:
        folder = Path(templates_dir).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"render.templates_dir: {folder} is not a folder")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders += [bundled, jinja2.PrefixLoader({"bundled": bundled})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["wrap"] = wrap
    return env


def render_template(templates_dir: str | None, name: str, **values: Any) -> str:
    """Render one template; a broken or missing template is a configuration error naming the file and line."""
    env = environment(templates_dir)
    try:
        return env.get_template(name).render(**values)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"template {exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"template {exc.name} not found", hint=f"looked in {templates_dir or 'the bundled templates'}"
        ) from exc
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"template {name}: {exc.message}", hint="templates receive `edition` and `view`") from exc
